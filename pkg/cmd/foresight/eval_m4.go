package main

import (
	"cmp"
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"strings"
	"sync"
	"text/tabwriter"
	"time"

	"github.com/foresight-aiops/foresight/pkg/forecast"
	"github.com/foresight-aiops/foresight/pkg/m4"
)

// m4Published are M4 hourly results from the competition's paper (Makridakis, Spiliotis &
// Assimakopoulos, IJF 36(1), 2020) quoted beside ours for scale; NaN where not quoted.
var m4Published = []struct {
	name             string
	smape, mase, owa float64
}{
	{"Doornik, Castle & Hendry (best hourly)", math.NaN(), math.NaN(), 0.410},
	{"Smyl ES-RNN (M4 winner)", 9.328, 0.893, 0.440},
	{"FFORMA (M4 second)", math.NaN(), math.NaN(), 0.484},
	{"Theta", math.NaN(), math.NaN(), 1.006},
}

// The published 95 % MSIS on the hourly series, for the interval line.
const (
	m4MSISARIMA   = 7.538
	m4MSISDoornik = 6.139
)

// m4Run is one series' forecast and the time fitting and forecasting it took.
type m4Run struct {
	res  forecast.Result
	err  error
	took time.Duration
}

// m4Score is one series' accuracy.
type m4Score struct {
	smape, mase float64
	msis, cover float64 // of the interval at the scored level
	cover80     float64
}

func runEvalM4(args []string, stdout, stderr io.Writer) int {
	f := flag.NewFlagSet("foresight eval m4", flag.ContinueOnError)
	f.SetOutput(stderr)
	data := f.String("data", "../shared/datasets/m4-hourly", "M4 hourly folder (holding "+m4.TrainFile+" and "+m4.TestFile+")")
	workers := f.Int("workers", 1, "series forecast concurrently (1 measures one core)")
	verbose := f.Bool("v", false, "print each series' sMAPE, MASE and model")
	level := f.Float64("level", 0.95, "coverage of the prediction interval scored by MSIS, in (0, 1)")
	if err := f.Parse(args); err != nil {
		return exitUsage
	}
	if f.NArg() > 0 {
		fmt.Fprintf(stderr, "foresight eval m4: unexpected argument %q\n", f.Arg(0))
		return exitUsage
	}
	cfg := m4Config(*level)
	if err := cfg.Validate(); err != nil {
		fmt.Fprintf(stderr, "foresight eval m4: -level: %v\n", err)
		return exitUsage
	}
	set, err := m4.Load(*data)
	if err != nil {
		fmt.Fprintf(stderr, "foresight eval m4: %v\n", err)
		return exitFail
	}
	start := time.Now()
	runs := forecastM4(set, cfg, *workers)
	wall := time.Since(start)
	if failed := reportM4Failures(stderr, set, runs, cfg); failed > 0 {
		fmt.Fprintf(stderr, "foresight eval m4: %d of %d series failed\n", failed, len(set.Series))
		return exitFail
	}
	scores := scoreM4(set, runs, *level)
	if *verbose {
		printM4Series(stdout, set, runs, scores)
	}
	printM4Report(stdout, set, runs, scores, *level, *workers, wall)
	return exitOK
}

// m4Config asks for the M4 horizon with 80 % and 95 % intervals, plus the scored level if it
// is neither. Periods stay empty: the engine must find the daily season itself, as it does
// on a user's series.
func m4Config(level float64) forecast.Config {
	cfg := forecast.DefaultConfig()
	cfg.Horizon = m4.Horizon
	cfg.Levels = []float64{0.8, 0.95}
	if !slices.Contains(cfg.Levels, level) {
		cfg.Levels = append(cfg.Levels, level)
	}
	cfg.Periods = nil
	return cfg
}

