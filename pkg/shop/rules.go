package shop

import (
	"fmt"
	"strconv"
	"time"
)

// Alert thresholds of AlertRules, chosen so that a healthy shop never crosses them (its
// slowest service's p99 is under 0.2 s, its busiest CPU under 0.4 cores, its errors
// under 1 %) and every fault of DefaultSchedule does.
const (
	LatencyThreshold    = 0.3  // seconds, p99
	ErrorRatioThreshold = 0.05 // share of requests answered 5xx
	CPUThreshold        = 0.9  // cores
)

// RuleTimings are the intervals of the alert rules.
type RuleTimings struct {
	// Interval is how often the rules are evaluated.
	Interval time.Duration
	// Window is the rate window: at least four scrape intervals.
	Window time.Duration
	// For is how long a condition must hold before its alert fires.
	For time.Duration
}

// AlertRules returns a Prometheus rule file alerting on the shop's RED and USE signals
// per service: p99 latency, error ratio and CPU. The rules select nothing shop-specific,
// so they suit any service exposing the client libraries' metrics with a service label.
func AlertRules(t RuleTimings) string {
	w, f := promDuration(t.Window), promDuration(t.For)
	return fmt.Sprintf(`groups:
  - name: foresight-demo
    interval: %s
    rules:
      - alert: HighLatency
        expr: histogram_quantile(0.99, sum by (service, le) (rate(%s_bucket[%s]))) > %s
        for: %s
        labels: {severity: warning}
        annotations:
          summary: "{{ $labels.service }} p99 latency is {{ $value | humanizeDuration }}"
      - alert: HighErrorRatio
        expr: sum by (service) (rate(%s{code=~"5.."}[%s])) / sum by (service) (rate(%s[%s])) > %s
        for: %s
        labels: {severity: critical}
        annotations:
          summary: "{{ $labels.service }} fails {{ $value | humanizePercentage }} of requests"
      - alert: CPUSaturated
        expr: sum by (service) (rate(%s[%s])) > %s
        for: %s
        labels: {severity: warning}
        annotations:
          summary: "{{ $labels.service }} uses {{ $value | printf \"%%.2f\" }} cores"
`, promDuration(t.Interval),
		MetricDuration, w, fmtFloat(LatencyThreshold), f,
		MetricRequests, w, MetricRequests, w, fmtFloat(ErrorRatioThreshold), f,
		MetricCPU, w, fmtFloat(CPUThreshold), f)
}

// promDuration writes d in whole milliseconds, which Prometheus reads in every field
// (it refuses the fractional forms time.Duration.String can produce).
func promDuration(d time.Duration) string {
	return strconv.FormatInt(max(d.Milliseconds(), 1), 10) + "ms"
}

func fmtFloat(v float64) string { return strconv.FormatFloat(v, 'g', -1, 64) }
