package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/foresight-aiops/foresight/pkg/internal/datasets"
)

// TestEvalLoghub runs the evaluation on the real Loghub-2k data and checks the report's
// last line; the floors guard against regressions of the miner, well below the figures
// recorded in docs/BENCHMARKS.md.
func TestEvalLoghub(t *testing.T) {
	dir := datasets.Dir(t, "loghub-2k")
	var out, errOut bytes.Buffer
	if code := run([]string{"eval", "loghub", "--data", dir}, nil, &out, &errOut); code != exitOK {
		t.Fatalf("exit %d: %s", code, errOut.String())
	}
	lines := strings.Split(strings.TrimSpace(out.String()), "\n")
	last := lines[len(lines)-1]
	var ga, cga, fga, pa, fta float64
	if _, err := fmt.Sscanf(last, "Loghub-2k GA=%g corrected GA=%g FGA=%g PA=%g FTA=%g", &ga, &cga, &fga, &pa, &fta); err != nil {
		t.Fatalf("last line %q: %v", last, err)
	}
	if ga < 0.95 || cga < 0.95 || fga < 0.9 || pa < 0.6 || fta < 0.65 {
		t.Errorf("quality regressed: %s", last)
	}
}

func TestEvalLoghubBadData(t *testing.T) {
	var out, errOut bytes.Buffer
	if code := run([]string{"eval", "loghub", "--data", t.TempDir()}, nil, &out, &errOut); code != exitFail {
		t.Fatalf("exit %d on an empty folder, want %d", code, exitFail)
	}
	if !strings.Contains(errOut.String(), "foresight eval loghub:") {
		t.Fatalf("error %q does not say which command failed", errOut.String())
	}
}
