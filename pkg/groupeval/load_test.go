package groupeval

import (
	"encoding/json"
	"maps"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/internal/datasets"
)

func loadMicroSS(t *testing.T) *Dataset {
	t.Helper()
	ds, err := Load(datasets.Dir(t, "fault-alerts-micross"))
	if err != nil {
		t.Fatal(err)
	}
	return ds
}

// TestLoad checks the counts the data set's README gives.
func TestLoad(t *testing.T) {
	ds := loadMicroSS(t)
	counts := map[Signal]int{}
	for _, f := range ds.Faults {
		for _, d := range f.Detections {
			counts[d.Signal]++
		}
	}
	if len(ds.Faults) != 152 || counts[Metric] != 5343 || counts[Trace] != 2959 || counts[Log] != 150 {
		t.Errorf("%d faults, %v detections; want 152 faults, 5343 metric, 2959 trace, 150 log", len(ds.Faults), counts)
	}
	f0 := ds.Faults[0]
	if f0.Entity != "redisservice2" || f0.Type != "[memory_anomalies]" || f0.Start.UTC().Format(time.DateTime) != "2021-07-01 10:45:00" {
		t.Errorf("first fault %s %s at %v", f0.Entity, f0.Type, f0.Start.UTC())
	}
	// The detections start within seconds of the fault: the label times are UTC+8.
	if d := f0.Detections[0].At.Sub(f0.Start); d < 0 || d > time.Minute {
		t.Errorf("first detection %v after the fault's start", d)
	}
	if d := ds.Graph.Distance("webservice1", "redisservice2"); d != 1 {
		t.Errorf("graph: Distance(webservice1, redisservice2) = %d, want 1", d)
	}
}

func TestDetections(t *testing.T) {
	str := func(s ...string) []*string {
		out := make([]*string, len(s))
		for i := range s {
			if s[i] != "<nil>" {
				out[i] = &s[i]
			}
		}
		return out
	}
	for _, c := range []struct {
		name string
		row  []*string
		conv func([]*string) (Detection, error)
		want map[string]string
	}{
		{"container metric", str("1625136301000", "mobservice2", "0.0.0.4", "docker_cpu_total_pct", "down"), metricDetection,
			map[string]string{"alertname": "docker_cpu_total_pct_low", "service": "mobservice2", "host": "0.0.0.4", "severity": "warning"}},
		{"machine metric", str("1625136301000", "0.0.0.2", "system", "system_core_softirq_pct", "up"), metricDetection,
			map[string]string{"alertname": "system_core_softirq_pct_high", "host": "0.0.0.2", "severity": "warning"}},
		{"latency: the caller's", str("1625136300740", "webservice1", "redisservice1", "http://0.0.0.1:9386/set_key_value_into_redis", "PD"), traceDetection,
			map[string]string{"alertname": "HighLatency", "service": "webservice1", "client": "webservice1", "server": "redisservice1", "operation": "/set_key_value_into_redis", "severity": "warning"}},
		{"5xx: the callee's", str("1625136302852", "webservice1", "loginservice1", "http://0.0.0.3:9384/login_query_redis_info", "500"), traceDetection,
			map[string]string{"alertname": "HTTP500", "service": "loginservice1", "client": "webservice1", "server": "loginservice1", "operation": "/login_query_redis_info", "severity": "critical"}},
		{"4xx: the caller's", str("1625136302852", "webservice1", "loginservice1", "http://0.0.0.3:9384/login", "400"), traceDetection,
			map[string]string{"alertname": "HTTP400", "service": "webservice1", "client": "webservice1", "server": "loginservice1", "operation": "/login", "severity": "warning"}},
	} {
		d, err := c.conv(c.row)
		if err != nil {
			t.Errorf("%s: %v", c.name, err)
			continue
		}
		if !maps.Equal(d.Labels, c.want) || d.At.IsZero() {
			t.Errorf("%s: labels %v at %v, want %v", c.name, d.Labels, d.At, c.want)
		}
	}
	for _, c := range []struct {
		name string
		row  []*string
		conv func([]*string) (Detection, error)
	}{
		{"short", str("1", "a", "b", "c"), metricDetection},
		{"bad direction", str("1", "a", "b", "c", "sideways"), metricDetection},
		{"bad time", str("soon", "a", "b", "c", "up"), metricDetection},
		{"no caller", str("1", "<nil>", "b", "c", "PD"), traceDetection},
		{"bad kind", str("1", "a", "b", "c", "slow"), traceDetection},
	} {
		if _, err := c.conv(c.row); err == nil {
			t.Errorf("%s: no error", c.name)
		}
	}
}

func TestLogDetectionTime(t *testing.T) {
	start := time.Date(2021, 7, 1, 10, 45, 0, 0, time.UTC)
	line := func(at string) string {
		return at + " | ERROR | 0.0.0.1 | 172.17.0.3 | webservice1 | 83fe | an error occurred"
	}
	raw := func(first any) []json.RawMessage {
		var row []json.RawMessage
		for _, v := range []any{"webservice1", "7", []string{line("2021-07-01 18:45:25,288"), line("2021-07-01 18:45:03,964")}, 2, first} {
			b, _ := json.Marshal(v)
			row = append(row, b)
		}
		return row
	}
	for _, c := range []struct {
		name  string
		first any
		want  time.Time
	}{
		{"first_error", line("2021-07-01 18:46:00,500"), time.Date(2021, 7, 1, 10, 46, 0, 500e6, time.UTC)},
		{"earliest example", nil, time.Date(2021, 7, 1, 10, 45, 3, 964e6, time.UTC)},
	} {
		d, err := logDetection(raw(c.first), start)
		if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !d.At.Equal(c.want) || d.Labels["alertname"] != "ErrorLogPattern" || d.Labels["pattern"] != "7" {
			t.Errorf("%s: %v at %v, want at %v", c.name, d.Labels, d.At.UTC(), c.want)
		}
	}
	row := raw(nil)
	row[2] = json.RawMessage(`[]`)
	if d, err := logDetection(row, start); err != nil || !d.At.Equal(start) {
		t.Errorf("no time given: at %v (%v), want the fault's start", d.At, err)
	}
}
