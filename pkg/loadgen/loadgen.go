package loadgen

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"sync"
	"time"
)

// Config is one load run.
type Config struct {
	// URL is the receiver's base URL (http://host:port); webhooks go to Path under it.
	URL   string
	Path  string // default /api/v1/alerts/alertmanager
	Token string // bearer token of the tenant
	// Rate is the target in alerts per second; webhooks are sent at Rate/AlertsPerWebhook.
	Rate             float64
	Duration         time.Duration
	AlertsPerWebhook int
	// Connections bounds the requests in flight (and so the TCP connections). A request
	// due while all are busy waits, and its wait counts in its latency.
	Connections int
	Services    int // distinct services alerts come from
	MaxFiring   int // firing alerts a service may have before new ones turn into resolves
	Mix         Mix
	Timeout     time.Duration // per request
	// Drain is how long after Duration requests still queued for a connection may wait;
	// those left then are never sent and count as errors ("not sent").
	Drain time.Duration
	Seed  uint64 // 0 picks one from the clock
}

// Defaults used for zero Config fields.
const (
	DefaultPath             = "/api/v1/alerts/alertmanager"
	DefaultAlertsPerWebhook = 10
	DefaultConnections      = 64
	DefaultServices         = 300
	DefaultMaxFiring        = 200
	DefaultTimeout          = 10 * time.Second
	DefaultDrain            = 10 * time.Second
)

func (c Config) withDefaults() Config {
	if c.Path == "" {
		c.Path = DefaultPath
	}
	if c.AlertsPerWebhook <= 0 {
		c.AlertsPerWebhook = DefaultAlertsPerWebhook
	}
	if c.Connections <= 0 {
		c.Connections = DefaultConnections
	}
	if c.Services <= 0 {
		c.Services = DefaultServices
	}
	if c.MaxFiring <= 0 {
		c.MaxFiring = DefaultMaxFiring
	}
	if c.Mix == (Mix{}) {
		c.Mix = DefaultMix
	}
	if c.Timeout <= 0 {
		c.Timeout = DefaultTimeout
	}
	if c.Drain <= 0 {
		c.Drain = DefaultDrain
	}
	if c.Seed == 0 {
		c.Seed = uint64(time.Now().UnixNano())
	}
	return c
}

// Validate reports a Config that cannot run.
func (c Config) Validate() error {
	switch {
	case c.URL == "":
		return errors.New("loadgen: url is required")
	case c.Rate <= 0:
		return fmt.Errorf("loadgen: rate must be positive, got %g", c.Rate)
	case c.Duration <= 0:
		return fmt.Errorf("loadgen: duration must be positive, got %s", c.Duration)
	case c.Mix.Resend < 0 || c.Mix.Resolve < 0 || c.Mix.Resend+c.Mix.Resolve > 1:
		return fmt.Errorf("loadgen: mix resend %g + resolve %g must be within 0..1", c.Mix.Resend, c.Mix.Resolve)
	}
	return nil
}

// request is one scheduled webhook.
type request struct {
	due    time.Time
	body   []byte
	alerts int
}

// sample is what became of one request.
type sample struct {
	latency time.Duration // from due time to the end of the response
	lag     time.Duration // from due time to when it was handed to the client
	status  string        // "200", "503", or a transport error class
	alerts  int
}

// Run sends webhooks at cfg.Rate for cfg.Duration and reports what happened. It returns
// early, with what was measured so far, when ctx ends.
func Run(ctx context.Context, cfg Config) (*Result, error) {
	cfg = cfg.withDefaults()
	if err := cfg.Validate(); err != nil {
		return nil, err
	}
	client := newClient(cfg)
	defer client.CloseIdleConnections()
	url := strings.TrimRight(cfg.URL, "/") + cfg.Path

	reqs := make(chan request)
	samples := make(chan sample, 1024)
	var workers sync.WaitGroup
	for range cfg.Connections {
		workers.Go(func() {
			for r := range reqs {
				samples <- send(ctx, client, url, cfg.Token, r)
			}
		})
	}
	res := &Result{Config: cfg, Errors: map[string]int{}}
	collected := make(chan struct{})
	go func() {
		defer close(collected)
		for s := range samples {
			res.add(s)
		}
	}()

	start := time.Now()
	err := schedule(ctx, cfg, start, reqs, samples, &res.Generated)
	close(reqs)
	workers.Wait()
	close(samples)
	<-collected
	res.Elapsed = time.Since(start)
	res.finish()
	return res, err
}

