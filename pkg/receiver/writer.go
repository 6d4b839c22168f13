package receiver

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"sync"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/grafana/dskit/services"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/foresight-aiops/foresight/pkg/incident"
	"github.com/foresight-aiops/foresight/pkg/notify"
	"github.com/foresight-aiops/foresight/pkg/outbox"
	"github.com/foresight-aiops/foresight/pkg/store"
)

// The writer is the one goroutine that changes incidents. Webhooks, actions and lifecycle
// ticks queue jobs; the writer takes every job waiting, applies them in one transaction and
// answers them all after the commit (group commit). One fsync then covers many webhooks,
// which is what makes thousands of alerts per second durable on SQLite, and a webhook is
// answered only once its alerts are on disk.

// job is one unit of work on one tenant's incidents.
type job struct {
	tenant string
	// run applies the work to the tenant's engine inside the transaction. A *jobError
	// refuses this job alone; any other error aborts the whole batch.
	run  func(e *incident.Engine, tx *store.Tx) (incident.Changes, any, error)
	done chan jobResult
}

type jobResult struct {
	ch    incident.Changes
	value any
	err   error
}

// jobError is the caller's mistake (an unknown incident, an impossible action): it is
// answered with status and changes nothing.
type jobError struct {
	status int
	msg    string
}

func (e *jobError) Error() string { return e.msg }

// tenantState is a tenant's engine and the store version it reflects. Another receiver
// sharing the database bumps the version; the engine is then rebuilt from the store.
type tenantState struct {
	engine  *incident.Engine
	version int64
}

type writer struct {
	services.Service
	store    *store.Store
	cfg      incident.Config
	topo     incident.Topology
	targets  []string // outbox targets every notice goes to
	annotate bool     // also queue Grafana annotation updates
	causes   bool     // notices carry the probable cause of the incident's stored hypotheses
	maxBatch int
	jobs     chan *job
	tenants  map[string]*tenantState // only the writer goroutine touches it
	wake     func()
	// committed hears of every job's changes once they are committed; it must not block
	// (root-cause analysis queues requests with it).
	committed func(tenant string, ch incident.Changes)
	logger    log.Logger
	metrics   *writerMetrics
	now       func() time.Time
	closedMu  sync.RWMutex
	isClosing bool
}

type writerMetrics struct {
	batches    prometheus.Histogram
	commitTime prometheus.Histogram
	failures   prometheus.Counter
	notices    *prometheus.CounterVec
	opened     prometheus.Counter
	toAck      *prometheus.HistogramVec
	toResolve  *prometheus.HistogramVec
}

func newWriterMetrics(reg prometheus.Registerer) *writerMetrics {
	f := promauto.With(reg)
	return &writerMetrics{
		batches: f.NewHistogram(prometheus.HistogramOpts{Name: "foresight_receiver_batch_jobs",
			Help: "Jobs (webhooks, actions, ticks) committed per transaction.", Buckets: prometheus.ExponentialBuckets(1, 2, 10)}),
		commitTime: f.NewHistogram(prometheus.HistogramOpts{Name: "foresight_receiver_commit_duration_seconds",
			Help: "Time to apply and commit one batch.", Buckets: prometheus.ExponentialBuckets(0.0005, 2, 14)}),
		failures: f.NewCounter(prometheus.CounterOpts{Name: "foresight_receiver_commit_failures_total",
			Help: "Batches whose transaction failed; their webhooks were answered 503."}),
		notices: f.NewCounterVec(prometheus.CounterOpts{Name: "foresight_receiver_notices_total",
			Help: "Incident notices queued for delivery, by kind."}, []string{"kind"}),
		opened: f.NewCounter(prometheus.CounterOpts{Name: "foresight_receiver_incidents_opened_total",
			Help: "Incidents opened."}),
		toAck: f.NewHistogramVec(prometheus.HistogramOpts{Name: "foresight_incident_time_to_acknowledge_seconds",
			Help: "Time from an incident's start to its acknowledgement (MTTA is sum / count).", Buckets: responseBuckets}, []string{"tenant"}),
		toResolve: f.NewHistogramVec(prometheus.HistogramOpts{Name: "foresight_incident_time_to_resolve_seconds",
			Help:    "Time from an incident's start to its resolution, by hand or once its alerts resolved (MTTR is sum / count).",
			Buckets: responseBuckets}, []string{"tenant"}),
	}
}

func newWriter(st *store.Store, cfg incident.Config, topo incident.Topology, targets []string, annotate bool,
	queue int, logger log.Logger, reg prometheus.Registerer) *writer {
	w := &writer{store: st, cfg: cfg, topo: topo, targets: targets, annotate: annotate, maxBatch: 256,
		jobs: make(chan *job, queue), tenants: map[string]*tenantState{}, wake: func() {},
		committed: func(string, incident.Changes) {},
		logger:    logger, metrics: newWriterMetrics(reg), now: time.Now}
	w.Service = services.NewBasicService(nil, w.running, w.stopping).WithName("writer")
	return w
}

