// Package query is the query model the front end sends: its JSON form, its defaults (applied
// here and nowhere else) and its validation.
package query

import (
	"encoding/json"
	"fmt"
	"math"
	"slices"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/foresight-aiops/foresight/pkg/anomaly"
	"github.com/foresight-aiops/foresight/pkg/source/prometheus"
)

// Kind is the analysis a query asks for.
type Kind string

// The kinds of analysis. Each kind has its own parsed form and handler.
const (
	KindAnomaly  Kind = "anomaly"
	KindForecast Kind = "forecast"
	KindPatterns Kind = "patterns"
	// The kinds that read the receiver's API rather than an expression.
	KindIncidents   Kind = "incidents"
	KindHypotheses  Kind = "hypotheses"
	KindAnnotations Kind = "annotations"
	KindVariables   Kind = "variables"
)

// Kinds lists every kind, for messages.
var Kinds = []Kind{KindAnomaly, KindForecast, KindPatterns, KindIncidents, KindHypotheses, KindAnnotations, KindVariables}

// ReadsReceiver reports whether the kind reads the receiver's API (and takes no expression).
func (k Kind) ReadsReceiver() bool {
	switch k {
	case KindIncidents, KindHypotheses, KindAnnotations, KindVariables:
		return true
	}
	return false
}

// Output selects which fields an anomaly query returns.
type Output string

// Outputs: full bands for panels, or only the score, the natural input of an alert rule.
const (
	OutputBands Output = "bands"
	OutputScore Output = "score"
)

// Defaults, in one place.
const (
	DefaultKind           = KindAnomaly
	DefaultTrainingWindow = "7d"
	DefaultOutput         = OutputBands
	DefaultHorizon        = "24h"
	// DefaultIntervalLevel is the coverage, in percent, of the forecast's drawn interval.
	DefaultIntervalLevel = 95
)

// IntervalLevels are the coverages, in percent, a forecast query may draw.
var IntervalLevels = []float64{80, 95}

// MaxTrainingWindow bounds the history one query may ask for.
const MaxTrainingWindow = 90 * 24 * time.Hour

// Model is the JSON a panel sends; it mirrors FsQuery in src/types.ts.
type Model struct {
	Kind           Kind     `json:"kind"`
	Expr           string   `json:"expr"`
	TrainingWindow string   `json:"trainingWindow,omitempty"`
	Seasonality    string   `json:"seasonality,omitempty"`
	Sensitivity    *float64 `json:"sensitivity,omitempty"`
	LegendFormat   string   `json:"legendFormat,omitempty"`
	Output         Output   `json:"output,omitempty"`
	MinStep        string   `json:"minStep,omitempty"`
	Horizon        string   `json:"horizon,omitempty"`
	IntervalLevel  *float64 `json:"intervalLevel,omitempty"` // percent: 80 or 95
	Threshold      *float64 `json:"threshold,omitempty"`
	TopPatterns    *int     `json:"topPatterns,omitempty"`
	MaxLines       *int     `json:"maxLines,omitempty"`
	// Fields of the kinds that read the receiver (incidents.go).
	States     []string `json:"states,omitempty"`
	Service    string   `json:"service,omitempty"`
	Limit      *int     `json:"limit,omitempty"`
	IncidentID string   `json:"incidentId,omitempty"`
	Variable   Variable `json:"variable,omitempty"`
}

// Anomaly is a validated anomaly query with every default applied.
type Anomaly struct {
	Expr           string
	TrainingWindow time.Duration
	Band           anomaly.Config
	LegendFormat   string
	Output         Output
	MinStep        time.Duration
}

// Forecast is a validated forecast query with every default applied.
type Forecast struct {
	Expr           string
	TrainingWindow time.Duration
	// Horizon is how far past the end of the panel the forecast reaches.
	Horizon time.Duration
	// Level is the coverage of the drawn prediction interval, as a fraction (0.8 or 0.95).
	Level float64
	// Threshold, when set, asks for the time at which each series reaches it.
	Threshold    *float64
	Seasonality  anomaly.Seasonality
	LegendFormat string
	MinStep      time.Duration
}

// FieldError names the query field that is wrong and why.
type FieldError struct {
	Field string
	Err   error
}

func (e *FieldError) Error() string { return fmt.Sprintf("query field %q: %v", e.Field, e.Err) }
func (e *FieldError) Unwrap() error { return e.Err }

// Parse decodes a query's JSON, expands Grafana's macros in the expression, applies the
// defaults and validates it.
func Parse(raw []byte, env Env) (Model, error) {
	var m Model
	if len(raw) > 0 {
		if err := json.Unmarshal(raw, &m); err != nil {
			return Model{}, fmt.Errorf("decode query JSON: %w", err)
		}
	}
	m.Expr = ExpandMacros(m.Expr, env)
	if m.Kind == "" {
		m.Kind = DefaultKind
	}
	switch m.Kind {
	case KindAnomaly:
		_, err := m.Anomaly()
		return m, err
	case KindForecast:
		_, err := m.Forecast()
		return m, err
	case KindPatterns:
		_, err := m.Patterns()
		return m, err
	case KindIncidents, KindAnnotations:
		_, err := m.Incidents()
		return m, err
	case KindHypotheses:
		_, err := m.Hypotheses()
		return m, err
	case KindVariables:
		_, err := m.Variables()
		return m, err
	}
	return Model{}, &FieldError{Field: "kind", Err: fmt.Errorf("unknown kind %q (supported: %s)", m.Kind, kindList())}
}

