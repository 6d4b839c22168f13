package synthetic

import (
	"bufio"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/expfmt"
	"github.com/prometheus/common/model"

	"github.com/foresight-aiops/foresight/pkg/promtest"
)

// sample is one parsed exposition line.
type sample struct {
	service string
	value   float64
	ts      int64 // as written; 0 when absent
	hasTS   bool
}

// parseExposition is a strict parser for exactly the subset of the text
// formats this package writes: stricter than expfmt about layout (header
// lines, order, no timestamps), and it also reads the OpenMetrics output,
// whose real parser is exercised through promtool below.
func parseExposition(t *testing.T, text string, openMetrics bool) []sample {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(text, "\n"), "\n")
	wantHeader := []string{
		"# HELP " + MetricName + " " + help,
		"# TYPE " + MetricName + " gauge",
	}
	if len(lines) < 2 || lines[0] != wantHeader[0] || lines[1] != wantHeader[1] {
		t.Fatalf("header = %q, want %q", lines[:min(2, len(lines))], wantHeader)
	}
	body := lines[2:]
	if openMetrics {
		if len(body) == 0 || body[len(body)-1] != "# EOF" {
			t.Fatalf("OpenMetrics output does not end with # EOF")
		}
		body = body[:len(body)-1]
	}
	prefix := MetricName + `{` + ServiceLabel + `="`
	var out []sample
	for i, line := range body {
		rest, ok := strings.CutPrefix(line, prefix)
		if !ok {
			t.Fatalf("line %d: %q does not start with %q", i+3, line, prefix)
		}
		svc, rest, ok := strings.Cut(rest, `"} `)
		if !ok {
			t.Fatalf("line %d: %q: no closing brace", i+3, line)
		}
		fields := strings.Split(rest, " ")
		s := sample{service: svc}
		var err error
		if s.value, err = strconv.ParseFloat(fields[0], 64); err != nil {
			t.Fatalf("line %d: %q: %v", i+3, line, err)
		}
		switch len(fields) {
		case 1:
		case 2:
			s.hasTS = true
			if s.ts, err = strconv.ParseInt(fields[1], 10, 64); err != nil {
				t.Fatalf("line %d: %q: timestamp: %v", i+3, line, err)
			}
		default:
			t.Fatalf("line %d: %q: too many fields", i+3, line)
		}
		out = append(out, s)
	}
	return out
}

func TestHandler(t *testing.T) {
	s := NewScenario(testAnchor)
	// Inside the checkout spike and the payments shift.
	now := testAnchor.Add(-SpikeOffset + time.Minute + 1234*time.Millisecond)
	srv := httptest.NewServer(Handler(s, func() time.Time { return now }))
	defer srv.Close()

	tests := []struct {
		method, path string
		wantStatus   int
	}{
		{http.MethodGet, "/metrics", http.StatusOK},
		{http.MethodHead, "/metrics", http.StatusOK},
		{http.MethodGet, "/", http.StatusNotFound},
		{http.MethodGet, "/metrics/extra", http.StatusNotFound},
		{http.MethodPost, "/metrics", http.StatusMethodNotAllowed},
	}
	for _, tt := range tests {
		t.Run(tt.method+" "+tt.path, func(t *testing.T) {
			req, err := http.NewRequest(tt.method, srv.URL+tt.path, nil)
			if err != nil {
				t.Fatal(err)
			}
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("status = %d, want %d", resp.StatusCode, tt.wantStatus)
			}
			if tt.wantStatus != http.StatusOK {
				return
			}
			if ct := resp.Header.Get("Content-Type"); ct != textContentType {
				t.Errorf("Content-Type = %q, want %q", ct, textContentType)
			}
			if tt.method == http.MethodHead {
				return
			}
			body, err := io.ReadAll(resp.Body)
			if err != nil {
				t.Fatal(err)
			}
			checkWithExpfmt(t, body, s, now)
			samples := parseExposition(t, string(body), false)
			if len(samples) != len(Services()) {
				t.Fatalf("got %d samples, want %d", len(samples), len(Services()))
			}
			for i, svc := range Services() {
				got := samples[i]
				if got.service != svc || got.hasTS || got.value != s.Value(svc, now) {
					t.Errorf("sample %d = %+v, want service %q value %v and no timestamp", i, got, svc, s.Value(svc, now))
				}
			}
		})
	}
}

