package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
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
	"github.com/foresight-aiops/foresight/pkg/promtest"
)

// This file starts real Prometheus and Alertmanager processes. promtest starts a
// Prometheus that scrapes, but its generated configuration has no rule files and no
// alerting section, so the starter here writes its own configuration and reuses
// promtest's binary lookup, port helper and skip convention.

// envAlertmanagerBin names the Alertmanager binary to use instead of the one on PATH.
const envAlertmanagerBin = "FORESIGHT_ALERTMANAGER_BIN"

// daemonStartTimeout bounds the wait for a daemon to become ready; under -race with the
// other packages' tests running on two cores, Prometheus can take several seconds.
const daemonStartTimeout = 45 * time.Second

// alertmanagerBinary finds Alertmanager the way promtest finds Prometheus: from the
// environment, else PATH under its upstream name or Debian's; a missing binary skips
// the test unless FORESIGHT_REQUIRE_PROMETHEUS=1.
func alertmanagerBinary(tb testing.TB) string {
	tb.Helper()
	if p := os.Getenv(envAlertmanagerBin); p != "" {
		found, err := exec.LookPath(p)
		if err != nil {
			missingBinary(tb, fmt.Errorf("alertmanager from %s: %w", envAlertmanagerBin, err))
		}
		return found
	}
	for _, name := range []string{"alertmanager", "prometheus-alertmanager"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	missingBinary(tb, fmt.Errorf("neither alertmanager nor prometheus-alertmanager is on PATH (set %s to its path)", envAlertmanagerBin))
	return ""
}

func missingBinary(tb testing.TB, err error) {
	tb.Helper()
	if os.Getenv(promtest.EnvRequire) == "1" {
		tb.Fatalf("%v (required because %s=1)", err, promtest.EnvRequire)
	}
	tb.Skipf("%v; install it or set %s=1 to make this a failure", err, promtest.EnvRequire)
}

// daemon is a child process serving HTTP on a loopback port.
type daemon struct {
	name string
	URL  string // http://127.0.0.1:port
	Addr string // 127.0.0.1:port

	cmd      *exec.Cmd
	logs     *syncBuffer
	done     chan struct{}
	waitErr  error // valid once done is closed
	stopOnce sync.Once
}

// errNotOurs says that the server answering on the port is not the process we started:
// FreePort released the port and something else took it first.
var errNotOurs = errors.New("port taken by another process")

// startDaemon runs bin with args(addr) on a free loopback port until it answers
// GET /-/ready (Prometheus and Alertmanager both serve it) and verify confirms that the
// server answering is ours. It retries on another port when the port was taken.
func startDaemon(tb testing.TB, name, bin string, args func(addr string) []string, verify func(*daemon) error) *daemon {
	tb.Helper()
	deadline := time.Now().Add(daemonStartTimeout)
	for attempt := 1; ; attempt++ {
		port, err := promtest.FreePort()
		if err != nil {
			tb.Fatal(err)
		}
		addr := "127.0.0.1:" + strconv.Itoa(port)
		d := &daemon{name: name, URL: "http://" + addr, Addr: addr, logs: &syncBuffer{}, done: make(chan struct{})}
		d.start(tb, bin, args(addr))
		err = d.waitReady(deadline)
		if err == nil && verify != nil {
			err = verify(d)
		}
		if errors.Is(err, errNotOurs) && attempt < 3 {
			tb.Logf("%s: port %d was taken, retrying: %v", name, port, err)
			d.Stop()
			continue
		}
		if err != nil {
			tb.Fatalf("start %s: %v", name, err)
		}
		return d
	}
}

func (d *daemon) start(tb testing.TB, bin string, args []string) {
	tb.Helper()
	d.cmd = exec.Command(bin, args...)
	d.cmd.Stdout, d.cmd.Stderr = d.logs, d.logs
	setChildAttrs(d.cmd)
	if err := d.cmd.Start(); err != nil {
		tb.Fatalf("start %s: %v", bin, err)
	}
	go func() {
		d.waitErr = d.cmd.Wait()
		close(d.done)
	}()
	// Cleanups run last-in first-out: Stop runs first, so the log printed on failure
	// includes what the daemon said while shutting down.
	tb.Cleanup(func() {
		if tb.Failed() {
			tb.Logf("%s %s output:\n%s", d.name, strings.Join(args, " "), tail(d.logs.String(), 20000))
		}
	})
	tb.Cleanup(d.Stop)
}

// Stop sends SIGTERM and kills after 10 s. Only our own child is signalled, by its PID,
// while it is still un-reaped, so the PID cannot have been reused.
func (d *daemon) Stop() {
	d.stopOnce.Do(func() {
		proc.Terminate(d.cmd.Process, d.done, 10*time.Second)
	})
}

func (d *daemon) waitReady(deadline time.Time) error {
	for {
		select {
		case <-d.done:
			if strings.Contains(d.logs.String(), "address already in use") {
				return fmt.Errorf("%w: %v", errNotOurs, d.waitErr)
			}
			return fmt.Errorf("%s exited before becoming ready: %v", d.name, d.waitErr)
		default:
		}
		err := d.get("/-/ready", nil)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("%s not ready at %s/-/ready: %w", d.name, d.URL, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

var pollClient = &http.Client{Timeout: 5 * time.Second}

// get fetches path, requires 200 and decodes JSON into v unless v is nil.
func (d *daemon) get(path string, v any) error {
	return httpjson.Get(context.Background(), pollClient, d.URL+path, "", v)
}

// getRaw returns the body of path, or the error as text, for diagnostics.
func (d *daemon) getRaw(path string) string {
	var raw json.RawMessage
	if err := d.get(path, &raw); err != nil {
		return "error: " + err.Error()
	}
	return string(raw)
}

// startAlertmanager runs Alertmanager with config. Alertmanager reports its
// configuration re-marshalled, so the server answering is recognised as ours by marker,
// a string of config that no other test's Alertmanager has (a webhook URL naming a
// port of this test). Clustering is disabled (empty --cluster.listen-address), so it
// needs one port only.
func startAlertmanager(tb testing.TB, config, marker string) *daemon {
	tb.Helper()
	bin := alertmanagerBinary(tb)
	dir := tb.TempDir()
	file := filepath.Join(dir, "alertmanager.yml")
	if err := os.WriteFile(file, []byte(config), 0o600); err != nil {
		tb.Fatal(err)
	}
	return startDaemon(tb, "alertmanager", bin, func(addr string) []string {
		return []string{
			"--config.file=" + file,
			"--storage.path=" + filepath.Join(dir, "data"),
			"--web.listen-address=" + addr,
			"--cluster.listen-address=",
			"--log.level=info",
		}
	}, func(d *daemon) error {
		var status struct {
			Config struct {
				Original string `json:"original"`
			} `json:"config"`
		}
		if err := d.get("/api/v2/status", &status); err != nil {
			return err
		}
		if !strings.Contains(status.Config.Original, marker) {
			return fmt.Errorf("%w: the alertmanager at %s has another configuration", errNotOurs, d.URL)
		}
		return nil
	})
}

// startPrometheus runs Prometheus with config (which may name rules.yml, written beside
// it from rules) and checks that the server answering uses our data directory.
func startPrometheus(tb testing.TB, config, rules string) *daemon {
	tb.Helper()
	bin := promtest.PrometheusBinary(tb)
	dir := tb.TempDir()
	file := filepath.Join(dir, "prometheus.yml")
	if err := os.WriteFile(file, []byte(config), 0o600); err != nil {
		tb.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "rules.yml"), []byte(rules), 0o600); err != nil {
		tb.Fatal(err)
	}
	dataDir := filepath.Join(dir, "data")
	return startDaemon(tb, "prometheus", bin, func(addr string) []string {
		return []string{
			"--config.file=" + file,
			"--storage.tsdb.path=" + dataDir,
			"--web.listen-address=" + addr,
			"--log.level=info",
		}
	}, func(d *daemon) error {
		var flags struct {
			Data map[string]string `json:"data"`
		}
		if err := d.get("/api/v1/status/flags", &flags); err != nil {
			return err
		}
		if got := flags.Data["storage.tsdb.path"]; got != dataDir {
			return fmt.Errorf("%w: the prometheus at %s uses data dir %q, not %q", errNotOurs, d.URL, got, dataDir)
		}
		return nil
	})
}

// syncBuffer is a bytes.Buffer safe for concurrent writers and readers.
type syncBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *syncBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *syncBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.String()
}

// tail keeps the last n bytes of s: the end of a log is where a failure shows.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…(" + strconv.Itoa(len(s)-n) + " bytes cut)…\n" + s[len(s)-n:]
}
