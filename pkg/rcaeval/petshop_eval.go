package rcaeval

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/foresight-aiops/foresight/pkg/rca"
	"github.com/foresight-aiops/foresight/pkg/topology"
)

// harmful says which way a PetShop metric moves when something is wrong: latency up,
// availability down; request counts either way (overload, or callers giving up).
var harmful = map[string]float64{"latency": +1, "availability": -1, "requests": 0}

// normalWindow and normalGuard shape the specificity check: windows of normal operation as
// long as an issue's window (five 5-minute points), each scored against the rest of the
// normal data minus a guard of an hour on either side.
const (
	normalWindow = 5
	normalGuard  = 12
)

// PetOptions are the evaluation's settings; the engine's are rca.DefaultConfig.
type PetOptions struct {
	Engine rca.Config
}

// PetResult is one issue's ranking.
type PetResult struct {
	Issue      *PetIssue
	Baseline   string // "normal" or "borrowed" (the scenario has no normal data)
	Rank       int    // 1-based rank of the root cause among the hypotheses; 0 when absent
	Named      bool   // the engine named a cause (its first hypothesis beat "no clear cause")
	Top        string
	Confidence float64
}

// PetNormal is one window of normal operation and whether the engine named a cause.
type PetNormal struct {
	Scenario, Metric string
	Named            bool
}

// PetReport holds every issue's ranking and the normal-window checks.
type PetReport struct {
	Issues  []PetResult
	Normals []PetNormal
	Took    []time.Duration // per analysis, issues and normal windows
}

// EvaluatePetShop ranks every issue's root cause and checks every normal window.
// Scenarios without normal data (the two temporal ones in the stored snapshot) borrow the
// pooled normal data of the others as their baseline; the report says so.
func EvaluatePetShop(scs []PetScenario, opt PetOptions) PetReport {
	pooled := poolNormals(scs)
	var rep PetReport
	for si := range scs {
		sc := &scs[si]
		base, kind := sc.Normal, "normal"
		if base == nil {
			base, kind = pooled, "borrowed"
		}
		// Each scenario is a tenant of its own whose incidents come in time order: each is
		// analysed with the evidence history of the ones before it.
		hist := rca.NewHistory(rca.DefaultHistoryWindow)
		for _, ii := range chronological(sc.Issues) {
			is := &sc.Issues[ii]
			began := time.Now()
			res := analysePet(sc.Graph, base, &is.Metrics, petAlert{sc.Name, is.Name, is.TargetNode, is.TargetMetric, is.At}, hist, true, opt)
			rep.Took = append(rep.Took, time.Since(began))
			_, named := res.Cause()
			r := PetResult{Issue: is, Baseline: kind, Rank: rankOf(res, is.Root), Named: named}
			if h, ok := res.Top(); ok {
				r.Top, r.Confidence = h.Entity, h.Confidence
			}
			rep.Issues = append(rep.Issues, r)
		}
		if sc.Normal != nil {
			rep.Normals = append(rep.Normals, normalWindows(sc, hist, opt, &rep)...)
		}
	}
	return rep
}

// rankOf is the 1-based rank of root among the ranked hypotheses (0: not among them), as
// AC@k is defined in the RCA literature: the ranking is what an on-call engineer reads,
// with each hypothesis' confidence beside it. Whether the engine also stood behind its
// first hypothesis (named a cause) is reported separately.
func rankOf(res rca.Result, root string) int {
	for i, h := range res.Hypotheses {
		if h.Entity == root {
			return i + 1
		}
	}
	return 0
}

// normalWindows slides issue-sized windows over the normal data, each with an SLO alert on
// the target as if one had fired, and records whether the engine named a cause.
//
// The windows are judged with the history the scenario's issues left and are not added to
// it, so that every window is judged on the same history.
func normalWindows(sc *PetScenario, hist *rca.History, opt PetOptions, rep *PetReport) []PetNormal {
	var out []PetNormal
	n := len(sc.Normal.Times)
	for start := normalGuard; start+normalWindow+normalGuard <= n; start += normalWindow {
		base := sc.Normal.without(start-normalGuard, start+normalWindow+normalGuard)
		win := sc.Normal.slice(start, start+normalWindow)
		at := win.Times[normalWindow/2]
		for _, metric := range []string{"latency", "availability"} {
			began := time.Now()
			res := analysePet(sc.Graph, &base, &win, petAlert{sc.Name, fmt.Sprint("normal-", start, metric), "PetSite", metric, at}, hist, false, opt)
			rep.Took = append(rep.Took, time.Since(began))
			_, named := res.Cause()
			out = append(out, PetNormal{Scenario: sc.Name, Metric: metric, Named: named})
		}
	}
	return out
}

