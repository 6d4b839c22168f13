package rcaeval

import (
	"cmp"
	"fmt"
	"io"
	"slices"
)

// Overall is AC@k over every issue.
func (r PetReport) Overall() Accuracy {
	ranks := make([]int, len(r.Issues))
	for i, is := range r.Issues {
		ranks[i] = is.Rank
	}
	return accuracy(ranks)
}

// Specificity is the share of normal windows in which the engine named no cause.
func (r PetReport) Specificity() float64 {
	if len(r.Normals) == 0 {
		return 0
	}
	quiet := 0
	for _, n := range r.Normals {
		if !n.Named {
			quiet++
		}
	}
	return float64(quiet) / float64(len(r.Normals))
}

// Majority is the AC@1 of always answering the most frequent root cause: the floor any
// method must clear on a data set with five distinct causes.
func (r PetReport) Majority() (string, float64) {
	count := map[string]int{}
	for _, is := range r.Issues {
		count[is.Issue.Root]++
	}
	roots := make([]string, 0, len(count))
	for k := range count {
		roots = append(roots, k)
	}
	slices.SortFunc(roots, func(a, b string) int { return cmp.Or(-cmp.Compare(count[a], count[b]), cmp.Compare(a, b)) })
	if len(roots) == 0 {
		return "", 0
	}
	return roots[0], float64(count[roots[0]]) / float64(len(r.Issues))
}

// Write prints the per-scenario, per-metric and overall tables, specificity, the majority
// baseline, timings and the last line.
func (r PetReport) Write(w io.Writer) error {
	rank := func(p PetResult) int { return p.Rank }
	keys, groups := breakdown(r.Issues, func(p PetResult) string { return p.Issue.Scenario + " (" + p.Baseline + " baseline)" }, rank)
	if err := writeAccuracyTable(w, "scenario", keys, groups, r.Overall()); err != nil {
		return err
	}
	fmt.Fprintln(w)
	keys, groups = breakdown(r.Issues, func(p PetResult) string { return p.Issue.TargetMetric }, rank)
	if err := writeAccuracyTable(w, "metric", keys, groups, r.Overall()); err != nil {
		return err
	}
	fmt.Fprintln(w)
	keys, groups = breakdown(r.Issues, func(p PetResult) string { return p.Issue.Root }, rank)
	if err := writeAccuracyTable(w, "root cause", keys, groups, r.Overall()); err != nil {
		return err
	}
	fmt.Fprintln(w)
	perMetric := map[string][2]int{}
	for _, n := range r.Normals {
		c := perMetric[n.Metric]
		c[1]++
		if !n.Named {
			c[0]++
		}
		perMetric[n.Metric] = c
	}
	for _, m := range []string{"latency", "availability"} {
		if c := perMetric[m]; c[1] > 0 {
			fmt.Fprintf(w, "specificity (%s alert on normal windows): %.3f (%d of %d name no cause)\n", m, float64(c[0])/float64(c[1]), c[0], c[1])
		}
	}
	fmt.Fprintf(w, "specificity overall: %.3f over %d normal windows\n", r.Specificity(), len(r.Normals))
	ranks, named := make([]int, len(r.Issues)), make([]bool, len(r.Issues))
	for i, x := range r.Issues {
		ranks[i], named[i] = x.Rank, x.Named
	}
	writeNamed(w, "issues", ranks, named)
	root, maj := r.Majority()
	fmt.Fprintf(w, "majority baseline (always %s): AC@1=%.3f\n", root, maj)
	writeTimes(w, r.Took)
	_, err := fmt.Fprintln(w, lastLine("petshop", r.Overall()))
	return err
}
