// Package query is the query model the front end sends: its JSON form, its defaults (applied
// here and nowhere else) and its validation.
package query

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/prometheus/common/model"

	"github.com/foresight-aiops/foresight/pkg/anomaly"
	"github.com/foresight-aiops/foresight/pkg/source/prometheus"
)

// Kind is the analysis a query asks for.
type Kind string

// The kinds of analysis. Each kind has its own parsed form and handler.
const (
	KindAnomaly Kind = "anomaly"
)

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
)

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
	}
	return Model{}, &FieldError{Field: "kind", Err: fmt.Errorf("unknown kind %q (supported: %s)", m.Kind, KindAnomaly)}
}

// Anomaly returns the validated anomaly query.
func (m Model) Anomaly() (Anomaly, error) {
	if err := prometheus.CheckExpr(m.Expr); err != nil {
		return Anomaly{}, &FieldError{Field: "expr", Err: err}
	}
	a := Anomaly{Expr: m.Expr, LegendFormat: m.LegendFormat, Output: m.Output, Band: anomaly.DefaultConfig()}
	var err error
	if a.TrainingWindow, err = parseDuration(m.TrainingWindow, DefaultTrainingWindow); err != nil {
		return Anomaly{}, &FieldError{Field: "trainingWindow", Err: err}
	}
	if a.TrainingWindow > MaxTrainingWindow {
		return Anomaly{}, &FieldError{Field: "trainingWindow", Err: fmt.Errorf("%s is longer than the %s limit", m.TrainingWindow, model.Duration(MaxTrainingWindow))}
	}
	if a.MinStep, err = parseDuration(m.MinStep, "0s"); err != nil {
		return Anomaly{}, &FieldError{Field: "minStep", Err: err}
	}
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
