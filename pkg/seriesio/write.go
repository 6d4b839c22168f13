package seriesio

import (
	"bufio"
	"fmt"
	"io"
	"math"
	"strconv"

	"github.com/foresight-aiops/foresight/pkg/anomaly"
	"github.com/foresight-aiops/foresight/pkg/forecast"
	"github.com/foresight-aiops/foresight/pkg/series"
)

// Header is the first line Write writes.
const Header = "timestamp,value"

// DetectionHeader is the first line WriteDetection writes.
const DetectionHeader = "timestamp,value,baseline,lower,upper,score,anomaly"

// ForecastHeader is the first line WriteForecast writes.
const ForecastHeader = "timestamp,forecast,lower80,upper80,lower95,upper95"

// forecastLevels are the interval columns of ForecastHeader, in order.
var forecastLevels = [...]float64{0.8, 0.95}

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

// WriteForecast writes a forecast as CSV, ForecastHeader first, one line per forecast step
// with its timestamp from times (Unix ms) in layout l. r must hold the 80 % and 95 %
// intervals. Floats are written as WriteDetection writes them.
func WriteForecast(w io.Writer, times []int64, r forecast.Result, l Layout) error {
	n := len(times)
	if len(r.Mean) != n {
		return fmt.Errorf("write forecast: %d timestamps but %d forecast steps", n, len(r.Mean))
	}
	var ivs [len(forecastLevels)]forecast.Interval
	for k, level := range forecastLevels {
		iv, ok := r.Interval(level)
		if !ok || len(iv.Lower) != n || len(iv.Upper) != n {
			return fmt.Errorf("write forecast: no complete %g%% interval", level*100)
		}
		ivs[k] = iv
	}
	return writeLines(w, ForecastHeader, n, func(b []byte, i int) []byte {
		b = l.AppendFormat(b, times[i])
		b = append(b, ',')
		b = appendFloat(b, r.Mean[i])
		for _, iv := range ivs {
			b = append(b, ',')
			b = appendFloat(b, iv.Lower[i])
			b = append(b, ',')
			b = appendFloat(b, iv.Upper[i])
		}
		return b
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
