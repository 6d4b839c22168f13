package store

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/incident"
)

func TestPurge(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s := db.open(t, func(c *Config) { c.Retention = 24 * time.Hour })
		now := time.UnixMilli(time.Now().Add(48 * time.Hour).UnixMilli()).UTC()
		ago := func(h int) time.Time { return now.Add(-time.Duration(h) * time.Hour) }

		oldResolved := newIncident("old-resolved", incident.Closed, ago(30))
		oldResolved.ResolvedAt = ago(25)
		recentResolved := newIncident("recent-resolved", incident.Closed, ago(30))
		recentResolved.ResolvedAt = ago(23)
		oldOpen := newIncident("old-open", incident.Open, ago(1000))
		oldAcked := newIncident("old-acked", incident.Acknowledged, ago(1000))
		oldMerged := newIncident("old-merged", incident.Merged, ago(40))
		oldMerged.UpdatedAt, oldMerged.MergedInto = ago(30), "old-open"
		ch := incident.Changes{Incidents: []incident.Incident{oldResolved, recentResolved, oldOpen, oldAcked, oldMerged}}
		for _, in := range ch.Incidents {
			ch.Members = append(ch.Members, newMember(in.ID, "fp", nil))
			ch.Events = append(ch.Events, incident.Event{IncidentID: in.ID, At: in.StartedAt, Kind: incident.EventOpened})
		}
		write(t, s, func(tx *Tx) error { return tx.Apply("t", ch) })
		if err := s.SetRef(ctx, "t", "old-resolved", "grafana", "1"); err != nil {
			t.Fatal(err)
		}

		// Outbox: done long ago (purged), done recently (kept), failed (purged: now is two
		// days ahead of the wall clock Fail records), pending and old (kept).
		enqueue(t, s, item("t", "a", "hook", "done-old"), item("t", "b", "hook", "done-new"),
			item("t", "c", "hook", "failed"), item("t", "d", "hook", "pending"))
		got := claim(t, s, "w", time.Now())
		for key, doneAt := range map[string]time.Time{"done-old": ago(25), "done-new": ago(1)} {
			if err := s.Done(ctx, "w", got[key].ID, doneAt); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Fail(ctx, "w", got["failed"].ID, "gone"); err != nil {
			t.Fatal(err)
		}

		if st, err := db.open(t, func(c *Config) { c.Retention = 0 }).Purge(ctx, now); err != nil || st != (PurgeStats{}) {
			t.Errorf("retention 0 purged %+v, %v", st, err)
		}
		st, err := s.Purge(ctx, now)
		if err != nil {
			t.Fatal(err)
		}
		if st != (PurgeStats{Incidents: 2, Outbox: 2}) {
			t.Errorf("purged %+v, want 2 incidents and 2 outbox items", st)
		}
		for id, kept := range map[string]bool{"old-resolved": false, "old-merged": false, "recent-resolved": true, "old-open": true, "old-acked": true} {
			d, err := s.Incident(ctx, "t", id)
			switch {
			case kept && err != nil:
				t.Errorf("%s purged: %v", id, err)
			case kept && (len(d.Members) != 1 || len(d.Events) != 1):
				t.Errorf("%s lost members or events: %+v", id, d)
			case !kept && !errors.Is(err, ErrNotFound):
				t.Errorf("%s kept: %v", id, err)
			}
		}
		if n, _ := s.CountMembers(ctx, "t"); n != 3 {
			t.Errorf("%d members left, want 3", n)
		}
		if ref, _ := s.Ref(ctx, "t", "old-resolved", "grafana"); ref != "" {
			t.Errorf("ref of a purged incident kept: %q", ref)
		}
		if n, _ := s.PendingOutbox(ctx); n != 1 {
			t.Errorf("%d pending items, want 1", n)
		}
		var left int64
		if err := s.read.QueryRowContext(ctx, "SELECT COUNT(*) FROM outbox").Scan(&left); err != nil || left != 2 {
			t.Errorf("%d outbox rows left (%v), want done-new and pending", left, err)
		}
		// Nothing more to do the second time.
		if st, err := s.Purge(ctx, now); err != nil || st != (PurgeStats{}) {
			t.Errorf("second purge %+v, %v", st, err)
		}
	})
}
