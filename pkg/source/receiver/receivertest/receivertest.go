// Package receivertest runs a real Foresight receiver in the test process, with SQLite in
// a temporary folder and two tenants, so that clients of its API are tested against the
// server itself rather than a copy of its answers.
package receivertest

import (
	"bytes"
	"context"
	"embed"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/grafana/dskit/services"

	"github.com/foresight-aiops/foresight/pkg/rca"
	"github.com/foresight-aiops/foresight/pkg/receiver"
)

// Tokens of the two tenants.
const (
	TokenA = "token-of-tenant-a-0123456789"
	TokenB = "token-of-tenant-b-9876543210"
)

// Webhook payloads from real systems (testdata/README.txt names their sources).
const (
	// InstanceDown is Alertmanager's payload of two InstanceDown alerts of job "node".
	InstanceDown = "alertmanager-v4-instancedown.oncall.json"
	// CPUTemperature is Alertmanager's payload of two alerts of host "andromeda", which
	// names no service.
	CPUTemperature = "alertmanager-v4-firing-two-alerts.zulip.json"
)

//go:embed testdata/*.json
var fixtures embed.FS

// Fixture returns one of the webhook payloads above.
func Fixture(t testing.TB, name string) []byte {
	t.Helper()
	b, err := fixtures.ReadFile("testdata/" + name)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// DeployURL is the Explore link of the deploy evidence the receiver's analysis finds.
func DeployURL(entity string) string { return "http://grafana.test/explore?deploy=" + entity }

// Deploys is the evidence source of the test receiver: a deployment of each entity it
// names, the kind of evidence that makes a clear cause. The live sources (Prometheus,
// Loki, Tempo) are tested in pkg/evidence.
type Deploys map[string]string // entity → detail

// Name implements rca.Gatherer.
func (Deploys) Name() string { return "deploys" }

// Gather implements rca.Gatherer.
func (d Deploys) Gather(_ context.Context, req rca.Request, budget *rca.Budget) ([]rca.Evidence, error) {
	var out []rca.Evidence
	for _, c := range req.Candidates {
		detail, ok := d[c]
		if !ok {
			continue
		}
		if err := budget.Take(); err != nil {
			return out, err
		}
		out = append(out, rca.Evidence{Kind: rca.KindDeploy, Entity: c, Signal: "version", Strength: 0.95,
			Onset: req.Incident.Start.Add(-3 * time.Minute), Detail: detail, URL: DeployURL(c)})
	}
	return out, nil
}

// Receiver is a running receiver.
type Receiver struct {
	URL string
	t   testing.TB
}

// Start runs a receiver until the test ends. Its analyses take evidence from deploys;
// extra flags (e.g. "-rca.enabled=false") change its configuration.
func Start(t testing.TB, deploys Deploys, extra ...string) *Receiver {
	t.Helper()
	var cfg receiver.Config
	args := append([]string{"-server.http-listen-port=0", "-server.http-listen-address=127.0.0.1",
		"-store.path=" + filepath.Join(t.TempDir(), "foresight.db"), "-log.level=warn",
		"-server.graceful-shutdown-timeout=5s", "-grouping.group-wait=0s", "-rca.min-interval=0s"}, extra...)
	if err := receiver.Load(&cfg, args, flag.NewFlagSet("receivertest", flag.ContinueOnError)); err != nil {
		t.Fatal(err)
	}
	cfg.Tenants = []receiver.TenantConfig{{ID: "a", Token: TokenA}, {ID: "b", Token: TokenB}}
	rc, err := receiver.New(context.Background(), cfg, log.NewNopLogger(), receiver.WithGatherers(deploys))
	if err != nil {
		t.Fatal(err)
	}
	if err := services.StartAndAwaitRunning(context.Background(), rc); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = services.StopAndAwaitTerminated(context.Background(), rc) })
	return &Receiver{URL: "http://" + rc.Addr().String(), t: t}
}

// Post sends a webhook with a tenant's token and returns the incidents it went to.
func (r *Receiver) Post(token string, payload []byte) []string {
	r.t.Helper()
	var out struct {
		Incidents []string `json:"incidents"`
	}
	r.do(http.MethodPost, "/api/v1/alerts", token, payload, &out)
	return out.Incidents
}

// Act applies an action (acknowledge, resolve, reopen) to an incident.
func (r *Receiver) Act(token, id, action string) {
	r.t.Helper()
	r.do(http.MethodPost, "/api/v1/incidents/"+id+"/"+action, token, []byte("{}"), nil)
}

// WaitAnalysed waits until the incident's analysis is stored.
func (r *Receiver) WaitAnalysed(token, id string) {
	r.t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for {
		var out struct {
			State string `json:"state"`
		}
		r.do(http.MethodGet, "/api/v1/incidents/"+id+"/hypotheses", token, nil, &out)
		if out.State == "ready" {
			return
		}
		if time.Now().After(deadline) {
			r.t.Fatalf("incident %s: analysis still %q after 30s", id, out.State)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func (r *Receiver) do(method, path, token string, body []byte, out any) {
	r.t.Helper()
	req, err := http.NewRequest(method, r.URL+path, bytes.NewReader(body))
	if err != nil {
		r.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		r.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		r.t.Fatalf("%s %s: %d %s", method, path, resp.StatusCode, raw)
	}
	if out != nil {
		if err := json.Unmarshal(raw, out); err != nil {
			r.t.Fatal(fmt.Errorf("%s %s: decode %s: %w", method, path, raw, err))
		}
	}
}
