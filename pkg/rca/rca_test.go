package rca

import (
	"context"
	"errors"
	"math"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/topology"
)

var t0 = time.Date(2026, 11, 21, 14, 0, 0, 0, time.UTC)

func TestDetectChange(t *testing.T) {
	base := []float64{10, 11, 9, 10, 10.5, 9.5, 10, 11, 9, 10}
	nan := math.NaN()
	tests := []struct {
		name      string
		window    []float64
		wantOnset int
		wantSign  float64 // 0: no strength expected
	}{
		{"steady", []float64{10, 10.5, 9.5, 10, 11}, -1, 0},
		{"sustained rise", []float64{10, 10, 20, 21, 22}, 2, +1},
		{"fall", []float64{10, 2, 2, 1, 2}, 1, -1},
		{"transient burst", []float64{10, 10, 30, 31, 10}, 2, +1},
		{"missing points skipped", []float64{nan, 10, nan, 25, 26}, 3, +1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ch := DetectChange(base, tt.window)
			if tt.wantSign == 0 {
				if s := ch.Strength(); s != 0 {
					t.Fatalf("strength %.2f (z %.1f) for no change", s, ch.Z)
				}
				return
			}
			if ch.Onset != tt.wantOnset || ch.Z*tt.wantSign <= 0 || ch.Strength() < 0.5 {
				t.Fatalf("got onset %d z %.1f strength %.2f, want onset %d sign %+.0f and a strong change", ch.Onset, ch.Z, ch.Strength(), tt.wantOnset, tt.wantSign)
			}
		})
	}
}

func TestDetectChangeFlatAndShortBaselines(t *testing.T) {
	// A baseline that is always 100 % (availability) still measures a dip.
	flat := []float64{100, 100, 100, 100, 100, 100, 99, 100}
	if ch := DetectChange(flat, []float64{100, 90, 88, 100}); ch.Z >= 0 || ch.Strength() == 0 {
		t.Fatalf("dip on a flat baseline: %+v", ch)
	}
	if ch := DetectChange([]float64{1, 2}, []float64{100}); ch.Onset != -1 {
		t.Fatalf("two baseline points are too few to judge, got %+v", ch)
	}
}

// shop is a small call graph: frontend → checkout → payments → db, frontend → catalog.
func shop(t *testing.T) *topology.Graph {
	t.Helper()
	g, err := topology.New([]topology.Edge{
		{Client: "frontend", Server: "checkout"}, {Client: "checkout", Server: "payments"},
		{Client: "payments", Server: "db"}, {Client: "frontend", Server: "catalog"},
	}, map[string]string{"payments-7d9f": "payments"})
	if err != nil {
		t.Fatal(err)
	}
	return g
}

func alert(entity, name string, at time.Duration) Alert {
	return Alert{Entity: entity, Name: name, At: t0.Add(at), Severity: "critical"}
}

func TestCandidates(t *testing.T) {
	g := shop(t)
	in := Incident{Start: t0, Alerts: []Alert{alert("frontend", "HighLatency", 0), alert("checkout", "HighLatency", time.Minute), alert("frontend", "ErrorRate", 0)}}
	got := Candidates(in, g, 2, 10)
	want := []string{"frontend", "checkout", "catalog", "payments", "db"}
	if !slices.Equal(got, want) {
		t.Fatalf("candidates %v, want %v (alerting first, most alerted first, then downstream nearest first)", got, want)
	}
	if got := Candidates(in, g, 2, 2); len(got) != 2 {
		t.Fatalf("max 2 candidates, got %v", got)
	}
	if got := Candidates(in, nil, 2, 10); !slices.Equal(got, []string{"frontend", "checkout"}) {
		t.Fatalf("without a graph only alerting entities are candidates, got %v", got)
	}
}

