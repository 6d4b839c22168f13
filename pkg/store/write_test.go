package store

import (
	"context"
	"errors"
	"fmt"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/incident"
	"github.com/foresight-aiops/foresight/pkg/outbox"
)

func fullIncident() incident.Incident {
	return incident.Incident{
		ID: "inc-1", State: incident.Acknowledged, Title: "Checkout latency", Severity: "critical",
		Services: []string{"api", "checkout"}, StartedAt: at(0), UpdatedAt: at(5),
		AckedAt: at(3), AckedBy: "alice", ResolvedAt: at(9), LastResolvedAlertAt: at(8),
		AlertCount: 7, FiringCount: 4, FlapCount: 2, MergedInto: "inc-0", Revision: 42,
	}
}

func fullMember() incident.Member {
	return incident.Member{
		Alert: incident.Alert{
			Fingerprint: "fp-1", Status: incident.Resolved,
			Labels:      map[string]string{"alertname": "HighLatency", "service": "checkout", "unicode": "ünï ☃"},
			Annotations: map[string]string{"summary": `quotes " and \ backslash`},
			StartsAt:    at(0), EndsAt: at(7), GeneratorURL: "https://grafana/alerting/1",
			Values: map[string]float64{"A": 1.5, "B": -2e-9, "C": math.Inf(1), "D": math.Inf(-1)},
			Source: "alertmanager",
		},
		IncidentID: "inc-1", FirstSeen: at(1), LastSeen: at(6), FlapCount: 3, Service: "checkout",
		Reason: incident.Reason{Kind: incident.ReasonTopology, Detail: "neighbour of api", Score: 0.75, Peer: "fp-0", Actor: "bob"},
	}
}

func TestRoundTrip(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		in, m := fullIncident(), fullMember()
		ev := incident.Event{IncidentID: "inc-1", At: at(2), Kind: incident.EventAcknowledged, Fingerprint: "fp-1", Actor: "alice", Detail: "acked"}
		ev2 := incident.Event{IncidentID: "inc-1", At: at(4), Kind: incident.EventEscalated, Detail: "severity rose"}
		write(t, s, func(tx *Tx) error {
			return tx.Apply("t1", incident.Changes{Incidents: []incident.Incident{in}, Members: []incident.Member{m}, Events: []incident.Event{ev}})
		})
		write(t, s, func(tx *Tx) error { return tx.Apply("t1", incident.Changes{Events: []incident.Event{ev2}}) })

		d, err := s.Incident(ctx, "t1", "inc-1")
		if err != nil {
			t.Fatalf("Incident: %v", err)
		}
		if !reflect.DeepEqual(d.Incident, in) {
			t.Errorf("incident\n got %+v\nwant %+v", d.Incident, in)
		}
		if len(d.Members) != 1 || !reflect.DeepEqual(d.Members[0], m) {
			t.Errorf("members\n got %+v\nwant %+v", d.Members, m)
		}
		if !reflect.DeepEqual(d.Events, []incident.Event{ev, ev2}) {
			t.Errorf("events\n got %+v\nwant %+v", d.Events, []incident.Event{ev, ev2})
		}

		// Upserts replace every field, and zero times and nil maps come back as such.
		in2 := incident.Incident{ID: "inc-1", State: incident.Open, StartedAt: at(0), Revision: 43}
		m2 := incident.Member{Alert: incident.Alert{Fingerprint: "fp-1", Status: incident.Firing, Values: map[string]float64{"A": math.NaN()}}, IncidentID: "inc-1"}
		write(t, s, func(tx *Tx) error {
			if err := tx.Apply("t1", incident.Changes{Incidents: []incident.Incident{in2}, Members: []incident.Member{m2}}); err != nil {
				return err
			}
			got, members, err := tx.LoadIncident("t1", "inc-1")
			if err != nil {
				return err
			}
			if !reflect.DeepEqual(got, in2) {
				t.Errorf("LoadIncident after upsert\n got %+v\nwant %+v", got, in2)
			}
			if len(members) != 1 || !math.IsNaN(members[0].Values["A"]) || members[0].Labels != nil || !members[0].StartsAt.IsZero() {
				t.Errorf("member after upsert: %+v", members)
			}
			return nil
		})
	})
}

