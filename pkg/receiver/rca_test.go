package receiver

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/grafana/dskit/services"

	"github.com/foresight-aiops/foresight/pkg/notify"
	"github.com/foresight-aiops/foresight/pkg/rca"
)

// stubGatherer reports a deployment of each entity in deploys: the kind of evidence that
// makes a clear cause. With a gate it first waits until the test opens the gate (or the
// analysis is cancelled), standing in for a data source that hangs.
type stubGatherer struct {
	deploys map[string]string // entity → detail
	gate    chan struct{}     // nil: answers at once
	entered chan struct{}     // told, without blocking, that a Gather reached the gate
	calls   atomic.Int64
}

func (g *stubGatherer) Name() string { return "stub" }

func (g *stubGatherer) Gather(ctx context.Context, req rca.Request, budget *rca.Budget) ([]rca.Evidence, error) {
	g.calls.Add(1)
	if g.gate != nil {
		select {
		case g.entered <- struct{}{}:
		default:
		}
		select {
		case <-g.gate:
		case <-ctx.Done():
			return nil, ctx.Err()
		}
	}
	var out []rca.Evidence
	for _, c := range req.Candidates {
		detail, ok := g.deploys[c]
		if !ok {
			continue
		}
		if err := budget.Take(); err != nil {
			return out, err
		}
		out = append(out, rca.Evidence{Kind: rca.KindDeploy, Entity: c, Signal: "version", Strength: 0.95,
			Onset: req.Incident.Start.Add(-3 * time.Minute), Detail: detail})
	}
	return out, nil
}

func gatedGatherer(deploys map[string]string) *stubGatherer {
	return &stubGatherer{deploys: deploys, gate: make(chan struct{}), entered: make(chan struct{}, 1)}
}

// fixture reads one of the shared webhook payloads.
func fixture(t *testing.T, name string) []byte {
	t.Helper()
	body, err := os.ReadFile(filepath.Join(fixturesDir(t), name))
	if err != nil {
		t.Fatal(err)
	}
	return body
}

// ingest posts a webhook and returns the one incident it went to.
func (c client) ingest(body []byte) string {
	c.t.Helper()
	code, out := c.do(http.MethodPost, "/api/v1/alerts", body)
	if code != http.StatusOK {
		c.t.Fatalf("ingest: %d %v", code, out)
	}
	ids, _ := out["incidents"].([]any)
	if len(ids) != 1 {
		c.t.Fatalf("webhook went to incidents %v, want one", ids)
	}
	return ids[0].(string)
}

// hypotheses waits until the incident's analysis is ready and returns it.
func (c client) hypotheses(id string) map[string]any {
	c.t.Helper()
	var out map[string]any
	waitFor(c.t, "the hypotheses of "+id, func() bool {
		var code int
		code, out = c.do(http.MethodGet, "/api/v1/incidents/"+id+"/hypotheses", nil)
		if code != http.StatusOK {
			c.t.Fatalf("hypotheses: %d %v", code, out)
		}
		return out["state"] == analysisReady
	})
	return out
}

func topHypothesis(t *testing.T, analysis map[string]any) map[string]any {
	t.Helper()
	hs, _ := analysis["hypotheses"].([]any)
	if len(hs) == 0 {
		t.Fatalf("no hypotheses in %v", analysis)
	}
	return hs[0].(map[string]any)
}

// metric reads one sample from /metrics; 0 when it is not there yet.
func metric(t *testing.T, base, series string) float64 {
	t.Helper()
	resp, err := http.Get(base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	sc := bufio.NewScanner(resp.Body)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), series+" "); ok {
			f, err := strconv.ParseFloat(v, 64)
			if err != nil {
				t.Fatalf("%s: %v", series, err)
			}
			return f
		}
	}
	return 0
}