// forecastM4 forecasts every series from its training values only and times each, so the
// summed durations measure CPU time when workers ≤ cores (as detectCorpus does).
func forecastM4(set *m4.Set, cfg forecast.Config, workers int) []m4Run {
	runs := make([]m4Run, len(set.Series))
	jobs := make(chan int)
	var wg sync.WaitGroup
	for range max(workers, 1) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				// A copy: the engine must not be able to alter the history the scale uses.
				train := slices.Clone(set.Series[i].Train)
				t0 := time.Now()
				res, err := forecast.Forecast(train, cfg)
				runs[i] = m4Run{res: res, err: err, took: time.Since(t0)}
			}
		}()
	}
	for i := range set.Series {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	return runs
}

// reportM4Failures prints each series whose forecast failed or cannot be scored, and
// returns how many there were: scores over the remaining series would not be M4's.
func reportM4Failures(w io.Writer, set *m4.Set, runs []m4Run, cfg forecast.Config) int {
	failed := 0
	for i, r := range runs {
		err := r.err
		if err == nil {
			err = checkM4Forecast(r.res, cfg)
		}
		if err != nil {
			fmt.Fprintf(w, "foresight eval m4: series %s: %v\n", set.Series[i].ID, err)
			failed++
		}
	}
	return failed
}

// checkM4Forecast rejects a result the metrics would turn into NaN or nonsense.
func checkM4Forecast(res forecast.Result, cfg forecast.Config) error {
	if err := checkSteps("forecast", res.Mean, cfg.Horizon); err != nil {
		return err
	}
	for _, l := range cfg.Levels {
		iv, ok := res.Interval(l)
		if !ok {
			return fmt.Errorf("no %.4g %% interval", 100*l)
		}
		name := fmt.Sprintf("%.4g %% interval", 100*l)
		if err := checkSteps(name+" lower bound", iv.Lower, cfg.Horizon); err != nil {
			return err
		}
		if err := checkSteps(name+" upper bound", iv.Upper, cfg.Horizon); err != nil {
			return err
		}
		for h := range iv.Lower {
			if iv.Lower[h] > iv.Upper[h] {
				return fmt.Errorf("%s: lower bound %g above upper bound %g at step %d", name, iv.Lower[h], iv.Upper[h], h+1)
			}
		}
	}
	return nil
}

func checkSteps(name string, v []float64, horizon int) error {
	if len(v) != horizon {
		return fmt.Errorf("%s has %d steps, want %d", name, len(v), horizon)
	}
	for h, x := range v {
		if math.IsNaN(x) || math.IsInf(x, 0) {
			return fmt.Errorf("%s is %g at step %d", name, x, h+1)
		}
	}
	return nil
}

func scoreM4(set *m4.Set, runs []m4Run, level float64) []m4Score {
	scores := make([]m4Score, len(set.Series))
	for i, s := range set.Series {
		res := runs[i].res
		iv, _ := res.Interval(level)
		iv80, _ := res.Interval(0.8)
		scores[i] = m4Score{
			smape:   m4.SMAPE(s.Test, res.Mean),
			mase:    m4.MASE(s.Train, s.Test, res.Mean, m4.Frequency),
			msis:    m4.MSIS(s.Train, s.Test, iv.Lower, iv.Upper, m4.Frequency, 1-level),
			cover:   m4.Coverage(s.Test, iv.Lower, iv.Upper),
			cover80: m4.Coverage(s.Test, iv80.Lower, iv80.Upper),
		}
	}
	return scores
}

// meanM4 averages the scores; every series has the same horizon, so this is also the mean
// over all points, as M4 computes it.
func meanM4(scores []m4Score) m4Score {
	var sum m4Score
	for _, s := range scores {
		sum.smape += s.smape
		sum.mase += s.mase
		sum.msis += s.msis
		sum.cover += s.cover
		sum.cover80 += s.cover80
	}
	n := float64(len(scores))
	return m4Score{sum.smape / n, sum.mase / n, sum.msis / n, sum.cover / n, sum.cover80 / n}
}

func printM4Series(w io.Writer, set *m4.Set, runs []m4Run, scores []m4Score) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "series\t%7s\t%7s\tmodel\n", "sMAPE", "MASE")
	for i, s := range set.Series {
		fmt.Fprintf(tw, "%s\t%7.3f\t%7.3f\t%s\n", s.ID, scores[i].smape, scores[i].mase, runs[i].res.Model)
	}
	tw.Flush()
}

