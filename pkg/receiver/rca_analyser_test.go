package receiver

import (
	"context"
	"fmt"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/foresight-aiops/foresight/pkg/incident"
	"github.com/foresight-aiops/foresight/pkg/outbox"
	"github.com/foresight-aiops/foresight/pkg/rca"
	"github.com/foresight-aiops/foresight/pkg/store"
)

func TestAlertEntity(t *testing.T) {
	for _, tc := range []struct {
		name    string
		service string
		labels  map[string]string
		want    string
	}{
		{"grouping's service first", "checkout", map[string]string{"service": "other", "pod": "checkout-7d9f"}, "checkout"},
		{"service label", "", map[string]string{"service": "db", "pod": "db-0", "host": "n1"}, "db"},
		{"service_name before job", "", map[string]string{"service_name": "api", "job": "kubernetes-pods"}, "api"},
		{"job", "", map[string]string{"job": "node", "instance": "localhost:9100"}, "node"},
		{"app before pod", "", map[string]string{"app": "web", "pod": "web-1"}, "web"},
		{"pod before container", "", map[string]string{"pod": "cache-2", "container": "redis"}, "cache-2"},
		{"container before host", "", map[string]string{"container": "redis", "host": "n2"}, "redis"},
		{"host", "", map[string]string{"host": "andromeda", "alertname": "HighTemp"}, "andromeda"},
		{"an instance alone is not an entity", "", map[string]string{"instance": "10.0.0.1:9100"}, ""},
		{"empty values are skipped", "", map[string]string{"service": "", "host": "n3"}, "n3"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := incident.Member{Alert: incident.Alert{Labels: tc.labels}, Service: tc.service}
			if got := alertEntity(m); got != tc.want {
				t.Errorf("alertEntity = %q, want %q", got, tc.want)
			}
		})
	}
}

func TestCauseOf(t *testing.T) {
	h := func(entity string, conf float64) rca.Hypothesis {
		return rca.Hypothesis{Entity: entity, Confidence: conf, Explanation: entity + " (confidence …)"}
	}
	for _, tc := range []struct {
		name string
		res  rca.Result
		want string // entity, "" for no cause
	}{
		{"no hypotheses", rca.Result{NoCause: 1}, ""},
		{"top below no cause", rca.Result{Hypotheses: []rca.Hypothesis{h("db", 0.3)}, NoCause: 0.7}, ""},
		{"top equal to no cause", rca.Result{Hypotheses: []rca.Hypothesis{h("db", 0.5)}, NoCause: 0.5}, ""},
		{"top above no cause", rca.Result{Hypotheses: []rca.Hypothesis{h("db", 0.6), h("api", 0.2)}, NoCause: 0.2}, "db"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := causeOf(tc.res)
			switch {
			case tc.want == "" && c != nil:
				t.Errorf("cause %+v, want none", c)
			case tc.want != "" && (c == nil || c.Entity != tc.want || c.Explanation != tc.want+" (confidence …)"):
				t.Errorf("cause %+v, want %s", c, tc.want)
			}
		})
	}
}

// analyserFixture is an analyser over a real SQLite store, driven by hand: no workers
// run, the test calls process itself and sets the clock.
type analyserFixture struct {
	a     *analyser
	st    *store.Store
	g     *stubGatherer
	clock time.Time
}

func newAnalyserFixture(t *testing.T) *analyserFixture {
	st, err := store.Open(context.Background(), store.Config{Path: filepath.Join(t.TempDir(), "rca.db")})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	f := &analyserFixture{st: st, g: &stubGatherer{deploys: map[string]string{"db": "db 2.0 deployed"}}, clock: time.Now()}
	cfg := RCAConfig{Enabled: true, Engine: rca.DefaultConfig(), QueueSize: 8, Workers: 1, MinInterval: 30 * time.Second, RefreshInterval: time.Minute}
	f.a = newAnalyser(cfg, rca.NewEngine(cfg.Engine, nil, f.g), st, []string{"t"}, true, log.NewNopLogger(), prometheus.NewRegistry())
	f.a.now = func() time.Time { return f.clock }
	return f
}

