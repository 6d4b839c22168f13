package forecast

import (
	"fmt"
	"math"
)

// Crossing is when a forecast reaches a threshold, in steps after the last observed value
// (1 is the first forecast step; between steps it is interpolated linearly). A bound that
// does not reach the threshold within the horizon gives +Inf.
type Crossing struct {
	// Rising is true when the series is below the threshold and must grow to reach it.
	Rising bool
	// Mean is when the point forecast reaches the threshold.
	Mean float64
	// Earliest is when the interval's bound nearer the threshold reaches it: the
	// pessimistic case (for a disk filling up, the soonest it may be full).
	Earliest float64
	// Latest is when the farther bound reaches it: the optimistic case.
	Latest float64
}

// Found reports whether even the pessimistic bound reaches the threshold in the horizon.
func (c Crossing) Found() bool { return !math.IsInf(c.Earliest, 1) }

// TimeToThreshold says when the forecast, continuing from the last observed value last,
// reaches threshold, with the interval at level giving its earliest and latest time.
func (r Result) TimeToThreshold(last, threshold, level float64) (Crossing, error) {
	iv, ok := r.Interval(level)
	if !ok {
		return Crossing{}, fmt.Errorf("no %v%% interval in the forecast", level*100)
	}
	c := Crossing{Rising: last < threshold}
	if last == threshold {
		return Crossing{Rising: true}, nil
	}
	near, far := iv.Upper, iv.Lower
	if !c.Rising {
		near, far = far, near
	}
	c.Mean = firstCrossing(last, r.Mean, threshold, c.Rising)
	c.Earliest = firstCrossing(last, near, threshold, c.Rising)
	c.Latest = firstCrossing(last, far, threshold, c.Rising)
	return c, nil
}

// firstCrossing is the first (fractional) step where path, starting from last at step 0,
// reaches threshold going in the given direction.
func firstCrossing(last float64, path []float64, threshold float64, rising bool) float64 {
	prev := last
	for i, v := range path {
		if reached(v, threshold, rising) {
			if reached(prev, threshold, rising) || v == prev {
				return float64(i + 1)
			}
			return float64(i) + (threshold-prev)/(v-prev)
		}
		prev = v
	}
	return math.Inf(1)
}

func reached(v, threshold float64, rising bool) bool {
	if rising {
		return v >= threshold
	}
	return v <= threshold
}
