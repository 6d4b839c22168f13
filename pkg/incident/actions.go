package incident

import (
	"errors"
	"fmt"
	"slices"
	"time"
)

// ErrUnknown means the incident is not in the working set: the caller loads it (Add) first.
var ErrUnknown = errors.New("incident not loaded")

// ActionError is an action that makes no sense for the incident's state; the receiver
// answers it with 409 Conflict and the message.
type ActionError struct{ Msg string }

func (e *ActionError) Error() string { return e.Msg }

func conflict(format string, args ...any) error {
	return &ActionError{Msg: fmt.Sprintf(format, args...)}
}

func (e *Engine) get(id string) (*incState, error) {
	st := e.incs[id]
	if st == nil {
		return nil, fmt.Errorf("%w: %s", ErrUnknown, id)
	}
	return st, nil
}

// Acknowledge records that actor is on an active incident.
func (e *Engine) Acknowledge(id, actor string, now time.Time) (Changes, error) {
	st, err := e.get(id)
	if err != nil {
		return Changes{}, err
	}
	if st.inc.State != Open {
		return Changes{}, conflict("incident %s is %s; only an open incident can be acknowledged", id, st.inc.State)
	}
	cs := newChangeset()
	st.inc.State, st.inc.AckedAt, st.inc.AckedBy = Acknowledged, now, actor
	cs.event(st, Event{At: now, Kind: EventAcknowledged, Actor: actor, Detail: "acknowledged by " + actor})
	return cs.build(now), nil
}

// Resolve closes an active incident by hand, whatever its alerts say.
func (e *Engine) Resolve(id, actor string, now time.Time) (Changes, error) {
	st, err := e.get(id)
	if err != nil {
		return Changes{}, err
	}
	if !st.inc.State.Active() {
		return Changes{}, conflict("incident %s is %s; only an active incident can be resolved", id, st.inc.State)
	}
	cs := newChangeset()
	e.close(cs, st, now, actor, "resolved by "+actor)
	return cs.build(now), nil
}

// Reopen makes a resolved incident open again.
func (e *Engine) Reopen(id, actor string, now time.Time) (Changes, error) {
	st, err := e.get(id)
	if err != nil {
		return Changes{}, err
	}
	if st.inc.State != Closed {
		return Changes{}, conflict("incident %s is %s; only a resolved incident can be reopened", id, st.inc.State)
	}
	cs := newChangeset()
	e.reopen(cs, st, now, actor, "reopened by "+actor)
	e.flushNotice(cs, st, now)
	return cs.build(now), nil
}

// Merge folds the incidents from into into: their members move, they end as merged.
func (e *Engine) Merge(into string, from []string, actor string, now time.Time) (Changes, error) {
	dst, err := e.get(into)
	if err != nil {
		return Changes{}, err
	}
	if dst.inc.State == Merged {
		return Changes{}, conflict("incident %s was merged into %s; merge into that one", into, dst.inc.MergedInto)
	}
	srcs := make([]*incState, 0, len(from))
	for _, id := range from {
		if id == into || slices.ContainsFunc(srcs, func(s *incState) bool { return s.inc.ID == id }) {
			return Changes{}, conflict("incident %s is named twice in the merge", id)
		}
		src, err := e.get(id)
		if err != nil {
			return Changes{}, err
		}
		if src.inc.State == Merged {
			return Changes{}, conflict("incident %s was already merged into %s", id, src.inc.MergedInto)
		}
		srcs = append(srcs, src)
	}
	cs := newChangeset()
	for _, src := range srcs {
		e.mergeOne(cs, dst, src, actor, now)
	}
	e.recount(dst)
	if dst.inc.State == Closed && dst.inc.FiringCount > 0 {
		e.reopen(cs, dst, now, actor, "a merged incident still fires")
	}
	e.flushNotice(cs, dst, now)
	return cs.build(now), nil
}

func (e *Engine) mergeOne(cs *changeset, dst, src *incState, actor string, now time.Time) {
	fps := e.moveAll(cs, src, dst, actor, "merged from "+src.inc.ID)
	cs.moves = append(cs.moves, Move{From: src.inc.ID, To: dst.inc.ID, Fingerprints: fps})
	wasNotified := !src.inc.NotifiedAt.IsZero()
	src.inc.State, src.inc.MergedInto, src.inc.ResolvedAt = Merged, dst.inc.ID, now
	e.recount(src)
	cs.event(src, Event{At: now, Kind: EventMerged, Actor: actor, Detail: "merged into " + dst.inc.ID})
	cs.event(dst, Event{At: now, Kind: EventMerged, Actor: actor,
		Detail: fmt.Sprintf("%s merged in (%d alerts)", src.inc.ID, len(fps))})
	src.inc.Pending = ""
	if wasNotified {
		// Whoever was paged for it must hear that it now lives on in dst.
		src.inc.Pending = NoticeResolved
		e.flushNotice(cs, src, now)
	}
	if dst.inc.StartedAt.After(src.inc.StartedAt) {
		dst.inc.StartedAt = src.inc.StartedAt
	}
	e.want(dst, NoticeChanged)
}

