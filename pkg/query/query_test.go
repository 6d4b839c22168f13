package query

import (
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/anomaly"
	"github.com/foresight-aiops/foresight/pkg/forecast"
)

func TestParseDefaults(t *testing.T) {
	m, err := Parse([]byte(`{"refId":"A","expr":"up"}`), Env{})
	if err != nil {
		t.Fatal(err)
	}
	a, err := m.Anomaly()
	if err != nil {
		t.Fatal(err)
	}
	want := Anomaly{Expr: "up", TrainingWindow: 7 * 24 * time.Hour, Band: anomaly.DefaultConfig(), Output: OutputBands}
	if a != want {
		t.Errorf("got %+v, want %+v", a, want)
	}
}

func TestParseValues(t *testing.T) {
	m, err := Parse([]byte(`{"kind":"anomaly","expr":"rate(x[5m])","trainingWindow":"2w","seasonality":"weekly","sensitivity":0.8,"legendFormat":"{{svc}}","output":"score","minStep":"30s"}`), Env{})
	if err != nil {
		t.Fatal(err)
	}
	a, _ := m.Anomaly()
	if a.TrainingWindow != 14*24*time.Hour || a.Band.Seasonality != anomaly.SeasonalityWeekly || a.Band.Sensitivity != 0.8 ||
		a.Output != OutputScore || a.MinStep != 30*time.Second || a.LegendFormat != "{{svc}}" {
		t.Errorf("got %+v", a)
	}
}

func TestParseErrors(t *testing.T) {
	tests := []struct {
		json, field, want string
	}{
		{`{"expr":"rate(x[5m]"}`, "expr", "unclosed"},
		{`{"expr":""}`, "expr", "empty"},
		{`{"expr":"up","kind":"tarot"}`, "kind", "unknown kind"},
		{`{"expr":"up","trainingWindow":"a week"}`, "trainingWindow", "not a duration"},
		{`{"expr":"up","trainingWindow":"365d"}`, "trainingWindow", "limit"},
		{`{"expr":"up","seasonality":"hourly"}`, "seasonality", "unknown seasonality"},
		{`{"expr":"up","sensitivity":2}`, "sensitivity", "outside [0, 1]"},
		{`{"expr":"up","output":"csv"}`, "output", "unknown output"},
		{`{"expr":"up","minStep":"-"}`, "minStep", "not a duration"},
		{`{"expr":"sum(","kind":"forecast"}`, "expr", "unclosed"},
		{`{"expr":"up","kind":"forecast","trainingWindow":"100d"}`, "trainingWindow", "90d limit"},
		{`{"expr":"up","kind":"forecast","horizon":"tomorrow"}`, "horizon", `"tomorrow" is not a duration`},
		{`{"expr":"up","kind":"forecast","horizon":"0s"}`, "horizon", "longer than zero"},
		{`{"expr":"up","kind":"forecast","intervalLevel":90}`, "intervalLevel", "90% is not offered: want 80 or 95"},
		{`{"expr":"up","kind":"forecast","intervalLevel":0.95}`, "intervalLevel", "want 80 or 95"},
		{`{"expr":"up","kind":"forecast","seasonality":"yearly"}`, "seasonality", "unknown seasonality"},
		{`{"expr":"up","kind":"forecast","minStep":"1 minute"}`, "minStep", "not a duration"},
		{`{"expr":"rate({app=\"a\"}[5m])","kind":"patterns"}`, "expr", "stream selector"},
		{`{"expr":"{}","kind":"patterns"}`, "expr", ""},
		{`{"expr":"{app=\"a\"}","kind":"patterns","topPatterns":0}`, "topPatterns", "outside 1 to 50"},
		{`{"expr":"{app=\"a\"}","kind":"patterns","maxLines":10}`, "maxLines", "outside 100 to 200000"},
		{`{"expr":"{app=\"a\"}","kind":"patterns","sensitivity":-1}`, "sensitivity", "outside [0, 1]"},
	}
	for _, tc := range tests {
		t.Run(tc.field+" "+tc.json, func(t *testing.T) {
			_, err := Parse([]byte(tc.json), Env{})
			var fe *FieldError
			if !errors.As(err, &fe) || fe.Field != tc.field || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want field %q mentioning %q", err, tc.field, tc.want)
			}
		})
	}
	if _, err := Parse([]byte(`{"expr": 5}`), Env{}); err == nil || !strings.Contains(err.Error(), "decode query JSON") {
		t.Errorf("wrong type accepted: %v", err)
	}
	if _, err := Parse([]byte(`{"expr":"up","kind":"forecast","threshold":"high"}`), Env{}); err == nil || !strings.Contains(err.Error(), "decode query JSON") {
		t.Errorf("threshold as a string accepted: %v", err)
	}
	_, err := Parse([]byte(`{"expr":"up","kind":"tarot"}`), Env{})
	if err == nil || !strings.Contains(err.Error(), "supported: anomaly, forecast, patterns") {
		t.Errorf("unknown kind message %v does not list the kinds", err)
	}
}

