package anomaly

import (
	"math"
	"slices"
)

// Value-novelty statistics: how unusual is the value itself, whatever the model expected?
// A residual model adapts to a new level within a few dozen points; a value never seen
// before on this series (a temperature far below any reading so far, a burst above every
// earlier burst) stays news for much longer.
const (
	recentLen     = 2048 // values in the recent window the rank is taken in
	recentRefresh = 256  // the recent window's sorted copy is refreshed this often
	historyCap    = 4096 // bound on the sorted sample of the whole history
	historyTail   = 0.01 // fraction of the history sample on each side treated as extremes
	minHistory    = 100  // values needed before either statistic speaks
	// staleBeyond is how many values past the extremes force an early merge: a series that
	// has moved to a level past its history is judged against the new level after a few
	// points rather than re-reported as new until the next scheduled merge.
	staleBeyond = 3
)

// valueHistory holds a ring of recent values with a periodically sorted copy, and a
// bounded sorted sample of every value seen: when the sample is full every other element
// is dropped, which keeps its quantiles while halving its resolution.
type valueHistory struct {
	recent  []float64
	head    int
	snap    []float64 // recent, sorted, as of the last refresh
	added   []float64 // values that entered recent since the last refresh
	expired []float64 // values that left it
	all     []float64 // sorted sample of the whole history
	pending []float64 // values not yet merged into all
	// Extremes of all as of the last merge: the k-th lowest and highest values, the mean
	// distance of the k extremes beyond them, and k/(len+1).
	lo, hi, loScale, hiScale, frac float64
	beyond                         int // pending values past those extremes
}

// cloneInto copies the history, reusing buf's storage.
func (h *valueHistory) cloneInto(buf valueHistory) valueHistory {
	c := *h
	c.recent = copyInto(buf.recent, h.recent)
	c.added = copyInto(buf.added, h.added)
	c.expired = copyInto(buf.expired, h.expired)
	c.snap = copyInto(buf.snap, h.snap)
	c.all = copyInto(buf.all, h.all)
	c.pending = copyInto(buf.pending, h.pending)
	return c
}

func (h *valueHistory) sizeBytes() int {
	return 8 * (cap(h.recent) + cap(h.snap) + cap(h.added) + cap(h.expired) + cap(h.all) + cap(h.pending))
}

func (h *valueHistory) add(v float64) {
	if h.all == nil {
		// Full size from the start, so merges happen in place and never reallocate.
		h.snap = make([]float64, 0, recentLen)
		h.all = make([]float64, 0, historyCap+recentRefresh)
	}
	if len(h.recent) < recentLen {
		h.recent = append(h.recent, v)
	} else {
		h.expired = append(h.expired, h.recent[h.head])
		h.recent[h.head] = v
		h.head = (h.head + 1) % recentLen
	}
	h.added = append(h.added, v)
	if len(h.snap) < minHistory || len(h.added) >= recentRefresh {
		h.refreshRecent()
	}
	h.pending = append(h.pending, v)
	if h.frac > 0 && (v > h.hi || v < h.lo) {
		h.beyond++
	}
	if h.beyond >= staleBeyond || len(h.pending) >= min(recentRefresh, max(8, len(h.all)/8)) {
		h.merge()
	}
}

// refreshRecent brings the sorted copy of the recent window up to date by removing the
// values that left it and merging in those that entered: linear, where a sort is not.
func (h *valueHistory) refreshRecent() {
	slices.Sort(h.expired)
	kept, j := h.snap[:0], 0
	for _, v := range h.snap {
		if j < len(h.expired) && v == h.expired[j] {
			j++
			continue
		}
		kept = append(kept, v)
	}
	slices.Sort(h.added)
	h.snap = mergeInto(kept, h.added)
	h.added, h.expired = h.added[:0], h.expired[:0]
}

// mergeInto merges sorted b into sorted a, in place from the back when a has the capacity.
func mergeInto(a, b []float64) []float64 {
	n := len(a)
	a = append(a, b...) // grows a only when its capacity falls short
	i, j := n-1, len(b)-1
	for k := len(a) - 1; j >= 0; k-- {
		if i >= 0 && a[i] > b[j] {
			a[k], i = a[i], i-1
		} else {
			a[k], j = b[j], j-1
		}
	}
	return a
}

// merge sorts the pending values into the history sample and refreshes its extremes.
func (h *valueHistory) merge() {
	slices.Sort(h.pending)
	merged := mergeInto(h.all, h.pending)
	for len(merged) > historyCap {
		half := merged[:0]
		for k := 1; k < len(merged); k += 2 {
			half = append(half, merged[k])
		}
		merged = half
	}
	h.all, h.pending, h.beyond = merged, h.pending[:0], 0

	n := len(h.all)
	k := max(5, int(historyTail*float64(n)))
	if n < 2*k {
		return
	}
	h.lo, h.hi = h.all[k-1], h.all[n-k]
	h.loScale, h.hiScale = 0, 0
	for _, v := range h.all[:k] {
		h.loScale += h.lo - v
	}
	for _, v := range h.all[n-k:] {
		h.hiScale += v - h.hi
	}
	floor := 1e-9 * (math.Abs(h.hi) + math.Abs(h.lo) + 1)
	h.loScale = max(h.loScale/float64(k), floor)
	h.hiScale = max(h.hiScale/float64(k), floor)
	h.frac = float64(k) / float64(n+1)
}

// rankP is the two-sided rank p-value of v in the recent window (1 before there is one).
func (h *valueHistory) rankP(v float64) float64 {
	n := len(h.snap)
	if n < minHistory {
		return 1
	}
	lo := countBelow(h.snap, v, false) // values < v
	hi := lo                           // values ≤ v
	if lo < n && h.snap[lo] == v {
		hi = countBelow(h.snap, v, true)
	}
	return float64(min(hi, n-lo)+1) / float64(n+1)
}

// countBelow is the number of elements of sorted a below v (or equal to it, with orEqual):
// a binary search without sort.Search's closure call per step.
func countBelow(a []float64, v float64, orEqual bool) int {
	lo, n := 0, len(a)
	for n > 0 {
		half := n / 2
		if x := a[lo+half]; x < v || (orEqual && x == v) {
			lo += half + 1
			n -= half + 1
		} else {
			n = half
		}
	}
	return lo
}

// extremeP grades a value beyond the history's extremes: exponentially less likely with
// its distance past the k-th most extreme value, in units of the extremes' own spread
// (peaks over threshold with an exponential tail). Values within the extremes get 1.
func (h *valueHistory) extremeP(v float64) float64 {
	if len(h.all) < minHistory || h.frac == 0 {
		return 1
	}
	var excess float64
	switch {
	case v > h.hi:
		excess = (v - h.hi) / h.hiScale
	case v < h.lo:
		excess = (h.lo - v) / h.loScale
	default:
		return 1
	}
	return h.frac * math.Exp(-excess)
}
