package main

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"math"
	"slices"
	"time"

	"github.com/prometheus/common/model"

	"github.com/foresight-aiops/foresight/pkg/anomaly"
	"github.com/foresight-aiops/foresight/pkg/forecast"
	"github.com/foresight-aiops/foresight/pkg/query"
	"github.com/foresight-aiops/foresight/pkg/series"
	"github.com/foresight-aiops/foresight/pkg/seriesio"
)

// forecastLevels are the intervals the output has columns for.
var forecastLevels = []float64{0.8, 0.95}

// maxGridSteps bounds the evenly spaced series built from the input: a few far-apart
// timestamps among close ones would otherwise make billions of gaps.
const maxGridSteps = 10_000_000

// forecastFlags is what the forecast subcommand takes from its flags.
type forecastFlags struct {
	input       string
	output      string
	png         string
	horizon     int
	seasonality string
	period      int
}

func (c *forecastFlags) registerFlags(f *flag.FlagSet) {
	f.StringVar(&c.input, "input", "-", "input CSV of timestamp,value lines; - for stdin")
	f.StringVar(&c.output, "output", "-", "output CSV of "+seriesio.ForecastHeader+"; - for stdout")
	f.StringVar(&c.png, "png", "", "also draw the end of the history, the forecast and its intervals to this PNG file")
	f.IntVar(&c.horizon, "horizon", 0, fmt.Sprintf("number of steps to forecast after the last input point (required, at most %d)", forecast.MaxHorizon))
	f.StringVar(&c.seasonality, "seasonality", string(anomaly.SeasonalityAuto), "seasonal cycle to model: auto, none, daily or weekly")
	f.IntVar(&c.period, "period", 0, "seasonal period in steps, instead of -seasonality")
}

// engineSetup checks the flags and returns the seasonality they ask for; explicit is the
// set of flags given on the command line.
func (c *forecastFlags) engineSetup(explicit map[string]bool) (anomaly.Seasonality, error) {
	if c.horizon < 1 || c.horizon > forecast.MaxHorizon {
		if !explicit["horizon"] {
			return "", errors.New("-horizon is required: the number of steps to forecast")
		}
		return "", fmt.Errorf("-horizon %d is outside 1..%d steps", c.horizon, forecast.MaxHorizon)
	}
	if explicit["period"] && explicit["seasonality"] {
		return "", errors.New("use -seasonality or -period, not both")
	}
	if explicit["period"] && c.period < 2 {
		return "", fmt.Errorf("-period %d: a seasonal period is at least 2 steps", c.period)
	}
	season, err := anomaly.ParseSeasonality(c.seasonality)
	if err != nil {
		return "", fmt.Errorf("-seasonality: %w", err)
	}
	return season, nil
}

const forecastUsage = `Usage: foresight forecast --horizon N [flags]

Reads a series as CSV (as foresight detect does: timestamp,value lines; Unix seconds,
RFC 3339 or "YYYY-MM-DD HH:MM:SS" UTC; an optional header; an empty value or NaN is a gap),
takes its step to be the median spacing of its timestamps (missing steps become gaps),
and forecasts the N steps after its last point with the same engine as the plugin. Writes
one line per future step with the point forecast and its 80 % and 95 % prediction
intervals, timestamps in the notation the input used. Prints the model used to stderr.
The chart shows the last 4N points of the history (at least 200). Output files are
replaced only when everything succeeded.

Flags:
`

func runForecast(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	cmd := newFileCommand("foresight forecast", forecastUsage, stderr)
	var c forecastFlags
	c.registerFlags(cmd.FlagSet)
	if code := cmd.parse(args, &c.png); code != exitOK {
		return code
	}
	explicit := map[string]bool{}
	cmd.Visit(func(fl *flag.Flag) { explicit[fl.Name] = true })
	season, err := c.engineSetup(explicit)
	if err != nil {
		return cmd.usageErr(err)
	}
	return cmd.finish(forecastCSV(c, season, stdin, stdout))
}

// gridded is the input laid on an even grid.
type gridded struct {
	start, step int64     // ms
	values      []float64 // NaN where the input has no value
	moved       int       // input points not on the grid, moved to the nearest step
}

func (g gridded) time(i int) int64 { return g.start + int64(i)*g.step }

// forecastCSV does the work of the subcommand and returns the one-line summary.
func forecastCSV(c forecastFlags, season anomaly.Seasonality, stdin io.Reader, stdout io.Writer) (string, error) {
	name, s, layout, err := readInput(c.input, stdin)
	if err != nil {
		return "", err
	}
	g, err := onGrid(s)
	if err != nil {
		return "", fmt.Errorf("%s: %w", name, err)
	}
	periods := []int{c.period}
	if c.period == 0 {
		if periods, err = query.SeasonalPeriods(season, time.Duration(g.step)*time.Millisecond); err != nil {
			return "", fmt.Errorf("%s: -seasonality %s: %w", name, season, err)
		}
	}
	last := len(g.values) - 1
	for last >= 0 && math.IsNaN(g.values[last]) {
		last--
	}
	if last < 0 {
		return "", fmt.Errorf("%s: %w", name, forecast.ErrNoData)
	}
	// The engine forecasts from the last observed value: after trailing gaps it needs their
	// steps too, which are then dropped, as the output starts after the last input point.
	trailing := len(g.values) - 1 - last
	cfg := forecast.Config{Horizon: trailing + c.horizon, Periods: periods, Levels: forecastLevels}
	if cfg.Horizon > forecast.MaxHorizon {
		return "", fmt.Errorf("%s: the input ends with %d gaps, which with the %d-step horizon is over the %d-step limit", name, trailing, c.horizon, forecast.MaxHorizon)
	}
	res, err := forecast.Forecast(g.values[:last+1], cfg)
	if err != nil {
		return "", fmt.Errorf("%s: forecast: %w", name, err)
	}
	future := dropSteps(res, trailing)
	times := make([]int64, c.horizon)
	for h := range times {
		times[h] = g.time(len(g.values) + h)
	}
	if err := writeForecastOutputs(c, g, last, res, future, times, layout, stdout); err != nil {
		return "", err
	}
	return forecastSummary(name, s, g, res, c.horizon, layout.Format(times[len(times)-1])), nil
}

