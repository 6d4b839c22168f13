package anomaly

import "math"

// A tailEstimator grades a non-negative statistic against that statistic's own history on
// this series, so statistics with different units, and series with different noise, become
// comparable. The body of the distribution is an empirical histogram on a log scale; past a
// high quantile the tail is extrapolated as exponential in log x (a Pareto tail: the
// peaks-over-threshold method of extreme value theory), so values larger than anything seen
// still get graded, ever smaller probabilities.
const (
	tailBinsPerOctave = 8
	tailMinExp        = -12 // values below 2^-12 share the first bin
	tailMaxExp        = 24  // and above 2^24 the last
	tailBins          = (tailMaxExp - tailMinExp) * tailBinsPerOctave
	tailQ             = 0.02 // fraction of the history treated as the tail
	tailMinPeaks      = 8    // peaks needed before the tail is extrapolated
	tailMinScale      = 0.05 // floor on the tail's scale (in ln x), so a flat history stays finite
	// tailRefresh is how many additions the cached cumulative counts may lag behind.
	tailRefresh = 16
)

type tailEstimator struct {
	counts [tailBins]float64
	n      float64
	// Cached from counts at the last refresh: counts at or above each bin, the tail's first
	// bin, the number of values in the tail and the tail's scale.
	above     [tailBins + 1]float64
	u         int
	peaks     float64
	scale     float64
	sinceSync int
	fresh     [tailRefresh]int // bins of the additions since the last refresh
	top       int              // highest bin holding anything
	syncs     int              // refreshes so far: what depends on the fit can cache by it
}

func tailBin(x float64) int {
	if !(x > 0) {
		return 0
	}
	// The bin from the float's own bits, without a logarithm: the exponent gives the
	// octave and the mantissa's place among the eighth-octave edges the bin within it.
	bits := math.Float64bits(x)
	exp := int(bits>>52) - 1023
	mant := bits & (1<<52 - 1)
	sub := 0
	for sub < tailBinsPerOctave-1 && mant >= octaveEdges[sub] {
		sub++
	}
	b := (exp-tailMinExp)*tailBinsPerOctave + sub
	return max(0, min(tailBins-1, b))
}

// octaveEdges are the mantissa bits of 2^(k/8), k = 1..7: the edges between the bins of
// one octave.
var octaveEdges = func() (e [tailBinsPerOctave - 1]uint64) {
	for k := range e {
		e[k] = math.Float64bits(math.Exp2(float64(k+1)/tailBinsPerOctave)) & (1<<52 - 1)
	}
	return e
}()

// binLog is ln of the lower edge of bin b.
func binLog(b int) float64 {
	return (float64(b)/tailBinsPerOctave + tailMinExp) * math.Ln2
}

// observe returns the tail probability of x, then adds it to the history.
func (e *tailEstimator) observe(x float64) float64 {
	b := tailBin(x)
	p := e.pValue(x, b)
	e.add(b)
	return p
}

// add records a value that fell in bin b.
func (e *tailEstimator) add(b int) {
	e.top = max(e.top, b)
	e.counts[b]++
	e.n++
	e.fresh[e.sinceSync] = b
	e.sinceSync++
	if e.n <= 4*tailRefresh || e.sinceSync >= tailRefresh {
		e.sync()
	}
}

// sync recomputes the cumulative counts and the tail fit.
func (e *tailEstimator) sync() {
	e.sinceSync = 0
	e.syncs++
	// Bins above top are empty, and so are their cumulative counts (zero since creation).
	e.above[e.top+1] = 0
	for b := e.top; b >= 0; b-- {
		e.above[b] = e.above[b+1] + e.counts[b]
	}
	// The tail starts at the lowest bin with at most tailQ·n values at or above it.
	need := tailQ * e.n
	u := e.top + 1
	for u > 0 && e.above[u-1] <= need {
		u--
	}
	e.u, e.peaks = u, e.above[u]
	if e.peaks < tailMinPeaks {
		return
	}
	// Mean excess of ln x over the tail's lower edge, from bin midpoints.
	lu, sum := binLog(u), 0.0
	for b := u; b <= e.top; b++ {
		sum += e.counts[b] * (binLog(b) + 0.5*math.Ln2/tailBinsPerOctave - lu)
	}
	e.scale = max(sum/e.peaks, tailMinScale)
}

// pValue is the probability of a value ≥ x (in bin b) under the history so far, with one
// pseudo-observation so an empty or short history is never certain. It is a probability
// rather than its logarithm so the scorer, which wants only the smallest of several, takes
// one logarithm per point instead of one per statistic.
func (e *tailEstimator) pValue(x float64, b int) float64 {
	if e.n == 0 || !(x > 0) {
		return 1
	}
	if b < e.u || e.peaks < tailMinPeaks {
		return (e.bodyCount(b) + 1) / (e.n + 1)
	}
	excess := max(0, math.Log(x)-binLog(e.u))
	return (e.peaks + 1) / (e.n + 1) * math.Exp(-excess/e.scale)
}

// quantile is the smallest x whose surprise reaches s: the inverse of surprise, used to
// draw the band where a point starts being flagged. It is NaN while the history is too short
// for any value to reach s.
func (e *tailEstimator) quantile(s float64) float64 {
	if e.n == 0 {
		return math.NaN()
	}
	target := math.Pow(10, -s) * (e.n + 1) // count (plus one) at or above x
	if e.peaks >= tailMinPeaks && target <= e.peaks+1 {
		// Past the tail's edge: solve the exponential for the excess.
		excess := max(0, e.scale*math.Ln10*(s+math.Log10((e.peaks+1)/(e.n+1))))
		return math.Exp(binLog(e.u) + excess)
	}
	// In the body the surprise is constant within a bin and grows bin by bin: the answer is
	// the lower edge of the lowest bin that reaches s.
	lowest := -1
	for b := min(e.top+1, tailBins-1); b >= 0 && (e.peaks < tailMinPeaks || b < e.u); b-- {
		if e.bodyCount(b)+1 > target {
			break
		}
		lowest = b
	}
	if lowest < 0 {
		return math.NaN() // too little history for anything to be that rare yet
	}
	return math.Exp(binLog(lowest))
}

// bodyCount is the number of values at or above bin b, values in b counting half: the
// cached counts plus the additions since, so it is exact between refreshes.
func (e *tailEstimator) bodyCount(b int) float64 {
	newer := 0
	for _, f := range e.fresh[:e.sinceSync] {
		if f > b {
			newer++
		}
	}
	return e.above[b+1] + 0.5*e.counts[b] + float64(newer)
}

// seedHalfNormal adds weight pseudo-observations distributed as |N(0, 1)|, the statistic's
// law for Gaussian noise: a prior that lets a short history flag a clear outlier (a drop
// on a flat line) and fades as real history accumulates.
func (e *tailEstimator) seedHalfNormal(weight float64) {
	for b := range tailBins {
		lo, hi := math.Exp(binLog(b)), math.Exp(binLog(b+1))
		if b == 0 {
			lo = 0
		}
		if c := weight * (math.Erf(hi/math.Sqrt2) - math.Erf(lo/math.Sqrt2)); c > 0 {
			e.counts[b] += c
			e.top = max(e.top, b)
		}
	}
	e.n += weight
	e.sync()
}
