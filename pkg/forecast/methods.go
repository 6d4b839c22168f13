package forecast

import (
	"math"
	"strconv"
	"strings"
)

// method is a forecasting method with its parameters fitted: it forecasts the steps after
// any prefix y[:end] of the history it was fitted on, which is how it is backtested.
type method interface {
	name() string
	// forecast writes the len(out) steps after y[:end]; end ≥ warmup().
	forecast(y []float64, end int, out []float64)
	// warmup is the fewest values the method can forecast from.
	warmup() int
}

// etsMethod is the ETS model chosen by AICc among the candidate specs.
type etsMethod struct{ m *ets }

func (e etsMethod) name() string { return e.m.spec.String() }

func (e etsMethod) warmup() int { return 1 }

func (e etsMethod) forecast(y []float64, end int, out []float64) {
	st := e.m.init.clone()
	for _, v := range y[:end] {
		e.m.step(&st, v)
	}
	for h := range out {
		out[h] = e.m.mean(&st, h+1)
	}
}

// fitBestETS fits each spec and keeps the one with the lowest AICc.
func fitBestETS(y []float64, specs []etsSpec) (method, bool) {
	var best *ets
	for _, s := range specs {
		if m, ok := fitETS(y, s); ok && (best == nil || m.aicc < best.aicc) {
			best = m
		}
	}
	if best == nil {
		return nil, false
	}
	return etsMethod{best}, true
}

// etsSpecs are the models tried for the given periods: with and without a damped trend,
// additive and, for positive data, multiplicative error and season.
func etsSpecs(periods []int, positive bool) []etsSpec {
	var specs []etsSpec
	for _, damped := range []bool{false, true} {
		specs = append(specs, etsSpec{damped: damped, periods: periods})
		if positive {
			specs = append(specs, etsSpec{errMul: true, damped: damped, periods: periods})
			if len(periods) > 0 {
				specs = append(specs, etsSpec{errMul: true, damped: damped, seasonMul: true, periods: periods})
			}
		}
	}
	return specs
}

// seasonalNaive repeats the last cycle of period p.
type seasonalNaive struct{ p int }

func (s seasonalNaive) name() string {
	if s.p == 1 {
		return "naive"
	}
	return "seasonal naive period " + strconv.Itoa(s.p)
}

func (s seasonalNaive) warmup() int { return s.p }

func (s seasonalNaive) forecast(y []float64, end int, out []float64) {
	for h := range out {
		out[h] = y[end-s.p+h%s.p]
	}
}

func joinInts(xs []int) string {
	parts := make([]string, len(xs))
	for i, x := range xs {
		parts[i] = strconv.Itoa(x)
	}
	return strings.Join(parts, "+")
}

func isFinite(v float64) bool { return !math.IsNaN(v) && !math.IsInf(v, 0) }
