package anomaly

import "math"

const (
	// binDur is the coarse resolution at which history is kept to find the period: 30 minutes
	// divides both a day and a week, and averaging a bin removes most point noise.
	binDur = int64(30 * 60 * 1000)
	// maxFinderSpan is how much history the finder keeps: enough for two weekly cycles and a
	// margin. Past it the period decision is final.
	maxFinderSpan = 3 * week
	maxBins       = int(maxFinderSpan / binDur)
	// seasonalRatio: a period is real when values one period apart differ, on average, less
	// than half as much (in squared difference) as values half a period apart.
	seasonalRatio = 0.5
)

// periodFinder keeps a bounded, coarse history of a series (bin means) and decides, from
// that history only, whether the series repeats daily or weekly.
type periodFinder struct {
	cur      int64 // index (t / binDur) of the bin being filled
	sum      float64
	cnt      int
	bins     []float64 // completed bin means, oldest first; NaN where a bin had no data
	started  bool
	lastTest int // len(bins) at the last test
}

func newPeriodFinder() *periodFinder { return &periodFinder{} }

// cloneInto copies the finder into buf's memory (nil: new memory).
func (f *periodFinder) cloneInto(buf *periodFinder) *periodFinder {
	if buf == nil {
		buf = new(periodFinder)
	}
	bins := buf.bins
	*buf = *f
	buf.bins = copyInto(bins, f.bins)
	return buf
}

func (f *periodFinder) sizeBytes() int { return 64 + 8*cap(f.bins) }

// span is the time the completed bins cover.
func (f *periodFinder) span() int64 { return int64(len(f.bins)) * binDur }

// add records an observation and reports whether a new day of bins is ready to be tested.
func (f *periodFinder) add(t int64, v float64) bool {
	b := t / binDur
	if !f.started {
		f.cur, f.started = b, true
	}
	if b == f.cur {
		f.sum += v
		f.cnt++
		return false
	}
	f.push(f.sum / float64(f.cnt))
	for gap := b - f.cur - 1; gap > 0; gap-- {
		f.push(math.NaN())
		if gap > int64(maxBins) { // a gap longer than the whole history: nothing before it matters
			f.bins = f.bins[:0]
			break
		}
	}
	f.cur, f.sum, f.cnt = b, v, 1
	binsPerDay := int(day / binDur)
	if len(f.bins) >= 2*binsPerDay && len(f.bins)-f.lastTest >= binsPerDay {
		f.lastTest = len(f.bins)
		return true
	}
	return false
}

func (f *periodFinder) push(v float64) {
	if len(f.bins) == maxBins {
		copy(f.bins, f.bins[1:])
		f.bins = f.bins[:maxBins-1]
		f.lastTest--
	}
	f.bins = append(f.bins, v)
}

// detect returns the period the history shows (week, day) or 0.
func (f *periodFinder) detect() int64 {
	lagDay := int(day / binDur)
	dayFull, dayHalf := meanSquaredDiff(f.bins, lagDay), meanSquaredDiff(f.bins, lagDay/2)
	isDaily := dayFull < seasonalRatio*dayHalf
	lagWeek := int(week / binDur)
	if len(f.bins) >= 2*lagWeek {
		weekFull, weekHalf := meanSquaredDiff(f.bins, lagWeek), meanSquaredDiff(f.bins, lagWeek/2)
		// Weekly only when it explains clearly more than the daily cycle does.
		if weekFull < seasonalRatio*weekHalf && weekFull < 0.8*dayFull {
			return week
		}
	}
	if isDaily {
		return day
	}
	return 0
}

// meanSquaredDiff is the mean of (x[i] - x[i-lag])² over pairs where both are present;
// +Inf when there are too few pairs to say anything.
func meanSquaredDiff(x []float64, lag int) float64 {
	var sum float64
	var n int
	for i := lag; i < len(x); i++ {
		d := x[i] - x[i-lag]
		if d == d {
			sum += d * d
			n++
		}
	}
	if n < lag/2 || n == 0 {
		return math.Inf(1)
	}
	return sum / float64(n)
}

// profile is the mean deviation from the overall mean at each bin of a cycle of period p,
// 0 where the history has no data for that phase.
func (f *periodFinder) profile(p int64) []float64 {
	nb := int(p / binDur)
	sums := make([]float64, nb)
	counts := make([]int, nb)
	var total float64
	var n int
	first := f.cur - int64(len(f.bins)) // bin index of bins[0]
	for i, v := range f.bins {
		if v != v {
			continue
		}
		k := int((first + int64(i)) % int64(nb))
		sums[k] += v
		counts[k]++
		total += v
		n++
	}
	mean := total / float64(max(n, 1))
	for k := range sums {
		if counts[k] > 0 {
			sums[k] = sums[k]/float64(counts[k]) - mean
		}
	}
	return sums
}
