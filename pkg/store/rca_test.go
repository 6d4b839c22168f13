package store

import (
	"context"
	"errors"
	"math"
	"reflect"
	"sync"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/incident"
	"github.com/foresight-aiops/foresight/pkg/rca"
)

// testResult ranks db (a deploy and its alert) above api (its alert alone).
func testResult(computed time.Time) rca.Result {
	return rca.Result{
		Hypotheses: []rca.Hypothesis{
			{Entity: "db", Confidence: 0.8, Score: 2.1, Explanation: "db (confidence 0.80): version 1.2 deployed",
				Evidence: []rca.Evidence{
					{Kind: rca.KindDeploy, Entity: "db", Signal: "version", Strength: 0.9, Onset: at(-5), Detail: "version 1.2 deployed", URL: "https://grafana/explore"},
					{Kind: rca.KindAlert, Entity: "db", Signal: "DBSlow", Strength: 0.7, Onset: at(0), Detail: "alert DBSlow fired"},
				}},
			{Entity: "api", Confidence: 0.1, Score: 0.4, Explanation: "api (confidence 0.10): alert APIErrors fired",
				Evidence: []rca.Evidence{{Kind: rca.KindAlert, Entity: "api", Signal: "APIErrors", Strength: 0.5, Onset: at(1), Detail: "alert APIErrors fired"}}},
		},
		NoCause: 0.1, ComputedAt: computed, Took: 0.25, Queries: 7, Errors: []string{"loki: no answer within 4s"},
	}
}

// withIncidents stores open incidents with the given ids for tenant.
func withIncidents(t *testing.T, s *Store, tenant string, ids ...string) {
	t.Helper()
	var ch incident.Changes
	for _, id := range ids {
		ch.Incidents = append(ch.Incidents, newIncident(id, incident.Open, at(0), "db"))
		ch.Members = append(ch.Members, newMember(id, "fp-"+id, map[string]string{"alertname": "DBSlow", "service": "db"}))
	}
	write(t, s, func(tx *Tx) error { return tx.Apply(tenant, ch) })
}

func TestHypothesesRoundTrip(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		withIncidents(t, s, "t1", "inc-1")
		if _, found, err := s.Hypotheses(ctx, "t1", "inc-1"); err != nil || found {
			t.Fatalf("before any analysis: found %v, %v", found, err)
		}

		want := Analysis{IncidentID: "inc-1", Result: testResult(at(2)), AlertCount: 3, Revision: 9, ComputedAt: at(2)}
		if err := s.SaveHypotheses(ctx, "t1", want); err != nil {
			t.Fatal(err)
		}
		got, found, err := s.Hypotheses(ctx, "t1", "inc-1")
		if err != nil || !found {
			t.Fatalf("after saving: found %v, %v", found, err)
		}
		if !reflect.DeepEqual(got, want) {
			t.Errorf("round trip\n got %+v\nwant %+v", got, want)
		}

		// A later analysis replaces the earlier one.
		later := Analysis{IncidentID: "inc-1", Result: rca.Result{NoCause: 1, ComputedAt: at(3)}, AlertCount: 4, Revision: 10, ComputedAt: at(3)}
		if err := s.SaveHypotheses(ctx, "t1", later); err != nil {
			t.Fatal(err)
		}
		if got, _, _ := s.Hypotheses(ctx, "t1", "inc-1"); !reflect.DeepEqual(got, later) {
			t.Errorf("after replacing\n got %+v\nwant %+v", got, later)
		}

		// Another tenant neither sees nor can write the incident's hypotheses.
		if _, found, err := s.Hypotheses(ctx, "t2", "inc-1"); err != nil || found {
			t.Errorf("tenant t2 sees t1's hypotheses: %v, %v", found, err)
		}
		if err := s.SaveHypotheses(ctx, "t2", want); !errors.Is(err, ErrNotFound) {
			t.Errorf("saving for another tenant's incident: %v, want ErrNotFound", err)
		}
	})
}

