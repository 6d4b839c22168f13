package evidence_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io"
	"math"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/evidence"
	"github.com/foresight-aiops/foresight/pkg/promtest"
	"github.com/foresight-aiops/foresight/pkg/rca"
)

// incidentScenario is the history backfilled into Prometheus: two services serving ~20
// requests a second at 15 s resolution. At shiftAt, checkout's latency jumps from a p99
// of about 140 ms to about 1 s and its error ratio from 0.5 % to 8 %; at deployAt, shortly
// before, its build_info version and its Kubernetes deployment generation change; at
// restartAt one of its containers restarts. catalog stays steady throughout, with the
// same noise.
type incidentScenario struct {
	firstAlert                   time.Time
	historyStart, historyEnd     time.Time
	deployAt, shiftAt, restartAt time.Time
}

const scrapeEvery = 15 * time.Second

func newIncidentScenario() incidentScenario {
	// An hour ago, so that every sample is in the past and well inside the retention.
	t0 := time.Now().UTC().Truncate(time.Minute).Add(-time.Hour)
	return incidentScenario{
		firstAlert:   t0,
		historyStart: t0.Add(-4 * time.Hour),
		historyEnd:   t0.Add(10 * time.Minute),
		deployAt:     t0.Add(-9 * time.Minute),
		shiftAt:      t0.Add(-6 * time.Minute),
		restartAt:    t0.Add(-4 * time.Minute),
	}
}

// request is what the engine would ask with a 30 min lookback and a last alert 4 min
// after the first.
func (sc incidentScenario) request(cands ...string) rca.Request {
	return rca.Request{
		Incident:   rca.Incident{ID: "inc-1", Start: sc.firstAlert, Alerts: []rca.Alert{{Entity: "checkout", Name: "HighLatency", At: sc.firstAlert}}},
		Candidates: cands,
		From:       sc.firstAlert.Add(-30 * time.Minute),
		To:         sc.firstAlert.Add(4 * time.Minute),
	}
}

var latencyBuckets = []float64{0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5}

// serviceState is one service's cumulative counters.
type serviceState struct {
	name          string
	ok, errs      float64
	buckets       []float64 // cumulative per le, +Inf last
	count, sum    float64
	cpu, restarts float64
}

