package incident

import (
	"sort"
	"time"

	"github.com/prometheus/common/model"
)

// Engine holds one tenant's working set (active incidents, recently resolved ones that may
// reopen, and their members) and applies alerts and actions to it. It is not safe for
// concurrent use: the receiver serialises calls per tenant.
type Engine struct {
	cfg  Config
	topo Topology
	ids  func() string

	incs      map[string]*incState // by incident id
	distances map[[2]string]int    // service-graph answers, see distance
	byFP      map[string]*incState // fingerprint → the incident holding its latest occurrence
}

// incState is one incident of the working set with the indexes grouping needs.
type incState struct {
	inc      Incident
	members  map[string]*Member // by fingerprint
	services map[string]int     // service → members naming it
	firing   map[string]int     // service → firing members naming it: what new alerts join by
	sevRank  int
	recent   []*Member // the latest members, for label similarity
	// heardAt is when the receiver first heard of the incident (its earliest member's
	// FirstSeen); the group wait runs from it.
	heardAt time.Time
}

// recentMembers bounds the label comparisons per incident: a storm of thousands of alerts
// is compared through its latest few, which are the ones most like what comes next.
const recentMembers = 16

// NewEngine returns an empty engine. topo may be nil (no service graph); ids makes new
// incident ids and must return unique strings.
func NewEngine(cfg Config, topo Topology, ids func() string) *Engine {
	return &Engine{cfg: cfg, topo: topo, ids: ids, incs: map[string]*incState{}, byFP: map[string]*incState{},
		distances: map[[2]string]int{}}
}

// Restore replaces the working set with a snapshot loaded from the store.
func (e *Engine) Restore(s Snapshot) {
	e.incs = map[string]*incState{}
	e.byFP = map[string]*incState{}
	e.add(s.Incidents, s.Members)
}

// Add puts incidents and their members into the working set, replacing what it held for
// them; the receiver uses it to load an old incident before acting on it.
func (e *Engine) Add(inc Incident, members []Member) {
	e.add([]Incident{inc}, members)
}

func (e *Engine) add(incs []Incident, members []Member) {
	for _, inc := range incs {
		if old := e.incs[inc.ID]; old != nil {
			for fp := range old.members {
				if e.byFP[fp] == old {
					delete(e.byFP, fp)
				}
			}
		}
		e.incs[inc.ID] = newIncState(inc)
	}
	sorted := append([]Member(nil), members...)
	sort.SliceStable(sorted, func(i, j int) bool { return sorted[i].FirstSeen.Before(sorted[j].FirstSeen) })
	for i := range sorted {
		st := e.incs[sorted[i].IncidentID]
		if st == nil {
			continue
		}
		m := sorted[i]
		st.index(&m)
		e.point(m.Fingerprint, st)
	}
}

// point records that st holds fingerprint fp's latest occurrence, unless an active
// incident already holds it.
func (e *Engine) point(fp string, st *incState) {
	if cur := e.byFP[fp]; cur != nil && cur != st && cur.inc.State.Active() && !st.inc.State.Active() {
		return
	}
	e.byFP[fp] = st
}

func newIncState(inc Incident) *incState {
	return &incState{inc: inc, members: map[string]*Member{}, services: map[string]int{}, firing: map[string]int{}}
}

// index adds m to the incident's indexes without touching its counters (which the store
// already holds for a restored incident, and join maintains for a new member).
func (st *incState) index(m *Member) {
	st.members[m.Fingerprint] = m
	if st.heardAt.IsZero() || m.FirstSeen.Before(st.heardAt) {
		st.heardAt = m.FirstSeen
	}
	if m.Service != "" {
		st.services[m.Service]++
		if m.Status == Firing {
			st.firing[m.Service]++
		}
	}
	if r := severityRank(m.Labels); r > st.sevRank {
		st.sevRank = r
	}
	st.recent = append(st.recent, m)
	if len(st.recent) > recentMembers {
		st.recent = st.recent[1:]
	}
}

// Incidents returns the working set's incidents, for tests and debugging.
func (e *Engine) Incidents() []Incident {
	out := make([]Incident, 0, len(e.incs))
	for _, st := range e.incs {
		out = append(out, st.inc)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].ID < out[j].ID })
	return out
}

