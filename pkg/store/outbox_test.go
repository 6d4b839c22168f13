package store

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/outbox"
)

func item(tenant, incidentID, target, key string) outbox.Item {
	return outbox.Item{Tenant: tenant, IncidentID: incidentID, Target: target, Kind: "opened", Key: key, Payload: []byte(`{"kind":"opened"}`)}
}

func enqueue(t testing.TB, s *Store, items ...outbox.Item) {
	t.Helper()
	write(t, s, func(tx *Tx) error { return tx.Enqueue(items) })
}

func keys(items []outbox.Item) []string {
	var out []string
	for _, it := range items {
		out = append(out, it.Key)
	}
	return out
}

func claim(t *testing.T, s *Store, owner string, now time.Time) map[string]outbox.Item {
	t.Helper()
	return claimFor(t, s, owner, now, time.Minute)
}

func claimFor(t *testing.T, s *Store, owner string, now time.Time, lease time.Duration) map[string]outbox.Item {
	t.Helper()
	items, err := s.Claim(context.Background(), owner, 100, lease, now)
	if err != nil {
		t.Fatalf("claim: %v", err)
	}
	out := map[string]outbox.Item{}
	for _, it := range items {
		out[it.Key] = it
	}
	return out
}

func TestEnqueueIdempotent(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		created := at(0)
		first := item("t", "i", "hook", "k1")
		first.Created = created
		enqueue(t, s, first, item("t", "j", "hook", "k2"), item("t", "i", "hook", "k1"))
		enqueue(t, s, item("t", "i", "hook", "k1"), item("t", "j", "hook", "k2"), item("u", "i", "hook", "k3"))
		if n, err := s.PendingOutbox(ctx); err != nil || n != 3 {
			t.Errorf("pending %d (%v), want 3: t/k1, t/k2, u/k3", n, err)
		}
		got := claim(t, s, "w", time.Now())
		it, ok := got["k1"]
		if !ok || len(got) != 3 {
			t.Fatalf("claimed %v", got)
		}
		if it.Tenant != "t" || (!it.Created.Equal(created) || string(it.Payload) != `{"kind":"opened"}` || it.Attempts != 1 || it.Kind != "opened" || it.Target != "hook" || it.IncidentID != "i" || it.ID == 0) {
			t.Errorf("claimed item fields: %+v", it)
		}
		err := s.Write(ctx, func(tx *Tx) error { return tx.Enqueue([]outbox.Item{{Tenant: "t", IncidentID: "i", Target: "hook"}}) })
		if err == nil {
			t.Error("enqueued an item without key")
		}
	})
}

func TestClaimOrderAndLeases(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		enqueue(t, s, item("t", "x", "hook", "x1"), item("t", "x", "hook", "x2"), item("t", "x", "pager", "xp1"))
		enqueue(t, s, item("t", "x", "hook", "x3"), item("t", "y", "hook", "y1"))
		now := time.Now() // items are due from when they were enqueued

		const lease = 10 * time.Minute
		got := claimFor(t, s, "A", now, lease)
		if len(got) != 3 || got["x1"].ID == 0 || got["xp1"].ID == 0 || got["y1"].ID == 0 {
			t.Fatalf("first claim %v, want x1, xp1, y1: one per incident and target", got)
		}
		if again := claimFor(t, s, "B", now, lease); len(again) != 0 {
			t.Errorf("leased items claimed again: %v", again)
		}
		// Only the lease holder may finish.
		for name, op := range map[string]func() error{
			"done":  func() error { return s.Done(ctx, "B", got["x1"].ID, now) },
			"retry": func() error { return s.Retry(ctx, "B", got["x1"].ID, now, "x") },
			"fail":  func() error { return s.Fail(ctx, "B", got["x1"].ID, "x") },
		} {
			if err := op(); !errors.Is(err, ErrNotLeased) {
				t.Errorf("%s by non-owner: %v, want ErrNotLeased", name, err)
			}
		}
		if err := s.Done(ctx, "A", got["x1"].ID, now); err != nil {
			t.Fatal(err)
		}
		if err := s.Done(ctx, "A", got["x1"].ID, now); !errors.Is(err, ErrNotLeased) {
			t.Errorf("done twice: %v", err)
		}
		next := claimFor(t, s, "A", now, lease)
		if len(next) != 1 || next["x2"].ID == 0 {
			t.Fatalf("after x1 done claimed %v, want x2", next)
		}
		// A retry later holds x3 back until x2 is through.
		if err := s.Retry(ctx, "A", next["x2"].ID, now.Add(time.Minute), "503"); err != nil {
			t.Fatal(err)
		}
		if got := claimFor(t, s, "A", now, lease); len(got) != 0 {
			t.Errorf("claimed %v while x2 waits for its retry", got)
		}
		retried := claimFor(t, s, "A", now.Add(2*time.Minute), lease)
		if retried["x2"].Attempts != 2 || len(retried) != 1 {
			t.Fatalf("retry claim %v, want x2 at attempt 2", retried)
		}
		// A failed item stops holding later ones back.
		if err := s.Fail(ctx, "A", retried["x2"].ID, "400 bad request"); err != nil {
			t.Fatal(err)
		}
		if got := claimFor(t, s, "A", now.Add(3*time.Minute), lease); len(got) != 1 || got["x3"].ID == 0 {
			t.Errorf("after x2 failed claimed %v, want x3", got)
		}
		// The first leases (from now) expire at now+10m: another owner takes y1 and xp1,
		// and the first owner can no longer finish them.
		if got := claimFor(t, s, "B", now.Add(9*time.Minute), lease); len(got) != 0 {
			t.Errorf("claimed %v under live leases", got)
		}
		later := now.Add(11 * time.Minute)
		stolen := claimFor(t, s, "B", later, lease)
		if len(stolen) != 2 || stolen["y1"].Attempts != 2 || stolen["xp1"].Attempts != 2 {
			t.Fatalf("expired leases reclaimed: %v, want y1 and xp1 at attempt 2", stolen)
		}
		if err := s.Done(ctx, "A", got["y1"].ID, later); !errors.Is(err, ErrNotLeased) {
			t.Errorf("done by the expired owner: %v", err)
		}
		if err := s.Done(ctx, "B", got["y1"].ID, later); err != nil {
			t.Errorf("done by the new owner: %v", err)
		}
		// Still pending: x3 (A) and xp1 (B).
		if n, _ := s.PendingOutbox(ctx); n != 2 {
			t.Errorf("pending %d, want 2", n)
		}
	})
}