// writeOpenMetrics writes the scenario in the OpenMetrics text format promtool backfills.
func (sc incidentScenario) writeOpenMetrics(w io.Writer) error {
	rng := rand.New(rand.NewPCG(20240611, 7))
	svcs := []*serviceState{{name: "checkout"}, {name: "catalog"}}
	for _, s := range svcs {
		s.buckets = make([]float64, len(latencyBuckets)+1)
	}
	var reqs, hist, cpu, mem, restarts, info, gens strings.Builder
	for t := sc.historyStart; !t.After(sc.historyEnd); t = t.Add(scrapeEvery) {
		ts := t.Unix()
		for _, s := range svcs {
			shifted := s.name == "checkout" && !t.Before(sc.shiftAt)
			sc.step(rng, s, shifted)
			if s.name == "checkout" && !t.Before(sc.restartAt) {
				s.restarts = 1
			}
			fmt.Fprintf(&reqs, "http_requests_total{service=%q,code=\"200\"} %g %d\n", s.name, s.ok, ts)
			fmt.Fprintf(&reqs, "http_requests_total{service=%q,code=\"500\"} %g %d\n", s.name, s.errs, ts)
			for i, le := range latencyBuckets {
				fmt.Fprintf(&hist, "http_request_duration_seconds_bucket{service=%q,le=\"%g\"} %g %d\n", s.name, le, s.buckets[i], ts)
			}
			fmt.Fprintf(&hist, "http_request_duration_seconds_bucket{service=%q,le=\"+Inf\"} %g %d\n", s.name, s.count, ts)
			fmt.Fprintf(&hist, "http_request_duration_seconds_count{service=%q} %g %d\n", s.name, s.count, ts)
			fmt.Fprintf(&hist, "http_request_duration_seconds_sum{service=%q} %g %d\n", s.name, s.sum, ts)
			fmt.Fprintf(&cpu, "process_cpu_seconds_total{service=%q} %g %d\n", s.name, s.cpu, ts)
			fmt.Fprintf(&mem, "process_resident_memory_bytes{service=%q} %g %d\n", s.name, 200<<20+rng.NormFloat64()*(2<<20), ts)
			fmt.Fprintf(&restarts, "kube_pod_container_status_restarts_total{service=%q,pod=\"%s-0\"} %g %d\n", s.name, s.name, s.restarts, ts)
			fmt.Fprintf(&gens, "kube_deployment_metadata_generation{namespace=\"shop\",deployment=%q} %d %d\n", s.name, sc.generation(s.name, t), ts)
			fmt.Fprintf(&info, "%s_build_info{service=%q,version=%q} 1 %d\n", s.name, s.name, sc.version(s.name, t), ts)
		}
	}
	bw := bufio.NewWriter(w)
	for _, f := range []struct{ typ, name string }{
		{"counter", "http_requests"}, {"histogram", "http_request_duration_seconds"},
		{"counter", "process_cpu_seconds"}, {"gauge", "process_resident_memory_bytes"},
		{"counter", "kube_pod_container_status_restarts"}, {"gauge", "kube_deployment_metadata_generation"},
	} {
		fmt.Fprintf(bw, "# TYPE %s %s\n", f.name, f.typ)
		switch f.name {
		case "http_requests":
			bw.WriteString(reqs.String())
		case "http_request_duration_seconds":
			bw.WriteString(hist.String())
		case "process_cpu_seconds":
			bw.WriteString(cpu.String())
		case "process_resident_memory_bytes":
			bw.WriteString(mem.String())
		case "kube_pod_container_status_restarts":
			bw.WriteString(restarts.String())
		case "kube_deployment_metadata_generation":
			bw.WriteString(gens.String())
		}
	}
	// The build_info families are gauges named per service, as exporters write them.
	for _, name := range []string{"checkout", "catalog"} {
		fmt.Fprintf(bw, "# TYPE %s_build_info gauge\n", name)
		for _, line := range strings.SplitAfter(info.String(), "\n") {
			if strings.HasPrefix(line, name+"_build_info{") {
				bw.WriteString(line)
			}
		}
	}
	bw.WriteString("# EOF\n")
	return bw.Flush()
}

// step advances one service's counters by one scrape interval.
func (sc incidentScenario) step(rng *rand.Rand, s *serviceState, shifted bool) {
	median, errRatio := 0.06, 0.005
	if shifted {
		median, errRatio = 0.45, 0.08
	}
	n := 300 + rng.IntN(21) - 10
	for range n {
		lat := median * math.Exp(0.35*rng.NormFloat64())
		s.count++
		s.sum += lat
		for i, le := range latencyBuckets {
			if lat <= le {
				s.buckets[i]++
			}
		}
		if rng.Float64() < errRatio {
			s.errs++
		} else {
			s.ok++
		}
	}
	s.buckets[len(latencyBuckets)] = s.count
	s.cpu += scrapeEvery.Seconds() * (0.2 + 0.01*rng.NormFloat64())
}

func (sc incidentScenario) version(svc string, t time.Time) string {
	switch {
	case svc == "catalog":
		return "2.0.0"
	case t.Before(sc.deployAt):
		return "1.4.2"
	}
	return "1.5.0"
}

func (sc incidentScenario) generation(svc string, t time.Time) int {
	switch {
	case svc == "catalog":
		return 7
	case t.Before(sc.deployAt):
		return 4
	}
	return 5
}

// countingTransport counts the requests sent and can cancel a context as the n-th one
// is about to leave.
type countingTransport struct {
	n        atomic.Int64
	cancelAt int64
	cancel   context.CancelFunc
}

func (c *countingTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	if n := c.n.Add(1); c.cancel != nil && n == c.cancelAt {
		c.cancel()
	}
	return http.DefaultTransport.RoundTrip(r)
}

// gatherer returns the named gatherer New builds for cfg.
func gatherer(t *testing.T, cfg evidence.Config, hc *http.Client, name string) rca.Gatherer {
	t.Helper()
	gs, err := evidence.New(cfg, hc)
	if err != nil {
		t.Fatal(err)
	}
	for _, g := range gs {
		if g.Name() == name {
			return g
		}
	}
	t.Fatalf("New built no %q gatherer", name)
	return nil
}

