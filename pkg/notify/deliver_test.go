package notify

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/grafana/dskit/backoff"
	"github.com/grafana/dskit/services"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"

	"github.com/foresight-aiops/foresight/pkg/incident"
	"github.com/foresight-aiops/foresight/pkg/outbox"
)

// scriptedHook is a webhook target that answers each incident's requests from a script
// of statuses (then 200) and records what it accepted.
type scriptedHook struct {
	*httptest.Server
	mu        sync.Mutex
	script    map[string][]int // incident id → statuses to answer, in order
	accepted  []string         // Idempotency-Keys of 2xx answers, in order
	requests  int
	inflight  int
	maxFlight int
	gate      chan struct{} // when non-nil, requests wait for it to close
	started   chan struct{} // receives one value per request, when non-nil
}

func newScriptedHook(t *testing.T, script map[string][]int) *scriptedHook {
	h := &scriptedHook{script: script}
	h.Server = httptest.NewServer(http.HandlerFunc(h.serve))
	t.Cleanup(h.Close)
	return h
}

func (h *scriptedHook) serve(w http.ResponseWriter, r *http.Request) {
	var body WebhookBody
	_ = json.NewDecoder(r.Body).Decode(&body)
	h.mu.Lock()
	h.requests++
	h.inflight++
	h.maxFlight = max(h.maxFlight, h.inflight)
	gate, started := h.gate, h.started
	h.mu.Unlock()
	if started != nil {
		started <- struct{}{}
	}
	if gate != nil {
		<-gate
	}
	h.mu.Lock()
	defer h.mu.Unlock()
	h.inflight--
	status := http.StatusOK
	if s := h.script[body.Incident.ID]; len(s) > 0 {
		status, h.script[body.Incident.ID] = s[0], s[1:]
	}
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "120")
	}
	if status < 300 {
		h.accepted = append(h.accepted, r.Header.Get("Idempotency-Key"))
	}
	w.WriteHeader(status)
}

func (h *scriptedHook) acceptedKeys() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.accepted...)
}

func (h *scriptedHook) requestCount() int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.requests
}

// fastConfig retries within milliseconds so tests wait on outcomes, not on schedules.
func fastConfig() DelivererConfig {
	return DelivererConfig{
		Owner:        "test-receiver",
		PollInterval: 5 * time.Millisecond,
		Batch:        8,
		Lease:        5 * time.Second,
		Concurrency:  2,
		MaxAttempts:  3,
		Backoff:      backoff.Config{MinBackoff: time.Millisecond, MaxBackoff: 4 * time.Millisecond},
	}
}

// enqueue adds the notice for target as an outbox item and returns its id.
func enqueue(t *testing.T, q *memQueue, target string, kind incident.NoticeKind, incidentID string) int64 {
	t.Helper()
	n := testNotice(kind, func(inc *incident.Incident) { inc.ID = incidentID })
	if kind == incident.NoticeResolved {
		n.Incident.State = incident.Closed
	}
	it := testItem(t, target, string(kind), n)
	return q.add(it)
}

func startDeliverer(t *testing.T, cfg DelivererConfig, q outbox.Queue, senders map[string]Sender, reg prometheus.Registerer) *Deliverer {
	t.Helper()
	d, err := NewDeliverer(cfg, q, senders, log.NewNopLogger(), reg)
	if err != nil {
		t.Fatal(err)
	}
	if err := services.StartAndAwaitRunning(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = services.StopAndAwaitTerminated(context.Background(), d) })
	return d
}

