package plugin

import (
	"encoding/json"
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/foresight-aiops/foresight/pkg/anomaly"
	"github.com/foresight-aiops/foresight/pkg/forecast"
	"github.com/foresight-aiops/foresight/pkg/history"
	"github.com/foresight-aiops/foresight/pkg/query"
	"github.com/foresight-aiops/foresight/pkg/series"
)

const testStep = int64(60_000)

// testPlan is a panel of 10 one-minute points, a 5-step horizon and a 95 % interval.
func testPlan(threshold *float64) forecastPlan {
	from := int64(1_700_000_000_000) / testStep * testStep
	return forecastPlan{
		q:         query.Forecast{Expr: "disk_used", Horizon: 5 * time.Minute, Level: 0.95, Threshold: threshold, Seasonality: anomaly.SeasonalityAuto},
		step:      testStep,
		histStart: from - 5*testStep,
		panelFrom: from,
		panelTo:   from + 9*testStep,
		horizon:   5,
	}
}

// rampFit is a series observed on the history and panel grid up to trailing gaps before the
// panel's end, rising by one a step, forecast to keep rising by one a step with an interval
// of ±h/2 after h steps.
func rampFit(p forecastPlan, gaps int) *seriesFit {
	f := &seriesFit{Series: series.Series{Labels: map[string]string{"mount": "/data"}}, name: "/data", start: p.histStart}
	n := int((p.panelTo-p.histStart)/p.step) + 1
	for i := range n - gaps {
		f.Times = append(f.Times, p.histStart+int64(i)*p.step)
		f.Values = append(f.Values, float64(i))
	}
	f.dense = densify(f.Series, f.start, p.panelTo, p.step)
	f.last = lastObserved(f.dense)
	horizon := gaps + p.horizon
	f.res = forecast.Result{Model: "drift", Mean: make([]float64, horizon)}
	f.iv = forecast.Interval{Level: 0.95, Lower: make([]float64, horizon), Upper: make([]float64, horizon)}
	for h := 1; h <= horizon; h++ {
		v := f.dense[f.last] + float64(h)
		f.res.Mean[h-1], f.iv.Lower[h-1], f.iv.Upper[h-1] = v, v-float64(h)/2, v+float64(h)/2
	}
	f.res.Intervals = []forecast.Interval{f.iv}
	return f
}

func floats(t *testing.T, f *data.Frame, name string) []float64 {
	t.Helper()
	field, _ := f.FieldByName(name)
	if field == nil {
		t.Fatalf("frame %q has no field %q", f.Name, name)
	}
	out := make([]float64, field.Len())
	for i := range out {
		out[i] = field.At(i).(float64)
	}
	return out
}

