package shop

import (
	"bytes"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/promtest"
)

var t0 = time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC)

func newShop(t *testing.T, seed int64) *Shop {
	t.Helper()
	s, err := New(Config{Seed: seed, Schedule: DefaultSchedule(), FaultsFrom: t0, Start: t0.Add(-time.Hour)})
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func TestScheduleActive(t *testing.T) {
	s := DefaultSchedule()
	tests := []struct {
		elapsed time.Duration
		want    string // names of active faults, comma-joined
	}{
		{-time.Minute, ""},
		{0, ""},
		{2*time.Minute - time.Second, ""},
		{2 * time.Minute, "db latency"},
		{6*time.Minute - time.Second, "db latency"},
		{6 * time.Minute, ""},
		{10 * time.Minute, "payments bad release"},
		{17 * time.Minute, "catalog CPU saturation"},
		{21*time.Minute + 3*time.Minute, "db latency"}, // the next cycle
	}
	for _, tt := range tests {
		var names []string
		for _, f := range s.Active(tt.elapsed) {
			names = append(names, f.Name)
		}
		if got := strings.Join(names, ","); got != tt.want {
			t.Errorf("Active(%s) = %q, want %q", tt.elapsed, got, tt.want)
		}
	}
}

func TestScheduleDeploysAndNext(t *testing.T) {
	s := DefaultSchedule()
	deploys := []struct {
		elapsed time.Duration
		want    int
	}{
		{0, 0}, {9*time.Minute - 1, 0}, {9 * time.Minute, 1}, {13 * time.Minute, 2}, {30 * time.Minute, 3}, {50 * time.Minute, 4},
	}
	for _, tt := range deploys {
		if got := s.Deploys("payments", tt.elapsed); got != tt.want {
			t.Errorf("Deploys(payments, %s) = %d, want %d", tt.elapsed, got, tt.want)
		}
	}
	if got := s.Deploys("db", time.Hour); got != 0 {
		t.Errorf("db was deployed %d times; it has no deploy fault", got)
	}
	next := []struct {
		elapsed time.Duration
		name    string
		at      time.Duration
	}{
		{-time.Hour, "db latency", 2 * time.Minute},
		{2 * time.Minute, "db latency", 2 * time.Minute},
		{3 * time.Minute, "payments bad release", 9 * time.Minute},
		{20 * time.Minute, "db latency", 23 * time.Minute},
	}
	for _, tt := range next {
		f, at, ok := s.Next(tt.elapsed)
		if !ok || f.Name != tt.name || at != tt.at {
			t.Errorf("Next(%s) = %s at %s (%v), want %s at %s", tt.elapsed, f.Name, at, ok, tt.name, tt.at)
		}
	}
	fast := s.Scaled(10)
	if fast.Period != s.Period/10 || fast.Faults[1].Start != s.Faults[1].Start/10 || fast.Faults[1].Duration != s.Faults[1].Duration/10 {
		t.Errorf("Scaled(10) = %+v", fast)
	}
}

func TestScheduleValidate(t *testing.T) {
	svcs := DefaultServices()
	tests := []struct {
		name  string
		fault Fault
		want  string
	}{
		{"unknown service", Fault{Name: "x", Service: "nope", Kind: KindLatency, Duration: time.Minute, Severity: 2}, `no service "nope"`},
		{"unknown kind", Fault{Name: "x", Service: "db", Kind: "melt", Duration: time.Minute, Severity: 2}, `kind "melt"`},
		{"past the period", Fault{Name: "x", Service: "db", Kind: KindLatency, Start: 9 * time.Minute, Duration: 2 * time.Minute, Severity: 2}, "does not fit"},
		{"error share above 1", Fault{Name: "x", Service: "db", Kind: KindErrors, Duration: time.Minute, Severity: 2}, "error share 2"},
		{"latency factor below 1", Fault{Name: "x", Service: "db", Kind: KindCPU, Duration: time.Minute, Severity: 0.5}, "latency factor 0.5"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := Schedule{Period: 10 * time.Minute, Faults: []Fault{tt.fault}}.Validate(svcs)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("Validate() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if err := DefaultSchedule().Validate(svcs); err != nil {
		t.Errorf("the default schedule: %v", err)
	}
	if err := DefaultSchedule().Scaled(100).Validate(svcs); err != nil {
		t.Errorf("the default schedule at speed 100: %v", err)
	}
}

func TestNewRefusesBadGraphs(t *testing.T) {
	tests := []struct {
		name     string
		services []Service
		want     string
	}{
		{"unknown callee", []Service{{Name: "a", Calls: []Call{{"b", 1}}}}, `unknown service "b"`},
		{"duplicate", []Service{{Name: "a"}, {Name: "a"}}, "listed twice"},
		{"cycle", []Service{{Name: "a", Calls: []Call{{"b", 1}}}, {Name: "b", Calls: []Call{{"c", 1}}}, {Name: "c", Calls: []Call{{"b", 1}}}}, "cycle"},
		{"called entry point", []Service{{Name: "a"}, {Name: "b", Calls: []Call{{"a", 1}}}}, "entry point a"},
		{"no name", []Service{{}}, "no name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := New(Config{Services: tt.services, Start: t0})
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("New() = %v, want an error containing %q", err, tt.want)
			}
		})
	}
	if _, err := New(Config{}); err == nil {
		t.Error("New without a start time succeeded")
	}
}

// TestFaultsPropagate checks each fault of the default schedule against a healthy moment:
// the faulty service and its callers (transitively) degrade, services that do not depend
// on it do not.
func TestFaultsPropagate(t *testing.T) {
	s := newShop(t, 1)
	idx := map[string]int{}
	for i, svc := range s.Services() {
		idx[svc.Name] = i
	}
	healthy := s.StateAt(t0.Add(time.Minute))
	if len(healthy.Faults) != 0 {
		t.Fatalf("faults at 1 min: %v", healthy.Faults)
	}
	for i, svc := range s.Services() {
		if p99 := healthy.Latency[i] * 2.26; p99 > 0.8*LatencyThreshold {
			t.Errorf("healthy %s p99 %.3fs is within 20%% of the alert threshold", svc.Name, p99)
		}
		if healthy.ErrorRatio[i] > ErrorRatioThreshold/5 || healthy.CPU[i] > CPUThreshold/2 {
			t.Errorf("healthy %s: errors %.4f, CPU %.2f", svc.Name, healthy.ErrorRatio[i], healthy.CPU[i])
		}
	}
	tests := []struct {
		at        time.Duration
		fault     string
		worse     []string // services that degrade
		unchanged []string // services that do not
		signal    func(st State, i int) float64
		threshold float64 // at least the first of worse crosses it
	}{
		{3 * time.Minute, "db latency", []string{"db", "catalog", "payments", "inventory", "checkout", "recommendations", "frontend"}, nil,
			func(st State, i int) float64 { return st.Latency[i] }, LatencyThreshold / 2.26},
		{10 * time.Minute, "payments bad release", []string{"payments", "checkout", "frontend"}, []string{"catalog", "db", "inventory", "recommendations"},
			func(st State, i int) float64 { return st.ErrorRatio[i] }, ErrorRatioThreshold},
		{17 * time.Minute, "catalog CPU saturation", []string{"catalog", "recommendations", "frontend"}, []string{"db", "checkout", "payments", "inventory"},
			func(st State, i int) float64 { return st.Latency[i] }, 0},
	}
	for _, tt := range tests {
		t.Run(tt.fault, func(t *testing.T) {
			st := s.StateAt(t0.Add(tt.at))
			if len(st.Faults) != 1 || st.Faults[0].Name != tt.fault {
				t.Fatalf("faults at %s: %v", tt.at, st.Faults)
			}
			for _, name := range tt.worse {
				i := idx[name]
				if got, was := tt.signal(st, i), tt.signal(healthy, i); got < 1.5*was {
					t.Errorf("%s: %.4f during the fault, %.4f healthy: want a rise", name, got, was)
				}
			}
			if v := tt.signal(st, idx[tt.worse[0]]); v < tt.threshold {
				t.Errorf("%s: %.4f does not cross %.4f", tt.worse[0], v, tt.threshold)
			}
			for _, name := range tt.unchanged {
				i := idx[name]
				if got, was := tt.signal(st, i), tt.signal(healthy, i); got > 1.3*was {
					t.Errorf("%s: %.4f during the fault, %.4f healthy: it does not depend on %s", name, got, was, tt.worse[0])
				}
			}
		})
	}
	if cpu := s.StateAt(t0.Add(17 * time.Minute)).CPU[idx["catalog"]]; cpu < CPUThreshold {
		t.Errorf("catalog CPU %.2f during saturation, want above %.2f", cpu, CPUThreshold)
	}
}

// TestExpositionDeterministic checks that the same seed gives the same metrics and
// another seed other metrics, and that counters never fall.
func TestExpositionDeterministic(t *testing.T) {
	text := func(s *Shop, at time.Time) string {
		var b bytes.Buffer
		if err := s.WriteText(&b, at); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	a, b, c := newShop(t, 7), newShop(t, 7), newShop(t, 8)
	at := t0.Add(10 * time.Minute)
	if text(a, at) != text(b, at) {
		t.Error("two shops with seed 7 differ")
	}
	if text(a, at.Add(time.Minute)) == text(c, at.Add(time.Minute)) {
		t.Error("seeds 7 and 8 give the same metrics")
	}
	later := values(text(a, at.Add(5*time.Minute)))
	for k, v := range values(text(a, at.Add(time.Minute))) {
		if strings.Contains(k, "_total") || strings.Contains(k, "_bucket") || strings.Contains(k, "_count") {
			if later[k] < v {
				t.Errorf("counter %s fell from %v to %v", k, v, later[k])
			}
		}
	}
}

// TestBuildInfoFollowsDeploys checks the version label: the bad release and its fix each
// bring a new version, so root-cause analysis sees a deploy before the errors.
func TestBuildInfoFollowsDeploys(t *testing.T) {
	s := newShop(t, 1)
	for _, tt := range []struct {
		at   time.Duration
		want string
	}{{time.Minute, "1.4.0"}, {10 * time.Minute, "1.4.1"}, {14 * time.Minute, "1.4.2"}} {
		var b bytes.Buffer
		if err := s.WriteText(&b, t0.Add(tt.at)); err != nil {
			t.Fatal(err)
		}
		want := `shop_build_info{service="payments",version="` + tt.want + `"} 1`
		if !strings.Contains(b.String(), want) {
			t.Errorf("at %s: no %s in\n%s", tt.at, want, grep(b.String(), "shop_build_info"))
		}
	}
}

var sampleLine = regexp.MustCompile(`^(\S+) (\S+)$`)

func values(text string) map[string]float64 {
	out := map[string]float64{}
	for _, line := range strings.Split(text, "\n") {
		if m := sampleLine.FindStringSubmatch(line); m != nil && !strings.HasPrefix(line, "#") {
			v, _ := strconv.ParseFloat(m[2], 64)
			out[m[1]] = v
		}
	}
	return out
}

func grep(text, substr string) string {
	var out []string
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, substr) {
			out = append(out, line)
		}
	}
	return strings.Join(out, "\n")
}

