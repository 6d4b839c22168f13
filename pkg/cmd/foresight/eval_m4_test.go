package main

import (
	"bytes"
	"fmt"
	"math"
	"slices"
	"strings"
	"testing"

	"github.com/foresight-aiops/foresight/pkg/forecast"
	"github.com/foresight-aiops/foresight/pkg/internal/datasets"
)

// TestEvalM4 runs the benchmark end to end on the real hourly subset and checks the
// report's shape and that the engine beats the Naive2 benchmark.
func TestEvalM4(t *testing.T) {
	dir := datasets.Dir(t, "m4-hourly")
	var stdout, stderr bytes.Buffer
	if code := run([]string{"eval", "m4", "--data", dir, "--workers", "4"}, nil, &stdout, &stderr); code != exitOK {
		t.Fatalf("exit %d: %s", code, stderr.String())
	}
	out := stdout.String()
	lines := strings.Split(strings.TrimSpace(out), "\n")
	last := lines[len(lines)-1]
	var smape, mase, owa, msis, cover float64
	if _, err := fmt.Sscanf(last, "M4 hourly sMAPE=%g MASE=%g OWA=%g MSIS=%g coverage95=%g", &smape, &mase, &owa, &msis, &cover); err != nil {
		t.Fatalf("last line %q: %v", last, err)
	}
	for _, x := range []float64{smape, mase, owa, msis, cover} {
		if math.IsNaN(x) || math.IsInf(x, 0) || x < 0 {
			t.Fatalf("%s: a figure is not a finite non-negative number", last)
		}
	}
	// Guards against regression, a little below the recorded figures (docs/BENCHMARKS.md:
	// OWA 0.427, MSIS 6.79, coverage 0.945); the seasonal naive benchmark alone gives 0.628.
	if owa > 0.44 {
		t.Errorf("%s: OWA %.3f, above the 0.44 floor", last, owa)
	}
	if msis > 7.2 {
		t.Errorf("%s: MSIS %.3f, above 7.2", last, msis)
	}
	if cover < 0.93 || cover > 0.97 {
		t.Errorf("%s: 95%% coverage %.3f outside [0.93, 0.97]", last, cover)
	}
	// The benchmarks are recomputed on every run: they must still match M4's figures.
	for _, want := range []string{"414 series, 353500 training points", "18.383    2.395    1.000", "13.912    1.193"} {
		if !strings.Contains(out, want) {
			t.Errorf("report lacks %q:\n%s", want, out)
		}
	}
}

func TestEvalM4Usage(t *testing.T) {
	for _, args := range [][]string{
		{"eval", "m4", "--level", "1.5"},
		{"eval", "m4", "--bogus"},
		{"eval", "m4", "extra"},
	} {
		var stdout, stderr bytes.Buffer
		if code := run(args, nil, &stdout, &stderr); code != exitUsage {
			t.Errorf("%v: exit %d, want %d (%s)", args, code, exitUsage, stderr.String())
		}
	}
	var stdout, stderr bytes.Buffer
	code := run([]string{"eval", "m4", "--data", t.TempDir()}, nil, &stdout, &stderr)
	if code != exitFail || !strings.Contains(stderr.String(), "foresight eval m4: read M4 data") || !strings.Contains(stderr.String(), "Hourly-train.csv") {
		t.Errorf("missing data: exit %d, stderr %q; want %d naming the missing Hourly-train.csv", code, stderr.String(), exitFail)
	}
	if stdout.Len() != 0 {
		t.Errorf("missing data printed a report: %q", stdout.String())
	}
}

// TestCheckM4Forecast covers the guard that keeps a broken forecast out of the scores.
func TestCheckM4Forecast(t *testing.T) {
	cfg := m4Config(0.95)
	steps := func(v float64) []float64 { return slices.Repeat([]float64{v}, cfg.Horizon) }
	good := func() forecast.Result {
		return forecast.Result{Model: "x", Mean: steps(5), Intervals: []forecast.Interval{
			{Level: 0.8, Lower: steps(4), Upper: steps(6)},
			{Level: 0.95, Lower: steps(3), Upper: steps(7)},
		}}
	}
	for _, c := range []struct {
		name string
		edit func(r *forecast.Result)
		want string // "" for no error
	}{
		{"valid", func(*forecast.Result) {}, ""},
		{"short", func(r *forecast.Result) { r.Mean = r.Mean[:47] }, "forecast has 47 steps, want 48"},
		{"NaN", func(r *forecast.Result) { r.Mean[3] = math.NaN() }, "forecast is NaN at step 4"},
		{"no 95 %", func(r *forecast.Result) { r.Intervals = r.Intervals[:1] }, "no 95 % interval"},
		{"crossed", func(r *forecast.Result) { r.Intervals[0].Lower[0] = 9 }, "80 % interval: lower bound 9 above upper bound 6 at step 1"},
		{"infinite bound", func(r *forecast.Result) { r.Intervals[1].Upper[47] = math.Inf(1) }, "95 % interval upper bound is +Inf at step 48"},
	} {
		r := good()
		c.edit(&r)
		err := checkM4Forecast(r, cfg)
		if (err == nil) != (c.want == "") || (err != nil && err.Error() != c.want) {
			t.Errorf("%s: error %v, want %q", c.name, err, c.want)
		}
	}
}

func TestPrintM4Models(t *testing.T) {
	runs := []m4Run{
		{res: forecast.Result{Model: "ETS(M,Ad,M) period 24"}},
		{res: forecast.Result{Model: "naive (3 observations: too short for a seasonal model)"}},
		{res: forecast.Result{Model: "ETS(A,N,A) period 24"}},
		{res: forecast.Result{Model: "naive (gaps)"}},
		{res: forecast.Result{Model: "seasonal AR(33 lags up to 169)"}},
		{res: forecast.Result{Model: "seasonal naive period 24"}},
		{res: forecast.Result{Model: "seasonal AR(2 lags up to 48)"}},
		{res: forecast.Result{Model: "seasonal AR(5 lags up to 120)"}},
	}
	var b bytes.Buffer
	printM4Models(&b, runs)
	want := "models:\n     3  seasonal AR\n     2  ETS\n     2  naive\n     1  seasonal naive period 24\n"
	if b.String() != want {
		t.Errorf("got\n%s\nwant\n%s", b.String(), want)
	}
}
