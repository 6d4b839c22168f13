package e2e

import (
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/incident"
	"github.com/foresight-aiops/foresight/pkg/notify"
	"github.com/foresight-aiops/foresight/pkg/promtest"
)

// exporter serves gauges the test sets, in the Prometheus text format.
type exporter struct {
	*httptest.Server
	mu     sync.Mutex
	series map[string]float64 // `name{labels}` → value
}

func newExporter(t *testing.T, initial map[string]float64) *exporter {
	t.Helper()
	e := &exporter{series: map[string]float64{}}
	for k, v := range initial {
		e.series[k] = v
	}
	e.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path != "/metrics" {
			http.NotFound(w, r)
			return
		}
		e.mu.Lock()
		lines := make([]string, 0, len(e.series))
		for k, v := range e.series {
			lines = append(lines, k+" "+strconv.FormatFloat(v, 'g', -1, 64))
		}
		e.mu.Unlock()
		sort.Strings(lines)
		w.Header().Set("Content-Type", "text/plain; version=0.0.4; charset=utf-8")
		fmt.Fprintln(w, strings.Join(lines, "\n"))
	}))
	t.Cleanup(e.Close)
	return e
}

func (e *exporter) set(values map[string]float64) {
	e.mu.Lock()
	defer e.mu.Unlock()
	for k, v := range values {
		e.series[k] = v
	}
}

// The faults the scenario injects, and the healthy values that clear them.
var (
	healthy = map[string]float64{
		`shop_up{service="db"}`:           1,
		`shop_errors{service="payments"}`: 0,
		`shop_latency{service="search"}`:  0.05,
	}
	dbAndPaymentsFault = map[string]float64{`shop_up{service="db"}`: 0, `shop_errors{service="payments"}`: 42}
	searchFault        = map[string]float64{`shop_latency{service="search"}`: 3.5}
)

// alertRules fire within one evaluation (for: 0s) so the test runs in seconds.
const alertRules = `groups:
  - name: shop
    interval: 1s
    rules:
      - alert: DBDown
        expr: shop_up{service="db"} == 0
        for: 0s
        labels: {severity: critical}
        annotations: {summary: "database db is down"}
      - alert: PaymentsErrors
        expr: shop_errors{service="payments"} > 5
        for: 0s
        labels: {severity: critical}
        annotations: {summary: "payments is failing requests"}
      - alert: SearchSlow
        expr: shop_latency{service="search"} > 0.5
        for: 0s
        labels: {severity: warning}
        annotations: {summary: "search is slow"}
`

// topologyYAML: payments calls db; search calls its own index, which nobody else calls,
// so search is known to the graph yet unrelated to payments and db.
const topologyYAML = `edges:
  - {client: payments, server: db}
  - {client: search, server: search-index}
`

// TestPrometheusAlertmanagerToReceiver runs the whole alerting path with real servers:
// an exporter's gauges go bad, Prometheus fires alert rules, Alertmanager groups them
// and sends webhooks, and the receiver groups them into incidents by the service graph
// and notifies a webhook target once per incident opened and once per incident
// resolved, on both store backends.
func TestPrometheusAlertmanagerToReceiver(t *testing.T) {
	for _, backend := range []struct {
		name string
		args func(t *testing.T) []string
	}{
		{"sqlite", sqliteArgs},
		{"postgres", func(t *testing.T) []string { return []string{"-store.dsn=" + postgresDSN(t)} }},
	} {
		t.Run(backend.name, func(t *testing.T) {
			// The backends run side by side: each has its own Prometheus, Alertmanager
			// and receiver, and most of the time is spent waiting on intervals.
			t.Parallel()
			// Look the binaries up first, so a machine without them skips before
			// anything is started.
			promtest.PrometheusBinary(t)
			alertmanagerBinary(t)
			runAlertingScenario(t, backend.args(t))
		})
	}
}