func TestHypothesesInsideTransaction(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		withIncidents(t, s, "t1", "inc-1")
		write(t, s, func(tx *Tx) error {
			if err := tx.SaveHypotheses("t1", Analysis{IncidentID: "inc-1", Result: testResult(at(1)), AlertCount: 1, ComputedAt: at(1)}); err != nil {
				return err
			}
			a, found, err := tx.Hypotheses("t1", "inc-1")
			if err != nil || !found || a.AlertCount != 1 {
				t.Errorf("read back in the transaction: %+v %v %v", a, found, err)
			}
			if has, err := tx.HasOutboxItem("t1", "inc-1", "grafana"); err != nil || has {
				t.Errorf("outbox item before any was queued: %v %v", has, err)
			}
			if err := tx.Enqueue(nil); err != nil {
				return err
			}
			return nil
		})
		enqueue(t, s, item("t1", "inc-1", "grafana", "k1"))
		write(t, s, func(tx *Tx) error {
			for target, want := range map[string]bool{"grafana": true, "hook": false} {
				if has, err := tx.HasOutboxItem("t1", "inc-1", target); err != nil || has != want {
					t.Errorf("HasOutboxItem(%s) = %v, %v; want %v", target, has, err, want)
				}
			}
			if has, _ := tx.HasOutboxItem("t2", "inc-1", "grafana"); has {
				t.Error("HasOutboxItem crosses tenants")
			}
			return nil
		})
	})
}

func TestAddFeedback(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		withIncidents(t, s, "t1", "inc-1", "inc-2")
		if err := s.SaveHypotheses(ctx, "t1", Analysis{IncidentID: "inc-1", Result: testResult(at(1)), AlertCount: 1, ComputedAt: at(1)}); err != nil {
			t.Fatal(err)
		}
		if w, updated, err := s.Weights(ctx, "t1"); err != nil || w != nil || !updated.IsZero() {
			t.Fatalf("weights before any feedback: %v %v %v", w, updated, err)
		}

		refused := []struct {
			name   string
			tenant string
			fb     rca.Feedback
			want   error
		}{
			{"unknown verdict", "t1", rca.Feedback{IncidentID: "inc-1", Verdict: "maybe", Entity: "db"}, ErrInvalidFeedback},
			{"no entity", "t1", rca.Feedback{IncidentID: "inc-1", Verdict: rca.Right}, ErrInvalidFeedback},
			{"unknown incident", "t1", rca.Feedback{IncidentID: "nope", Verdict: rca.Right, Entity: "db"}, ErrNotFound},
			{"another tenant's incident", "t2", rca.Feedback{IncidentID: "inc-1", Verdict: rca.Right, Entity: "db"}, ErrNotFound},
		}
		for _, tc := range refused {
			if _, err := s.AddFeedback(ctx, tc.tenant, tc.fb); !errors.Is(err, tc.want) {
				t.Errorf("%s: %v, want %v", tc.name, err, tc.want)
			}
		}
		if w, _, _ := s.Weights(ctx, "t1"); w != nil {
			t.Errorf("refused feedback changed the weights: %v", w)
		}

		// "right" on db strengthens the kinds of evidence that named db.
		row, err := s.AddFeedback(ctx, "t1", rca.Feedback{IncidentID: "inc-1", Verdict: rca.Right, Entity: "db", Actor: "ana", Comment: "the deploy", At: at(4)})
		if err != nil {
			t.Fatal(err)
		}
		want := FeedbackRow{ID: 1, Feedback: rca.Feedback{IncidentID: "inc-1", Verdict: rca.Right, Entity: "db", Actor: "ana", Comment: "the deploy", At: at(4)}}
		if !reflect.DeepEqual(row, want) {
			t.Errorf("stored row\n got %+v\nwant %+v", row, want)
		}
		w, updated, err := s.Weights(ctx, "t1")
		if err != nil {
			t.Fatal(err)
		}
		wantW := rca.Weights(nil).Learn(testResult(at(1)), want.Feedback)
		if !reflect.DeepEqual(w, wantW) || w.Weight(rca.KindDeploy) <= 1 || w.Weight(rca.KindAlert) <= 1 || !updated.Equal(at(4)) {
			t.Errorf("weights after right on db: %v at %v, want %v (deploy and alert above 1) at %v", w, updated, wantW, at(4))
		}

		// Feedback on an incident without hypotheses is kept but teaches nothing.
		if _, err := s.AddFeedback(ctx, "t1", rca.Feedback{IncidentID: "inc-2", Verdict: rca.Cause, Entity: "cache", At: at(5)}); err != nil {
			t.Fatal(err)
		}
		if w2, _, _ := s.Weights(ctx, "t1"); !reflect.DeepEqual(w2, wantW) {
			t.Errorf("feedback without hypotheses changed the weights: %v, want %v", w2, wantW)
		}
		if _, err := s.AddFeedback(ctx, "t1", rca.Feedback{IncidentID: "inc-1", Verdict: rca.Wrong, Entity: "api", At: at(6)}); err != nil {
			t.Fatal(err)
		}

		list, err := s.Feedback(ctx, "t1", "inc-1")
		if err != nil {
			t.Fatal(err)
		}
		if len(list) != 2 || list[0].ID != 1 || list[1].ID != 3 || list[1].Verdict != rca.Wrong || list[1].Entity != "api" {
			t.Errorf("feedback on inc-1: %+v", list)
		}
		if list, err := s.Feedback(ctx, "t2", "inc-1"); err != nil || len(list) != 0 {
			t.Errorf("tenant t2 lists t1's feedback: %+v %v", list, err)
		}
		if w, _, _ := s.Weights(ctx, "t2"); w != nil {
			t.Errorf("tenant t2 has t1's weights: %v", w)
		}
	})
}

