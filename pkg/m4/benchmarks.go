package m4

import (
	"fmt"
	"math"
)

// The M4 benchmarks, as the organisers' R code computes them (its Benchmarks function with
// the forecast package v8.2). Naive2 is the yardstick of OWA.

// SeasonalNaive repeats the last m values of train over h steps. With m ≤ 1, or a history
// shorter than m, it repeats the last value (R's naive_seasonal falls back to naive for
// m = 1; the short case never arises on M4).
func SeasonalNaive(train []float64, h, m int) []float64 {
	n := len(train)
	if m <= 1 || n < m {
		return naive(train, h)
	}
	f := make([]float64, h)
	for i := range f {
		f[i] = train[n-m+i%m]
	}
	return f
}

// Naive2 is the naive forecast of the seasonally adjusted series, reseasonalised: when
// SeasonalityTest finds period m, the last value divided by its multiplicative seasonal
// index, times the indices of the last m positions repeated over h steps; otherwise plain
// naive.
func Naive2(train []float64, h, m int) []float64 {
	if m <= 1 || !SeasonalityTest(train, m) {
		return naive(train, h)
	}
	d, err := Decompose(train, m)
	if err != nil {
		// Unreachable: the test only passes with at least 3m values, decomposition needs 2m.
		panic(err)
	}
	n := len(train)
	level := train[n-1] / d.Seasonal[n-1]
	f := make([]float64, h)
	for i := range f {
		f[i] = level * d.Seasonal[n-m+i%m]
	}
	return f
}

// naive repeats the last value; NaN when there is none.
func naive(train []float64, h int) []float64 {
	last := math.NaN()
	if len(train) > 0 {
		last = train[len(train)-1]
	}
	f := make([]float64, h)
	for i := range f {
		f[i] = last
	}
	return f
}

// seasonalityCrit is the one-sided 90 % normal quantile of the M4 seasonality test.
const seasonalityCrit = 1.645

// SeasonalityTest reports whether x has period m by the M4 test: the autocorrelation at
// lag m exceeds 1.645·sqrt((1 + 2·Σ_{k<m} acf_k²)/n), the 90 % bound under the hypothesis
// that the autocorrelations beyond lag m−1 are zero (Bartlett's formula). It needs n ≥ 3m.
//
// As in R, acf is computed only up to lag 10·log10(n); when that stops short of m the R code
// sees NA and answers false, and so does this.
func SeasonalityTest(x []float64, m int) bool {
	n := len(x)
	if m < 1 || n < 3*m || acfLagMax(n) < m {
		return false
	}
	acf := ACF(x, m)
	var sum float64
	for k := 1; k < m; k++ {
		sum += acf[k] * acf[k]
	}
	limit := seasonalityCrit / math.Sqrt(float64(n)) * math.Sqrt(1+2*sum)
	// A constant series has NaN autocorrelations, and NaN > limit is false, as R's NA is.
	return math.Abs(acf[m]) > limit
}

// acfLagMax is R's default lag.max for one series: floor(10·log10(n)), at most n−1.
func acfLagMax(n int) int {
	return min(int(math.Floor(10*math.Log10(float64(n)))), n-1)
}

// ACF returns the sample autocorrelations of x at lags 0..maxLag as R's acf computes them:
// autocovariances of the demeaned series divided by n (not n−k), over the variance.
func ACF(x []float64, maxLag int) []float64 {
	n := len(x)
	var mean float64
	for _, v := range x {
		mean += v
	}
	mean /= float64(n)
	cov := func(k int) float64 {
		var s float64
		for t := 0; t+k < n; t++ {
			s += (x[t] - mean) * (x[t+k] - mean)
		}
		return s / float64(n)
	}
	acf := make([]float64, maxLag+1)
	c0 := cov(0)
	for k := range acf {
		acf[k] = cov(k) / c0
	}
	return acf
}

// Decomposition is a classical multiplicative decomposition x = Trend · Seasonal · remainder.
type Decomposition struct {
	// Trend is the centred moving average of one period; NaN for the first and last half
	// period, where the window does not fit.
	Trend []float64
	// Figure holds the m seasonal indices, for positions 0..m−1 counted from the first
	// value, with mean 1.
	Figure []float64
	// Seasonal is Figure repeated along x: Seasonal[t] = Figure[t mod m].
	Seasonal []float64
}

// Decompose splits x as R's decompose(x, type = "multiplicative") does: the trend is the
// centred moving average over m values (a 2×m average, halving the end weights, when m is
// even); each seasonal index is the mean of x/trend over the values at its position, the
// indices then divided by their mean. It needs m ≥ 2 and two periods of x.
func Decompose(x []float64, m int) (Decomposition, error) {
	n := len(x)
	if m < 2 || n < 2*m {
		return Decomposition{}, fmt.Errorf("decompose %d values with period %d: need period ≥ 2 and at least 2 periods", n, m)
	}
	trend := movingAverage(x, m)
	figure := make([]float64, m)
	for pos := range figure {
		var sum float64
		cnt := 0
		for t := pos; t < n; t += m {
			// R's na.rm: the trend is NaN at the ends (and wherever x has a gap).
			if r := x[t] / trend[t]; !math.IsNaN(r) {
				sum += r
				cnt++
			}
		}
		figure[pos] = sum / float64(cnt)
	}
	var mean float64
	for _, f := range figure {
		mean += f
	}
	mean /= float64(m)
	for i := range figure {
		figure[i] /= mean
	}
	seasonal := make([]float64, n)
	for t := range seasonal {
		seasonal[t] = figure[t%m]
	}
	return Decomposition{Trend: trend, Figure: figure, Seasonal: seasonal}, nil
}

// movingAverage is R's filter(x, w, sides = 2) with w the centred average of one period:
// m weights of 1/m when m is odd, and m+1 weights with halved ends when m is even, so the
// window stays centred on a value.
func movingAverage(x []float64, m int) []float64 {
	half := m / 2
	w := make([]float64, 2*half+1)
	for i := range w {
		w[i] = 1 / float64(m)
	}
	if m%2 == 0 {
		w[0] /= 2
		w[len(w)-1] /= 2
	}
	trend := make([]float64, len(x))
	for t := range trend {
		if t < half || t+half >= len(x) {
			trend[t] = math.NaN()
			continue
		}
		var s float64
		for j, wj := range w {
			s += wj * x[t-half+j]
		}
		trend[t] = s
	}
	return trend
}