func runAlertingScenario(t *testing.T, storeArgs []string) {
	const phaseTimeout = 60 * time.Second
	topoFile := filepath.Join(t.TempDir(), "topology.yaml")
	if err := os.WriteFile(topoFile, []byte(topologyYAML), 0o600); err != nil {
		t.Fatal(err)
	}
	targets := newSink(t)
	rc := startReceiver(t, []notify.TargetConfig{targets.target("receiver")}, append(storeArgs,
		"-topology.file="+topoFile,
		// Alertmanager sends the two alerts of the first fault as two webhooks (grouped
		// by alertname); the group wait lets both into one "opened" notification. It
		// is 4s rather than 2s because the receiver counts it from the alerts' startsAt
		// (see TestGroupWaitCountsFromArrival), which lies Alertmanager's group_wait
		// (1s) plus evaluation and scheduling delays before their arrival.
		"-grouping.group-wait=4s",
		"-grouping.cooldown=3s",
		"-receiver.tick-interval=500ms",
		"-notify.delivery.poll-interval=250ms",
	)...)
	api := newClient(rc.URL, tokenA)

	exp := newExporter(t, healthy)
	am := startAlertmanager(t, fmt.Sprintf(`route:
  receiver: foresight
  group_by: ['alertname']
  group_wait: 1s
  group_interval: 1s
  repeat_interval: 1h
receivers:
  - name: foresight
    webhook_configs:
      - url: %s/api/v1/alerts/alertmanager
        send_resolved: true
        http_config:
          authorization:
            credentials: %s
`, rc.URL, tokenA), rc.URL+"/api/v1/alerts/alertmanager")
	prom := startPrometheus(t, fmt.Sprintf(`global:
  scrape_interval: 1s
  scrape_timeout: 1s
  evaluation_interval: 1s
rule_files: [rules.yml]
alerting:
  alertmanagers:
    - static_configs:
        - targets: [%q]
scrape_configs:
  - job_name: shop
    static_configs:
      - targets: [%q]
    # Without job and instance every alert shares two labels, which would make the
    # search alert look 2/3 like the db alert and join its incident on labels alone.
    metric_relabel_configs:
      - action: labeldrop
        regex: job|instance
`, am.Addr, strings.TrimPrefix(exp.URL, "http://")), alertRules)

	// Diagnostics run before the servers stop (cleanups are last-in first-out).
	t.Cleanup(func() {
		if !t.Failed() {
			return
		}
		incs, err := api.incidents()
		t.Logf("incidents (err %v):\n%s", err, describe(incs))
		for _, in := range incs {
			if d, err := api.incident(in.ID); err == nil {
				for _, m := range d.Alerts {
					t.Logf("  %s member %s status=%s service=%s reason=%s %q", in.ID, m.Labels["alertname"], m.Status, m.Service, m.Reason.Kind, m.Reason.Detail)
				}
			}
		}
		t.Logf("prometheus alerts: %s", prom.getRaw("/api/v1/alerts"))
		t.Logf("prometheus alertmanagers: %s", prom.getRaw("/api/v1/alertmanagers"))
		t.Logf("alertmanager alerts: %s", am.getRaw("/api/v2/alerts"))
	})

	// Prometheus must scrape the exporter, load the rules and know Alertmanager before
	// the faults, or a slow start would look like a lost alert.
	eventually(t, phaseTimeout, "prometheus ready to alert", func() (bool, string) {
		var q struct {
			Data struct {
				Result []any `json:"result"`
			} `json:"data"`
		}
		if err := prom.get(`/api/v1/query?query=shop_up%7Bservice%3D%22db%22%7D`, &q); err != nil || len(q.Data.Result) == 0 {
			return false, fmt.Sprintf("shop_up not scraped yet (%v, %d series)", err, len(q.Data.Result))
		}
		var ams struct {
			Data struct {
				Active []any `json:"activeAlertmanagers"`
			} `json:"data"`
		}
		if err := prom.get("/api/v1/alertmanagers", &ams); err != nil || len(ams.Data.Active) == 0 {
			return false, fmt.Sprintf("alertmanager not discovered yet (%v)", err)
		}
		var rules struct {
			Data struct {
				Groups []struct {
					Rules []any `json:"rules"`
				} `json:"groups"`
			} `json:"data"`
		}
		if err := prom.get("/api/v1/rules", &rules); err != nil || len(rules.Data.Groups) != 1 || len(rules.Data.Groups[0].Rules) != 3 {
			return false, fmt.Sprintf("rules not loaded yet (%v): %+v", err, rules.Data.Groups)
		}
		return true, ""
	})

	// Phase 1: db goes down and payments, which calls db, starts failing.
	exp.set(dbAndPaymentsFault)
	var dbIncident incident.Incident
	eventually(t, phaseTimeout, "one incident for db and payments, notified", func() (bool, string) {
		incs, err := api.incidents()
		if err != nil {
			return false, err.Error()
		}
		if len(incs) != 1 || !equalStrings(incs[0].Services, []string{"db", "payments"}) || incs[0].AlertCount != 2 {
			return false, "incidents:\n" + describe(incs)
		}
		dbIncident = incs[0]
		if targets.count(dbIncident.ID, "opened") == 0 {
			return false, "no opened notification yet; got:\n" + targets.dump()
		}
		return true, ""
	})
	d, err := api.incident(dbIncident.ID)
	if err != nil {
		t.Fatal(err)
	}
	checkMembers(t, d, map[string]memberWant{
		"DBDown":         {service: "db", status: incident.Firing},
		"PaymentsErrors": {service: "payments", status: incident.Firing},
	})
	// Whichever alert came first opened the incident; the other joined because one call
	// edge separates payments and db.
	kinds := map[incident.ReasonKind]int{}
	for _, m := range d.Alerts {
		kinds[m.Reason.Kind]++
		if m.Reason.Detail == "" {
			t.Errorf("alert %s joined without an explanation: %+v", m.Labels["alertname"], m.Reason)
		}
	}
	if kinds[incident.ReasonNew] != 1 || kinds[incident.ReasonTopology] != 1 {
		t.Errorf("reasons %v, want one %q and one %q", kinds, incident.ReasonNew, incident.ReasonTopology)
	}
	if d.Incident.Severity != "critical" {
		t.Errorf("severity %q, want critical", d.Incident.Severity)
	}

	// Phase 2: search, unrelated in the graph and by labels, gets slow.
	exp.set(searchFault)
	var searchIncident incident.Incident
	eventually(t, phaseTimeout, "a separate incident for search, notified", func() (bool, string) {
		incs, err := api.incidents()
		if err != nil {
			return false, err.Error()
		}
		var others []incident.Incident
		for _, in := range incs {
			if in.ID != dbIncident.ID {
				others = append(others, in)
			}
		}
		if len(incs) != 2 || len(others) != 1 || !equalStrings(others[0].Services, []string{"search"}) {
			return false, "incidents:\n" + describe(incs)
		}
		searchIncident = others[0]
		if targets.count(searchIncident.ID, "opened") == 0 {
			return false, "no opened notification yet; got:\n" + targets.dump()
		}
		return true, ""
	})
	if d, err := api.incident(dbIncident.ID); err != nil || d.Incident.AlertCount != 2 {
		t.Errorf("db incident after search fault: %d alerts (%v), want still 2", d.Incident.AlertCount, err)
	}

	// Phase 3: every fault clears; Alertmanager sends the resolved notifications, and
	// after the cool-down both incidents resolve.
	exp.set(healthy)
	eventually(t, phaseTimeout, "both incidents resolved and notified", func() (bool, string) {
		incs, err := api.incidents()
		if err != nil {
			return false, err.Error()
		}
		for _, in := range incs {
			if in.State != incident.Closed || targets.count(in.ID, "resolved") == 0 {
				return false, "incidents:\n" + describe(incs) + "notifications:\n" + targets.dump()
			}
		}
		return len(incs) == 2, "incidents:\n" + describe(incs)
	})
	d, err = api.incident(dbIncident.ID)
	if err != nil {
		t.Fatal(err)
	}
	// Resolved members prove the resolve came from Alertmanager, not from a timeout.
	checkMembers(t, d, map[string]memberWant{
		"DBDown":         {service: "db", status: incident.Resolved},
		"PaymentsErrors": {service: "payments", status: incident.Resolved},
	})
	if d, err := api.incident(searchIncident.ID); err != nil {
		t.Fatal(err)
	} else {
		checkMembers(t, d, map[string]memberWant{"SearchSlow": {service: "search", status: incident.Resolved}})
	}

	// Nothing may still be queued, so no duplicate can arrive after the checks below.
	eventually(t, phaseTimeout, "outbox drained", func() (bool, string) {
		n, err := rc.Store().PendingOutbox(t.Context())
		return err == nil && n == 0, fmt.Sprintf("%d pending (%v)", n, err)
	})
	got := targets.deliveries()
	checkExactlyOnce(t, got, []string{dbIncident.ID, searchIncident.ID}, map[string]int{"opened": 1, "resolved": 1})
	checkOrder(t, got)
	if bad := targets.malformed(); len(bad) > 0 {
		t.Errorf("malformed notifications: %v", bad)
	}
	for _, dl := range got {
		if dl.Body.Tenant != "a" {
			t.Errorf("notification %s for tenant %q, want a", dl.Key, dl.Body.Tenant)
		}
		if dl.Body.Kind == "opened" && dl.Body.Incident.ID == dbIncident.ID && dl.Body.Incident.AlertCount != 2 {
			// The receiver's group wait exceeds Alertmanager's, so the second alert of
			// the storm is in the first notification rather than in a later "changed".
			t.Errorf("opened notification of the db incident carries %d alerts, want 2", dl.Body.Incident.AlertCount)
		}
	}
}