func TestRankPrefersTheDependencyThatChangedFirst(t *testing.T) {
	g := shop(t)
	in := Incident{Start: t0, Alerts: []Alert{alert("frontend", "HighLatency", 0), alert("checkout", "HighLatency", 30*time.Second)}}
	ev := []Evidence{
		{Kind: KindMetric, Entity: "frontend", Signal: "latency", Strength: 0.9, Onset: t0.Add(-2 * time.Minute), Delta: 0.8},
		{Kind: KindMetric, Entity: "checkout", Signal: "latency", Strength: 0.9, Onset: t0.Add(-3 * time.Minute), Delta: 0.8},
		{Kind: KindMetric, Entity: "payments", Signal: "latency", Strength: 0.95, Onset: t0.Add(-6 * time.Minute), Delta: 0.8},
		{Kind: KindDeploy, Entity: "payments", Signal: "version 1.4.2", Strength: 0.9, Onset: t0.Add(-8 * time.Minute), Detail: "deployed 1.4.2"},
		{Kind: KindMetric, Entity: "catalog", Signal: "requests", Strength: 0.3},
	}
	cands := Candidates(in, g, 4, 10)
	res := Rank(in, cands, append(AlertEvidence(in.Alerts), ev...), g, nil, 3)
	top, ok := res.Cause()
	if !ok || top.Entity != "payments" {
		t.Fatalf("top %+v named=%v, want payments named; all: %+v", top, ok, res.Hypotheses)
	}
	if !strings.Contains(top.Explanation, "deployed 1.4.2") || !strings.Contains(top.Explanation, "payments (confidence") {
		t.Fatalf("explanation %q does not cite the deploy", top.Explanation)
	}
	sum := res.NoCause
	for _, h := range res.Hypotheses {
		sum += h.Confidence
	}
	if len(res.Hypotheses) != 3 || sum > 1+1e-9 {
		t.Fatalf("%d hypotheses, confidences plus no-cause sum to %.3f (≤ 1 with the rest cut)", len(res.Hypotheses), sum)
	}
}

// TestRankCountsEvidenceAboutAnotherName checks that evidence about an alias of a
// candidate (its pod, the load balancer in front of it) counts for the candidate rather
// than being dropped, and that a candidate's own evidence still counts once.
func TestRankCountsEvidenceAboutAnotherName(t *testing.T) {
	g := shop(t)
	in := Incident{Start: t0, Alerts: []Alert{alert("checkout", "HighLatency", 0)}}
	ev := []Evidence{
		{Kind: KindMetric, Entity: "payments-7d9f", Signal: "errors", Strength: 0.9, Onset: t0.Add(-4 * time.Minute)},
		{Kind: KindMetric, Entity: "checkout", Signal: "latency", Strength: 0.6, Onset: t0.Add(-2 * time.Minute)},
	}
	res := Rank(in, Candidates(in, g, 4, 10), append(AlertEvidence(in.Alerts), ev...), g, nil, 3)
	top, ok := res.Top()
	if !ok || top.Entity != "payments" {
		t.Fatalf("top %+v, want payments on its pod's evidence; all: %+v", top, res.Hypotheses)
	}
	if len(top.Evidence) == 0 || top.Evidence[0].Entity != "payments" || !strings.HasPrefix(top.Evidence[0].Detail, "as payments-7d9f: ") {
		t.Fatalf("evidence %+v is not filed under the candidate, with the name it was seen as", top.Evidence)
	}
}

// TestRankComparesChangesInTheSymptom: checkout's errors rose and so did payments'
// latency, its callee's. A slower callee does not explain errors, so checkout, whose
// change is the symptom, stays first; when the incident is about latency and payments'
// rise is as large as checkout's, payments explains it and leads. And a callee whose
// latency rose by a hundredth of its caller's gains no credit for the caller's rise.
func TestRankComparesChangesInTheSymptom(t *testing.T) {
	g := shop(t)
	for _, tc := range []struct {
		name  string
		alert string
		ev    []Evidence
		want  string
	}{
		{"errors are not explained by a slower callee", "ErrorRate", []Evidence{
			{Kind: KindMetric, Entity: "checkout", Signal: "errors", Strength: 0.9, Delta: 12},
			{Kind: KindMetric, Entity: "checkout", Signal: "latency", Strength: 0.5, Delta: 0.1},
			{Kind: KindMetric, Entity: "payments", Signal: "latency", Strength: 0.95, Delta: 0.1},
		}, "checkout"},
		{"latency is explained by a callee as slow", "HighLatency", []Evidence{
			{Kind: KindMetric, Entity: "checkout", Signal: "latency", Strength: 0.9, Delta: 0.1},
			{Kind: KindMetric, Entity: "payments", Signal: "latency", Strength: 0.9, Delta: 0.1},
		}, "payments"},
		{"a hundredth of the rise explains a hundredth", "HighLatency", []Evidence{
			{Kind: KindMetric, Entity: "checkout", Signal: "latency", Strength: 0.92, Delta: 1},
			{Kind: KindMetric, Entity: "payments", Signal: "latency", Strength: 0.9, Delta: 0.01},
		}, "checkout"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			in := Incident{Start: t0, Alerts: []Alert{alert("frontend", tc.alert, 0)}}
			res := Rank(in, []string{"checkout", "payments"}, tc.ev, g, nil, 2)
			if top, _ := res.Top(); top.Entity != tc.want {
				t.Fatalf("top %q, want %q: %+v", top.Entity, tc.want, res.Hypotheses)
			}
		})
	}
}

