// Package receiver is the alert receiver service: it authenticates Grafana Alerting and
// Alertmanager webhooks, stores their alerts, feeds them to the incident engine, serves the
// incident API and delivers one notification per incident. It is a thin adapter: grouping
// lives in pkg/incident, persistence in pkg/store, delivery in pkg/notify.
package receiver

import (
	"context"
	"errors"
	"fmt"
	"net"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/grafana/dskit/server"
	"github.com/grafana/dskit/services"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promauto"

	"github.com/foresight-aiops/foresight/pkg/evidence"
	"github.com/foresight-aiops/foresight/pkg/incident"
	"github.com/foresight-aiops/foresight/pkg/notify"
	"github.com/foresight-aiops/foresight/pkg/rca"
	"github.com/foresight-aiops/foresight/pkg/store"
)

// Receiver is the running service: HTTP server, writer, lifecycle ticker, root-cause
// analysis, notification delivery and retention, started and stopped together.
type Receiver struct {
	services.Service

	cfg      Config
	logger   log.Logger
	reg      *prometheus.Registry
	server   *server.Server
	store    *store.Store
	auth     *authenticator
	writer   *writer
	topo     *topologySource
	analyser *analyser // nil when RCA is disabled
	deliver  *notify.Deliverer
	manager  *services.Manager
	metrics  *receiverMetrics
	now      func() time.Time
	tenantID []string
}

type receiverMetrics struct {
	alerts   *prometheus.CounterVec
	refused  *prometheus.CounterVec
	feedback *prometheus.CounterVec
}

func newReceiverMetrics(reg prometheus.Registerer) *receiverMetrics {
	f := promauto.With(reg)
	return &receiverMetrics{
		alerts: f.NewCounterVec(prometheus.CounterOpts{Name: "foresight_receiver_alerts_total",
			Help: "Alerts received in accepted webhooks, by sender format."}, []string{"format"}),
		refused: f.NewCounterVec(prometheus.CounterOpts{Name: "foresight_receiver_refused_total",
			Help: "Requests refused, by HTTP status."}, []string{"status"}),
		feedback: f.NewCounterVec(prometheus.CounterOpts{Name: "foresight_rca_feedback_total",
			Help: "Judgements of root-cause hypotheses stored through this receiver, by verdict."}, []string{"tenant", "verdict"}),
	}
}

// Option changes how New builds a receiver.
type Option func(*options)

type options struct {
	gatherers    []rca.Gatherer
	ownGatherers bool
}

// WithGatherers makes root-cause analysis ask gs for evidence instead of the live sources
// configured under rca (tests, demos and benchmarks bring their own evidence).
func WithGatherers(gs ...rca.Gatherer) Option {
	return func(o *options) { o.gatherers, o.ownGatherers = gs, true }
}

// New builds a receiver from cfg: it opens the store (running migrations) and binds the
// listening socket, but serves nothing until started.
func New(ctx context.Context, cfg Config, logger log.Logger, opts ...Option) (*Receiver, error) {
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	var o options
	for _, opt := range opts {
		opt(&o)
	}
	reg := prometheus.NewRegistry()
	reg.MustRegister(prometheus.NewGoCollector(), prometheus.NewProcessCollector(prometheus.ProcessCollectorOpts{}))
	rc := &Receiver{cfg: cfg, logger: logger, reg: reg, metrics: newReceiverMetrics(reg), now: time.Now}
	var err error
	if rc.auth, err = newAuthenticator(cfg.tenants(), time.Now); err != nil {
		return nil, fmt.Errorf("tenants: %w", err)
	}
	for _, t := range cfg.tenants() {
		rc.tenantID = append(rc.tenantID, t.ID)
	}
	if rc.store, err = store.Open(ctx, cfg.Store); err != nil {
		return nil, fmt.Errorf("open store: %w", err)
	}
	if err := rc.build(cfg, reg, o); err != nil {
		_ = rc.store.Close()
		return nil, err
	}
	rc.registerTenantMetrics(reg)
	return rc, nil
}

// registerTenantMetrics adds the store-derived gauges and creates every tenant's counter
// and histogram series at zero, so that rate() and increase() see the first change.
func (rc *Receiver) registerTenantMetrics(reg prometheus.Registerer) {
	reg.MustRegister(&statsCollector{store: rc.store, tenants: rc.tenantID, now: rc.nowTime, logger: rc.logger})
	for _, id := range rc.tenantID {
		rc.writer.metrics.toAck.WithLabelValues(id)
		rc.writer.metrics.toResolve.WithLabelValues(id)
		for _, v := range []rca.Verdict{rca.Right, rca.Wrong, rca.Cause} {
			rc.metrics.feedback.WithLabelValues(id, string(v))
		}
	}
}

// nowTime reads rc.now at call time, so tests that replace the clock move the metrics too.
func (rc *Receiver) nowTime() time.Time { return rc.now() }

