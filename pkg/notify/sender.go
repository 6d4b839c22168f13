package notify

import (
	"context"
	"fmt"

	"github.com/foresight-aiops/foresight/pkg/outbox"
)

// Sender delivers one outbox item to one target. it carries the identity (tenant,
// incident, idempotency key, kind); p is its decoded payload. A Sender classifies its
// failures: a PermanentError is never retried, anything else is.
type Sender interface {
	Send(ctx context.Context, it outbox.Item, p Payload) error
}

// RefStore keeps a target's handle for an incident; outbox.Queue implements it.
type RefStore interface {
	Ref(ctx context.Context, tenant, incidentID, target string) (string, error)
	SetRef(ctx context.Context, tenant, incidentID, target, ref string) error
}

// NewSenders builds one Sender per configured target, keyed by target name, plus the
// Grafana annotation sender under GrafanaTarget when Grafana is configured. refs is
// where annotation ids are kept (the outbox store). cfg must be valid.
func NewSenders(cfg Config, refs RefStore) (map[string]Sender, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	senders := make(map[string]Sender, len(cfg.Targets)+1)
	for _, t := range cfg.Targets {
		switch t.Type {
		case TypeWebhook:
			senders[t.Name] = NewWebhookSender(t, cfg.IncidentURL)
		case TypeSlack:
			senders[t.Name] = NewSlackSender(t, cfg.IncidentURL)
		case TypePagerDuty:
			senders[t.Name] = NewPagerDutySender(t, cfg.IncidentURL)
		default:
			return nil, fmt.Errorf("target %q: unknown type %q", t.Name, t.Type)
		}
	}
	if cfg.Grafana.Enabled() {
		if refs == nil {
			return nil, fmt.Errorf("grafana annotations need a store for annotation ids")
		}
		senders[GrafanaTarget] = NewGrafanaSender(cfg.Grafana, refs)
	}
	return senders, nil
}

// rejectAnnotation refuses Grafana annotation items routed to a notification target: they
// would turn into a chat message or a page nobody asked for.
func rejectAnnotation(target string, it outbox.Item) error {
	if it.Kind == KindAnnotation {
		return Permanent(fmt.Errorf("target %q: item %d is a Grafana annotation update; annotations go to the %q target", target, it.ID, GrafanaTarget))
	}
	return nil
}
