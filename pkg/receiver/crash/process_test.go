package crash

import (
	"bytes"
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/promtest"
)

// buildForesight builds the foresight binary into a temporary directory, from the
// module root so that the test works from any working directory.
func buildForesight(t *testing.T) string {
	t.Helper()
	out, err := exec.Command("go", "env", "GOMOD").Output()
	if err != nil {
		t.Fatalf("go env GOMOD: %v", err)
	}
	gomod := strings.TrimSpace(string(out))
	if gomod == "" || gomod == os.DevNull {
		t.Fatal("not inside the foresight module")
	}
	bin := filepath.Join(t.TempDir(), "foresight")
	cmd := exec.Command("go", "build", "-o", bin, "./pkg/cmd/foresight")
	cmd.Dir = filepath.Dir(gomod)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	return bin
}

// freePort is a port nobody listens on. Another process could take it before the
// receiver binds it; the receiver then fails to start, loudly.
func freePort(t *testing.T) int {
	t.Helper()
	port, err := promtest.FreePort()
	if err != nil {
		t.Fatal(err)
	}
	return port
}

// delivery is one notification the hook target received.
type delivery struct {
	key   string
	epoch int // which receiver process sent it: 1 before the kill, 2 after the restart
}

// hook is the webhook notification target: it records every delivery with its
// Idempotency-Key and answers 200 after a short delay, as a real service would, which
// keeps deliveries in flight when the receiver is killed.
type hook struct {
	*httptest.Server
	mu         sync.Mutex
	epoch      int
	deliveries []delivery
}

func newHook(t *testing.T, delay time.Duration) *hook {
	h := &hook{epoch: 1}
	h.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		key := r.Header.Get("Idempotency-Key")
		h.mu.Lock()
		h.deliveries = append(h.deliveries, delivery{key: key, epoch: h.epoch})
		h.mu.Unlock()
		time.Sleep(delay)
		w.WriteHeader(http.StatusOK)
	}))
	t.Cleanup(h.Close)
	return h
}

func (h *hook) setEpoch(e int) {
	h.mu.Lock()
	defer h.mu.Unlock()
	h.epoch = e
}

func (h *hook) snapshot() []delivery {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]delivery(nil), h.deliveries...)
}

// receiverProcess is one run of "foresight receiver" as a child process.
type receiverProcess struct {
	cmd  *exec.Cmd
	out  *bytes.Buffer
	base string
	done chan error
}

// receiverSetup is what both runs of the receiver share: the same store, port and
// configuration, as a restarted service would have.
type receiverSetup struct {
	bin, dir, token string
	port            int
	hookURL         string
}

func (s receiverSetup) args() []string {
	return []string{"receiver",
		"-config.file=" + filepath.Join(s.dir, "config.yaml"),
		"-store.path=" + s.storePath(),
		"-server.http-listen-address=127.0.0.1",
		"-server.http-listen-port=" + strconv.Itoa(s.port),
		"-tenant.id=" + tenant,
		"-tenant.token=" + s.token,
		"-grouping.group-wait=0s",
		"-log.level=warn",
		// Fast polling and a short lease: items the killed process had claimed are
		// claimed again 2s after its death instead of the default 30s.
		"-notify.delivery.poll-interval=100ms",
		"-notify.delivery.lease=2s",
		"-notify.delivery.backoff-min-period=100ms",
		"-notify.delivery.backoff-max-period=1s",
	}
}

func (s receiverSetup) storePath() string { return filepath.Join(s.dir, "foresight.db") }

func (s receiverSetup) writeConfig(t *testing.T) {
	t.Helper()
	cfg := fmt.Sprintf("notify:\n  targets:\n    - name: hook\n      type: webhook\n      url: %s\n", s.hookURL)
	if err := os.WriteFile(filepath.Join(s.dir, "config.yaml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}
}

// start runs the receiver and waits until /ready answers.
func (s receiverSetup) start(t *testing.T) *receiverProcess {
	t.Helper()
	p := &receiverProcess{out: &bytes.Buffer{}, base: "http://127.0.0.1:" + strconv.Itoa(s.port), done: make(chan error, 1)}
	p.cmd = exec.Command(s.bin, s.args()...)
	p.cmd.Stdout, p.cmd.Stderr = p.out, p.out
	if err := p.cmd.Start(); err != nil {
		t.Fatalf("start receiver: %v", err)
	}
	go func() { p.done <- p.cmd.Wait() }()
	t.Cleanup(func() { p.kill() })
	deadline := time.Now().Add(20 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-p.done:
			t.Fatalf("receiver exited at start: %v\n%s", err, p.out)
		default:
		}
		resp, err := http.Get(p.base + "/ready")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return p
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatalf("receiver not ready after 20s:\n%s", p.out)
	return nil
}

// kill sends SIGKILL: no shutdown hook runs, as in a crash or an OOM kill.
func (p *receiverProcess) kill() {
	if p.cmd.ProcessState == nil {
		_ = p.cmd.Process.Kill()
	}
}

func (p *receiverProcess) waitExit(t *testing.T) {
	t.Helper()
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		t.Fatalf("receiver did not exit:\n%s", p.out)
	}
}

// stop shuts the receiver down gracefully and fails the test if that fails.
func (p *receiverProcess) stop(t *testing.T) {
	t.Helper()
	if err := p.cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatalf("SIGTERM: %v", err)
	}
	select {
	case err := <-p.done:
		if err != nil {
			t.Fatalf("receiver exited with %v:\n%s", err, p.out)
		}
	case <-time.After(30 * time.Second):
		t.Fatalf("receiver did not stop:\n%s", p.out)
	}
}

// eventually polls cond until it holds or the deadline passes.
func eventually(ctx context.Context, t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	deadline := time.Now().Add(timeout)
	var state string
	for time.Now().Before(deadline) && ctx.Err() == nil {
		var ok bool
		if ok, state = cond(); ok {
			return
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("%s: not reached within %s (%s)", what, timeout, state)
}