// grow stores incident inc-1 of tenant t with n alerts on db.
func (f *analyserFixture) grow(t *testing.T, n int, state incident.State) {
	t.Helper()
	in := incident.Incident{ID: "inc-1", State: state, Title: "db slow", StartedAt: f.clock, UpdatedAt: f.clock, AlertCount: n, Revision: int64(n)}
	ch := incident.Changes{Incidents: []incident.Incident{in}}
	for i := range n {
		ch.Members = append(ch.Members, incident.Member{
			Alert:      incident.Alert{Fingerprint: string(rune('a' + i)), Status: incident.Firing, StartsAt: f.clock, Labels: map[string]string{"alertname": "DBSlow"}},
			IncidentID: "inc-1", Service: "db", FirstSeen: f.clock,
		})
	}
	if err := f.st.Write(context.Background(), func(tx *store.Tx) error { return tx.Apply("t", ch) }); err != nil {
		t.Fatal(err)
	}
}

func (f *analyserFixture) stored(t *testing.T) (store.Analysis, bool) {
	t.Helper()
	a, found, err := f.st.Hypotheses(context.Background(), "t", "inc-1")
	if err != nil {
		t.Fatal(err)
	}
	return a, found
}

var inc1 = analysisKey{tenant: "t", id: "inc-1"}

// TestAnalyserRecomputesOnlyWhenDue walks one incident through the rules: analysed when
// new, not again while its alerts are unchanged, held back within the minimum interval
// when they changed, recomputed after it, and left alone once resolved.
func TestAnalyserRecomputesOnlyWhenDue(t *testing.T) {
	f := newAnalyserFixture(t)
	ctx := context.Background()
	f.grow(t, 1, incident.Open)

	f.a.process(ctx, inc1, false)
	a, found := f.stored(t)
	if !found || a.AlertCount != 1 || a.Revision != 1 || f.g.calls.Load() != 1 {
		t.Fatalf("first analysis: %+v found %v, %d gathers", a, found, f.g.calls.Load())
	}
	if top, _ := a.Result.Top(); top.Entity != "db" {
		t.Errorf("top hypothesis %+v", top)
	}

	f.clock = f.clock.Add(time.Hour)
	f.a.process(ctx, inc1, false)
	if f.g.calls.Load() != 1 {
		t.Error("recomputed although no alert changed")
	}

	f.grow(t, 2, incident.Open)
	f.clock = f.clock.Add(10 * time.Second) // the last analysis was over an hour ago
	f.a.process(ctx, inc1, false)
	if a, _ := f.stored(t); a.AlertCount != 2 || f.g.calls.Load() != 2 {
		t.Fatalf("after a new alert: %d alerts analysed, %d gathers; want 2 and 2", a.AlertCount, f.g.calls.Load())
	}

	f.grow(t, 3, incident.Open)
	f.clock = f.clock.Add(10 * time.Second)
	f.a.process(ctx, inc1, false)
	if a, _ := f.stored(t); a.AlertCount != 2 || f.a.queue.len() != 1 {
		t.Fatalf("within the minimum interval: %d alerts analysed, %d deferred; want 2 and 1", a.AlertCount, f.a.queue.len())
	}
	f.a.queue.release(inc1) // the interval passes
	k, force := take(t, f.a.queue)
	f.clock = f.clock.Add(30 * time.Second)
	f.a.process(ctx, k, force)
	f.a.queue.done(k)
	if a, _ := f.stored(t); a.AlertCount != 3 {
		t.Errorf("after the interval: %d alerts analysed, want 3", a.AlertCount)
	}

	f.grow(t, 4, incident.Closed)
	f.clock = f.clock.Add(time.Hour)
	f.a.process(ctx, inc1, true)
	if a, _ := f.stored(t); a.AlertCount != 3 {
		t.Errorf("a resolved incident was analysed: %d alerts", a.AlertCount)
	}
}

