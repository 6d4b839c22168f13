package plugin

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"
	"github.com/prometheus/common/model"

	"github.com/foresight-aiops/foresight/pkg/forecast"
	"github.com/foresight-aiops/foresight/pkg/history"
)

// Field names of forecast frames; src/ and dashboards refer to them. value, lower and upper
// are shared with anomaly frames.
const (
	fieldForecast         = "forecast"
	fieldSeries           = "series"
	fieldThreshold        = "threshold"
	fieldDirection        = "direction"
	fieldTimeToThreshold  = "time_to_threshold"
	fieldTimeToThresholdE = "time_to_threshold_earliest"
	fieldTimeToThresholdL = "time_to_threshold_latest"
	crossingColor         = "orange"
)

// annotationTags mark Foresight's crossings among a dashboard's other annotations.
var annotationTags = json.RawMessage(`["foresight","forecast","threshold"]`)

func forecastMeta(p forecastPlan, st history.Stats, notices []data.Notice) *data.FrameMeta {
	return &data.FrameMeta{
		Type:        data.FrameTypeTimeSeriesMulti,
		TypeVersion: data.FrameTypeVersion{0, 1},
		ExecutedQueryString: fmt.Sprintf("%s\nstep=%s training=%s horizon=%s (%d steps) interval=%g%% seasonality=%s",
			p.q.Expr, shortDuration(time.Duration(p.step)*time.Millisecond), shortDuration(p.q.TrainingWindow), shortDuration(p.q.Horizon), p.horizon, p.q.Level*100, p.q.Seasonality),
		Notices: notices,
		Stats: []data.QueryStat{
			{FieldConfig: data.FieldConfig{DisplayName: "Points fetched"}, Value: float64(st.Fetched)},
			{FieldConfig: data.FieldConfig{DisplayName: "Source requests"}, Value: float64(st.Requests)},
		},
		Custom: map[string]any{"cache": string(st.Cache), "fetchedPoints": st.Fetched, "requests": st.Requests, "horizonSteps": p.horizon, "intervalLevel": p.q.Level * 100},
	}
}

// withFit is the query's meta plus what this series' forecast used and what went wrong.
func withFit(meta *data.FrameMeta, f *seriesFit, p forecastPlan) *data.FrameMeta {
	m := *meta
	custom := maps.Clone(meta.Custom.(map[string]any))
	m.Notices = append(append([]data.Notice(nil), meta.Notices...), seriesNotices(f, p)...)
	if f.err == nil {
		custom["model"] = f.res.Model
		custom["periods"] = append([]int{}, f.res.Periods...)
		custom["seasonality"] = periodNames(f.res.Periods, p.step)
		custom["fit"] = string(f.cache)
		m.ExecutedQueryString += fmt.Sprintf("\nmodel: %s; seasonal periods: %s", f.res.Model, periodNames(f.res.Periods, p.step))
	}
	m.Custom = custom
	return &m
}

// forecastFrames is one frame per series on the panel's grid continued by the horizon: the
// actual values, then the forecast as a dashed line inside its shaded interval. The
// forecast fields start at the last observed value, so the dashed line joins the actual one.
func forecastFrames(fits []*seriesFit, p forecastPlan, meta *data.FrameMeta) data.Frames {
	frames := make(data.Frames, 0, len(fits))
	for _, f := range fits {
		frames = append(frames, forecastFrame(f, p, meta))
	}
	return frames
}

