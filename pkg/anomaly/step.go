package anomaly

import (
	"math"
	"slices"
)

// Flags are calibrated per unit of time, not per point. A p-value per point gives a
// series sampled every minute five times the false alarms per day of one sampled every
// five minutes, and twelve times those of one sampled hourly, for the same behaviour (on
// NAB, the hourly, half-hourly and irregular series wanted a threshold about one surprise
// unit lower than the five-minute ones). So the configured threshold holds at a five-minute
// step, and for the series' own step it moves by log10(five minutes / step): the same
// expected number of false alarms per day at any resolution, and a panel that does not
// fill with flags when zoomed in.
const (
	referenceStep = 5 * minuteMs
	// Steps are clamped to [minStep, maxStep] for the threshold: time stamps a second apart
	// are more often a row number read as seconds than a real one-second clock, and a band
	// tuned to one false alarm per day on the row number would be strict to uselessness.
	minStep = minuteMs
	maxStep = day
	// minThreshold is the least surprise that flags, however coarse the step: sensitivity
	// 1's threshold.
	minThreshold = 1
	minuteMs     = int64(60_000)
)

// stepClock learns a series' sampling step from its first time stamps.
type stepClock struct {
	last  int64
	seen  bool
	steps [15]int64
	n     int
}

// known reports whether the step has been learnt.
func (c *stepClock) known() bool { return c.n == len(c.steps) }

// tick records time stamp t and reports whether the step has just become known. Steps that
// do not advance (a few NAB files step backwards) are ignored.
func (c *stepClock) tick(t int64) bool {
	if c.seen && t > c.last {
		c.steps[c.n] = t - c.last
		c.n++
	}
	c.last, c.seen = t, true
	return c.known()
}

// step is the median of the steps seen: gaps and jitter do not move it.
func (c *stepClock) step() int64 {
	s := c.steps
	slices.Sort(s[:])
	return s[len(s)/2]
}

// thresholdAt is the flag threshold for a series sampled every step ms, given the
// threshold at the reference step.
func thresholdAt(base float64, step int64) float64 {
	step = max(minStep, min(maxStep, step))
	return max(minThreshold, base+math.Log10(float64(referenceStep)/float64(step)))
}
