package forecast

import (
	"fmt"
	"math"
	"sort"
)

// Minimum history for each family of models.
const (
	// minModelPoints: below it only the naive forecast is made.
	minModelPoints = 8
	// holdoutShare caps the validation window at this share of the history.
	holdoutShare = 0.2
	// switchRatio: see choose.
	switchRatio = 0.5
)

// candidate is a way of fitting a method on a history.
type candidate struct {
	family string
	fit    func(y []float64, periods []int, positive bool) (method, bool)
}

// candidates are the method families tried on every series, in order of preference: on
// M4 hourly the seasonal AR alone scores OWA 0.42–0.43, ETS 0.75, Theta 0.95, seasonal
// naive 0.60 (docs/BENCHMARKS.md).
var candidates = []candidate{
	{"seasonal AR", fitAR},
	{"ETS", func(y []float64, p []int, pos bool) (method, bool) { return fitBestETS(y, etsSpecs(p, pos)) }},
	{"Theta", fitTheta},
	{"seasonal naive", func(y []float64, p []int, _ bool) (method, bool) {
		if len(p) == 0 {
			return seasonalNaive{1}, true
		}
		return seasonalNaive{p[0]}, true
	}},
}

// forecast chooses, fits and runs the models; see Forecast.
func forecast(values []float64, cfg Config) (Result, error) {
	hist, err := prepare(values)
	if err != nil {
		return Result{}, err
	}
	y := hist.y
	steps := cfg.Horizon + hist.trailing
	periods := choosePeriods(y, cfg.Periods)
	if len(periods) > 0 && hist.observed < len(y) {
		seasonalFill(y, gapMask(values, hist), periods[0])
	}
	if len(y) < minModelPoints {
		return finish(naiveShort(y, steps, cfg.Levels), hist, cfg), nil
	}
	m, note := choose(y, periods, hist.positive, steps)
	res := Result{Model: m.name() + note, Periods: periods, Mean: make([]float64, steps)}
	m.forecast(y, len(y), res.Mean)
	res.Intervals = intervals(m, y, res.Mean, cfg.Levels)
	return finish(res, hist, cfg), nil
}

// choosePeriods keeps the given periods the history can support (two full cycles), or
// detects them when none were given. A given period of 1 is no cycle (NoSeason).
func choosePeriods(y []float64, given []int) []int {
	if len(given) == 0 {
		return detectPeriods(y)
	}
	var out []int
	for _, p := range given {
		if p >= 2 && len(y) >= 2*p {
			out = append(out, p)
		}
	}
	sort.Ints(out)
	return out
}

// choose fits every family on the history minus a holdout, keeps the one whose forecast
// of the holdout was best, and refits it on the whole history.
func choose(y []float64, periods []int, positive bool, steps int) (method, string) {
	hold := min(steps, int(holdoutShare*float64(len(y))))
	train := y[:len(y)-hold]
	scale := errorScale(train, periods)
	best, bestErr := -1, math.Inf(1)
	out := make([]float64, hold)
	for i, c := range candidates {
		m, ok := c.fit(train, fitPeriods(train, periods), positive)
		if !ok {
			continue
		}
		m.forecast(train, len(train), out)
		e := meanAbsError(y[len(train):], out) / scale
		// One holdout is a noisy judge: a family later in the list replaces an earlier
		// one only when it halves the error.
		if best < 0 || e < switchRatio*bestErr {
			best, bestErr = i, e
		}
	}
	for _, i := range append([]int{best}, 0, 1, 2, 3) { // fall back in order of preference
		if i < 0 {
			continue
		}
		if m, ok := candidates[i].fit(y, periods, positive); ok {
			return m, ""
		}
	}
	return seasonalNaive{1}, " (no model could be fitted)"
}

// fitPeriods drops the periods a shortened history no longer supports.
func fitPeriods(y []float64, periods []int) []int {
	return choosePeriods(y, append(append([]int(nil), NoSeason...), periods...))
}

// errorScale is the in-sample mean absolute error of the seasonal naive forecast (MASE's
// denominator), so errors are comparable between series.
func errorScale(y []float64, periods []int) float64 {
	p := 1
	if len(periods) > 0 {
		p = periods[0]
	}
	var s float64
	for t := p; t < len(y); t++ {
		s += math.Abs(y[t] - y[t-p])
	}
	if s == 0 {
		return 1
	}
	return s / float64(len(y)-p)
}

func meanAbsError(y, f []float64) float64 {
	var s float64
	for i := range y {
		s += math.Abs(y[i] - f[i])
	}
	return s / float64(max(len(y), 1))
}

// naiveShort is the forecast of a history too short for any model: the last value, with
// intervals from the spread of the changes seen so far.
func naiveShort(y []float64, steps int, levels []float64) Result {
	res := Result{Model: fmt.Sprintf("naive (%d values: too short for a model)", len(y)), Mean: make([]float64, steps)}
	last := y[len(y)-1]
	var sd float64
	for t := 1; t < len(y); t++ {
		d := y[t] - y[t-1]
		sd += d * d
	}
	if len(y) > 1 {
		sd = math.Sqrt(sd / float64(len(y)-1))
	}
	for h := range res.Mean {
		res.Mean[h] = last
	}
	for _, l := range levels {
		z := normalQuantile((1 + l) / 2)
		iv := Interval{Level: l, Lower: make([]float64, steps), Upper: make([]float64, steps)}
		for h := range steps {
			w := z * sd * math.Sqrt(float64(h+1))
			iv.Lower[h], iv.Upper[h] = last-w, last+w
		}
		res.Intervals = append(res.Intervals, iv)
	}
	return res
}

// finish drops the steps that fell on trailing gaps, so the result starts after the input.
func finish(res Result, hist history, cfg Config) Result {
	k := hist.trailing
	res.Mean = res.Mean[k : k+cfg.Horizon]
	for i := range res.Intervals {
		res.Intervals[i].Lower = res.Intervals[i].Lower[k : k+cfg.Horizon]
		res.Intervals[i].Upper = res.Intervals[i].Upper[k : k+cfg.Horizon]
	}
	return res
}