func TestForecastFrame(t *testing.T) {
	nan := math.NaN()
	tests := []struct {
		name        string
		gaps        int   // missing points at the panel's end
		err         error // the fit failed
		wantValue   []float64
		wantFc      []float64
		wantLower   []float64
		wantNotices []string
	}{
		{"observed to the end", 0, nil,
			[]float64{5, 6, 7, 8, 9, 10, 11, 12, 13, 14, nan, nan, nan, nan, nan},
			[]float64{nan, nan, nan, nan, nan, nan, nan, nan, nan, 14, 15, 16, 17, 18, 19},
			[]float64{nan, nan, nan, nan, nan, nan, nan, nan, nan, 14, 14.5, 15, 15.5, 16, 16.5}, nil},
		{"gap before the end", 3, nil,
			[]float64{5, 6, 7, 8, 9, 10, 11, nan, nan, nan, nan, nan, nan, nan, nan},
			[]float64{nan, nan, nan, nan, nan, nan, 11, 12, 13, 14, 15, 16, 17, 18, 19},
			[]float64{nan, nan, nan, nan, nan, nan, 11, 11.5, 12, 12.5, 13, 13.5, 14, 14.5, 15},
			[]string{"/data: no data in the last 3m of the range"}},
		{"no forecast", 0, forecast.ErrNoData,
			[]float64{5, 6, 7, 8, 9, 10, 11, 12, 13, 14, nan, nan, nan, nan, nan},
			[]float64{nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan},
			[]float64{nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan, nan},
			[]string{"no forecast for /data: no observed values to forecast from"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := testPlan(nil)
			fit := rampFit(p, tc.gaps)
			fit.err = tc.err
			f := forecastFrame(fit, p, forecastMeta(p, history.Stats{}, nil))

			if got := strings.Join(fieldNames(f), ","); got != "time,value,forecast,lower,upper" {
				t.Fatalf("fields %s", got)
			}
			times := f.Fields[0]
			if times.Len() != 15 || times.At(0).(time.Time).UnixMilli() != p.panelFrom || times.At(14).(time.Time).UnixMilli() != p.panelTo+5*p.step {
				t.Errorf("time field: %d points from %v to %v, want the panel and 5 steps after it", times.Len(), times.At(0), times.At(times.Len()-1))
			}
			assertFloats(t, "value", floats(t, f, "value"), tc.wantValue)
			assertFloats(t, "forecast", floats(t, f, "forecast"), tc.wantFc)
			assertFloats(t, "lower", floats(t, f, "lower"), tc.wantLower)
			for i, up := range floats(t, f, "upper") {
				if lo := floats(t, f, "lower")[i]; !math.IsNaN(lo) && up < lo {
					t.Errorf("upper %v below lower %v at %d", up, lo, i)
				}
			}
			if len(f.Meta.Notices) != len(tc.wantNotices) {
				t.Fatalf("notices %v, want %q", f.Meta.Notices, tc.wantNotices)
			}
			for i, n := range f.Meta.Notices {
				if !strings.HasPrefix(n.Text, tc.wantNotices[i]) {
					t.Errorf("notice %q, want %q", n.Text, tc.wantNotices[i])
				}
			}
			if tc.err != nil && f.Meta.Notices[0].Severity != data.NoticeSeverityError {
				t.Errorf("failed fit notice severity %v", f.Meta.Notices[0].Severity)
			}
		})
	}
}

func assertFloats(t *testing.T, name string, got, want []float64) {
	t.Helper()
	if len(got) != len(want) {
		t.Fatalf("%s: %d values, want %d", name, len(got), len(want))
	}
	for i := range got {
		if got[i] != want[i] && !(math.IsNaN(got[i]) && math.IsNaN(want[i])) {
			t.Errorf("%s: %v, want %v", name, got, want)
			return
		}
	}
}

// TestForecastFrameConfig: the shape that makes Grafana draw a dashed forecast inside a
// shaded band, with labels identical on every field and the model in the meta.
func TestForecastFrameConfig(t *testing.T) {
	threshold := 20.0
	p := testPlan(&threshold)
	fit := rampFit(p, 0)
	fit.res.Periods = []int{1440}
	fit.cache = "hit"
	f := forecastFrame(fit, p, forecastMeta(p, history.Stats{}, []data.Notice{{Text: "step raised"}}))
	byName := map[string]*data.Field{}
	for _, fl := range f.Fields[1:] {
		byName[fl.Name] = fl
		if fl.Labels["mount"] != "/data" || len(fl.Labels) != 1 {
			t.Errorf("%s labels %v", fl.Name, fl.Labels)
		}
	}
	lower, upper, fc := byName["lower"].Config, byName["upper"].Config, byName["forecast"].Config
	if lower.DisplayNameFromDS != "/data lower 95%" || upper.DisplayNameFromDS != "/data upper 95%" || fc.DisplayNameFromDS != "/data forecast" || byName["value"].Config.DisplayNameFromDS != "/data" {
		t.Errorf("display names %q %q %q", lower.DisplayNameFromDS, upper.DisplayNameFromDS, fc.DisplayNameFromDS)
	}
	if upper.Custom["fillBelowTo"] != lower.DisplayNameFromDS || lower.Custom["lineWidth"] != 0 || upper.Custom["lineWidth"] != 0 {
		t.Errorf("band config: upper %v, lower %v", upper.Custom, lower.Custom)
	}
	if hide := upper.Custom["hideFrom"].(map[string]any); hide["legend"] != true {
		t.Errorf("band shown in the legend: %v", hide)
	}
	if style := fc.Custom["lineStyle"].(map[string]any); style["fill"] != "dash" {
		t.Errorf("forecast line style %v", style)
	}
	if fc.Thresholds == nil || len(fc.Thresholds.Steps) != 2 || float64(fc.Thresholds.Steps[1].Value) != 20 || fc.Custom["thresholdsStyle"].(map[string]any)["mode"] != "dashed" {
		t.Errorf("threshold not drawn: %+v %v", fc.Thresholds, fc.Custom["thresholdsStyle"])
	}
	custom := f.Meta.Custom.(map[string]any)
	if custom["model"] != "drift" || custom["fit"] != "hit" || custom["seasonality"] != "1d" || custom["horizonSteps"] != 5 {
		t.Errorf("meta custom %v", custom)
	}
	if f.Meta.Type != data.FrameTypeTimeSeriesMulti || !strings.Contains(f.Meta.ExecutedQueryString, "model: drift; seasonal periods: 1d") ||
		!strings.Contains(f.Meta.ExecutedQueryString, "horizon=5m (5 steps) interval=95%") {
		t.Errorf("meta %+v", f.Meta)
	}
	if len(f.Meta.Notices) != 1 || f.Meta.Notices[0].Text != "step raised" {
		t.Errorf("query notices not kept: %v", f.Meta.Notices)
	}
	mustEncode(t, data.Frames{f})
}

