package anomaly

import "math"

// Shape novelty. The statistics grade how rare a point is; they cannot tell the first
// burst of its kind from the tenth. An operator can: a pattern the series has already
// shown, and got over, is not news. So a point the statistics find surprising is also asked
// whether the shape leading to it, its last shapeLen values, has been seen anywhere in the
// recent history, and its surprise moves with the answer: down for a repeat, up (a little)
// for a shape unlike anything before. This is the principle behind the best NAB detectors
// (HTM flags what its sequence memory did not predict, ARTime what creates a new category)
// reduced to a nearest-neighbour search over values.
//
// The values remembered are the series less its modelled season. A shape is a repeat when
// the series has shown it relative to its daily (or weekly) pattern, not merely somewhere
// in the day: the flat night-time line of a service whose morning traffic never arrives is
// an outage, though the same flat line was seen every night. Compared on raw values, that
// morning was a repeat of the nights and went unflagged however far below the band it sat.
// On a series with no season the values are the raw ones. When a season is first modelled
// (or a weekly one replaces a daily one), the values remembered before it stay as they
// were: they are compared with the new ones for the 4,096 values it takes them to leave
// the memory, at worst a shape looking newer than it is for a while, where converting them
// would need each one's time and forgetting them would make every shape new at once.
const (
	// shapeLen is the length of the shape compared: 16 points (80 minutes at NAB's usual
	// 5-minute step). 8 to 32 score within about 2 NAB points of each other.
	shapeLen = 16
	// shapeMemoryLen bounds the history searched, which bounds the cost of a judgement.
	shapeMemoryLen = 4096
	// shapeSlack is the room after the window: the buffer slides back once per shapeSlack
	// values, copying the window, so the slack trades memory against copying.
	shapeSlack = 1024
	// shapeWeight is the surprise (in decades of probability) a tenfold change in the shape's
	// distance to its nearest neighbour is worth.
	shapeWeight = 3.0
	// shapeMin and shapeMax clip that distance ratio: a shape merely unlike the others
	// should not outweigh the statistics, while an exact repeat may cancel them.
	shapeMin, shapeMax = 1e-3, 3.0
)

// shapeMemory holds the last shapeMemoryLen values contiguously (in a buffer with
// shapeSlack values of room, slid back when full) and the sum of the absolute steps between
// them: the series' own unit of distance. Infinite values are not remembered: one would make
// every distance infinite for the next 4,096 values.
type shapeMemory struct {
	buf   []float64
	steps float64 // Σ|v[k]−v[k−1]| over consecutive values in the window
	// lag is how far back the last nearest shape ended. It is tried first: the next point's
	// nearest shape is usually at the same lag (an event's later points, a seasonal repeat),
	// and a close first match lets the lower bound rule out nearly all the others.
	lag int
}

// cloneInto copies the memory, reusing buf's storage.
func (s *shapeMemory) cloneInto(buf shapeMemory) shapeMemory {
	c := *s
	c.buf = copyInto(buf.buf, s.buf)
	return c
}

func (s *shapeMemory) sizeBytes() int { return 8 * cap(s.buf) }

// window is the remembered history, oldest first.
func (s *shapeMemory) window() []float64 {
	return s.buf[max(0, len(s.buf)-shapeMemoryLen):]
}

func (s *shapeMemory) add(v float64) {
	if math.IsInf(v, 0) {
		return
	}
	if s.buf == nil {
		s.buf = make([]float64, 0, shapeMemoryLen+shapeSlack)
	}
	if len(s.buf) == cap(s.buf) {
		// Slide the window to the front, and recount its steps so rounding cannot drift.
		n := copy(s.buf, s.window())
		s.buf = s.buf[:n]
		s.steps = 0
		for k := 1; k < n; k++ {
			s.steps += math.Abs(s.buf[k] - s.buf[k-1])
		}
	}
	if n := len(s.buf); n > 0 {
		s.steps += math.Abs(v - s.buf[n-1])
		if n >= shapeMemoryLen {
			// The oldest value leaves the window, and with it its step to the next.
			old := s.buf[n-shapeMemoryLen:]
			s.steps -= math.Abs(old[1] - old[0])
		}
	}
	s.buf = append(s.buf, v)
}

// novelty is the distance from the shape ending with the latest value to the nearest shape
// in the earlier history, in units of the series' mean step, clipped to [shapeMin,
// shapeMax]. Shapes are compared on the values as remembered (less the season), so a shape
// repeated at another level is new. It is shapeMax (new) while the history holds too few
// shapes to compare.
func (s *shapeMemory) novelty() float64 {
	h := s.window()
	n := len(h)
	if n < 4*shapeLen || s.steps <= 0 {
		return shapeMax
	}
	cur := h[n-shapeLen:]
	last := shapeLen - 1
	// A lower bound rules most earlier shapes out in constant time: the squared distance is
	// at least the latest values' squared difference plus the squared difference of the
	// other values' sums over their count (Cauchy–Schwarz). Sums are of values less the
	// current shape's latest, so they stay small whatever the series' level; the bound is
	// shaded by 1 % against their rounding.
	ref := cur[last]
	var curSum, oldSum float64
	for j := range last {
		curSum += cur[j] - ref
		oldSum += h[j] - ref
	}
	best, bestEnd := math.Inf(1), -1
	// Earlier shapes end at least shapeLen values back, so none overlaps the current one.
	if end := n - s.lag; s.lag > 0 && end >= shapeLen && end <= n-shapeLen {
		best, bestEnd = sqDistance(h[end-shapeLen:end], cur, best), end
	}
	const shade = 0.99 / (shapeLen - 1)
	for end := shapeLen; end <= n-shapeLen; end++ {
		old := h[end-shapeLen : end]
		if end > shapeLen {
			oldSum += old[last-1] - h[end-shapeLen-1]
		}
		x, m := old[last]-ref, oldSum-curSum
		if 0.99*x*x+shade*m*m >= best {
			continue
		}
		if d := sqDistance(old, cur, best); d < best {
			best, bestEnd = d, end
		}
	}
	s.lag = n - bestEnd
	unit := s.steps / float64(n-1)
	return max(shapeMin, min(shapeMax, math.Sqrt(best/shapeLen)/unit))
}

// sqDistance is the squared distance between two shapes, abandoned (returning a value ≥
// best) as soon as it reaches best. The latest values are compared first: they differ most.
func sqDistance(old, cur []float64, best float64) float64 {
	d := 0.0
	for j := len(cur) - 1; j >= 0; j-- {
		x := old[j] - cur[j]
		if d += x * x; d >= best {
			return d
		}
	}
	return d
}

// weigh moves a surprise by the novelty of the shape that led to it.
func (s *shapeMemory) weigh(surprise float64) float64 {
	return max(0, surprise+shapeWeight*math.Log10(s.novelty()))
}
