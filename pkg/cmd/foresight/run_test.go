package main

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"sync"
	"testing"
	"time"

	"gopkg.in/yaml.v3"

	"github.com/foresight-aiops/foresight/pkg/internal/httpjson"
	"github.com/foresight-aiops/foresight/pkg/promtest"
	"github.com/foresight-aiops/foresight/pkg/receiver"
)

// envAlertmanagerBin names the alertmanager binary instead of the one on PATH, as in
// pkg/receiver/e2e.
const envAlertmanagerBin = "FORESIGHT_ALERTMANAGER_BIN"

func alertmanagerBinary(t *testing.T) string {
	t.Helper()
	names := []string{"prometheus-alertmanager", "alertmanager"}
	if p := os.Getenv(envAlertmanagerBin); p != "" {
		names = []string{p}
	}
	for _, name := range names {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	if os.Getenv(promtest.EnvRequire) == "1" {
		t.Fatalf("alertmanager not found (%v; set %s) and %s=1", names, envAlertmanagerBin, promtest.EnvRequire)
	}
	t.Skipf("alertmanager not found (%v); install prometheus-alertmanager or set %s=1 to make this a failure", names, promtest.EnvRequire)
	return ""
}

// lockedBuffer collects the demo's output while the test reads it.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// TestRunEndToEnd runs the whole demo with real Prometheus and Alertmanager at eight
// times the speed and waits, through the receiver's API, for an incident with ranked
// hypotheses: the first fault (the database slowing down) should have the database as
// its probable cause. Then it stops the demo and checks that its servers are gone.
func TestRunEndToEnd(t *testing.T) {
	prom := promtest.PrometheusBinary(t)
	promtool := promtest.PromtoolBinary(t)
	am := alertmanagerBinary(t)
	const token = "run-test-token-0123456789"
	dir := t.TempDir()
	c, err := parseRun([]string{"-dir", filepath.Join(dir, "demo"), "-speed", "8", "-history", "15m", "-token", token,
		"-prometheus-port", "0", "-alertmanager-port", "0", "-receiver-port", "0", "-exporter-port", "0", "-poll", "1s",
		"-prometheus", prom, "-promtool", promtool, "-alertmanager", am}, io.Discard)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 120*time.Second)
	defer cancel()
	out := &lockedBuffer{}
	done := make(chan error, 1)
	go func() { done <- c.run(ctx, out) }()
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("demo output:\n%s", out.String())
			for _, name := range []string{"receiver.log", "prometheus.log", "alertmanager.log"} {
				raw, _ := os.ReadFile(filepath.Join(dir, "demo", name))
				t.Logf("%s:\n%s", name, tail(string(raw), 4000))
			}
		}
	})

	recv, promURL := waitForURLs(t, out, done)
	// The schedule's first fault is the database's. The first analysis may run before
	// its latency shows in Prometheus; later ones (as alerts join) should name it.
	top := waitForHypotheses(t, recv, token, done, 70*time.Second, "db ")
	t.Logf("top hypothesis of the first incident: %s", top)
	if !strings.HasPrefix(top, "db ") {
		t.Errorf("the first incident's top hypothesis is %q, want the db", top)
	}
	checkDashboardQueries(t, promURL)
	// The demo polls on its own schedule: give it a few polls to print what the API shows.
	for _, want := range []string{"FORESIGHT_RECEIVER_TOKEN=" + token, "incident ", "probable causes of "} {
		for wait := time.Now().Add(10 * time.Second); !strings.Contains(out.String(), want); time.Sleep(200 * time.Millisecond) {
			if time.Now().After(wait) {
				t.Errorf("the output lacks %q", want)
				break
			}
		}
	}

	cancel()
	select {
	case err := <-done:
		if err != nil && ctx.Err() == nil {
			t.Fatalf("run: %v", err)
		}
	case <-time.After(45 * time.Second):
		t.Fatal("the demo did not stop within 45 s of its context ending")
	}
	for _, u := range []string{recv + "/ready", promURL + "/-/ready"} {
		if resp, err := http.Get(u); err == nil {
			resp.Body.Close()
			t.Errorf("%s still answers after the demo stopped", u)
		}
	}
}

