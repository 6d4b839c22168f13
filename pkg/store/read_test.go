package store

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/foresight-aiops/foresight/pkg/incident"
)

// filterFixture: five incidents with distinct times, services and member labels.
func filterFixture() incident.Changes {
	i1 := newIncident("i1", incident.Open, at(0), "api")
	i2 := newIncident("i2", incident.Acknowledged, at(10), "db")
	i3 := newIncident("i3", incident.Closed, at(20), "api", "db")
	i3.ResolvedAt = at(30)
	i4 := newIncident("i4", incident.Closed, at(40))
	i4.ResolvedAt = at(50)
	i5 := newIncident("i5", incident.Merged, at(60))
	i5.UpdatedAt, i5.MergedInto = at(61), "i1"
	return incident.Changes{
		Incidents: []incident.Incident{i1, i2, i3, i4, i5},
		Members: []incident.Member{
			newMember("i1", "a", map[string]string{"alertname": "A", "env": "prod"}),
			newMember("i2", "b", map[string]string{"alertname": "B", "env": "staging"}),
			newMember("i3", "a", map[string]string{"alertname": "A", "env": "staging"}),
			newMember("i3", "c", map[string]string{"alertname": "C"}),
			newMember("i4", "d", map[string]string{"alertname": "D", "env": "prod"}),
			newMember("i5", "a2", map[string]string{"alertname": "A"}),
		},
	}
}

func matcher(t *testing.T, typ labels.MatchType, name, value string) *labels.Matcher {
	m, err := labels.NewMatcher(typ, name, value)
	if err != nil {
		t.Fatal(err)
	}
	return m
}

func TestIncidentsFilter(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		write(t, s, func(tx *Tx) error { return tx.Apply("t", filterFixture()) })
		for _, tc := range []struct {
			name string
			f    Filter
			want []string // newest first
		}{
			{"all", Filter{}, []string{"i5", "i4", "i3", "i2", "i1"}},
			{"active", Filter{States: []incident.State{incident.Open, incident.Acknowledged}}, []string{"i2", "i1"}},
			{"resolved", Filter{States: []incident.State{incident.Closed}}, []string{"i4", "i3"}},
			{"overlap window", Filter{From: at(25), To: at(45)}, []string{"i4", "i3", "i2", "i1"}},
			{"from only", Filter{From: at(35)}, []string{"i5", "i4", "i2", "i1"}},
			{"to only", Filter{To: at(5)}, []string{"i1"}},
			{"from in the future", Filter{From: time.Now().Add(time.Hour)}, nil},
			{"service", Filter{Service: "db"}, []string{"i3", "i2"}},
			{"service missing", Filter{Service: "nope"}, nil},
			{"eq", Filter{Matchers: []*labels.Matcher{matcher(t, labels.MatchEqual, "alertname", "A")}}, []string{"i5", "i3", "i1"}},
			{"neq", Filter{Matchers: []*labels.Matcher{matcher(t, labels.MatchNotEqual, "env", "prod")}}, []string{"i5", "i3", "i2"}},
			{"re", Filter{Matchers: []*labels.Matcher{matcher(t, labels.MatchRegexp, "alertname", "A|B")}}, []string{"i5", "i3", "i2", "i1"}},
			{"nre", Filter{Matchers: []*labels.Matcher{matcher(t, labels.MatchNotRegexp, "env", "prod|staging")}}, []string{"i5", "i3"}},
			{"same member", Filter{Matchers: []*labels.Matcher{
				matcher(t, labels.MatchEqual, "alertname", "A"), matcher(t, labels.MatchEqual, "env", "staging")}}, []string{"i3"}},
			{"not across members", Filter{Matchers: []*labels.Matcher{
				matcher(t, labels.MatchEqual, "alertname", "C"), matcher(t, labels.MatchEqual, "env", "staging")}}, nil},
			{"combined", Filter{
				States:   []incident.State{incident.Open, incident.Closed},
				Service:  "api",
				Matchers: []*labels.Matcher{matcher(t, labels.MatchEqual, "alertname", "A")},
			}, []string{"i3", "i1"}},
		} {
			t.Run(tc.name, func(t *testing.T) {
				page, err := s.Incidents(context.Background(), "t", tc.f)
				if err != nil {
					t.Fatal(err)
				}
				if got := ids(page.Incidents); !slices.Equal(got, tc.want) {
					t.Errorf("got %v, want %v", got, tc.want)
				}
				if page.Next != "" {
					t.Errorf("single page has a next cursor")
				}
			})
		}
	})
}

