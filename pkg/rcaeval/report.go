package rcaeval

import (
	"cmp"
	"fmt"
	"io"
	"slices"
	"text/tabwriter"
	"time"
)

// TopK is the deepest rank the accuracy figures look at (AC@1 … AC@5, Avg@5).
const TopK = 5

// Accuracy is AC@k for k = 1..TopK over a set of cases: the share whose root cause is
// among the first k named hypotheses.
type Accuracy struct {
	N  int
	AC [TopK]float64
}

// Avg5 is the mean of AC@1 … AC@5, the usual single figure of a ranking.
func (a Accuracy) Avg5() float64 {
	var s float64
	for _, v := range a.AC {
		s += v
	}
	return s / TopK
}

// accuracy computes AC@k from 1-based ranks (0: not ranked).
func accuracy(ranks []int) Accuracy {
	a := Accuracy{N: len(ranks)}
	if a.N == 0 {
		return a
	}
	for _, r := range ranks {
		for k := 1; k <= TopK; k++ {
			if r >= 1 && r <= k {
				a.AC[k-1]++
			}
		}
	}
	for k := range a.AC {
		a.AC[k] /= float64(a.N)
	}
	return a
}

// breakdown groups ranks by key, in sorted key order.
func breakdown[T any](items []T, key func(T) string, rank func(T) int) ([]string, map[string]Accuracy) {
	groups := map[string][]int{}
	for _, it := range items {
		k := key(it)
		groups[k] = append(groups[k], rank(it))
	}
	keys := make([]string, 0, len(groups))
	out := make(map[string]Accuracy, len(groups))
	for k, rs := range groups {
		keys = append(keys, k)
		out[k] = accuracy(rs)
	}
	slices.Sort(keys)
	return keys, out
}

// writeAccuracyTable prints one row per group and an overall row.
func writeAccuracyTable(w io.Writer, title string, keys []string, groups map[string]Accuracy, overall Accuracy) error {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', tabwriter.AlignRight)
	fmt.Fprintf(tw, "%s\tcases\tAC@1\tAC@3\tAvg@5\t\n", title)
	for _, k := range keys {
		a := groups[k]
		fmt.Fprintf(tw, "%s\t%d\t%.3f\t%.3f\t%.3f\t\n", k, a.N, a.AC[0], a.AC[2], a.Avg5())
	}
	fmt.Fprintf(tw, "overall\t%d\t%.3f\t%.3f\t%.3f\t\n", overall.N, overall.AC[0], overall.AC[2], overall.Avg5())
	return tw.Flush()
}

// percentile returns the p-th percentile (0..1) of ds by the nearest-rank method.
func percentile(ds []time.Duration, p float64) time.Duration {
	if len(ds) == 0 {
		return 0
	}
	s := slices.Clone(ds)
	slices.SortFunc(s, func(a, b time.Duration) int { return cmp.Compare(a, b) })
	i := int(float64(len(s))*p+0.999999) - 1
	return s[max(0, min(i, len(s)-1))]
}

// lastLine is the line the eval command ends with.
func lastLine(dataset string, a Accuracy) string {
	return fmt.Sprintf("RCA %s AC@1=%.3f AC@3=%.3f Avg@5=%.3f", dataset, a.AC[0], a.AC[2], a.Avg5())
}

// writeNamed prints how often the engine stood behind its first hypothesis, and the strict
// AC@1 that counts only those.
func writeNamed(w io.Writer, what string, ranks []int, named []bool) {
	n, strict := 0, 0
	for i, ok := range named {
		if ok {
			n++
			if ranks[i] == 1 {
				strict++
			}
		}
	}
	fmt.Fprintf(w, "named a cause in %d of %d %s; named and right: %d (strict AC@1=%.3f)\n", n, len(named), what, strict, float64(strict)/float64(max(1, len(named))))
}

// writeTimes prints the spread of the analysis times.
func writeTimes(w io.Writer, took []time.Duration) {
	fmt.Fprintf(w, "analysis time per incident: p50 %s, p95 %s, max %s over %d analyses\n",
		percentile(took, 0.5), percentile(took, 0.95), percentile(took, 1), len(took))
}