// TestRCAEndToEnd posts a real Alertmanager webhook and reads the hypotheses back. Its
// alerts name a job and scrape targets ("instance": localhost:8081, :8082): the job is
// the component, the targets are not hosts.
func TestRCAEndToEnd(t *testing.T) {
	g := &stubGatherer{deploys: map[string]string{"node": "node-exporter 1.8.0 rolled out"}}
	_, base := startReceiver(t, testConfig(t), WithGatherers(g))
	a := client{t: t, base: base, auth: bearer(tokenA)}
	id := a.ingest(fixture(t, "alertmanager-v4-instancedown.oncall.json"))

	out := a.hypotheses(id)
	top := topHypothesis(t, out)
	if top["entity"] != "node" || top["confidence"].(float64) <= out["noCause"].(float64) {
		t.Errorf("top hypothesis %v (noCause %v), want node above no cause", top, out["noCause"])
	}
	if !strings.Contains(top["explanation"].(string), "node-exporter 1.8.0 rolled out") {
		t.Errorf("explanation %q does not cite the deployment", top["explanation"])
	}
	for _, h := range out["hypotheses"].([]any) {
		if e := h.(map[string]any)["entity"].(string); strings.HasPrefix(e, "localhost:") {
			t.Errorf("a scrape target became a candidate: %s", e)
		}
	}
	if cause := out["probableCause"].(map[string]any); cause["entity"] != "node" {
		t.Errorf("probable cause %v", cause)
	}
	if out["alertCount"] != float64(2) || out["stale"] == true || out["incidentId"] != id {
		t.Errorf("analysis bookkeeping: %v", out)
	}

	code, detail := a.do(http.MethodGet, "/api/v1/incidents/"+id, nil)
	if code != http.StatusOK {
		t.Fatalf("incident: %d %v", code, detail)
	}
	if got := topHypothesis(t, detail["rca"].(map[string]any)); got["entity"] != "node" {
		t.Errorf("incident detail's top hypothesis %v", got)
	}
	if got := listedTop(t, a, id); got == nil || got["entity"] != "node" || got["confidence"] != top["confidence"] ||
		got["summary"] != top["explanation"] {
		t.Errorf("topHypothesis in the incident list %v, want the analysis' top %v", got, top)
	}
	if n := metric(t, base, `foresight_rca_analyses_total{outcome="complete"}`); n != 1 {
		t.Errorf("complete analyses: %v, want 1", n)
	}
	if n := metric(t, base, "foresight_rca_queries_count"); n != 1 {
		t.Errorf("analyses in the query histogram: %v, want 1", n)
	}

	// A webhook repeating the same alerts changes nothing: no new analysis.
	a.ingestAgain(fixture(t, "alertmanager-v4-instancedown.oncall.json"))
	if calls := g.calls.Load(); calls != 1 {
		t.Errorf("evidence gathered %d times, want once", calls)
	}
	if code, _ := (client{t: t, base: base, auth: bearer(tokenB)}).do(http.MethodGet, "/api/v1/incidents/"+id+"/hypotheses", nil); code != http.StatusNotFound {
		t.Errorf("tenant b read a's hypotheses: %d", code)
	}
}

// listedTop returns the topHypothesis of incident id in the incident list; nil when the
// entry has none.
func listedTop(t *testing.T, c client, id string) map[string]any {
	t.Helper()
	code, out := c.do(http.MethodGet, "/api/v1/incidents", nil)
	if code != http.StatusOK {
		t.Fatalf("list incidents: %d %v", code, out)
	}
	for _, e := range out["incidents"].([]any) {
		entry := e.(map[string]any)
		if entry["id"] != id {
			continue
		}
		top, has := entry["topHypothesis"]
		if !has {
			return nil
		}
		return top.(map[string]any)
	}
	t.Fatalf("incident %s is not in the list %v", id, out)
	return nil
}

func (c client) ingestAgain(body []byte) {
	c.t.Helper()
	if code, out := c.do(http.MethodPost, "/api/v1/alerts", body); code != http.StatusOK {
		c.t.Fatalf("ingest: %d %v", code, out)
	}
}