// TestConcurrentFeedbackLosesNoUpdate checks that judgements given at the same time each
// move the weights: the read-learn-write of the weights is one transaction per judgement.
func TestConcurrentFeedbackLosesNoUpdate(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		// Two stores on one database, as two receivers would be.
		s1, s2 := db.open(t), db.open(t)
		withIncidents(t, s1, "t1", "inc-1")
		if err := s1.SaveHypotheses(ctx, "t1", Analysis{IncidentID: "inc-1", Result: testResult(at(1)), AlertCount: 1, ComputedAt: at(1)}); err != nil {
			t.Fatal(err)
		}
		const n = 8
		var wg sync.WaitGroup
		errs := make(chan error, n)
		for i := range n {
			s := []*Store{s1, s2}[i%2]
			wg.Go(func() {
				_, err := s.AddFeedback(ctx, "t1", rca.Feedback{IncidentID: "inc-1", Verdict: rca.Right, Entity: "db"})
				errs <- err
			})
		}
		wg.Wait()
		close(errs)
		for err := range errs {
			if err != nil {
				t.Fatal(err)
			}
		}
		var want rca.Weights
		for range n {
			want = want.Learn(testResult(at(1)), rca.Feedback{Verdict: rca.Right, Entity: "db"})
		}
		got, _, err := s1.Weights(ctx, "t1")
		if err != nil {
			t.Fatal(err)
		}
		for _, k := range rca.Kinds {
			if math.Abs(got.Weight(k)-want.Weight(k)) > 1e-9 {
				t.Errorf("weight of %s after %d judgements: %g, want %g", k, n, got.Weight(k), want.Weight(k))
			}
		}
		if list, _ := s1.Feedback(ctx, "t1", "inc-1"); len(list) != n {
			t.Errorf("%d feedback rows, want %d", len(list), n)
		}
	})
}

func TestStaleIncidents(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		withIncidents(t, s, "t1", "unanalysed", "current", "grown")
		resolved := newIncident("resolved", incident.Closed, at(0), "db")
		write(t, s, func(tx *Tx) error { return tx.Apply("t1", incident.Changes{Incidents: []incident.Incident{resolved}}) })
		for id, count := range map[string]int{"current": 1, "grown": 0} {
			if err := s.SaveHypotheses(ctx, "t1", Analysis{IncidentID: id, AlertCount: count, ComputedAt: at(1)}); err != nil {
				t.Fatal(err)
			}
		}
		got, err := s.StaleIncidents(ctx, "t1", 10)
		if err != nil {
			t.Fatal(err)
		}
		// Same start: newest id first.
		if want := []string{"unanalysed", "grown"}; !reflect.DeepEqual(got, want) {
			t.Errorf("stale incidents %v, want %v", got, want)
		}
		if got, _ := s.StaleIncidents(ctx, "t1", 1); len(got) != 1 {
			t.Errorf("limit 1 gave %v", got)
		}
		if got, _ := s.StaleIncidents(ctx, "t2", 10); len(got) != 0 {
			t.Errorf("tenant t2 sees t1's incidents: %v", got)
		}
	})
}

