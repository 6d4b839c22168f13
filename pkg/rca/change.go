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
	// maxPointZ clips one point's z.
	maxPointZ = 50.0
)

// DetectChange finds the strongest sustained departure of window from baseline. NaN
// marks a missing point in either. Faults come and go inside an incident's window (a
// retry storm, an error burst that autoscaling absorbs), so any contiguous run of points
// may be the departure, not only a suffix: the run whose mean robust z, weighted by the
// square root of its length, is largest wins, so a sustained move outranks a lone blip of
// the same height. Each point's z is clipped at maxPointZ so that one absurd sample (a
// counter reset) cannot outweigh a real shift.
func DetectChange(baseline, window []float64) Change {
	base := finite(baseline)
	if len(base) < 3 {
		return Change{Onset: -1}
	}
	med := median(base)
	spread := spreadOf(base, med)
	zs := make([]float64, len(window))
	for i, x := range window {
		zs[i] = math.NaN()
		if !math.IsNaN(x) && !math.IsInf(x, 0) {
			zs[i] = math.Max(-maxPointZ, math.Min(maxPointZ, (x-med)/spread))
		}
	}
	best := Change{Onset: -1, Before: med, After: med}
	bestStat, bestEnd := 0.0, 0
	for i := range zs {
		if math.IsNaN(zs[i]) {
			continue
		}
		sum, n := 0.0, 0
		for j := i; j < len(zs); j++ {
			if math.IsNaN(zs[j]) {
				continue
			}
			sum += zs[j]
			n++
			mean := sum / float64(n)
			if stat := math.Abs(mean) * math.Sqrt(float64(n)); stat > bestStat {
				bestStat, bestEnd = stat, j+1
				best = Change{Onset: i, Z: mean, Before: med}
			}
		}
	}
	if best.Onset >= 0 {
		best.After = median(finite(window[best.Onset:bestEnd]))
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
	// A mostly-constant baseline (a count that is usually 0, an availability that is
	// usually 100 %) has no MAD; its occasional departures still say how far it wanders,
	// so the mean absolute deviation is the floor.
	mad := 0.0
	for _, d := range dev {
		mad += d
	}
	mad /= float64(len(dev))
	return math.Max(math.Max(s, 1.2533*mad), math.Max(minRelSpread*math.Abs(med), 1e-9))
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
