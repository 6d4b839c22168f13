package receiver

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/notify"
)

// recorder is a webhook target that keeps what it receives.
type recorder struct {
	mu    sync.Mutex
	kinds []string
	keys  map[string]int
}

func (r *recorder) ServeHTTP(w http.ResponseWriter, req *http.Request) {
	body, _ := io.ReadAll(req.Body)
	var n struct {
		Kind string `json:"kind"`
	}
	_ = json.Unmarshal(body, &n)
	r.mu.Lock()
	r.kinds = append(r.kinds, n.Kind)
	r.keys[req.Header.Get("Idempotency-Key")]++
	r.mu.Unlock()
}

func (r *recorder) snapshot() ([]string, map[string]int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	keys := map[string]int{}
	for k, v := range r.keys {
		keys[k] = v
	}
	return append([]string(nil), r.kinds...), keys
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestOneNotificationPerIncident(t *testing.T) {
	rec := &recorder{keys: map[string]int{}}
	target := httptest.NewServer(rec)
	defer target.Close()
	cfg := testConfig(t, "-grouping.cooldown=0s", "-receiver.tick-interval=50ms", "-notify.delivery.poll-interval=50ms")
	cfg.Notify.Targets = []notify.TargetConfig{{Name: "hook", Type: "webhook", URL: target.URL}}
	_, base := startReceiver(t, cfg)
	a := client{t: t, base: base, auth: bearer(tokenA)}

	now := time.Now().Add(-time.Minute)
	var alerts []string
	for i := 0; i < 20; i++ {
		alerts = append(alerts, amAlert(fmt.Sprintf("Storm%d", i), "db", "firing", now))
	}
	for _, a1 := range alerts { // a storm: one webhook per alert
		if code, out := a.do(http.MethodPost, "/api/v1/alerts", []byte(fmt.Sprintf(amPayload, a1))); code != 200 {
			t.Fatalf("ingest: %d %v", code, out)
		}
	}
	waitFor(t, "the opened notification", func() bool { k, _ := rec.snapshot(); return len(k) >= 1 })

	var resolved []string
	for i := range alerts {
		resolved = append(resolved, amAlert(fmt.Sprintf("Storm%d", i), "db", "resolved", now))
	}
	body := fmt.Sprintf(amPayload, strings.Join(resolved, ","))
	if code, out := a.do(http.MethodPost, "/api/v1/alerts", []byte(body)); code != 200 {
		t.Fatalf("resolve: %d %v", code, out)
	}
	waitFor(t, "the resolved notification", func() bool { k, _ := rec.snapshot(); return len(k) >= 2 })
	// A retry of the resolving webhook must not notify again.
	if code, _ := a.do(http.MethodPost, "/api/v1/alerts", []byte(body)); code != 200 {
		t.Fatal("retry refused")
	}
	time.Sleep(300 * time.Millisecond) // several delivery polls: anything extra would arrive
	kinds, keys := rec.snapshot()
	if len(kinds) != 2 || kinds[0] != "opened" || kinds[1] != "resolved" {
		t.Errorf("notifications %v, want [opened resolved]", kinds)
	}
	for k, n := range keys {
		if n != 1 || k == "" {
			t.Errorf("key %q delivered %d times", k, n)
		}
	}
}
