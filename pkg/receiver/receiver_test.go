package receiver

import (
	"bytes"
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/go-kit/log"
	"github.com/grafana/dskit/services"

	"github.com/foresight-aiops/foresight/pkg/internal/datasets"
)

const (
	tokenA = "token-of-tenant-a-0123456789"
	tokenB = "token-of-tenant-b-9876543210"
	hmacC  = "hmac-secret-of-c"
)

// testConfig is a receiver on a free port with three tenants: a and b with bearer
// tokens, c with basic auth and Grafana's HMAC signature.
func testConfig(t *testing.T, extra ...string) Config {
	t.Helper()
	var cfg Config
	f := flag.NewFlagSet("test", flag.ContinueOnError)
	args := append([]string{"-server.http-listen-port=0", "-server.http-listen-address=127.0.0.1",
		"-store.path=" + filepath.Join(t.TempDir(), "foresight.db"), "-log.level=warn",
		"-server.graceful-shutdown-timeout=5s", "-grouping.group-wait=0s"}, extra...)
	if err := Load(&cfg, args, f); err != nil {
		t.Fatal(err)
	}
	cfg.Tenants = []TenantConfig{
		{ID: "a", Token: tokenA},
		{ID: "b", Token: tokenB},
		{ID: "c", Username: "grafana", Password: "pw-of-c", HMAC: HMACConfig{Secret: hmacC, TimestampHeader: "X-Grafana-Alerting-Timestamp"}},
	}
	return cfg
}

// startReceiver runs a receiver for the test and stops it at cleanup.
func startReceiver(t *testing.T, cfg Config, opts ...Option) (*Receiver, string) {
	t.Helper()
	rc, err := New(context.Background(), cfg, log.NewLogfmtLogger(io.Discard), opts...)
	if err != nil {
		t.Fatal(err)
	}
	if err := services.StartAndAwaitRunning(context.Background(), rc); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = services.StopAndAwaitTerminated(context.Background(), rc) })
	return rc, "http://" + rc.Addr().String()
}

type client struct {
	t    *testing.T
	base string
	auth func(*http.Request)
}

func bearer(token string) func(*http.Request) {
	return func(r *http.Request) { r.Header.Set("Authorization", "Bearer "+token) }
}

