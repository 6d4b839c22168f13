package incident

import "time"

// changeset collects what one engine call touched, so each incident and member is written
// once with its final state however many times the call changed it.
type changeset struct {
	incSeen  map[*incState]bool
	incOrder []*incState
	memSeen  map[*Member]bool
	members  []*Member
	events   []Event
	notices  []pendingNotice
	moves    []Move
}

// pendingNotice is a notice whose incident snapshot is taken when the call ends, so it
// carries the incident's final state.
type pendingNotice struct {
	st   *incState
	kind NoticeKind
}

func newChangeset() *changeset {
	return &changeset{incSeen: map[*incState]bool{}, memSeen: map[*Member]bool{}}
}

func (cs *changeset) touch(st *incState) {
	if !cs.incSeen[st] {
		cs.incSeen[st] = true
		cs.incOrder = append(cs.incOrder, st)
	}
}

func (cs *changeset) member(m *Member) {
	if !cs.memSeen[m] {
		cs.memSeen[m] = true
		cs.members = append(cs.members, m)
	}
}

func (cs *changeset) event(st *incState, ev Event) {
	cs.touch(st)
	ev.IncidentID = st.inc.ID
	cs.events = append(cs.events, ev)
}

// build stamps every touched incident with a new revision and copies the final states out.
func (cs *changeset) build(now time.Time) Changes {
	var ch Changes
	ch.Moves = cs.moves
	for _, st := range cs.incOrder {
		st.inc.Revision++
		st.inc.UpdatedAt = now
		ch.Incidents = append(ch.Incidents, st.inc)
	}
	for _, m := range cs.members {
		ch.Members = append(ch.Members, *m)
	}
	ch.Events = cs.events
	for _, n := range cs.notices {
		ch.Notices = append(ch.Notices, Notice{Kind: n.kind, Incident: n.st.inc, Summary: Summary(n.st.inc)})
	}
	return ch
}
