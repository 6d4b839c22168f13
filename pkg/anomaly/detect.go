package anomaly

import (
	"fmt"

	"github.com/foresight-aiops/foresight/pkg/series"
)

// Result holds the model's judgement of every point of a series, index-aligned with it.
type Result struct {
	Baseline []float64
	Lower    []float64
	Upper    []float64
	Score    []float64
	Anomaly  []int8
}

// Len is the number of judged points.
func (r *Result) Len() int { return len(r.Baseline) }

func (r *Result) grow(n int) {
	r.Baseline = growTo(r.Baseline, n)
	r.Lower = growTo(r.Lower, n)
	r.Upper = growTo(r.Upper, n)
	r.Score = growTo(r.Score, n)
	if cap(r.Anomaly)-len(r.Anomaly) < n {
		a := make([]int8, len(r.Anomaly), len(r.Anomaly)+n)
		copy(a, r.Anomaly)
		r.Anomaly = a
	}
}

func growTo(s []float64, n int) []float64 {
	if cap(s)-len(s) >= n {
		return s
	}
	g := make([]float64, len(s), len(s)+n)
	copy(g, s)
	return g
}

// Run feeds the points to the model in order and appends its judgement of each to out.
func (m *Model) Run(times []int64, values []float64, out *Result) {
	out.grow(len(times))
	for i, t := range times {
		p := m.Update(t, values[i])
		out.Baseline = append(out.Baseline, p.Baseline)
		out.Lower = append(out.Lower, p.Lower)
		out.Upper = append(out.Upper, p.Upper)
		out.Score = append(out.Score, p.Score)
		out.Anomaly = append(out.Anomaly, p.Anomaly)
	}
}

// Learn feeds the points to the model in order without keeping its judgement: the way to
// train on history nobody will look at. The model ends in the state Run would leave it in.
func (m *Model) Learn(times []int64, values []float64) {
	for i, t := range times {
		m.update(t, values[i], false)
	}
}

// Detect runs a fresh model over the whole series and returns its judgement of every point
// together with the model, ready to continue with later points.
func Detect(s series.Series, cfg Config) (Result, *Model, error) {
	if err := cfg.Validate(); err != nil {
		return Result{}, nil, err
	}
	if err := s.Validate(); err != nil {
		return Result{}, nil, fmt.Errorf("detect anomalies: %w", err)
	}
	m := NewModel(cfg)
	var r Result
	m.Run(s.Times, s.Values, &r)
	return r, m, nil
}
