package nab

import (
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"

	"github.com/foresight-aiops/foresight/pkg/seriesio"
)

// File is one series of the corpus with its labelled windows.
type File struct {
	Name    string    // path relative to data/, e.g. "realKnownCause/nyc_taxi.csv"
	Times   []int64   // Unix ms, in file order (a few NAB files step backwards; kept as they are)
	Values  []float64 // in file order
	Windows []Window  // sorted, disjoint
}

// Corpus is the NAB data set: every series and its windows.
type Corpus struct {
	Files []File
}

// Windows is the number of labelled windows in the corpus, the "perfect" score's unit.
func (c *Corpus) Windows() int {
	n := 0
	for _, f := range c.Files {
		n += len(f.Windows)
	}
	return n
}

// Points is the number of rows in the corpus.
func (c *Corpus) Points() int {
	n := 0
	for _, f := range c.Files {
		n += len(f.Values)
	}
	return n
}

// Load reads the corpus at dir: dir/labels/combined_windows.json and the files it names
// under dir/data.
func Load(dir string) (*Corpus, error) {
	raw, err := os.ReadFile(filepath.Join(dir, "labels", "combined_windows.json"))
	if err != nil {
		return nil, fmt.Errorf("read NAB windows: %w", err)
	}
	var labels map[string][][2]string
	if err := json.Unmarshal(raw, &labels); err != nil {
		return nil, fmt.Errorf("parse %s: %w", filepath.Join(dir, "labels", "combined_windows.json"), err)
	}
	names := make([]string, 0, len(labels))
	for name := range labels {
		names = append(names, name)
	}
	sort.Strings(names)
	c := &Corpus{Files: make([]File, 0, len(names))}
	for _, name := range names {
		f, err := loadFile(filepath.Join(dir, "data", filepath.FromSlash(name)))
		if err != nil {
			return nil, err
		}
		f.Name = name
		if f.Windows, err = windowRows(f.Times, labels[name]); err != nil {
			return nil, fmt.Errorf("windows of %s: %w", name, err)
		}
		c.Files = append(c.Files, f)
	}
	return c, nil
}

func loadFile(path string) (File, error) {
	fh, err := os.Open(path)
	if err != nil {
		return File{}, fmt.Errorf("read NAB series: %w", err)
	}
	defer fh.Close()
	r := csv.NewReader(fh)
	r.FieldsPerRecord = 2
	r.ReuseRecord = true
	var f File
	for line := 1; ; line++ {
		rec, err := r.Read()
		if errors.Is(err, io.EOF) {
			return f, nil
		}
		if err != nil {
			return File{}, fmt.Errorf("%s: %w", path, err)
		}
		if line == 1 {
			continue // header: timestamp,value
		}
		t, err := parseTime(rec[0])
		if err != nil {
			return File{}, fmt.Errorf("%s:%d: %w", path, line, err)
		}
		v, err := strconv.ParseFloat(strings.TrimSpace(rec[1]), 64)
		if err != nil {
			return File{}, fmt.Errorf("%s:%d: value %q: %w", path, line, rec[1], err)
		}
		f.Times = append(f.Times, t)
		f.Values = append(f.Values, v)
	}
}

// parseTime reads NAB's "YYYY-MM-DD HH:MM:SS[.ffffff]" (UTC) as Unix ms.
func parseTime(s string) (int64, error) {
	ms, _, err := seriesio.ParseTimestamp(strings.TrimSpace(s))
	return ms, err
}

// windowRows maps labelled [start, end] timestamps to the first rows carrying them, as NAB's
// scorer does (list.index).
func windowRows(times []int64, spans [][2]string) ([]Window, error) {
	first := make(map[int64]int, len(times))
	for i := len(times) - 1; i >= 0; i-- {
		first[times[i]] = i
	}
	ws := make([]Window, 0, len(spans))
	for _, s := range spans {
		var w Window
		for k, dst := range []*int{&w.First, &w.Last} {
			t, err := parseTime(s[k])
			if err != nil {
				return nil, err
			}
			i, ok := first[t]
			if !ok {
				return nil, fmt.Errorf("window edge %s is not a row of the series", s[k])
			}
			*dst = i
		}
		if w.Last < w.First || (len(ws) > 0 && w.First <= ws[len(ws)-1].Last) {
			return nil, fmt.Errorf("window %s–%s is empty or overlaps the one before", s[0], s[1])
		}
		ws = append(ws, w)
	}
	return ws, nil
}