func TestParseForecast(t *testing.T) {
	threshold := func(v float64) *float64 { return &v }
	tests := []struct {
		name string
		json string
		want Forecast
	}{
		{"defaults", `{"kind":"forecast","expr":"up"}`,
			Forecast{Expr: "up", TrainingWindow: 7 * 24 * time.Hour, Horizon: 24 * time.Hour, Level: 0.95, Seasonality: anomaly.SeasonalityAuto}},
		{"every field", `{"kind":"forecast","expr":"node_filesystem_avail_bytes","trainingWindow":"2w","horizon":"3d","intervalLevel":80,"threshold":0,"seasonality":"weekly","legendFormat":"{{mountpoint}}","minStep":"5m"}`,
			Forecast{Expr: "node_filesystem_avail_bytes", TrainingWindow: 14 * 24 * time.Hour, Horizon: 3 * 24 * time.Hour, Level: 0.8, Threshold: threshold(0),
				Seasonality: anomaly.SeasonalityWeekly, LegendFormat: "{{mountpoint}}", MinStep: 5 * time.Minute}},
		{"anomaly fields ignored", `{"kind":"forecast","expr":"up","sensitivity":0.9,"output":"score","threshold":null}`,
			Forecast{Expr: "up", TrainingWindow: 7 * 24 * time.Hour, Horizon: 24 * time.Hour, Level: 0.95, Seasonality: anomaly.SeasonalityAuto}},
		{"negative threshold", `{"kind":"forecast","expr":"up","threshold":-2.5,"intervalLevel":95}`,
			Forecast{Expr: "up", TrainingWindow: 7 * 24 * time.Hour, Horizon: 24 * time.Hour, Level: 0.95, Threshold: threshold(-2.5), Seasonality: anomaly.SeasonalityAuto}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			m, err := Parse([]byte(tc.json), Env{})
			if err != nil {
				t.Fatal(err)
			}
			if m.Kind != KindForecast {
				t.Fatalf("kind %q", m.Kind)
			}
			got, err := m.Forecast()
			if err != nil {
				t.Fatal(err)
			}
			if (got.Threshold == nil) != (tc.want.Threshold == nil) || (got.Threshold != nil && *got.Threshold != *tc.want.Threshold) {
				t.Errorf("threshold %v, want %v", got.Threshold, tc.want.Threshold)
			}
			got.Threshold, tc.want.Threshold = nil, nil
			if got != tc.want {
				t.Errorf("got %+v, want %+v", got, tc.want)
			}
		})
	}
}

func TestSeasonalPeriods(t *testing.T) {
	tests := []struct {
		season anomaly.Seasonality
		step   time.Duration
		want   []int
		err    string
	}{
		{anomaly.SeasonalityAuto, time.Minute, nil, ""},
		{anomaly.SeasonalityNone, time.Minute, forecast.NoSeason, ""},
		{anomaly.SeasonalityDaily, time.Minute, []int{1440}, ""},
		{anomaly.SeasonalityDaily, time.Hour, []int{24}, ""},
		{anomaly.SeasonalityWeekly, time.Hour, []int{168}, ""},
		{anomaly.SeasonalityDaily, 7 * time.Minute, []int{206}, ""}, // 205.7 steps, rounded
		{anomaly.SeasonalityDaily, 12 * time.Hour, []int{2}, ""},
		{anomaly.SeasonalityDaily, 24 * time.Hour, nil, "daily seasonality is a cycle of 1d, under two steps of 1d: it needs a step of 12h or less"},
		{anomaly.SeasonalityWeekly, 0, nil, "must be positive"},
	}
	for _, tc := range tests {
		got, err := SeasonalPeriods(tc.season, tc.step)
		if tc.err != "" {
			if err == nil || !strings.Contains(err.Error(), tc.err) {
				t.Errorf("%s at %s: error %v, want %q", tc.season, tc.step, err, tc.err)
			}
			continue
		}
		if err != nil || !slices.Equal(got, tc.want) {
			t.Errorf("%s at %s: %v %v, want %v", tc.season, tc.step, got, err, tc.want)
		}
	}
}

func TestExpandMacros(t *testing.T) {
	env := Env{Interval: 30 * time.Second, Range: 6 * time.Hour}
	tests := []struct{ in, want string }{
		{"rate(x[$__rate_interval])", "rate(x[1m])"},
		{"rate(x[$__interval]) * $__interval_ms", "rate(x[30s]) * 30000"},
		{"increase(x[$__range])", "increase(x[6h])"},
		{"x / $__range_s", "x / 21600"},
		{"up", "up"},
	}
	for _, tc := range tests {
		if got := ExpandMacros(tc.in, env); got != tc.want {
			t.Errorf("ExpandMacros(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
	if got := ExpandMacros("rate(x[$__rate_interval])", Env{Interval: 2 * time.Minute}); got != "rate(x[2m15s])" {
		t.Errorf("rate interval above 4 scrapes: %q", got)
	}
	if _, err := Parse([]byte(`{"expr":"rate(x[$__rate_interval])"}`), env); err != nil {
		t.Errorf("macro not expanded before validation: %v", err)
	}
}

func TestParsePatterns(t *testing.T) {
	m, err := Parse([]byte(`{"kind":"patterns","expr":"{app=\"api\"} |= \"error\""}`), Env{})
	if err != nil {
		t.Fatal(err)
	}
	p, err := m.Patterns()
	if err != nil {
		t.Fatal(err)
	}
	if p.Top != DefaultTopPatterns || p.MaxLines != DefaultMaxLines || p.Rate.Sensitivity != anomaly.DefaultSensitivity || p.Expr != `{app="api"} |= "error"` {
		t.Fatalf("defaults not applied: %+v", p)
	}
	m, err = Parse([]byte(`{"kind":"patterns","expr":"{app=\"api\"}","topPatterns":3,"maxLines":500,"sensitivity":0.9}`), Env{})
	if err != nil {
		t.Fatal(err)
	}
	if p, _ = m.Patterns(); p.Top != 3 || p.MaxLines != 500 || p.Rate.Sensitivity != 0.9 {
		t.Fatalf("values not taken: %+v", p)
	}
}