// Ingest applies one notification's alerts, received at now. groupKey is the sender's group
// key ("" when unknown). A retried notification returns empty Changes.
func (e *Engine) Ingest(alerts []Alert, groupKey string, now time.Time) Changes {
	cs := newChangeset()
	for i := range alerts {
		a := alerts[i]
		if a.Fingerprint == "" {
			a.Fingerprint = LabelFingerprint(a.Labels)
		}
		e.ingestOne(cs, a, now)
	}
	for _, st := range cs.incOrder {
		e.flushNotice(cs, st, now)
	}
	return cs.build(now)
}

// LabelFingerprint is Alertmanager's fingerprint of a label set, for alerts whose sender
// gave none.
func LabelFingerprint(labels map[string]string) string {
	ls := make(model.LabelSet, len(labels))
	for k, v := range labels {
		ls[model.LabelName(k)] = model.LabelValue(v)
	}
	return ls.Fingerprint().String()
}

func (e *Engine) ingestOne(cs *changeset, a Alert, now time.Time) {
	if st := e.byFP[a.Fingerprint]; st != nil {
		if m := st.members[a.Fingerprint]; m != nil {
			if e.owns(st, m, a, now) {
				e.update(cs, st, m, a, now)
				return
			}
			if m.Status == Firing && a.Status == Firing && a.StartsAt.After(m.StartsAt) && st.inc.State.Active() {
				// A new occurrence whose resolve never reached us, too late to belong to
				// st: end the old occurrence there before the new one finds its incident.
				r := a
				r.Status, r.EndsAt = Resolved, alertTime(a, now)
				e.resolveMember(cs, st, m, r, now)
			}
			e.join(cs, a, now, st.inc.ID)
			return
		}
	}
	e.join(cs, a, now, "")
}

// owns reports whether a report of an alert belongs to the occurrence m already tracked:
// a report of the same occurrence (no later start) always does while the incident is not
// merged away. A recurrence (a later start) does for an active incident only while it
// fits the incident's onset (see inOnset), and for a resolved one within the reopen
// window. An alert that fires again long after its incident's burst is a new problem that
// happens to share a rule, and is grouped afresh like any new alert: a rule that fires
// in many problems would otherwise chain every later one into the first incident it was
// part of.
func (e *Engine) owns(st *incState, m *Member, a Alert, now time.Time) bool {
	if !a.StartsAt.After(m.StartsAt) {
		return st.inc.State != Merged
	}
	switch st.inc.State {
	case Open, Acknowledged:
		return a.Status != Firing || e.inOnset(st, alertTime(a, now))
	case Closed:
		if now.Sub(st.inc.ResolvedAt) > e.cfg.ReopenWindow {
			return false
		}
		// A recurrence that fits a problem going on now belongs to it: reopening the old
		// incident would page for a problem that is over and split the new one.
		other, _ := e.match(a, e.service(a.Labels), alertTime(a, now))
		return other == nil
	}
	return false
}

// Tick resolves incidents whose cool-down has passed, sends notices that were held back,
// and forgets resolved incidents past the reopen window.
func (e *Engine) Tick(now time.Time) Changes {
	clear(e.distances)
	cs := newChangeset()
	for _, st := range e.sortedStates() {
		inc := &st.inc
		if inc.State.Active() && inc.FiringCount == 0 && !inc.LastResolvedAlertAt.IsZero() &&
			now.Sub(inc.LastResolvedAlertAt) >= e.cfg.Cooldown {
			e.close(cs, st, now, "", "all alerts resolved and the cool-down passed")
		}
		e.flushNotice(cs, st, now)
		if e.forgettable(st, now) {
			e.forget(st)
		}
	}
	return cs.build(now)
}

func (e *Engine) forgettable(st *incState, now time.Time) bool {
	switch st.inc.State {
	case Merged:
		return true
	case Closed:
		return now.Sub(st.inc.ResolvedAt) > e.cfg.ReopenWindow
	}
	return false
}

func (e *Engine) forget(st *incState) {
	for fp := range st.members {
		if e.byFP[fp] == st {
			delete(e.byFP, fp)
		}
	}
	delete(e.incs, st.inc.ID)
}

// sortedStates gives a deterministic order, so the same input gives the same output.
func (e *Engine) sortedStates() []*incState {
	out := make([]*incState, 0, len(e.incs))
	for _, st := range e.incs {
		out = append(out, st)
	}
	sort.Slice(out, func(i, j int) bool {
		if !out[i].inc.StartedAt.Equal(out[j].inc.StartedAt) {
			return out[i].inc.StartedAt.Before(out[j].inc.StartedAt)
		}
		return out[i].inc.ID < out[j].inc.ID
	})
	return out
}

// Has reports whether incident id is in the working set.
func (e *Engine) Has(id string) bool { return e.incs[id] != nil }
