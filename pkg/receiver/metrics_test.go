package receiver

import (
	"fmt"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestSelfMetrics drives real webhooks, actions and feedback through the API and reads the
// service-level metrics back from a real /metrics scrape.
func TestSelfMetrics(t *testing.T) {
	_, base := startReceiver(t, testConfig(t), WithGatherers(&stubGatherer{}))
	a := client{t: t, base: base, auth: bearer(tokenA)}
	started := time.Now().Add(-10 * time.Minute)
	warning := strings.Replace(amAlert("CacheMiss", "cache", "firing", started), `"critical"`, `"warning"`, 1)
	db := a.ingest(fmt.Appendf(nil, amPayload, strings.Join([]string{
		amAlert("DBSlow", "db", "firing", started), amAlert("DBErrors", "db", "firing", started),
		amAlert("DBConns", "db", "firing", started)}, ",")))
	cache := a.ingest(fmt.Appendf(nil, amPayload, warning))

	type sample struct {
		series string
		want   float64
	}
	check := func(t *testing.T, samples []sample) {
		t.Helper()
		for _, s := range samples {
			if got := metric(t, base, s.series); got != s.want {
				t.Errorf("%s = %v, want %v", s.series, got, s.want)
			}
		}
	}
	check(t, []sample{
		{`foresight_incidents_open{severity="critical",tenant="a"}`, 1},
		{`foresight_incidents_open{severity="warning",tenant="a"}`, 1},
		{`foresight_incident_alert_compression_ratio{tenant="a"}`, 2}, // 4 alerts, 2 incidents
		{`foresight_incident_time_to_acknowledge_seconds_count{tenant="a"}`, 0},
		{`foresight_rca_feedback_total{tenant="a",verdict="right"}`, 0},
	})

	for _, step := range []struct{ path, body string }{
		{"/api/v1/incidents/" + db + "/acknowledge", ""},
		{"/api/v1/incidents/" + cache + "/resolve", ""},
		{"/api/v1/incidents/" + db + "/feedback", `{"verdict":"right","entity":"db"}`},
		{"/api/v1/incidents/" + db + "/feedback", `{"verdict":"right","entity":"db"}`},
		{"/api/v1/incidents/" + db + "/feedback", `{"verdict":"wrong","entity":"cache"}`},
		{"/api/v1/incidents/" + db + "/feedback", `{"verdict":"cause","entity":"disk"}`},
	} {
		if code, out := a.do(http.MethodPost, step.path, []byte(step.body)); code != http.StatusOK && code != http.StatusCreated {
			t.Fatalf("POST %s: %d %v", step.path, code, out)
		}
	}
	// A refused judgement counts nowhere.
	if code, _ := a.do(http.MethodPost, "/api/v1/incidents/"+db+"/feedback", []byte(`{"verdict":"maybe","entity":"db"}`)); code != http.StatusBadRequest {
		t.Fatalf("bad verdict accepted: %d", code)
	}

	check(t, []sample{
		{`foresight_incidents_open{severity="critical",tenant="a"}`, 1}, // acknowledged is still active
		{`foresight_incidents_open{severity="warning",tenant="a"}`, 0},  // resolved: the series is gone
		{`foresight_incident_alert_compression_ratio{tenant="a"}`, 2},
		{`foresight_incident_time_to_acknowledge_seconds_count{tenant="a"}`, 1},
		{`foresight_incident_time_to_acknowledge_seconds_bucket{tenant="a",le="300"}`, 0},
		{`foresight_incident_time_to_acknowledge_seconds_bucket{tenant="a",le="900"}`, 1},
		{`foresight_incident_time_to_resolve_seconds_count{tenant="a"}`, 1},
		{`foresight_rca_feedback_total{tenant="a",verdict="right"}`, 2},
		{`foresight_rca_feedback_total{tenant="a",verdict="wrong"}`, 1},
		{`foresight_rca_feedback_total{tenant="a",verdict="cause"}`, 1},
		{`foresight_rca_hypothesis_acceptance_ratio{tenant="a"}`, 0.5},
		// Tenant b did nothing: zeroed counters, no gauges.
		{`foresight_rca_feedback_total{tenant="b",verdict="right"}`, 0},
		{`foresight_incident_time_to_resolve_seconds_count{tenant="b"}`, 0},
	})
	if mtta := metric(t, base, `foresight_incident_time_to_acknowledge_seconds_sum{tenant="a"}`); mtta < 590 || mtta > 900 {
		t.Errorf("time to acknowledge %vs, want about 600s (alerts started 10 minutes ago)", mtta)
	}
	for _, absent := range []string{
		`foresight_incidents_open{severity="critical",tenant="b"}`,
		`foresight_incident_alert_compression_ratio{tenant="b"}`,
		`foresight_rca_hypothesis_acceptance_ratio{tenant="b"}`,
	} {
		if has(t, base, absent) {
			t.Errorf("%s is exposed for a tenant with nothing to report", absent)
		}
	}
	if !has(t, base, `foresight_incident_time_to_resolve_seconds_count{tenant="b"}`) {
		t.Error("tenant b's histogram is not created at zero")
	}
}

// has reports whether /metrics exposes the series.
func has(t *testing.T, base, series string) bool {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return strings.Contains(string(body), "\n"+series+" ")
}
