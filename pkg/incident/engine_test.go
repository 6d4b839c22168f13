package incident

import (
	"fmt"
	"testing"
	"time"
)

var t0 = time.Date(2026, 11, 21, 14, 0, 0, 0, time.UTC)

// graph is a tiny service graph for tests: undirected edges, distances by BFS.
type graph map[string][]string

func (g graph) Distance(a, b string) int {
	if a == b {
		return 0
	}
	seen := map[string]bool{a: true}
	frontier := []string{a}
	for d := 1; len(frontier) > 0 && d <= 4; d++ {
		var next []string
		for _, s := range frontier {
			for _, n := range g[s] {
				if n == b {
					return d
				}
				if !seen[n] {
					seen[n] = true
					next = append(next, n)
				}
			}
		}
		frontier = next
	}
	return -1
}

func shop() graph {
	edges := [][2]string{{"web", "checkout"}, {"checkout", "payments"}, {"payments", "db"}, {"web", "search"}, {"search", "elastic"}}
	g := graph{}
	for _, e := range edges {
		g[e[0]] = append(g[e[0]], e[1])
		g[e[1]] = append(g[e[1]], e[0])
	}
	return g
}

func counter() func() string {
	n := 0
	return func() string { n++; return fmt.Sprintf("inc-%d", n) }
}

func alert(name, svc string, status Status, start time.Time, extra ...string) Alert {
	labels := map[string]string{"alertname": name, "service": svc}
	for i := 0; i+1 < len(extra); i += 2 {
		labels[extra[i]] = extra[i+1]
	}
	return Alert{Fingerprint: LabelFingerprint(labels), Status: status, Labels: labels, StartsAt: start, Source: "alertmanager"}
}

func testEngine() *Engine {
	cfg := DefaultConfig()
	return NewEngine(cfg, shop(), counter())
}

func incidentOf(t *testing.T, ch Changes, fp string) string {
	t.Helper()
	for _, m := range ch.Members {
		if m.Fingerprint == fp {
			return m.IncidentID
		}
	}
	t.Fatalf("alert %s not in changes", fp)
	return ""
}

func TestGroupingRules(t *testing.T) {
	tests := []struct {
		name   string
		first  Alert
		second Alert
		same   bool
		reason ReasonKind
	}{
		{"same service", alert("HighLatency", "checkout", Firing, t0), alert("HighErrors", "checkout", Firing, t0.Add(2*time.Minute)), true, ReasonService},
		{"neighbour in the graph", alert("DBSlow", "db", Firing, t0), alert("PaymentsErrors", "payments", Firing, t0.Add(time.Minute)), true, ReasonTopology},
		{"two hops joins by default", alert("DBSlow", "db", Firing, t0), alert("CheckoutErrors", "checkout", Firing, t0.Add(time.Minute)), true, ReasonTopology},
		{"three hops is too far by default", alert("DBSlow", "db", Firing, t0), alert("WebErrors", "web", Firing, t0.Add(time.Minute)), false, ReasonNew},
		{"unrelated service", alert("DBSlow", "db", Firing, t0), alert("SearchSlow", "search", Firing, t0.Add(time.Minute)), false, ReasonNew},
		{"same service, too late", alert("HighLatency", "checkout", Firing, t0), alert("HighErrors", "checkout", Firing, t0.Add(11*time.Minute)), false, ReasonNew},
		{"similar labels without a service", alert("DiskFull", "", Firing, t0, "instance", "node-7:9100", "device", "sda"),
			alert("DiskIOHigh", "", Firing, t0.Add(time.Minute), "instance", "node-7:9100", "device", "sda"), true, ReasonLabels},
		{"shared context labels are not similarity", alert("DiskFull", "", Firing, t0, "instance", "node-7:9100", "cluster", "eu1", "severity", "critical"),
			alert("CPUHigh", "", Firing, t0.Add(time.Minute), "instance", "node-9:9100", "cluster", "eu1", "severity", "critical"), false, ReasonNew},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := testEngine()
			ch1 := e.Ingest([]Alert{tc.first}, "", tc.first.StartsAt)
			ch2 := e.Ingest([]Alert{tc.second}, "", tc.second.StartsAt)
			a, b := incidentOf(t, ch1, tc.first.Fingerprint), incidentOf(t, ch2, tc.second.Fingerprint)
			if (a == b) != tc.same {
				t.Fatalf("same incident = %v, want %v", a == b, tc.same)
			}
			if got := ch2.Members[0].Reason.Kind; got != tc.reason {
				t.Errorf("reason %q, want %q (%s)", got, tc.reason, ch2.Members[0].Reason.Detail)
			}
		})
	}
}