// checkWithExpfmt parses body with the Prometheus client library's text
// parser, the same format handling Prometheus' scraper implements.
func checkWithExpfmt(t *testing.T, body []byte, s Scenario, now time.Time) {
	t.Helper()
	parser := expfmt.NewTextParser(model.UTF8Validation)
	families, err := parser.TextToMetricFamilies(bytes.NewReader(body))
	if err != nil {
		t.Fatalf("expfmt: %v\n%s", err, body)
	}
	fam, ok := families[MetricName]
	if !ok || len(families) != 1 {
		t.Fatalf("expfmt: families %v, want only %s", families, MetricName)
	}
	if fam.GetType().String() != "GAUGE" || fam.GetHelp() != help {
		t.Errorf("expfmt: type %v help %q, want GAUGE %q", fam.GetType(), fam.GetHelp(), help)
	}
	got := make(map[string]float64)
	for _, m := range fam.GetMetric() {
		if len(m.GetLabel()) != 1 || m.GetLabel()[0].GetName() != ServiceLabel {
			t.Fatalf("expfmt: labels %v, want only %s", m.GetLabel(), ServiceLabel)
		}
		if m.TimestampMs != nil {
			t.Errorf("expfmt: explicit timestamp %d", m.GetTimestampMs())
		}
		got[m.GetLabel()[0].GetValue()] = m.GetGauge().GetValue()
	}
	for _, svc := range Services() {
		if v, ok := got[svc]; !ok || v != s.Value(svc, now) {
			t.Errorf("expfmt: %s = %v (present %v), want %v", svc, v, ok, s.Value(svc, now))
		}
	}
}

func TestHandlerPassesPromtoolLint(t *testing.T) {
	promtool := promtest.PromtoolBinary(t)
	var buf bytes.Buffer
	if err := writeText(&buf, NewScenario(testAnchor), testAnchor); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(promtool, "check", "metrics")
	cmd.Stdin = &buf
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("promtool check metrics: %v\n%s", err, out)
	}
}

func TestWriteOpenMetrics(t *testing.T) {
	s := NewScenario(testAnchor)
	tests := []struct {
		name        string
		start, end  time.Time
		step        time.Duration
		wantFirst   time.Time
		wantPerSvc  int
		wantErrPart string
	}{
		{
			name:  "aligned and inclusive",
			start: testAnchor.Add(-10 * time.Minute), end: testAnchor, step: time.Minute,
			wantFirst: testAnchor.Add(-10 * time.Minute), wantPerSvc: 11,
		},
		{
			name:  "unaligned start rounds up, unaligned end rounds down",
			start: testAnchor.Add(-10*time.Minute + time.Second), end: testAnchor.Add(59 * time.Second), step: time.Minute,
			wantFirst: testAnchor.Add(-9 * time.Minute), wantPerSvc: 10,
		},
		{
			name:  "sub-second start",
			start: testAnchor.Add(-time.Nanosecond), end: testAnchor.Add(30 * time.Second), step: 15 * time.Second,
			wantFirst: testAnchor, wantPerSvc: 3,
		},
		{
			name:  "single point",
			start: testAnchor, end: testAnchor, step: time.Minute,
			wantFirst: testAnchor, wantPerSvc: 1,
		},
		{
			name:  "grid is aligned to the epoch, not to start",
			start: testAnchor, end: testAnchor.Add(2 * time.Hour), step: time.Hour,
			wantFirst: testAnchor.Truncate(time.Hour).Add(time.Hour), wantPerSvc: 2,
		},
		{
			name:  "no grid point in range",
			start: testAnchor.Add(time.Second), end: testAnchor.Add(2 * time.Second), step: time.Minute,
			wantPerSvc: 0,
		},
		{name: "zero step", start: testAnchor, end: testAnchor, step: 0, wantErrPart: "step"},
		{name: "fractional step", start: testAnchor, end: testAnchor, step: 1500 * time.Millisecond, wantErrPart: "step"},
		{name: "end before start", start: testAnchor, end: testAnchor.Add(-time.Second), step: time.Second, wantErrPart: "before"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var buf bytes.Buffer
			err := WriteOpenMetrics(&buf, s, tt.start, tt.end, tt.step)
			if tt.wantErrPart != "" {
				if err == nil || !strings.Contains(err.Error(), tt.wantErrPart) {
					t.Fatalf("err = %v, want one mentioning %q", err, tt.wantErrPart)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			samples := parseExposition(t, buf.String(), true)
			if len(samples) != tt.wantPerSvc*len(Services()) {
				t.Fatalf("got %d samples, want %d per service", len(samples), tt.wantPerSvc)
			}
			for i, got := range samples {
				svc := Services()[i/tt.wantPerSvc]
				at := tt.wantFirst.Add(time.Duration(i%tt.wantPerSvc) * tt.step)
				if got.service != svc || !got.hasTS || got.ts != at.Unix() || got.value != s.Value(svc, at) {
					t.Fatalf("sample %d = %+v, want %s at %d = %v", i, got, svc, at.Unix(), s.Value(svc, at))
				}
			}
		})
	}
}

// errWriter fails every write, to check that write errors are reported.
type errWriter struct{}

func (errWriter) Write([]byte) (int, error) { return 0, fmt.Errorf("disk full") }

func TestWriteOpenMetricsReportsWriteError(t *testing.T) {
	err := WriteOpenMetrics(errWriter{}, NewScenario(testAnchor), testAnchor.Add(-time.Hour), testAnchor, time.Second)
	if err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Fatalf("err = %v, want the write error", err)
	}
}

