package forecast

import (
	"math"
	"strconv"

	"gonum.org/v1/gonum/optimize"
)

// thetaMethod is the Theta method as M4 ran it (Assimakopoulos & Nikolopoulos; Hyndman &
// Billah's form): simple exponential smoothing of the seasonally adjusted series plus half
// its linear trend, then reseasonalised with classical decomposition.
type thetaMethod struct {
	season []float64 // seasonal index per phase (t mod len), nil when not seasonal
	mul    bool
	alpha  float64
	drift  float64 // half the least-squares slope of the adjusted series
	level0 float64
}

func (m *thetaMethod) name() string {
	if m.season == nil {
		return "Theta"
	}
	return "Theta, seasonally adjusted (period " + strconv.Itoa(len(m.season)) + ")"
}

// fitTheta fits Theta on y, seasonally adjusted by the base period when there is one.
func fitTheta(y []float64, periods []int, positive bool) (method, bool) {
	if len(y) < 4 {
		return nil, false
	}
	m := &thetaMethod{mul: positive}
	if len(periods) > 0 && len(y) >= 2*periods[0] {
		m.season = classicalSeasonal(y, periods[0], positive)
	}
	x := m.adjust(y)
	m.drift = slope(x) / 2
	m.level0 = x[0]
	res, err := optimize.Minimize(optimize.Problem{Func: func(p []float64) float64 {
		return sesSSE(x, logistic(p[0]), m.level0)
	}}, []float64{0}, nil, &optimize.NelderMead{})
	if err != nil && res == nil {
		return nil, false
	}
	m.alpha = min(max(logistic(res.X[0]), 1e-4), 1)
	return m, true
}

func (m *thetaMethod) adjust(y []float64) []float64 {
	x := make([]float64, len(y))
	for t, v := range y {
		x[t] = m.deseason(v, t)
	}
	return x
}

func (m *thetaMethod) deseason(v float64, t int) float64 {
	if m.season == nil {
		return v
	}
	if s := m.season[t%len(m.season)]; m.mul {
		return v / s
	} else {
		return v - s
	}
}

func (m *thetaMethod) reseason(v float64, t int) float64 {
	if m.season == nil {
		return v
	}
	if s := m.season[t%len(m.season)]; m.mul {
		return v * s
	} else {
		return v + s
	}
}

func (m *thetaMethod) warmup() int { return 1 }

func (m *thetaMethod) forecast(y []float64, end int, out []float64) {
	level := m.level0
	for t, v := range y[:end] {
		level += m.alpha * (m.deseason(v, t) - level)
	}
	a := m.alpha
	carry := 1/a - math.Pow(1-a, float64(end))/a
	for h := range out {
		out[h] = m.reseason(level+m.drift*(float64(h)+carry), end+h)
	}
}

// sesSSE is the sum of squared one-step errors of simple exponential smoothing.
func sesSSE(x []float64, alpha, level float64) float64 {
	var sse float64
	for _, v := range x {
		e := v - level
		sse += e * e
		level += alpha * e
	}
	return sse
}

// slope is the least-squares slope of x against its index.
func slope(x []float64) float64 {
	n := float64(len(x))
	var sx, sy, sxx, sxy float64
	for i, v := range x {
		t := float64(i)
		sx, sy, sxx, sxy = sx+t, sy+v, sxx+t*t, sxy+t*v
	}
	d := n*sxx - sx*sx
	if d == 0 {
		return 0
	}
	return (n*sxy - sx*sy) / d
}

// classicalSeasonal is the seasonal index of classical decomposition (R's decompose): the
// series over (or minus) its centred moving average, averaged per phase and normalised.
func classicalSeasonal(y []float64, p int, mul bool) []float64 {
	trend := centredMA(y, p)
	sum := make([]float64, p)
	cnt := make([]int, p)
	for t, tr := range trend {
		if math.IsNaN(tr) || (mul && tr == 0) {
			continue
		}
		r := y[t] - tr
		if mul {
			r = y[t] / tr
		}
		sum[t%p] += r
		cnt[t%p]++
	}
	var mean float64
	for i := range sum {
		sum[i] /= float64(max(cnt[i], 1))
		mean += sum[i] / float64(p)
	}
	for i := range sum {
		if mul {
			sum[i] /= mean
		} else {
			sum[i] -= mean
		}
	}
	return sum
}

// centredMA is the centred moving average of order p (2×p for an even p); NaN where the
// window does not fit.
func centredMA(y []float64, p int) []float64 {
	out := make([]float64, len(y))
	half := p / 2
	for t := range y {
		if t < half || t+half >= len(y) {
			out[t] = math.NaN()
			continue
		}
		var s float64
		if p%2 == 1 {
			for _, v := range y[t-half : t+half+1] {
				s += v
			}
			out[t] = s / float64(p)
			continue
		}
		for _, v := range y[t-half+1 : t+half] {
			s += v
		}
		s += (y[t-half] + y[t+half]) / 2
		out[t] = s / float64(p)
	}
	return out
}
