package evidence_test

import (
	"cmp"
	"context"
	"slices"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/evidence"
	"github.com/foresight-aiops/foresight/pkg/promtest"
	"github.com/foresight-aiops/foresight/pkg/rca"
)

// BenchmarkAnalyseLive times whole analyses, gathering included, against a real
// Prometheus backfilled with the incident scenario: the metric and deploy gatherers over
// 40 candidates (the engine's maximum), as the receiver runs them. It reports the p95 of
// one analysis and the source queries each one spent.
func BenchmarkAnalyseLive(b *testing.B) {
	sc := newIncidentScenario()
	prom := promtest.Start(b, promtest.Options{Backfill: sc.writeOpenMetrics})
	gs, err := evidence.New(evidence.Config{PrometheusURL: prom.URL}, nil)
	if err != nil {
		b.Fatal(err)
	}
	in := rca.Incident{ID: "inc-1", Start: sc.firstAlert, Alerts: []rca.Alert{
		{Entity: "catalog", Name: "HighLatency", At: sc.firstAlert},
		{Entity: "checkout", Name: "HighErrorRate", At: sc.firstAlert.Add(2 * time.Minute)},
	}}
	for i := range 38 { // fill the candidate list to its maximum with quiet services
		in.Alerts = append(in.Alerts, rca.Alert{Entity: "svc-" + string(rune('a'+i%26)) + string(rune('a'+i/26)), Name: "Watchdog", At: sc.firstAlert})
	}
	e := rca.NewEngine(rca.DefaultConfig(), nil, gs...)
	took := make([]time.Duration, 0, b.N)
	queries := 0
	b.ResetTimer()
	for b.Loop() {
		res := e.Analyse(context.Background(), in, nil)
		if len(res.Errors) > 0 {
			b.Fatalf("errors: %v", res.Errors)
		}
		took = append(took, time.Duration(res.Took*float64(time.Second)))
		queries += res.Queries
	}
	slices.SortFunc(took, cmp.Compare)
	b.ReportMetric(float64(took[(len(took)*95+99)/100-1].Milliseconds()), "p95-ms")
	b.ReportMetric(float64(queries)/float64(len(took)), "queries/op")
}
