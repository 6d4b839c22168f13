// Package outbox defines the durable queue between the incident engine and the outside
// world. Ingestion writes items in the same transaction as the alerts that caused them, so
// a crash can neither lose a notification nor invent one; delivery claims items with a
// lease, so several receivers sharing one database never send the same item twice.
package outbox

import (
	"context"
	"time"
)

// Item is one notification to deliver to one target.
type Item struct {
	ID         int64
	Tenant     string
	IncidentID string
	Target     string // the configured target's name
	Kind       string // incident.NoticeKind, or "annotation" for Grafana annotation updates
	// Key is unique per tenant: the same notice for the same target is enqueued once, so a
	// retried webhook changes nothing. Targets that deduplicate (PagerDuty's dedup_key,
	// the webhook's Idempotency-Key header) get it too.
	Key      string
	Payload  []byte // JSON of notify.Payload (the notice and the probable cause)
	Attempts int
	Created  time.Time
}

// Queue is what delivery needs from the store.
type Queue interface {
	// Claim leases up to n due items to owner until now+lease. It never hands out an item
	// while an older undelivered item of the same incident and target exists, so a target
	// sees an incident's notices in order.
	Claim(ctx context.Context, owner string, n int, lease time.Duration, now time.Time) ([]Item, error)
	// Done marks an item delivered; only its lease holder may.
	Done(ctx context.Context, owner string, id int64, now time.Time) error
	// Retry releases an item to be tried again at next, recording the error.
	Retry(ctx context.Context, owner string, id int64, next time.Time, lastErr string) error
	// Fail gives up on an item (a permanent error or too many attempts), recording why.
	Fail(ctx context.Context, owner string, id int64, lastErr string) error
	// Ref and SetRef keep a target's handle for an incident, e.g. the id of the Grafana
	// annotation to update; Ref returns "" when there is none.
	Ref(ctx context.Context, tenant, incidentID, target string) (string, error)
	SetRef(ctx context.Context, tenant, incidentID, target, ref string) error
}
