package incident

import (
	"fmt"
	"strings"
	"time"
)

// Scores of the grouping rules. A shared service is the strongest evidence that two alerts
// are one problem, a direct call edge nearly as strong; similar labels alone count less.
const (
	scoreService  = 1.0
	scoreTopology = 0.9
	scoreLabels   = 0.8
)

// match finds the incident a new alert belongs to, with the reason, or nil.
//
// Services and the service graph are checked first, over every incident in its onset;
// labels, the costly comparison, only when no incident scores at least as well as labels
// ever can. That keeps an alert's cost from growing with the labels of every open
// incident during a storm.
func (e *Engine) match(a Alert, svc string, at time.Time) (*incState, Reason) {
	var (
		best      *incState
		bestWhy   Reason
		bestScore float64
		unmatched []*incState
	)
	consider := func(st *incState, why Reason, score float64) {
		if score > bestScore || (score == bestScore && best != nil && preferred(st, best)) {
			best, bestWhy, bestScore = st, why, score
		}
	}
	for _, st := range e.incs {
		if !e.inOnset(st, at) {
			continue
		}
		why, score := e.serviceMatch(st, svc)
		if score == 0 {
			unmatched = append(unmatched, st)
			continue
		}
		consider(st, why, score)
	}
	if bestScore >= scoreLabels {
		return best, bestWhy
	}
	for _, st := range unmatched {
		if why, score := e.labelMatch(st, a); score > 0 {
			consider(st, why, score)
		}
	}
	return best, bestWhy
}

// preferred breaks a tie between two incidents that fit equally: the one with the more
// recent alert, then the lower id, so the choice does not depend on map order.
func preferred(a, b *incState) bool {
	if !a.inc.LastAlertAt.Equal(b.inc.LastAlertAt) {
		return a.inc.LastAlertAt.After(b.inc.LastAlertAt)
	}
	return a.inc.ID < b.inc.ID
}

// inWindow reports whether an alert at time at is close enough in time to join st: within
// the window of its latest alert and no later than MaxSpan after it started. This is the
// bound for recurrences of the incident's own alerts; a different alert must also fit the
// onset (inOnset).
func (e *Engine) inWindow(st *incState, at time.Time) bool {
	inc := &st.inc
	if !inc.State.Active() {
		// Only the same alert coming back reopens a resolved incident (see owns); a
		// different alert on the same service after it resolved is a new problem.
		return false
	}
	return !at.Before(inc.StartedAt.Add(-e.cfg.Window)) &&
		!at.After(inc.LastAlertAt.Add(e.cfg.Window)) &&
		at.Sub(inc.StartedAt) <= e.cfg.MaxSpan
}

// inOnset reports whether a new alert at time at is close enough to st's onset to join it.
// The alerts of one problem come in a burst that starts when it starts; measuring from
// the incident's first alert rather than its latest keeps a stream of later, unrelated
// alerts on shared services from chaining into it one window at a time.
func (e *Engine) inOnset(st *incState, at time.Time) bool {
	return e.inWindow(st, at) && at.Sub(st.inc.StartedAt) <= e.cfg.OnsetWindow
}

// serviceMatch scores alert service svc against st's firing services: the same service,
// or a neighbour in the service graph.
func (e *Engine) serviceMatch(st *incState, svc string) (Reason, float64) {
	// An alert joins by what the incident is doing now: its firing alerts. Services whose
	// alerts have all resolved no longer pull new alerts in, or one long incident on a
	// shared service would absorb every later problem there.
	if svc != "" && st.firing[svc] > 0 {
		return Reason{Kind: ReasonService, Detail: "same service " + svc, Score: scoreService}, scoreService
	}
	return e.topologyMatch(st, svc)
}

// labelMatch scores a against st's latest firing alerts by label similarity.
func (e *Engine) labelMatch(st *incState, a Alert) (Reason, float64) {
	var (
		peer *Member
		sim  float64
	)
	for _, m := range st.recent {
		if m.Status != Firing {
			continue
		}
		if s := labelSimilarity(a.Labels, m.Labels); s > sim {
			peer, sim = m, s
		}
	}
	if peer != nil && sim >= e.cfg.LabelSimilarity {
		return Reason{Kind: ReasonLabels, Score: sim, Peer: peer.Fingerprint,
			Detail: fmt.Sprintf("labels %.0f%% alike %s", 100*sim, alertName(peer.Alert))}, scoreLabels * sim
	}
	return Reason{}, 0
}

