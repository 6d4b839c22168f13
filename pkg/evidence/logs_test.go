package evidence_test

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/evidence"
	"github.com/foresight-aiops/foresight/pkg/rca"
)

func errorQuery(svc string) string {
	return fmt.Sprintf(`{service=%q} |~ "(?i)(error|exception|fatal|panic|fail)"`, svc)
}

// logScenario fills a fake Loki for fixedIncident: checkout logs a steady timeout error
// twice a minute all along; a database error once every ten minutes that surges to 20 a
// minute 6 min before the first alert; and a panic never seen before from 5 min before
// it. catalog logs one steady error three times a minute.
func logScenario(t *testing.T) *fakeLoki {
	t0 := fixedIncident().Incident.Start
	from, to := t0.Add(-4*time.Hour), t0.Add(10*time.Minute)
	f := &fakeLoki{t: t, label: "service", lines: map[string][]lokiLine{}}
	add := func(svc string, at time.Time, line string) {
		pod := fmt.Sprintf("%s-%d", svc, at.Unix()%2)
		f.lines[errorQuery(svc)] = append(f.lines[errorQuery(svc)], lokiLine{at.UnixNano(), line, pod})
	}
	i := 0
	for at := from; at.Before(to); at = at.Add(time.Second) {
		i++
		if at.Second()%30 == 0 {
			add("checkout", at, fmt.Sprintf("GET /api/cart/%d failed: upstream timeout after %dms", 1000+i%97, 250+i%13))
		}
		surging := !at.Before(t0.Add(-6 * time.Minute))
		if (!surging && at.Minute()%10 == 3 && at.Second() == 7) || (surging && at.Second()%3 == 1) {
			add("checkout", at, fmt.Sprintf("connection to db-%d failed: too many connections (%d open)", i%3, 90+i%10))
		}
		if !at.Before(t0.Add(-5*time.Minute)) && at.Second()%6 == 2 {
			add("checkout", at, fmt.Sprintf("panic: runtime error: invalid memory address or nil pointer dereference [signal SIGSEGV code=0x%x addr=0x0 pc=0x%x]", 1+i%2, 0x4a1f00+i%50))
		}
		if at.Second()%20 == 5 {
			add("catalog", at, fmt.Sprintf("search index refresh failed for shard %d, retrying in %ds", i%16, 1+i%5))
		}
	}
	return f
}

func TestLogs(t *testing.T) {
	f := logScenario(t)
	srv := f.start()
	cfg := evidence.Config{LokiURL: srv.URL, GrafanaURL: "https://grafana.example/", LokiUID: "loki-uid"}
	req := fixedIncident("checkout", "catalog")
	t0 := req.Incident.Start
	budget := rca.NewBudget(10)
	ev, err := gatherer(t, cfg, nil, "logs").Gather(context.Background(), req, budget)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range ev {
		t.Logf("%s %.2f %s", e.Entity, e.Strength, e.Detail)
	}
	if budget.Used() != 2 {
		t.Errorf("spent %d queries, want one per candidate (2)", budget.Used())
	}
	want := []struct {
		signal, detail string
		onset          time.Time
		minStrength    float64
	}{
		{"panic: runtime error: invalid memory address or nil pointer dereference [signal SIGSEGV code=<*> addr=<*> pc=<*>]",
			`new error log pattern "panic: runtime error: invalid memory address or nil pointer dereference [signal SIGSEGV code=<*> addr=<*> pc=<*>]" appeared at 09:55 UTC, 5 min before the first alert (`,
			t0.Add(-5 * time.Minute), 0.8},
		{"connection to <*> failed: too many connections (<*> open)",
			`error log pattern "connection to <*> failed: too many connections (<*> open)" rose from 0 to 20 lines a minute at 09:54 UTC, 6 min before the first alert`,
			t0.Add(-6 * time.Minute), 0.9},
	}
	if len(ev) != len(want) {
		t.Fatalf("got %d pieces of evidence, want %d", len(ev), len(want))
	}
	got := byEntitySignal(ev)
	for _, w := range want {
		e, ok := got[[2]string{"checkout", w.signal}]
		if !ok {
			t.Errorf("no evidence for pattern %q", w.signal)
			continue
		}
		if e.Kind != rca.KindLogs || e.Strength < w.minStrength || e.Strength > 1 || !near(e.Onset, w.onset, time.Minute) {
			t.Errorf("%q: kind %s strength %.2f onset %s", w.signal, e.Kind, e.Strength, e.Onset)
		}
		if !strings.HasPrefix(e.Detail, w.detail) {
			t.Errorf("detail\n %q, want it to start\n %q", e.Detail, w.detail)
		}
		pane, q := exploreQueryOf(t, e.URL)
		if !strings.HasPrefix(e.URL, "https://grafana.example/explore?schemaVersion=1&panes=") || pane["datasource"] != "loki-uid" ||
			q["expr"] != errorQuery("checkout") || q["queryType"] != "range" {
			t.Errorf("Explore link %q: pane %v", e.URL, pane)
		}
	}
	if qs := f.seen(); !slices.Contains(qs, errorQuery("checkout")) || !slices.Contains(qs, errorQuery("catalog")) {
		t.Errorf("queries %q", qs)
	}
}

