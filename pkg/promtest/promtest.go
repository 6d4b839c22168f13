// Package promtest starts a real Prometheus server for a test: optionally
// backfilled with history through promtool, scraping the test's own
// exporters, and stopped when the test ends.
//
// Tests that need Prometheus are skipped when the binary is missing, so
// `go test ./...` works on a bare machine; CI sets
// FORESIGHT_REQUIRE_PROMETHEUS=1 so that a missing install fails loudly
// instead of silently skipping the end-to-end coverage.
package promtest

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/internal/httpjson"
	"github.com/foresight-aiops/foresight/pkg/internal/proc"
)

// Environment variables that control how binaries are found.
const (
	// EnvPrometheusBin names the prometheus binary to use instead of the
	// one on PATH.
	EnvPrometheusBin = "FORESIGHT_PROMETHEUS_BIN"
	// EnvPromtoolBin names the promtool binary to use instead of the one
	// beside prometheus or on PATH.
	EnvPromtoolBin = "FORESIGHT_PROMTOOL_BIN"
	// EnvRequire, when set to 1, turns a missing binary from a skip into
	// a test failure.
	EnvRequire = "FORESIGHT_REQUIRE_PROMETHEUS"
)

// JobName is the scrape job of Options.ScrapeTargets, so tests can select
// their series with job="foresight-demo".
const JobName = "foresight-demo"

// Defaults for Options.
const (
	// DefaultScrapeInterval is the scrape and evaluation interval when
	// Options.ScrapeInterval is zero.
	DefaultScrapeInterval = time.Second
	// DefaultStartTimeout bounds the wait for readiness and for the first
	// successful scrapes when Options.StartTimeout is zero.
	DefaultStartTimeout = 30 * time.Second
)

// stopTimeout is how long Stop waits after SIGTERM before it kills.
const stopTimeout = 10 * time.Second

// startAttempts is how often Start retries when another process takes the
// port between FreePort and Prometheus binding it.
const startAttempts = 3

// Options configures Start.
type Options struct {
	// Backfill, if set, writes OpenMetrics text that promtool turns into
	// TSDB blocks before Prometheus starts. Its samples must end before
	// the first live scrape: Prometheus refuses head samples older than
	// the newest block.
	Backfill func(w io.Writer) error
	// ScrapeTargets are host:port addresses scraped at /metrics under
	// job JobName.
	ScrapeTargets []string
	// KeepTargetLabels keeps the job and instance labels on scraped
	// samples. By default they are dropped (up keeps them) so that
	// scraped samples continue the backfilled series, which carry only
	// the labels the exporter exposes; otherwise history and live data
	// would be two different series. With the default, targets must not
	// expose the same series.
	KeepTargetLabels bool
	// ScrapeInterval is the scrape and rule evaluation interval; zero
	// means DefaultScrapeInterval.
	ScrapeInterval time.Duration
	// StartTimeout bounds the wait for readiness and for every target to
	// be up; zero means DefaultStartTimeout.
	StartTimeout time.Duration
	// ExtraArgs are appended to the prometheus command line. They must
	// not repeat the flags Start sets: Start checks that the server on
	// its port uses its data directory.
	ExtraArgs []string
}

// Server is a running Prometheus started by Start.
type Server struct {
	// URL is the base URL of the HTTP API, http://127.0.0.1:port.
	URL string
	// DataDir is the TSDB directory, inside the test's temporary directory.
	DataDir string
	// ConfigFile is the path of the generated prometheus.yml.
	ConfigFile string

	cmd      *exec.Cmd
	logs     *syncBuffer
	done     chan struct{} // closed once the process has exited
	waitErr  error         // valid after done is closed
	stopOnce sync.Once
}

// Start runs Prometheus for the duration of tb and returns once it is ready
// and, if there are scrape targets, every target has been scraped
// successfully. It skips tb when prometheus (or, with a backfill, promtool)
// is not installed, unless EnvRequire is 1.
func Start(tb testing.TB, opts Options) *Server {
	tb.Helper()
	bin := PrometheusBinary(tb)
	if opts.ScrapeInterval <= 0 {
		opts.ScrapeInterval = DefaultScrapeInterval
	}
	if opts.StartTimeout <= 0 {
		opts.StartTimeout = DefaultStartTimeout
	}

	dir := tb.TempDir()
	dataDir := filepath.Join(dir, "data")
	if opts.Backfill != nil {
		backfill(tb, PromtoolBinary(tb), opts.Backfill, filepath.Join(dir, "backfill.om"), dataDir)
	}
	configFile := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(configFile, []byte(renderConfig(opts.ScrapeInterval, opts.ScrapeTargets, opts.KeepTargetLabels)), 0o644); err != nil {
		tb.Fatalf("promtest: write config: %v", err)
	}

	deadline := time.Now().Add(opts.StartTimeout)
	for attempt := 1; ; attempt++ {
		port, err := FreePort()
		if err != nil {
			tb.Fatalf("promtest: %v", err)
		}
		s := &Server{
			URL:        "http://" + net.JoinHostPort("127.0.0.1", strconv.Itoa(port)),
			DataDir:    dataDir,
			ConfigFile: configFile,
		}
		args := append([]string{
			"--config.file=" + configFile,
			"--storage.tsdb.path=" + dataDir,
			"--web.listen-address=127.0.0.1:" + strconv.Itoa(port),
			"--storage.tsdb.retention.time=30d",
			"--log.level=warn",
		}, opts.ExtraArgs...)
		s.start(tb, bin, args)

		err = s.waitReady(deadline)
		if errors.Is(err, errPortTaken) && attempt < startAttempts {
			tb.Logf("promtest: port %d was taken, retrying: %v", port, err)
			s.Stop()
			continue
		}
		if err == nil && len(opts.ScrapeTargets) > 0 {
			err = s.waitTargetsUp(deadline, opts.ScrapeTargets)
		}
		if err != nil {
			tb.Fatalf("promtest: start prometheus: %v", err)
		}
		return s
	}
}