func TestRefs(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		if ref, err := s.Ref(ctx, "t", "i", "grafana"); err != nil || ref != "" {
			t.Errorf("missing ref: %q, %v", ref, err)
		}
		for _, want := range []string{"17", "18"} {
			if err := s.SetRef(ctx, "t", "i", "grafana", want); err != nil {
				t.Fatal(err)
			}
			if ref, err := s.Ref(ctx, "t", "i", "grafana"); err != nil || ref != want {
				t.Errorf("ref %q, %v; want %q", ref, err, want)
			}
		}
	})
}

// TestConcurrentClaim has two Store instances, as two receivers, drain one queue from
// many goroutines: every item must be delivered exactly once, and each incident's items
// in order.
func TestConcurrentClaim(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		stores := []*Store{db.open(t), db.open(t)}
		const incidents, perIncident = 40, 5
		var items []outbox.Item
		for j := range perIncident {
			for i := range incidents {
				items = append(items, item("t", fmt.Sprintf("inc-%d", i), "hook", fmt.Sprintf("%d/%d", i, j)))
			}
		}
		// Enqueue from both stores, as both receivers would.
		enqueue(t, stores[0], items[:len(items)/2]...)
		enqueue(t, stores[1], items[len(items)/2:]...)

		var (
			mu       sync.Mutex
			seen     = map[int64]string{}
			order    = map[string][]string{}
			finished atomic.Int64
			wg       sync.WaitGroup
		)
		deadline := time.Now().Add(60 * time.Second)
		for w := range 8 {
			wg.Add(1)
			go func(s *Store, owner string) {
				defer wg.Done()
				for finished.Load() < int64(len(items)) && time.Now().Before(deadline) {
					got, err := s.Claim(ctx, owner, 4, time.Hour, time.Now())
					if err != nil {
						t.Errorf("%s claim: %v", owner, err)
						return
					}
					mu.Lock()
					for _, it := range got {
						if prev, dup := seen[it.ID]; dup {
							t.Errorf("item %d (%s) claimed by %s and %s", it.ID, it.Key, prev, owner)
						}
						seen[it.ID] = owner
						order[it.IncidentID] = append(order[it.IncidentID], it.Key)
					}
					mu.Unlock()
					for _, it := range got {
						if err := s.Done(ctx, owner, it.ID, time.Now()); err != nil {
							t.Errorf("%s done %d: %v", owner, it.ID, err)
						}
						finished.Add(1)
					}
					if len(got) == 0 {
						time.Sleep(time.Millisecond)
					}
				}
			}(stores[w%2], fmt.Sprintf("owner-%d", w))
		}
		wg.Wait()
		if n := finished.Load(); n != int64(len(items)) {
			t.Fatalf("delivered %d of %d items", n, len(items))
		}
		for i := range incidents {
			id := fmt.Sprintf("inc-%d", i)
			for j, key := range order[id] {
				if want := fmt.Sprintf("%d/%d", i, j); key != want {
					t.Errorf("incident %s delivered %v, out of order", id, order[id])
					break
				}
			}
		}
		if n, _ := stores[0].PendingOutbox(ctx); n != 0 {
			t.Errorf("%d items still pending", n)
		}
	})
}