var (
	receiverLine   = regexp.MustCompile(`Receiver\s+(http://\S+)`)
	prometheusLine = regexp.MustCompile(`Prometheus\s+(http://\S+)`)
)

// waitForURLs waits for the banner and returns the receiver's and Prometheus' URLs.
func waitForURLs(t *testing.T, out *lockedBuffer, done <-chan error) (string, string) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		text := out.String()
		r, p := receiverLine.FindStringSubmatch(text), prometheusLine.FindStringSubmatch(text)
		if r != nil && p != nil {
			return r[1], p[1]
		}
		select {
		case err := <-done:
			t.Fatalf("the demo ended before it started: %v", err)
		case <-time.After(200 * time.Millisecond):
		}
	}
	t.Fatal("no banner within 60 s")
	return "", ""
}

// waitForHypotheses polls the receiver's API until the oldest incident has ranked
// hypotheses, the top one (as "entity confidence") starting with want, and returns the
// top one. It fails the test when no hypothesis appears within timeout, and returns the
// last top one when none started with want.
func waitForHypotheses(t *testing.T, base, token string, done <-chan error, timeout time.Duration, want string) string {
	t.Helper()
	hc := &http.Client{Timeout: 5 * time.Second}
	ctx := context.Background()
	deadline := time.Now().Add(timeout)
	var last, top string
	for time.Now().Before(deadline) {
		var page struct {
			Incidents []struct {
				ID        string    `json:"id"`
				StartedAt time.Time `json:"startedAt"`
			} `json:"incidents"`
		}
		err := httpjson.Get(ctx, hc, base+"/api/v1/incidents?limit=100", token, &page)
		if err == nil && len(page.Incidents) > 0 {
			sort.Slice(page.Incidents, func(i, j int) bool { return page.Incidents[i].StartedAt.Before(page.Incidents[j].StartedAt) })
			var h demoHypotheses
			err = httpjson.Get(ctx, hc, base+"/api/v1/incidents/"+url.PathEscape(page.Incidents[0].ID)+"/hypotheses", token, &h)
			if err == nil && h.State == "ready" && len(h.Hypotheses) > 0 {
				top = fmt.Sprintf("%s %.2f", h.Hypotheses[0].Entity, h.Hypotheses[0].Confidence)
				if strings.HasPrefix(top, want) {
					return top
				}
			}
			last = fmt.Sprintf("%d incident(s), analysis of the first: %s %s", len(page.Incidents), h.State, h.Reason)
		}
		if err != nil {
			last = err.Error()
		}
		select {
		case err := <-done:
			t.Fatalf("the demo ended early: %v", err)
		case <-time.After(500 * time.Millisecond):
		}
	}
	if top == "" {
		t.Fatalf("no incident with hypotheses within %s; last: %s", timeout, last)
	}
	return top
}

// TestTimingsLoad checks, at every speed the flag allows, that the receiver accepts the
// grouping the demo gives it and that the alert rules can fire before a fault ends.
func TestTimingsLoad(t *testing.T) {
	for _, speed := range []float64{0.5, 1, 8, 100} {
		t.Run(fmt.Sprint(speed), func(t *testing.T) {
			tm := timingsFor(speed)
			var cfg receiver.Config
			f := flag.NewFlagSet("receiver", flag.ContinueOnError)
			f.SetOutput(io.Discard)
			args := append([]string{"-tenant.token=x", "-rca.lookback=" + tm.rcaLookback.String(), "-rca.scrape-interval=" + tm.scrape.String()}, tm.grouping...)
			if err := receiver.Load(&cfg, args, f); err != nil {
				t.Fatal(err)
			}
			if err := cfg.Validate(); err != nil {
				t.Errorf("receiver config: %v", err)
			}
			if tm.rules.Window < 4*tm.scrape || tm.rules.For < tm.rules.Interval {
				t.Errorf("rate window %s (scrape %s), for %s (interval %s)", tm.rules.Window, tm.scrape, tm.rules.For, tm.rules.Interval)
			}
			if tm.scrape%time.Second != 0 {
				t.Errorf("scrape interval %s is not whole seconds: the history could not match it", tm.scrape)
			}
		})
	}
}