func (rc *Receiver) build(cfg Config, reg *prometheus.Registry, o options) error {
	var err error
	rc.topo, err = newTopologySource(cfg.Topology, rc.logger)
	if err != nil {
		return fmt.Errorf("topology: %w", err)
	}
	targets := make([]string, 0, len(cfg.Notify.Targets))
	for _, t := range cfg.Notify.Targets {
		targets = append(targets, t.Name)
	}
	rc.writer = newWriter(rc.store, cfg.Grouping, rc.topo.topology(), targets, cfg.Notify.Grafana.Enabled(), cfg.QueueSize, rc.logger, reg)
	senders, err := notify.NewSenders(cfg.Notify, rc.store)
	if err != nil {
		return fmt.Errorf("notification targets: %w", err)
	}
	rc.deliver, err = notify.NewDeliverer(cfg.Notify.Delivery, rc.store, senders, rc.logger, reg)
	if err != nil {
		return fmt.Errorf("delivery: %w", err)
	}
	rc.writer.wake = rc.deliver.Wake
	if cfg.RCA.Enabled {
		if err := rc.buildAnalyser(cfg, reg, o); err != nil {
			return err
		}
	}

	srvCfg := cfg.Server
	srvCfg.Log = rc.logger
	srvCfg.Registerer, srvCfg.Gatherer = reg, reg
	srvCfg.MetricsNamespace = "foresight"
	if rc.server, err = server.New(srvCfg); err != nil {
		return fmt.Errorf("start HTTP server: %w", err)
	}
	rc.routes(rc.server.HTTP)

	background := services.NewTimerService(cfg.TickInterval, nil, rc.tick, nil).WithName("lifecycle")
	retention := services.NewTimerService(cfg.PurgeInterval, nil, rc.purge, nil).WithName("retention")
	parts := []services.Service{rc.writer, rc.deliver, background, retention}
	if rc.analyser != nil {
		parts = append(parts, rc.analyser)
	}
	if s := rc.topo.service(); s != nil {
		parts = append(parts, s)
	}
	if rc.manager, err = services.NewManager(parts...); err != nil {
		return err
	}
	rc.Service = services.NewBasicService(rc.starting, rc.running, rc.stopping).WithName("receiver")
	return nil
}

// buildAnalyser sets up root-cause analysis: the engine over the receiver's service graph
// and the configured evidence sources, and the writer's hooks that queue analyses and put
// probable causes into notices.
func (rc *Receiver) buildAnalyser(cfg Config, reg prometheus.Registerer, o options) error {
	gatherers := o.gatherers
	if !o.ownGatherers {
		var err error
		if gatherers, err = evidence.New(cfg.RCA.Sources, nil); err != nil {
			return fmt.Errorf("rca sources: %w", err)
		}
	}
	history := rca.NewHistory(rca.DefaultHistoryWindow)
	engine := rca.NewEngine(cfg.RCA.Engine, rc.topo.graph, gatherers...).Remember(history)
	rc.analyser = newAnalyser(cfg.RCA, engine, rc.store, rc.tenantID, cfg.Notify.Grafana.Enabled(), rc.logger, reg)
	rc.analyser.history = history
	rc.analyser.wake = rc.deliver.Wake
	rc.writer.committed = rc.analyser.requestChanged
	rc.writer.causes = true
	return nil
}

// Addr is the address the HTTP server listens on.
func (rc *Receiver) Addr() net.Addr { return rc.server.HTTPListenAddr() }

// Store gives tests and tools the receiver's store.
func (rc *Receiver) Store() *store.Store { return rc.store }

func (rc *Receiver) starting(ctx context.Context) error {
	if err := services.StartManagerAndAwaitHealthy(ctx, rc.manager); err != nil {
		return fmt.Errorf("start receiver parts: %w", err)
	}
	return nil
}

func (rc *Receiver) running(ctx context.Context) error {
	serverDone := make(chan error, 1)
	go func() { serverDone <- rc.server.Run() }()
	select {
	case <-ctx.Done():
		return nil
	case err := <-serverDone:
		if err != nil {
			return fmt.Errorf("HTTP server: %w", err)
		}
		return nil // a signal stopped the server
	}
}

// stopping shuts down in dependency order: first the HTTP server, letting in-flight
// requests finish (their jobs are still committed by the writer), then the writer, which
// drains its queue, then delivery, and the store last.
func (rc *Receiver) stopping(_ error) error {
	rc.server.Shutdown()
	rc.server.Stop()
	err := services.StopManagerAndAwaitStopped(context.Background(), rc.manager)
	if cerr := rc.store.Close(); cerr != nil && err == nil {
		err = cerr
	}
	level.Info(rc.logger).Log("msg", "receiver stopped")
	return err
}

// tick queues a lifecycle pass (cool-downs, held-back notices) for every tenant.
func (rc *Receiver) tick(ctx context.Context) error {
	now := rc.now()
	for _, id := range rc.tenantID {
		res := rc.writer.submit(ctx, &job{tenant: id, run: func(e *incident.Engine, _ *store.Tx) (incident.Changes, any, error) {
			return e.Tick(now), nil, nil
		}})
		if res.err != nil && !errors.Is(res.err, errStopping) {
			level.Warn(rc.logger).Log("msg", "lifecycle tick failed", "tenant", id, "err", res.err)
		}
	}
	return nil
}

func (rc *Receiver) purge(ctx context.Context) error {
	stats, err := rc.store.Purge(ctx, rc.now())
	if err != nil {
		level.Warn(rc.logger).Log("msg", "retention purge failed", "err", err)
		return nil
	}
	if stats.Incidents > 0 || stats.Outbox > 0 {
		level.Info(rc.logger).Log("msg", "retention purge", "incidents", stats.Incidents, "notifications", stats.Outbox)
	}
	return nil
}

// readiness is /ready: the store answers and every part runs.
func (rc *Receiver) readiness(ctx context.Context) error {
	if rc.State() != services.Running {
		return fmt.Errorf("receiver is %s", rc.State())
	}
	if !rc.manager.IsHealthy() {
		return errors.New("a background part stopped")
	}
	ctx, cancel := context.WithTimeout(ctx, 2*time.Second)
	defer cancel()
	if err := rc.store.Ping(ctx); err != nil {
		return fmt.Errorf("store: %w", err)
	}
	return nil
}
