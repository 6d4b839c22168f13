package incident

import (
	"time"
)

// Engine holds one tenant's working set (active incidents, recently resolved ones that may
// reopen, and their members) and applies alerts and actions to it. It is not safe for
// concurrent use: the receiver serialises calls per tenant.
type Engine struct {
	cfg  Config
	topo Topology
	ids  func() string
}

// NewEngine returns an empty engine. topo may be nil (no service graph); ids makes new
// incident ids and must return unique strings.
func NewEngine(cfg Config, topo Topology, ids func() string) *Engine {
	return &Engine{cfg: cfg, topo: topo, ids: ids}
}

// Restore replaces the working set with a snapshot loaded from the store.
func (e *Engine) Restore(s Snapshot) {}

// Ingest applies one notification's alerts, received at now. groupKey is the sender's group
// key ("" when unknown). A retried notification returns empty Changes.
func (e *Engine) Ingest(alerts []Alert, groupKey string, now time.Time) Changes { return Changes{} }

// Tick resolves incidents whose cool-down has passed, expires firing alerts whose EndsAt
// has passed without a refresh, and forgets resolved incidents past the reopen window.
func (e *Engine) Tick(now time.Time) Changes { return Changes{} }
