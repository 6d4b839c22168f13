// Package incident turns a stream of alerts into incidents: it deduplicates alerts by the
// sender's fingerprint, groups them by time, labels and service topology, keeps each
// incident's lifecycle (open, acknowledged, resolved, reopened, merged) and says which
// notifications are due. It knows nothing of HTTP, SQL or Grafana: the receiver feeds it
// alerts and persists the Changes it returns.
package incident

import (
	"time"
)

// Status is an alert's state as its sender reported it.
type Status string

const (
	Firing   Status = "firing"
	Resolved Status = "resolved"
)

// Alert is one alert as a sender reported it, normalised from Grafana's or Alertmanager's
// webhook payload.
type Alert struct {
	// Fingerprint is the sender's identity for the alert. Grafana computes it over labels
	// that the payload does not show, so it is taken as sent and never recomputed; only a
	// payload without one gets LabelFingerprint(Labels).
	Fingerprint  string             `json:"fingerprint"`
	Status       Status             `json:"status"`
	Labels       map[string]string  `json:"labels"`
	Annotations  map[string]string  `json:"annotations,omitempty"`
	StartsAt     time.Time          `json:"startsAt"`
	EndsAt       time.Time          `json:"endsAt,omitzero"` // zero when the sender gave none
	GeneratorURL string             `json:"generatorURL,omitempty"`
	Values       map[string]float64 `json:"values,omitempty"` // Grafana's evaluated values
	Source       string             `json:"source"`           // "grafana" or "alertmanager"
}

// State is an incident's lifecycle state.
type State string

const (
	Open         State = "open"
	Acknowledged State = "acknowledged"
	Closed       State = "resolved"
	Merged       State = "merged" // folded into another incident (MergedInto)
)

// Active reports whether the incident still wants attention.
func (s State) Active() bool { return s == Open || s == Acknowledged }

// Incident is a group of related alerts and its lifecycle.
type Incident struct {
	ID         string    `json:"id"`
	State      State     `json:"state"`
	Title      string    `json:"title"`
	Severity   string    `json:"severity"` // the highest severity among its alerts
	Services   []string  `json:"services"` // sorted, distinct
	StartedAt  time.Time `json:"startedAt"`
	UpdatedAt  time.Time `json:"updatedAt"`
	AckedAt    time.Time `json:"acknowledgedAt,omitzero"`
	AckedBy    string    `json:"acknowledgedBy,omitempty"`
	ResolvedAt time.Time `json:"resolvedAt,omitzero"`
	// LastResolvedAlertAt is when its last firing alert resolved; the cool-down runs from it.
	LastResolvedAlertAt time.Time `json:"-"`
	AlertCount          int       `json:"alertCount"`
	FiringCount         int       `json:"firingCount"`
	FlapCount           int       `json:"flapCount"`
	MergedInto          string    `json:"mergedInto,omitempty"`
	// LastAlertAt is when its latest alert started or fired again: the time window for
	// grouping runs from it.
	LastAlertAt time.Time `json:"lastAlertAt"`
	// Revision counts changes; notifications carry it so a receiver can drop stale ones.
	Revision int64 `json:"revision"`
	// NotifiedAt is when the last notice for it was queued, and Pending the notice held
	// back so that a storm gives one notification rather than one per alert: "opened" waits
	// for the group wait, "changed" for the notify interval.
	NotifiedAt time.Time  `json:"-"`
	Pending    NoticeKind `json:"-"`
}

// Member is an alert occurrence inside an incident: the alert's latest report plus what
// the engine learned about it. The same fingerprint can be a member of a later incident
// once the first one is over.
type Member struct {
	Alert
	IncidentID string    `json:"incidentId"`
	FirstSeen  time.Time `json:"firstSeen"`
	LastSeen   time.Time `json:"lastSeen"`
	FlapCount  int       `json:"flapCount"` // firing again after it had resolved
	Service    string    `json:"service,omitempty"`
	Reason     Reason    `json:"reason"`
}

// Reason says why an alert joined its incident.
type Reason struct {
	Kind   ReasonKind `json:"kind"`
	Detail string     `json:"detail"`          // a sentence a person can read
	Score  float64    `json:"score,omitempty"` // the similarity that decided it, 0..1
	Peer   string     `json:"peer,omitempty"`  // fingerprint of the member it matched
	Actor  string     `json:"actor,omitempty"` // who, for manual moves
}

// ReasonKind names the rule that put an alert in its incident.
type ReasonKind string

const (
	ReasonNew      ReasonKind = "new"      // matched no incident: opened one
	ReasonService  ReasonKind = "service"  // same service, close in time
	ReasonTopology ReasonKind = "topology" // a neighbouring service in the service graph
	ReasonLabels   ReasonKind = "labels"   // similar labels, close in time
	ReasonGroupKey ReasonKind = "group"    // the sender grouped them in one notification
	ReasonRecur    ReasonKind = "recurrence"
	ReasonManual   ReasonKind = "manual" // moved by a person (merge, split)
)

// Event is one line of an incident's timeline.
type Event struct {
	IncidentID  string    `json:"incidentId"`
	At          time.Time `json:"at"`
	Kind        EventKind `json:"kind"`
	Fingerprint string    `json:"fingerprint,omitempty"`
	Actor       string    `json:"actor,omitempty"`
	Detail      string    `json:"detail"`
}

// EventKind names what happened.
type EventKind string

const (
	EventOpened        EventKind = "opened"
	EventAlertJoined   EventKind = "alert_joined"
	EventAlertResolved EventKind = "alert_resolved"
	EventAlertRefired  EventKind = "alert_refired"
	EventAcknowledged  EventKind = "acknowledged"
	EventResolved      EventKind = "resolved"
	EventReopened      EventKind = "reopened"
	EventMerged        EventKind = "merged"
	EventSplit         EventKind = "split"
	EventEscalated     EventKind = "escalated" // severity rose or a new service joined
)

// NoticeKind is why a notification is due.
type NoticeKind string

const (
	NoticeOpened   NoticeKind = "opened"
	NoticeChanged  NoticeKind = "changed" // significant: severity rose, a service joined, reopened
	NoticeResolved NoticeKind = "resolved"
)

// Notice says that the outside world should hear about an incident. The receiver turns
// each into one outbox row per configured target.
type Notice struct {
	Kind     NoticeKind `json:"kind"`
	Incident Incident   `json:"incident"`
	Summary  string     `json:"summary"`
}

// Changes is what one engine call did, for the caller to persist atomically: the members
// and incidents to upsert (their latest state), timeline events to append and notices due.
type Changes struct {
	// Moves are members that a merge or split put in another incident; the store moves
	// their rows before upserting Members.
	Moves     []Move
	Members   []Member
	Incidents []Incident
	Events    []Event
	Notices   []Notice
}

// Move says that the members with these fingerprints left incident From for To.
type Move struct {
	From, To     string
	Fingerprints []string
}

// Empty reports whether nothing changed, so a retried webhook can skip the write.
func (c Changes) Empty() bool {
	return len(c.Moves) == 0 && len(c.Members) == 0 && len(c.Incidents) == 0 && len(c.Events) == 0 && len(c.Notices) == 0
}

// Snapshot is the part of a tenant's history the engine needs to continue: incidents that
// are active or were resolved recently enough to reopen, and their members.
type Snapshot struct {
	Incidents []Incident
	Members   []Member
}