func TestThresholdFrames(t *testing.T) {
	// The ramp's last value is 14 at the panel's end; the forecast adds 1 a step, the upper
	// bound 1.5 and the lower 0.5.
	tests := []struct {
		name                   string
		threshold              float64
		gaps                   int
		mirror                 bool // the ramp going down from its last value instead
		wantDirection          string
		mean, earliest, latest *float64 // seconds
		wantAnnotation         bool
		wantText               string
	}{
		{"rising, within the horizon", 16, 0, false, "rising", ptr(120), ptr(80), ptr(240), true, "Expected in 2m; 95% interval: in 1m 20s to in 4m"},
		{"only the upper bound gets there", 20, 0, false, "rising", nil, ptr(240), nil, true, "The forecast does not reach 20 within the 5m horizon, but its 95% upper bound does in 4m."},
		{"never", 100, 0, false, "rising", nil, nil, nil, false, ""},
		{"falling", 12, 0, true, "falling", ptr(120), ptr(80), ptr(240), true, "Expected in 2m"},
		{"already below: falling", 5, 0, false, "falling", nil, nil, nil, false, ""},
		{"after a gap: counted from the last value", 13, 3, false, "rising", ptr(120), ptr(80), ptr(240), true, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := testPlan(&tc.threshold)
			fit := rampFit(p, tc.gaps)
			if tc.mirror {
				last := fit.dense[fit.last]
				for i := range fit.res.Mean {
					fit.res.Mean[i] = 2*last - fit.res.Mean[i]
					fit.iv.Lower[i], fit.iv.Upper[i] = 2*last-fit.iv.Upper[i], 2*last-fit.iv.Lower[i]
				}
				fit.res.Intervals = []forecast.Interval{fit.iv}
			}
			failed := &seriesFit{name: "failed", err: errors.New("boom")}
			cs := crossings([]*seriesFit{fit, failed}, p)
			frames := thresholdFrames(cs, p)
			mustEncode(t, frames)
			table := frames[0]
			if table.Rows() != 1 || table.Meta.Type != data.FrameTypeNumericLong {
				t.Fatalf("table: %d rows, meta %+v; want one row for the series with a forecast", table.Rows(), table.Meta)
			}
			for _, fl := range table.Fields {
				if fl.Type().Time() {
					t.Errorf("table field %s is a time: time-series panels would draw the table", fl.Name)
				}
			}
			row := map[string]any{}
			for _, fl := range table.Fields {
				row[fl.Name] = fl.At(0)
			}
			if row["series"] != "/data" || row["threshold"] != tc.threshold || row["direction"] != tc.wantDirection {
				t.Errorf("row %v", row)
			}
			for name, want := range map[string]*float64{"time_to_threshold": tc.mean, "time_to_threshold_earliest": tc.earliest, "time_to_threshold_latest": tc.latest} {
				got := row[name].(*float64)
				if (got == nil) != (want == nil) || (got != nil && math.Abs(*got-*want) > 1e-9) {
					t.Errorf("%s = %v, want %v", name, deref(got), deref(want))
				}
			}
			if fl, _ := table.FieldByName("time_to_threshold"); fl.Config.Unit != "s" || fl.Config.NoValue != "not within 5m" {
				t.Errorf("time to threshold config %+v", fl.Config)
			}
			if !tc.wantAnnotation {
				if len(frames) != 1 {
					t.Errorf("%d frames, want the table only", len(frames))
				}
				return
			}
			if len(frames) != 2 {
				t.Fatalf("%d frames, want the table and annotations", len(frames))
			}
			checkAnnotation(t, frames[1], fit, p, tc.earliest, tc.latest, tc.wantText)
		})
	}
}

