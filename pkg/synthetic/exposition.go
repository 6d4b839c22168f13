package synthetic

import (
	"bufio"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"time"
)

// help is the HELP text of MetricName in both exposition formats.
const help = "Synthetic request rate with injected faults, for Foresight demos and tests."

// textContentType is the content type of the Prometheus text format 0.0.4.
const textContentType = "text/plain; version=0.0.4; charset=utf-8"

// Handler serves s at /metrics in the Prometheus text exposition format
// 0.0.4, with the values at now(). It writes no timestamps so that
// Prometheus stamps samples with its own scrape time, as it does for real
// exporters. Other paths get 404.
func Handler(s Scenario, now func() time.Time) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("/metrics", func(w http.ResponseWriter, r *http.Request) {
		if r.Method != http.MethodGet && r.Method != http.MethodHead {
			w.Header().Set("Allow", "GET, HEAD")
			http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
			return
		}
		t := now()
		w.Header().Set("Content-Type", textContentType)
		if r.Method == http.MethodHead {
			return
		}
		// A failed write means the scraper went away; there is no one
		// left to report the error to.
		_ = writeText(w, s, t)
	})
	return mux
}

// writeText writes the values of every service at t in the text format
// 0.0.4.
func writeText(w io.Writer, s Scenario, t time.Time) error {
	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# HELP %s %s\n# TYPE %s gauge\n", MetricName, help, MetricName)
	// The service names are plain ASCII, for which Go's %q quoting is
	// exactly the exposition formats' label value quoting.
	for _, svc := range services {
		fmt.Fprintf(bw, "%s{%s=%q} %s\n", MetricName, ServiceLabel, svc, formatFloat(s.Value(svc, t)))
	}
	return bw.Flush()
}

// WriteOpenMetrics writes the history of every service in OpenMetrics text
// format for `promtool tsdb create-blocks-from openmetrics`: one sample per
// step in [start, end], on the grid of multiples of step since the Unix
// epoch, with integer timestamps in seconds. Samples are grouped by series
// and in time order within each series, which is what promtool's importer
// and the OpenMetrics specification expect. step must be a positive whole
// number of seconds because promtool truncates fractional timestamps when
// converting them to milliseconds, which would shift samples by 1 ms.
func WriteOpenMetrics(w io.Writer, s Scenario, start, end time.Time, step time.Duration) error {
	if step <= 0 || step%time.Second != 0 {
		return fmt.Errorf("synthetic: write openmetrics: step %v is not a positive whole number of seconds", step)
	}
	if end.Before(start) {
		return fmt.Errorf("synthetic: write openmetrics: end %v is before start %v", end, start)
	}
	stepSec := int64(step / time.Second)
	startSec := start.Unix()
	if start.Nanosecond() > 0 {
		startSec++ // round up: the first sample must not precede start
	}
	first := ceilMultiple(startSec, stepSec)
	last := end.Unix() // Unix rounds down, so the last sample never follows end

	bw := bufio.NewWriter(w)
	fmt.Fprintf(bw, "# HELP %s %s\n# TYPE %s gauge\n", MetricName, help, MetricName)
	for _, svc := range services {
		for ts := first; ts <= last; ts += stepSec {
			v := s.Value(svc, time.Unix(ts, 0))
			fmt.Fprintf(bw, "%s{%s=%q} %s %d\n", MetricName, ServiceLabel, svc, formatFloat(v), ts)
		}
	}
	fmt.Fprint(bw, "# EOF\n")
	if err := bw.Flush(); err != nil {
		return fmt.Errorf("synthetic: write openmetrics: %w", err)
	}
	return nil
}

// ceilMultiple returns the smallest multiple of m that is >= x, for m > 0.
func ceilMultiple(x, m int64) int64 {
	r := x % m
	switch {
	case r == 0:
		return x
	case r > 0:
		return x + m - r
	default: // Go's % keeps the sign of x.
		return x - r
	}
}

// formatFloat formats v with the fewest digits that parse back to exactly v,
// so that a backfilled sample equals Scenario.Value bit for bit.
func formatFloat(v float64) string {
	return strconv.FormatFloat(v, 'g', -1, 64)
}
