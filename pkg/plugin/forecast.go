package plugin

import (
	"context"
	"errors"
	"fmt"
	"math"
	"runtime"
	"slices"
	"time"

	"golang.org/x/sync/errgroup"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/foresight-aiops/foresight/pkg/anomaly"
	"github.com/foresight-aiops/foresight/pkg/fitcache"
	"github.com/foresight-aiops/foresight/pkg/forecast"
	"github.com/foresight-aiops/foresight/pkg/history"
	"github.com/foresight-aiops/foresight/pkg/query"
	"github.com/foresight-aiops/foresight/pkg/series"
)

// The forecast caches are shared by every data source instance of the process, so their
// memory bounds hold for the whole plugin; entries are keyed by instance.
var (
	sharedHistory = history.New(history.Config{})
	sharedFits    = fitcache.New(0)
)

// forecastPlan is a forecast query laid out on its evaluation grid.
type forecastPlan struct {
	q                  query.Forecast
	step               int64 // ms
	histStart          int64 // first point of training history, Unix ms on the grid
	panelFrom, panelTo int64 // first and last grid points of the panel
	horizon            int   // steps forecast after the panel's end
	periods            []int // seasonal periods for the engine, in steps; nil: detect
}

func (d *Datasource) forecastQuery(ctx context.Context, q backend.DataQuery, m query.Model, fromAlert bool) backend.DataResponse {
	fq, err := m.Forecast()
	if err != nil {
		return badRequest(err.Error())
	}
	if d.prom == nil {
		return badRequest(d.promErr.Error())
	}
	step, notices := d.panelStep(q, fq.MinStep, fq.TrainingWindow+fq.Horizon,
		fmt.Sprintf("the %s training window, the range and the %s horizon", shortDuration(fq.TrainingWindow), shortDuration(fq.Horizon)))
	plan, err := newForecastPlan(q, fq, step)
	if err != nil {
		return badRequest(err.Error())
	}
	hist, err := d.history.Fetch(ctx, d.prom, history.Request{SourceKey: d.sourceKey, Expr: fq.Expr, Start: plan.histStart, End: plan.panelTo, Step: plan.step})
	if err != nil {
		return backend.ErrDataResponseWithSource(statusFor(err), backend.ErrorSourceDownstream, fmt.Sprintf("fetch %q from Prometheus: %v", fq.Expr, err))
	}
	perSeries := (plan.panelTo-plan.histStart)/plan.step + 1 + int64(plan.horizon)
	if total := int64(len(hist.Series)) * perSeries; total > int64(d.settings.MaxPointsPerQuery) {
		return badRequest(fmt.Sprintf(
			"the query needs %d points (%d series × %d points of training window, range and horizon), over the limit of %d: narrow the expression, shorten the training window or horizon, or raise the min step",
			total, len(hist.Series), perSeries, d.settings.MaxPointsPerQuery))
	}
	for _, w := range hist.Stats.Warnings {
		notices = append(notices, data.Notice{Severity: data.NoticeSeverityWarning, Text: "Prometheus: " + w})
	}
	fits := d.fitAll(ctx, hist, plan)
	if err := ctx.Err(); err != nil {
		return backend.ErrDataResponseWithSource(statusFor(err), backend.ErrorSourceDownstream, fmt.Sprintf("forecast %q: %v", fq.Expr, err))
	}
	cs := crossings(fits, plan)
	if fromAlert {
		return backend.DataResponse{Frames: alertFrames(fits, cs, plan)}
	}
	frames := forecastFrames(fits, plan, forecastMeta(plan, hist.Stats, notices))
	if plan.q.Threshold != nil {
		frames = append(frames, thresholdFrames(cs, plan)...)
	}
	return backend.DataResponse{Frames: frames}
}

func badRequest(msg string) backend.DataResponse {
	return backend.ErrDataResponseWithSource(backend.StatusBadRequest, backend.ErrorSourceDownstream, msg)
}

// newForecastPlan aligns the query to the step and checks the horizon and seasonality fit
// the engine.
func newForecastPlan(q backend.DataQuery, fq query.Forecast, step time.Duration) (forecastPlan, error) {
	s := step.Milliseconds()
	p := forecastPlan{q: fq, step: s, panelFrom: series.AlignUp(q.TimeRange.From.UnixMilli(), s), panelTo: series.AlignDown(q.TimeRange.To.UnixMilli(), s)}
	p.histStart = p.panelFrom - fq.TrainingWindow.Milliseconds()/s*s
	horizon := (fq.Horizon + step - 1) / step
	if horizon > forecast.MaxHorizon {
		minStep := ((fq.Horizon + forecast.MaxHorizon - 1) / forecast.MaxHorizon).Round(time.Second)
		if minStep*forecast.MaxHorizon < fq.Horizon {
			minStep += time.Second
		}
		return forecastPlan{}, fmt.Errorf("the %s horizon is %d steps of %s, over the limit of %d steps per forecast: shorten the horizon or raise the min step to %s or more",
			shortDuration(fq.Horizon), horizon, shortDuration(step), forecast.MaxHorizon, shortDuration(minStep))
	}
	p.horizon = int(horizon)
	periods, err := query.SeasonalPeriods(fq.Seasonality, step)
	if err != nil {
		return forecastPlan{}, &query.FieldError{Field: "seasonality", Err: fmt.Errorf("%w; lower the min step, narrow the time range, or choose auto or none", err)}
	}
	p.periods = periods
	return p, nil
}