func TestDelivererOutcomes(t *testing.T) {
	hook := newScriptedHook(t, map[string][]int{
		"inc-flaky": {503, 502},      // transient twice, then delivered
		"inc-bad":   {400},           // permanent
		"inc-down":  {503, 503, 503}, // never recovers within MaxAttempts
	})
	q := newMemQueue()
	ok := enqueue(t, q, "hook", incident.NoticeOpened, "inc-ok")
	flakyOpened := enqueue(t, q, "hook", incident.NoticeOpened, "inc-flaky")
	flakyResolved := enqueue(t, q, "hook", incident.NoticeResolved, "inc-flaky")
	bad := enqueue(t, q, "hook", incident.NoticeOpened, "inc-bad")
	down := enqueue(t, q, "hook", incident.NoticeOpened, "inc-down")
	unknown := enqueue(t, q, "removed-target", incident.NoticeOpened, "inc-gone")
	corrupt := q.add(outbox.Item{Tenant: "acme", IncidentID: "inc-corrupt", Target: "hook", Kind: "opened", Key: "k", Payload: []byte("{not json")})

	reg := prometheus.NewRegistry()
	senders := map[string]Sender{"hook": NewWebhookSender(TargetConfig{Name: "hook", Type: TypeWebhook, URL: hook.URL + "/s3cretPath"}, "")}
	d := startDeliverer(t, fastConfig(), q, senders, reg)
	waitFor(t, "every item to settle", q.settled)

	tests := []struct {
		id           int64
		state        memState
		attempts     int
		lastErr      string
		acceptedOnce bool
	}{
		{ok, memDone, 0, "", true},
		{flakyOpened, memDone, 2, "502 Bad Gateway", true},
		{flakyResolved, memDone, 0, "", true},
		{bad, memFailed, 1, "400 Bad Request", false},
		{down, memFailed, 3, "giving up after 3 attempts", false},
		{unknown, memFailed, 1, `no target named "removed-target" is configured`, false},
		{corrupt, memFailed, 1, "decode notice", false},
	}
	accepted := hook.acceptedKeys()
	for _, tt := range tests {
		it := q.snapshot(tt.id)
		if it.state != tt.state || it.Attempts != tt.attempts || !strings.Contains(it.lastErr, tt.lastErr) {
			t.Errorf("item %d (%s): state %s, attempts %d, last error %q; want %s, %d, %q",
				tt.id, it.IncidentID, it.state, it.Attempts, it.lastErr, tt.state, tt.attempts, tt.lastErr)
		}
		if strings.Contains(it.lastErr, "s3cretPath") {
			t.Errorf("item %d: last error %q leaks the URL", tt.id, it.lastErr)
		}
		if n := count(accepted, it.Key); (n == 1) != tt.acceptedOnce || n > 1 {
			t.Errorf("item %d (%s) accepted %d times by the target", tt.id, it.IncidentID, n)
		}
		for _, owner := range it.claimedBy {
			if owner != "test-receiver" {
				t.Errorf("item %d claimed by %q", tt.id, owner)
			}
		}
	}
	// The resolve of an incident never overtakes its open, even when the open needed retries.
	if i, j := index(accepted, q.snapshot(flakyOpened).Key), index(accepted, q.snapshot(flakyResolved).Key); i > j {
		t.Errorf("resolved delivered before opened: %v", accepted)
	}

	_ = services.StopAndAwaitTerminated(context.Background(), d)
	for _, c := range []struct {
		target, kind, outcome string
		want                  float64
	}{
		{"hook", "opened", "sent", 2},
		{"hook", "resolved", "sent", 1},
		{"hook", "opened", "retry", 4}, // flaky twice, down twice
		{"hook", "opened", "failed", 3},
		{"removed-target", "opened", "failed", 1},
	} {
		if got := counterValue(t, d.metrics.notifications.WithLabelValues(c.target, c.kind, c.outcome)); got != c.want {
			t.Errorf("notifications{target=%s,kind=%s,outcome=%s} = %v, want %v", c.target, c.kind, c.outcome, got, c.want)
		}
	}
	// 7 first claims + 2 flaky + 2 down retries
	if got := counterValue(t, d.metrics.claimed); got != 11 {
		t.Errorf("claimed = %v, want 11", got)
	}
	if n := seriesCount(t, reg, "foresight_notification_duration_seconds"); n != 1 {
		t.Errorf("duration histogram has %d series, want 1 (target hook)", n)
	}
	assertNoURLLabels(t, reg)
}

func assertNoURLLabels(t *testing.T, reg *prometheus.Registry) {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		for _, m := range f.GetMetric() {
			for _, l := range m.GetLabel() {
				if strings.Contains(l.GetValue(), "://") || strings.Contains(l.GetValue(), "127.0.0.1") {
					t.Errorf("%s has a URL in label %s=%q", f.GetName(), l.GetName(), l.GetValue())
				}
			}
		}
	}
}

// counterValue reads a counter without prometheus/testutil, whose dependencies the
// module does not carry.
func counterValue(t *testing.T, c prometheus.Metric) float64 {
	t.Helper()
	var m dto.Metric
	if err := c.Write(&m); err != nil {
		t.Fatal(err)
	}
	return m.GetCounter().GetValue()
}

func seriesCount(t *testing.T, reg *prometheus.Registry, name string) int {
	t.Helper()
	families, err := reg.Gather()
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range families {
		if f.GetName() == name {
			return len(f.GetMetric())
		}
	}
	return 0
}

func count(xs []string, x string) int {
	n := 0
	for _, v := range xs {
		if v == x {
			n++
		}
	}
	return n
}

func index(xs []string, x string) int {
	for i, v := range xs {
		if v == x {
			return i
		}
	}
	return -1
}

