package main

import (
	"bytes"
	"fmt"
	"strings"
	"testing"

	"github.com/foresight-aiops/foresight/pkg/internal/datasets"
)

// TestEvalRCA runs both RCA evaluations on the real data and checks the last line; the
// floors guard against regressions, well below the figures in docs/BENCHMARKS.md.
func TestEvalRCA(t *testing.T) {
	tests := []struct {
		dataset, dir string
		floorAC1     float64
		floorAC3     float64
		mustSay      string
	}{
		{"petshop", "petshop", 0.70, 0.85, "specificity overall:"},
		{"micross", "fault-alerts-micross", 0.30, 0.40, "ceiling: the cause is named by an alert in"},
	}
	for _, tt := range tests {
		t.Run(tt.dataset, func(t *testing.T) {
			dir := datasets.Dir(t, tt.dir)
			var out, errOut bytes.Buffer
			if code := run([]string{"eval", "rca", "-dataset", tt.dataset, "--data", dir}, nil, &out, &errOut); code != exitOK {
				t.Fatalf("exit %d: %s", code, errOut.String())
			}
			text := strings.TrimSpace(out.String())
			lines := strings.Split(text, "\n")
			last := lines[len(lines)-1]
			var ac1, ac3, avg5 float64
			if _, err := fmt.Sscanf(last, "RCA "+tt.dataset+" AC@1=%g AC@3=%g Avg@5=%g", &ac1, &ac3, &avg5); err != nil {
				t.Fatalf("last line %q: %v", last, err)
			}
			if ac1 < tt.floorAC1 || ac3 < tt.floorAC3 || avg5 < ac1 {
				t.Errorf("quality regressed: %s", last)
			}
			if !strings.Contains(text, tt.mustSay) {
				t.Errorf("report lacks %q:\n%s", tt.mustSay, text)
			}
		})
	}
}

func TestEvalRCABadInput(t *testing.T) {
	tests := []struct {
		args []string
		code int
		want string
	}{
		{[]string{"eval", "rca", "-dataset", "nope"}, exitUsage, `unknown -dataset "nope"`},
		{[]string{"eval", "rca", "-dataset", "petshop", "--data", "/nonexistent"}, exitFail, "foresight eval rca:"},
		{[]string{"eval", "rca", "-dataset", "micross", "--data", "/nonexistent"}, exitFail, "micross:"},
		{[]string{"eval", "rca", "extra"}, exitUsage, `unexpected argument "extra"`},
	}
	for _, tt := range tests {
		var out, errOut bytes.Buffer
		if code := run(tt.args, nil, &out, &errOut); code != tt.code || !strings.Contains(errOut.String(), tt.want) {
			t.Errorf("%v: exit %d, stderr %q; want exit %d and %q", tt.args, code, errOut.String(), tt.code, tt.want)
		}
	}
}
