package loghub

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
)

// structured is what one *_structured*.csv file holds, by column.
type structured struct {
	content, eventID, template []string
}

// Load reads system name from dir, the Loghub-2k folder (dir/<name>/<name>_2k.log and its
// label files). It checks that the log, the original labels and the corrected labels (when
// present) describe the same lines in the same order.
func Load(dir, name string) (System, error) {
	base := filepath.Join(dir, name, name+"_2k.log")
	raw, err := readLines(base)
	if err != nil {
		return System{}, fmt.Errorf("load %s: %w", name, err)
	}
	orig, err := readStructured(base + "_structured.csv")
	if err != nil {
		return System{}, fmt.Errorf("load %s: %w", name, err)
	}
	if len(orig.content) != len(raw) {
		return System{}, fmt.Errorf("load %s: %d log lines but %d labelled rows", name, len(raw), len(orig.content))
	}
	sys := System{
		Name:     name,
		Raw:      raw,
		Content:  orig.content,
		Original: Labels{EventID: orig.eventID, Template: orig.template, GroupBy: ByEventID},
	}

	corr, err := readStructured(base + "_structured_corrected.csv")
	switch {
	case errors.Is(err, fs.ErrNotExist):
		return sys, nil // Android and Windows were not re-labelled
	case err != nil:
		return System{}, fmt.Errorf("load %s corrected labels: %w", name, err)
	}
	// The corrected file is the original one with new labels; a differing Content means the
	// rows are not the same lines, and every score would be silently wrong.
	if i := firstDifference(orig.content, corr.content); i >= 0 {
		return System{}, fmt.Errorf("load %s: corrected labels row %d does not match the original row (Content differs)", name, i+1)
	}
	sys.Corrected = &Labels{EventID: corr.eventID, Template: corr.template, GroupBy: ByTemplate}
	return sys, nil
}

// readLines returns the lines of a log file. 15 of the 16 files end lines with CRLF, and only
// some end with a terminator; neither should create or alter a line.
func readLines(path string) ([]string, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	if len(b) == 0 {
		return nil, nil
	}
	lines := strings.Split(string(b), "\n")
	if lines[len(lines)-1] == "" {
		lines = lines[:len(lines)-1]
	}
	for i, l := range lines {
		lines[i] = strings.TrimSuffix(l, "\r")
	}
	return lines, nil
}

// readStructured reads the LineId, Content, EventId and EventTemplate columns of a structured
// CSV (RFC 4180; quoted fields hold commas). Rows must be LineId 1, 2, ... so that row i is
// line i of the log.
func readStructured(path string) (structured, error) {
	f, err := os.Open(path)
	if err != nil {
		return structured{}, err
	}
	defer f.Close()
	r := csv.NewReader(f)
	header, err := r.Read()
	if err != nil {
		return structured{}, fmt.Errorf("read %s header: %w", filepath.Base(path), err)
	}
	cols := map[string]int{"LineId": -1, "Content": -1, "EventId": -1, "EventTemplate": -1}
	for name := range cols {
		if cols[name] = slices.Index(header, name); cols[name] < 0 {
			return structured{}, fmt.Errorf("read %s: no %s column in header %q", filepath.Base(path), name, header)
		}
	}
	var s structured
	for row := 1; ; row++ {
		rec, err := r.Read()
		if err == io.EOF {
			return s, nil
		}
		if err != nil {
			return structured{}, fmt.Errorf("read %s: %w", filepath.Base(path), err)
		}
		if id := rec[cols["LineId"]]; id != strconv.Itoa(row) {
			return structured{}, fmt.Errorf("read %s row %d: LineId %q, want %d", filepath.Base(path), row, id, row)
		}
		s.content = append(s.content, rec[cols["Content"]])
		s.eventID = append(s.eventID, rec[cols["EventId"]])
		s.template = append(s.template, rec[cols["EventTemplate"]])
	}
}

// firstDifference returns the first index where a and b differ, or -1 when they are equal.
func firstDifference(a, b []string) int {
	for i := range max(len(a), len(b)) {
		if i >= len(a) || i >= len(b) || a[i] != b[i] {
			return i
		}
	}
	return -1
}