// writeForecastOutputs produces every output in full before any destination is touched.
func writeForecastOutputs(c forecastFlags, g gridded, last int, res, future forecast.Result, times []int64, layout seriesio.Layout, stdout io.Writer) error {
	toStdout := c.output == "" || c.output == "-"
	var buf bytes.Buffer
	var out io.Writer = &buf
	var csvFile *pendingFile
	var err error
	if !toStdout {
		if csvFile, err = createPending(c.output); err != nil {
			return err
		}
		defer csvFile.discard()
		out = csvFile
	}
	if err := seriesio.WriteForecast(out, times, future, layout); err != nil {
		return fmt.Errorf("%s: %w", outputName(c.output), err)
	}
	var pngFile *pendingFile
	if c.png != "" {
		if pngFile, err = createPending(c.png); err != nil {
			return err
		}
		defer pngFile.discard()
		if err := writeForecastPNG(pngFile, chartTitle(c.input), forecastPicture(g, last, res, c.horizon)); err != nil {
			return fmt.Errorf("%s: %w", c.png, err)
		}
	}
	if pngFile != nil {
		if err := pngFile.commit(); err != nil {
			return err
		}
	}
	if csvFile != nil {
		return csvFile.commit()
	}
	if _, err := stdout.Write(buf.Bytes()); err != nil {
		return fmt.Errorf("write stdout: %w", err)
	}
	return nil
}

// onGrid lays the series on the grid of its median spacing from its first timestamp. The
// median ignores the occasional gap or late sample that the mean would average in.
func onGrid(s series.Series) (gridded, error) {
	if s.Len() < 2 {
		return gridded{}, fmt.Errorf("%d data points: at least two are needed to tell the step", s.Len())
	}
	diffs := make([]int64, s.Len()-1)
	for i := range diffs {
		diffs[i] = s.Times[i+1] - s.Times[i]
	}
	slices.Sort(diffs)
	g := gridded{start: s.Times[0], step: diffs[len(diffs)/2]}
	n := (s.Times[s.Len()-1]-g.start+g.step/2)/g.step + 1
	if n > maxGridSteps {
		return gridded{}, fmt.Errorf("the timestamps span %d steps of %s, over the limit of %d: is the input sampled evenly?", n, stepName(g.step), maxGridSteps)
	}
	g.values = make([]float64, n)
	for i := range g.values {
		g.values[i] = math.NaN()
	}
	for i, t := range s.Times {
		k := (t - g.start + g.step/2) / g.step // nearest step; later points win a shared step
		if (t-g.start)%g.step != 0 {
			g.moved++
		}
		g.values[k] = s.Values[i]
	}
	return g, nil
}

// dropSteps removes the first n steps of a forecast.
func dropSteps(r forecast.Result, n int) forecast.Result {
	out := forecast.Result{Model: r.Model, Periods: r.Periods, Mean: r.Mean[n:]}
	for _, iv := range r.Intervals {
		out.Intervals = append(out.Intervals, forecast.Interval{Level: iv.Level, Lower: iv.Lower[n:], Upper: iv.Upper[n:]})
	}
	return out
}

// forecastSummary is the line printed after a successful run: what was read, the model the
// engine chose, and what was written.
func forecastSummary(name string, s series.Series, g gridded, res forecast.Result, horizon int, until string) string {
	gaps := 0
	for _, v := range g.values {
		if math.IsNaN(v) {
			gaps++
		}
	}
	points := plural(s.Len(), "point", "points")
	if gaps > 0 {
		points += " (" + plural(gaps, "gap", "gaps") + ")"
	}
	if g.moved > 0 {
		points += fmt.Sprintf(", %d off the step grid moved to the nearest step", g.moved)
	}
	return fmt.Sprintf("%s: %s, step %s; model %s, seasonal periods %s; forecast %s to %s",
		name, points, stepName(g.step), res.Model, periodsName(res.Periods, g.step), plural(horizon, "step", "steps"), until)
}

// periodsName writes seasonal periods in steps and as durations: "24 (1d), 168 (1w)".
func periodsName(periods []int, step int64) string {
	if len(periods) == 0 {
		return "none"
	}
	out := ""
	for i, p := range periods {
		if i > 0 {
			out += ", "
		}
		out += fmt.Sprintf("%d (%s)", p, stepName(int64(p)*step))
	}
	return out
}

// stepName writes milliseconds as Prometheus durations ("5m", "1d").
func stepName(ms int64) string { return model.Duration(time.Duration(ms) * time.Millisecond).String() }