// newClient allows cfg.Connections connections, all kept alive: opening a connection per
// request would measure the TCP handshake instead of the receiver.
func newClient(cfg Config) *http.Client {
	tr := &http.Transport{
		MaxConnsPerHost:     cfg.Connections,
		MaxIdleConns:        cfg.Connections,
		MaxIdleConnsPerHost: cfg.Connections,
		IdleConnTimeout:     time.Minute,
		DisableCompression:  true,
	}
	return &http.Client{Transport: tr, Timeout: cfg.Timeout}
}

// schedule makes request i due at start + i·interval and hands it to a free worker. When
// every worker is busy it waits; the requests behind it are then late, and their latency
// includes the wait because it runs from the due time. Requests still waiting at
// Duration+Drain are not sent: each is reported as "not sent" with the time it waited,
// a lower bound of the latency it would have had.
func schedule(ctx context.Context, cfg Config, start time.Time, reqs chan<- request, samples chan<- sample, counts *Counts) error {
	tr := newTraffic(cfg.Seed, cfg.Services, cfg.MaxFiring, cfg.Mix)
	interval := time.Duration(float64(time.Second) * float64(cfg.AlertsPerWebhook) / cfg.Rate)
	total := int(cfg.Duration / interval)
	cutoff := time.NewTimer(cfg.Duration + cfg.Drain)
	defer cutoff.Stop()
	timer := time.NewTimer(0)
	defer timer.Stop()
	for i := range total {
		due := start.Add(time.Duration(i) * interval)
		if wait := time.Until(due); wait > 0 {
			timer.Reset(wait)
			select {
			case <-timer.C:
			case <-ctx.Done():
				return nil
			}
		}
		body, err := tr.webhook(cfg.AlertsPerWebhook, due, counts)
		if err != nil {
			return err
		}
		select {
		case reqs <- request{due: due, body: body, alerts: cfg.AlertsPerWebhook}:
		case <-cutoff.C:
			notSent(samples, start, interval, i, total, cfg.AlertsPerWebhook)
			return nil
		case <-ctx.Done():
			return nil
		}
	}
	return nil
}

// notSent reports requests from..total as never sent.
func notSent(samples chan<- sample, start time.Time, interval time.Duration, from, total, alerts int) {
	now := time.Now()
	for i := from; i < total; i++ {
		waited := max(now.Sub(start.Add(time.Duration(i)*interval)), 0)
		samples <- sample{latency: waited, lag: waited, status: statusNotSent, alerts: alerts}
	}
}

func send(ctx context.Context, client *http.Client, url, token string, r request) sample {
	s := sample{lag: time.Since(r.due), alerts: r.alerts}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, url, bytes.NewReader(r.body))
	if err != nil {
		s.status = "request: " + err.Error()
		return s
	}
	req.Header.Set("Content-Type", "application/json")
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	resp, err := client.Do(req)
	if err != nil {
		s.latency = time.Since(r.due)
		s.status = transportError(err)
		return s
	}
	// Drain the body so the connection is reused.
	_, _ = io.Copy(io.Discard, resp.Body)
	resp.Body.Close()
	s.latency = time.Since(r.due)
	s.status = strconv.Itoa(resp.StatusCode)
	return s
}

// transportError classes an error so that thousands of them group into a few counts.
func transportError(err error) string {
	var to interface{ Timeout() bool }
	switch {
	case errors.Is(err, context.Canceled):
		return "canceled"
	case errors.As(err, &to) && to.Timeout():
		return "timeout"
	case strings.Contains(err.Error(), "connection refused"):
		return "connection refused"
	case strings.Contains(err.Error(), "connection reset"):
		return "connection reset"
	case strings.Contains(err.Error(), "EOF"):
		return "EOF"
	}
	return "transport error"
}
