package evidence_test

import (
	"context"
	"errors"
	"math"
	"net/http"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/evidence"
	"github.com/foresight-aiops/foresight/pkg/rca"
)

const (
	errorRateQuery = `{ resource.service.name =~ "^(?:checkout|catalog)$" && status = error } | rate() by (resource.service.name)`
	latencyQuery   = `{ resource.service.name =~ "^(?:checkout|catalog)$" } | quantile_over_time(duration, .99) by (resource.service.name)`
	searchQuery    = `{ resource.service.name =~ "^(?:checkout|catalog)$" && status = error } | by(resource.service.name)`
)

// traceScenario: 6 min before fixedIncident's first alert, checkout's error spans go from
// 0.05 to 2 a second and its p99 span duration from 120 ms to 900 ms; catalog stays at
// 0.05 errors a second and 100 ms. Error spans for searches: one every 10 min for both,
// and for checkout one every 15 s from the shift on.
func traceScenario(t *testing.T) *fakeTempo {
	t0 := fixedIncident().Incident.Start
	shift := t0.Add(-6 * time.Minute)
	level := func(svc string, before, after float64) func(time.Time) float64 {
		return func(at time.Time) float64 {
			if svc == "checkout" && !at.Before(shift) {
				return after * jitter(svc, at)
			}
			return before * jitter(svc, at)
		}
	}
	m := tempoModel{
		errorRate:  map[string]func(time.Time) float64{"checkout": level("checkout", 0.05, 2), "catalog": level("catalog", 0.05, 0.05)},
		p99:        map[string]func(time.Time) float64{"checkout": level("checkout", 0.12, 0.9), "catalog": level("catalog", 0.1, 0.1)},
		errorSpans: map[string][]time.Time{},
	}
	for at := t0.Add(-4 * time.Hour).Add(7 * time.Second); at.Before(t0.Add(10 * time.Minute)); at = at.Add(10 * time.Minute) {
		m.errorSpans["checkout"] = append(m.errorSpans["checkout"], at)
		m.errorSpans["catalog"] = append(m.errorSpans["catalog"], at.Add(time.Minute))
	}
	for at := shift; at.Before(t0.Add(10 * time.Minute)); at = at.Add(15 * time.Second) {
		m.errorSpans["checkout"] = append(m.errorSpans["checkout"], at)
	}
	return &fakeTempo{t: t, model: m}
}

func TestTraces(t *testing.T) {
	f := traceScenario(t)
	cfg := evidence.Config{TempoURL: f.start().URL, GrafanaURL: "http://grafana:3000", TempoUID: "tempo-uid"}
	req := fixedIncident("checkout", "catalog")
	budget := rca.NewBudget(10)
	ev, err := gatherer(t, cfg, nil, "traces").Gather(context.Background(), req, budget)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ev {
		t.Logf("%s %s %.2f %s", e.Entity, e.Signal, e.Strength, e.Detail)
	}
	if got := f.seen(); !slices.Equal(got, []string{errorRateQuery, latencyQuery}) || budget.Used() != 2 {
		t.Errorf("queries %q (budget %d), want the error rate and latency queries", got, budget.Used())
	}
	shift := req.Incident.Start.Add(-6 * time.Minute)
	want := map[string]struct{ detail, traceQL string }{
		"error span rate": {"error span rate rose from 0.05/s to 2/s at 09:54 UTC, 6 min before the first alert",
			`{ resource.service.name = "checkout" && status = error } | rate() by (resource.service.name)`},
		"p99 span duration": {"p99 span duration rose from 120 ms to 900 ms at 09:54 UTC, 6 min before the first alert",
			`{ resource.service.name = "checkout" } | quantile_over_time(duration, .99) by (resource.service.name)`},
	}
	if len(ev) != len(want) {
		t.Fatalf("%d pieces of evidence, want %d", len(ev), len(want))
	}
	for _, e := range ev {
		w, ok := want[e.Signal]
		if !ok || e.Entity != "checkout" || e.Kind != rca.KindTraces {
			t.Errorf("unexpected evidence %+v", e)
			continue
		}
		if !near(e.Onset, shift, time.Minute) || e.Strength < 0.9 {
			t.Errorf("%s: onset %s strength %.2f", e.Signal, e.Onset, e.Strength)
		}
		if !approxDetail(e.Detail, w.detail) {
			t.Errorf("%s: detail %q, want about %q", e.Signal, e.Detail, w.detail)
		}
		pane, q := exploreQueryOf(t, e.URL)
		if pane["datasource"] != "tempo-uid" || q["query"] != w.traceQL || q["queryType"] != "traceql" {
			t.Errorf("%s: Explore query %v", e.Signal, q)
		}
	}
}

