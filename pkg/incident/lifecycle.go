package incident

import (
	"fmt"
	"maps"
	"sort"
	"strings"
	"time"
)

// update applies a new report of an alert already tracked as member m of st.
func (e *Engine) update(cs *changeset, st *incState, m *Member, a Alert, now time.Time) {
	switch {
	case m.Status == Firing && a.Status == Resolved:
		e.resolveMember(cs, st, m, a, now)
	case m.Status == Resolved && a.Status == Firing && a.StartsAt.After(m.StartsAt):
		e.refire(cs, st, m, a, now)
	case m.Status == Firing && a.Status == Firing && a.StartsAt.After(m.StartsAt):
		// The resolve in between never reached us: count it as a flap all the same.
		e.refire(cs, st, m, a, now)
	case m.Status == a.Status && a.StartsAt.Equal(m.StartsAt) && changedDetails(m.Alert, a):
		// A resend with fresher details (Alertmanager's endsAt, Grafana's values).
		m.EndsAt, m.Annotations, m.Values, m.GeneratorURL = a.EndsAt, a.Annotations, a.Values, a.GeneratorURL
		m.LastSeen = now
		cs.member(m)
	}
	// Anything else is a retry or an out-of-order older report: it changes nothing.
}

// changedDetails reports whether b carries details that m lacks; labels are fixed by the
// fingerprint.
func changedDetails(m, b Alert) bool {
	return !m.EndsAt.Equal(b.EndsAt) || m.GeneratorURL != b.GeneratorURL ||
		!maps.Equal(m.Annotations, b.Annotations) || !maps.Equal(m.Values, b.Values)
}

func (e *Engine) resolveMember(cs *changeset, st *incState, m *Member, a Alert, now time.Time) {
	m.Status = Resolved
	m.EndsAt = a.EndsAt
	if m.EndsAt.IsZero() {
		m.EndsAt = now
	}
	m.Annotations, m.Values = a.Annotations, a.Values
	m.LastSeen = now
	cs.member(m)
	st.setFiring(m.Service, -1)
	inc := &st.inc
	if inc.FiringCount > 0 {
		inc.FiringCount--
	}
	if inc.FiringCount == 0 {
		inc.LastResolvedAlertAt = now
	}
	cs.event(st, Event{At: now, Kind: EventAlertResolved, Fingerprint: m.Fingerprint, Detail: alertName(m.Alert) + " resolved"})
}

func (e *Engine) refire(cs *changeset, st *incState, m *Member, a Alert, now time.Time) {
	wasResolved := m.Status == Resolved
	m.Alert = a
	m.FlapCount++
	m.LastSeen = now
	cs.member(m)
	inc := &st.inc
	inc.FlapCount++
	if wasResolved {
		inc.FiringCount++
		st.setFiring(m.Service, +1)
	}
	inc.LastAlertAt = latest(inc.LastAlertAt, alertTime(a, now))
	cs.event(st, Event{At: now, Kind: EventAlertRefired, Fingerprint: m.Fingerprint,
		Detail: fmt.Sprintf("%s fired again (flap %d)", alertName(a), m.FlapCount)})
	if inc.State == Closed {
		e.reopen(cs, st, now, "", alertName(a)+" fired again")
	}
}

// setFiring counts a member of service svc starting (+1) or stopping (-1) to fire.
func (st *incState) setFiring(svc string, d int) {
	if svc == "" {
		return
	}
	if st.firing[svc] += d; st.firing[svc] <= 0 {
		delete(st.firing, svc)
	}
}

// join puts a new alert into the incident it matches best, or opens one. prev is the
// incident of the alert's earlier occurrence when the recurrence does not belong to it
// (past its onset, or it resolved and a problem going on now fits better), "" otherwise;
// the reason says so.
func (e *Engine) join(cs *changeset, a Alert, now time.Time, prev string) {
	at := alertTime(a, now)
	svc := e.service(a.Labels)
	st, reason := e.match(a, svc, at)
	opened := st == nil
	if opened {
		st = e.open(cs, a, svc, at, now)
		reason = Reason{Kind: ReasonNew, Detail: "matched no open incident"}
	}
	if prev != "" && prev != st.inc.ID {
		reason.Detail += "; it fired before in " + prev + ", which it recurred too late to belong to"
	}
	m := &Member{Alert: a, IncidentID: st.inc.ID, FirstSeen: now, LastSeen: now, Service: svc, Reason: reason}
	newService := svc != "" && st.services[svc] == 0
	rank, prevRank := severityRank(a.Labels), st.sevRank
	escalates := !opened && (newService || rank > prevRank)
	st.index(m)
	e.point(m.Fingerprint, st)
	cs.member(m)

	inc := &st.inc
	inc.AlertCount++
	if a.Status == Firing {
		inc.FiringCount++
	}
	inc.LastAlertAt = latest(inc.LastAlertAt, at)
	if rank > 0 && rank >= prevRank {
		inc.Severity = severityOf(a.Labels, inc.Severity)
	}
	inc.Services = sortedKeys(st.services)
	cs.event(st, Event{At: now, Kind: EventAlertJoined, Fingerprint: m.Fingerprint, Detail: alertName(a) + ": " + reason.Detail})

	if inc.State == Closed && a.Status == Firing {
		e.reopen(cs, st, now, "", alertName(a)+" recurred")
	} else if escalates {
		e.escalate(cs, st, now, svc, newService)
	}
}

