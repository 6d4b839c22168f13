package forecast

import (
	"math"

	"gonum.org/v1/gonum/dsp/fourier"
)

// Period detection: a seasonal period is a lag where the detrended series' autocorrelation
// peaks and passes M4's 90 % significance test. At least minCycles full cycles must be seen.
const (
	minCycles   = 3
	minPeriod   = 2
	minACF      = 0.3 // a significant but weak peak does not pay for a seasonal model's states
	maxPeriods  = 2
	nestedGain  = 0.1 // a longer period nesting the first must correlate this much better
	acfTestCrit = 1.645
)

// detectPeriods returns up to two seasonal periods, the shorter first: a base period and,
// when the data shows one, a multiple of it (daily and weekly on hourly data).
func detectPeriods(y []float64) []int {
	maxLag := len(y) / minCycles
	if maxLag < minPeriod+1 {
		return nil
	}
	acf := autocorrelation(detrend(y), maxLag+1)
	base := bestPeak(acf, minPeriod, maxLag, len(y))
	if base == 0 {
		return nil
	}
	periods := []int{base}
	best := acf[base]
	for k := 2; k*base <= maxLag && len(periods) < maxPeriods; k++ {
		p := k * base
		if q := localPeak(acf, p, base/4); q > 0 && acf[q] > best+nestedGain && significant(acf, q, len(y)) {
			periods = append(periods, q)
			best = acf[q]
		}
	}
	return periods
}

// bestPeak is the smallest significant local maximum of acf whose height is within 10 %
// of the highest one: multiples of the true period peak about as high, and the true
// period is the shortest of them.
func bestPeak(acf []float64, lo, hi, n int) int {
	var peaks []int
	top := 0.0
	for p := lo; p <= hi && p+1 < len(acf); p++ {
		if acf[p] >= minACF && acf[p] > acf[p-1] && acf[p] >= acf[p+1] && significant(acf, p, n) {
			peaks = append(peaks, p)
			top = max(top, acf[p])
		}
	}
	for _, p := range peaks {
		if acf[p] >= 0.9*top {
			return p
		}
	}
	return 0
}

// localPeak is the lag of the highest acf within ±radius of p, if it is a local maximum.
func localPeak(acf []float64, p, radius int) int {
	best := -1
	for q := max(p-radius, 1); q <= p+radius && q+1 < len(acf); q++ {
		if best < 0 || acf[q] > acf[best] {
			best = q
		}
	}
	if best <= 0 || acf[best] < acf[best-1] || best+1 >= len(acf) || acf[best] < acf[best+1] {
		return 0
	}
	return best
}

// significant is M4's seasonality test: the autocorrelation at lag p exceeds the 90 %
// bound given the autocorrelations below it (Bartlett's formula).
func significant(acf []float64, p, n int) bool {
	var s float64
	for k := 1; k < p; k++ {
		s += acf[k] * acf[k]
	}
	return math.Abs(acf[p]) > acfTestCrit*math.Sqrt((1+2*s)/float64(n))
}

// detrend removes the least-squares line, which would otherwise make every lag correlate.
func detrend(y []float64) []float64 {
	b := slope(y)
	icpt := meanOf(y) - b*float64(len(y)-1)/2 // the line passes through the means
	out := make([]float64, len(y))
	for i, v := range y {
		out[i] = v - icpt - b*float64(i)
	}
	return out
}

// autocorrelation returns the sample autocorrelations at lags 0..lags-1, computed by FFT
// (zero-padded, so the correlation is linear, not circular).
func autocorrelation(x []float64, lags int) []float64 {
	size := 1
	for size < 2*len(x) {
		size <<= 1
	}
	var mean float64
	for _, v := range x {
		mean += v
	}
	mean /= float64(len(x))
	seq := make([]float64, size)
	for i, v := range x {
		seq[i] = v - mean
	}
	fft := fourier.NewFFT(size)
	coeff := fft.Coefficients(nil, seq)
	for i, c := range coeff {
		coeff[i] = complex(real(c)*real(c)+imag(c)*imag(c), 0)
	}
	power := fft.Sequence(seq, coeff)
	acf := make([]float64, min(lags, len(x)))
	if power[0] <= 0 {
		return acf // constant series: no correlation at any lag
	}
	for k := range acf {
		acf[k] = power[k] / power[0]
	}
	return acf
}
