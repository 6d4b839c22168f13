package store

import (
	"context"
	"reflect"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/incident"
	"github.com/foresight-aiops/foresight/pkg/rca"
)

func TestStats(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		var ch incident.Changes
		for _, in := range []incident.Incident{
			newIncident("open-crit", incident.Open, at(0), "db"),
			newIncident("acked-crit", incident.Acknowledged, at(1), "db"),
			newIncident("open-warn", incident.Open, at(2), "api"),
			newIncident("old-resolved", incident.Closed, at(-60*48), "api"),
			newIncident("merged", incident.Merged, at(3), "api"),
		} {
			switch in.ID {
			case "open-warn":
				in.Severity = "warning"
			case "open-crit":
				in.AlertCount = 5
			}
			ch.Incidents = append(ch.Incidents, in)
		}
		write(t, s, func(tx *Tx) error { return tx.Apply("t1", ch) })
		withIncidents(t, s, "t2", "elsewhere")
		for _, v := range []rca.Verdict{rca.Right, rca.Right, rca.Wrong, rca.Cause} {
			if _, err := s.AddFeedback(ctx, "t1", rca.Feedback{IncidentID: "open-crit", Verdict: v, Entity: "db"}); err != nil {
				t.Fatal(err)
			}
		}

		tests := []struct {
			name   string
			tenant string
			since  time.Time
			want   TenantStats
		}{
			{"last day", "t1", at(-60 * 24), TenantStats{
				Active: map[string]int64{"critical": 2, "warning": 1}, Recent: 3, RecentAlerts: 7,
				Verdicts: map[rca.Verdict]int64{rca.Right: 2, rca.Wrong: 1, rca.Cause: 1}}},
			{"since the last start", "t1", at(2), TenantStats{
				Active: map[string]int64{"critical": 2, "warning": 1}, Recent: 1, RecentAlerts: 1,
				Verdicts: map[rca.Verdict]int64{rca.Right: 2, rca.Wrong: 1, rca.Cause: 1}}},
			{"another tenant", "t2", at(-60), TenantStats{
				Active: map[string]int64{"critical": 1}, Recent: 1, RecentAlerts: 1, Verdicts: map[rca.Verdict]int64{}}},
			{"unknown tenant", "nobody", at(-60), TenantStats{Active: map[string]int64{}, Verdicts: map[rca.Verdict]int64{}}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got, err := s.Stats(ctx, tc.tenant, tc.since)
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got, tc.want) {
					t.Errorf("stats\n got %+v\nwant %+v", got, tc.want)
				}
			})
		}
	})
}
