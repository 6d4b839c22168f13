package plugin

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"regexp"
	"sort"
	"strings"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/foresight-aiops/foresight/pkg/anomaly"
	"github.com/foresight-aiops/foresight/pkg/bands"
	"github.com/foresight-aiops/foresight/pkg/query"
)

// Field names of an anomaly frame; src/ and dashboards refer to them.
const (
	fieldTime           = "time"
	fieldValue          = "value"
	fieldBaseline       = "baseline"
	fieldLower          = "lower"
	fieldUpper          = "upper"
	fieldScore          = "score"
	fieldAnomaly        = "anomaly"
	fieldAnomalousValue = "anomalous_value"
	bandColor           = "rgba(120, 160, 230, 0.25)"
)

func frameMeta(a query.Anomaly, step time.Duration, st bands.Stats, notices []data.Notice) *data.FrameMeta {
	return &data.FrameMeta{
		Type:                data.FrameTypeTimeSeriesMulti,
		TypeVersion:         data.FrameTypeVersion{0, 1},
		ExecutedQueryString: fmt.Sprintf("%s\nstep=%s training=%s seasonality=%s sensitivity=%g", a.Expr, step, a.TrainingWindow, a.Band.Seasonality, a.Band.Sensitivity),
		Notices:             notices,
		Stats: []data.QueryStat{
			{FieldConfig: data.FieldConfig{DisplayName: "Points fetched"}, Value: float64(st.Fetched)},
			{FieldConfig: data.FieldConfig{DisplayName: "Source requests"}, Value: float64(st.Requests)},
		},
		Custom: map[string]any{"cache": string(st.Cache), "fetchedPoints": st.Fetched, "requests": st.Requests},
	}
}

// bandFrames is one frame per series: the value inside its shaded band, the baseline, the
// score and flag, and the flagged values drawn as points.
func bandFrames(res *bands.Response, a query.Anomaly, meta *data.FrameMeta) data.Frames {
	frames := make(data.Frames, 0, len(res.Series))
	for _, s := range res.Series {
		name := legend(a.LegendFormat, s.Labels, a.Expr)
		labels := data.Labels(s.Labels)
		marked := make([]float64, len(s.Values))
		anomalies := make([]float64, len(s.Values))
		for i, flag := range s.Band.Anomaly {
			anomalies[i] = float64(flag)
			marked[i] = math.NaN()
			if flag != 0 {
				marked[i] = s.Values[i]
			}
		}
		f := data.NewFrame(name,
			data.NewField(fieldTime, nil, times(s.Times)),
			data.NewField(fieldValue, labels, s.Values).SetConfig(&data.FieldConfig{DisplayNameFromDS: name}),
			data.NewField(fieldBaseline, labels, s.Band.Baseline).SetConfig(baselineConfig(name)),
			data.NewField(fieldLower, labels, s.Band.Lower).SetConfig(boundConfig(name+" lower", "")),
			data.NewField(fieldUpper, labels, s.Band.Upper).SetConfig(boundConfig(name+" upper", name+" lower")),
			data.NewField(fieldScore, labels, s.Band.Score).SetConfig(hiddenConfig(name+" score")),
			data.NewField(fieldAnomaly, labels, anomalies).SetConfig(hiddenConfig(name+" anomaly")),
			data.NewField(fieldAnomalousValue, labels, marked).SetConfig(pointsConfig(name+" anomalies")),
		)
		f.Meta = withPeriod(meta, s.Period)
		frames = append(frames, f)
	}
	return frames
}

// scoreFrames is one single-value frame per series holding only the anomaly score: the shape
// Grafana Alerting's Reduce/Math/Threshold expressions expect (score ≥ 1 = flagged; every
// point outside the band is, unless it repeats a shape the series has shown before).
func scoreFrames(res *bands.Response, a query.Anomaly, meta *data.FrameMeta) data.Frames {
	frames := make(data.Frames, 0, len(res.Series))
	for _, s := range res.Series {
		name := legend(a.LegendFormat, s.Labels, a.Expr)
		f := data.NewFrame(name,
			data.NewField(fieldTime, nil, times(s.Times)),
			data.NewField(fieldScore, data.Labels(s.Labels), s.Band.Score).SetConfig(&data.FieldConfig{DisplayNameFromDS: name + " score"}),
		)
		f.Meta = withPeriod(meta, s.Period)
		frames = append(frames, f)
	}
	return frames
}

