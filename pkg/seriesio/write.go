package seriesio

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/foresight-aiops/foresight/pkg/anomaly"
	"github.com/foresight-aiops/foresight/pkg/series"
)

// Header is the first line Write writes.
const Header = "timestamp,value"

// DetectionHeader is the first line WriteDetection writes.
const DetectionHeader = "timestamp,value,baseline,lower,upper,score,anomaly"

// Write writes s as CSV, Header first, timestamps in layout l; Read reads it back unchanged.
func Write(w io.Writer, s series.Series, l Layout) error {
	if len(s.Times) != len(s.Values) {
		return fmt.Errorf("write series: %d timestamps but %d values", len(s.Times), len(s.Values))
	}
	return writeLines(w, Header, len(s.Times), func(b []byte, i int) []byte {
		b = l.AppendFormat(b, s.Times[i])
		b = append(b, ',')
		return appendFloat(b, s.Values[i])
	})
}

// WriteDetection writes s and the model's judgement r of it as CSV, DetectionHeader first,
// one line per point with timestamps in layout l. Floats are written in the shortest form
// that reads back exactly; NaN (a gap, or a band not yet learned) is an empty field; the
// anomaly column is -1 (below the band), 0 or 1 (above).
func WriteDetection(w io.Writer, s series.Series, r anomaly.Result, l Layout) error {
	n := len(s.Times)
	if len(s.Values) != n || len(r.Baseline) != n || len(r.Lower) != n || len(r.Upper) != n ||
		len(r.Score) != n || len(r.Anomaly) != n {
		return fmt.Errorf("write detection: series of %d points but result of %d", n, len(r.Baseline))
	}
	return writeLines(w, DetectionHeader, n, func(b []byte, i int) []byte {
		b = l.AppendFormat(b, s.Times[i])
		for _, v := range [...]float64{s.Values[i], r.Baseline[i], r.Lower[i], r.Upper[i], r.Score[i]} {
			b = append(b, ',')
			b = appendFloat(b, v)
		}
		b = append(b, ',')
		return strconv.AppendInt(b, int64(r.Anomaly[i]), 10)
	})
}

// writeLines writes the header and n lines made by line. Every field is a number or a
// timestamp, none holds a comma or quote, so no CSV quoting is needed.
func writeLines(w io.Writer, header string, n int, line func(b []byte, i int) []byte) error {
	bw := bufio.NewWriterSize(w, 64<<10)
	if _, err := bw.WriteString(header + "\n"); err != nil {
		return fmt.Errorf("write CSV header: %w", err)
	}
	var b []byte
	for i := range n {
		b = append(line(b[:0], i), '\n')
		if _, err := bw.Write(b); err != nil {
			return fmt.Errorf("write CSV line %d: %w", i+2, err)
		}
	}
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("write CSV: %w", err)
	}
	return nil
}

func appendFloat(b []byte, v float64) []byte {
	if math.IsNaN(v) {
		return b
	}
	return strconv.AppendFloat(b, v, 'g', -1, 64)
}