// TestRankAlertAndItsMetricAreOneObservation: the front end's availability alert and its
// availability metric say the same thing. Counting both made the alerting front end
// outrank the callee whose errors rose; the metric restates the alert and adds nothing.
func TestRankAlertAndItsMetricAreOneObservation(t *testing.T) {
	g := shop(t)
	in := Incident{Start: t0, Alerts: []Alert{alert("frontend", "AvailabilitySLO", 0)}}
	ev := append(AlertEvidence(in.Alerts),
		Evidence{Kind: KindMetric, Entity: "frontend", Signal: "availability", Strength: 1, Delta: -40},
		Evidence{Kind: KindMetric, Entity: "catalog", Signal: "errors", Strength: 0.7, Delta: 30},
	)
	res := Rank(in, []string{"frontend", "catalog"}, ev, g, nil, 2)
	if top, _ := res.Top(); top.Entity != "catalog" {
		t.Fatalf("top %q, want catalog: %+v", top.Entity, res.Hypotheses)
	}
}

func TestRankWeakEvidenceNamesNoCause(t *testing.T) {
	g := shop(t)
	in := Incident{Start: t0, Alerts: []Alert{{Entity: "frontend", Name: "HighLatency", At: t0, Severity: "warning"}}}
	ev := []Evidence{{Kind: KindMetric, Entity: "catalog", Signal: "cpu", Strength: 0.1}}
	res := Rank(in, Candidates(in, g, 4, 10), append(AlertEvidence(in.Alerts), ev...), g, nil, 5)
	if h, named := res.Cause(); named {
		t.Fatalf("named %s (%.2f) against no-cause %.2f on weak evidence", h.Entity, h.Confidence, res.NoCause)
	}
}

func TestWeightsLearn(t *testing.T) {
	res := Result{Hypotheses: []Hypothesis{
		{Entity: "payments", Evidence: []Evidence{{Kind: KindDeploy}, {Kind: KindMetric}}},
		{Entity: "db", Evidence: []Evidence{{Kind: KindLogs}}},
	}}
	tests := []struct {
		name       string
		fb         Feedback
		up, down   []Kind
		unaffected []Kind
	}{
		{"right", Feedback{Verdict: Right, Entity: "payments"}, []Kind{KindDeploy, KindMetric}, nil, []Kind{KindLogs}},
		{"wrong", Feedback{Verdict: Wrong, Entity: "payments"}, nil, []Kind{KindDeploy, KindMetric}, []Kind{KindLogs}},
		{"cause elsewhere", Feedback{Verdict: Cause, Entity: "db"}, []Kind{KindLogs}, []Kind{KindDeploy, KindMetric}, []Kind{KindTraces}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			w := Weights(nil).Learn(res, tt.fb)
			for _, k := range tt.up {
				if w.Weight(k) <= 1 {
					t.Errorf("%s weight %.3f, want above 1", k, w.Weight(k))
				}
			}
			for _, k := range tt.down {
				if w.Weight(k) >= 1 {
					t.Errorf("%s weight %.3f, want below 1", k, w.Weight(k))
				}
			}
			for _, k := range tt.unaffected {
				if w.Weight(k) != 1 {
					t.Errorf("%s weight %.3f, want 1", k, w.Weight(k))
				}
			}
		})
	}
	w := Weights{}
	for range 100 {
		w = w.Learn(res, Feedback{Verdict: Wrong, Entity: "payments"})
	}
	if w.Weight(KindDeploy) < minWeight {
		t.Fatalf("weights are bounded below by %.2f, got %.3f", minWeight, w.Weight(KindDeploy))
	}
}

