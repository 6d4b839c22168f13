package notify

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/foresight-aiops/foresight/pkg/incident"
	"github.com/foresight-aiops/foresight/pkg/outbox"
)

// Events API v2 limits (developer.pagerduty.com, "Send an Alert Event").
const (
	pdSummaryMax  = 1024
	pdDedupKeyMax = 255
	pdClient      = "Foresight"
)

// PagerDuty event actions.
const (
	pdTrigger     = "trigger"
	pdAcknowledge = "acknowledge"
	pdResolve     = "resolve"
)

// PagerDutyEvent is an Events API v2 alert event.
type PagerDutyEvent struct {
	RoutingKey  string            `json:"routing_key"`
	EventAction string            `json:"event_action"`
	DedupKey    string            `json:"dedup_key"`
	Payload     *PagerDutyPayload `json:"payload,omitempty"` // trigger only
	Links       []PagerDutyLink   `json:"links,omitempty"`
	Client      string            `json:"client,omitempty"`
	ClientURL   string            `json:"client_url,omitempty"`
}

// PagerDutyPayload is the PD-CEF part of a trigger event.
type PagerDutyPayload struct {
	Summary       string         `json:"summary"`
	Source        string         `json:"source"`
	Severity      string         `json:"severity"`
	Timestamp     string         `json:"timestamp,omitempty"`
	Component     string         `json:"component,omitempty"`
	Group         string         `json:"group,omitempty"`
	Class         string         `json:"class,omitempty"`
	CustomDetails map[string]any `json:"custom_details,omitempty"`
}

// PagerDutyLink is a link attached to the alert.
type PagerDutyLink struct {
	Href string `json:"href"`
	Text string `json:"text,omitempty"`
}

// pagerDutyResponse is the Events API answer, 202 and 400 alike.
type pagerDutyResponse struct {
	Status   string   `json:"status"`
	Message  string   `json:"message"`
	DedupKey string   `json:"dedup_key"`
	Errors   []string `json:"errors"`
}

// PagerDutySender sends incident notices to the PagerDuty Events API v2. Every event of
// an incident carries the same dedup_key, so PagerDuty folds retries and updates into one
// alert and a resolve closes it.
type PagerDutySender struct {
	name        string
	url         string
	routingKey  string
	incidentURL string
	ep          endpoint
}

// NewPagerDutySender returns the sender of a pagerduty target; incidentURL is
// Config.IncidentURL.
func NewPagerDutySender(t TargetConfig, incidentURL string) *PagerDutySender {
	return &PagerDutySender{
		name:        t.Name,
		url:         t.url(),
		routingKey:  t.RoutingKey,
		incidentURL: incidentURL,
		ep:          endpoint{client: newHTTPClient(t.timeout()), display: redactURL(t.url()), scrub: newScrubber(t.secrets()...)},
	}
}

// Send enqueues the event. PagerDuty answers 202 on success, 400 for an invalid event
// (permanent), 429 when throttled and 5xx on its own trouble (both retried).
func (s *PagerDutySender) Send(ctx context.Context, it outbox.Item, n Payload) error {
	if err := rejectAnnotation(s.name, it); err != nil {
		return err
	}
	ev := pagerDutyEvent(s.routingKey, it, n, incidentLink(s.incidentURL, it.Tenant, it.IncidentID))
	body, err := s.ep.doJSON(ctx, http.MethodPost, s.url, s.ep.display, ev, nil)
	if err != nil {
		return fmt.Errorf("pagerduty %q: %w", s.name, err)
	}
	var resp pagerDutyResponse
	// A 2xx is PagerDuty's commitment; an unreadable body does not undo it, so only an
	// explicit non-success status is an error.
	if json.Unmarshal(body, &resp) == nil && resp.Status != "" && resp.Status != "success" {
		return Permanent(fmt.Errorf("pagerduty %q: event not accepted: %s", s.name, s.ep.errorBody(body)))
	}
	return nil
}

// PagerDutyDedupKey is the dedup_key of an incident: tenant/incident, hashed when longer
// than the 255 characters PagerDuty allows.
func PagerDutyDedupKey(tenant, incidentID string) string {
	key := incidentID
	if tenant != "" {
		key = tenant + "/" + incidentID
	}
	if len(key) <= pdDedupKeyMax {
		return key
	}
	sum := sha256.Sum256([]byte(key))
	return "foresight-sha256-" + hex.EncodeToString(sum[:])
}