func checkAnnotation(t *testing.T, a *data.Frame, fit *seriesFit, p forecastPlan, earliest, latest *float64, wantText string) {
	t.Helper()
	if a.Meta == nil || a.Meta.DataTopic != data.DataTopicAnnotations || a.Rows() != 1 {
		t.Fatalf("annotations: meta %+v, %d rows", a.Meta, a.Rows())
	}
	if got := strings.Join(fieldNames(a), ","); got != "time,timeEnd,isRegion,title,text,tags,color" {
		t.Errorf("annotation fields %s", got)
	}
	last := fit.lastTime(p.step)
	start, end := a.Fields[0].At(0).(time.Time), a.Fields[1].At(0).(time.Time)
	wantEnd := last + int64(len(fit.res.Mean))*p.step // the horizon's end when the latest is not reached
	if latest != nil {
		wantEnd = last + int64(*latest*1000)
	}
	if start.UnixMilli() != last+int64(*earliest*1000) || end.UnixMilli() != wantEnd || a.Fields[2].At(0) != true {
		t.Errorf("region %v – %v, want %v – %v", start, end, time.UnixMilli(last+int64(*earliest*1000)).UTC(), time.UnixMilli(wantEnd).UTC())
	}
	text := a.Fields[4].At(0).(string)
	if !strings.HasPrefix(a.Fields[3].At(0).(string), "/data: forecast ") || (wantText != "" && !strings.HasPrefix(text, wantText)) {
		t.Errorf("title %q text %q, want text starting %q", a.Fields[3].At(0), text, wantText)
	}
	var tags []string
	if err := json.Unmarshal(a.Fields[5].At(0).(json.RawMessage), &tags); err != nil || len(tags) == 0 {
		t.Errorf("tags %s: %v", a.Fields[5].At(0), err)
	}
}

// mustEncode checks frames survive both encodings Grafana uses: Arrow over gRPC, JSON to
// the browser.
func mustEncode(t *testing.T, frames data.Frames) {
	t.Helper()
	if _, err := frames.MarshalArrow(); err != nil {
		t.Fatalf("arrow: %v", err)
	}
	for _, f := range frames {
		if _, err := json.Marshal(f); err != nil {
			t.Fatalf("json: %v", err)
		}
	}
}

func ptr(v float64) *float64 { return &v }

func deref(p *float64) any {
	if p == nil {
		return nil
	}
	return *p
}