func kindList() string {
	names := make([]string, len(Kinds))
	for i, k := range Kinds {
		names[i] = string(k)
	}
	return strings.Join(names, ", ")
}

// common holds the fields every kind over a PromQL expression shares.
type common struct {
	trainingWindow, minStep time.Duration
}

// common validates the expression, training window and min step.
func (m Model) common() (common, error) {
	if err := prometheus.CheckExpr(m.Expr); err != nil {
		return common{}, &FieldError{Field: "expr", Err: err}
	}
	var c common
	var err error
	if c.trainingWindow, err = parseDuration(m.TrainingWindow, DefaultTrainingWindow); err != nil {
		return common{}, &FieldError{Field: "trainingWindow", Err: err}
	}
	if c.trainingWindow > MaxTrainingWindow {
		return common{}, &FieldError{Field: "trainingWindow", Err: fmt.Errorf("%s is longer than the %s limit", m.TrainingWindow, model.Duration(MaxTrainingWindow))}
	}
	if c.minStep, err = parseDuration(m.MinStep, "0s"); err != nil {
		return common{}, &FieldError{Field: "minStep", Err: err}
	}
	return c, nil
}

// Anomaly returns the validated anomaly query.
func (m Model) Anomaly() (Anomaly, error) {
	c, err := m.common()
	if err != nil {
		return Anomaly{}, err
	}
	a := Anomaly{Expr: m.Expr, TrainingWindow: c.trainingWindow, MinStep: c.minStep, LegendFormat: m.LegendFormat, Output: m.Output, Band: anomaly.DefaultConfig()}
	if a.Band.Seasonality, err = anomaly.ParseSeasonality(m.Seasonality); err != nil {
		return Anomaly{}, &FieldError{Field: "seasonality", Err: err}
	}
	if m.Sensitivity != nil {
		a.Band.Sensitivity = *m.Sensitivity
	}
	if err := a.Band.Validate(); err != nil {
		return Anomaly{}, &FieldError{Field: "sensitivity", Err: err}
	}
	switch a.Output {
	case "":
		a.Output = DefaultOutput
	case OutputBands, OutputScore:
	default:
		return Anomaly{}, &FieldError{Field: "output", Err: fmt.Errorf("unknown output %q: want bands or score", a.Output)}
	}
	return a, nil
}

// Forecast returns the validated forecast query. Fields of other kinds (sensitivity,
// output) are ignored: the editor keeps them when the kind changes.
func (m Model) Forecast() (Forecast, error) {
	c, err := m.common()
	if err != nil {
		return Forecast{}, err
	}
	f := Forecast{Expr: m.Expr, TrainingWindow: c.trainingWindow, MinStep: c.minStep, LegendFormat: m.LegendFormat}
	if f.Horizon, err = parseDuration(m.Horizon, DefaultHorizon); err != nil {
		return Forecast{}, &FieldError{Field: "horizon", Err: err}
	}
	if f.Horizon <= 0 {
		return Forecast{}, &FieldError{Field: "horizon", Err: fmt.Errorf("%q must be longer than zero", m.Horizon)}
	}
	level := float64(DefaultIntervalLevel)
	if m.IntervalLevel != nil {
		level = *m.IntervalLevel
	}
	if !slices.Contains(IntervalLevels, level) {
		return Forecast{}, &FieldError{Field: "intervalLevel", Err: fmt.Errorf("%v%% is not offered: want 80 or 95", level)}
	}
	f.Level = level / 100
	if m.Threshold != nil {
		if math.IsNaN(*m.Threshold) || math.IsInf(*m.Threshold, 0) {
			return Forecast{}, &FieldError{Field: "threshold", Err: fmt.Errorf("%v is not a finite number", *m.Threshold)}
		}
		t := *m.Threshold
		f.Threshold = &t
	}
	if f.Seasonality, err = anomaly.ParseSeasonality(m.Seasonality); err != nil {
		return Forecast{}, &FieldError{Field: "seasonality", Err: err}
	}
	return f, nil
}

// parseDuration reads a Prometheus-style duration ("90s", "12h", "7d", "1w").
func parseDuration(s, def string) (time.Duration, error) {
	if s == "" {
		s = def
	}
	d, err := model.ParseDuration(s)
	if err != nil {
		return 0, fmt.Errorf("%q is not a duration like 30m, 12h, 7d or 1w", s)
	}
	return time.Duration(d), nil
}
