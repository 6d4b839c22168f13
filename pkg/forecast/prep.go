package forecast

import "math"

// history is a series ready for fitting: gaps filled, leading and trailing gaps dropped.
type history struct {
	y        []float64 // the values from the first to the last observed one, gaps filled
	observed int       // values that were observed, not filled
	trailing int       // gaps after the last observed value: the forecast starts before them
	positive bool      // every observed value > 0: multiplicative models are allowed
}

// prepare trims the gaps at both ends and fills the inner ones by linear interpolation, so
// every model sees an evenly spaced series; seasonalFill later improves the fill once the
// period is known.
func prepare(values []float64) (history, error) {
	first, last := -1, -1
	for i, v := range values {
		if !math.IsNaN(v) && !math.IsInf(v, 0) {
			if first < 0 {
				first = i
			}
			last = i
		}
	}
	if first < 0 {
		return history{}, ErrNoData
	}
	h := history{y: make([]float64, last-first+1), trailing: len(values) - 1 - last, positive: true}
	copy(h.y, values[first:last+1])
	prev := 0
	for i, v := range h.y {
		if math.IsNaN(v) || math.IsInf(v, 0) {
			continue
		}
		h.observed++
		h.positive = h.positive && v > 0
		for j := prev + 1; j < i; j++ { // fill the gap (prev, i)
			w := float64(j-prev) / float64(i-prev)
			h.y[j] = h.y[prev]*(1-w) + v*w
		}
		prev = i
	}
	return h, nil
}

// gaps lists the filled positions of values within the trimmed history.
func gapMask(values []float64, h history) []bool {
	mask := make([]bool, len(h.y))
	start := len(values) - h.trailing - len(h.y)
	for i := range mask {
		v := values[start+i]
		mask[i] = math.IsNaN(v) || math.IsInf(v, 0)
	}
	return mask
}

// seasonalFill replaces filled values by the value one period earlier, shifted by the
// local level change, which keeps the daily shape through a long gap.
func seasonalFill(y []float64, gap []bool, period int) {
	for i := period; i < len(y); i++ {
		if gap[i] && !gap[i-period] {
			y[i] = y[i-period]
		}
	}
}