func TestStormBecomesOneIncidentWithOneNotification(t *testing.T) {
	e := testEngine()
	var alerts []Alert
	for i, svc := range []string{"db", "payments", "payments", "db", "payments"} {
		alerts = append(alerts, alert(fmt.Sprintf("Alert%d", i), svc, Firing, t0.Add(time.Duration(i)*5*time.Second)))
	}
	var notices []Notice
	for i, a := range alerts {
		ch := e.Ingest([]Alert{a}, "", t0.Add(time.Duration(i)*5*time.Second))
		notices = append(notices, ch.Notices...)
	}
	if len(notices) != 0 {
		t.Fatalf("notified before the group wait: %+v", notices)
	}
	ch := e.Tick(t0.Add(40 * time.Second))
	if len(ch.Notices) != 1 || ch.Notices[0].Kind != NoticeOpened {
		t.Fatalf("want one opened notice, got %+v", ch.Notices)
	}
	inc := ch.Notices[0].Incident
	if inc.AlertCount != 5 || inc.FiringCount != 5 || len(inc.Services) != 2 {
		t.Errorf("incident %+v", inc)
	}
	if ch := e.Tick(t0.Add(time.Minute)); len(ch.Notices) != 0 {
		t.Errorf("second tick notified again: %+v", ch.Notices)
	}
}

func TestRetryChangesNothing(t *testing.T) {
	e := testEngine()
	batch := []Alert{alert("A", "db", Firing, t0), alert("B", "db", Firing, t0)}
	if ch := e.Ingest(batch, "", t0); ch.Empty() {
		t.Fatal("first delivery changed nothing")
	}
	if ch := e.Ingest(batch, "", t0.Add(time.Second)); !ch.Empty() {
		t.Fatalf("retry changed %+v", ch)
	}
	resolved := batch[0]
	resolved.Status, resolved.EndsAt = Resolved, t0.Add(time.Minute)
	e.Ingest([]Alert{resolved}, "", t0.Add(time.Minute))
	if ch := e.Ingest([]Alert{resolved}, "", t0.Add(2*time.Minute)); !ch.Empty() {
		t.Fatalf("resolved retry changed %+v", ch)
	}
	// A late copy of the older firing report must not undo the resolve.
	if ch := e.Ingest([]Alert{batch[0]}, "", t0.Add(3*time.Minute)); !ch.Empty() {
		t.Fatalf("stale firing report changed %+v", ch)
	}
}

func TestLifecycle(t *testing.T) {
	e := testEngine()
	a := alert("DBSlow", "db", Firing, t0)
	ch := e.Ingest([]Alert{a}, "", t0)
	id := incidentOf(t, ch, a.Fingerprint)
	e.Tick(t0.Add(time.Minute)) // opened notice goes out

	r := a
	r.Status, r.EndsAt = Resolved, t0.Add(10*time.Minute)
	e.Ingest([]Alert{r}, "", t0.Add(10*time.Minute))
	if ch := e.Tick(t0.Add(14 * time.Minute)); len(ch.Incidents) != 0 {
		t.Fatalf("resolved before the cool-down: %+v", ch.Incidents)
	}
	ch = e.Tick(t0.Add(15 * time.Minute))
	if len(ch.Notices) != 1 || ch.Notices[0].Kind != NoticeResolved || ch.Incidents[0].State != Closed {
		t.Fatalf("want resolve after cool-down, got %+v", ch)
	}

	// Recurrence within the reopen window reopens the same incident and counts a flap.
	again := a
	again.StartsAt = t0.Add(20 * time.Minute)
	ch = e.Ingest([]Alert{again}, "", t0.Add(20*time.Minute))
	if got := incidentOf(t, ch, a.Fingerprint); got != id {
		t.Fatalf("recurrence went to %s, want %s", got, id)
	}
	if inc := ch.Incidents[0]; inc.State != Open || inc.FlapCount != 1 {
		t.Fatalf("after recurrence %+v", inc)
	}
	if len(ch.Notices) != 1 || ch.Notices[0].Kind != NoticeChanged {
		t.Fatalf("reopening should notify at once, got %+v", ch.Notices)
	}

	// Resolved and forgotten: a recurrence after the reopen window is a new incident.
	r2 := again
	r2.Status = Resolved
	e.Ingest([]Alert{r2}, "", t0.Add(21*time.Minute))
	e.Tick(t0.Add(27 * time.Minute))
	e.Tick(t0.Add(60 * time.Minute))
	late := a
	late.StartsAt = t0.Add(61 * time.Minute)
	ch = e.Ingest([]Alert{late}, "", t0.Add(61*time.Minute))
	if got := incidentOf(t, ch, a.Fingerprint); got == id {
		t.Fatal("recurrence after the reopen window reused the old incident")
	}
}