// topologyMatch finds the incident service nearest to svc in the service graph.
func (e *Engine) topologyMatch(st *incState, svc string) (Reason, float64) {
	if e.topo == nil || svc == "" || e.cfg.TopologyHops == 0 {
		return Reason{}, 0
	}
	bestHops, bestPeer := -1, ""
	for other := range st.firing {
		d := e.distance(svc, other)
		if d < 0 || d > e.cfg.TopologyHops {
			continue
		}
		if bestHops < 0 || d < bestHops || (d == bestHops && other < bestPeer) {
			bestHops, bestPeer = d, other
		}
	}
	switch {
	case bestHops < 0:
		return Reason{}, 0
	case bestHops == 0:
		// The graph knows the two names as one service (an instance and its service).
		return Reason{Kind: ReasonService, Detail: fmt.Sprintf("%s is %s in the service graph", svc, bestPeer), Score: scoreService}, scoreService
	}
	score := scoreTopology / float64(bestHops)
	return Reason{Kind: ReasonTopology, Score: score,
		Detail: fmt.Sprintf("%s is %d hop(s) from %s in the service graph", svc, bestHops, bestPeer)}, score
}

// distance asks the service graph, remembering answers: the same pairs come up for every
// alert of a storm. Tick forgets them, so a refreshed graph is seen within a tick.
func (e *Engine) distance(a, b string) int {
	k := [2]string{a, b}
	if d, ok := e.distances[k]; ok {
		return d
	}
	if len(e.distances) >= maxDistances {
		clear(e.distances)
	}
	d := e.topo.Distance(a, b)
	e.distances[k] = d
	return d
}

// maxDistances bounds the distance cache.
const maxDistances = 1 << 16

// service names an alert's service from the first service label it carries.
func (e *Engine) service(labels map[string]string) string {
	for _, l := range e.cfg.ServiceLabels {
		if v := labels[l]; v != "" {
			return v
		}
	}
	return ""
}

// contextLabels are shared by unrelated alerts (every alert of a cluster has the same
// cluster label), so they say nothing about whether two alerts are one problem.
var contextLabels = map[string]bool{
	"severity": true, "priority": true, "alertname": true, "team": true, "owner": true,
	"env": true, "environment": true, "cluster": true, "region": true, "zone": true,
	"datacenter": true, "grafana_folder": true, "__alert_rule_uid__": true, "__name__": true,
	"prometheus": true, "monitor": true, "receiver": true, "tenant": true,
}

// labelSimilarity is the Jaccard overlap of two alerts' identifying label pairs.
func labelSimilarity(a, b map[string]string) float64 {
	var shared, union int
	for k, v := range a {
		if contextLabels[k] {
			continue
		}
		union++
		if w, ok := b[k]; ok && w == v {
			shared++
		}
	}
	for k := range b {
		if _, ok := a[k]; !ok && !contextLabels[k] {
			union++
		}
	}
	if union == 0 {
		return 0
	}
	return float64(shared) / float64(union)
}

// severityRank orders the severity spellings senders use; 0 means none given.
func severityRank(labels map[string]string) int {
	s := labels["severity"]
	if s == "" {
		s = labels["priority"]
	}
	switch strings.ToLower(s) {
	case "":
		return 0
	case "critical", "crit", "page", "p1", "sev1", "fatal", "emergency":
		return 5
	case "high", "error", "major", "p2", "sev2":
		return 4
	case "warning", "warn", "medium", "p3", "sev3", "minor":
		return 3
	case "info", "low", "p4", "sev4", "notice":
		return 2
	}
	return 1
}

// severityOf gives the severity label's spelling, or fallback when there is none.
func severityOf(labels map[string]string, fallback string) string {
	if s := labels["severity"]; s != "" {
		return s
	}
	if s := labels["priority"]; s != "" {
		return s
	}
	return fallback
}