// approxDetail compares sentences whose numbers carry the model's ±5 % noise: the words
// must match, and each number to within 10 %.
func approxDetail(got, want string) bool {
	g, w := strings.Fields(got), strings.Fields(want)
	if len(g) != len(w) {
		return false
	}
	for i := range g {
		if g[i] == w[i] {
			continue
		}
		gv, gu := splitNumber(g[i])
		wv, wu := splitNumber(w[i])
		if gu != wu || math.IsNaN(gv) || math.Abs(gv-wv) > 0.1*math.Abs(wv) {
			return false
		}
	}
	return true
}

func splitNumber(s string) (float64, string) {
	i := strings.IndexFunc(s, func(r rune) bool { return (r < '0' || r > '9') && r != '.' })
	if i < 0 {
		i = len(s)
	}
	v, err := strconv.ParseFloat(s[:i], 64)
	if err != nil {
		return math.NaN(), s
	}
	return v, s[i:]
}

// TestTracesWithoutMetrics: a Tempo that cannot run TraceQL metrics is searched instead.
func TestTracesWithoutMetrics(t *testing.T) {
	failures := map[string]lokiFailure{
		"before 2.4":      {http.StatusNotFound, "404 page not found"},
		"no generators":   {http.StatusInternalServerError, "error finding generators in Querier.queryRangeRecent: empty ring"},
		"no local blocks": {http.StatusInternalServerError, "localblocks processor not found"},
	}
	for name, fail := range failures {
		t.Run(name, func(t *testing.T) {
			f := traceScenario(t)
			f.metricsFailure = &fail
			req := fixedIncident("checkout", "catalog")
			budget := rca.NewBudget(10)
			ev, err := gatherer(t, evidence.Config{TempoURL: f.start().URL}, nil, "traces").Gather(context.Background(), req, budget)
			if err != nil {
				t.Fatal(err)
			}
			if got := f.seen(); !slices.Equal(got, []string{errorRateQuery, searchQuery, searchQuery}) || budget.Used() != 3 {
				t.Errorf("queries %q (budget %d), want the metrics query then two searches", got, budget.Used())
			}
			if len(ev) != 1 {
				t.Fatalf("got %+v, want one piece of evidence", ev)
			}
			e := ev[0]
			want := "Tempo found 45 error spans since 09:30 UTC against 3 in the 34 min before, the surge at 09:54 UTC, 6 min before the first alert"
			if e.Entity != "checkout" || e.Signal != "error spans" || e.Strength != 0.6 || e.Detail != want || e.URL != "" {
				t.Errorf("got %+v\nwant detail %q", e, want)
			}
		})
	}
}

func TestTracesErrors(t *testing.T) {
	req := fixedIncident("checkout", "catalog")

	t.Run("latency refused", func(t *testing.T) {
		f := traceScenario(t)
		f.failing = map[string]lokiFailure{latencyQuery: {http.StatusBadRequest, "invalid TraceQL query: parse error at line 1, col 40: syntax error"}}
		ev, err := gatherer(t, evidence.Config{TempoURL: f.start().URL}, nil, "traces").Gather(context.Background(), req, rca.NewBudget(10))
		if err == nil || !strings.Contains(err.Error(), "p99 span duration: ask Tempo at") || !strings.Contains(err.Error(), "400") {
			t.Errorf("error %v", err)
		}
		if len(ev) != 1 || ev[0].Signal != "error span rate" {
			t.Errorf("the error rate's evidence was lost: %+v", ev)
		}
	})

	t.Run("budget", func(t *testing.T) {
		f := traceScenario(t)
		ev, err := gatherer(t, evidence.Config{TempoURL: f.start().URL}, nil, "traces").Gather(context.Background(), req, rca.NewBudget(1))
		if !errors.Is(err, rca.ErrBudget) || len(ev) != 1 || len(f.seen()) != 1 {
			t.Errorf("got %+v, %v after %d queries; want the error rate's evidence and rca.ErrBudget", ev, err, len(f.seen()))
		}
	})

	t.Run("unreachable", func(t *testing.T) {
		budget := rca.NewBudget(10)
		ev, err := gatherer(t, evidence.Config{TempoURL: closedURL(t)}, nil, "traces").Gather(context.Background(), req, budget)
		if err == nil || !strings.Contains(err.Error(), "reach Tempo at") || len(ev) != 0 || budget.Used() != 1 {
			t.Errorf("got %v, %v after %d queries; want one reach failure", ev, err, budget.Used())
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		f := traceScenario(t)
		_, err := gatherer(t, evidence.Config{TempoURL: f.start().URL}, nil, "traces").Gather(ctx, req, rca.NewBudget(10))
		if !errors.Is(err, context.Canceled) || len(f.seen()) != 0 {
			t.Errorf("error %v after %d queries, want context.Canceled and none", err, len(f.seen()))
		}
	})
}