func (c client) do(method, path string, body []byte, headers ...string) (int, map[string]any) {
	c.t.Helper()
	req, err := http.NewRequest(method, c.base+path, bytes.NewReader(body))
	if err != nil {
		c.t.Fatal(err)
	}
	if c.auth != nil {
		c.auth(req)
	}
	req.Header.Set("Content-Type", "application/json")
	for i := 0; i+1 < len(headers); i += 2 {
		req.Header.Set(headers[i], headers[i+1])
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		c.t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	var out map[string]any
	if len(raw) > 0 && json.Unmarshal(raw, &out) != nil {
		out = map[string]any{"raw": string(raw)}
	}
	return resp.StatusCode, out
}

func fixturesDir(t *testing.T) string {
	t.Helper()
	return filepath.Join(filepath.Dir(datasets.Dir(t, "nab")), "..", "fixtures", "webhooks")
}

func TestEveryFixtureIngests(t *testing.T) {
	_, base := startReceiver(t, testConfig(t))
	c := client{t: t, base: base, auth: bearer(tokenA)}
	files, _ := filepath.Glob(filepath.Join(fixturesDir(t), "*.json"))
	if len(files) < 8 {
		t.Fatalf("found %d fixtures, want 8", len(files))
	}
	total := 0
	for _, f := range files {
		body, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		path := "/api/v1/alerts/alertmanager"
		if strings.HasPrefix(filepath.Base(f), "grafana") {
			path = "/api/v1/alerts/grafana"
		}
		code, out := c.do(http.MethodPost, path, body)
		if code != http.StatusOK {
			t.Fatalf("%s: %d %v", filepath.Base(f), code, out)
		}
		total += int(out["alerts"].(float64))
	}
	code, out := c.do(http.MethodGet, "/api/v1/incidents?limit=500", nil)
	if code != http.StatusOK {
		t.Fatalf("list: %d %v", code, out)
	}
	var alerts int
	for _, inc := range out["incidents"].([]any) {
		alerts += int(inc.(map[string]any)["alertCount"].(float64))
	}
	if alerts == 0 || alerts > total {
		t.Errorf("incidents hold %d alerts, webhooks carried %d", alerts, total)
	}
}

const amPayload = `{"version":"4","groupKey":"{}:{alertname=\"DBSlow\"}","status":"firing","receiver":"foresight",
"groupLabels":{},"commonLabels":{},"commonAnnotations":{},"externalURL":"http://am:9093","truncatedAlerts":0,
"alerts":[%s]}`

func amAlert(name, service, status string, start time.Time) string {
	return fmt.Sprintf(`{"status":%q,"labels":{"alertname":%q,"service":%q,"severity":"critical"},"annotations":{},
"startsAt":%q,"endsAt":"0001-01-01T00:00:00Z","generatorURL":"http://prom/graph","fingerprint":""}`,
		status, name, service, start.UTC().Format(time.RFC3339))
}

func TestTenantIsolationAndActions(t *testing.T) {
	_, base := startReceiver(t, testConfig(t))
	a := client{t: t, base: base, auth: bearer(tokenA)}
	b := client{t: t, base: base, auth: bearer(tokenB)}
	now := time.Now()
	body := fmt.Sprintf(amPayload, amAlert("DBSlow", "db", "firing", now)+","+amAlert("DBErrors", "db", "firing", now))
	code, out := a.do(http.MethodPost, "/api/v1/alerts", []byte(body))
	if code != http.StatusOK {
		t.Fatalf("ingest: %d %v", code, out)
	}
	ids := out["incidents"].([]any)
	if len(ids) != 1 {
		t.Fatalf("two alerts of one service made %d incidents", len(ids))
	}
	id := ids[0].(string)

	if code, _ := b.do(http.MethodGet, "/api/v1/incidents/"+id, nil); code != http.StatusNotFound {
		t.Errorf("tenant b read a's incident: %d", code)
	}
	if code, _ := b.do(http.MethodPost, "/api/v1/incidents/"+id+"/acknowledge", nil); code != http.StatusNotFound {
		t.Errorf("tenant b acknowledged a's incident: %d", code)
	}
	if _, out := b.do(http.MethodGet, "/api/v1/incidents", nil); len(out["incidents"].([]any)) != 0 {
		t.Errorf("tenant b lists a's incidents: %v", out)
	}

	code, out = a.do(http.MethodPost, "/api/v1/incidents/"+id+"/acknowledge", []byte(`{"actor":"ana"}`))
	if code != http.StatusOK {
		t.Fatalf("acknowledge: %d %v", code, out)
	}
	if code, out := a.do(http.MethodPost, "/api/v1/incidents/"+id+"/acknowledge", nil); code != http.StatusConflict {
		t.Errorf("second acknowledge: %d %v", code, out)
	}
	code, out = a.do(http.MethodGet, "/api/v1/incidents/"+id, nil)
	if code != http.StatusOK {
		t.Fatalf("get: %d %v", code, out)
	}
	inc := out["incident"].(map[string]any)
	if inc["state"] != "acknowledged" || inc["acknowledgedBy"] != "ana" || len(out["alerts"].([]any)) != 2 {
		t.Errorf("incident after acknowledge: %v", out)
	}
	if len(out["timeline"].([]any)) < 3 {
		t.Errorf("timeline %v", out["timeline"])
	}
	if code, out := a.do(http.MethodGet, "/api/v1/incidents?state=acknowledged&service=db", nil); code != 200 || len(out["incidents"].([]any)) != 1 {
		t.Errorf("filtered list: %d %v", code, out)
	}
	if code, out := a.do(http.MethodGet, `/api/v1/incidents?match=`+urlEscape(`{alertname="DBErrors"}`), nil); code != 200 || len(out["incidents"].([]any)) != 1 {
		t.Errorf("matcher list: %d %v", code, out)
	}
}

func urlEscape(s string) string {
	r := strings.NewReplacer("{", "%7B", "}", "%7D", `"`, "%22", "=", "%3D", " ", "%20")
	return r.Replace(s)
}

func TestBadRequestsAreRefusedAndStoreNothing(t *testing.T) {
	rc, base := startReceiver(t, testConfig(t, "-receiver.max-body-bytes=4096"))
	a := client{t: t, base: base, auth: bearer(tokenA)}
	good := fmt.Sprintf(amPayload, amAlert("DBSlow", "db", "firing", time.Now()))
	signed := func(body string, ts time.Time) []string {
		stamp := strconv.FormatInt(ts.Unix(), 10)
		mac := hmac.New(sha256.New, []byte(hmacC))
		mac.Write([]byte(stamp + ":" + body))
		return []string{"X-Grafana-Alerting-Timestamp", stamp, "X-Grafana-Alerting-Signature", hex.EncodeToString(mac.Sum(nil))}
	}
	basicC := func(r *http.Request) { r.SetBasicAuth("grafana", "pw-of-c") }
	tests := []struct {
		name    string
		c       client
		path    string
		body    string
		headers []string
		status  int
		message string
	}{
		{"no credentials", client{t: t, base: base}, "/api/v1/alerts", good, nil, 401, "missing credentials"},
		{"wrong token", client{t: t, base: base, auth: bearer("nope")}, "/api/v1/alerts", good, nil, 401, "invalid bearer token"},
		{"wrong password", client{t: t, base: base, auth: func(r *http.Request) { r.SetBasicAuth("grafana", "x") }}, "/api/v1/alerts", good, nil, 401, "invalid basic-auth"},
		{"malformed JSON", a, "/api/v1/alerts", `{"version":"4","alerts":[`, nil, 400, "invalid webhook payload"},
		{"wrong type", a, "/api/v1/alerts", strings.Replace(good, `"severity":"critical"`, `"severity":3`, 1), nil, 400, "alerts[0].labels"},
		{"wrong endpoint", a, "/api/v1/alerts/grafana", good, nil, 400, "alertmanager"},
		{"too big", a, "/api/v1/alerts", good + strings.Repeat(" ", 5000), nil, 413, "4096-byte limit"},
		{"not JSON", a, "/api/v1/alerts", good, []string{"Content-Type", "text/plain"}, 415, "not JSON"},
		{"missing signature", client{t: t, base: base, auth: basicC}, "/api/v1/alerts", good, nil, 401, "missing signature"},
		{"bad signature", client{t: t, base: base, auth: basicC}, "/api/v1/alerts", good, signed(good+" ", time.Now()), 401, "does not match"},
		{"replayed", client{t: t, base: base, auth: basicC}, "/api/v1/alerts", good, signed(good, time.Now().Add(-time.Hour)), 401, "replay window"},
		{"unknown incident", a, "/api/v1/incidents/nope/resolve", "", nil, 404, "no incident"},
		{"bad filter", a, "/api/v1/incidents?state=sleeping", "", nil, 400, "state"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			tc.c.t = t
			method := http.MethodPost
			if strings.HasPrefix(tc.path, "/api/v1/incidents?") {
				method = http.MethodGet
			}
			code, out := tc.c.do(method, tc.path, []byte(tc.body), tc.headers...)
			if code != tc.status {
				t.Fatalf("status %d, want %d (%v)", code, tc.status, out)
			}
			msg := fmt.Sprint(out["error"])
			if !strings.Contains(msg, tc.message) {
				t.Errorf("message %q lacks %q", msg, tc.message)
			}
			for _, secret := range []string{tokenA, "pw-of-c", hmacC} {
				if strings.Contains(msg, secret) {
					t.Errorf("message leaks a secret: %q", msg)
				}
			}
		})
	}
	for _, tenant := range []string{"a", "b", "c"} {
		if n, err := rc.Store().CountMembers(context.Background(), tenant); err != nil || n != 0 {
			t.Errorf("tenant %s: %d alerts stored after refused requests (%v)", tenant, n, err)
		}
	}
	// The properly signed request is accepted.
	c := client{t: t, base: base, auth: basicC}
	if code, out := c.do(http.MethodPost, "/api/v1/alerts", []byte(good), signed(good, time.Now())...); code != 200 {
		t.Fatalf("signed webhook: %d %v", code, out)
	}
}
