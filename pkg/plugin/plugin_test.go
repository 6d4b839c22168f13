package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/foresight-aiops/foresight/pkg/query"
)

func instance(t *testing.T, jsonData map[string]any, secrets map[string]string) *Datasource {
	t.Helper()
	raw, _ := json.Marshal(jsonData)
	inst, err := NewDatasource(context.Background(), backend.DataSourceInstanceSettings{UID: t.Name(), JSONData: raw, DecryptedSecureJSONData: secrets})
	if err != nil {
		t.Fatal(err)
	}
	return inst.(*Datasource)
}

func TestLoadSettings(t *testing.T) {
	raw := []byte(`{"prometheusUrl":"http://p:9090","prometheusAuth":"basic","basicAuthUser":"u","httpHeaderName1":"X-Scope-OrgID","httpHeaderName2":" ","lokiUrl":"http://l"}`)
	s, err := LoadSettings(backend.DataSourceInstanceSettings{JSONData: raw, DecryptedSecureJSONData: map[string]string{"httpHeaderValue1": "tenant-a", "basicAuthPassword": "pw"}})
	if err != nil {
		t.Fatal(err)
	}
	if s.headers.Get("X-Scope-OrgID") != "tenant-a" || len(s.headers) != 1 {
		t.Errorf("headers %v", s.headers)
	}
	if s.Timeout() != 30*time.Second || s.MaxSeries != defaultMaxSeries || s.LokiURL != "http://l" {
		t.Errorf("defaults not applied: %+v", s)
	}
	opts := s.prometheusHTTPOptions()
	if opts.BasicAuth == nil || opts.BasicAuth.User != "u" || opts.BasicAuth.Password != "pw" {
		t.Errorf("basic auth options %+v", opts.BasicAuth)
	}
	for _, bad := range []string{`{"prometheusAuth":"kerberos"}`, `{"prometheusAuth":"basic"}`, `{"timeoutSeconds":"x"}`} {
		if _, err := LoadSettings(backend.DataSourceInstanceSettings{JSONData: []byte(bad)}); err == nil {
			t.Errorf("%s accepted", bad)
		}
	}
}

// TestPrometheusRequestsCarryCredentials: what the settings promise reaches the wire.
func TestPrometheusRequestsCarryCredentials(t *testing.T) {
	tests := []struct {
		name     string
		jsonData map[string]any
		secrets  map[string]string
		check    func(r *http.Request) bool
	}{
		{"bearer", map[string]any{"prometheusAuth": "bearer"}, map[string]string{"bearerToken": "tok"},
			func(r *http.Request) bool { return r.Header.Get("Authorization") == "Bearer tok" }},
		{"basic", map[string]any{"prometheusAuth": "basic", "basicAuthUser": "u"}, map[string]string{"basicAuthPassword": "p"},
			func(r *http.Request) bool { u, p, ok := r.BasicAuth(); return ok && u == "u" && p == "p" }},
		{"header", map[string]any{"httpHeaderName1": "X-Scope-OrgID"}, map[string]string{"httpHeaderValue1": "t1"},
			func(r *http.Request) bool { return r.Header.Get("X-Scope-OrgID") == "t1" }},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if !tc.check(r) {
					w.WriteHeader(http.StatusUnauthorized)
					return
				}
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprint(w, `{"status":"success","data":{"version":"9.9.9"}}`)
			}))
			defer srv.Close()
			tc.jsonData["prometheusUrl"] = srv.URL
			h, err := instance(t, tc.jsonData, tc.secrets).CheckHealth(context.Background(), &backend.CheckHealthRequest{})
			if err != nil || h.Status != backend.HealthStatusOk {
				t.Fatalf("health %v %q", h.Status, h.Message)
			}
		})
	}
}

