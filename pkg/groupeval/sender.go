package groupeval

import (
	"slices"
	"strconv"
	"strings"
	"time"
)

// aggGroup is one Alertmanager aggregation group: the alerts sharing the GroupBy values.
type aggGroup struct {
	key       string
	alerts    map[string]*groupAlert // by fingerprint: one alert per label set, as in Alertmanager
	nextFlush time.Time
	changed   bool
}

type groupAlert struct {
	occ      int
	resolved bool
	sent     bool // delivered firing at least once
}

// event is an occurrence starting or resolving.
type event struct {
	at      time.Time
	occ     int
	resolve bool
}

// deliver simulates the Alertmanager route: alerts enter their aggregation group when they
// fire and when they resolve; a group flushes GroupWait after it was created and then every
// GroupInterval while something changed, sending every alert it holds; resolved alerts
// leave after the flush that reported them, and an empty group is deleted. It returns the
// notifications in time order and how many firing alerts were re-sent.
func deliver(occ []Occurrence, snd Sender) ([]Notification, int) {
	events := make([]event, 0, 2*len(occ))
	for i, o := range occ {
		events = append(events, event{o.Start, i, false}, event{o.End, i, true})
	}
	slices.SortStableFunc(events, func(a, b event) int { return a.at.Compare(b.at) })
	groups := map[string]*aggGroup{}
	var out []Notification
	resends := 0
	flushDue := func(until time.Time, inclusive bool) {
		for {
			g := earliest(groups)
			if g == nil || g.nextFlush.After(until) || (!inclusive && g.nextFlush.Equal(until)) {
				return
			}
			n, r := g.flush(occ)
			resends += r
			if n != nil {
				out = append(out, *n)
			}
			if len(g.alerts) == 0 {
				delete(groups, g.key)
				continue
			}
			g.nextFlush = g.nextFlush.Add(snd.GroupInterval)
		}
	}
	for _, ev := range events {
		// Alerts that arrive at the very instant of a flush make it into that flush.
		flushDue(ev.at, false)
		key := groupKey(occ[ev.occ].Labels, snd.GroupBy)
		g := groups[key]
		if g == nil {
			g = &aggGroup{key: key, alerts: map[string]*groupAlert{}, nextFlush: ev.at.Add(snd.GroupWait)}
			groups[key] = g
		}
		g.receive(occ, ev)
	}
	flushDue(time.Unix(1<<40, 0), true)
	return out, resends
}

// receive records an event. A firing occurrence replaces an earlier one of the same
// fingerprint still in the group (resolved, not yet flushed): Alertmanager keeps one alert
// per label set.
func (g *aggGroup) receive(occ []Occurrence, ev event) {
	fp := occ[ev.occ].Fingerprint
	cur := g.alerts[fp]
	switch {
	case !ev.resolve:
		g.alerts[fp] = &groupAlert{occ: ev.occ}
	case cur != nil && cur.occ == ev.occ:
		cur.resolved = true
	default:
		return // the occurrence was already replaced by a later one
	}
	g.changed = true
}

// flush builds the group's notification if anything changed and drops the resolved alerts.
func (g *aggGroup) flush(occ []Occurrence) (*Notification, int) {
	if !g.changed {
		return nil, 0
	}
	g.changed = false
	n := &Notification{At: g.nextFlush, GroupKey: g.key}
	resends := 0
	for fp, a := range g.alerts {
		n.Alerts = append(n.Alerts, SentAlert{Occurrence: a.occ, Resolved: a.resolved})
		if a.resolved {
			delete(g.alerts, fp)
			continue
		}
		if a.sent {
			resends++
		}
		a.sent = true
	}
	// Map order must not leak into the replay: Alertmanager sorts a notification's alerts.
	slices.SortFunc(n.Alerts, func(a, b SentAlert) int { return byStart(occ)(a.Occurrence, b.Occurrence) })
	return n, resends
}

func earliest(groups map[string]*aggGroup) *aggGroup {
	var best *aggGroup
	for _, g := range groups {
		if best == nil || g.nextFlush.Before(best.nextFlush) || (g.nextFlush.Equal(best.nextFlush) && g.key < best.key) {
			best = g
		}
	}
	return best
}

// groupKey is Alertmanager's group key for a route with no parent matchers: "{}:" and the
// group-by labels as a label set.
func groupKey(labels map[string]string, groupBy []string) string {
	names := slices.Sorted(slices.Values(groupBy))
	parts := make([]string, 0, len(names))
	for _, n := range names {
		if v, ok := labels[n]; ok {
			parts = append(parts, n+"="+strconv.Quote(v))
		}
	}
	return "{}:{" + strings.Join(parts, ", ") + "}"
}
