package main

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"strconv"
	"sync"
	"time"

	"github.com/foresight-aiops/foresight/pkg/internal/httpjson"
	"github.com/foresight-aiops/foresight/pkg/internal/proc"
)

// daemonSpec says how to start a server that binds its own port: Prometheus or
// Alertmanager.
type daemonSpec struct {
	name, bin string
	listen    string
	port      int    // preferred; 0 or taken: any free port
	log       string // file receiving its output
	args      func(addr string) []string
	// ours checks that the server answering on the port is the one started, since the
	// port was free a moment before it bound it, not reserved.
	ours func(*daemon) error
}

// daemon is a child process serving HTTP.
type daemon struct {
	name string
	URL  string // http://host:port
	Addr string // host:port
	cmd  *exec.Cmd
	logs string
	// logFrom is where this start's output begins in logs.
	logFrom int64
	done    chan struct{}
	err     error // how it exited; valid once done is closed
	once    sync.Once
}

// errNotOurs says that another process answers on the port we chose.
var errNotOurs = errors.New("another server answers on its port")

// daemonStartAttempts is how often a daemon is tried on another port when its port was
// taken between choosing it and binding it.
const daemonStartAttempts = 3

// startDaemon starts spec's server and waits until it is ready and known to be ours.
func startDaemon(ctx context.Context, spec daemonSpec) (*daemon, error) {
	port := spec.port
	for attempt := 1; ; attempt++ {
		p, err := freePort(spec.listen, port)
		if err != nil {
			return nil, err
		}
		d, err := spec.startOn(ctx, p)
		if err == nil {
			return d, nil
		}
		if attempt == daemonStartAttempts || ctx.Err() != nil || !errors.Is(err, errNotOurs) {
			return nil, err
		}
		port = 0
	}
}

// startOn starts the server on port and waits for it, stopping it again on failure.
func (spec daemonSpec) startOn(ctx context.Context, port int) (*daemon, error) {
	addr := net.JoinHostPort(connectHost(spec.listen), strconv.Itoa(port))
	logFile, err := os.OpenFile(spec.log, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return nil, err
	}
	defer logFile.Close() // the child has its own descriptor
	// The log is appended to across attempts: only what this attempt writes says why it
	// exited.
	before, err := logFile.Seek(0, io.SeekEnd)
	if err != nil {
		return nil, err
	}
	d := &daemon{name: spec.name, URL: "http://" + addr, Addr: addr, logs: spec.log, logFrom: before, done: make(chan struct{})}
	d.cmd = exec.Command(spec.bin, spec.args(net.JoinHostPort(spec.listen, strconv.Itoa(port)))...)
	d.cmd.Stdout, d.cmd.Stderr = logFile, logFile
	if err := d.cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", spec.bin, err)
	}
	go func() { d.err = d.cmd.Wait(); close(d.done) }()
	err = d.waitReady(ctx)
	if err == nil {
		err = spec.ours(d)
	}
	if err != nil {
		d.stop()
		return nil, fmt.Errorf("%s on %s (log: %s): %w", spec.name, addr, spec.log, err)
	}
	return d, nil
}

// daemonReadyTimeout bounds the wait for a daemon's /-/ready.
const daemonReadyTimeout = 60 * time.Second

// waitReady polls /-/ready, which Prometheus and Alertmanager both serve.
func (d *daemon) waitReady(ctx context.Context) error {
	deadline := time.Now().Add(daemonReadyTimeout)
	for {
		select {
		case <-d.done:
			if raw, _ := os.ReadFile(d.logs); int64(len(raw)) > d.logFrom && bytes.Contains(raw[d.logFrom:], []byte("address already in use")) {
				return fmt.Errorf("%w (address already in use)", errNotOurs)
			}
			return fmt.Errorf("exited before becoming ready: %v", d.err)
		case <-ctx.Done():
			return ctx.Err()
		default:
		}
		err := d.getJSON(ctx, "/-/ready", nil)
		if err == nil {
			return nil
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not ready after %s: %w", daemonReadyTimeout, err)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

// stop sends SIGTERM and waits, killing the process after 10 s.
func (d *daemon) stop() {
	d.once.Do(func() {
		proc.Terminate(d.cmd.Process, d.done, 10*time.Second)
	})
}

// probe is the client for readiness checks: short, so a hung server cannot stall start.
var probe = &http.Client{Timeout: 2 * time.Second}

// getJSON GETs path, requires 200 and decodes the body into v unless v is nil.
func (d *daemon) getJSON(ctx context.Context, path string, v any) error {
	return httpjson.Get(ctx, probe, d.URL+path, "", v)
}