// open starts an incident for alert a. An incident made only of a resolved alert starts
// resolved: it is kept, so nothing sent is lost, but nobody is paged for it.
func (e *Engine) open(cs *changeset, a Alert, svc string, at, now time.Time) *incState {
	inc := Incident{ID: e.ids(), State: Open, Title: title(a, svc), StartedAt: at, LastAlertAt: at, Pending: NoticeOpened}
	st := newIncState(inc)
	e.incs[inc.ID] = st
	cs.event(st, Event{At: now, Kind: EventOpened, Fingerprint: a.Fingerprint, Detail: "opened by " + alertName(a)})
	if a.Status == Resolved {
		st.inc.State, st.inc.ResolvedAt, st.inc.Pending = Closed, now, ""
		cs.event(st, Event{At: now, Kind: EventResolved, Detail: "its only alert arrived already resolved"})
	}
	return st
}

func (e *Engine) escalate(cs *changeset, st *incState, now time.Time, svc string, newService bool) {
	detail := "severity rose to " + st.inc.Severity
	if newService {
		detail = "service " + svc + " joined"
	}
	cs.event(st, Event{At: now, Kind: EventEscalated, Detail: detail})
	e.want(st, NoticeChanged)
}

// want records a notice to send; "opened" not yet sent absorbs any change.
func (e *Engine) want(st *incState, k NoticeKind) {
	if st.inc.Pending == NoticeOpened && k == NoticeChanged {
		return
	}
	st.inc.Pending = k
}

func (e *Engine) close(cs *changeset, st *incState, now time.Time, actor, why string) {
	inc := &st.inc
	inc.State, inc.ResolvedAt = Closed, now
	cs.event(st, Event{At: now, Kind: EventResolved, Actor: actor, Detail: why})
	if inc.Pending == NoticeOpened {
		// Nobody was told it opened, so nobody needs telling it resolved.
		inc.Pending = ""
		cs.touch(st)
		return
	}
	inc.Pending = NoticeResolved
	e.flushNotice(cs, st, now)
}

func (e *Engine) reopen(cs *changeset, st *incState, now time.Time, actor, why string) {
	inc := &st.inc
	inc.State, inc.ResolvedAt, inc.LastResolvedAlertAt = Open, time.Time{}, time.Time{}
	inc.AckedAt, inc.AckedBy = time.Time{}, ""
	cs.event(st, Event{At: now, Kind: EventReopened, Actor: actor, Detail: why})
	if inc.NotifiedAt.IsZero() {
		inc.Pending = NoticeOpened
		return
	}
	inc.Pending = NoticeChanged
	inc.NotifiedAt = time.Time{} // a reopening is news: no interval holds it back
}

// flushNotice emits st's held-back notice once its wait is over.
func (e *Engine) flushNotice(cs *changeset, st *incState, now time.Time) {
	inc := &st.inc
	var due bool
	switch inc.Pending {
	case "":
		return
	case NoticeOpened:
		// The wait runs from when the receiver first heard of the incident, not from when
		// its alerts started: Alertmanager holds alerts for its own group_wait and rules
		// for their "for" period, so alerts arrive already old.
		due = now.Sub(st.heardAt) >= e.cfg.GroupWait
	case NoticeChanged:
		due = now.Sub(inc.NotifiedAt) >= e.cfg.NotifyInterval
	case NoticeResolved:
		due = true
	}
	if !due {
		return
	}
	kind := inc.Pending
	inc.Pending, inc.NotifiedAt = "", now
	cs.touch(st)
	cs.notices = append(cs.notices, pendingNotice{st: st, kind: kind})
}

// Summary is the one-line account of an incident that notifications carry.
func Summary(inc Incident) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%s: %d alert", inc.Title, inc.AlertCount)
	if inc.AlertCount != 1 {
		b.WriteString("s")
	}
	fmt.Fprintf(&b, " (%d firing)", inc.FiringCount)
	if len(inc.Services) > 0 {
		b.WriteString(" on " + strings.Join(inc.Services, ", "))
	}
	return b.String()
}

func title(a Alert, svc string) string {
	t := alertName(a)
	if s := a.Annotations["summary"]; s != "" {
		t = s
	}
	if svc != "" && !strings.Contains(t, svc) {
		t += " on " + svc
	}
	return t
}

func alertName(a Alert) string {
	if n := a.Labels["alertname"]; n != "" {
		return n
	}
	return "alert " + a.Fingerprint
}

// alertTime is when an alert counts as having happened for grouping: when it started, but
// never in the future (clock skew) and never unknown.
func alertTime(a Alert, now time.Time) time.Time {
	if a.StartsAt.IsZero() || a.StartsAt.After(now) {
		return now
	}
	return a.StartsAt
}

func latest(a, b time.Time) time.Time {
	if b.After(a) {
		return b
	}
	return a
}

func sortedKeys(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
