// Package m4 reads the hourly subset of the M4 forecasting competition and scores forecasts
// exactly as the M4 organisers did (their R code "Benchmarks and Evaluation.R" in the
// Mcompetitions/M4-methods repository): sMAPE, MASE, OWA against the Naive2 benchmark, and
// MSIS for prediction intervals, so our figures compare with the published ones.
//
// It knows nothing of Foresight's models: a forecast is just a slice of numbers.
package m4

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

const (
	// Frequency is the seasonal period of the hourly series (one day), the m of MASE and MSIS.
	Frequency = 24
	// Horizon is the number of hours forecast and scored per series.
	Horizon = 48
)

// The file names in the M4 data set folder.
const (
	TrainFile = "Hourly-train.csv"
	TestFile  = "Hourly-test.csv"
)

// Series is one M4 series: the history a method may see, and the hours it is scored on.
type Series struct {
	ID    string    // "H1".."H414"
	Train []float64 // oldest first
	Test  []float64 // the Horizon values after the last training value
}

// Set is the hourly subset, in file order.
type Set struct {
	Series []Series
}

// Points is the number of training values over all series.
func (s *Set) Points() int {
	n := 0
	for _, sr := range s.Series {
		n += len(sr.Train)
	}
	return n
}

// row is one series as read from a file, with the line it came from for error messages.
type row struct {
	id     string
	line   int
	values []float64
}

// Load reads dir/Hourly-train.csv and dir/Hourly-test.csv. It checks what the scores rely on:
// every value a finite number, exactly Horizon test values per series, the same series in
// the same order in both files, and enough training data for the MASE scale.
func Load(dir string) (*Set, error) {
	train, err := readFile(filepath.Join(dir, TrainFile))
	if err != nil {
		return nil, err
	}
	test, err := readFile(filepath.Join(dir, TestFile))
	if err != nil {
		return nil, err
	}
	return join(train, test)
}

func readFile(path string) ([]row, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, fmt.Errorf("read M4 data: %w", err)
	}
	defer f.Close()
	return parse(f, filepath.Base(path))
}

// parse reads one M4 CSV file; name only labels the errors. Rows are numbered as file
// lines, the header being row 1.
func parse(r io.Reader, name string) ([]row, error) {
	cr := csv.NewReader(r)
	// Train rows are padded to the longest series; tolerate files whose padding was trimmed.
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read %s: empty file, want a header row \"V1\",\"V2\",...", name)
	}
	if err != nil {
		return nil, fmt.Errorf("read %s: %w", name, err)
	}
	if len(header) < 2 || header[0] != "V1" {
		return nil, fmt.Errorf("read %s row 1: header starts %q, want \"V1\",\"V2\",...", name, header[0])
	}
	var rows []row
	seen := map[string]int{}
	for {
		rec, err := cr.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("read %s: %w", name, err)
		}
		line, _ := cr.FieldPos(0)
		if rec[0] == "" {
			return nil, fmt.Errorf("read %s row %d column V1: empty series id", name, line)
		}
		values, err := parseValues(rec, header)
		if err != nil {
			return nil, fmt.Errorf("read %s row %d (series %s): %w", name, line, rec[0], err)
		}
		if prev, dup := seen[rec[0]]; dup {
			return nil, fmt.Errorf("read %s row %d: series %s already in row %d", name, line, rec[0], prev)
		}
		seen[rec[0]] = line
		rows = append(rows, row{id: rec[0], line: line, values: values})
	}
	if len(rows) == 0 {
		return nil, fmt.Errorf("read %s: no series after the header", name)
	}
	return rows, nil
}

// parseValues reads the cells after the id. Empty cells are padding and may only trail:
// a value after a gap would silently shift the series in time.
func parseValues(rec, header []string) ([]float64, error) {
	if len(rec) > len(header) {
		return nil, fmt.Errorf("%d cells, but the header names %d columns", len(rec), len(header))
	}
	values := make([]float64, 0, len(rec)-1)
	pad := 0 // column index of the first empty cell, 0 while none
	for j := 1; j < len(rec); j++ {
		cell := strings.TrimSpace(rec[j])
		if cell == "" {
			if pad == 0 {
				pad = j
			}
			continue
		}
		if pad != 0 {
			return nil, fmt.Errorf("column %s: value %q after the empty cell in column %s (only trailing cells may be empty)",
				header[j], cell, header[pad])
		}
		v, err := strconv.ParseFloat(cell, 64)
		if err != nil || math.IsNaN(v) || math.IsInf(v, 0) {
			return nil, fmt.Errorf("column %s: %q is not a finite number", header[j], cell)
		}
		values = append(values, v)
	}
	return values, nil
}

// join pairs the train and test rows, which the M4 files list in the same order.
func join(train, test []row) (*Set, error) {
	for _, te := range test {
		if len(te.values) != Horizon {
			return nil, fmt.Errorf("read %s row %d (series %s): %d values, want %d", TestFile, te.line, te.id, len(te.values), Horizon)
		}
	}
	if len(train) != len(test) {
		return nil, fmt.Errorf("%s has %d series but %s has %d", TrainFile, len(train), TestFile, len(test))
	}
	set := &Set{Series: make([]Series, len(train))}
	for i, tr := range train {
		te := test[i]
		if te.id != tr.id {
			return nil, fmt.Errorf("%s row %d is series %s, but %s row %d is %s: the files do not match",
				TestFile, te.line, te.id, TrainFile, tr.line, tr.id)
		}
		if err := checkTrain(tr.values); err != nil {
			return nil, fmt.Errorf("read %s row %d (series %s): %w", TrainFile, tr.line, tr.id, err)
		}
		set.Series[i] = Series{ID: tr.id, Train: tr.values, Test: te.values}
	}
	return set, nil
}

// checkTrain rejects a history whose MASE scale is undefined: every score would be NaN or
// infinite.
func checkTrain(values []float64) error {
	if len(values) <= Frequency {
		return fmt.Errorf("%d training values; the MASE scale needs more than %d", len(values), Frequency)
	}
	if Scale(values, Frequency) == 0 {
		return fmt.Errorf("training values repeat every %d steps exactly, so the MASE scale is 0", Frequency)
	}
	return nil
}