func TestDelivererHonoursRetryAfter(t *testing.T) {
	hook := newScriptedHook(t, map[string][]int{"inc-1": {http.StatusTooManyRequests}})
	q := newMemQueue()
	id := enqueue(t, q, "hook", incident.NoticeOpened, "inc-1")
	d, err := NewDeliverer(fastConfig(), q, map[string]Sender{"hook": NewWebhookSender(TargetConfig{Name: "hook", Type: TypeWebhook, URL: hook.URL}, "")}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	d.now = func() time.Time { return now } // frozen: the item can only come back if due now
	if err := services.StartAndAwaitRunning(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	defer services.StopAndAwaitTerminated(context.Background(), d) //nolint:errcheck

	waitFor(t, "the throttled send to be recorded", func() bool { return q.snapshot(id).Attempts == 1 })
	it := q.snapshot(id)
	if it.state != memPending || it.due.Before(now.Add(120*time.Second)) {
		t.Errorf("item due %s, state %s; want pending and due no earlier than Retry-After (%s)", it.due, it.state, now.Add(120*time.Second))
	}
	if !strings.Contains(it.lastErr, "429") {
		t.Errorf("last error %q, want the 429", it.lastErr)
	}
	d.Wake()
	if err := services.StopAndAwaitTerminated(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	if n := hook.requestCount(); n != 1 {
		t.Errorf("target got %d requests, want 1 (the retry is not due)", n)
	}
}

func TestDelivererStopLetsInFlightFinish(t *testing.T) {
	hook := newScriptedHook(t, nil)
	hook.gate = make(chan struct{})
	hook.started = make(chan struct{}, 10)
	q := newMemQueue()
	first := enqueue(t, q, "hook", incident.NoticeOpened, "inc-1")
	rest := []int64{enqueue(t, q, "hook", incident.NoticeOpened, "inc-2"), enqueue(t, q, "hook", incident.NoticeOpened, "inc-3")}

	cfg := fastConfig()
	cfg.Concurrency = 1
	d := startDeliverer(t, cfg, q, map[string]Sender{"hook": NewWebhookSender(TargetConfig{Name: "hook", Type: TypeWebhook, URL: hook.URL}, "")}, nil)

	receive(t, hook.started, "the first send") // it is on the wire
	d.StopAsync()
	waitFor(t, "the deliverer to be stopping", func() bool { return d.State() == services.Stopping })
	if got := q.snapshot(first); got.state != memPending || got.owner != "test-receiver" {
		t.Fatalf("in-flight item: state %s, owner %q", got.state, got.owner)
	}
	close(hook.gate) // the target answers
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := d.AwaitTerminated(ctx); err != nil {
		t.Fatal(err)
	}

	if got := q.snapshot(first); got.state != memDone {
		t.Errorf("in-flight item: state %s (%s), want done: stopping must let it finish", got.state, got.lastErr)
	}
	for _, id := range rest {
		if got := q.snapshot(id); got.state != memPending || got.Attempts != 0 || len(got.claimedBy) != 0 {
			t.Errorf("item %d: state %s, attempts %d, claimed by %v; want untouched and pending", id, got.state, got.Attempts, got.claimedBy)
		}
	}
	if n := hook.requestCount(); n != 1 {
		t.Errorf("target got %d requests, want exactly 1", n)
	}
}

func TestDelivererClaimsOnlyForFreeWorkers(t *testing.T) {
	hook := newScriptedHook(t, nil)
	hook.gate = make(chan struct{})
	hook.started = make(chan struct{}, 10)
	q := newMemQueue()
	for _, id := range []string{"a", "b", "c", "d", "e", "f"} {
		enqueue(t, q, "hook", incident.NoticeOpened, id)
	}
	startDeliverer(t, fastConfig(), q, map[string]Sender{"hook": NewWebhookSender(TargetConfig{Name: "hook", Type: TypeWebhook, URL: hook.URL}, "")}, nil)

	receive(t, hook.started, "the first send")
	receive(t, hook.started, "the second send")
	leased := func() int {
		q.mu.Lock()
		defer q.mu.Unlock()
		n := 0
		for _, it := range q.items {
			if it.owner != "" {
				n++
			}
		}
		return n
	}
	if n := leased(); n != 2 {
		t.Errorf("%d items leased while 2 workers are busy; claimed items must not wait for a worker", n)
	}
	close(hook.gate)
	waitFor(t, "every item to settle", q.settled)
	hook.mu.Lock()
	maxFlight := hook.maxFlight
	hook.mu.Unlock()
	if maxFlight > 2 {
		t.Errorf("%d sends at once, want at most Concurrency=2", maxFlight)
	}
	if n := len(hook.acceptedKeys()); n != 6 {
		t.Errorf("%d items delivered, want 6", n)
	}
}

func TestDelivererWake(t *testing.T) {
	hook := newScriptedHook(t, nil)
	q := newMemQueue()
	cfg := fastConfig()
	cfg.PollInterval = time.Hour // only Wake can make it look again
	d, err := NewDeliverer(cfg, q, map[string]Sender{"hook": NewWebhookSender(TargetConfig{Name: "hook", Type: TypeWebhook, URL: hook.URL}, "")}, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	for range 1000 {
		d.Wake() // nobody listens yet: must not block
	}
	if err := services.StartAndAwaitRunning(context.Background(), d); err != nil {
		t.Fatal(err)
	}
	defer services.StopAndAwaitTerminated(context.Background(), d) //nolint:errcheck
	waitFor(t, "the first poll", func() bool {
		q.mu.Lock()
		defer q.mu.Unlock()
		return q.claims > 0
	})
	id := enqueue(t, q, "hook", incident.NoticeOpened, "inc-1")
	d.Wake()
	waitFor(t, "the woken deliverer to send", func() bool { return q.snapshot(id).state == memDone })
}

func TestDelivererSendDeadlineUnderLease(t *testing.T) {
	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(hang); srv.Close() })
	q := newMemQueue()
	id := enqueue(t, q, "hook", incident.NoticeOpened, "inc-1")
	cfg := fastConfig()
	cfg.Lease = time.Second // a send gets 800ms
	cfg.Backoff = backoff.Config{MinBackoff: time.Hour, MaxBackoff: time.Hour}
	// The target's own timeout is longer than the lease: the lease must win.
	startDeliverer(t, cfg, q, map[string]Sender{"hook": NewWebhookSender(TargetConfig{Name: "hook", Type: TypeWebhook, URL: srv.URL, Timeout: time.Minute}, "")}, nil)
	waitFor(t, "the hung send to time out", func() bool { return q.snapshot(id).Attempts == 1 })
	if it := q.snapshot(id); it.state != memPending || !strings.Contains(it.lastErr, "deadline exceeded") {
		t.Errorf("state %s, last error %q; want pending with a deadline error", it.state, it.lastErr)
	}
}

func TestDelivererRecoversFromPanickingSender(t *testing.T) {
	q := newMemQueue()
	id := enqueue(t, q, "buggy", incident.NoticeOpened, "inc-1")
	var mu sync.Mutex
	n := 0
	buggy := senderFunc(func(context.Context, outbox.Item, Payload) error {
		mu.Lock()
		defer mu.Unlock()
		n++
		if n == 1 {
			panic("nil map")
		}
		return nil
	})
	startDeliverer(t, fastConfig(), q, map[string]Sender{"buggy": buggy}, nil)
	waitFor(t, "the retry after the panic", func() bool { return q.snapshot(id).state == memDone })
	if it := q.snapshot(id); it.Attempts != 1 || !strings.Contains(it.lastErr, "panicked: nil map") {
		t.Errorf("attempts %d, last error %q", it.Attempts, it.lastErr)
	}
}

type senderFunc func(context.Context, outbox.Item, Payload) error

func (f senderFunc) Send(ctx context.Context, it outbox.Item, n Payload) error {
	return f(ctx, it, n)
}

func TestRetryDelaySchedule(t *testing.T) {
	d, err := NewDeliverer(DelivererConfig{Owner: "x"}, newMemQueue(), nil, nil, nil)
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		attempt  int
		err      error
		min, max time.Duration
	}{
		{1, nil, 500 * time.Millisecond, time.Second},
		{2, nil, time.Second, 2 * time.Second},
		{4, nil, 4 * time.Second, 8 * time.Second},
		{11, nil, 256 * time.Second, 5 * time.Minute}, // capped: dskit jitters in [256s, 5m)
		{1, &RetryableError{After: 90 * time.Second}, 90 * time.Second, 90 * time.Second},
		{11, &RetryableError{After: time.Second}, 256 * time.Second, 5 * time.Minute}, // backoff is longer
	}
	for _, tt := range tests {
		for range 20 { // jitter: every draw must be in range
			if got := d.retryDelay(tt.attempt, tt.err); got < tt.min || got > tt.max {
				t.Fatalf("retryDelay(%d, %v) = %s, want in [%s, %s]", tt.attempt, tt.err, got, tt.min, tt.max)
			}
		}
	}
}

func TestNewDelivererRejectsBadConfig(t *testing.T) {
	_, err := NewDeliverer(DelivererConfig{Owner: "x", Concurrency: -1}, newMemQueue(), nil, nil, nil)
	if err == nil || !strings.Contains(err.Error(), "concurrency must be at least 1, got -1") {
		t.Errorf("err = %v", err)
	}
}
