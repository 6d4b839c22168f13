package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/internal/pgschema"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/grafana/dskit/services"
	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" driver for the schema admin connection

	"github.com/foresight-aiops/foresight/pkg/incident"
	"github.com/foresight-aiops/foresight/pkg/notify"
	"github.com/foresight-aiops/foresight/pkg/receiver"
)

// Tenants every test receiver knows. Tokens are long enough to look like real ones.
const (
	tokenA = "e2e-token-of-tenant-a-0123456789"
	tokenB = "e2e-token-of-tenant-b-9876543210"
)

func testTenants() []receiver.TenantConfig {
	return []receiver.TenantConfig{{ID: "a", Token: tokenA}, {ID: "b", Token: tokenB}}
}

// testReceiver is a receiver running in the test process, configured from flags exactly
// as `foresight receiver` is.
type testReceiver struct {
	*receiver.Receiver
	URL  string
	logs *syncBuffer
}

// startReceiver loads a Config from args (on top of a free loopback port and quiet
// defaults), adds the tenants and notification targets (YAML-only settings), and runs
// the receiver until the test ends. Its log is printed when the test fails.
func startReceiver(t *testing.T, targets []notify.TargetConfig, args ...string) *testReceiver {
	t.Helper()
	var cfg receiver.Config
	f := flag.NewFlagSet("e2e", flag.ContinueOnError)
	base := []string{
		"-server.http-listen-address=127.0.0.1", "-server.http-listen-port=0",
		"-server.grpc-listen-address=127.0.0.1", "-server.grpc-listen-port=0",
		"-server.graceful-shutdown-timeout=10s",
	}
	if err := receiver.Load(&cfg, append(base, args...), f); err != nil {
		t.Fatalf("receiver flags: %v", err)
	}
	cfg.Tenants = testTenants()
	cfg.Notify.Targets = targets

	logs := &syncBuffer{}
	logger := level.NewFilter(log.NewLogfmtLogger(logs), level.AllowInfo())
	rc, err := receiver.New(context.Background(), cfg, logger)
	if err != nil {
		t.Fatalf("new receiver: %v", err)
	}
	if err := services.StartAndAwaitRunning(context.Background(), rc); err != nil {
		t.Fatalf("start receiver: %v", err)
	}
	tr := &testReceiver{Receiver: rc, URL: "http://" + rc.Addr().String(), logs: logs}
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("receiver %s log:\n%s", tr.URL, tail(logs.String(), 20000))
		}
	})
	t.Cleanup(func() {
		// Stopping twice is harmless: a terminated service stays terminated. The bound
		// turns a receiver that cannot stop (a stuck writer) into a failure with logs
		// instead of a hang until go test's timeout.
		ctx, cancel := context.WithTimeout(context.Background(), stopTimeout)
		defer cancel()
		if err := services.StopAndAwaitTerminated(ctx, rc); err != nil {
			t.Errorf("stop receiver %s: %v (state %s)", tr.URL, err, rc.State())
		}
	})
	return tr
}

// stopTimeout bounds a receiver's shutdown in tests: the HTTP server's graceful period
// (10 s, set above) plus time to drain the writer and the deliverer.
const stopTimeout = 30 * time.Second

// sqliteArgs points a receiver at a fresh SQLite file.
func sqliteArgs(t *testing.T) []string {
	return []string{"-store.path=" + t.TempDir() + "/foresight.db"}
}

// --- PostgreSQL ---

// postgresDSN is a fresh schema on the machine's PostgreSQL, dropped when the test ends.
func postgresDSN(t *testing.T) string { return pgschema.ForTest(t, "e2e_") }

// --- notification target ---

// delivery is one notification the webhook target received.
type delivery struct {
	Key  string // the Idempotency-Key header
	Via  string // the X-Receiver header, naming the receiver that sent it
	Body notify.WebhookBody
	At   time.Time
}

// sink is a generic webhook target that records every notification it gets.
type sink struct {
	*httptest.Server
	mu  sync.Mutex
	got []delivery
	bad []string // requests that were not a valid notification
}

func newSink(t *testing.T) *sink {
	t.Helper()
	s := &sink{}
	s.Server = httptest.NewServer(http.HandlerFunc(s.serve))
	t.Cleanup(s.Close)
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("notifications received:\n%s", s.dump())
		}
	})
	return s
}