func TestHealthNamesTheFailingSource(t *testing.T) {
	prom := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		fmt.Fprint(w, `{"status":"success","data":{"version":"2.42.0"}}`)
	}))
	defer prom.Close()
	loki := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { w.WriteHeader(http.StatusUnauthorized) }))
	defer loki.Close()
	tempo := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { fmt.Fprint(w, "<html>") }))
	defer tempo.Close()
	ds := instance(t, map[string]any{"prometheusUrl": prom.URL, "lokiUrl": loki.URL, "tempoUrl": tempo.URL, "receiverUrl": "http://127.0.0.1:1"}, map[string]string{"lokiBearerToken": "secret-token"})
	h, _ := ds.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if h.Status != backend.HealthStatusError {
		t.Fatalf("status %v", h.Status)
	}
	for _, want := range []string{"Prometheus: OK, version 2.42.0", "Loki: 401 Unauthorized", "Tempo: not a Tempo API", "Receiver: unreachable"} {
		if !strings.Contains(h.Message, want) {
			t.Errorf("message %q lacks %q", h.Message, want)
		}
	}
	if strings.Contains(h.Message+string(h.JSONDetails), "secret-token") {
		t.Error("a secret leaked into the health result")
	}
	noURL := instance(t, map[string]any{}, nil)
	h, _ = noURL.CheckHealth(context.Background(), &backend.CheckHealthRequest{})
	if h.Status != backend.HealthStatusError || !strings.Contains(h.Message, "Prometheus URL is not set") {
		t.Errorf("no URL: %v %q", h.Status, h.Message)
	}
}

func TestAnomalyStep(t *testing.T) {
	ds := instance(t, map[string]any{"prometheusUrl": "http://p"}, nil)
	now := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name     string
		interval time.Duration
		span     time.Duration
		minStep  time.Duration
		want     time.Duration
		notice   bool
	}{
		{"panel interval", time.Minute, 6 * time.Hour, 0, time.Minute, false},
		{"min step wins", 15 * time.Second, 6 * time.Hour, time.Minute, time.Minute, false},
		{"no interval", 0, 1000 * time.Minute, 0, time.Minute, false},
		{"raised to fit the limit", time.Second, time.Hour, 0, 13 * time.Second, true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := backend.DataQuery{Interval: tc.interval, TimeRange: backend.TimeRange{From: now.Add(-tc.span), To: now}}
			a := query.Anomaly{TrainingWindow: 7 * 24 * time.Hour, MinStep: tc.minStep}
			got, notices := ds.anomalyStep(q, a)
			if got != tc.want || (len(notices) > 0) != tc.notice {
				t.Errorf("step %v notices %v, want %v notice=%v", got, notices, tc.want, tc.notice)
			}
			if points := (tc.span + a.TrainingWindow) / got; points > defaultMaxPointsPerSeries {
				t.Errorf("%d points per series over the limit", points)
			}
		})
	}
}

func TestLegend(t *testing.T) {
	labels := map[string]string{"__name__": "up", "job": "api", "instance": "a:1"}
	tests := []struct{ format, want string }{
		{"", `up{instance="a:1", job="api"}`},
		{"{{job}} on {{ instance }}", "api on a:1"},
		{"{{missing}}x", "x"},
	}
	for _, tc := range tests {
		if got := legend(tc.format, labels, "expr"); got != tc.want {
			t.Errorf("legend(%q) = %q, want %q", tc.format, got, tc.want)
		}
	}
	if got := legend("", map[string]string{}, "1 + 1"); got != "1 + 1" {
		t.Errorf("no labels: %q", got)
	}
}

func TestQueryErrors(t *testing.T) {
	ds := instance(t, map[string]any{"prometheusUrl": "http://127.0.0.1:1"}, nil)
	now := time.Now()
	mk := func(js string) backend.DataQuery {
		return backend.DataQuery{RefID: "A", JSON: []byte(js), Interval: time.Minute, TimeRange: backend.TimeRange{From: now.Add(-time.Hour), To: now}}
	}
	tests := []struct {
		json   string
		status backend.Status
		want   string
	}{
		{`{"expr":"sum(","kind":"anomaly"}`, backend.StatusBadRequest, "invalid PromQL"},
		{`{"expr":"up","kind":"horoscope"}`, backend.StatusBadRequest, "unknown kind"},
		{`{"expr":"up","sensitivity":"high"}`, backend.StatusBadRequest, "decode query JSON"},
		{`{"expr":"up"}`, backend.StatusBadGateway, "connection refused"},
	}
	for _, tc := range tests {
		resp, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{mk(tc.json)}})
		if err != nil {
			t.Fatal(err)
		}
		r := resp.Responses["A"]
		if r.Error == nil || r.Status != tc.status || !strings.Contains(r.Error.Error(), tc.want) {
			t.Errorf("%s: status %v error %v, want %v %q", tc.json, r.Status, r.Error, tc.status, tc.want)
		}
	}
}