// TestStuckSourceDoesNotBlockIngestion holds every analysis in a gatherer that does not
// answer: webhooks are still answered and stored, the analysis reads as pending, requests
// beyond the queue are dropped and counted, and once the source answers every incident
// (the dropped ones through the periodic refresh) gets its hypotheses.
func TestStuckSourceDoesNotBlockIngestion(t *testing.T) {
	g := gatedGatherer(map[string]string{"db": "db 2.0 deployed"})
	cfg := testConfig(t, "-rca.queue-size=1", "-rca.refresh-interval=100ms", "-rca.timeout=1h")
	_, base := startReceiver(t, cfg, WithGatherers(g))
	a := client{t: t, base: base, auth: bearer(tokenA)}

	now := time.Now().Add(-time.Minute)
	first := a.ingest(fmt.Appendf(nil, amPayload, amAlert("DBSlow", "db", "firing", now)))
	select {
	case <-g.entered:
	case <-time.After(20 * time.Second):
		t.Fatal("the analysis of the first incident never started")
	}
	ids := []string{first}
	for _, svc := range []string{"cache", "queue", "web"} {
		ids = append(ids, a.ingest(fmt.Appendf(nil, amPayload, amAlert("Down", svc, "firing", now))))
	}
	for _, id := range ids {
		if code, out := a.do(http.MethodGet, "/api/v1/incidents/"+id, nil); code != http.StatusOK {
			t.Fatalf("incident %s not stored while the analysis hangs: %d %v", id, code, out)
		}
	}
	code, out := a.do(http.MethodGet, "/api/v1/incidents/"+first+"/hypotheses", nil)
	if code != http.StatusOK || out["state"] != analysisPending || out["hypotheses"] != nil {
		t.Errorf("hypotheses while analysing: %d %v, want pending without a list", code, out)
	}
	if n := metric(t, base, "foresight_rca_queue_dropped_total"); n < 1 {
		t.Errorf("dropped requests: %v, want at least one (queue of 1, three waiting)", n)
	}

	close(g.gate)
	for _, id := range ids {
		a.hypotheses(id)
	}
	if top := topHypothesis(t, a.hypotheses(first)); top["entity"] != "db" {
		t.Errorf("top hypothesis of the first incident: %v", top)
	}
}