func TestFeedbackValidate(t *testing.T) {
	for _, f := range []Feedback{{Verdict: "maybe", Entity: "x"}, {Verdict: Right}} {
		if err := f.Validate(); err == nil {
			t.Errorf("%+v: want an error", f)
		}
	}
	if err := (Feedback{Verdict: Cause, Entity: "db"}).Validate(); err != nil {
		t.Fatal(err)
	}
}

// gatherFunc adapts a function to Gatherer.
type gatherFunc struct {
	name string
	fn   func(ctx context.Context, req Request, b *Budget) ([]Evidence, error)
}

func (g gatherFunc) Name() string { return g.name }
func (g gatherFunc) Gather(ctx context.Context, req Request, b *Budget) ([]Evidence, error) {
	return g.fn(ctx, req, b)
}

func TestAnalyseSurvivesFailingAndSlowSources(t *testing.T) {
	g := shop(t)
	// good answers from a cache, without spending the budget that greedy exhausts.
	good := gatherFunc{"metrics", func(_ context.Context, req Request, _ *Budget) ([]Evidence, error) {
		if !slices.Contains(req.Candidates, "payments") || !req.From.Equal(t0.Add(-30*time.Minute)) {
			return nil, errors.New("unexpected request")
		}
		return []Evidence{{Kind: KindMetric, Entity: "payments", Signal: "latency", Strength: 1, Onset: t0.Add(-5 * time.Minute)}}, nil
	}}
	broken := gatherFunc{"loki", func(context.Context, Request, *Budget) ([]Evidence, error) {
		return nil, errors.New("connection refused")
	}}
	stuck := gatherFunc{"tempo", func(ctx context.Context, _ Request, _ *Budget) ([]Evidence, error) {
		<-ctx.Done()
		return nil, ctx.Err()
	}}
	greedy := gatherFunc{"greedy", func(_ context.Context, _ Request, b *Budget) ([]Evidence, error) {
		for {
			if err := b.Take(); err != nil {
				return nil, err
			}
		}
	}}
	cfg := DefaultConfig()
	cfg.Timeout = 200 * time.Millisecond
	cfg.MaxQueries = 5
	e := NewEngine(cfg, func() *topology.Graph { return g }, good, broken, stuck, greedy)
	in := Incident{ID: "i1", Start: t0, Alerts: []Alert{alert("frontend", "HighLatency", 0), alert("checkout", "HighLatency", 0)}}
	res := e.Analyse(context.Background(), in, nil)
	if top, ok := res.Top(); !ok || top.Entity != "payments" {
		t.Fatalf("top %+v, want payments from the working source", res.Hypotheses)
	}
	if res.Queries != 5 {
		t.Fatalf("queries %d, want the budget of 5", res.Queries)
	}
	joined := strings.Join(res.Errors, "\n")
	for _, want := range []string{"loki: connection refused", "tempo: no answer within 200ms", "greedy: query budget"} {
		if !strings.Contains(joined, want) {
			t.Errorf("errors %q lack %q", joined, want)
		}
	}
}

func TestFamilyOf(t *testing.T) {
	tests := map[string]Family{
		"HighLatency": FamilyLatency, "http_request_duration_seconds": FamilyLatency, "HTTP500": FamilyErrors,
		"availability": FamilyErrors, "docker_cpu_total_pct_high": FamilySaturation, "requests": FamilyTraffic, "Watchdog": FamilyOther,
	}
	for in, want := range tests {
		if got := FamilyOf(in); got != want {
			t.Errorf("FamilyOf(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestEntityOf(t *testing.T) {
	if got := EntityOf(map[string]string{"host": "10.0.0.1", "service": "payments", "pod": "payments-7d9f", "instance": "10.0.0.1:8080"}); got != "payments" {
		t.Fatalf("got %q, want the service", got)
	}
	if got := EntityOf(map[string]string{"host": "10.0.0.1", "pod": "payments-7d9f"}); got != "payments-7d9f" {
		t.Fatalf("got %q, want the pod", got)
	}
	if got := EntityOf(map[string]string{"alertname": "Watchdog"}); got != "" {
		t.Fatalf("got %q, want none", got)
	}
}