func TestTenantScoping(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		write(t, s, func(tx *Tx) error {
			if err := tx.Apply("a", batch("a", 4, 2, at(0))); err != nil {
				return err
			}
			return tx.Enqueue([]outbox.Item{{Tenant: "a", IncidentID: "a-inc-0", Target: "hook", Kind: "opened", Key: "k1", Payload: []byte(`{}`)}})
		})
		if err := s.SetRef(ctx, "a", "a-inc-0", "grafana", "123"); err != nil {
			t.Fatal(err)
		}

		if _, err := s.Incident(ctx, "b", "a-inc-0"); !errors.Is(err, ErrNotFound) {
			t.Errorf("tenant b loaded a's incident: %v", err)
		}
		page, err := s.Incidents(ctx, "b", Filter{})
		if err != nil || len(page.Incidents) != 0 {
			t.Errorf("tenant b listed %d incidents (err %v)", len(page.Incidents), err)
		}
		if n, _ := s.CountMembers(ctx, "b"); n != 0 {
			t.Errorf("tenant b has %d members", n)
		}
		if n, _ := s.CountMembers(ctx, "a"); n != 4 {
			t.Errorf("tenant a has %d members, want 4", n)
		}
		if ref, _ := s.Ref(ctx, "b", "a-inc-0", "grafana"); ref != "" {
			t.Errorf("tenant b read a's ref %q", ref)
		}
		write(t, s, func(tx *Tx) error {
			if _, _, err := tx.LoadIncident("b", "a-inc-0"); !errors.Is(err, ErrNotFound) {
				t.Errorf("tenant b LoadIncident: %v", err)
			}
			snap, err := tx.Snapshot("b", time.Time{})
			if err != nil {
				return err
			}
			if len(snap.Incidents)+len(snap.Members) != 0 {
				t.Errorf("tenant b snapshot holds a's data: %+v", snap)
			}
			// Same ids under another tenant are separate rows.
			if err := tx.Apply("b", batch("a", 1, 1, at(1))); err != nil {
				return err
			}
			// b's key k1 does not collide with a's.
			return tx.Enqueue([]outbox.Item{{Tenant: "b", IncidentID: "a-inc-0", Target: "hook", Kind: "opened", Key: "k1", Payload: []byte(`{}`)}})
		})
		if n, _ := s.CountMembers(ctx, "a"); n != 4 {
			t.Errorf("tenant a has %d members after b's write, want 4", n)
		}
		d, err := s.Incident(ctx, "a", "a-inc-0")
		if err != nil || len(d.Members) != 2 || d.Incident.StartedAt != at(0) {
			t.Errorf("tenant a's incident changed by b: %+v, %v", d, err)
		}
		items, err := s.Claim(ctx, "w", 10, time.Minute, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		if len(items) != 2 || items[0].Tenant == items[1].Tenant {
			t.Errorf("claimed %+v, want one item of each tenant", items)
		}
	})
}

func TestSnapshot(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		since := at(100)
		open := newIncident("open", incident.Open, at(0))
		acked := newIncident("acked", incident.Acknowledged, at(0))
		recent := newIncident("recent", incident.Closed, at(95)) // resolved at 105
		edge := newIncident("edge", incident.Closed, at(90))     // resolved exactly at since
		old := newIncident("old", incident.Closed, at(0))        // resolved at 10
		merged := newIncident("merged", incident.Merged, at(0))
		merged.MergedInto = "open"
		ch := incident.Changes{Incidents: []incident.Incident{open, acked, recent, edge, old, merged}}
		for _, in := range ch.Incidents {
			ch.Members = append(ch.Members, newMember(in.ID, "fp-"+in.ID, map[string]string{"a": in.ID}))
		}
		ch.Members = append(ch.Members, newMember("open", "fp-2", nil))
		write(t, s, func(tx *Tx) error { return tx.Apply("t", ch) })
		write(t, s, func(tx *Tx) error {
			snap, err := tx.Snapshot("t", since)
			if err != nil {
				return err
			}
			got := map[string]int{}
			for _, in := range snap.Incidents {
				got[in.ID] = 0
			}
			for _, m := range snap.Members {
				got[m.IncidentID]++
			}
			want := map[string]int{"open": 2, "acked": 1, "recent": 1, "edge": 1}
			if !reflect.DeepEqual(got, want) {
				t.Errorf("snapshot incidents→members %v, want %v", got, want)
			}
			return nil
		})
	})
}

func TestMoveMembers(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		ch := incident.Changes{Incidents: []incident.Incident{newIncident("x", incident.Open, at(0)), newIncident("y", incident.Open, at(1))}}
		for _, fp := range []string{"1", "2", "3"} {
			ch.Members = append(ch.Members, newMember("x", fp, nil))
		}
		ch.Members = append(ch.Members, newMember("y", "3", nil)) // y already has 3: replaced by the move
		write(t, s, func(tx *Tx) error { return tx.Apply("t", ch) })

		members := func(id string) []string {
			d, err := s.Incident(ctx, "t", id)
			if err != nil {
				t.Fatal(err)
			}
			var fps []string
			for _, m := range d.Members {
				fps = append(fps, m.Fingerprint)
			}
			return fps
		}
		write(t, s, func(tx *Tx) error { return tx.MoveMembers("t", "x", "y", []string{"1", "3"}) })
		if got := members("x"); !reflect.DeepEqual(got, []string{"2"}) {
			t.Errorf("x after split: %v", got)
		}
		if got := members("y"); len(got) != 2 {
			t.Errorf("y after split: %v", got)
		}
		write(t, s, func(tx *Tx) error { return tx.MoveMembers("t", "x", "y", nil) })
		if got := members("x"); len(got) != 0 {
			t.Errorf("x after merge: %v", got)
		}
		if n, _ := s.CountMembers(ctx, "t"); n != 3 {
			t.Errorf("%d members after moves, want 3", n)
		}

		// An engine merge reports the moved member under the surviving incident only.
		a, b := newIncident("a", incident.Open, at(0)), newIncident("b", incident.Open, at(0))
		write(t, s, func(tx *Tx) error {
			return tx.Apply("t", incident.Changes{Incidents: []incident.Incident{a, b}, Members: []incident.Member{newMember("a", "m1", nil), newMember("b", "m2", nil)}})
		})
		a.State, a.MergedInto = incident.Merged, "b"
		write(t, s, func(tx *Tx) error {
			return tx.Apply("t", incident.Changes{Incidents: []incident.Incident{a, b}, Members: []incident.Member{newMember("b", "m1", nil)}})
		})
		if got := members("a"); len(got) != 0 {
			t.Errorf("merged incident still has members %v", got)
		}
		if got := members("b"); len(got) != 2 {
			t.Errorf("surviving incident has members %v, want m1 and m2", got)
		}
	})
}

