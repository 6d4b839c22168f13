package receiver

import (
	"context"
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
	"github.com/foresight-aiops/foresight/pkg/rca"
	"github.com/foresight-aiops/foresight/pkg/store"
)

// The analyser ranks root-cause hypotheses for incidents off the ingestion path. After
// each commit the writer asks it to analyse the incidents that opened or gained alerts;
// the request only enters a queue (analysisQueue), so a slow data source can never hold
// a webhook up. Workers load the incident from the store, run the rca.Engine (which
// bounds itself with its own timeout and query budget) with the tenant's learnt weights,
// and store the result. When the probable cause changes, the incident's Grafana
// annotation is updated; people are notified once per incident, never per analysis.

// Outcomes of an analysis, the values of foresight_rca_analyses_total's outcome label.
const (
	outcomeComplete = "complete" // every source answered
	outcomePartial  = "partial"  // some sources failed or ran out of time; the result says which
	outcomeError    = "error"    // the incident could not be loaded or the result not stored
)

type analyser struct {
	services.Service

	cfg      RCAConfig
	engine   *rca.Engine
	store    *store.Store
	queue    *analysisQueue
	tenants  []string
	annotate bool   // keep Grafana annotations' probable cause up to date
	wake     func() // tells delivery that an annotation update is queued
	logger   log.Logger
	metrics  *rcaMetrics
	now      func() time.Time
	history  *rca.History // the engine's evidence history, warmed from the store at start
}

type rcaMetrics struct {
	analyses *prometheus.CounterVec
	duration prometheus.Histogram
	queries  prometheus.Histogram
	dropped  prometheus.Counter
}

func newRCAMetrics(reg prometheus.Registerer) *rcaMetrics {
	f := promauto.With(reg)
	return &rcaMetrics{
		analyses: f.NewCounterVec(prometheus.CounterOpts{Name: "foresight_rca_analyses_total",
			Help: "Root-cause analyses run, by outcome: complete, partial (some sources failed or timed out) or error (not stored)."},
			[]string{"outcome"}),
		duration: f.NewHistogram(prometheus.HistogramOpts{Name: "foresight_rca_duration_seconds",
			Help: "Time one root-cause analysis took, evidence gathering included.", Buckets: prometheus.ExponentialBuckets(0.005, 2, 14)}),
		queries: f.NewHistogram(prometheus.HistogramOpts{Name: "foresight_rca_queries",
			Help: "Data-source queries one root-cause analysis made.", Buckets: []float64{0, 1, 2, 5, 10, 20, 50, 100, 200, 500}}),
		dropped: f.NewCounter(prometheus.CounterOpts{Name: "foresight_rca_queue_dropped_total",
			Help: "Analysis requests dropped because the queue was full; the periodic refresh queues those incidents again."}),
	}
}

func newAnalyser(cfg RCAConfig, engine *rca.Engine, st *store.Store, tenants []string, annotate bool,
	logger log.Logger, reg prometheus.Registerer) *analyser {
	a := &analyser{cfg: cfg, engine: engine, store: st, tenants: tenants, annotate: annotate, wake: func() {},
		logger: log.With(logger, "component", "rca"), metrics: newRCAMetrics(reg), now: time.Now}
	a.queue = newAnalysisQueue(cfg.QueueSize, a.metrics.dropped.Inc)
	promauto.With(reg).NewGaugeFunc(prometheus.GaugeOpts{Name: "foresight_rca_queue_length",
		Help: "Incidents waiting for root-cause analysis, deferred ones included."}, func() float64 { return float64(a.queue.len()) })
	a.Service = services.NewBasicService(nil, a.running, nil).WithName("rca")
	return a
}

// request asks for an analysis of the incident without waiting for it; false when the
// queue was full and the request dropped. force recomputes even if no alert changed.
func (a *analyser) request(tenant, id string, force bool) bool {
	return a.queue.add(analysisKey{tenant: tenant, id: id}, force)
}

// requestChanged is the writer's hook after a commit: it asks for the incidents that
// opened, gained alerts (joined, merged in, reopened) or lost some (split). Incidents that
// are no longer active by the time a worker gets to them are skipped there.
func (a *analyser) requestChanged(tenant string, ch incident.Changes) {
	seen := map[string]bool{}
	for _, ev := range ch.Events {
		switch ev.Kind {
		case incident.EventOpened, incident.EventAlertJoined, incident.EventMerged, incident.EventSplit, incident.EventReopened:
			if !seen[ev.IncidentID] {
				seen[ev.IncidentID] = true
				a.request(tenant, ev.IncidentID, false)
			}
		}
	}
}

func (a *analyser) running(ctx context.Context) error {
	a.warmHistory(ctx)
	var wg sync.WaitGroup
	for range a.cfg.Workers {
		wg.Go(func() { a.work(ctx) })
	}
	a.refresh(ctx) // after a restart: whatever was queued before it
	tick := time.NewTicker(a.cfg.RefreshInterval)
	defer tick.Stop()
	for {
		select {
		case <-ctx.Done():
			a.queue.close()
			wg.Wait()
			return nil
		case <-tick.C:
			a.refresh(ctx)
		}
	}
}