// pagerDutyAction maps a notice to an event action. A resolved or merged incident is over
// for PagerDuty (a merged one lives on in the incident it joined); an acknowledged one is
// acknowledged there too; everything else (opened, escalated, reopened) triggers, which
// PagerDuty folds into the open alert of the same dedup_key.
func pagerDutyAction(n incident.Notice) string {
	switch {
	case n.Kind == incident.NoticeResolved, n.Incident.State == incident.Closed, n.Incident.State == incident.Merged:
		return pdResolve
	case n.Incident.State == incident.Acknowledged:
		return pdAcknowledge
	default:
		return pdTrigger
	}
}

func pagerDutyEvent(routingKey string, it outbox.Item, n Payload, link string) PagerDutyEvent {
	ev := PagerDutyEvent{
		RoutingKey:  routingKey,
		EventAction: pagerDutyAction(n.Notice),
		DedupKey:    PagerDutyDedupKey(it.Tenant, it.IncidentID),
	}
	if ev.EventAction != pdTrigger {
		// PagerDuty ignores the payload of acknowledge and resolve events.
		return ev
	}
	inc := n.Incident
	ev.Client = pdClient
	ev.ClientURL = link
	if link != "" {
		ev.Links = []PagerDutyLink{{Href: link, Text: "Incident in Foresight"}}
	}
	ev.Payload = &PagerDutyPayload{
		Summary:   truncate(pagerDutySummary(n), pdSummaryMax),
		Source:    pagerDutySource(inc),
		Severity:  PagerDutySeverity(inc.Severity),
		Timestamp: pagerDutyTimestamp(inc),
		Component: strings.Join(inc.Services, ","),
		Group:     it.Tenant,
		Class:     "incident",
		CustomDetails: map[string]any{
			"incident_id":  inc.ID,
			"tenant":       it.Tenant,
			"state":        string(inc.State),
			"notice":       string(n.Kind),
			"severity":     inc.Severity,
			"services":     inc.Services,
			"alert_count":  inc.AlertCount,
			"firing_count": inc.FiringCount,
			"revision":     inc.Revision,
			"started_at":   inc.StartedAt.UTC().Format(time.RFC3339),
		},
	}
	if n.Cause != nil {
		ev.Payload.CustomDetails["probable_cause"] = n.Cause.Text()
	}
	return ev
}

// pagerDutySummary is the page's one line: the title, the summary and, when there is one,
// the probable cause's headline (its evidence goes to custom_details).
func pagerDutySummary(n Payload) string {
	title := n.Incident.Title
	if title == "" {
		title = "Incident " + n.Incident.ID
	}
	s := title
	if n.Summary != "" && n.Summary != title {
		s += ": " + n.Summary
	}
	if n.Cause != nil {
		s += " — " + n.Cause.Headline()
	}
	return s
}

// pagerDutySource is "the unique location of the affected system": an incident spans
// services, so the first one (they are sorted) stands for it, and Component lists all.
func pagerDutySource(inc incident.Incident) string {
	if len(inc.Services) > 0 {
		return inc.Services[0]
	}
	return "foresight"
}

func pagerDutyTimestamp(inc incident.Incident) string {
	t := inc.UpdatedAt
	if t.IsZero() {
		t = inc.StartedAt
	}
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(time.RFC3339Nano)
}

// PagerDutySeverity maps an incident severity, as alert rules spell it, to one of
// PagerDuty's four. Unknown and empty severities map to "error", as Alertmanager's
// PagerDuty integration does: a notification worth sending is worth attention, but
// guessing "critical" would page people for every unlabelled rule.
func PagerDutySeverity(s string) string {
	switch strings.ToLower(strings.TrimSpace(s)) {
	case "critical", "crit", "page", "pager", "p1", "sev1", "sev-1", "emergency", "fatal", "disaster":
		return "critical"
	case "error", "err", "high", "major", "p2", "sev2", "sev-2":
		return "error"
	case "warning", "warn", "medium", "minor", "average", "p3", "sev3", "sev-3":
		return "warning"
	case "info", "informational", "information", "low", "notice", "none", "ok", "debug", "p4", "p5", "sev4", "sev-4", "sev5", "sev-5":
		return "info"
	default:
		return "error"
	}
}
