package groupeval

import (
	"encoding/json"
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"
)

// How detections become alerts. The labels are what an Alertmanager or Grafana rule on the
// same signal would carry, so the engine sees nothing a real sender would not send:
//
//   - metric: alertname "<metric>_high" or "<metric>_low" (one anomaly rule per metric,
//     named by the direction it fired in); service = the container the metric came from
//     (MicroSS names its containers by instance, e.g. webservice1, and the service graph's
//     aliases fold them into their service); host = the machine's address. Machine-level
//     metrics (the entity is an address, host "system") carry host alone: node metrics have
//     no service.
//   - trace: one alert per call edge and operation, as a rule over Tempo's span or
//     service-graph metrics raises it, labelled client, server and operation (the URL's
//     path; its host:port is the callee's address and adds nothing). Whose alert it is
//     follows OpenTelemetry's span status rules: a latency alert ("HighLatency") is
//     measured on the caller's client span, which is where the slowness is felt and timed,
//     so service = caller; an HTTP 5xx ("HTTP500") is the server's own error, recorded on
//     its server span, so service = callee; an HTTP 4xx ("HTTP400") marks only the client
//     span as an error (the server did its job refusing a bad request), so service = caller.
//   - log: alertname "ErrorLogPattern", service = the logging entity, pattern = the Drain
//     template id, as a Loki rule counting error lines per pattern would label it.
//
// Severity: 5xx answers are critical, everything else a warning.
const (
	sevWarning  = "warning"
	sevCritical = "critical"
)

// machineHost is the host field of machine-level metrics, whose entity is the address.
const machineHost = "system"

func metricDetection(row []*string) (Detection, error) {
	f, err := fields(row, 5, 0, 1, 3, 4)
	if err != nil {
		return Detection{}, err
	}
	at, err := parseMillis(f[0])
	if err != nil {
		return Detection{}, err
	}
	entity, host, metric, dir := f[1], f[2], f[3], f[4]
	var suffix string
	switch dir {
	case "up":
		suffix = "_high"
	case "down":
		suffix = "_low"
	default:
		return Detection{}, fmt.Errorf("direction %q, want up or down", dir)
	}
	labels := map[string]string{"alertname": metric + suffix, "severity": sevWarning}
	switch {
	case host == machineHost || net.ParseIP(entity) != nil:
		labels["host"] = entity
	default:
		labels["service"] = entity
		if host != "" {
			labels["host"] = host
		}
	}
	return Detection{At: at, Signal: Metric, Labels: labels}, nil
}

func traceDetection(row []*string) (Detection, error) {
	f, err := fields(row, 5, 0, 1, 2, 4)
	if err != nil {
		return Detection{}, err
	}
	at, err := parseMillis(f[0])
	if err != nil {
		return Detection{}, err
	}
	caller, callee, op, kind := f[1], f[2], operation(f[3]), f[4]
	labels := map[string]string{"client": caller, "server": callee, "operation": op, "severity": sevWarning}
	switch {
	case kind == "PD":
		labels["alertname"], labels["service"] = "HighLatency", caller
	case strings.HasPrefix(kind, "5"):
		labels["alertname"], labels["service"], labels["severity"] = "HTTP"+kind, callee, sevCritical
	case strings.HasPrefix(kind, "4"):
		labels["alertname"], labels["service"] = "HTTP"+kind, caller
	default:
		return Detection{}, fmt.Errorf("anomaly kind %q, want PD or an HTTP status", kind)
	}
	return Detection{At: at, Signal: Trace, Labels: labels}, nil
}

// operation is the span name a tracer gives an HTTP call: the URL's path.
func operation(raw string) string {
	if u, err := url.Parse(raw); err == nil && u.Path != "" {
		return u.Path
	}
	return raw
}

// logTimeLayout is the time at the start of a MicroSS log line (UTC+8 wall clock).
const logTimeLayout = "2006-01-02 15:04:05,000"

// logDetection builds a log-pattern alert. logs.json gives no alert time, so it starts at
// the first error line the data set names (first_error), else at the earliest of the
// example lines (they are the matched lines, each stamped), else at the fault's start: a
// rule counting error lines fires at the first one it counts.
func logDetection(row []json.RawMessage, faultStart time.Time) (Detection, error) {
	if len(row) != 5 {
		return Detection{}, fmt.Errorf("%d fields, want 5", len(row))
	}
	var entity, template string
	var examples []string
	var first *string
	for i, dst := range []any{&entity, &template, &examples, nil, &first} {
		if dst == nil {
			continue // the count: not part of the alert
		}
		if err := json.Unmarshal(row[i], dst); err != nil {
			return Detection{}, fmt.Errorf("field %d: %w", i+1, err)
		}
	}
	if entity == "" || template == "" {
		return Detection{}, fmt.Errorf("entity %q or template %q is empty", entity, template)
	}
	at := faultStart
	candidates := examples
	if first != nil {
		candidates = []string{*first}
	}
	if t, ok := earliestLine(candidates); ok {
		at = t
	}
	labels := map[string]string{"alertname": "ErrorLogPattern", "service": entity, "pattern": template, "severity": sevWarning}
	return Detection{At: at, Signal: Log, Labels: labels}, nil
}

func earliestLine(lines []string) (time.Time, bool) {
	var best time.Time
	for _, l := range lines {
		if len(l) < len(logTimeLayout) {
			continue
		}
		t, err := time.ParseInLocation(logTimeLayout, l[:len(logTimeLayout)], wallClock)
		if err == nil && (best.IsZero() || t.Before(best)) {
			best = t
		}
	}
	return best, !best.IsZero()
}