func forecastFrame(f *seriesFit, p forecastPlan, meta *data.FrameMeta) *data.Frame {
	n := panelPoints(p) + p.horizon
	times := make([]time.Time, n)
	value, mean, lower, upper := nans(n), nans(n), nans(n), nans(n)
	for k := range n {
		t := p.panelFrom + int64(k)*p.step
		times[k] = time.UnixMilli(t).UTC()
		if i := (t - f.start) / p.step; t <= p.panelTo && t >= f.start && int(i) < len(f.dense) {
			value[k] = f.dense[i]
		}
		if f.err != nil || t < f.lastTime(p.step) {
			continue
		}
		switch h := int((t - f.lastTime(p.step)) / p.step); {
		case h == 0:
			last := f.dense[f.last]
			mean[k], lower[k], upper[k] = last, last, last
		case h <= len(f.res.Mean):
			mean[k], lower[k], upper[k] = f.res.Mean[h-1], f.iv.Lower[h-1], f.iv.Upper[h-1]
		}
	}
	labels := data.Labels(f.Labels)
	level := fmt.Sprintf("%g%%", p.q.Level*100)
	lowerName, upperName := f.name+" lower "+level, f.name+" upper "+level
	frame := data.NewFrame(f.name,
		data.NewField(fieldTime, nil, times),
		data.NewField(fieldValue, labels, value).SetConfig(&data.FieldConfig{DisplayNameFromDS: f.name}),
		data.NewField(fieldForecast, labels, mean).SetConfig(forecastConfig(f.name+" forecast", p.q.Threshold)),
		data.NewField(fieldLower, labels, lower).SetConfig(boundConfig(lowerName, "")),
		data.NewField(fieldUpper, labels, upper).SetConfig(boundConfig(upperName, lowerName)),
	)
	frame.Meta = withFit(meta, f, p)
	return frame
}

// panelPoints is the number of grid points in the panel's range.
func panelPoints(p forecastPlan) int {
	return max(0, int((p.panelTo-p.panelFrom)/p.step)+1)
}

func nans(n int) []float64 {
	out := make([]float64, n)
	for i := range out {
		out[i] = math.NaN()
	}
	return out
}

// forecastConfig draws the forecast dashed; with a threshold, the panel also draws the
// threshold as a dashed line, so the crossing is visible.
func forecastConfig(name string, threshold *float64) *data.FieldConfig {
	cfg := &data.FieldConfig{DisplayNameFromDS: name, Custom: map[string]any{
		"lineStyle": map[string]any{"fill": "dash", "dash": []int{10, 10}},
		"lineWidth": 1,
	}}
	if threshold != nil {
		cfg.Thresholds = &data.ThresholdsConfig{Mode: data.ThresholdsModeAbsolute, Steps: []data.Threshold{
			{Value: data.ConfFloat64(math.Inf(-1)), Color: "green"},
			{Value: data.ConfFloat64(*threshold), Color: "red"},
		}}
		cfg.Custom["thresholdsStyle"] = map[string]any{"mode": "dashed"}
	}
	return cfg
}

// crossing is when one series' forecast reaches the threshold.
type crossing struct {
	fit *seriesFit
	forecast.Crossing
}

// crossings are the threshold crossings of the series that have a forecast; nil without a
// threshold. A series whose crossing cannot be computed gets the error instead.
func crossings(fits []*seriesFit, p forecastPlan) []crossing {
	if p.q.Threshold == nil {
		return nil
	}
	var out []crossing
	for _, f := range fits {
		if f.err != nil {
			continue
		}
		c, err := f.res.TimeToThreshold(f.dense[f.last], *p.q.Threshold, p.q.Level)
		if err != nil { // the interval was checked when fitting; nothing to say but that
			f.err = err
			continue
		}
		out = append(out, crossing{fit: f, Crossing: c})
	}
	return out
}

// thresholdFrames are a table of each series' time to the threshold with its interval, and
// annotations spanning the interval of each crossing within the horizon.
func thresholdFrames(cs []crossing, p forecastPlan) data.Frames {
	frames := data.Frames{timeToThresholdTable(cs, p)}
	if a := crossingAnnotations(cs, p); a.Rows() > 0 {
		frames = append(frames, a)
	}
	return frames
}

