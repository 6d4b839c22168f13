package notify

import (
	"context"
	"encoding/json"
	"fmt"
	"sync"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/grafana/dskit/backoff"
	"github.com/grafana/dskit/services"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/foresight-aiops/foresight/pkg/outbox"
)

// recordTimeout bounds one Done/Retry/Fail call. Recording uses a context detached from
// the service's, so an outcome is still written while the deliverer stops.
const recordTimeout = 10 * time.Second

// Deliverer is the dskit service that drains the outbox: it claims due items, sends each
// through its target's Sender with bounded concurrency and records the outcome.
//
// Retries are durable, not in-lease: a failed send is released with Queue.Retry and a
// next-attempt time from an exponential schedule (dskit/backoff) over it.Attempts. Sleeping
// inside the lease would hold a worker and the item's lease while other incidents wait,
// and would be lost on restart; releasing it keeps the schedule in the store, visible
// with its last error, and lets any receiver pick it up. Per-incident order is kept by
// Claim, which holds back newer items of an incident until the older one is delivered.
type Deliverer struct {
	services.Service

	cfg     DelivererConfig
	queue   outbox.Queue
	senders map[string]Sender
	logger  log.Logger
	metrics *metrics
	now     func() time.Time // the clock handed to the queue; tests replace it

	wake  chan struct{} // Wake's signal, buffered so Wake never blocks
	freed chan struct{} // a worker finished, so there is room to claim more
	slots chan struct{} // one token per running send
	wg    sync.WaitGroup
}

// NewDeliverer returns a Deliverer that is not started yet. Zero fields of cfg take
// their defaults; senders maps target names to their senders (see NewSenders).
func NewDeliverer(cfg DelivererConfig, q outbox.Queue, senders map[string]Sender, logger log.Logger, reg prometheus.Registerer) (*Deliverer, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("notify: invalid delivery config: %w", err)
	}
	if q == nil {
		return nil, fmt.Errorf("notify: deliverer needs an outbox queue")
	}
	if logger == nil {
		logger = log.NewNopLogger()
	}
	d := &Deliverer{
		cfg:     cfg,
		queue:   q,
		senders: senders,
		logger:  log.With(logger, "component", "notify"),
		metrics: newMetrics(reg),
		now:     time.Now,
		wake:    make(chan struct{}, 1),
		freed:   make(chan struct{}, 1),
		slots:   make(chan struct{}, cfg.Concurrency),
	}
	d.Service = services.NewBasicService(nil, d.running, d.stopping).WithName("notify-deliverer")
	return d, nil
}

// Wake makes the deliverer look for due items now instead of at its next poll. Ingestion
// calls it after enqueueing; it never blocks, and wakes coalesce.
func (d *Deliverer) Wake() {
	select {
	case d.wake <- struct{}{}:
	default:
	}
}

func (d *Deliverer) running(ctx context.Context) error {
	tick := time.NewTicker(d.cfg.PollInterval)
	defer tick.Stop()
	for {
		d.claimAndStart(ctx)
		select {
		case <-ctx.Done():
			return nil
		case <-tick.C:
		case <-d.wake:
		case <-d.freed:
		}
	}
}

// stopping lets in-flight sends finish: they run on contexts detached from the service's
// and bounded by their own deadline (under the lease), so this wait is bounded too.
func (d *Deliverer) stopping(_ error) error {
	d.wg.Wait()
	return nil
}

// claimAndStart claims as many items as there are free workers and starts them,
// repeating while claims come back full (more may be due). Claiming only for free
// workers means every claimed item starts sending at once, well inside its lease.
func (d *Deliverer) claimAndStart(ctx context.Context) {
	for ctx.Err() == nil {
		free := cap(d.slots) - len(d.slots)
		if free == 0 {
			return
		}
		n := min(free, d.cfg.Batch)
		items, err := d.queue.Claim(ctx, d.cfg.Owner, n, d.cfg.Lease, d.now())
		if err != nil {
			if ctx.Err() == nil {
				level.Error(d.logger).Log("msg", "claiming outbox items failed", "err", err)
			}
			return
		}
		d.metrics.claimed.Add(float64(len(items)))
		for _, it := range items {
			d.slots <- struct{}{} // never blocks: only this loop takes slots
			d.wg.Add(1)
			go d.deliver(ctx, it)
		}
		if len(items) < n {
			return
		}
	}
}

// sendBudget is how long one send may take: 4/5 of the lease, leaving the rest to record
// the outcome before the lease lapses and another receiver may claim the item.
func (d *Deliverer) sendBudget() time.Duration { return d.cfg.Lease * 4 / 5 }

