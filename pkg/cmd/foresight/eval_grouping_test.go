package main

import (
	"bytes"
	"fmt"
	"math"
	"strings"
	"testing"

	"github.com/foresight-aiops/foresight/pkg/internal/datasets"
)

// groupingLine is one of the report's two last lines.
type groupingLine struct {
	alerts, incidents                       int
	compression, precision, recall, f1, ari float64
}

func parseGroupingLine(t *testing.T, name, line string) groupingLine {
	t.Helper()
	var g groupingLine
	format := name + " alerts=%d incidents=%d compression=%g precision=%g recall=%g F1=%g ARI=%g"
	if _, err := fmt.Sscanf(line, format, &g.alerts, &g.incidents, &g.compression, &g.precision, &g.recall, &g.f1, &g.ari); err != nil {
		t.Fatalf("line %q: %v", line, err)
	}
	for _, x := range []float64{g.compression, g.precision, g.recall, g.f1} {
		if math.IsNaN(x) || x < 0 || x > 1 {
			t.Fatalf("%s: a figure is outside [0, 1]", line)
		}
	}
	if g.ari < -1 || g.ari > 1 || g.alerts == 0 || g.incidents == 0 || g.incidents > g.alerts {
		t.Fatalf("%s: counts or ARI out of range", line)
	}
	return g
}

// TestEvalGrouping runs the evaluation end to end on the real MicroSS alerts and checks the
// report's shape; both groupers score the same alerts.
func TestEvalGrouping(t *testing.T) {
	dir := datasets.Dir(t, "fault-alerts-micross")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"eval", "grouping", "--data", dir, "-v"}, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) < 3 {
		t.Fatalf("report too short:\n%s", out)
	}
	ours := parseGroupingLine(t, "grouping", lines[len(lines)-2])
	base := parseGroupingLine(t, "grouping-baseline", lines[len(lines)-1])
	if ours.alerts != base.alerts {
		t.Errorf("the engine scored %d alerts, the baseline %d", ours.alerts, base.alerts)
	}
	for _, want := range []string{"replay: 152 faults", "Foresight by fault type:", "[memory_anomalies]", "placed by"} {
		if !strings.Contains(out, want) {
			t.Errorf("verbose report lacks %q:\n%s", want, out)
		}
	}
	// The same seed replays the same stream: the figures repeat exactly.
	var again bytes.Buffer
	run([]string{"eval", "grouping", "--data", dir}, nil, &again, &stderr)
	if got := strings.TrimSpace(again.String()); !strings.HasSuffix(out, got+"\n") {
		t.Errorf("a second run printed\n%s\nwant the same last lines as\n%s", got, out)
	}
}

func TestEvalGroupingUsage(t *testing.T) {
	for _, args := range [][]string{
		{"eval", "grouping", "--overlap-gap", "0s"},
		{"eval", "grouping", "--noise-rate", "-1"},
		{"eval", "grouping", "--bogus"},
		{"eval", "grouping", "extra"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(args, nil, &stdout, &stderr); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, exitUsage, stderr.String())
		}
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"eval", "grouping", "--data", t.TempDir()}, nil, &stdout, &stderr)
	if code != exitFail || !strings.Contains(stderr.String(), "label.csv") {
		t.Errorf("missing data: exit %d, stderr %q; want %d naming label.csv", code, stderr.String(), exitFail)
	}
	if stdout.Len() != 0 {
		t.Errorf("missing data printed a report: %q", stdout.String())
	}
}