// errOverloaded answers a webhook when the queue is full: nothing was stored, and the
// sender retries (Grafana and Alertmanager both do on 5xx).
var errOverloaded = errors.New("the receiver is overloaded: retry later")

// errStopping answers work that arrives while the receiver shuts down.
var errStopping = errors.New("the receiver is shutting down: retry later")

// submit queues a job and waits for its result. The result arrives after the commit even
// when ctx ends first, so the caller never reports failure for work that was stored.
func (w *writer) submit(ctx context.Context, j *job) jobResult {
	j.done = make(chan jobResult, 1)
	w.closedMu.RLock()
	if w.isClosing {
		w.closedMu.RUnlock()
		return jobResult{err: errStopping}
	}
	select {
	case w.jobs <- j:
	default:
		w.closedMu.RUnlock()
		return jobResult{err: errOverloaded}
	}
	w.closedMu.RUnlock()
	return <-j.done
}

func (w *writer) running(ctx context.Context) error {
	for {
		select {
		case j := <-w.jobs:
			w.commit(context.WithoutCancel(ctx), w.collect(j))
		case <-ctx.Done():
			return nil
		}
	}
}

// stopping refuses new work and finishes what is queued, so no accepted webhook is left
// unanswered.
func (w *writer) stopping(error) error {
	w.closedMu.Lock()
	w.isClosing = true
	w.closedMu.Unlock()
	for {
		select {
		case j := <-w.jobs:
			w.commit(context.Background(), w.collect(j))
		default:
			return nil
		}
	}
}

// collect takes first and every job already waiting, up to maxBatch.
func (w *writer) collect(first *job) []*job {
	batch := []*job{first}
	for len(batch) < w.maxBatch {
		select {
		case j := <-w.jobs:
			batch = append(batch, j)
		default:
			return batch
		}
	}
	return batch
}

func (w *writer) commit(ctx context.Context, batch []*job) {
	start := time.Now()
	results := make([]jobResult, len(batch))
	locked := map[string]*tenantState{}
	dirty := map[string]bool{}
	var notices int
	err := w.store.Write(ctx, func(tx *store.Tx) error {
		notices = 0
		clear(locked)
		clear(dirty)
		// Lock every tenant of the batch first, in one order for all receivers: two
		// receivers sharing PostgreSQL that locked as their jobs came would deadlock.
		for _, tenant := range batchTenants(batch) {
			if err := w.lock(tx, tenant, locked); err != nil {
				return err
			}
		}
		for i, j := range batch {
			ch, value, err := j.run(locked[j.tenant].engine, tx)
			var je *jobError
			if errors.As(err, &je) {
				results[i] = jobResult{err: je}
				continue
			} else if err != nil {
				return err
			}
			if err := w.persist(tx, j.tenant, ch); err != nil {
				return err
			}
			dirty[j.tenant] = dirty[j.tenant] || !ch.Empty()
			notices += len(ch.Notices)
			results[i] = jobResult{ch: ch, value: value}
		}
		// Only a tenant whose data changed gets a new version; bumping it for an idle tick
		// would make every other receiver rebuild its engine for nothing.
		for tenant := range dirty {
			if dirty[tenant] {
				if err := tx.SetTenantVersion(tenant, locked[tenant].version+1); err != nil {
					return err
				}
			}
		}
		return nil
	})
	w.metrics.batches.Observe(float64(len(batch)))
	w.metrics.commitTime.Observe(time.Since(start).Seconds())
	if err != nil {
		w.fail(batch, locked, err)
		return
	}
	for tenant, ts := range locked {
		if dirty[tenant] {
			ts.version++
		}
		w.tenants[tenant] = ts
	}
	for i, j := range batch {
		w.count(j.tenant, results[i].ch)
		if !results[i].ch.Empty() {
			w.committed(j.tenant, results[i].ch)
		}
		j.done <- results[i]
	}
	if notices > 0 {
		w.wake()
	}
}

// batchTenants lists the batch's tenants, sorted.
func batchTenants(batch []*job) []string {
	seen := map[string]bool{}
	var out []string
	for _, j := range batch {
		if !seen[j.tenant] {
			seen[j.tenant] = true
			out = append(out, j.tenant)
		}
	}
	slices.Sort(out)
	return out
}

// fail answers every job of a failed batch and forgets the engines it touched: they hold
// changes the store does not, so they are rebuilt from the store next time.
func (w *writer) fail(batch []*job, touched map[string]*tenantState, err error) {
	w.metrics.failures.Inc()
	level.Error(w.logger).Log("msg", "commit failed; webhooks answered 503", "jobs", len(batch), "err", err)
	for tenant := range touched {
		delete(w.tenants, tenant)
	}
	for _, j := range batch {
		j.done <- jobResult{err: fmt.Errorf("store: %w", err)}
	}
}