func TestShortIncidentIsNeverNotified(t *testing.T) {
	e := testEngine()
	e.cfg.Cooldown = 0
	a := alert("Blip", "db", Firing, t0)
	e.Ingest([]Alert{a}, "", t0)
	r := a
	r.Status = Resolved
	e.Ingest([]Alert{r}, "", t0.Add(10*time.Second))
	ch := e.Tick(t0.Add(20 * time.Second))
	if len(ch.Notices) != 0 || len(ch.Incidents) != 1 || ch.Incidents[0].State != Closed {
		t.Fatalf("want silent resolve, got %+v", ch)
	}
}

func TestEscalationIsCoalesced(t *testing.T) {
	e := testEngine()
	e.Ingest([]Alert{alert("DBSlow", "db", Firing, t0, "severity", "warning")}, "", t0)
	e.Tick(t0.Add(time.Minute))
	ch := e.Ingest([]Alert{alert("PayErr", "payments", Firing, t0.Add(2*time.Minute), "severity", "critical")}, "", t0.Add(2*time.Minute))
	if len(ch.Notices) != 0 {
		t.Fatalf("change notified within the notify interval: %+v", ch.Notices)
	}
	if ch.Incidents[0].Severity != "critical" {
		t.Errorf("severity %q", ch.Incidents[0].Severity)
	}
	ch = e.Tick(t0.Add(7 * time.Minute))
	if len(ch.Notices) != 1 || ch.Notices[0].Kind != NoticeChanged || ch.Notices[0].Incident.AlertCount != 2 {
		t.Fatalf("want one changed notice, got %+v", ch.Notices)
	}
}

