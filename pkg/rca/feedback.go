package rca

import (
	"fmt"
	"maps"
	"math"
	"time"
)

// Verdict is what a person said about an incident's hypotheses.
type Verdict string

const (
	Right Verdict = "right" // the named hypothesis was the cause
	Wrong Verdict = "wrong" // the named hypothesis was not the cause
	Cause Verdict = "cause" // the cause was Entity (which may not have been ranked at all)
)

// Feedback is one judgement of an incident's hypotheses.
type Feedback struct {
	IncidentID string    `json:"incidentId"`
	Verdict    Verdict   `json:"verdict"`
	Entity     string    `json:"entity"`
	Actor      string    `json:"actor,omitempty"`
	Comment    string    `json:"comment,omitempty"`
	At         time.Time `json:"at"`
}

// Validate checks the verdict and that an entity is named.
func (f Feedback) Validate() error {
	switch f.Verdict {
	case Right, Wrong, Cause:
	default:
		return fmt.Errorf("verdict %q: want %q, %q or %q", f.Verdict, Right, Wrong, Cause)
	}
	if f.Entity == "" {
		return fmt.Errorf("verdict %q needs the entity it is about", f.Verdict)
	}
	return nil
}

// Weights multiply the evidence of each kind for one tenant: a tenant whose deployments
// keep turning out to be the cause learns to trust deploy evidence more. A kind without
// an entry weighs 1.
type Weights map[Kind]float64

// Weight returns the multiplier for k.
func (w Weights) Weight(k Kind) float64 {
	if v, ok := w[k]; ok {
		return v
	}
	return 1
}

// How feedback moves the weights: each judgement nudges the log-weight of every kind of
// evidence that pointed at the judged entity by learnRate, up when the evidence was right
// and down when it was wrong, within [minWeight, maxWeight] so that a few judgements
// cannot silence a kind of evidence altogether.
const (
	learnRate = 0.1
	minWeight = 0.25
	maxWeight = 4
)

// Learn returns the weights after one judgement of res, the incident's stored result.
func (w Weights) Learn(res Result, f Feedback) Weights {
	out := maps.Clone(w)
	if out == nil {
		out = Weights{}
	}
	nudge := func(entity string, dir float64) {
		for _, k := range kindsFor(res, entity) {
			lw := math.Log(out.Weight(k)) + dir*learnRate
			out[k] = math.Min(maxWeight, math.Max(minWeight, math.Exp(lw)))
		}
	}
	switch f.Verdict {
	case Right:
		nudge(f.Entity, +1)
	case Wrong:
		nudge(f.Entity, -1)
	case Cause:
		nudge(f.Entity, +1)
		if top, ok := res.Top(); ok && top.Entity != f.Entity {
			nudge(top.Entity, -1)
		}
	}
	return out
}

// kindsFor lists the kinds of evidence the result held about entity, once each.
func kindsFor(res Result, entity string) []Kind {
	seen := map[Kind]bool{}
	var out []Kind
	for _, h := range res.Hypotheses {
		if h.Entity != entity {
			continue
		}
		for _, e := range h.Evidence {
			if !seen[e.Kind] {
				seen[e.Kind] = true
				out = append(out, e.Kind)
			}
		}
	}
	return out
}