func TestFeedbackAPI(t *testing.T) {
	g := &stubGatherer{deploys: map[string]string{"andromeda": "kernel 6.8 rolled out"}}
	cfg := testConfig(t, "-receiver.max-body-bytes=8192")
	cfg.Tenants = append(cfg.Tenants, TenantConfig{ID: "d", Username: "ana", Password: "pw-of-d"})
	_, base := startReceiver(t, cfg, WithGatherers(g))
	d := client{t: t, base: base, auth: func(r *http.Request) { r.SetBasicAuth("ana", "pw-of-d") }}
	a := client{t: t, base: base, auth: bearer(tokenA)}
	id := d.ingest(fixture(t, "alertmanager-v4-firing-two-alerts.zulip.json"))
	if top := topHypothesis(t, d.hypotheses(id)); top["entity"] != "andromeda" {
		t.Fatalf("top hypothesis %v, want the host the alerts name", top)
	}

	code, before := d.do(http.MethodGet, "/api/v1/rca/weights", nil)
	if code != http.StatusOK {
		t.Fatalf("weights: %d %v", code, before)
	}
	for k, w := range before["weights"].(map[string]any) {
		if w != float64(1) {
			t.Errorf("weight of %s before any feedback: %v", k, w)
		}
	}
	if _, has := before["updatedAt"]; has {
		t.Errorf("weights updated before any feedback: %v", before)
	}

	path := "/api/v1/incidents/" + id + "/feedback"
	refused := []struct {
		name    string
		c       client
		path    string
		body    string
		headers []string
		status  int
		message string
	}{
		{"malformed JSON", d, path, `{"verdict":`, nil, 400, "malformed JSON"},
		{"not an object", d, path, `["right"]`, nil, 400, "invalid feedback"},
		{"unknown verdict", d, path, `{"verdict":"maybe","entity":"andromeda"}`, nil, 400, `verdict "maybe"`},
		{"missing entity", d, path, `{"verdict":"right"}`, nil, 400, "needs the entity"},
		{"blank entity", d, path, `{"verdict":"wrong","entity":"  "}`, nil, 400, "needs the entity"},
		{"unknown field", d, path, `{"verdict":"right","entity":"andromeda","actor":"mallory"}`, nil, 400, `unknown field "actor"`},
		{"wrong type", d, path, `{"verdict":1,"entity":"andromeda"}`, nil, 400, "verdict"},
		{"trailing data", d, path, `{"verdict":"right","entity":"andromeda"} {}`, nil, 400, "unexpected data"},
		{"empty body", d, path, ``, nil, 400, "needs a body"},
		{"long comment", d, path, `{"verdict":"right","entity":"andromeda","comment":"` + strings.Repeat("x", 4100) + `"}`, nil, 400, "comment is longer"},
		{"too big", d, path, `{"verdict":"right","entity":"andromeda","comment":"` + strings.Repeat("x", 9000) + `"}`, nil, 413, "8192-byte limit"},
		{"not JSON", d, path, `{"verdict":"right","entity":"andromeda"}`, []string{"Content-Type", "text/plain"}, 415, "not JSON"},
		{"unknown incident", d, "/api/v1/incidents/nope/feedback", `{"verdict":"right","entity":"andromeda"}`, nil, 404, "no incident"},
		{"another tenant's incident", a, path, `{"verdict":"right","entity":"andromeda"}`, nil, 404, "no incident"},
	}
	for _, tc := range refused {
		t.Run(tc.name, func(t *testing.T) {
			tc.c.t = t
			code, out := tc.c.do(http.MethodPost, tc.path, []byte(tc.body), tc.headers...)
			if code != tc.status || !strings.Contains(fmt.Sprint(out["error"]), tc.message) {
				t.Errorf("%d %v, want %d with %q", code, out, tc.status, tc.message)
			}
		})
	}

	code, out := d.do(http.MethodPost, path, []byte(`{"verdict":"right","entity":"andromeda","comment":"the kernel update"}`))
	if code != http.StatusCreated {
		t.Fatalf("feedback: %d %v", code, out)
	}
	row := out["feedback"].(map[string]any)
	for field, want := range map[string]any{"id": float64(1), "incidentId": id, "verdict": "right", "entity": "andromeda",
		"actor": "ana", "comment": "the kernel update"} {
		if row[field] != want {
			t.Errorf("stored %s = %v, want %v", field, row[field], want)
		}
	}

	_, after := d.do(http.MethodGet, "/api/v1/rca/weights", nil)
	w := after["weights"].(map[string]any)
	if w["deploy"].(float64) <= 1 || w["alert"].(float64) <= 1 || w["metric_change"] != float64(1) {
		t.Errorf("weights after a right verdict on andromeda: %v, want deploy and alert above 1, the rest 1", w)
	}
	if _, has := after["updatedAt"]; !has {
		t.Errorf("weights without updatedAt after feedback: %v", after)
	}
	if _, other := a.do(http.MethodGet, "/api/v1/rca/weights", nil); other["weights"].(map[string]any)["deploy"] != float64(1) {
		t.Errorf("tenant a's weights moved with d's feedback: %v", other)
	}

	code, list := d.do(http.MethodGet, path, nil)
	if code != http.StatusOK || len(list["feedback"].([]any)) != 1 {
		t.Errorf("feedback list (refused requests must store nothing): %d %v", code, list)
	}
	if code, _ := a.do(http.MethodGet, path, nil); code != http.StatusNotFound {
		t.Errorf("tenant a listed d's feedback: %d", code)
	}
}

