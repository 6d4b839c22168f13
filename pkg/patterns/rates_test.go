package patterns

import (
	"fmt"
	"testing"

	"github.com/foresight-aiops/foresight/pkg/anomaly"
)

// TestAnalyseFlagsNewAndSurgingPatterns: a steady pattern all along, one that surges in
// the last tenth, and one that first appears in the last tenth.
func TestAnalyseFlagsNewAndSurgingPatterns(t *testing.T) {
	const step = int64(60_000)
	const buckets = 200
	var lines []Line
	for i := range int64(buckets) {
		at := i * step
		lines = append(lines, Line{at, fmt.Sprintf("GET /api/items/%d 200 in %dms", i, 10+i%7)})
		lines = append(lines, Line{at + 1, fmt.Sprintf("GET /api/items/%d 200 in %dms", i+1, 12+i%5)})
		retries := 1
		if i >= buckets*9/10 {
			retries = 25
		}
		for r := range retries {
			lines = append(lines, Line{at + 2 + int64(r), fmt.Sprintf("retrying connection to db-%d attempt %d", r%3+10, r)})
		}
		if i >= buckets*9/10 {
			lines = append(lines, Line{at + 40, fmt.Sprintf("panic: nil map write in worker %d", i)})
		}
	}
	got := Analyse(lines, RateConfig{From: 0, To: (buckets - 1) * step, Step: step, Anomaly: anomaly.DefaultConfig()})
	if got.Lines != len(lines) || len(got.Times) != buckets {
		t.Fatalf("counted %d lines over %d buckets, want %d over %d", got.Lines, len(got.Times), len(lines), buckets)
	}
	want := map[string]struct{ new, surging bool }{
		"GET <*> <*> in <*>":                     {false, false},
		"retrying connection to <*> attempt <*>": {false, true},
		"panic: nil map write in worker <*>":     {true, true},
	}
	if len(got.Patterns) != len(want) {
		for _, p := range got.Patterns {
			t.Logf("%q count %d", p.Template, p.Count)
		}
		t.Fatalf("%d patterns, want %d", len(got.Patterns), len(want))
	}
	for _, p := range got.Patterns {
		w, ok := want[p.Template]
		if !ok {
			t.Fatalf("unexpected pattern %q", p.Template)
		}
		if p.New != w.new || p.Surging != w.surging {
			t.Errorf("%q: new=%v surging=%v (score %.2f), want new=%v surging=%v", p.Template, p.New, p.Surging, p.Score, w.new, w.surging)
		}
		if len(p.Examples) == 0 || len(p.Examples) > 3 {
			t.Errorf("%q: %d examples", p.Template, len(p.Examples))
		}
	}
	if got.Patterns[0].Template != "retrying connection to <*> attempt <*>" {
		t.Errorf("most frequent first: got %q", got.Patterns[0].Template)
	}
}

func TestAnalyseIgnoresLinesOutsideTheRange(t *testing.T) {
	lines := []Line{{-5, "before 1"}, {0, "inside 1"}, {100, "inside 2"}, {300, "after 3"}}
	got := Analyse(lines, RateConfig{From: 0, To: 200, Step: 100, Anomaly: anomaly.DefaultConfig()})
	if got.Lines != 2 || len(got.Patterns) != 1 || got.Patterns[0].Count != 2 {
		t.Fatalf("got %d lines, %d patterns: %+v", got.Lines, len(got.Patterns), got.Patterns)
	}
}
