package groupeval

import (
	"fmt"
	"slices"
	"time"
)

// GroupBy is the grouping a team gets from Alertmanager alone: alerts with equal values of
// Labels form one notification group, and a group lives while its alerts keep coming —
// an alert joins the group's current incident if it starts within ResolveTimeout of the
// latest detection of an alert already in it, and starts a new incident otherwise.
type GroupBy struct {
	Labels         []string
	ResolveTimeout time.Duration
}

// DefaultBaseline groups by alertname and service: Alertmanager's example configuration
// groups by ['alertname', 'cluster', 'service'], which is what most routes copy, and
// cluster is constant in one system. resolve_timeout is Alertmanager's default.
func DefaultBaseline() GroupBy {
	return GroupBy{Labels: []string{"alertname", "service"}, ResolveTimeout: 5 * time.Minute}
}

// Group returns each occurrence's cluster.
func (b GroupBy) Group(occ []Occurrence) []string {
	order := make([]int, len(occ))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, byStart(occ))
	type group struct {
		id       string
		openTill time.Time
	}
	open := map[string]*group{}
	out := make([]string, len(occ))
	made := 0
	for _, i := range order {
		o := occ[i]
		key := groupKey(o.Labels, b.Labels)
		g := open[key]
		if g == nil || o.Start.After(g.openTill) {
			made++
			g = &group{id: fmt.Sprintf("group %d", made)}
			open[key] = g
		}
		g.openTill = maxTime(g.openTill, o.LastSeen.Add(b.ResolveTimeout))
		out[i] = g.id
	}
	return out
}