// TestWriteOpenMetricsPromtool backfills a day through promtool and dumps
// the blocks back, checking every sample survives with its exact value and
// millisecond timestamp.
func TestWriteOpenMetricsPromtool(t *testing.T) {
	promtool := promtest.PromtoolBinary(t)
	s := NewScenario(testAnchor)
	start, end := testAnchor.Add(-day), testAnchor

	dir := t.TempDir()
	file := filepath.Join(dir, "history.om")
	f, err := os.Create(file)
	if err != nil {
		t.Fatal(err)
	}
	if err := WriteOpenMetrics(f, s, start, end, time.Minute); err != nil {
		t.Fatal(err)
	}
	if err := f.Close(); err != nil {
		t.Fatal(err)
	}
	blocks := filepath.Join(dir, "data")
	if out, err := exec.Command(promtool, "tsdb", "create-blocks-from", "openmetrics", file, blocks).CombinedOutput(); err != nil {
		t.Fatalf("promtool tsdb create-blocks-from openmetrics: %v\n%s", err, out)
	}
	// promtool 2.42's dump opens the directory as a full DB and fails
	// without a WAL directory, which create-blocks-from does not make.
	if err := os.MkdirAll(filepath.Join(blocks, "wal"), 0o755); err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(promtool, "tsdb", "dump", blocks)
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("promtool tsdb dump: %v\n%s", err, stderr.Bytes())
	}

	// Lines look like: {__name__="m", service="x"} 123.4 1710421740000
	want := make(map[string]float64)
	for _, svc := range Services() {
		for at := start; !at.After(end); at = at.Add(time.Minute) {
			want[fmt.Sprintf("%s %d", svc, at.UnixMilli())] = s.Value(svc, at)
		}
	}
	prefix := `{__name__="` + MetricName + `", ` + ServiceLabel + `="`
	sc := bufio.NewScanner(bytes.NewReader(out))
	got := 0
	for sc.Scan() {
		rest, ok := strings.CutPrefix(sc.Text(), prefix)
		if !ok {
			t.Fatalf("unexpected dump line %q", sc.Text())
		}
		svc, rest, _ := strings.Cut(rest, `"} `)
		val, ts, _ := strings.Cut(rest, " ")
		key := svc + " " + ts
		w, ok := want[key]
		if !ok {
			t.Fatalf("dump has unexpected sample %q", sc.Text())
		}
		if v, err := strconv.ParseFloat(val, 64); err != nil || v != w {
			t.Fatalf("dump line %q: value %v, want %v", sc.Text(), val, w)
		}
		got++
	}
	if got != len(want) {
		t.Fatalf("dump has %d samples, want %d", got, len(want))
	}
}
