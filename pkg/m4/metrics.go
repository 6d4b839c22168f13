package m4

import (
	"fmt"
	"math"
	"slices"
)

// The metrics below follow smape_cal and mase_cal of the M4 organisers' R code, and the MSIS
// of the M4 competition guide. Each takes one series' forecast over its horizon; the slices
// of one call must have equal lengths.

// SMAPE is the symmetric mean absolute percentage error: the mean over the horizon of
// 200·|y−f| / (|y|+|f|), in percent, from 0 to 200.
func SMAPE(actual, forecast []float64) float64 {
	mustMatch(len(actual), len(forecast))
	var sum float64
	for i, y := range actual {
		f := forecast[i]
		// y = f = 0 is a perfect forecast; the R code divides 0 by 0 there, but no M4 series
		// has a zero, so counting it as no error changes none of the published figures.
		if d := math.Abs(y) + math.Abs(f); d > 0 {
			sum += 200 * math.Abs(y-f) / d
		}
	}
	return sum / float64(len(actual))
}

// Scale is the denominator of MASE and MSIS: the in-sample mean absolute error of the
// seasonal naive forecast, the mean of |x_t − x_{t−m}| over t = m+1..n. It is NaN when the
// history is not longer than m.
func Scale(train []float64, m int) float64 {
	m = max(m, 1)
	if len(train) <= m {
		return math.NaN()
	}
	var sum float64
	for t := m; t < len(train); t++ {
		sum += math.Abs(train[t] - train[t-m])
	}
	return sum / float64(len(train)-m)
}

// MASE is the mean absolute scaled error: the forecast's mean absolute error over the
// horizon divided by Scale(train, m).
func MASE(train, actual, forecast []float64, m int) float64 {
	mustMatch(len(actual), len(forecast))
	var sum float64
	for i, y := range actual {
		sum += math.Abs(y - forecast[i])
	}
	return sum / float64(len(actual)) / Scale(train, m)
}

// MSIS is the mean scaled interval score of the interval [lower, upper] meant to cover
// 1−alpha of the outcomes: the mean over the horizon of the width U−L plus a penalty of
// 2/alpha per unit by which y falls outside, divided by Scale(train, m). Narrow intervals
// that still hold the outcomes score low.
func MSIS(train, actual, lower, upper []float64, m int, alpha float64) float64 {
	mustMatch(len(actual), len(lower))
	mustMatch(len(actual), len(upper))
	var sum float64
	for i, y := range actual {
		l, u := lower[i], upper[i]
		sum += u - l
		if y < l {
			sum += 2 / alpha * (l - y)
		}
		if y > u {
			sum += 2 / alpha * (y - u)
		}
	}
	return sum / float64(len(actual)) / Scale(train, m)
}

// Coverage is the share of outcomes inside their interval, bounds included.
func Coverage(actual, lower, upper []float64) float64 {
	mustMatch(len(actual), len(lower))
	mustMatch(len(actual), len(upper))
	in := 0
	for i, y := range actual {
		if y >= lower[i] && y <= upper[i] {
			in++
		}
	}
	return float64(in) / float64(len(actual))
}

// Accuracy is a method's point-forecast accuracy over a set: sMAPE and MASE averaged over
// every series and step (equal to the mean of the series' means, as every series has
// Horizon steps).
type Accuracy struct {
	SMAPE, MASE float64
}

// OWA is the M4 overall weighted average: the mean of a's sMAPE and MASE relative to the
// Naive2 benchmark's on the same set. Below 1 beats Naive2.
func (a Accuracy) OWA(naive2 Accuracy) float64 {
	return (a.SMAPE/naive2.SMAPE + a.MASE/naive2.MASE) / 2
}

// Method forecasts h steps after train, whose seasonal period is m.
type Method func(train []float64, h, m int) []float64

// Evaluate forecasts every series with method and returns its accuracy over the set. The
// method gets a copy of the training values only.
func (s *Set) Evaluate(method Method) Accuracy {
	var acc Accuracy
	for _, sr := range s.Series {
		f := method(slices.Clone(sr.Train), len(sr.Test), Frequency)
		acc.SMAPE += SMAPE(sr.Test, f)
		acc.MASE += MASE(sr.Train, sr.Test, f, Frequency)
	}
	n := float64(len(s.Series))
	return Accuracy{SMAPE: acc.SMAPE / n, MASE: acc.MASE / n}
}

// mustMatch panics on slices of different lengths: a caller's bug that would otherwise
// score a truncated horizon.
func mustMatch(a, b int) {
	if a != b {
		panic(fmt.Sprintf("m4: %d outcomes but %d forecasts", a, b))
	}
}