func printM4Report(w io.Writer, set *m4.Set, runs []m4Run, scores []m4Score, level float64, workers int, wall time.Duration) {
	ours := meanM4(scores)
	naive2 := set.Evaluate(m4.Naive2)
	acc := m4.Accuracy{SMAPE: ours.smape, MASE: ours.mase}
	owa := acc.OWA(naive2)

	// Names flush left, figures flush right: pad the figures, as tabwriter aligns all one way.
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	fmt.Fprintf(tw, "method\t%7s\t%7s\t%7s\n", "sMAPE", "MASE", "OWA")
	row := func(name string, smape, mase, owa float64) {
		fmt.Fprintf(tw, "%s\t%7s\t%7s\t%7s\n", name, fmtM4(smape), fmtM4(mase), fmtM4(owa))
	}
	row("Foresight", ours.smape, ours.mase, owa)
	row("Naive2 (M4 benchmark)", naive2.SMAPE, naive2.MASE, 1)
	sn := set.Evaluate(m4.SeasonalNaive)
	row("seasonal naive", sn.SMAPE, sn.MASE, sn.OWA(naive2))
	for _, p := range m4Published {
		row("published: "+p.name, p.smape, p.mase, p.owa)
	}
	tw.Flush()

	fmt.Fprintf(w, "%.4g %% interval: MSIS=%.3f coverage=%.3f (published 95 %% MSIS: ARIMA %.3f, Doornik et al. %.3f); 80 %% interval: coverage=%.3f\n",
		100*level, ours.msis, ours.cover, m4MSISARIMA, m4MSISDoornik, ours.cover80)
	printM4Timing(w, set, runs, workers, wall)
	printM4Models(w, runs)
	fmt.Fprintf(w, "M4 hourly sMAPE=%.3f MASE=%.3f OWA=%.3f MSIS=%.3f coverage%.4g=%.3f\n",
		ours.smape, ours.mase, owa, ours.msis, 100*level, ours.cover)
}

// fmtM4 prints a figure to M4's three decimals, "-" when it is not known.
func fmtM4(x float64) string {
	if math.IsNaN(x) {
		return "-"
	}
	return fmt.Sprintf("%.3f", x)
}

func printM4Timing(w io.Writer, set *m4.Set, runs []m4Run, workers int, wall time.Duration) {
	var total, longest time.Duration
	slowest := ""
	for i, r := range runs {
		total += r.took
		if r.took > longest {
			longest, slowest = r.took, set.Series[i].ID
		}
	}
	mean := total / time.Duration(len(runs))
	fmt.Fprintf(w, "%d series, %d training points; fit+forecast %v summed over %d worker(s) (per series: mean %v, max %v on %s); wall %v\n",
		len(runs), set.Points(), total.Round(time.Millisecond), max(workers, 1),
		mean.Round(time.Microsecond), longest.Round(time.Microsecond), slowest, wall.Round(time.Millisecond))
}

// printM4Models counts the models chosen, by name: the Model string before any parenthesised
// detail, so "ETS(M,N,M) period 24" and "ETS(A,Ad,A) period 24" count as ETS, and the lags
// of "seasonal AR(33 lags up to 169)" do not make a line per series (-v shows them all).
func printM4Models(w io.Writer, runs []m4Run) {
	counts := map[string]int{}
	for _, r := range runs {
		name, _, _ := strings.Cut(r.res.Model, "(")
		counts[strings.TrimSpace(name)]++
	}
	names := make([]string, 0, len(counts))
	for n := range counts {
		names = append(names, n)
	}
	slices.SortFunc(names, func(a, b string) int {
		return cmp.Or(cmp.Compare(counts[b], counts[a]), cmp.Compare(a, b))
	})
	fmt.Fprintln(w, "models:")
	for _, n := range names {
		fmt.Fprintf(w, "  %4d  %s\n", counts[n], n)
	}
}