// count updates the metrics with a committed job's changes. Response times are observed
// here, after the commit, so a rolled-back acknowledgement is never counted.
func (w *writer) count(tenant string, ch incident.Changes) {
	for _, n := range ch.Notices {
		w.metrics.notices.WithLabelValues(string(n.Kind)).Inc()
	}
	for _, ev := range ch.Events {
		switch ev.Kind {
		case incident.EventOpened:
			w.metrics.opened.Inc()
		case incident.EventAcknowledged:
			observeSince(w.metrics.toAck.WithLabelValues(tenant), ch.Incidents, ev)
		case incident.EventResolved:
			observeSince(w.metrics.toResolve.WithLabelValues(tenant), ch.Incidents, ev)
		}
	}
}

// observeSince observes the time from the start of ev's incident to ev. The incident is
// among the changed ones, since the event changed it.
func observeSince(o prometheus.Observer, changed []incident.Incident, ev incident.Event) {
	for _, in := range changed {
		if in.ID == ev.IncidentID {
			o.Observe(max(ev.At.Sub(in.StartedAt).Seconds(), 0))
			return
		}
	}
}

// lock locks the tenant for this transaction and makes sure its engine reflects the store.
func (w *writer) lock(tx *store.Tx, tenant string, locked map[string]*tenantState) error {
	v, err := tx.LockTenant(tenant)
	if err != nil {
		return err
	}
	ts := w.tenants[tenant]
	if ts == nil || ts.version != v {
		snap, err := tx.Snapshot(tenant, w.now().Add(-w.cfg.ReopenWindow-w.cfg.Cooldown))
		if err != nil {
			return fmt.Errorf("load incidents of tenant %s: %w", tenant, err)
		}
		e := incident.NewEngine(w.cfg, w.topo, newID)
		e.Restore(snap)
		ts = &tenantState{engine: e, version: v}
	}
	// Until the commit succeeds the engine may hold changes the store does not.
	delete(w.tenants, tenant)
	locked[tenant] = ts
	return nil
}

// persist writes what the engine changed and queues the notifications it asked for.
func (w *writer) persist(tx *store.Tx, tenant string, ch incident.Changes) error {
	if ch.Empty() {
		return nil
	}
	for _, mv := range ch.Moves {
		if err := tx.MoveMembers(tenant, mv.From, mv.To, mv.Fingerprints); err != nil {
			return fmt.Errorf("move alerts from %s to %s: %w", mv.From, mv.To, err)
		}
	}
	if err := tx.Apply(tenant, ch); err != nil {
		return err
	}
	items, err := w.outboxItems(tx, tenant, ch.Notices)
	if err != nil {
		return err
	}
	return tx.Enqueue(items)
}

// AnnotationTarget is the outbox target name of Grafana annotation updates.
const AnnotationTarget = "grafana"

// outboxItems makes one item per notice and target. The key names the incident revision,
// so the same notice is never queued twice for a target. The payload carries the probable
// cause of the incident's stored hypotheses, when there is one.
func (w *writer) outboxItems(tx *store.Tx, tenant string, notices []incident.Notice) ([]outbox.Item, error) {
	var items []outbox.Item
	now := w.now()
	for _, n := range notices {
		p := notify.Payload{Notice: n}
		if w.causes {
			var err error
			if p.Cause, err = storedCause(tx, tenant, n.Incident.ID); err != nil {
				return nil, err
			}
		}
		payload, err := json.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("encode notice for incident %s: %w", n.Incident.ID, err)
		}
		key := n.Incident.ID + "/" + strconv.FormatInt(n.Incident.Revision, 10) + "/" + string(n.Kind)
		for _, t := range w.targets {
			items = append(items, outbox.Item{Tenant: tenant, IncidentID: n.Incident.ID, Target: t,
				Kind: string(n.Kind), Key: key + "/" + t, Payload: payload, Created: now})
		}
		if w.annotate {
			items = append(items, outbox.Item{Tenant: tenant, IncidentID: n.Incident.ID, Target: AnnotationTarget,
				Kind: "annotation", Key: key + "/" + AnnotationTarget, Payload: payload, Created: now})
		}
	}
	return items, nil
}

// newID makes incident ids: time-ordered (so they sort by creation) and random enough that
// receivers sharing a database never collide.
func newID() string {
	var b [6]byte
	if _, err := rand.Read(b[:]); err != nil {
		panic("crypto/rand failed: " + err.Error()) // the OS has no entropy: nothing sane to do
	}
	return strconv.FormatInt(time.Now().UnixMilli(), 36) + "-" + hex.EncodeToString(b[:])
}