func TestActions(t *testing.T) {
	e := testEngine()
	a, b, c := alert("DBSlow", "db", Firing, t0), alert("SearchSlow", "search", Firing, t0), alert("SearchErr", "search", Firing, t0)
	ch := e.Ingest([]Alert{a, b, c}, "", t0)
	ia, ib := incidentOf(t, ch, a.Fingerprint), incidentOf(t, ch, b.Fingerprint)

	if _, err := e.Acknowledge(ia, "ana", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Acknowledge(ia, "ana", t0.Add(time.Minute)); err == nil {
		t.Error("acknowledging twice succeeded")
	}
	if _, err := e.Merge(ia, []string{ia}, "ana", t0); err == nil {
		t.Error("merging an incident into itself succeeded")
	}
	ch, err := e.Merge(ia, []string{ib}, "ana", t0.Add(2*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if len(ch.Moves) != 1 || len(ch.Moves[0].Fingerprints) != 2 {
		t.Fatalf("moves %+v", ch.Moves)
	}
	byID := map[string]Incident{}
	for _, inc := range ch.Incidents {
		byID[inc.ID] = inc
	}
	if byID[ib].State != Merged || byID[ib].MergedInto != ia || byID[ia].AlertCount != 3 {
		t.Fatalf("after merge: %+v", byID)
	}
	ch, newID, err := e.Split(ia, []string{b.Fingerprint, c.Fingerprint}, "ana", t0.Add(3*time.Minute))
	if err != nil {
		t.Fatal(err)
	}
	if got := incidentOf(t, ch, c.Fingerprint); got != newID {
		t.Fatalf("split member in %s, want %s", got, newID)
	}
	if _, _, err := e.Split(ia, []string{a.Fingerprint}, "ana", t0); err == nil {
		t.Error("splitting off every alert succeeded")
	}
	if _, err := e.Resolve(ia, "ana", t0.Add(4*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Reopen(ia, "ana", t0.Add(5*time.Minute)); err != nil {
		t.Fatal(err)
	}
	if _, err := e.Reopen("nope", "ana", t0); err == nil {
		t.Error("unknown incident accepted")
	}
}

// TestRestoreContinues checks that an engine rebuilt from what the store holds makes the
// same decisions as one that never stopped.
func TestRestoreContinues(t *testing.T) {
	stream := []Alert{
		alert("DBSlow", "db", Firing, t0), alert("PayErr", "payments", Firing, t0.Add(time.Minute)),
		alert("SearchSlow", "search", Firing, t0.Add(2*time.Minute)),
	}
	later := []Alert{alert("PayLatency", "payments", Firing, t0.Add(3*time.Minute)), alert("ElasticDown", "elastic", Firing, t0.Add(3*time.Minute))}

	live := NewEngine(DefaultConfig(), shop(), counter())
	var snap store
	for i, a := range stream {
		snap.apply(live.Ingest([]Alert{a}, "", t0.Add(time.Duration(i)*time.Minute)))
	}
	ids := counter()
	for range live.Incidents() {
		ids()
	}
	restored := NewEngine(DefaultConfig(), shop(), ids)
	restored.Restore(snap.snapshot())

	want := live.Ingest(later, "", t0.Add(3*time.Minute))
	got := restored.Ingest(later, "", t0.Add(3*time.Minute))
	for _, a := range later {
		if w, g := incidentOf(t, want, a.Fingerprint), incidentOf(t, got, a.Fingerprint); w != g {
			t.Errorf("%s: restored engine put it in %s, live one in %s", a.Labels["alertname"], g, w)
		}
	}
}

// store keeps the latest state of everything Changes reported, as the real store does.
type store struct {
	incs    map[string]Incident
	members map[string]Member
}

func (s *store) apply(ch Changes) {
	if s.incs == nil {
		s.incs, s.members = map[string]Incident{}, map[string]Member{}
	}
	for _, inc := range ch.Incidents {
		s.incs[inc.ID] = inc
	}
	for _, m := range ch.Members {
		s.members[m.Fingerprint] = m
	}
}

func (s *store) snapshot() Snapshot {
	var out Snapshot
	for _, inc := range s.incs {
		out.Incidents = append(out.Incidents, inc)
	}
	for _, m := range s.members {
		out.Members = append(out.Members, m)
	}
	return out
}

// TestOnsetAnchoring checks that a different alert joins an incident only within the onset
// window of its first alert, however recently the incident's latest alert arrived.
func TestOnsetAnchoring(t *testing.T) {
	tests := []struct {
		name  string
		last  time.Duration // start of the last alert, after the first at t0
		steps int           // alerts on the same service in between, evenly spaced
		same  bool
	}{
		{"inside the onset window", 9 * time.Minute, 2, true},
		{"a chain past the onset window", 12 * time.Minute, 3, false},
		{"a long chain every four minutes", 40 * time.Minute, 10, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := testEngine()
			first := alert("A0", "checkout", Firing, t0)
			id := incidentOf(t, e.Ingest([]Alert{first}, "", t0), first.Fingerprint)
			var got string
			for i := 1; i <= tc.steps; i++ {
				at := t0.Add(time.Duration(i) * tc.last / time.Duration(tc.steps))
				a := alert(fmt.Sprintf("A%d", i), "checkout", Firing, at)
				got = incidentOf(t, e.Ingest([]Alert{a}, "", at), a.Fingerprint)
			}
			if (got == id) != tc.same {
				t.Fatalf("last alert in %s, first in %s; want same=%v", got, id, tc.same)
			}
		})
	}
}

// TestRecurrenceMustFit checks that an alert firing again belongs to its old incident only
// while it fits that incident's onset; later it is grouped afresh, and a missed resolve
// is closed in the old incident.
func TestRecurrenceMustFit(t *testing.T) {
	tests := []struct {
		name       string
		again      time.Duration
		resolveGot bool // the resolve in between reached the engine
		same       bool
	}{
		{"flap within the onset", 4 * time.Minute, true, true},
		{"recurrence after the onset", 14 * time.Minute, true, false},
		{"recurrence after the onset, resolve lost", 14 * time.Minute, false, false},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := testEngine()
			a := alert("DBSlow", "db", Firing, t0)
			keep := alert("DBConn", "db", Firing, t0.Add(time.Minute))
			id := incidentOf(t, e.Ingest([]Alert{a, keep}, "", t0.Add(time.Minute)), a.Fingerprint)
			// Keep the incident busy so that the latest-alert window alone would take it.
			for _, d := range []time.Duration{5, 9, 13} {
				k := keep
				k.StartsAt = t0.Add(d * time.Minute)
				e.Ingest([]Alert{k}, "", k.StartsAt)
			}
			if tc.resolveGot {
				r := a
				r.Status, r.EndsAt = Resolved, t0.Add(2*time.Minute)
				e.Ingest([]Alert{r}, "", t0.Add(2*time.Minute))
			}
			again := a
			again.StartsAt = t0.Add(tc.again)
			ch := e.Ingest([]Alert{again}, "", again.StartsAt)
			var got string
			var oldResolved bool
			for _, m := range ch.Members {
				if m.Fingerprint == a.Fingerprint && m.Status == Firing {
					got = m.IncidentID
				}
				if m.Fingerprint == a.Fingerprint && m.Status == Resolved && m.IncidentID == id {
					oldResolved = true
				}
			}
			if (got == id) != tc.same {
				t.Fatalf("recurrence in %s, first occurrence in %s; want same=%v", got, id, tc.same)
			}
			if !tc.resolveGot && !tc.same && !oldResolved {
				t.Errorf("the old occurrence was not resolved in %s: %+v", id, ch.Members)
			}
		})
	}
}

func TestOnsetWindowValidation(t *testing.T) {
	for _, tc := range []struct {
		onset time.Duration
		ok    bool
	}{{10 * time.Minute, true}, {time.Minute, false}, {2 * time.Hour, false}} {
		c := DefaultConfig()
		c.OnsetWindow = tc.onset
		if err := c.Validate(); (err == nil) != tc.ok {
			t.Errorf("onset window %s: err %v, want ok=%v", tc.onset, err, tc.ok)
		}
	}
}

// TestReopenOnlyWhenNothingNewFits checks that an alert recurring within the reopen window
// reopens its resolved incident only when no active incident fits it.
func TestReopenOnlyWhenNothingNewFits(t *testing.T) {
	tests := []struct {
		name   string
		other  *Alert // an alert of a new problem, firing when the recurrence arrives
		reopen bool
	}{
		{"nothing else going on", nil, true},
		{"a new problem next to it", ptr(alert("PayErr", "payments", Firing, t0.Add(19*time.Minute))), false},
		{"a new problem far away", ptr(alert("SearchSlow", "search", Firing, t0.Add(19*time.Minute))), true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			e := testEngine()
			a := alert("DBSlow", "db", Firing, t0)
			id := incidentOf(t, e.Ingest([]Alert{a}, "", t0), a.Fingerprint)
			r := a
			r.Status, r.EndsAt = Resolved, t0.Add(5*time.Minute)
			e.Ingest([]Alert{r}, "", t0.Add(5*time.Minute))
			e.Tick(t0.Add(11 * time.Minute)) // resolved after the cool-down
			if tc.other != nil {
				e.Ingest([]Alert{*tc.other}, "", tc.other.StartsAt)
			}
			again := a
			again.StartsAt = t0.Add(20 * time.Minute)
			ch := e.Ingest([]Alert{again}, "", again.StartsAt)
			got := ""
			for _, m := range ch.Members {
				if m.Fingerprint == a.Fingerprint && m.Status == Firing {
					got = m.IncidentID
				}
			}
			if (got == id) != tc.reopen {
				t.Fatalf("recurrence in %s, old incident %s; want reopen=%v", got, id, tc.reopen)
			}
		})
	}
}

func ptr[T any](v T) *T { return &v }
