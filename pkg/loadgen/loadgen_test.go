package loadgen

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/incident"
	"github.com/foresight-aiops/foresight/pkg/webhook"
)

// TestRunSendsValidAlertmanagerWebhooks checks that every body parses as Alertmanager's,
// that the mix is as documented (resolves only of alerts that fired, no fingerprint
// twice in a webhook) and that the counts add up.
func TestRunSendsValidAlertmanagerWebhooks(t *testing.T) {
	var mu sync.Mutex
	firing := map[string]bool{}
	var problems []string
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		if r.Header.Get("Authorization") != "Bearer tok" {
			w.WriteHeader(http.StatusUnauthorized)
			return
		}
		n, err := webhook.Parse(body, webhook.Options{})
		if err != nil || n.Format != webhook.FormatAlertmanager || len(n.Alerts) != 5 {
			w.WriteHeader(http.StatusBadRequest)
			return
		}
		mu.Lock()
		defer mu.Unlock()
		seen := map[string]bool{}
		for _, a := range n.Alerts {
			if seen[a.Fingerprint] {
				problems = append(problems, "fingerprint twice in one webhook: "+a.Fingerprint)
			}
			seen[a.Fingerprint] = true
			// Requests race each other, so a resolve may overtake its firing report; only
			// count, do not require order.
			firing[a.Fingerprint] = a.Status == incident.Firing
		}
	}))
	defer srv.Close()

	res, err := Run(context.Background(), Config{URL: srv.URL, Token: "tok", Rate: 2000, Duration: 500 * time.Millisecond,
		AlertsPerWebhook: 5, Connections: 8, Services: 20, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.ErrorCount() != 0 {
		t.Fatalf("errors: %v", res.Errors)
	}
	if res.Webhooks != 200 || res.Alerts != 1000 || res.AcceptedAlerts != 1000 {
		t.Errorf("webhooks %d alerts %d accepted %d, want 200, 1000, 1000", res.Webhooks, res.Alerts, res.AcceptedAlerts)
	}
	g := res.Generated
	if g.New+g.Resend+g.Resolve != 1000 || g.New == 0 || g.Resend == 0 || g.Resolve == 0 {
		t.Errorf("mix %+v", g)
	}
	if len(problems) > 0 {
		t.Errorf("%d problems, first: %s", len(problems), problems[0])
	}
	if res.Quantile(0.5) <= 0 || res.Quantile(0.99) < res.Quantile(0.5) || res.Max() < res.Quantile(0.99) {
		t.Errorf("quantiles p50 %s p99 %s max %s", res.Quantile(0.5), res.Quantile(0.99), res.Max())
	}
}

// TestLatencyRunsFromDueTime checks the open-loop property: with one connection and a
// server slower than the arrival interval, requests queue, and their latency grows with
// the queue instead of staying at the server's service time.
func TestLatencyRunsFromDueTime(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		time.Sleep(20 * time.Millisecond)
	}))
	defer srv.Close()
	// 100 webhooks/s for 300 ms: 30 due, served one at a time at 20 ms each (600 ms).
	res, err := Run(context.Background(), Config{URL: srv.URL, Rate: 100, Duration: 300 * time.Millisecond,
		AlertsPerWebhook: 1, Connections: 1, Seed: 1})
	if err != nil {
		t.Fatal(err)
	}
	if res.Max() < 250*time.Millisecond {
		t.Errorf("max latency %s: the queueing delay was not counted", res.Max())
	}
	if res.Late == 0 {
		t.Error("no request counted late although one connection cannot keep up")
	}
}

// TestAppendWebhookMatchesEncodingJSON checks the hand-written encoder against
// encoding/json on generated webhooks, including a string that needs escaping.
func TestAppendWebhookMatchesEncodingJSON(t *testing.T) {
	tr := newTraffic(7, 5, 3, DefaultMix)
	now := time.Date(2026, 1, 2, 3, 4, 5, 600000000, time.UTC)
	var c Counts
	for i := range 50 {
		body := amWebhook{Version: "4", GroupKey: `{}:{service="a<b>&\"c\""}`, Status: "firing",
			GroupLabels: map[string]string{"service": "é\n"}, CommonLabels: map[string]string{}, CommonAnnotations: nil}
		for range 4 {
			body.Alerts = append(body.Alerts, tr.alert(i%5, now, map[string]bool{}, &c))
		}
		want, err := json.Marshal(body)
		if err != nil {
			t.Fatal(err)
		}
		if got := appendWebhook(nil, &body); string(got) != string(want) {
			t.Fatalf("webhook %d:\n got %s\nwant %s", i, got, want)
		}
	}
}
