package notify

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/incident"
	"github.com/foresight-aiops/foresight/pkg/outbox"
)

var (
	t0 = time.Date(2026, 3, 14, 9, 26, 53, 0, time.UTC)
	t1 = t0.Add(7 * time.Minute)
	t2 = t0.Add(42 * time.Minute)
)

// testIncident is an open incident over two services.
func testIncident() incident.Incident {
	return incident.Incident{
		ID:          "inc-1",
		State:       incident.Open,
		Title:       "checkout latency high",
		Severity:    "critical",
		Services:    []string{"checkout", "payments"},
		StartedAt:   t0,
		UpdatedAt:   t1,
		AlertCount:  3,
		FiringCount: 2,
		Revision:    4,
	}
}

// testNotice is the payload of a notice about testIncident, without a probable cause.
func testNotice(kind incident.NoticeKind, mutate ...func(*incident.Incident)) Payload {
	inc := testIncident()
	for _, m := range mutate {
		m(&inc)
	}
	return Payload{Notice: incident.Notice{Kind: kind, Incident: inc, Summary: "3 alerts on checkout, payments"}}
}

func resolvedAt(t time.Time) func(*incident.Incident) {
	return func(inc *incident.Incident) { inc.State, inc.ResolvedAt, inc.UpdatedAt = incident.Closed, t, t }
}

func inState(s incident.State) func(*incident.Incident) {
	return func(inc *incident.Incident) { inc.State = s }
}

// testItem is the outbox item that would carry n to target.
func testItem(t *testing.T, target, kind string, n Payload) outbox.Item {
	t.Helper()
	payload, err := json.Marshal(n)
	if err != nil {
		t.Fatal(err)
	}
	return outbox.Item{
		ID:         1,
		Tenant:     "acme",
		IncidentID: n.Incident.ID,
		Target:     target,
		Kind:       kind,
		Key:        "acme/" + n.Incident.ID + "/" + kind + "/" + target,
		Payload:    payload,
		Created:    t1,
	}
}

// waitFor polls cond until it holds or the deadline passes; tests wait on conditions,
// never on sleeps.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(2 * time.Millisecond)
	}
}

// receive waits for a value on ch, failing the test after a deadline instead of hanging.
func receive(t *testing.T, ch <-chan struct{}, what string) {
	t.Helper()
	select {
	case <-ch:
	case <-time.After(10 * time.Second):
		t.Fatalf("timed out waiting for %s", what)
	}
}