// withPeriod is the query's meta plus the seasonality modelled for this series.
func withPeriod(meta *data.FrameMeta, period time.Duration) *data.FrameMeta {
	seasonality := "none"
	switch period {
	case 24 * time.Hour:
		seasonality = string(anomaly.SeasonalityDaily)
	case 7 * 24 * time.Hour:
		seasonality = string(anomaly.SeasonalityWeekly)
	}
	custom := maps.Clone(meta.Custom.(map[string]any))
	custom["seasonality"] = seasonality
	m := *meta
	m.Custom = custom
	return &m
}

func times(ms []int64) []time.Time {
	out := make([]time.Time, len(ms))
	for i, t := range ms {
		out[i] = time.UnixMilli(t).UTC()
	}
	return out
}

func baselineConfig(name string) *data.FieldConfig {
	return &data.FieldConfig{DisplayNameFromDS: name + " baseline", Custom: map[string]any{
		"lineStyle": map[string]any{"fill": "dash", "dash": []int{10, 10}},
		"lineWidth": 1,
	}}
}

// boundConfig draws a band edge without a line; the upper edge fills down to the lower one.
func boundConfig(name, fillBelowTo string) *data.FieldConfig {
	custom := map[string]any{
		"lineWidth":   0,
		"fillOpacity": 0,
		"hideFrom":    map[string]any{"legend": true, "tooltip": false, "viz": false},
	}
	if fillBelowTo != "" {
		custom["fillBelowTo"] = fillBelowTo
		custom["fillOpacity"] = 25
	}
	return &data.FieldConfig{
		DisplayNameFromDS: name,
		Color:             map[string]any{"mode": "fixed", "fixedColor": bandColor},
		Custom:            custom,
	}
}

func hiddenConfig(name string) *data.FieldConfig {
	return &data.FieldConfig{DisplayNameFromDS: name, Custom: map[string]any{
		"hideFrom": map[string]any{"legend": true, "tooltip": false, "viz": true},
	}}
}

func pointsConfig(name string) *data.FieldConfig {
	return &data.FieldConfig{
		DisplayNameFromDS: name,
		Color:             map[string]any{"mode": "fixed", "fixedColor": "red"},
		Custom: map[string]any{
			"drawStyle": "points", "pointSize": 9, "showPoints": "always",
			"hideFrom": map[string]any{"legend": true, "tooltip": false, "viz": false},
		},
	}
}

var legendVar = regexp.MustCompile(`\{\{\s*([a-zA-Z_][a-zA-Z0-9_]*)\s*\}\}`)

// legend names a series as Prometheus' data source does: the legend format with {{label}}
// replaced, else metric{labels}, else the expression.
func legend(format string, labels map[string]string, expr string) string {
	if format != "" {
		return legendVar.ReplaceAllStringFunc(format, func(m string) string {
			return labels[legendVar.FindStringSubmatch(m)[1]]
		})
	}
	names := make([]string, 0, len(labels))
	for n := range labels {
		if n != "__name__" {
			names = append(names, n)
		}
	}
	if len(names) == 0 && labels["__name__"] == "" {
		return expr
	}
	sort.Strings(names)
	parts := make([]string, len(names))
	for i, n := range names {
		parts[i] = fmt.Sprintf("%s=%q", n, labels[n])
	}
	return labels["__name__"] + "{" + strings.Join(parts, ", ") + "}"
}

// annotationRows are the columns of a Grafana annotation frame, filled one annotation at a
// time: the shape both incident regions and forecast crossings are drawn in.
type annotationRows struct {
	starts, ends          []time.Time
	regions               []bool
	titles, texts, colors []string
	tags                  []json.RawMessage
}

func (a *annotationRows) add(start, end time.Time, region bool, title, text string, tags json.RawMessage, color string) {
	a.starts, a.ends, a.regions = append(a.starts, start), append(a.ends, end), append(a.regions, region)
	a.titles, a.texts, a.colors = append(a.titles, title), append(a.texts, text), append(a.colors, color)
	a.tags = append(a.tags, tags)
}

func (a *annotationRows) frame(name string, meta *data.FrameMeta) *data.Frame {
	f := data.NewFrame(name,
		data.NewField("time", nil, a.starts),
		data.NewField("timeEnd", nil, a.ends),
		data.NewField("isRegion", nil, a.regions),
		data.NewField("title", nil, a.titles),
		data.NewField("text", nil, a.texts),
		data.NewField("tags", nil, a.tags),
		data.NewField("color", nil, a.colors),
	)
	f.Meta = meta
	return f
}