// warmHistory feeds the engine's history with the alerts of each tenant's most recent
// stored incidents, oldest first, so that after a restart alerts are weighed as before it.
// (The evidence gathered from sources is learnt again as incidents are analysed: stored
// results keep only their best hypotheses' evidence.) It runs before the first analysis;
// ingestion does not wait for it.
func (a *analyser) warmHistory(ctx context.Context) {
	if a.history == nil {
		return
	}
	for _, tenant := range a.tenants {
		// Merged incidents are left out: their alerts live on in the incident they joined.
		page, err := a.store.Incidents(ctx, tenant, store.Filter{Limit: rca.DefaultHistoryWindow,
			States: []incident.State{incident.Open, incident.Acknowledged, incident.Closed}})
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			level.Warn(a.logger).Log("msg", "loading past incidents for the history failed; it starts empty", "tenant", tenant, "err", err)
			continue
		}
		for _, in := range slices.Backward(page.Incidents) {
			_, members, err := a.store.LoadIncident(ctx, tenant, in.ID)
			if err != nil {
				if errors.Is(err, store.ErrNotFound) {
					continue // purged since it was listed
				}
				if ctx.Err() != nil {
					return
				}
				level.Warn(a.logger).Log("msg", "loading a past incident for the history failed", "tenant", tenant, "incident", in.ID, "err", err)
				break
			}
			past := analysisInput(tenant, in, members)
			a.history.Observe(past, rca.AlertEvidence(past.Alerts))
		}
	}
}

// refresh queues every active incident whose hypotheses are missing or stale.
func (a *analyser) refresh(ctx context.Context) {
	for _, tenant := range a.tenants {
		ids, err := a.store.StaleIncidents(ctx, tenant, a.cfg.QueueSize)
		if ctx.Err() != nil {
			return
		}
		if err != nil {
			level.Warn(a.logger).Log("msg", "listing incidents due for analysis failed", "tenant", tenant, "err", err)
			continue
		}
		for _, id := range ids {
			a.request(tenant, id, false)
		}
	}
}

func (a *analyser) work(ctx context.Context) {
	for {
		k, force, ok := a.queue.next(ctx)
		if !ok {
			return
		}
		a.process(ctx, k, force)
		a.queue.done(k)
	}
}

// process analyses one incident if it is still active and its stored result is missing
// or stale (or force), no sooner than MinInterval after the previous analysis.
func (a *analyser) process(ctx context.Context, k analysisKey, force bool) {
	logger := log.With(a.logger, "tenant", k.tenant, "incident", k.id)
	in, members, err := a.store.LoadIncident(ctx, k.tenant, k.id)
	switch {
	case err == nil && in.State == incident.Merged:
		// Its alerts now count in the incident it joined: it must not count them too.
		a.history.Forget(k.tenant, k.id)
		return
	case errors.Is(err, store.ErrNotFound), err == nil && !in.State.Active():
		return // purged or resolved since it was queued
	case err != nil:
		a.fail(ctx, logger, "load incident", err)
		return
	}
	prev, found, err := a.store.Hypotheses(ctx, k.tenant, k.id)
	if err != nil {
		a.fail(ctx, logger, "load stored hypotheses", err)
		return
	}
	if found {
		if !force && prev.AlertCount == in.AlertCount {
			return
		}
		if wait := prev.ComputedAt.Add(a.cfg.MinInterval).Sub(a.now()); wait > 0 {
			a.queue.deferFor(k, force, wait)
			return
		}
	}
	w, _, err := a.store.Weights(ctx, k.tenant)
	if err != nil {
		a.fail(ctx, logger, "load weights", err)
		return
	}
	res := a.engine.Analyse(ctx, analysisInput(k.tenant, in, members), w)
	if ctx.Err() != nil {
		return // stopping: a result cut short is not kept; the refresh after a restart redoes it
	}
	a.metrics.duration.Observe(res.Took)
	a.metrics.queries.Observe(float64(res.Queries))
	if err := a.save(ctx, k, in, res); err != nil {
		a.fail(ctx, logger, "store hypotheses", err)
		return
	}
	outcome := outcomeComplete
	if len(res.Errors) > 0 {
		outcome = outcomePartial
		level.Debug(logger).Log("msg", "analysis used partial evidence", "errors", fmt.Sprint(res.Errors))
	}
	a.metrics.analyses.WithLabelValues(outcome).Inc()
}

func (a *analyser) fail(ctx context.Context, logger log.Logger, what string, err error) {
	if ctx.Err() != nil {
		return // stopping
	}
	a.metrics.analyses.WithLabelValues(outcomeError).Inc()
	level.Warn(logger).Log("msg", what+" failed; the periodic refresh retries", "err", err)
}

