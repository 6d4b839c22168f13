package query

import (
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/anomaly"
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
	}
	for _, tc := range tests {
		t.Run(tc.field, func(t *testing.T) {
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