// seriesFit is one series' history and its forecast.
type seriesFit struct {
	series.Series           // as fetched
	name          string    // legend
	start         int64     // time of dense[0]
	dense         []float64 // values on every grid point from start to the panel's end, NaN where missing
	last          int       // index in dense of the last observed value; -1 when there is none
	res           forecast.Result
	iv            forecast.Interval // at the query's level, as long as res.Mean
	cache         fitcache.Outcome
	err           error
}

// lastTime is when the forecast starts: the time of the last observed value.
func (f *seriesFit) lastTime(step int64) int64 { return f.start + int64(f.last)*step }

// fitAll forecasts every series, in parallel, stopping early when ctx is done.
func (d *Datasource) fitAll(ctx context.Context, hist *history.Response, p forecastPlan) []*seriesFit {
	fits := make([]*seriesFit, len(hist.Series))
	var g errgroup.Group // each series reports its own error in its fit
	g.SetLimit(runtime.GOMAXPROCS(0))
	for i, s := range hist.Series {
		fits[i] = &seriesFit{Series: s, name: legend(p.q.LegendFormat, s.Labels, p.q.Expr), start: hist.Start}
		g.Go(func() error {
			if err := ctx.Err(); err != nil {
				fits[i].err = err
				return nil
			}
			d.fit(fits[i], hist.End, p)
			return nil
		})
	}
	_ = g.Wait()
	return fits
}

// fit forecasts one series from its last observed value to the end of the horizon.
func (d *Datasource) fit(f *seriesFit, end int64, p forecastPlan) {
	defer func() {
		if r := recover(); r != nil { // an engine defect costs one series, not the query
			d.logger.Error("forecast panicked", "series", f.name, "panic", r)
			f.err = errors.New("internal error in the forecast engine")
		}
	}()
	f.dense = densify(f.Series, f.start, end, p.step)
	f.last = lastObserved(f.dense)
	if f.last < 0 {
		f.err = forecast.ErrNoData
		return
	}
	// The engine forecasts from the last value it is given: give it the last observed one,
	// and enough steps to reach the end of the horizon after the panel.
	horizon := min(len(f.dense)-1-f.last+p.horizon, forecast.MaxHorizon)
	cfg := forecast.Config{Horizon: horizon, Periods: p.periods, Levels: []float64{p.q.Level}}
	res, outcome, err := d.fits.Forecast(f.dense[:f.last+1], cfg)
	if err != nil {
		f.err = err
		return
	}
	iv, ok := res.Interval(p.q.Level)
	if len(res.Mean) != horizon || !ok || len(iv.Lower) != horizon || len(iv.Upper) != horizon {
		f.err = fmt.Errorf("the forecast engine returned %d steps and no complete %g%% interval for a %d-step horizon", len(res.Mean), p.q.Level*100, horizon)
		return
	}
	f.res, f.iv, f.cache = res, iv, outcome
}

// densify lays s on every grid point from start to end, NaN where it has no value.
func densify(s series.Series, start, end, step int64) []float64 {
	out := make([]float64, (end-start)/step+1)
	for i := range out {
		out[i] = math.NaN()
	}
	for i, t := range s.Times {
		if k := (t - start) / step; t >= start && t <= end && (t-start)%step == 0 {
			out[k] = s.Values[i]
		}
	}
	return out
}

func lastObserved(v []float64) int {
	for i := len(v) - 1; i >= 0; i-- {
		if !math.IsNaN(v[i]) && !math.IsInf(v[i], 0) {
			return i
		}
	}
	return -1
}

// seriesNotices are what a panel should tell about one series' forecast: that it failed,
// that it did not model the seasonality asked for, that it starts before the panel's end.
func seriesNotices(f *seriesFit, p forecastPlan) []data.Notice {
	if f.err != nil {
		return []data.Notice{{Severity: data.NoticeSeverityError, Text: fmt.Sprintf("no forecast for %s: %v", f.name, f.err)}}
	}
	var out []data.Notice
	switch {
	case p.q.Seasonality != anomaly.SeasonalityNone && len(p.periods) > 0 && !slices.Contains(f.res.Periods, p.periods[0]):
		out = append(out, data.Notice{Severity: data.NoticeSeverityWarning, Text: fmt.Sprintf(
			"%s: %s seasonality was asked, but the history only supports %s", f.name, p.q.Seasonality, f.res.Model)})
	}
	if gap := p.panelTo - f.lastTime(p.step); gap > 2*p.step {
		out = append(out, data.Notice{Severity: data.NoticeSeverityInfo, Text: fmt.Sprintf(
			"%s: no data in the last %s of the range; the forecast starts from the last value", f.name, shortDuration(time.Duration(gap)*time.Millisecond))})
	}
	return out
}

// periodNames writes periods in steps as durations ("1d, 1w").
func periodNames(periods []int, step int64) string {
	if len(periods) == 0 {
		return "none"
	}
	out := ""
	for i, p := range periods {
		if i > 0 {
			out += ", "
		}
		out += shortDuration(time.Duration(int64(p)*step) * time.Millisecond)
	}
	return out
}
