package notify

import (
	"context"
	"fmt"
	"net/http"

	"github.com/foresight-aiops/foresight/pkg/incident"
	"github.com/foresight-aiops/foresight/pkg/outbox"
)

// WebhookVersion is the version of the generic webhook body; it changes only when a
// receiver would have to change.
const WebhookVersion = "1"

// WebhookBody is what the generic webhook target receives.
type WebhookBody struct {
	Version  string            `json:"version"`
	Kind     string            `json:"kind"` // opened, changed or resolved
	Tenant   string            `json:"tenant"`
	Incident incident.Incident `json:"incident"`
	Summary  string            `json:"summary"`
	// Cause is the probable root cause, when analysis had named one; optional, so the
	// version stays 1.
	Cause *Cause `json:"cause,omitempty"`
	// Key is the outbox item's idempotency key, also sent as the Idempotency-Key header.
	Key  string `json:"key"`
	Link string `json:"link,omitempty"`
}

// WebhookSender POSTs WebhookBody as JSON to a configured URL.
type WebhookSender struct {
	name        string
	url         string
	headers     map[string]string
	incidentURL string
	ep          endpoint
}

// NewWebhookSender returns the sender of a webhook target; incidentURL is Config.IncidentURL.
func NewWebhookSender(t TargetConfig, incidentURL string) *WebhookSender {
	return &WebhookSender{
		name:        t.Name,
		url:         t.url(),
		headers:     t.Headers,
		incidentURL: incidentURL,
		ep:          endpoint{client: newHTTPClient(t.timeout()), display: redactURL(t.url()), scrub: newScrubber(t.secrets()...)},
	}
}

// Send posts the notice. The Idempotency-Key header lets the receiving end drop the
// repeat when we retry after a response was lost.
func (s *WebhookSender) Send(ctx context.Context, it outbox.Item, n Payload) error {
	if err := rejectAnnotation(s.name, it); err != nil {
		return err
	}
	body := WebhookBody{
		Version:  WebhookVersion,
		Kind:     it.Kind,
		Tenant:   it.Tenant,
		Incident: n.Incident,
		Summary:  n.Summary,
		Cause:    n.Cause,
		Key:      it.Key,
		Link:     incidentLink(s.incidentURL, it.Tenant, it.IncidentID),
	}
	h := make(http.Header, len(s.headers)+1)
	for k, v := range s.headers {
		h.Set(k, v)
	}
	h.Set("Idempotency-Key", it.Key)
	if _, err := s.ep.doJSON(ctx, http.MethodPost, s.url, s.ep.display, body, h); err != nil {
		return fmt.Errorf("webhook %q: %w", s.name, err)
	}
	return nil
}