// TestPrometheusConfigChecks has promtool check the Prometheus configuration the demo
// writes, with its rules and discovery files.
func TestPrometheusConfigChecks(t *testing.T) {
	promtool := promtest.PromtoolBinary(t)
	dir := t.TempDir()
	d := &demo{cfg: runConfig{dir: dir}, timings: timingsFor(1), exporter: "127.0.0.1:9464"}
	for name, content := range map[string]string{"prometheus.yml": d.prometheusConfig(), receiverTargets: "[]", alertmanagerTargets: "[]"} {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o600); err != nil {
			t.Fatal(err)
		}
	}
	if err := d.writeTargets(receiverTargets, "127.0.0.1:9480"); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "rules.yml"), []byte("groups: []\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if out, err := exec.Command(promtool, "check", "config", filepath.Join(dir, "prometheus.yml")).CombinedOutput(); err != nil {
		t.Errorf("promtool check config: %v\n%s", err, out)
	}
}

// TestResetDemoDir checks that only a fresh, empty or earlier demo directory is emptied.
func TestResetDemoDir(t *testing.T) {
	base := t.TempDir()
	fresh := filepath.Join(base, "fresh")
	if err := resetDemoDir(fresh); err != nil {
		t.Fatalf("fresh directory: %v", err)
	}
	if err := os.WriteFile(filepath.Join(fresh, "old.log"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := resetDemoDir(fresh); err != nil {
		t.Fatalf("earlier demo directory: %v", err)
	}
	if _, err := os.Stat(filepath.Join(fresh, "old.log")); !os.IsNotExist(err) {
		t.Errorf("the earlier run's file survived: %v", err)
	}
	precious := filepath.Join(base, "precious")
	if err := os.MkdirAll(precious, 0o750); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(precious, "notes.txt"), []byte("keep"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := resetDemoDir(precious); err == nil || !strings.Contains(err.Error(), "not made by foresight run") {
		t.Errorf("resetDemoDir(a directory of someone else's) = %v", err)
	}
	if _, err := os.Stat(filepath.Join(precious, "notes.txt")); err != nil {
		t.Errorf("someone else's file was removed: %v", err)
	}
}

func TestRunFlags(t *testing.T) {
	tests := []struct {
		args []string
		want string
	}{
		{[]string{"-speed", "0"}, "-speed 0"},
		{[]string{"-speed", "1000"}, "-speed 1000"},
		{[]string{"-history", "9000h"}, "-history"},
		{[]string{"-listen", "localhost"}, `-listen "localhost"`},
		{[]string{"-receiver-port", "70000"}, "-receiver-port 70000"},
		{[]string{"-duration", "-1s"}, "-duration"},
		{[]string{"extra"}, "unexpected arguments"},
	}
	for _, tt := range tests {
		t.Run(strings.Join(tt.args, " "), func(t *testing.T) {
			var stderr bytes.Buffer
			if code := run(append([]string{"run"}, tt.args...), nil, io.Discard, &stderr); code != exitUsage {
				t.Errorf("exit %d, want %d", code, exitUsage)
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Errorf("stderr %q lacks %q", stderr.String(), tt.want)
			}
		})
	}
}

// TestDockerCompose checks docker-compose.yaml without Docker: Grafana with the unsigned
// plugin allowed, the mounts exist in the repository, the host reachable, and every
// environment variable that provisioning/ reads is set.
func TestDockerCompose(t *testing.T) {
	root := filepath.Join("..", "..", "..")
	raw, err := os.ReadFile(filepath.Join(root, "docker-compose.yaml"))
	if err != nil {
		t.Fatal(err)
	}
	var compose struct {
		Services map[string]struct {
			Image       string            `yaml:"image"`
			Ports       []string          `yaml:"ports"`
			ExtraHosts  []string          `yaml:"extra_hosts"`
			Environment map[string]string `yaml:"environment"`
			Volumes     []string          `yaml:"volumes"`
		} `yaml:"services"`
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(&compose); err != nil {
		t.Fatalf("docker-compose.yaml: %v", err)
	}
	g, ok := compose.Services["grafana"]
	if !ok {
		t.Fatalf("no grafana service in %v", compose.Services)
	}
	if !strings.HasPrefix(g.Image, "grafana/grafana:") {
		t.Errorf("image %q is not grafana/grafana", g.Image)
	}
	if !contains(g.ExtraHosts, "host.docker.internal:host-gateway") {
		t.Errorf("extra_hosts %v lack host.docker.internal:host-gateway", g.ExtraHosts)
	}
	if got := g.Environment["GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS"]; got != "foresight-aiops-datasource" {
		t.Errorf("GF_PLUGINS_ALLOW_LOADING_UNSIGNED_PLUGINS = %q", got)
	}
	mounts := map[string]string{}
	for _, v := range g.Volumes {
		parts := strings.Split(v, ":")
		if len(parts) < 2 {
			t.Errorf("volume %q is not host:container", v)
			continue
		}
		mounts[parts[1]] = parts[0]
	}
	for container, host := range map[string]string{
		"/var/lib/grafana/plugins/foresight-aiops-datasource": "./dist",
		"/etc/grafana/provisioning":                           "./provisioning",
	} {
		if mounts[container] != host {
			t.Errorf("%s is mounted from %q, want %s", container, mounts[container], host)
		}
	}
	if _, err := os.Stat(filepath.Join(root, "provisioning")); err != nil {
		t.Errorf("the provisioning mount: %v", err)
	}
	// dist/ exists once the plugin is built; package.json's build is what makes it.
	if _, err := os.Stat(filepath.Join(root, "package.json")); err != nil {
		t.Errorf("nothing builds dist/: %v", err)
	}
	for _, name := range provisioningVariables(t, filepath.Join(root, "provisioning")) {
		if _, ok := g.Environment[name]; !ok {
			t.Errorf("provisioning reads $%s, which docker-compose.yaml does not set", name)
		}
	}
	for _, name := range []string{"FORESIGHT_PROMETHEUS_URL", "FORESIGHT_RECEIVER_URL"} {
		if !strings.Contains(g.Environment[name], "host.docker.internal") {
			t.Errorf("%s = %q does not default to the host", name, g.Environment[name])
		}
	}
}

// provisioningVariable is a ${NAME} or $NAME reference in a provisioning file.
var provisioningVariable = regexp.MustCompile(`\$\{?([A-Z][A-Z0-9_]*)`)

// provisioningVariables lists the environment variables the provisioning YAML reads.
func provisioningVariables(t *testing.T, dir string) []string {
	t.Helper()
	seen := map[string]bool{}
	err := filepath.WalkDir(dir, func(path string, e os.DirEntry, err error) error {
		if err != nil || e.IsDir() || !(strings.HasSuffix(path, ".yaml") || strings.HasSuffix(path, ".yml")) {
			return err
		}
		raw, err := os.ReadFile(path)
		if err != nil {
			return err
		}
		for _, line := range strings.Split(string(raw), "\n") {
			if strings.HasPrefix(strings.TrimSpace(line), "#") {
				continue
			}
			for _, m := range provisioningVariable.FindAllStringSubmatch(line, -1) {
				seen[m[1]] = true
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	names := make([]string, 0, len(seen))
	for n := range seen {
		names = append(names, n)
	}
	sort.Strings(names)
	if len(names) == 0 {
		t.Fatal("provisioning reads no environment variable: the data source would have no URL")
	}
	return names
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// tail keeps the end of a log, where a failure shows.
func tail(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return "…" + s[len(s)-n:]
}

// checkDashboardQueries evaluates the PromQL of every bundled dashboard (Prometheus panels,
// and the expressions Foresight's anomaly and forecast panels model) against the demo's
// Prometheus: each must be accepted, and those over the shop's metrics must return data, so
// the dashboards and the demo agree on metric and label names.
func checkDashboardQueries(t *testing.T, promURL string) {
	t.Helper()
	exprs := dashboardExprs(t)
	if len(exprs) < 20 {
		t.Fatalf("found %d dashboard expressions; the walk over the dashboards is broken", len(exprs))
	}
	vars := strings.NewReplacer("$__rate_interval", "1m", "$__range", "15m", "${__range}", "15m", "$__interval", "30s",
		// db serves requests and has a disk, so every per-service panel has data for it.
		"${service}", "db", "$service", "db", "${tenant}", ".*", "$tenant", ".*", "$slo_target", "99.5",
		"$expr", `sum by (service) (rate(http_requests_total[5m]))`)
	var empty []string
	for _, e := range exprs {
		expr := vars.Replace(e.expr)
		var body struct {
			Status string `json:"status"`
			Error  string `json:"error"`
			Data   struct {
				Result []json.RawMessage `json:"result"`
			} `json:"data"`
		}
		resp, err := http.Get(promURL + "/api/v1/query?query=" + url.QueryEscape(expr))
		if err != nil {
			t.Fatalf("query Prometheus: %v", err)
		}
		err = json.NewDecoder(resp.Body).Decode(&body)
		resp.Body.Close()
		switch {
		case err != nil || body.Status != "success":
			t.Errorf("%s: %q: Prometheus refused it: %v %s", e.where, expr, err, body.Error)
		case len(body.Data.Result) == 0 && shopMetric.MatchString(expr):
			t.Errorf("%s: %q returns nothing on the demo", e.where, expr)
		case len(body.Data.Result) == 0:
			empty = append(empty, e.where)
		}
	}
	t.Logf("%d dashboard expressions evaluated on the demo; empty so early in the demo: %v", len(exprs), empty)
}

// shopMetric matches expressions over the metrics the shop serves from its first scrape.
var shopMetric = regexp.MustCompile(`http_request|process_resident_memory|shop_storage`)

type dashboardExpr struct{ where, expr string }

// dashboardExprs lists the PromQL of the bundled dashboards' Prometheus targets and of
// their Foresight anomaly and forecast targets.
func dashboardExprs(t *testing.T) []dashboardExpr {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("..", "..", "..", "dashboards", "*.json"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no dashboards: %v", err)
	}
	var out []dashboardExpr
	for _, f := range files {
		var d struct {
			Panels []struct {
				Title      string `json:"title"`
				Datasource struct {
					UID string `json:"uid"`
				} `json:"datasource"`
				Targets []struct {
					Kind       string `json:"kind"`
					Expr       string `json:"expr"`
					Datasource *struct {
						UID string `json:"uid"`
					} `json:"datasource"`
				} `json:"targets"`
			} `json:"panels"`
		}
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := json.Unmarshal(raw, &d); err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, p := range d.Panels {
			for _, tg := range p.Targets {
				uid := p.Datasource.UID
				if tg.Datasource != nil {
					uid = tg.Datasource.UID
				}
				promQL := uid == "${prometheus}" || (uid == "${foresight}" && (tg.Kind == "anomaly" || tg.Kind == "forecast"))
				if promQL && tg.Expr != "" {
					out = append(out, dashboardExpr{where: filepath.Base(f) + ": " + p.Title, expr: tg.Expr})
				}
			}
		}
	}
	return out
}
