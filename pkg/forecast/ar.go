package forecast

import (
	"math"
	"sort"
	"strconv"

	"gonum.org/v1/gonum/mat"
)

// Seasonal autoregression: the next value is a linear function of the last cycle, the
// same phase in the previous cycles and its neighbours a long cycle back, fitted by least
// squares on the log of the series (levels of operational series change multiplicatively)
// scaled by its recent mean, and forecast recursively. On M4 hourly this one model beats
// every exponential-smoothing variant, because it learns each series' own mix of daily
// shape, weekly shape and persistence.
const (
	// arCycles is how many base cycles back the seasonal lags reach when no longer period
	// was detected: seven, a week of days, the commonest nesting in operational data.
	arCycles = 7
	// arRowsPerParam: fewer rows than this per coefficient and the fit is noise.
	arRowsPerParam = 4
	// arRidge keeps the normal equations solvable on flat stretches without shrinking the
	// coefficients noticeably.
	arRidge = 1e-6
	// arPrior shrinks the coefficients toward the seasonal naive forecast (weight 1 on the
	// base-period lag, 0 elsewhere) rather than toward zero: with dozens of lags fitted on a
	// few hundred rows, the free fit chases noise, and repeating the last cycle is the
	// natural forecast to fall back on. The penalty is arPrior × rows × variance of the
	// transformed series per squared coefficient deviation, so it is scale-free and the same
	// share of the data's sum of squares on any series: 1 % regularises without overriding
	// what the data shows. Chosen on M4 hourly's training data only (each series' last 48
	// training values forecast from the rest): 0.003 to 0.03 all score alike there.
	arPrior = 0.01
	// arMaxDense caps the run of consecutive lags: a daily cycle at a 5-minute step has 288
	// steps, and a least-squares fit on hundreds of lags costs seconds and fits noise.
	arMaxDense = 48
)

// arReaches are the lag reaches, in base cycles, of the autoregressions that are averaged:
// a week and two weeks of days. Which reach suits a series is uncertain (two weeks catches
// fortnightly patterns and averages more weeks, one week leaves more rows per coefficient),
// and averaging the two forecasts cuts the variance of either choice.
var arReaches = []int{arCycles, 2 * arCycles}

// arModel is a fitted seasonal autoregression.
type arModel struct {
	lags  []int
	coef  []float64 // intercept first, then one per lag
	logs  bool
	scale float64
	lo    float64 // forecasts are clipped to the history's range widened by its span,
	hi    float64 // so an unstable fit cannot explode
}

// arLags are the lags for the given periods and reach (in base cycles): the whole last
// cycle plus one, then the same phase in earlier cycles up to the longest period, and its
// two neighbours there.
func arLags(periods []int, cycles int) []int {
	base := basePeriod(periods)
	long := cycles * base
	if len(periods) > 1 && periods[len(periods)-1] > long {
		long = periods[len(periods)-1]
	}
	var lags []int
	for l := 1; l <= min(base+1, arMaxDense); l++ {
		lags = append(lags, l)
	}
	if base+1 > arMaxDense { // a long cycle: its phase and neighbours, not every lag
		lags = append(lags, base-1, base, base+1)
	}
	for l := 2 * base; l <= long; l += base {
		if l > base+1 {
			lags = append(lags, l)
		}
	}
	if long > base+2 {
		lags = append(lags, long-1, long+1)
	}
	if 2*base+1 < long {
		lags = append(lags, 2*base-1, 2*base+1)
	}
	sort.Ints(lags)
	return uniqueSorted(lags)
}

// basePeriod is the shortest seasonal period, 1 when there is none.
func basePeriod(periods []int) int {
	if len(periods) == 0 {
		return 1
	}
	return periods[0]
}

// fitAR fits one autoregression per reach in arReaches and averages their forecasts.
func fitAR(y []float64, periods []int, positive bool) (method, bool) {
	var ms []*arModel
	for _, c := range arReaches {
		if m, ok := fitARLags(y, arLags(periods, c), basePeriod(periods), positive); ok {
			ms = append(ms, m)
		}
	}
	switch len(ms) {
	case 0:
		return nil, false
	case 1:
		return arMethod{ms[0]}, true
	}
	return arEnsemble{ms}, true
}

// fitARLags fits the autoregression on y with the lags the data can support, shrunk
// toward the seasonal naive forecast of period prior.
func fitARLags(y []float64, lags []int, prior int, positive bool) (*arModel, bool) {
	for len(lags) > 0 && len(y)-lags[len(lags)-1] < arRowsPerParam*(len(lags)+1) {
		lags = lags[:len(lags)-1]
	}
	if len(lags) == 0 {
		return nil, false
	}
	m := &arModel{lags: lags, logs: positive}
	z := m.transform(y)
	m.lo, m.hi = rangeOf(z)
	span := m.hi - m.lo
	m.lo, m.hi = m.lo-span, m.hi+span
	m.coef = leastSquares(z, lags, prior)
	return m, m.coef != nil
}