func (s *sink) serve(w http.ResponseWriter, r *http.Request) {
	raw, err := io.ReadAll(r.Body)
	var body notify.WebhookBody
	if err == nil {
		err = json.Unmarshal(raw, &body)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if err != nil || r.Method != http.MethodPost {
		s.bad = append(s.bad, fmt.Sprintf("%s %s: %v: %s", r.Method, r.URL, err, raw))
		http.Error(w, "bad notification", http.StatusBadRequest)
		return
	}
	s.got = append(s.got, delivery{Key: r.Header.Get("Idempotency-Key"), Via: r.Header.Get("X-Receiver"), Body: body, At: time.Now()})
	w.WriteHeader(http.StatusOK)
}

// target is the notify configuration of this sink; via is sent as X-Receiver so that
// tests can tell which receiver delivered.
func (s *sink) target(via string) notify.TargetConfig {
	return notify.TargetConfig{Name: "e2e-webhook", Type: notify.TypeWebhook, URL: s.URL + "/notify",
		Headers: map[string]string{"X-Receiver": via}, Timeout: 5 * time.Second}
}

func (s *sink) deliveries() []delivery {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]delivery(nil), s.got...)
}

func (s *sink) malformed() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]string(nil), s.bad...)
}

// count returns how many notifications of kind arrived for incident id.
func (s *sink) count(id, kind string) int {
	n := 0
	for _, d := range s.deliveries() {
		if d.Body.Incident.ID == id && d.Body.Kind == kind {
			n++
		}
	}
	return n
}

func (s *sink) dump() string {
	var b strings.Builder
	for _, d := range s.deliveries() {
		fmt.Fprintf(&b, "  %s via=%s key=%s kind=%s incident=%s state=%s services=%v alerts=%d firing=%d\n",
			d.At.Format("15:04:05.000"), d.Via, d.Key, d.Body.Kind, d.Body.Incident.ID, d.Body.Incident.State,
			d.Body.Incident.Services, d.Body.Incident.AlertCount, d.Body.Incident.FiringCount)
	}
	for _, m := range s.malformed() {
		fmt.Fprintf(&b, "  MALFORMED %s\n", m)
	}
	return b.String()
}

// checkExactlyOnce asserts that every Idempotency-Key arrived once, matches the body's
// key, and that each incident got exactly want[kind] notifications of each kind (kinds
// not in want: none).
func checkExactlyOnce(t *testing.T, got []delivery, ids []string, want map[string]int) {
	t.Helper()
	byKey := map[string]int{}
	perIncident := map[string]map[string]int{}
	for _, d := range got {
		byKey[d.Key]++
		if d.Key == "" || d.Key != d.Body.Key {
			t.Errorf("notification for %s: Idempotency-Key %q, body key %q", d.Body.Incident.ID, d.Key, d.Body.Key)
		}
		if perIncident[d.Body.Incident.ID] == nil {
			perIncident[d.Body.Incident.ID] = map[string]int{}
		}
		perIncident[d.Body.Incident.ID][d.Body.Kind]++
	}
	for k, n := range byKey {
		if n != 1 {
			t.Errorf("Idempotency-Key %s delivered %d times", k, n)
		}
	}
	known := map[string]bool{}
	for _, id := range ids {
		known[id] = true
		for kind, n := range want {
			if perIncident[id][kind] != n {
				t.Errorf("incident %s: %d %q notifications, want %d", id, perIncident[id][kind], kind, n)
			}
		}
		for kind, n := range perIncident[id] {
			if _, ok := want[kind]; !ok {
				t.Errorf("incident %s: %d unexpected %q notifications", id, n, kind)
			}
		}
	}
	for id := range perIncident {
		if !known[id] {
			t.Errorf("notifications for incident %s, which no receiver lists", id)
		}
	}
}

// --- receiver API client ---

// apiClient speaks to a receiver as one tenant.
type apiClient struct {
	base  string
	token string
	http  *http.Client
}

func newClient(base, token string) apiClient {
	return apiClient{base: base, token: token, http: &http.Client{Timeout: 30 * time.Second}}
}