// TestAnalyserUpdatesAnnotationWhenCauseChanges checks that an analysis queues a Grafana
// annotation update only when the incident has an annotation and the probable cause
// changed, and never anything for the notification targets.
func TestAnalyserUpdatesAnnotationWhenCauseChanges(t *testing.T) {
	f := newAnalyserFixture(t)
	ctx := context.Background()
	f.grow(t, 1, incident.Open)
	pending := func() int64 {
		n, err := f.st.PendingOutbox(ctx)
		if err != nil {
			t.Fatal(err)
		}
		return n
	}

	f.a.process(ctx, inc1, false)
	if n := pending(); n != 0 {
		t.Fatalf("%d items queued for an incident without an annotation", n)
	}
	// The incident is announced: its annotation exists from now on.
	err := f.st.Write(ctx, func(tx *store.Tx) error {
		return tx.Enqueue([]outbox.Item{{Tenant: "t", IncidentID: "inc-1", Target: AnnotationTarget, Kind: "annotation", Key: "opened", Payload: []byte(`{}`)}})
	})
	if err != nil {
		t.Fatal(err)
	}

	analyse := func() {
		f.clock = f.clock.Add(time.Hour)
		f.a.process(ctx, inc1, true)
	}
	analyse() // same cause (db): nothing to redraw
	if n := pending(); n != 1 {
		t.Errorf("%d items after an analysis with the same cause, want the opened one only", n)
	}
	f.g.deploys = map[string]string{} // the deploy evidence is gone: no clear cause
	analyse()
	if n := pending(); n != 2 {
		t.Errorf("%d items after the cause went away, want an annotation update", n)
	}

	items, err := f.st.Claim(ctx, "test", 10, time.Minute, f.clock)
	if err != nil {
		t.Fatal(err)
	}
	var targets []string
	for _, it := range items {
		targets = append(targets, it.Target+"/"+it.Kind)
	}
	if want := []string{"grafana/annotation"}; !reflect.DeepEqual(targets, want) {
		// Claim hands out one item per incident and target at a time, oldest first.
		t.Errorf("claimable items %v, want %v", targets, want)
	}
}

// TestAnalyserWarmsHistoryFromStore: after a restart the alert history is rebuilt from
// the stored incidents, so an alert that fired in all of them still counts for nothing.
func TestAnalyserWarmsHistoryFromStore(t *testing.T) {
	f := newAnalyserFixture(t)
	ctx := context.Background()
	const past = 25
	for i := range past {
		id := fmt.Sprintf("past-%02d", i)
		at := f.clock.Add(time.Duration(i-past) * time.Hour)
		in := incident.Incident{ID: id, State: incident.Closed, Title: "cache hot", StartedAt: at, UpdatedAt: at, ResolvedAt: at.Add(time.Minute), AlertCount: 1, Revision: 1}
		m := incident.Member{Alert: incident.Alert{Fingerprint: id, Status: incident.Resolved, StartsAt: at, Labels: map[string]string{"alertname": "CacheCPUHigh"}},
			IncidentID: id, Service: "cache", FirstSeen: at}
		ch := incident.Changes{Incidents: []incident.Incident{in}, Members: []incident.Member{m}}
		if err := f.st.Write(ctx, func(tx *store.Tx) error { return tx.Apply("t", ch) }); err != nil {
			t.Fatal(err)
		}
	}
	// Merged incidents keep no alerts of their own: they must not count as incidents.
	for i := range 5 {
		id := fmt.Sprintf("merged-%d", i)
		in := incident.Incident{ID: id, State: incident.Merged, MergedInto: "past-00", Title: "folded", StartedAt: f.clock, UpdatedAt: f.clock}
		if err := f.st.Write(ctx, func(tx *store.Tx) error { return tx.Apply("t", incident.Changes{Incidents: []incident.Incident{in}}) }); err != nil {
			t.Fatal(err)
		}
	}
	f.a.history = rca.NewHistory(rca.DefaultHistoryWindow)
	f.a.warmHistory(ctx)

	now := rca.Incident{ID: "new", Tenant: "t", Alerts: []rca.Alert{{Entity: "cache", Name: "CacheCPUHigh"}, {Entity: "db", Name: "DBSlow"}}}
	got := f.a.history.Weigh(now, rca.AlertEvidence(now.Alerts))
	if want := fmt.Sprintf("seen in %d of the last %d incidents", past, past); got[0].Strength != 0 || !strings.Contains(got[0].Detail, want) {
		t.Errorf("the alert of all %d stored incidents weighs %.3f (%q), want 0 (%q)", past, got[0].Strength, got[0].Detail, want)
	}
	if got[1].Strength != 0.5 {
		t.Errorf("a new alert weighs %.3f, want its full 0.5", got[1].Strength)
	}
}