func TestTenantLockAndVersion(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		write(t, s, func(tx *Tx) error {
			v, err := tx.LockTenant("t")
			if err != nil || v != 0 {
				t.Errorf("new tenant version %d, %v", v, err)
			}
			return tx.SetTenantVersion("t", 7)
		})
		write(t, s, func(tx *Tx) error {
			v, err := tx.LockTenant("t")
			if err != nil || v != 7 {
				t.Errorf("tenant version %d, %v; want 7", v, err)
			}
			return nil
		})
	})
}

func TestWriteRollback(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		boom := errors.New("boom")
		err := s.Write(ctx, func(tx *Tx) error {
			if _, err := tx.LockTenant("t"); err != nil {
				return err
			}
			if err := tx.SetTenantVersion("t", 9); err != nil {
				return err
			}
			if err := tx.Apply("t", batch("r", 10, 2, at(0))); err != nil {
				return err
			}
			if err := tx.Enqueue([]outbox.Item{{Tenant: "t", IncidentID: "r-inc-0", Target: "hook", Kind: "opened", Key: "k", Payload: []byte(`{}`)}}); err != nil {
				return err
			}
			return boom
		})
		if !errors.Is(err, boom) {
			t.Fatalf("Write returned %v, want boom", err)
		}
		if n, _ := s.CountMembers(ctx, "t"); n != 0 {
			t.Errorf("%d members left behind", n)
		}
		if n, _ := s.PendingOutbox(ctx); n != 0 {
			t.Errorf("%d outbox items left behind", n)
		}
		if page, _ := s.Incidents(ctx, "t", Filter{}); len(page.Incidents) != 0 {
			t.Errorf("%d incidents left behind", len(page.Incidents))
		}
		write(t, s, func(tx *Tx) error {
			v, err := tx.LockTenant("t")
			if v != 0 {
				t.Errorf("tenant version %d left behind", v)
			}
			return err
		})
		// The store still works, and event numbering did not skip into trouble.
		write(t, s, func(tx *Tx) error { return tx.Apply("t", batch("r", 10, 2, at(0))) })
		if d, err := s.Incident(ctx, "t", "r-inc-0"); err != nil || len(d.Events) != 5 {
			t.Errorf("after rollback and retry: %d events, %v", len(d.Events), err)
		}
	})
}

// TestConcurrentWrites runs more concurrent writers than the PostgreSQL pool has
// connections, across tenants and two Store instances, each enqueuing enough items to
// need fresh outbox id blocks: nothing may deadlock, collide or get lost.
func TestConcurrentWrites(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		stores := []*Store{db.open(t), db.open(t)}
		ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
		defer cancel()
		const writers, rounds, perWrite = 40, 2, 100
		errs := make(chan error, writers)
		for w := range writers {
			go func() {
				s := stores[w%2]
				tenant := fmt.Sprintf("t%d", w%4)
				for r := range rounds {
					prefix := fmt.Sprintf("w%d-r%d", w, r)
					ch := batch(prefix, 10, 2, at(r))
					var items []outbox.Item
					for k := range perWrite {
						items = append(items, item(tenant, ch.Incidents[k%2].ID, fmt.Sprintf("target-%d", k), prefix+fmt.Sprint(k)))
					}
					err := s.Write(ctx, func(tx *Tx) error {
						if _, err := tx.LockTenant(tenant); err != nil {
							return err
						}
						if err := tx.Apply(tenant, ch); err != nil {
							return err
						}
						return tx.Enqueue(items)
					})
					if err != nil {
						errs <- err
						return
					}
				}
				errs <- nil
			}()
		}
		for range writers {
			if err := <-errs; err != nil {
				t.Fatalf("writer: %v", err)
			}
		}
		if n, _ := stores[0].PendingOutbox(ctx); n != writers*rounds*perWrite {
			t.Errorf("%d items pending, want %d", n, writers*rounds*perWrite)
		}
		var members int64
		for tn := range 4 {
			n, _ := stores[1].CountMembers(ctx, fmt.Sprintf("t%d", tn))
			members += n
		}
		if members != writers*rounds*10 {
			t.Errorf("%d members, want %d", members, writers*rounds*10)
		}
	})
}