// byEntitySignal indexes evidence for lookups in tests.
func byEntitySignal(ev []rca.Evidence) map[[2]string]rca.Evidence {
	m := map[[2]string]rca.Evidence{}
	for _, e := range ev {
		m[[2]string{e.Entity, e.Signal}] = e
	}
	return m
}

func near(got, want time.Time, tol time.Duration) bool {
	d := got.Sub(want)
	return d >= -tol && d <= tol
}

// TestAgainstPrometheus runs the metrics and deploys gatherers against a real Prometheus
// holding the incident scenario.
func TestAgainstPrometheus(t *testing.T) {
	sc := newIncidentScenario()
	prom := promtest.Start(t, promtest.Options{Backfill: sc.writeOpenMetrics})
	cfg := evidence.Config{PrometheusURL: prom.URL, GrafanaURL: "http://grafana.example", PrometheusUID: "prom-uid"}

	t.Run("metrics", func(t *testing.T) {
		g := gatherer(t, cfg, nil, "metrics")
		budget := rca.NewBudget(60)
		ev, err := g.Gather(context.Background(), sc.request("checkout", "catalog", "payments"), budget)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range ev {
			t.Logf("%s %s %.2f %s", e.Entity, e.Signal, e.Strength, e.Detail)
		}
		if got, want := budget.Used(), len(evidence.DefaultQueries); got != want {
			t.Errorf("spent %d queries, want one per signal (%d)", got, want)
		}
		got := byEntitySignal(ev)
		tests := []struct {
			signal string
			onset  time.Time
			detail string
		}{
			{"p99 latency", sc.shiftAt, "p99 latency rose from "},
			{"error ratio", sc.shiftAt, "error ratio rose from 0."},
			{"restarts", sc.restartAt, "restarts: 1 since"},
		}
		for _, tc := range tests {
			e, ok := got[[2]string{"checkout", tc.signal}]
			if !ok {
				t.Errorf("no %s evidence for checkout", tc.signal)
				continue
			}
			if !near(e.Onset, tc.onset, 2*time.Minute) {
				t.Errorf("%s onset %s, want within 2 min of %s", tc.signal, e.Onset.UTC(), tc.onset.UTC())
			}
			if e.Kind != rca.KindMetric || e.Strength < 0.3 || e.Strength > 1 || e.Delta <= 0 {
				t.Errorf("%s: kind %s strength %.2f delta %g", tc.signal, e.Kind, e.Strength, e.Delta)
			}
			if !strings.HasPrefix(e.Detail, tc.detail) || !strings.Contains(e.Detail, "before the first alert") {
				t.Errorf("%s detail %q, want it to start %q and place the onset before the first alert", tc.signal, e.Detail, tc.detail)
			}
			checkPromLink(t, e.URL, "checkout")
		}
		for _, e := range ev {
			if e.Entity != "checkout" {
				t.Errorf("evidence for steady or absent %s: %s", e.Entity, e.Detail)
			}
		}
		if len(ev) != len(tests) {
			t.Errorf("%d pieces of evidence, want %d", len(ev), len(tests))
		}
	})

	t.Run("deploys", func(t *testing.T) {
		g := gatherer(t, evidence.Config{PrometheusURL: prom.URL}, nil, "deploys")
		budget := rca.NewBudget(60)
		ev, err := g.Gather(context.Background(), sc.request("checkout", "catalog"), budget)
		if err != nil {
			t.Fatal(err)
		}
		if budget.Used() != 2 {
			t.Errorf("spent %d queries, want 2 (versions, rollouts)", budget.Used())
		}
		got := byEntitySignal(ev)
		for _, tc := range []struct{ signal, detail string }{
			{"checkout_build_info 1.5.0", "checkout_build_info changed from 1.4.2 to 1.5.0 at "},
			{"rollout to generation 5", "Kubernetes deployment shop/checkout rolled out (generation 4 to 5) at "},
		} {
			e, ok := got[[2]string{"checkout", tc.signal}]
			if !ok {
				t.Errorf("no %q evidence for checkout in %+v", tc.signal, ev)
				continue
			}
			if !near(e.Onset, sc.deployAt, time.Minute) || e.Kind != rca.KindDeploy {
				t.Errorf("%s: onset %s kind %s, want %s", tc.signal, e.Onset.UTC(), e.Kind, sc.deployAt.UTC())
			}
			// 9 min before the first alert in a 30 min lookback: 0.95 × (1 − 0.5 × 9/30).
			if math.Abs(e.Strength-0.95*(1-0.5*9.0/30)) > 0.02 {
				t.Errorf("%s: strength %.3f, want about 0.81", tc.signal, e.Strength)
			}
			// The onset is read from samples, so it may land a minute after the deploy
			// (the tolerance above); the detail must state the onset it found.
			before := fmt.Sprintf("%d min before the first alert", int(sc.firstAlert.Sub(e.Onset).Round(time.Minute).Minutes()))
			if !strings.HasPrefix(e.Detail, tc.detail) || !strings.HasSuffix(e.Detail, before) {
				t.Errorf("%s: detail %q, want it to end %q", tc.signal, e.Detail, before)
			}
		}
		if len(ev) != 2 {
			t.Errorf("%d pieces of evidence, want 2: %+v", len(ev), ev)
		}
	})

	t.Run("deploys with Grafana refusing", func(t *testing.T) {
		// One source failing does not cost the other's evidence.
		grafana := (&fakeGrafana{t: t, token: "right"}).start()
		c := evidence.Config{PrometheusURL: prom.URL, GrafanaURL: grafana.URL, GrafanaToken: "wrong"}
		budget := rca.NewBudget(60)
		ev, err := gatherer(t, c, nil, "deploys").Gather(context.Background(), sc.request("checkout"), budget)
		if err == nil || !strings.Contains(err.Error(), "answered 401") {
			t.Errorf("error %v, want Grafana's 401", err)
		}
		if len(ev) != 2 || budget.Used() != 3 {
			t.Errorf("%d pieces of evidence from %d queries, want 2 from 3: %+v", len(ev), budget.Used(), ev)
		}
	})

	t.Run("budget", func(t *testing.T) {
		tr := &countingTransport{}
		g := gatherer(t, cfg, &http.Client{Transport: tr}, "metrics")
		budget := rca.NewBudget(2)
		ev, err := g.Gather(context.Background(), sc.request("checkout", "catalog"), budget)
		if !errors.Is(err, rca.ErrBudget) {
			t.Fatalf("error %v, want rca.ErrBudget", err)
		}
		if tr.n.Load() != 2 || budget.Used() != 2 {
			t.Errorf("%d requests and %d queries spent, want 2 each", tr.n.Load(), budget.Used())
		}
		got := byEntitySignal(ev)
		if _, ok := got[[2]string{"checkout", "error ratio"}]; !ok {
			t.Errorf("partial evidence lost: %+v", ev)
		}
		if _, ok := got[[2]string{"checkout", "p99 latency"}]; !ok {
			t.Errorf("partial evidence lost: %+v", ev)
		}
	})

	t.Run("cancel", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		defer cancel()
		tr := &countingTransport{cancelAt: 2, cancel: cancel}
		g := gatherer(t, cfg, &http.Client{Transport: tr}, "metrics")
		ev, err := g.Gather(ctx, sc.request("checkout"), rca.NewBudget(60))
		if !errors.Is(err, context.Canceled) {
			t.Fatalf("error %v, want context.Canceled", err)
		}
		if tr.n.Load() != 2 {
			t.Errorf("%d requests, want 2: none after the cancelled one", tr.n.Load())
		}
		if len(ev) != 1 || ev[0].Signal != "error ratio" {
			t.Errorf("want the first query's evidence kept, got %+v", ev)
		}
	})

	t.Run("extra query", func(t *testing.T) {
		c := cfg
		c.SkipDefaultQueries = true
		c.ExtraQueries = []evidence.MetricQuery{{
			Name: "mean latency", Unit: evidence.UnitSeconds,
			Expr: `sum by ($label) (rate(http_request_duration_seconds_sum{$matcher}[$window])) / sum by ($label) (rate(http_request_duration_seconds_count{$matcher}[$window]))`,
		}}
		ev, err := gatherer(t, c, nil, "metrics").Gather(context.Background(), sc.request("checkout", "catalog"), rca.NewBudget(60))
		if err != nil {
			t.Fatal(err)
		}
		if len(ev) != 1 || ev[0].Entity != "checkout" || !strings.HasPrefix(ev[0].Detail, "mean latency rose from ") {
			t.Errorf("want one mean latency change of checkout, got %+v", ev)
		}
	})

	t.Run("regex-quoted candidates", func(t *testing.T) {
		// A dot in a name must not match any character: "check.ut" is not "checkout".
		ev, err := gatherer(t, cfg, nil, "metrics").Gather(context.Background(), sc.request(`check.ut`, `cat"alog`, `a|b`), rca.NewBudget(60))
		if err != nil || len(ev) != 0 {
			t.Errorf("got %+v, %v; want nothing", ev, err)
		}
	})
}