func (d *Deliverer) deliver(svcCtx context.Context, it outbox.Item) {
	defer func() {
		<-d.slots
		d.wg.Done()
		select {
		case d.freed <- struct{}{}:
		default:
		}
	}()
	// Detached from the service context so that stopping lets the send finish instead of
	// cutting it off mid-request (which would leave the target unsure and force a retry).
	ctx, cancel := context.WithTimeout(context.WithoutCancel(svcCtx), d.sendBudget())
	defer cancel()
	err := d.send(ctx, it)
	d.record(svcCtx, it, err)
}

// send looks the target up, decodes the notice and sends it, timing the send.
func (d *Deliverer) send(ctx context.Context, it outbox.Item) (err error) {
	s, ok := d.senders[it.Target]
	if !ok {
		return Permanent(fmt.Errorf("no target named %q is configured; the configuration changed after item %d was queued", it.Target, it.ID))
	}
	var p Payload
	if err := json.Unmarshal(it.Payload, &p); err != nil {
		return Permanent(fmt.Errorf("decode notice of item %d: %w", it.ID, err))
	}
	start := time.Now()
	defer func() {
		d.metrics.duration.WithLabelValues(it.Target).Observe(time.Since(start).Seconds())
		// A panicking sender is a bug; it must not take the receiver down with it.
		if r := recover(); r != nil {
			err = fmt.Errorf("target %q panicked: %v", it.Target, r)
		}
	}()
	return s.Send(ctx, it, p)
}

// record writes the outcome of one send to the queue and the metrics.
func (d *Deliverer) record(svcCtx context.Context, it outbox.Item, sendErr error) {
	ctx, cancel := context.WithTimeout(context.WithoutCancel(svcCtx), recordTimeout)
	defer cancel()
	logger := log.With(d.logger, "item", it.ID, "target", it.Target, "kind", it.Kind, "tenant", it.Tenant, "incident", it.IncidentID)
	attempt := it.Attempts + 1 // it.Attempts counts earlier, failed sends
	now := d.now()

	var outcome string
	var err error
	switch {
	case sendErr == nil:
		outcome = outcomeSent
		err = d.queue.Done(ctx, d.cfg.Owner, it.ID, now)
		level.Debug(logger).Log("msg", "notification sent", "attempt", attempt)
	case IsPermanent(sendErr):
		outcome = outcomeFailed
		err = d.queue.Fail(ctx, d.cfg.Owner, it.ID, sendErr.Error())
		level.Error(logger).Log("msg", "notification failed permanently", "attempt", attempt, "err", sendErr)
	case attempt >= d.cfg.MaxAttempts:
		outcome = outcomeFailed
		reason := fmt.Sprintf("giving up after %d attempts: %v", attempt, sendErr)
		err = d.queue.Fail(ctx, d.cfg.Owner, it.ID, reason)
		level.Error(logger).Log("msg", "notification failed", "attempt", attempt, "err", reason)
	default:
		outcome = outcomeRetry
		delay := d.retryDelay(attempt, sendErr)
		err = d.queue.Retry(ctx, d.cfg.Owner, it.ID, now.Add(delay), sendErr.Error())
		level.Warn(logger).Log("msg", "notification will be retried", "attempt", attempt, "in", delay, "err", sendErr)
	}
	d.metrics.notifications.WithLabelValues(it.Target, it.Kind, outcome).Inc()
	if err != nil {
		// The item stays leased to us until the lease lapses; then it is claimed again,
		// so a sent item may be sent twice. Targets deduplicate by key for this reason.
		level.Error(logger).Log("msg", "recording notification outcome failed; the item will be claimed again when its lease expires", "outcome", outcome, "err", err)
	}
}

// retryDelay is the wait before attempt+1: dskit's jittered exponential backoff after
// attempt failures (MinBackoff·2^(attempt-1) up to twice that, capped at MaxBackoff),
// or longer when the target asked for it with Retry-After. Replaying NextDelay keeps the
// schedule in dskit's hands; attempt is at most MaxAttempts, so the loop is short.
func (d *Deliverer) retryDelay(attempt int, err error) time.Duration {
	cfg := d.cfg.Backoff
	cfg.MaxRetries = 0
	b := backoff.New(context.Background(), cfg)
	var delay time.Duration
	for range max(attempt, 1) {
		delay = b.NextDelay()
	}
	if after, ok := RetryAfter(err); ok && after > delay {
		delay = after
	}
	return delay
}