// save stores res as the incident's hypotheses, computed for the incident as it was
// analysed. When the probable cause it shows differs from the stored result's and the
// incident already has a Grafana annotation, it also queues an update of that annotation
// (for Grafana alone: an analysis never pages anyone).
func (a *analyser) save(ctx context.Context, k analysisKey, analysed incident.Incident, res rca.Result) error {
	computed := a.now()
	queued := false
	err := a.store.Write(ctx, func(tx *store.Tx) error {
		queued = false
		// The tenant's lock orders this with the writer's transactions: a notice queued at
		// the same time either carries this result's cause or is followed by the update.
		if _, err := tx.LockTenant(k.tenant); err != nil {
			return err
		}
		current, err := tx.Incident(k.tenant, k.id)
		if err != nil {
			return err
		}
		prev, _, err := tx.Hypotheses(k.tenant, k.id)
		if err != nil {
			return err
		}
		err = tx.SaveHypotheses(k.tenant, store.Analysis{IncidentID: k.id, Result: res,
			AlertCount: analysed.AlertCount, Revision: analysed.Revision, ComputedAt: computed})
		if err != nil {
			return err
		}
		cause := causeOf(res)
		if !a.annotate || sameCause(causeOf(prev.Result), cause) {
			return nil
		}
		if has, err := tx.HasOutboxItem(k.tenant, k.id, AnnotationTarget); err != nil || !has {
			return err // no annotation yet: the first notice will carry the cause
		}
		it, err := annotationUpdate(k.tenant, current, cause, computed)
		if err != nil {
			return err
		}
		queued = true
		return tx.Enqueue([]outbox.Item{it})
	})
	if errors.Is(err, store.ErrNotFound) {
		return nil // purged while it was analysed
	}
	if err == nil && queued {
		a.wake()
	}
	return err
}

// annotationUpdate is the outbox item that redraws the incident's Grafana annotation with
// a new probable cause. Its key names the analysis, so it is queued once.
func annotationUpdate(tenant string, inc incident.Incident, cause *notify.Cause, computed time.Time) (outbox.Item, error) {
	n := incident.Notice{Kind: incident.NoticeChanged, Incident: inc, Summary: incident.Summary(inc)}
	payload, err := json.Marshal(notify.Payload{Notice: n, Cause: cause})
	if err != nil {
		return outbox.Item{}, fmt.Errorf("encode annotation update of incident %s: %w", inc.ID, err)
	}
	key := inc.ID + "/rca/" + strconv.FormatInt(computed.UnixMilli(), 10) + "/" + AnnotationTarget
	return outbox.Item{Tenant: tenant, IncidentID: inc.ID, Target: AnnotationTarget, Kind: notify.KindAnnotation,
		Key: key, Payload: payload, Created: computed}, nil
}

// causeOf is the probable cause notifications show for res: its top hypothesis, when that
// is more likely than "no clear cause"; nil otherwise.
func causeOf(res rca.Result) *notify.Cause {
	top, ok := res.Top()
	if !ok || top.Confidence <= res.NoCause {
		return nil
	}
	return &notify.Cause{Entity: top.Entity, Confidence: top.Confidence, Explanation: top.Explanation}
}

// sameCause reports whether two analyses name the same probable cause (or none). A
// confidence that merely moves does not redraw the annotation.
func sameCause(a, b *notify.Cause) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.Entity == b.Entity
}

// storedCause is the probable cause of the incident's stored hypotheses, nil when there
// are none or nothing stands out.
func storedCause(tx *store.Tx, tenant, incidentID string) (*notify.Cause, error) {
	a, found, err := tx.Hypotheses(tenant, incidentID)
	if err != nil || !found {
		return nil, err
	}
	return causeOf(a.Result), nil
}

// alertEntity is the component an alert is about: the service grouping resolved for it
// (the first of grouping.service_labels it has), else the first entity label it has.
func alertEntity(m incident.Member) string {
	if m.Service != "" {
		return m.Service
	}
	return rca.EntityOf(m.Labels)
}

// analysisInput is the incident as the engine takes it: every member, firing or
// resolved, named by its entity and alert name, at the time it started.
func analysisInput(tenant string, in incident.Incident, members []incident.Member) rca.Incident {
	alerts := make([]rca.Alert, 0, len(members))
	for _, m := range members {
		at := m.StartsAt
		if at.IsZero() {
			at = m.FirstSeen
		}
		name := m.Labels["alertname"]
		if name == "" {
			name = m.Fingerprint
		}
		alerts = append(alerts, rca.Alert{Entity: alertEntity(m), Name: name, Labels: m.Labels, At: at, Severity: m.Labels["severity"]})
	}
	return rca.Incident{ID: in.ID, Tenant: tenant, Start: in.StartedAt, Alerts: alerts}
}