func TestRefreshHypotheses(t *testing.T) {
	g := &stubGatherer{deploys: map[string]string{"db": "db 2.0 deployed"}}
	_, base := startReceiver(t, testConfig(t, "-rca.min-interval=0s"), WithGatherers(g))
	a := client{t: t, base: base, auth: bearer(tokenA)}
	now := time.Now().Add(-time.Minute)
	id := a.ingest(fmt.Appendf(nil, amPayload, amAlert("DBSlow", "db", "firing", now)))
	a.hypotheses(id)
	calls := g.calls.Load()

	code, out := a.do(http.MethodPost, "/api/v1/incidents/"+id+"/hypotheses/refresh", nil)
	if code != http.StatusAccepted || out["status"] != "accepted" {
		t.Fatalf("refresh: %d %v", code, out)
	}
	waitFor(t, "the forced recompute", func() bool { return g.calls.Load() > calls })

	if code, out := a.do(http.MethodPost, "/api/v1/incidents/nope/hypotheses/refresh", nil); code != http.StatusNotFound {
		t.Errorf("refresh of an unknown incident: %d %v", code, out)
	}
	other := a.ingest(fmt.Appendf(nil, amPayload, amAlert("Down", "cache", "firing", now)))
	if code, out := a.do(http.MethodPost, "/api/v1/incidents/"+other+"/resolve", nil); code != http.StatusOK {
		t.Fatalf("resolve: %d %v", code, out)
	}
	if code, out := a.do(http.MethodPost, "/api/v1/incidents/"+other+"/hypotheses/refresh", nil); code != http.StatusConflict ||
		!strings.Contains(fmt.Sprint(out["error"]), "resolved") {
		t.Errorf("refresh of a resolved incident: %d %v", code, out)
	}
}

func TestRCADisabled(t *testing.T) {
	_, base := startReceiver(t, testConfig(t, "-rca.enabled=false"))
	a := client{t: t, base: base, auth: bearer(tokenA)}
	id := a.ingest(fmt.Appendf(nil, amPayload, amAlert("DBSlow", "db", "firing", time.Now())))
	code, out := a.do(http.MethodGet, "/api/v1/incidents/"+id+"/hypotheses", nil)
	if code != http.StatusOK || out["state"] != analysisUnavailable || !strings.Contains(fmt.Sprint(out["reason"]), "disabled") {
		t.Errorf("hypotheses with RCA off: %d %v", code, out)
	}
	if code, out := a.do(http.MethodPost, "/api/v1/incidents/"+id+"/hypotheses/refresh", nil); code != http.StatusConflict {
		t.Errorf("refresh with RCA off: %d %v", code, out)
	}
	if top := listedTop(t, a, id); top != nil {
		t.Errorf("an incident without analysis lists topHypothesis %v", top)
	}
}

// fakeGrafana keeps annotations as Grafana's HTTP API does, enough for the sender.
type fakeGrafana struct {
	mu    sync.Mutex
	texts []string // every text posted or patched, in order
}

func (g *fakeGrafana) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	g.mu.Lock()
	defer g.mu.Unlock()
	w.Header().Set("Content-Type", "application/json")
	if r.Method == http.MethodGet {
		_, _ = io.WriteString(w, "[]")
		return
	}
	var ann struct {
		Text string `json:"text"`
	}
	_ = json.NewDecoder(r.Body).Decode(&ann)
	g.texts = append(g.texts, ann.Text)
	_, _ = io.WriteString(w, `{"id":1,"message":"Annotation added"}`)
}

func (g *fakeGrafana) snapshot() []string {
	g.mu.Lock()
	defer g.mu.Unlock()
	return append([]string(nil), g.texts...)
}

// payloadRecorder is a webhook target that keeps every body.
type payloadRecorder struct {
	mu     sync.Mutex
	bodies []notify.WebhookBody
}

func (p *payloadRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	var b notify.WebhookBody
	_ = json.NewDecoder(r.Body).Decode(&b)
	p.mu.Lock()
	p.bodies = append(p.bodies, b)
	p.mu.Unlock()
}

func (p *payloadRecorder) snapshot() []notify.WebhookBody {
	p.mu.Lock()
	defer p.mu.Unlock()
	return append([]notify.WebhookBody(nil), p.bodies...)
}

func withTargets(t *testing.T, cfg *Config) (*fakeGrafana, *payloadRecorder) {
	g, rec := &fakeGrafana{}, &payloadRecorder{}
	gs, hs := httptest.NewServer(g), httptest.NewServer(rec)
	t.Cleanup(gs.Close)
	t.Cleanup(hs.Close)
	cfg.Notify.Targets = []notify.TargetConfig{{Name: "hook", Type: notify.TypeWebhook, URL: hs.URL}}
	cfg.Notify.Grafana = notify.GrafanaConfig{URL: gs.URL, Token: "glsa_test"}
	return g, rec
}

