package loki

import "iter"

// splitRange yields consecutive windows [lo, hi) covering [start, end) in direction order,
// cut at multiples of interval since the Unix epoch. Loki's query frontend aligns its own
// splits (split_queries_by_interval) the same way, so each of our requests maps onto whole
// splits of its results cache rather than straddling two.
func splitRange(start, end, interval int64, dir Direction) iter.Seq2[int64, int64] {
	return func(yield func(lo, hi int64) bool) {
		if dir == Forward {
			for lo := start; lo < end; {
				hi := min(floorMultiple(lo, interval)+interval, end)
				if !yield(lo, hi) {
					return
				}
				lo = hi
			}
			return
		}
		for hi := end; hi > start; {
			lo := max(floorMultiple(hi-1, interval), start) // hi is exclusive
			if !yield(lo, hi) {
				return
			}
			hi = lo
		}
	}
}

// floorMultiple is the largest multiple of m not above x, for negative x too.
func floorMultiple(x, m int64) int64 {
	q := x / m
	if x%m != 0 && x < 0 {
		q--
	}
	return q * m
}