// transform maps y to the scale the model works on: divided by the recent mean absolute
// value, then logged when the series is positive.
func (m *arModel) transform(y []float64) []float64 {
	if m.scale == 0 {
		recent := y[max(0, len(y)-m.lags[len(m.lags)-1]):]
		var s float64
		for _, v := range recent {
			s += math.Abs(v)
		}
		m.scale = s / float64(len(recent))
		if m.scale == 0 {
			m.scale = 1
		}
	}
	z := make([]float64, len(y))
	for i, v := range y {
		z[i] = v / m.scale
		if m.logs {
			z[i] = math.Log(z[i])
		}
	}
	return z
}

func (m *arModel) untransform(v float64) float64 {
	v = min(max(v, m.lo), m.hi)
	if m.logs {
		v = math.Exp(v)
	}
	return v * m.scale
}

// leastSquares solves for the intercept and lag coefficients by the normal equations,
// penalised toward a coefficient of 1 on lag prior (when it is among the lags) and 0 on the
// others; see arPrior.
func leastSquares(z []float64, lags []int, prior int) []float64 {
	k := len(lags) + 1
	maxLag := lags[len(lags)-1]
	xtx := mat.NewSymDense(k, nil)
	xty := mat.NewVecDense(k, nil)
	row := make([]float64, k)
	row[0] = 1
	for t := maxLag; t < len(z); t++ {
		for j, l := range lags {
			row[j+1] = z[t-l]
		}
		for a := range k {
			xty.SetVec(a, xty.AtVec(a)+row[a]*z[t])
			for b := a; b < k; b++ {
				xtx.SetSym(a, b, xtx.At(a, b)+row[a]*row[b])
			}
		}
	}
	rows := float64(len(z) - maxLag)
	penalty := arPrior * rows * variance(z)
	for j, l := range lags {
		xtx.SetSym(j+1, j+1, xtx.At(j+1, j+1)+arRidge*rows+penalty)
		if l == prior {
			xty.SetVec(j+1, xty.AtVec(j+1)+penalty)
		}
	}
	var coef mat.VecDense
	if err := coef.SolveVec(xtx, xty); err != nil {
		return nil
	}
	out := make([]float64, k)
	for i := range out {
		out[i] = coef.AtVec(i)
		if !isFinite(out[i]) {
			return nil
		}
	}
	return out
}

func variance(x []float64) float64 {
	var mean, s float64
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	for _, v := range x {
		s += (v - mean) * (v - mean)
	}
	return s / float64(len(x))
}

// arMethod forecasts with a fitted autoregression.
type arMethod struct{ m *arModel }

func (a arMethod) name() string {
	return "seasonal AR(" + strconv.Itoa(len(a.m.lags)) + " lags up to " + strconv.Itoa(a.m.lags[len(a.m.lags)-1]) + ")"
}

func (a arMethod) warmup() int { return a.m.lags[len(a.m.lags)-1] }

func (a arMethod) forecast(y []float64, end int, out []float64) {
	m := a.m
	maxLag := m.lags[len(m.lags)-1]
	from := max(0, end-maxLag)
	z := m.transform(y[from:end])
	z = append(z, make([]float64, len(out))...)
	base := end - from
	for h := range out {
		v := m.coef[0]
		for j, l := range m.lags {
			v += m.coef[j+1] * z[base+h-l]
		}
		v = min(max(v, m.lo), m.hi)
		z[base+h] = v
		out[h] = m.untransform(v)
	}
}

// arEnsemble averages the forecasts of several autoregressions on the scale they were
// fitted on: geometrically when all work on logs, arithmetically otherwise.
type arEnsemble struct{ ms []*arModel }

func (a arEnsemble) name() string {
	s := "average of " + strconv.Itoa(len(a.ms)) + " seasonal ARs ("
	for i, m := range a.ms {
		if i > 0 {
			s += ", "
		}
		s += strconv.Itoa(len(m.lags)) + " lags up to " + strconv.Itoa(m.lags[len(m.lags)-1])
	}
	return s + ")"
}

func (a arEnsemble) warmup() int {
	w := 0
	for _, m := range a.ms {
		w = max(w, arMethod{m}.warmup())
	}
	return w
}

func (a arEnsemble) forecast(y []float64, end int, out []float64) {
	logs := true
	for _, m := range a.ms {
		logs = logs && m.logs
	}
	clear(out)
	one := make([]float64, len(out))
	for _, m := range a.ms {
		arMethod{m}.forecast(y, end, one)
		for h, v := range one {
			if logs {
				v = math.Log(v)
			}
			out[h] += v / float64(len(a.ms))
		}
	}
	if logs {
		for h := range out {
			out[h] = math.Exp(out[h])
		}
	}
}

func rangeOf(x []float64) (lo, hi float64) {
	lo, hi = math.Inf(1), math.Inf(-1)
	for _, v := range x {
		lo, hi = min(lo, v), max(hi, v)
	}
	return lo, hi
}

func uniqueSorted(xs []int) []int {
	out := xs[:0]
	for i, x := range xs {
		if i == 0 || x != xs[i-1] {
			out = append(out, x)
		}
	}
	return out
}
