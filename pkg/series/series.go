// Package series holds the in-memory time-series type shared by every analysis.
package series

import (
	"fmt"
	"math"
	"sort"
	"strings"
)

// Series is one time series: Values[i] was observed at Times[i] (Unix milliseconds).
// Times are strictly increasing; a NaN value marks a gap the analysis must skip.
type Series struct {
	Labels map[string]string
	Times  []int64
	Values []float64
}

// Len is the number of points, gaps included.
func (s Series) Len() int { return len(s.Times) }

// Validate reports the first point that breaks the ordering contract.
func (s Series) Validate() error {
	if len(s.Times) != len(s.Values) {
		return fmt.Errorf("series has %d timestamps but %d values", len(s.Times), len(s.Values))
	}
	for i := 1; i < len(s.Times); i++ {
		if s.Times[i] <= s.Times[i-1] {
			return fmt.Errorf("timestamps not strictly increasing at point %d (%d after %d)", i, s.Times[i], s.Times[i-1])
		}
	}
	return nil
}

// Slice returns the points with from <= time < to, sharing storage with s.
func (s Series) Slice(from, to int64) Series {
	i := sort.Search(len(s.Times), func(i int) bool { return s.Times[i] >= from })
	j := sort.Search(len(s.Times), func(j int) bool { return s.Times[j] >= to })
	return Series{Labels: s.Labels, Times: s.Times[i:j], Values: s.Values[i:j]}
}

// Key is a canonical, order-independent rendering of the labels, usable as a map key.
func Key(labels map[string]string) string {
	names := make([]string, 0, len(labels))
	for n := range labels {
		names = append(names, n)
	}
	sort.Strings(names)
	var b strings.Builder
	b.WriteByte('{')
	for i, n := range names {
		if i > 0 {
			b.WriteByte(',')
		}
		fmt.Fprintf(&b, "%s=%q", n, labels[n])
	}
	b.WriteByte('}')
	return b.String()
}

// IsGap reports whether v marks a missing observation.
func IsGap(v float64) bool { return math.IsNaN(v) }

// AlignDown is the latest multiple of step at or before t (Unix ms; also for t < 0).
func AlignDown(t, step int64) int64 {
	q := t / step
	if t%step != 0 && t < 0 {
		q--
	}
	return q * step
}

// AlignUp is the earliest multiple of step at or after t.
func AlignUp(t, step int64) int64 {
	f := AlignDown(t, step)
	if f < t {
		return f + step
	}
	return f
}