// PrometheusBinary returns the path of the prometheus binary, from
// EnvPrometheusBin or PATH. If there is none it skips tb, or fails it when
// EnvRequire is 1.
func PrometheusBinary(tb testing.TB) string {
	tb.Helper()
	return findBinary(tb, "prometheus", EnvPrometheusBin, "")
}

// PromtoolBinary returns the path of the promtool binary, from EnvPromtoolBin,
// beside the prometheus binary, or on PATH. If there is none it skips tb,
// or fails it when EnvRequire is 1.
func PromtoolBinary(tb testing.TB) string {
	tb.Helper()
	sibling := ""
	if p, err := lookBinary("prometheus", EnvPrometheusBin); err == nil {
		// A promtool from the same release reads the flags and block
		// format the server expects.
		sibling = filepath.Join(filepath.Dir(p), "promtool")
	}
	return findBinary(tb, "promtool", EnvPromtoolBin, sibling)
}

// findBinary resolves name like lookBinary, preferring sibling when it is an
// executable file, and skips or fails tb when nothing is found.
func findBinary(tb testing.TB, name, env, sibling string) string {
	tb.Helper()
	if os.Getenv(env) == "" && sibling != "" {
		if p, err := exec.LookPath(sibling); err == nil {
			return p
		}
	}
	p, err := lookBinary(name, env)
	if err == nil {
		return p
	}
	if os.Getenv(EnvRequire) == "1" {
		tb.Fatalf("promtest: %v (required because %s=1)", err, EnvRequire)
	}
	tb.Skipf("promtest: %v; install Prometheus or set %s=1 to make this a failure", err, EnvRequire)
	return ""
}

// lookBinary returns the path named by env, or name's path on PATH.
func lookBinary(name, env string) (string, error) {
	if p := os.Getenv(env); p != "" {
		found, err := exec.LookPath(p)
		if err != nil {
			return "", fmt.Errorf("%s from %s: %w", name, env, err)
		}
		return found, nil
	}
	p, err := exec.LookPath(name)
	if err != nil {
		return "", fmt.Errorf("%s not found (set %s to its path): %w", name, env, err)
	}
	return p, nil
}

// backfill writes the OpenMetrics history to file and has promtool turn it
// into blocks in dataDir.
func backfill(tb testing.TB, promtool string, write func(io.Writer) error, file, dataDir string) {
	tb.Helper()
	f, err := os.Create(file)
	if err != nil {
		tb.Fatalf("promtest: create backfill file: %v", err)
	}
	bw := bufio.NewWriter(f)
	err = write(bw)
	if err == nil {
		err = bw.Flush()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		tb.Fatalf("promtest: write backfill: %v", err)
	}

	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	// Day-long blocks instead of the default two hours: a week becomes 8
	// blocks instead of 85, which makes promtool about five times faster
	// and Prometheus open fewer blocks. The flag is hidden but has been
	// there since promtool 2.24.
	cmd := exec.CommandContext(ctx, promtool, "tsdb", "create-blocks-from", "openmetrics",
		"--quiet", "--max-block-duration=24h", file, dataDir)
	setChildAttrs(cmd)
	out, err := cmd.CombinedOutput()
	if err != nil {
		tb.Fatalf("promtest: %s: %v\n%s", strings.Join(cmd.Args, " "), err, out)
	}
}

// renderConfig returns a prometheus.yml scraping targets under JobName,
// dropping job and instance from scraped samples unless keepTargetLabels.
// Durations are written in milliseconds because Prometheus rejects the
// fractional forms time.Duration.String can produce, such as "1.5s".
func renderConfig(interval time.Duration, targets []string, keepTargetLabels bool) string {
	ms := interval.Milliseconds()
	if ms < 1 {
		ms = 1
	}
	timeout := ms
	if timeout > 10000 {
		timeout = 10000 // Prometheus' default scrape timeout
	}
	var b strings.Builder
	fmt.Fprintf(&b, "global:\n  scrape_interval: %dms\n  scrape_timeout: %dms\n  evaluation_interval: %dms\n", ms, timeout, ms)
	if len(targets) == 0 {
		return b.String()
	}
	fmt.Fprintf(&b, "scrape_configs:\n  - job_name: %s\n    static_configs:\n      - targets:\n", JobName)
	for _, t := range targets {
		// strconv.Quote output is a valid YAML double-quoted scalar for
		// the printable ASCII that host:port consists of.
		fmt.Fprintf(&b, "          - %s\n", strconv.Quote(t))
	}
	if !keepTargetLabels {
		b.WriteString("    metric_relabel_configs:\n      - action: labeldrop\n        regex: job|instance\n")
	}
	return b.String()
}