func ids(ins []incident.Incident) []string {
	var out []string
	for _, in := range ins {
		out = append(out, in.ID)
	}
	return out
}

func TestIncidentsPaging(t *testing.T) {
	eachStore(t, func(t *testing.T, s *Store) {
		ctx := context.Background()
		// 23 incidents, five at a time sharing a started_at; the odd ones match env="odd".
		var ch incident.Changes
		var all, odd []string
		for i := range 23 {
			id := fmt.Sprintf("p-%02d", i)
			ch.Incidents = append(ch.Incidents, newIncident(id, incident.Open, at(i/5)))
			env := "even"
			if i%2 == 1 {
				env = "odd"
			}
			ch.Members = append(ch.Members, newMember(id, "fp", map[string]string{"env": env}))
		}
		write(t, s, func(tx *Tx) error { return tx.Apply("t", ch) })
		for i := 22; i >= 0; i-- {
			all = append(all, fmt.Sprintf("p-%02d", i))
			if i%2 == 1 {
				odd = append(odd, fmt.Sprintf("p-%02d", i))
			}
		}
		walk := func(f Filter) []string {
			var got []string
			for pages := 0; ; pages++ {
				if pages > 30 {
					t.Fatal("paging does not end")
				}
				page, err := s.Incidents(ctx, "t", f)
				if err != nil {
					t.Fatal(err)
				}
				if len(page.Incidents) > max(f.Limit, 0) && f.Limit > 0 {
					t.Fatalf("page of %d over limit %d", len(page.Incidents), f.Limit)
				}
				got = append(got, ids(page.Incidents)...)
				if page.Next == "" {
					return got
				}
				f.Cursor = page.Next
			}
		}
		oddM := []*labels.Matcher{matcher(t, labels.MatchEqual, "env", "odd")}
		for _, tc := range []struct {
			name    string
			f       Filter
			want    []string
			maxScan int
		}{
			{"limit 5", Filter{Limit: 5}, all, 0},
			{"limit 1", Filter{Limit: 1}, all, 0},
			{"limit 23 exact", Filter{Limit: 23}, all, 0},
			{"matchers limit 3", Filter{Limit: 3, Matchers: oddM}, odd, 0},
			{"matchers bounded scan", Filter{Limit: 4, Matchers: oddM}, odd, 3},
		} {
			t.Run(tc.name, func(t *testing.T) {
				if tc.maxScan > 0 {
					defer func(v int) { maxScan = v }(maxScan)
					maxScan = tc.maxScan
				}
				if got := walk(tc.f); !reflect.DeepEqual(got, tc.want) {
					t.Errorf("got  %v\nwant %v", got, tc.want)
				}
			})
		}
		t.Run("limit clamp and default", func(t *testing.T) {
			page, err := s.Incidents(ctx, "t", Filter{Limit: 10_000})
			if err != nil || len(page.Incidents) != 23 {
				t.Errorf("%d incidents, %v", len(page.Incidents), err)
			}
		})
		t.Run("bad cursor", func(t *testing.T) {
			if _, err := s.Incidents(ctx, "t", Filter{Cursor: "!!"}); !errors.Is(err, ErrBadCursor) {
				t.Errorf("got %v, want ErrBadCursor", err)
			}
		})
	})
}
