package rcaeval

import (
	"fmt"
	"io"
	"time"

	"github.com/foresight-aiops/foresight/pkg/groupeval"
	"github.com/foresight-aiops/foresight/pkg/rca"
)

// LoadMicroSS reads the MicroSS fault alerts and knowledge graph at dir (the
// fault-alerts-micross folder). The alerts are built exactly as the grouping evaluation
// builds them: the labels a real alert rule on each detection would carry.
func LoadMicroSS(dir string) (*groupeval.Dataset, error) {
	ds, err := groupeval.Load(dir)
	if err != nil {
		return nil, fmt.Errorf("micross: %w", err)
	}
	return ds, nil
}

// MicroOptions are the evaluation's settings; the engine's are rca.DefaultConfig.
type MicroOptions struct {
	Engine rca.Config
}

// MicroResult is one fault's ranking.
type MicroResult struct {
	Fault      *groupeval.Fault
	Rank       int
	Named      bool
	Top        string
	Confidence float64
}

// MicroReport holds every fault's ranking.
type MicroReport struct {
	Faults []MicroResult
	Took   []time.Duration
}

// EvaluateMicroSS ranks each fault's root cause from its alerts and the knowledge graph
// alone: the fault's alerts form the incident, as a perfect grouping would hand it over.
func EvaluateMicroSS(ds *groupeval.Dataset, opt MicroOptions) MicroReport {
	var rep MicroReport
	// The faults come in time order, as a tenant's incidents would: each is analysed
	// knowing only the evidence of the faults before it.
	hist := rca.NewHistory(rca.DefaultHistoryWindow)
	for i := range ds.Faults {
		f := &ds.Faults[i]
		in := microIncident(f)
		began := time.Now()
		cands := rca.Candidates(in, ds.Graph, opt.Engine.Hops, opt.Engine.MaxCandidates)
		ev := rca.AlertEvidence(in.Alerts)
		res := rca.Rank(in, cands, hist.Weigh(in, ev), ds.Graph, nil, opt.Engine.MaxHypotheses)
		hist.Observe(in, ev)
		rep.Took = append(rep.Took, time.Since(began))
		_, named := res.Cause()
		r := MicroResult{Fault: f, Rank: rankOf(res, f.Entity), Named: named}
		if h, ok := res.Top(); ok {
			r.Top, r.Confidence = h.Entity, h.Confidence
		}
		rep.Faults = append(rep.Faults, r)
	}
	return rep
}

func microIncident(f *groupeval.Fault) rca.Incident {
	in := rca.Incident{ID: fmt.Sprint(f.ID)}
	for _, d := range f.Detections {
		a := rca.Alert{Entity: rca.EntityOf(d.Labels), Name: d.Labels["alertname"], Labels: d.Labels, At: d.At, Severity: d.Labels["severity"]}
		if in.Start.IsZero() || a.At.Before(in.Start) {
			in.Start = a.At
		}
		in.Alerts = append(in.Alerts, a)
	}
	return in
}

// Overall is AC@k over every fault.
func (r MicroReport) Overall() Accuracy {
	ranks := make([]int, len(r.Faults))
	for i, f := range r.Faults {
		ranks[i] = f.Rank
	}
	return accuracy(ranks)
}

// Write prints the per-fault-type and overall tables, timings and the last line.
func (r MicroReport) Write(w io.Writer) error {
	keys, groups := breakdown(r.Faults, func(m MicroResult) string { return m.Fault.Type }, func(m MicroResult) int { return m.Rank })
	if err := writeAccuracyTable(w, "fault type", keys, groups, r.Overall()); err != nil {
		return err
	}
	fmt.Fprintf(w, "\nbaseline (the entity with the most distinct alerts): AC@1=%.3f\n", r.mostAlerted())
	seen := r.causeAlerted()
	fmt.Fprintf(w, "ceiling: the cause is named by an alert in %d of %d faults (AC@1 <= %.3f for a ranking of alerted entities)\n",
		seen, len(r.Faults), float64(seen)/float64(max(1, len(r.Faults))))
	ranks, named := make([]int, len(r.Faults)), make([]bool, len(r.Faults))
	for i, x := range r.Faults {
		ranks[i], named[i] = x.Rank, x.Named
	}
	writeNamed(w, "faults", ranks, named)
	writeTimes(w, r.Took)
	_, err := fmt.Fprintln(w, lastLine("micross", r.Overall()))
	return err
}

// mostAlerted is the AC@1 of naming the entity with the most distinct alert names, the
// simple anchor for an alerts-only ranking.
func (r MicroReport) mostAlerted() float64 {
	hits := 0
	for _, res := range r.Faults {
		names := map[string]map[string]bool{}
		for _, d := range res.Fault.Detections {
			e := rca.EntityOf(d.Labels)
			if names[e] == nil {
				names[e] = map[string]bool{}
			}
			names[e][d.Labels["alertname"]] = true
		}
		best, n := "", 0
		for e, set := range names {
			if len(set) > n || len(set) == n && e < best {
				best, n = e, len(set)
			}
		}
		if best == res.Fault.Entity {
			hits++
		}
	}
	return float64(hits) / float64(max(1, len(r.Faults)))
}

// causeAlerted counts the faults whose root cause some alert names, as its entity or as
// either end of a call: no ranking of the entities the alerts name can do better.
func (r MicroReport) causeAlerted() int {
	n := 0
	for _, res := range r.Faults {
		for _, d := range res.Fault.Detections {
			if res.Fault.Entity == rca.EntityOf(d.Labels) || res.Fault.Entity == d.Labels["client"] || res.Fault.Entity == d.Labels["server"] {
				n++
				break
			}
		}
	}
	return n
}