// moveAll moves every member of src to dst and returns their fingerprints, sorted.
func (e *Engine) moveAll(cs *changeset, src, dst *incState, actor, why string) []string {
	fps := make([]string, 0, len(src.members))
	for fp := range src.members {
		fps = append(fps, fp)
	}
	slices.Sort(fps)
	for _, fp := range fps {
		e.move(cs, src, dst, fp, actor, why)
	}
	return fps
}

func (e *Engine) move(cs *changeset, src, dst *incState, fp, actor, why string) {
	m := src.members[fp]
	delete(src.members, fp)
	m.IncidentID = dst.inc.ID
	m.Reason = Reason{Kind: ReasonManual, Detail: why, Actor: actor}
	if old := dst.members[fp]; old != nil {
		// The same alert in both: keep the later occurrence.
		if old.StartsAt.After(m.StartsAt) {
			return
		}
	}
	dst.members[fp] = m
	e.byFP[fp] = dst
	cs.member(m)
}

// Split moves the members with the given fingerprints out of incident id into a new one.
func (e *Engine) Split(id string, fingerprints []string, actor string, now time.Time) (Changes, string, error) {
	src, err := e.get(id)
	if err != nil {
		return Changes{}, "", err
	}
	if src.inc.State == Merged {
		return Changes{}, "", conflict("incident %s was merged into %s; split that one", id, src.inc.MergedInto)
	}
	if len(fingerprints) == 0 {
		return Changes{}, "", conflict("name at least one alert fingerprint to split off")
	}
	for _, fp := range fingerprints {
		if src.members[fp] == nil {
			return Changes{}, "", conflict("incident %s has no alert with fingerprint %s", id, fp)
		}
	}
	if len(fingerprints) >= len(src.members) {
		return Changes{}, "", conflict("splitting off every alert of %s would leave it empty", id)
	}
	cs := newChangeset()
	first := src.members[fingerprints[0]]
	dst := newIncState(Incident{ID: e.ids(), State: src.inc.State, Title: title(first.Alert, first.Service),
		StartedAt: alertTime(first.Alert, now), Pending: NoticeOpened})
	if dst.inc.State == Acknowledged {
		dst.inc.State = Open
	}
	e.incs[dst.inc.ID] = dst
	sorted := slices.Sorted(slices.Values(fingerprints))
	for _, fp := range sorted {
		e.move(cs, src, dst, fp, actor, "split from "+id)
	}
	cs.moves = append(cs.moves, Move{From: id, To: dst.inc.ID, Fingerprints: sorted})
	e.recount(src)
	e.recount(dst)
	cs.event(dst, Event{At: now, Kind: EventSplit, Actor: actor, Detail: fmt.Sprintf("split from %s (%d alerts)", id, len(sorted))})
	cs.event(src, Event{At: now, Kind: EventSplit, Actor: actor, Detail: fmt.Sprintf("%d alerts split off into %s", len(sorted), dst.inc.ID)})
	e.want(src, NoticeChanged)
	e.flushNotice(cs, src, now)
	e.flushNotice(cs, dst, now)
	return cs.build(now), dst.inc.ID, nil
}

// recount rebuilds an incident's counters and indexes from its members after a merge or
// split moved some of them.
func (e *Engine) recount(st *incState) {
	members := st.members
	inc := &st.inc
	*st = *newIncState(*inc)
	inc = &st.inc
	inc.AlertCount, inc.FiringCount, inc.FlapCount = 0, 0, 0
	inc.LastResolvedAlertAt, inc.Severity = time.Time{}, ""
	ordered := make([]*Member, 0, len(members))
	for _, m := range members {
		ordered = append(ordered, m)
	}
	slices.SortFunc(ordered, func(a, b *Member) int { return a.FirstSeen.Compare(b.FirstSeen) })
	for _, m := range ordered {
		rank := severityRank(m.Labels)
		if rank > 0 && rank >= st.sevRank {
			inc.Severity = severityOf(m.Labels, inc.Severity)
		}
		st.index(m)
		inc.AlertCount++
		inc.FlapCount += m.FlapCount
		if m.Status == Firing {
			inc.FiringCount++
		} else {
			inc.LastResolvedAlertAt = latest(inc.LastResolvedAlertAt, m.LastSeen)
		}
		inc.LastAlertAt = latest(inc.LastAlertAt, m.StartsAt)
		if m.StartsAt.Before(inc.StartedAt) && !m.StartsAt.IsZero() {
			inc.StartedAt = m.StartsAt
		}
	}
	if inc.FiringCount > 0 {
		inc.LastResolvedAlertAt = time.Time{}
	}
	inc.Services = sortedKeys(st.services)
}