// TestRCAFollowsIncidents checks that hypotheses and feedback live as long as their
// incident: a merge keeps them on the merged incident, retention removes them with it.
func TestRCAFollowsIncidents(t *testing.T) {
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		s := db.open(t, func(c *Config) { c.Retention = 24 * time.Hour })
		withIncidents(t, s, "t1", "old", "folded", "survivor")
		for _, id := range []string{"old", "folded", "survivor"} {
			if err := s.SaveHypotheses(ctx, "t1", Analysis{IncidentID: id, Result: testResult(at(1)), AlertCount: 1, ComputedAt: at(1)}); err != nil {
				t.Fatal(err)
			}
			if _, err := s.AddFeedback(ctx, "t1", rca.Feedback{IncidentID: id, Verdict: rca.Right, Entity: "db"}); err != nil {
				t.Fatal(err)
			}
		}
		now := time.Now()
		old := newIncident("old", incident.Closed, now.Add(-72*time.Hour))
		old.ResolvedAt = now.Add(-48 * time.Hour)
		folded := newIncident("folded", incident.Merged, now.Add(-time.Hour))
		folded.MergedInto = "survivor"
		write(t, s, func(tx *Tx) error {
			if err := tx.MoveMembers("t1", "folded", "survivor", nil); err != nil {
				return err
			}
			return tx.Apply("t1", incident.Changes{Incidents: []incident.Incident{old, folded}})
		})

		st, err := s.Purge(ctx, now)
		if err != nil || st.Incidents != 1 {
			t.Fatalf("purge: %+v %v, want the old incident", st, err)
		}
		for id, kept := range map[string]bool{"old": false, "folded": true, "survivor": true} {
			_, found, err := s.Hypotheses(ctx, "t1", id)
			fb, ferr := s.Feedback(ctx, "t1", id)
			if err != nil || ferr != nil {
				t.Fatal(err, ferr)
			}
			if found != kept || (len(fb) == 1) != kept {
				t.Errorf("%s: hypotheses kept %v, %d feedback rows; want kept=%v", id, found, len(fb), kept)
			}
		}
	})
}

func TestTopHypotheses(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		withIncidents(t, s, "t1", "inc-1", "inc-2", "inc-3")
		withIncidents(t, s, "t2", "inc-1")
		for _, a := range []Analysis{
			{IncidentID: "inc-1", Result: testResult(at(2)), AlertCount: 1, ComputedAt: at(2)},
			{IncidentID: "inc-2", Result: rca.Result{NoCause: 1, ComputedAt: at(2)}, AlertCount: 1, ComputedAt: at(2)}, // nothing ranked
		} {
			if err := s.SaveHypotheses(ctx, "t1", a); err != nil {
				t.Fatal(err)
			}
		}
		tests := []struct {
			name   string
			tenant string
			ids    []string
			want   map[string]string // incident → top entity
		}{
			{"one ranked, one empty, one not analysed", "t1", []string{"inc-1", "inc-2", "inc-3"}, map[string]string{"inc-1": "db"}},
			{"no ids", "t1", nil, map[string]string{}},
			{"unknown id", "t1", []string{"nope"}, map[string]string{}},
			{"another tenant's analysis is invisible", "t2", []string{"inc-1"}, map[string]string{}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				top, err := s.TopHypotheses(ctx, tc.tenant, tc.ids)
				if err != nil {
					t.Fatal(err)
				}
				got := map[string]string{}
				for id, h := range top {
					got[id] = h.Entity
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("top entities %v, want %v", got, tc.want)
				}
			})
		}
		top, _ := s.TopHypotheses(ctx, "t1", []string{"inc-1"})
		if h := top["inc-1"]; h.Confidence != 0.8 || h.Explanation != "db (confidence 0.80): version 1.2 deployed" {
			t.Errorf("top hypothesis of inc-1: %+v", h)
		}
	})
}