// checkPromLink decodes an Explore link and checks it queries the one entity in the
// Prometheus data source.
func checkPromLink(t *testing.T, link, entity string) {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil || u.Path != "/explore" || u.Query().Get("schemaVersion") != "1" {
		t.Errorf("link %q is not an Explore link", link)
		return
	}
	panes := u.Query().Get("panes")
	if !strings.Contains(panes, `"uid":"prom-uid"`) || !strings.Contains(panes, fmt.Sprintf(`service=\"%s\"`, entity)) {
		t.Errorf("panes %s: want the prom-uid data source and the %s matcher", panes, entity)
	}
}

// TestPrometheusUnreachable: a source that cannot be reached, or is not Prometheus, gives
// one wrapped error, and the gathering stops at once rather than failing every query.
func TestPrometheusUnreachable(t *testing.T) {
	closed := closedURL(t)
	html := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		fmt.Fprint(w, "<html>login</html>")
	}))
	defer html.Close()
	sc := newIncidentScenario()

	tests := []struct {
		name, url, want string
	}{
		{"refused", closed, "error ratio: query Prometheus at " + closed},
		{"not prometheus", html.URL, "not a Prometheus API"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := gatherer(t, evidence.Config{PrometheusURL: tc.url}, nil, "metrics")
			budget := rca.NewBudget(60)
			ev, err := g.Gather(context.Background(), sc.request("checkout"), budget)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
			if len(ev) != 0 || budget.Used() != 1 {
				t.Errorf("%d evidence, %d queries spent; want none and 1", len(ev), budget.Used())
			}
		})
	}
}