// start launches the process and registers its cleanup with tb.
func (s *Server) start(tb testing.TB, bin string, args []string) {
	tb.Helper()
	s.logs = &syncBuffer{}
	s.done = make(chan struct{})
	s.cmd = exec.Command(bin, args...)
	s.cmd.Stdout = s.logs
	s.cmd.Stderr = s.logs
	setChildAttrs(s.cmd)
	if err := s.cmd.Start(); err != nil {
		tb.Fatalf("promtest: start %s: %v", bin, err)
	}
	go func() {
		s.waitErr = s.cmd.Wait()
		close(s.done)
	}()
	// Cleanups run last-in first-out: Stop runs first, so the log printed
	// on failure includes what Prometheus said while shutting down.
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Logf("promtest: prometheus %s output:\n%s", strings.Join(args, " "), s.Logs())
		}
	})
	tb.Cleanup(s.Stop)
}

// Stop terminates Prometheus: SIGTERM, then SIGKILL if it has not exited
// within 10 s. It is safe to call more than once; Start registers it as a
// cleanup, so tests only call it to stop Prometheus early.
func (s *Server) Stop() {
	s.stopOnce.Do(func() {
		proc.Terminate(s.cmd.Process, s.done, stopTimeout)
	})
}

// Logs returns everything Prometheus has written to stdout and stderr.
func (s *Server) Logs() string {
	return s.logs.String()
}

// errPortTaken reports that something other than our Prometheus holds the
// port, so Start should try another.
var errPortTaken = errors.New("listen port taken by another process")

// pollInterval is how often readiness and targets are checked.
const pollInterval = 100 * time.Millisecond

// client is used for polling; its timeout keeps one hung request from
// eating the whole start budget.
var client = &http.Client{Timeout: 2 * time.Second}

// waitReady polls /-/ready until it succeeds, the process exits, or the
// deadline passes. It then checks that the server that answered is ours,
// because a port freed by FreePort can be taken by someone else before
// Prometheus binds it.
func (s *Server) waitReady(deadline time.Time) error {
	var last error
	for {
		select {
		case <-s.done:
			if strings.Contains(s.Logs(), "address already in use") {
				return fmt.Errorf("%w: %v", errPortTaken, s.waitErr)
			}
			return fmt.Errorf("prometheus exited before becoming ready: %v", s.waitErr)
		default:
		}
		last = s.get("/-/ready", nil)
		if last == nil {
			break
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready at %s/-/ready: %w", s.URL, last)
		}
		time.Sleep(pollInterval)
	}

	var flags struct {
		Data map[string]string `json:"data"`
	}
	if err := s.get("/api/v1/status/flags", &flags); err != nil {
		return fmt.Errorf("read flags: %w", err)
	}
	if got := flags.Data["storage.tsdb.path"]; got != s.DataDir {
		return fmt.Errorf("%w: server at %s uses data dir %q, not %q", errPortTaken, s.URL, got, s.DataDir)
	}
	return nil
}

// waitTargetsUp polls up{job="foresight-demo"} until it is 1 for every
// target, so tests start with live samples already stored.
func (s *Server) waitTargetsUp(deadline time.Time, targets []string) error {
	q := url.Values{"query": {fmt.Sprintf("up{job=%q}", JobName)}}
	for {
		var resp struct {
			Data struct {
				Result []struct {
					Metric map[string]string `json:"metric"`
					Value  [2]any            `json:"value"`
				} `json:"result"`
			} `json:"data"`
		}
		err := s.get("/api/v1/query?"+q.Encode(), &resp)
		var down []string
		if err == nil {
			up := make(map[string]bool)
			for _, r := range resp.Data.Result {
				up[r.Metric["instance"]] = r.Value[1] == "1"
			}
			for _, t := range targets {
				if !up[t] {
					down = append(down, t)
				}
			}
			if len(down) == 0 {
				return nil
			}
			err = fmt.Errorf("targets not up: %s", strings.Join(down, ", "))
		}
		select {
		case <-s.done:
			return fmt.Errorf("prometheus exited while waiting for targets: %v", s.waitErr)
		default:
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("waiting for scrapes: %w", err)
		}
		time.Sleep(pollInterval)
	}
}

// get fetches path from the server, requires 200, and decodes a JSON body
// into v unless v is nil.
func (s *Server) get(path string, v any) error {
	return httpjson.Get(context.Background(), client, s.URL+path, "", v)
}

// syncBuffer is a bytes.Buffer safe for the concurrent writes exec makes
// from its copying goroutines and the reads of Logs.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

// Write appends p.
func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

// String returns everything written so far.
func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}