// timeToThresholdTable has one row per series. Times are seconds after the series' last
// observed value (for a live dashboard, about "from now"); empty when the bound does not
// reach the threshold within the horizon. It has no time field, so time-series panels
// leave it out and tables show it.
func timeToThresholdTable(cs []crossing, p forecastPlan) *data.Frame {
	names, directions := make([]string, len(cs)), make([]string, len(cs))
	thresholds := make([]float64, len(cs))
	mean, earliest, latest := make([]*float64, len(cs)), make([]*float64, len(cs)), make([]*float64, len(cs))
	for i, c := range cs {
		names[i], thresholds[i], directions[i] = c.fit.name, *p.q.Threshold, direction(c.Crossing)
		mean[i], earliest[i], latest[i] = seconds(c.Mean, p.step), seconds(c.Earliest, p.step), seconds(c.Latest, p.step)
	}
	level := fmt.Sprintf("%g%%", p.q.Level*100)
	notReached := "not within " + shortDuration(p.q.Horizon)
	frame := data.NewFrame("time to threshold",
		data.NewField(fieldSeries, nil, names).SetConfig(&data.FieldConfig{DisplayNameFromDS: "Series"}),
		data.NewField(fieldThreshold, nil, thresholds).SetConfig(&data.FieldConfig{DisplayNameFromDS: "Threshold"}),
		data.NewField(fieldDirection, nil, directions).SetConfig(&data.FieldConfig{DisplayNameFromDS: "Direction"}),
		data.NewField(fieldTimeToThreshold, nil, mean).SetConfig(secondsConfig("Time to threshold", notReached)),
		data.NewField(fieldTimeToThresholdE, nil, earliest).SetConfig(secondsConfig("Earliest ("+level+")", notReached)),
		data.NewField(fieldTimeToThresholdL, nil, latest).SetConfig(secondsConfig("Latest ("+level+")", notReached)),
	)
	frame.Meta = &data.FrameMeta{
		Type:                data.FrameTypeNumericLong,
		TypeVersion:         data.FrameTypeVersion{0, 1},
		ExecutedQueryString: fmt.Sprintf("%s\ntime to threshold %g at the %s interval", p.q.Expr, *p.q.Threshold, level),
	}
	return frame
}

func secondsConfig(name, noValue string) *data.FieldConfig {
	return &data.FieldConfig{DisplayNameFromDS: name, Unit: "s", NoValue: noValue}
}

// seconds converts a crossing in steps; nil when it is not reached.
func seconds(steps float64, step int64) *float64 {
	if math.IsInf(steps, 0) || math.IsNaN(steps) {
		return nil
	}
	s := steps * float64(step) / 1000
	return &s
}

func direction(c forecast.Crossing) string {
	if c.Rising {
		return "rising"
	}
	return "falling"
}

// crossingAnnotations is an annotation per crossing found within the horizon: a region from
// the earliest to the latest time the interval allows, the expected time in its text.
func crossingAnnotations(cs []crossing, p forecastPlan) *data.Frame {
	var rows annotationRows
	for _, c := range cs {
		if !c.Found() {
			continue
		}
		t0 := c.fit.lastTime(p.step)
		at := func(steps float64) time.Time {
			return time.UnixMilli(t0 + int64(math.Round(steps*float64(p.step)))).UTC()
		}
		end := c.Latest
		if math.IsInf(end, 1) { // the optimistic bound never gets there: the region runs to the horizon's end
			end = float64(len(c.fit.res.Mean))
		}
		verb := "falls to"
		if c.Rising {
			verb = "rises to"
		}
		title := fmt.Sprintf("%s: forecast %s %g", c.fit.name, verb, *p.q.Threshold)
		rows.add(at(c.Earliest), at(end), end > c.Earliest, title, crossingText(c, p), annotationTags, crossingColor)
	}
	return rows.frame("threshold crossings", &data.FrameMeta{DataTopic: data.DataTopicAnnotations})
}