// TestAnnotationFollowsProbableCause: the incident is notified at once (group wait 0), so
// its first annotation and notification have no cause yet; the analysis then redraws the
// annotation with the cause, and sends nobody a second notification.
func TestAnnotationFollowsProbableCause(t *testing.T) {
	g := &stubGatherer{deploys: map[string]string{"andromeda": "kernel 6.8 rolled out"}}
	cfg := testConfig(t, "-notify.delivery.poll-interval=50ms")
	grafana, hook := withTargets(t, &cfg)
	rc, base := startReceiver(t, cfg, WithGatherers(g))
	a := client{t: t, base: base, auth: bearer(tokenA)}
	id := a.ingest(fixture(t, "alertmanager-v4-firing-two-alerts.zulip.json"))
	a.hypotheses(id)

	const want = "Probable cause: andromeda (confidence 0."
	waitFor(t, "the annotation with the probable cause", func() bool {
		texts := grafana.snapshot()
		return len(texts) > 0 && strings.Contains(texts[len(texts)-1], want)
	})
	waitFor(t, "delivery of everything queued", func() bool {
		n, err := rc.Store().PendingOutbox(context.Background())
		return err == nil && n == 0
	})
	texts := grafana.snapshot()
	if len(texts) != 2 || strings.Contains(texts[0], "Probable cause") {
		t.Errorf("annotation texts %q, want one without the cause, then one with it", texts)
	}
	bodies := hook.snapshot()
	if len(bodies) != 1 || bodies[0].Kind != "opened" || bodies[0].Cause != nil {
		t.Errorf("notifications %+v, want only the opened one, sent before the analysis", bodies)
	}
}

// clock is a settable time for the receiver's lifecycle.
type clock struct{ offset atomic.Int64 }

func (c *clock) now() time.Time          { return time.Now().Add(time.Duration(c.offset.Load())) }
func (c *clock) advance(d time.Duration) { c.offset.Add(int64(d)) }

// TestNotificationCarriesProbableCause holds the first notification back (group wait)
// until the analysis is stored: the notification and the annotation then name the cause.
func TestNotificationCarriesProbableCause(t *testing.T) {
	g := &stubGatherer{deploys: map[string]string{"andromeda": "kernel 6.8 rolled out"}}
	cfg := testConfig(t, "-grouping.group-wait=1h", "-receiver.tick-interval=50ms", "-notify.delivery.poll-interval=50ms")
	grafana, hook := withTargets(t, &cfg)
	rc, err := New(context.Background(), cfg, log.NewNopLogger(), WithGatherers(g))
	if err != nil {
		t.Fatal(err)
	}
	var clk clock
	rc.now = clk.now
	if err := services.StartAndAwaitRunning(context.Background(), rc); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = services.StopAndAwaitTerminated(context.Background(), rc) })
	a := client{t: t, base: "http://" + rc.Addr().String(), auth: bearer(tokenA)}

	id := a.ingest(fixture(t, "alertmanager-v4-firing-two-alerts.zulip.json"))
	a.hypotheses(id)
	if len(hook.snapshot()) != 0 {
		t.Fatal("notified before the group wait passed")
	}
	clk.advance(2 * time.Hour)
	waitFor(t, "the opened notification", func() bool { return len(hook.snapshot()) == 1 })
	waitFor(t, "the annotation", func() bool { return len(grafana.snapshot()) == 1 })

	n := hook.snapshot()[0]
	if n.Kind != "opened" || n.Cause == nil || n.Cause.Entity != "andromeda" ||
		!strings.Contains(n.Cause.Explanation, "kernel 6.8 rolled out") {
		t.Errorf("opened notification %+v, want the cause andromeda with its evidence", n)
	}
	const want = "Probable cause: andromeda (confidence 0."
	if text := grafana.snapshot()[0]; !strings.Contains(text, want) || !strings.Contains(text, "kernel 6.8 rolled out") {
		t.Errorf("annotation text %q lacks %q and the evidence", text, want)
	}
}
