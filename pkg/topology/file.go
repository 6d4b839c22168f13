package topology

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"

	"gopkg.in/yaml.v3"
)

// File is the format LoadFile reads, in YAML or JSON:
//
//	edges:
//	  - {client: web, server: cart}
//	  - {client: cart, server: redis}
//	aliases:           # optional: other names alerts use for a service
//	  web-1: web       # an instance
//	  cart-7d9f: cart  # a pod
//
// Unknown fields are errors, so a misspelt key does not silently drop the graph.
type File struct {
	Edges   []Edge            `json:"edges" yaml:"edges"`
	Aliases map[string]string `json:"aliases,omitempty" yaml:"aliases,omitempty"`
}

// LoadFile reads a graph from a .yaml, .yml or .json file (see File).
func LoadFile(path string) (*Graph, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read topology file: %w", err)
	}
	var f File
	switch ext := strings.ToLower(filepath.Ext(path)); ext {
	case ".yaml", ".yml":
		err = decodeYAML(raw, &f)
	case ".json":
		err = decodeJSON(raw, &f)
	default:
		return nil, fmt.Errorf("topology file %s: unsupported extension %q (want .yaml, .yml or .json)", path, ext)
	}
	if err != nil {
		return nil, fmt.Errorf("topology file %s: %w", path, err)
	}
	if len(f.Edges) == 0 {
		return nil, fmt.Errorf("topology file %s: no edges", path)
	}
	g, err := New(f.Edges, f.Aliases)
	if err != nil {
		return nil, fmt.Errorf("topology file %s: %w", path, err)
	}
	return g, nil
}

func decodeYAML(raw []byte, f *File) error {
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(f); err != nil && !errors.Is(err, io.EOF) {
		return err // yaml.v3's messages carry the line
	}
	return nil
}

func decodeJSON(raw []byte, f *File) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(f); err != nil {
		var se *json.SyntaxError
		if errors.As(err, &se) {
			// Offset counts the bytes read, the offending one included.
			line, col := position(raw, se.Offset-1)
			return fmt.Errorf("line %d, column %d: %w", line, col, err)
		}
		return err
	}
	return nil
}

// position turns a byte offset into a 1-based line and column for error messages.
func position(raw []byte, offset int64) (line, col int) {
	offset = max(0, min(offset, int64(len(raw))))
	before := raw[:offset]
	line = bytes.Count(before, []byte("\n")) + 1
	col = int(offset) - bytes.LastIndexByte(before, '\n')
	return line, col
}