func TestAlertFrames(t *testing.T) {
	threshold := 16.0
	tests := []struct {
		name      string
		threshold *float64
		check     func(t *testing.T, f *data.Frame)
	}{
		{"time to threshold", &threshold, func(t *testing.T, f *data.Frame) {
			if len(f.Fields) != 1 || f.Fields[0].Name != "time_to_threshold" || f.Fields[0].At(0) != 120.0 || f.Meta.Type != data.FrameTypeNumericMulti {
				t.Errorf("fields %v, meta %v", fieldNames(f), f.Meta)
			}
		}},
		{"not reached is +Inf", ptr(1000), func(t *testing.T, f *data.Frame) {
			if v := f.Fields[0].At(0).(float64); !math.IsInf(v, 1) {
				t.Errorf("time to an unreached threshold %v, want +Inf", v)
			}
		}},
		{"forecast over the horizon", nil, func(t *testing.T, f *data.Frame) {
			if strings.Join(fieldNames(f), ",") != "time,forecast" || f.Rows() != 5 || f.Fields[1].At(4) != 19.0 {
				t.Errorf("fields %v, %d rows", fieldNames(f), f.Rows())
			}
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			p := testPlan(tc.threshold)
			fits := []*seriesFit{rampFit(p, 0), {name: "failed", err: errors.New("boom")}}
			frames := alertFrames(fits, crossings(fits, p), p)
			mustEncode(t, frames)
			if len(frames) != 1 {
				t.Fatalf("%d frames, want one for the series with a forecast", len(frames))
			}
			last := frames[0].Fields[len(frames[0].Fields)-1]
			if last.Labels["mount"] != "/data" {
				t.Errorf("labels %v: alert rules need them", last.Labels)
			}
			tc.check(t, frames[0])
		})
	}
}

func TestForecastPlan(t *testing.T) {
	now := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name    string
		step    time.Duration
		horizon time.Duration
		season  anomaly.Seasonality
		wantH   int
		periods []int
		err     string
	}{
		{"default horizon", time.Minute, 24 * time.Hour, anomaly.SeasonalityAuto, 1440, nil, ""},
		{"partial step rounds up", time.Hour, 90 * time.Minute, anomaly.SeasonalityWeekly, 2, []int{168}, ""},
		{"too many steps", time.Minute, 30 * 24 * time.Hour, anomaly.SeasonalityAuto, 0, nil,
			"the 30d horizon is 43200 steps of 1m, over the limit of 10000 steps per forecast: shorten the horizon or raise the min step to 4m20s or more"},
		{"season under two steps", 24 * time.Hour, 7 * 24 * time.Hour, anomaly.SeasonalityDaily, 0, nil, `query field "seasonality": daily seasonality is a cycle of 1d`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			q := backend.DataQuery{TimeRange: backend.TimeRange{From: now.Add(-6 * time.Hour), To: now}}
			p, err := newForecastPlan(q, query.Forecast{TrainingWindow: 7 * 24 * time.Hour, Horizon: tc.horizon, Seasonality: tc.season}, tc.step)
			if tc.err != "" {
				if err == nil || !strings.Contains(err.Error(), tc.err) {
					t.Fatalf("error %v, want %q", err, tc.err)
				}
				return
			}
			if err != nil || p.horizon != tc.wantH || len(p.periods) != len(tc.periods) || (len(p.periods) > 0 && p.periods[0] != tc.periods[0]) {
				t.Fatalf("plan %+v %v", p, err)
			}
			s := tc.step.Milliseconds()
			if p.panelFrom%s != 0 || p.panelTo%s != 0 || p.panelTo > now.UnixMilli() || p.panelFrom < now.Add(-6*time.Hour).UnixMilli() || p.panelFrom-p.histStart > 7*24*time.Hour.Milliseconds() {
				t.Errorf("grid %+v", p)
			}
		})
	}
}

func TestHumanDuration(t *testing.T) {
	tests := []struct {
		d    time.Duration
		want string
	}{
		{0, "0s"},
		{20 * time.Second, "20s"},
		{80 * time.Second, "1m 20s"},
		{3*time.Hour + 4*time.Minute + 10*time.Second, "3h 4m"},
		{26*time.Hour + 40*time.Minute, "1d 3h"},
		{48 * time.Hour, "2d"},
		{5*time.Hour + 59*time.Minute + 50*time.Second, "6h"},
		{59*time.Minute + 59*time.Second + 600*time.Millisecond, "1h"},
	}
	for _, tc := range tests {
		if got := humanDuration(tc.d); got != tc.want {
			t.Errorf("humanDuration(%v) = %q, want %q", tc.d, got, tc.want)
		}
	}
}

func fieldNames(f *data.Frame) []string {
	names := make([]string, len(f.Fields))
	for i, fl := range f.Fields {
		names[i] = fl.Name
	}
	return names
}
