package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/foresight-aiops/foresight/pkg/internal/datasets"
)

// TestEvalNAB runs the benchmark end to end on the real corpus and checks the report's
// shape and that the default detector has not regressed below the figures recorded in
// docs/BENCHMARKS.md (with a margin of one point for float noise across platforms).
func TestEvalNAB(t *testing.T) {
	dir := datasets.Dir(t, "nab")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"eval", "nab", "--data", dir}, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(stdout.String()), "\n")
	last := lines[len(lines)-1]
	var std, lowFP, lowFN float64
	if _, err := fmt.Sscanf(last, "NAB standard=%g reward_low_FP=%g reward_low_FN=%g", &std, &lowFP, &lowFN); err != nil {
		t.Fatalf("last line %q: %v", last, err)
	}
	floor := [3]float64{66.5, 58.0, 71.6}
	for i, got := range [3]float64{std, lowFP, lowFN} {
		if got < floor[i] {
			t.Errorf("%s: NAB %.1f, below the recorded %.1f", last, got, floor[i]+1)
		}
	}
	if !strings.Contains(stdout.String(), "58 files, 365558 points, 116 windows") {
		t.Errorf("report does not describe the whole corpus:\n%s", stdout.String())
	}
}

func TestEvalUsage(t *testing.T) {
	for _, args := range [][]string{{"eval"}, {"eval", "bogus"}, {"eval", "nab", "--sensitivity", "3"}} {
		var stdout, stderr bytes.Buffer
		if code := run(args, nil, &stdout, &stderr); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, exitUsage, stderr.String())
		}
	}
	var stdout, stderr bytes.Buffer
	if code := run([]string{"eval", "nab", "--data", t.TempDir()}, nil, &stdout, &stderr); code != exitFail ||
		!strings.Contains(stderr.String(), "combined_windows.json") {
		t.Errorf("missing data: exit %d, stderr %q; want %d naming the windows file", code, stderr.String(), exitFail)
	}
}