// crossingText says when, in durations after the last observed value, which read the same
// in every time zone.
func crossingText(c crossing, p forecastPlan) string {
	in := func(steps float64) string {
		return humanDuration(time.Duration(steps * float64(p.step) * float64(time.Millisecond)))
	}
	level := fmt.Sprintf("%g%%", p.q.Level*100)
	latest := "in " + in(c.Latest)
	if math.IsInf(c.Latest, 1) {
		latest = "beyond the " + shortDuration(p.q.Horizon) + " horizon"
	}
	if math.IsInf(c.Mean, 1) {
		bound := "lower" // the bound nearer the threshold
		if c.Rising {
			bound = "upper"
		}
		return fmt.Sprintf("The forecast does not reach %g within the %s horizon, but its %s %s bound does in %s.",
			*p.q.Threshold, shortDuration(p.q.Horizon), level, bound, in(c.Earliest))
	}
	return fmt.Sprintf("Expected in %s; %s interval: in %s to %s (after the last value, %s).",
		in(c.Mean), level, in(c.Earliest), latest, time.UnixMilli(c.fit.lastTime(p.step)).UTC().Format("2006-01-02 15:04 UTC"))
}

// humanDuration writes a duration as people read it, to its two largest units: "1d 4h",
// "3h 5m", "1m 20s".
func humanDuration(d time.Duration) string {
	units := []struct {
		size time.Duration
		name string
	}{{24 * time.Hour, "d"}, {time.Hour, "h"}, {time.Minute, "m"}, {time.Second, "s"}}
	top := len(units) - 1
	for i, u := range units {
		if d >= u.size {
			top = i
			break
		}
	}
	last := min(top+1, len(units)-1)
	d = d.Round(units[last].size)
	if top > 0 && d >= units[top-1].size { // rounding carried into the next unit: 59m50s is 1h
		top, last = top-1, last-1
	}
	var parts []string
	for _, u := range units[top : last+1] {
		if n := d / u.size; n > 0 || len(parts) == 0 && u.size == time.Second {
			parts = append(parts, fmt.Sprintf("%d%s", n, u.name))
			d -= n * u.size
		}
	}
	return strings.Join(parts, " ")
}

// alertFrames are what Grafana Alerting gets. With a threshold: one number per series, the
// seconds until the forecast reaches it (+Inf when not within the horizon), so a rule is
// "time_to_threshold < 3600". Without: each series' forecast over the horizon, for a
// Reduce (Max, or Last: the value at the horizon) and a Threshold.
func alertFrames(fits []*seriesFit, cs []crossing, p forecastPlan) data.Frames {
	var frames data.Frames
	if p.q.Threshold != nil {
		for _, c := range cs {
			secs := math.Inf(1)
			if s := seconds(c.Mean, p.step); s != nil {
				secs = *s
			}
			f := data.NewFrame(c.fit.name, data.NewField(fieldTimeToThreshold, data.Labels(c.fit.Labels), []float64{secs}).
				SetConfig(&data.FieldConfig{DisplayNameFromDS: c.fit.name + " time to threshold", Unit: "s"}))
			f.Meta = &data.FrameMeta{Type: data.FrameTypeNumericMulti, TypeVersion: data.FrameTypeVersion{0, 1}}
			frames = append(frames, f)
		}
		return frames
	}
	for _, fit := range fits {
		if fit.err != nil {
			continue
		}
		times := make([]time.Time, len(fit.res.Mean))
		for h := range times {
			times[h] = time.UnixMilli(fit.lastTime(p.step) + int64(h+1)*p.step).UTC()
		}
		f := data.NewFrame(fit.name,
			data.NewField(fieldTime, nil, times),
			data.NewField(fieldForecast, data.Labels(fit.Labels), append([]float64(nil), fit.res.Mean...)).
				SetConfig(&data.FieldConfig{DisplayNameFromDS: fit.name + " forecast"}),
		)
		f.Meta = &data.FrameMeta{Type: data.FrameTypeTimeSeriesMulti, TypeVersion: data.FrameTypeVersion{0, 1}}
		frames = append(frames, f)
	}
	return frames
}

// shortDuration writes a duration as Prometheus does ("7d", "1h30m"), which users type.
func shortDuration(d time.Duration) string {
	d = d.Truncate(time.Millisecond)
	if d <= 0 {
		return "0s"
	}
	return model.Duration(d).String()
}