// petAlert is the SLO alert that opens an incident: on target's metric at At, in the
// scenario (the tenant) as incident id.
type petAlert struct {
	scenario, id   string
	target, metric string
	at             time.Time
}

// analysePet runs the engine on one window: the SLO alert on the target opens the
// incident, the candidates come from the call graph, and every component's metrics give
// change evidence against the baseline, weighed by the scenario's history. observe adds
// the incident to the history.
func analysePet(g *topology.Graph, base, win *Table, a petAlert, hist *rca.History, observe bool, opt PetOptions) rca.Result {
	in := rca.Incident{ID: a.id, Tenant: a.scenario, Start: a.at,
		Alerts: []rca.Alert{{Entity: a.target, Name: a.metric + "SLOViolation", At: a.at, Severity: "critical"}}}
	cands := rca.Candidates(in, g, opt.Engine.Hops, opt.Engine.MaxCandidates)
	ev := append(rca.AlertEvidence(in.Alerts), metricEvidence(base, win)...)
	res := rca.Rank(in, cands, hist.Weigh(in, ev), g, nil, opt.Engine.MaxHypotheses)
	if observe {
		hist.Observe(in, ev)
	}
	return res
}

// chronological is the indexes of issues in the order they happened.
func chronological(issues []PetIssue) []int {
	idx := make([]int, len(issues))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int { return issues[a].At.Compare(issues[b].At) })
	return idx
}

// metricEvidence gives one piece of evidence per component and metric: the strongest
// harmful change over its statistics (average and percentiles move together; counting
// each would multiply one observation).
func metricEvidence(base, win *Table) []rca.Evidence {
	best := map[[2]string]rca.Evidence{}
	for _, c := range win.Columns {
		dir, known := harmful[c.Metric]
		if !known {
			continue
		}
		b, ok := base.column(c.Node, c.Metric, c.Stat)
		if !ok {
			continue
		}
		ch := rca.DetectChange(b, c.Values)
		if ch.Onset < 0 || dir*ch.Z < 0 {
			continue
		}
		s := ch.Strength()
		key := [2]string{c.Node, c.Metric}
		if s <= 0 || s <= best[key].Strength {
			continue
		}
		best[key] = rca.Evidence{Kind: rca.KindMetric, Entity: c.Node, Signal: c.Metric, Strength: s,
			Onset: win.Times[ch.Onset], Delta: ch.After - ch.Before, Detail: describe(c, ch)}
	}
	out := make([]rca.Evidence, 0, len(best))
	for _, e := range best {
		out = append(out, e)
	}
	return out
}

func describe(c Column, ch rca.Change) string {
	verb := "rose"
	if ch.Z < 0 {
		verb = "fell"
	}
	return fmt.Sprintf("%s %s %s from %.3g to %.3g (%.1f robust σ)", c.Metric, c.Stat, verb, ch.Before, ch.After, math.Abs(ch.Z))
}

// poolNormals joins the normal data of every scenario that has some, column by column.
func poolNormals(scs []PetScenario) *Table {
	var pooled *Table
	for _, sc := range scs {
		if sc.Normal == nil {
			continue
		}
		if pooled == nil {
			t := sc.Normal.slice(0, len(sc.Normal.Times))
			pooled = &t
			continue
		}
		for i, c := range pooled.Columns {
			if more, ok := sc.Normal.column(c.Node, c.Metric, c.Stat); ok {
				pooled.Columns[i].Values = append(pooled.Columns[i].Values, more...)
			}
		}
	}
	return pooled
}

// slice copies rows [from, to).
func (t *Table) slice(from, to int) Table {
	out := Table{Times: append([]time.Time(nil), t.Times[from:to]...)}
	for _, c := range t.Columns {
		c.Values = append([]float64(nil), c.Values[from:to]...)
		out.Columns = append(out.Columns, c)
	}
	return out
}

// without copies every row outside [from, to).
func (t *Table) without(from, to int) Table {
	out := Table{Times: append(append([]time.Time(nil), t.Times[:from]...), t.Times[to:]...)}
	for _, c := range t.Columns {
		c.Values = append(append([]float64(nil), c.Values[:from]...), c.Values[to:]...)
		out.Columns = append(out.Columns, c)
	}
	return out
}
