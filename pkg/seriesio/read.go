package seriesio

import (
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"math"
	"strconv"
	"strings"

	"github.com/foresight-aiops/foresight/pkg/series"
)

// LineError is a problem with one line of the input.
type LineError struct {
	Line int // counted from 1
	Err  error
}

// Error renders the error as "line N: what was wrong".
func (e *LineError) Error() string { return fmt.Sprintf("line %d: %v", e.Line, e.Err) }

// Unwrap returns the problem without its line number.
func (e *LineError) Unwrap() error { return e.Err }

// Read parses CSV lines of timestamp,value into a series; see ReadLayout.
func Read(r io.Reader) (series.Series, error) {
	s, _, err := ReadLayout(r)
	return s, err
}

// ReadLayout parses CSV lines of timestamp,value into a series and reports the timestamp
// layout of the first point, for writing results back in the same notation.
//
// Timestamps may be in any Layout (they may even mix) and must be strictly increasing. An
// empty value or NaN is a gap. The first line is a header, and skipped, when neither its
// timestamp nor its value parses. Blank lines are skipped; CRLF line ends and a UTF-8 byte
// order mark are accepted. Errors about the content are *LineError.
func ReadLayout(r io.Reader) (series.Series, Layout, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1 // checked here, so the message can say what a line should hold
	cr.TrimLeadingSpace = true
	cr.ReuseRecord = true

	var (
		s        series.Series
		layout   Layout
		prevLine int
		first    = true
	)
	for {
		rec, err := cr.Read()
		if err == io.EOF {
			return s, layout, nil
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				return series.Series{}, 0, &LineError{Line: pe.Line, Err: pe.Err}
			}
			return series.Series{}, 0, fmt.Errorf("read CSV: %w", err)
		}
		line, _ := cr.FieldPos(0)
		if first {
			rec[0] = strings.TrimPrefix(rec[0], "\ufeff")
		}
		if len(rec) == 1 && strings.TrimSpace(rec[0]) == "" {
			continue // a line of spaces: as blank as the empty lines csv already skips
		}
		if len(rec) != 2 {
			return series.Series{}, 0, &LineError{Line: line, Err: fmt.Errorf("want 2 fields (timestamp,value), got %d", len(rec))}
		}
		stamp, value := strings.TrimSpace(rec[0]), strings.TrimSpace(rec[1])
		t, l, terr := ParseTimestamp(stamp)
		v, verr := parseValue(value)
		if first {
			first = false
			if terr != nil && verr != nil {
				continue // header
			}
		}
		if terr != nil {
			return series.Series{}, 0, &LineError{Line: line, Err: terr}
		}
		if verr != nil {
			return series.Series{}, 0, &LineError{Line: line, Err: verr}
		}
		if len(s.Times) == 0 {
			layout = l
		} else if t <= s.Times[len(s.Times)-1] {
			return series.Series{}, 0, &LineError{Line: line, Err: fmt.Errorf("timestamp %q is not after the one on line %d", stamp, prevLine)}
		}
		s.Times = append(s.Times, t)
		s.Values = append(s.Values, v)
		prevLine = line
	}
}

// parseValue reads a value; an empty field or NaN (any case) is a gap. Infinities are
// refused because one would poison every later baseline.
func parseValue(s string) (float64, error) {
	if s == "" || strings.EqualFold(s, "nan") {
		return math.NaN(), nil
	}
	v, err := strconv.ParseFloat(s, 64)
	switch {
	case errors.Is(err, strconv.ErrRange):
		return 0, fmt.Errorf("value %q is out of range", s)
	case err != nil:
		return 0, fmt.Errorf("value %q is not a number", s)
	case math.IsInf(v, 0):
		return 0, fmt.Errorf("value %q is not finite", s)
	}
	return v, nil
}