// memberWant is what a test expects of one alert of an incident.
type memberWant struct {
	service string
	status  incident.Status
}

// checkMembers asserts that d holds exactly the named alerts, as wanted.
func checkMembers(t *testing.T, d detail, want map[string]memberWant) {
	t.Helper()
	if len(d.Alerts) != len(want) {
		t.Errorf("incident %s has %d alerts, want %d", d.Incident.ID, len(d.Alerts), len(want))
	}
	for _, m := range d.Alerts {
		name := m.Labels["alertname"]
		w, ok := want[name]
		switch {
		case !ok:
			t.Errorf("incident %s: unexpected alert %s %v", d.Incident.ID, name, m.Labels)
		case m.Service != w.service || m.Status != w.status:
			t.Errorf("incident %s: alert %s service %q status %s, want %q %s", d.Incident.ID, name, m.Service, m.Status, w.service, w.status)
		case m.Source != "alertmanager":
			t.Errorf("incident %s: alert %s source %q, want alertmanager", d.Incident.ID, name, m.Source)
		}
	}
}

// checkOrder asserts that no incident's "resolved" arrived before its "opened": the
// outbox delivers one incident's notifications in order.
func checkOrder(t *testing.T, got []delivery) {
	t.Helper()
	opened := map[string]bool{}
	for _, d := range got {
		switch d.Body.Kind {
		case "opened":
			opened[d.Body.Incident.ID] = true
		case "resolved":
			if !opened[d.Body.Incident.ID] {
				t.Errorf("incident %s: resolved notification before the opened one", d.Body.Incident.ID)
			}
		}
	}
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