func TestLogsBounds(t *testing.T) {
	req := fixedIncident("checkout", "catalog")

	t.Run("candidates", func(t *testing.T) {
		f := logScenario(t)
		g := gatherer(t, evidence.Config{LokiURL: f.start().URL, LogCandidates: 1}, nil, "logs")
		budget := rca.NewBudget(10)
		if _, err := g.Gather(context.Background(), req, budget); err != nil {
			t.Fatal(err)
		}
		if budget.Used() != 1 || slices.Contains(f.seen(), errorQuery("catalog")) {
			t.Errorf("%d queries, Loki asked %q; want checkout's only", budget.Used(), f.seen())
		}
	})

	t.Run("line limit", func(t *testing.T) {
		// 100 lines reach back a few minutes only: no baseline to judge against, so no
		// pattern is called new, and that is no error.
		g := gatherer(t, evidence.Config{LokiURL: logScenario(t).start().URL, LogLineLimit: 100}, nil, "logs")
		ev, err := g.Gather(context.Background(), req, rca.NewBudget(10))
		if err != nil || len(ev) != 0 {
			t.Errorf("got %+v, %v; want nothing", ev, err)
		}
	})

	t.Run("line limit with baseline enough", func(t *testing.T) {
		// 500 lines reach back more than an hour before the window: judged on that.
		g := gatherer(t, evidence.Config{LokiURL: logScenario(t).start().URL, LogLineLimit: 500}, nil, "logs")
		ev, err := g.Gather(context.Background(), req, rca.NewBudget(10))
		if err != nil || len(ev) != 2 {
			t.Errorf("got %+v, %v; want checkout's two patterns", ev, err)
		}
	})

	t.Run("budget", func(t *testing.T) {
		f := logScenario(t)
		g := gatherer(t, evidence.Config{LokiURL: f.start().URL}, nil, "logs")
		ev, err := g.Gather(context.Background(), req, rca.NewBudget(1))
		if !errors.Is(err, rca.ErrBudget) || len(ev) != 2 || slices.Contains(f.seen(), errorQuery("catalog")) {
			t.Errorf("got %d pieces of evidence, %v; want checkout's two and rca.ErrBudget", len(ev), err)
		}
	})

	t.Run("cancelled", func(t *testing.T) {
		f := logScenario(t)
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		ev, err := gatherer(t, evidence.Config{LokiURL: f.start().URL}, nil, "logs").Gather(ctx, req, rca.NewBudget(10))
		if !errors.Is(err, context.Canceled) || len(ev) != 0 || len(f.seen()) != 0 {
			t.Errorf("got %v, %v after %d requests; want context.Canceled and none", ev, err, len(f.seen()))
		}
	})
}

func TestLogsErrors(t *testing.T) {
	req := fixedIncident("checkout", "catalog")
	tests := []struct {
		name    string
		failing map[string]lokiFailure
		want    string
		asked   int // candidates Loki was asked about
	}{
		{"overloaded", map[string]lokiFailure{errorQuery("checkout"): {http.StatusTooManyRequests, "too many outstanding requests"}},
			"checkout: query Loki at ", 1},
		{"refused query", map[string]lokiFailure{errorQuery("checkout"): {http.StatusBadRequest, "parse error at line 1, col 5: syntax error: unexpected IDENTIFIER"}},
			"Loki answered HTTP 400: parse error", 2},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			f := logScenario(t)
			f.failing = tc.failing
			budget := rca.NewBudget(10)
			_, err := gatherer(t, evidence.Config{LokiURL: f.start().URL}, nil, "logs").Gather(context.Background(), req, budget)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
			if budget.Used() != tc.asked {
				t.Errorf("%d candidates asked, want %d", budget.Used(), tc.asked)
			}
		})
	}

	t.Run("unreachable", func(t *testing.T) {
		_, err := gatherer(t, evidence.Config{LokiURL: closedURL(t)}, nil, "logs").Gather(context.Background(), req, rca.NewBudget(10))
		if err == nil || !strings.Contains(err.Error(), "reach Loki at") || strings.Contains(err.Error(), "catalog") {
			t.Errorf("error %v, want one reach failure", err)
		}
	})
}