// TestEngineWithPrometheus runs the engine with the live gatherers: checkout's deploy and
// change points must make it the top hypothesis over catalog, which alerts too.
func TestEngineWithPrometheus(t *testing.T) {
	sc := newIncidentScenario()
	prom := promtest.Start(t, promtest.Options{Backfill: sc.writeOpenMetrics})
	gs, err := evidence.New(evidence.Config{PrometheusURL: prom.URL}, nil)
	if err != nil {
		t.Fatal(err)
	}
	cfg := rca.DefaultConfig()
	cfg.Timeout = time.Minute // a slow machine must not turn this into a timing test
	in := rca.Incident{ID: "inc-1", Start: sc.firstAlert, Alerts: []rca.Alert{
		{Entity: "catalog", Name: "HighLatency", At: sc.firstAlert},
		{Entity: "checkout", Name: "HighErrorRate", At: sc.firstAlert.Add(2 * time.Minute)},
	}}
	res := rca.NewEngine(cfg, nil, gs...).Analyse(context.Background(), in, nil)
	if len(res.Errors) > 0 {
		t.Fatalf("errors: %v", res.Errors)
	}
	top, ok := res.Top()
	if !ok || top.Entity != "checkout" {
		t.Fatalf("top hypothesis %+v, want checkout", top)
	}
	t.Logf("%s (%d queries)", top.Explanation, res.Queries)
	if res.Queries != len(evidence.DefaultQueries)+2 {
		t.Errorf("%d queries, want %d", res.Queries, len(evidence.DefaultQueries)+2)
	}
}
