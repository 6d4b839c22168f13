package rca

import (
	"math"
	"slices"
)

// Change is a level shift of a metric around an incident: where in the window it began
// and how far, in robust standard deviations of the baseline, the level moved.
type Change struct {
	// Onset is the index in the window where the shifted level begins; -1 for no shift.
	Onset int
	// Z is the shifted level's distance from the baseline median in robust standard
	// deviations (MAD × 1.4826), signed: positive when the metric rose.
	Z float64
	// Before is the baseline median, After the median of the window from Onset on.
	Before, After float64
}

// Robust-z scale of a shift: below changeFloor a shift is within what the baseline does
// by itself; changeScale sets how fast strength saturates above it.
const (
	changeFloor = 3.0
	changeScale = 4.0
	// minRelSpread floors the baseline spread at this fraction of its level, so that a
	// perfectly flat baseline does not turn a 0.1 % wobble into an infinite z.
	minRelSpread = 0.01
)

// DetectChange finds the largest sustained level shift of window against baseline. NaN
// marks a missing point in either. The shift starts at the first window point from which
// the median of the rest of the window is farthest from the baseline median, weighted by
// how many points support it, so one spike does not outrank a sustained move.
func DetectChange(baseline, window []float64) Change {
	base := finite(baseline)
	if len(base) < 3 {
		return Change{Onset: -1}
	}
	med := median(base)
	spread := spreadOf(base, med)
	best := Change{Onset: -1, Before: med, After: med}
	bestStat := 0.0
	for i := range window {
		rest := finite(window[i:])
		if len(rest) == 0 {
			break
		}
		level := median(rest)
		z := (level - med) / spread
		stat := math.Abs(z) * math.Sqrt(float64(len(rest)))
		if stat > bestStat && !math.IsNaN(window[i]) {
			bestStat, best = stat, Change{Onset: i, Z: z, Before: med, After: level}
		}
	}
	return best
}

// Strength maps |Z| to [0, 1): nothing below changeFloor, saturating above.
func (c Change) Strength() float64 {
	if c.Onset < 0 {
		return 0
	}
	excess := math.Abs(c.Z) - changeFloor
	if excess <= 0 {
		return 0
	}
	return 1 - math.Exp(-excess/changeScale)
}

func spreadOf(xs []float64, med float64) float64 {
	dev := make([]float64, len(xs))
	for i, x := range xs {
		dev[i] = math.Abs(x - med)
	}
	s := 1.4826 * median(dev)
	return math.Max(s, math.Max(minRelSpread*math.Abs(med), 1e-9))
}

func finite(xs []float64) []float64 {
	out := make([]float64, 0, len(xs))
	for _, x := range xs {
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			out = append(out, x)
		}
	}
	return out
}

// median of xs (not modified); NaN for none.
func median(xs []float64) float64 {
	if len(xs) == 0 {
		return math.NaN()
	}
	s := slices.Clone(xs)
	slices.Sort(s)
	n := len(s)
	if n%2 == 1 {
		return s[n/2]
	}
	return (s[n/2-1] + s[n/2]) / 2
}