// post sends a webhook body and returns the status and response body.
func (c apiClient) post(path string, body []byte) (int, []byte, error) {
	req, err := http.NewRequest(http.MethodPost, c.base+path, bytes.NewReader(body))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	return resp.StatusCode, raw, err
}

func (c apiClient) get(path string, v any) error {
	req, err := http.NewRequest(http.MethodGet, c.base+path, nil)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+c.token)
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return err
	}
	if resp.StatusCode != http.StatusOK {
		return fmt.Errorf("GET %s: %s: %s", path, resp.Status, bytes.TrimSpace(raw))
	}
	return json.Unmarshal(raw, v)
}

// incidents lists every incident of the tenant, following the cursor.
func (c apiClient) incidents() ([]incident.Incident, error) {
	var all []incident.Incident
	cursor := ""
	for {
		q := url.Values{"limit": {"500"}}
		if cursor != "" {
			q.Set("cursor", cursor)
		}
		var page struct {
			Incidents []incident.Incident `json:"incidents"`
			Next      string              `json:"next"`
		}
		if err := c.get("/api/v1/incidents?"+q.Encode(), &page); err != nil {
			return nil, err
		}
		all = append(all, page.Incidents...)
		if page.Next == "" {
			return all, nil
		}
		cursor = page.Next
	}
}

// detail is the body of GET /api/v1/incidents/{id}.
type detail struct {
	Incident incident.Incident `json:"incident"`
	Alerts   []incident.Member `json:"alerts"`
	Timeline []incident.Event  `json:"timeline"`
}

func (c apiClient) incident(id string) (detail, error) {
	var d detail
	err := c.get("/api/v1/incidents/"+url.PathEscape(id), &d)
	return d, err
}

// describe renders incidents for failure messages.
func describe(incs []incident.Incident) string {
	var b strings.Builder
	for _, in := range incs {
		fmt.Fprintf(&b, "  %s state=%s services=%v alerts=%d firing=%d title=%q\n",
			in.ID, in.State, in.Services, in.AlertCount, in.FiringCount, in.Title)
	}
	if b.Len() == 0 {
		return "  (none)\n"
	}
	return b.String()
}

func ids(incs []incident.Incident) []string {
	out := make([]string, 0, len(incs))
	for _, in := range incs {
		out = append(out, in.ID)
	}
	sort.Strings(out)
	return out
}

// --- polling ---

// eventually polls cond every 200 ms until it holds, failing the test with cond's last
// explanation after timeout. End-to-end timing depends on scrape, evaluation and
// notification intervals, so tests wait for outcomes rather than sleeping.
func eventually(t *testing.T, timeout time.Duration, what string, cond func() (bool, string)) {
	t.Helper()
	start := time.Now()
	deadline := start.Add(timeout)
	for {
		ok, why := cond()
		if ok {
			t.Logf("%s after %s", what, time.Since(start).Round(10*time.Millisecond))
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s:\n%s", timeout, what, why)
		}
		time.Sleep(200 * time.Millisecond)
	}
}

// amWebhook is an Alertmanager webhook body (version 4) carrying alerts.
func amWebhook(groupKey string, alerts ...string) []byte {
	return fmt.Appendf(nil, `{"version":"4","groupKey":%q,"status":"firing","receiver":"foresight",`+
		`"groupLabels":{},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://am.invalid",`+
		`"truncatedAlerts":0,"alerts":[%s]}`, groupKey, strings.Join(alerts, ","))
}

// amAlert is one alert of an Alertmanager webhook; labels are name, value pairs. The
// fingerprint is left empty, so the receiver derives it from the labels and a resolved
// report of the same labels finds the firing one.
func amAlert(status string, start time.Time, labels ...string) string {
	m := map[string]string{}
	for i := 0; i+1 < len(labels); i += 2 {
		m[labels[i]] = labels[i+1]
	}
	ls, _ := json.Marshal(m)
	end := "0001-01-01T00:00:00Z"
	if status == "resolved" {
		end = time.Now().UTC().Format(time.RFC3339Nano)
	}
	return fmt.Sprintf(`{"status":%q,"labels":%s,"annotations":{},"startsAt":%q,"endsAt":%q,"generatorURL":"","fingerprint":""}`,
		status, ls, start.UTC().Format(time.RFC3339Nano), end)
}