func TestHandler(t *testing.T) {
	s := newShop(t, 1)
	srv := httptest.NewServer(s.Handler(func() time.Time { return t0 }))
	defer srv.Close()
	for _, tt := range []struct {
		method, path string
		status       int
	}{{http.MethodGet, "/metrics", 200}, {http.MethodHead, "/metrics", 200}, {http.MethodPost, "/metrics", 405}, {http.MethodGet, "/other", 404}} {
		req, _ := http.NewRequest(tt.method, srv.URL+tt.path, nil)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != tt.status {
			t.Errorf("%s %s: %d, want %d", tt.method, tt.path, resp.StatusCode, tt.status)
		}
	}
}

func TestWriteHistoryRefusesBadSteps(t *testing.T) {
	s := newShop(t, 1)
	for _, step := range []time.Duration{0, -time.Second, 1500 * time.Millisecond} {
		if err := s.WriteHistory(&bytes.Buffer{}, t0, t0.Add(time.Minute), step); err == nil {
			t.Errorf("step %s accepted", step)
		}
	}
	if err := s.WriteHistory(&bytes.Buffer{}, t0, t0.Add(-time.Minute), time.Second); err == nil {
		t.Error("an end before the start was accepted")
	}
}

// TestHistoryAndRulesWithPromtool has promtool import the history and check the alert
// rules: what `foresight run` gives Prometheus is what Prometheus accepts.
func TestHistoryAndRulesWithPromtool(t *testing.T) {
	promtool := promtest.PromtoolBinary(t)
	dir := t.TempDir()
	s := newShop(t, 1)
	var b bytes.Buffer
	if err := s.WriteHistory(&b, t0.Add(-time.Hour), t0.Add(-time.Second), 5*time.Second); err != nil {
		t.Fatal(err)
	}
	history := filepath.Join(dir, "history.om")
	rules := filepath.Join(dir, "rules.yml")
	if err := os.WriteFile(history, b.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(rules, []byte(AlertRules(RuleTimings{Interval: 5 * time.Second, Window: time.Minute, For: 30 * time.Second})), 0o600); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"tsdb", "create-blocks-from", "openmetrics", "--quiet", history, filepath.Join(dir, "data")},
		{"check", "rules", rules},
	} {
		if out, err := exec.Command(promtool, args...).CombinedOutput(); err != nil {
			t.Errorf("promtool %s: %v\n%s", strings.Join(args, " "), err, out)
		}
	}
}
