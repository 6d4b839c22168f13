package rca

import (
	"cmp"
	"math"
	"slices"
	"time"

	"github.com/foresight-aiops/foresight/pkg/topology"
)

// prior is how much one unit of each kind of evidence counts before a tenant's feedback
// re-weights it. Changes count most: a deploy or a change point that precedes the alerts
// is the classic cause. An entity's own alerts count least: alerts fire on symptoms as
// often as on causes.
var prior = map[Kind]float64{
	KindDeploy: 1.5, KindMetric: 1.0, KindLogs: 1.0, KindTraces: 1.0, KindAlert: 0.6,
}

// How the call graph shapes the ranking. A component that alerting components depend on
// (sits downstream of them in call direction) gains up to upstreamBoost; one whose own
// dependencies are at least as abnormal loses up to explainedPenalty, since its symptoms
// are then better explained by them.
const (
	upstreamBoost    = 0.5
	explainedPenalty = 0.25
	// alertSaturation is the summed strength of distinct alerts at which an entity's
	// alert evidence reaches 63 % of its maximum.
	alertSaturation = 4.0
	// detourDecay discounts a candidate once for every normal-looking component on the
	// best call path from the alerting components to it: a fault propagates to the
	// alerts through the components in between, which should look abnormal too.
	detourDecay = 0.5
	// earliestBoost favours the candidate whose abnormality began first.
	earliestBoost = 0.2
	// abnormal is the score from which an entity counts as abnormal for the graph terms.
	abnormal = 0.3
	// temperature and nullScore turn scores into confidences: a softmax over candidates
	// plus a "no clear cause" outcome with score nullScore, so that weak evidence
	// everywhere yields low confidence everywhere.
	temperature = 0.35
	nullScore   = 1.0
)

// entityScore is one candidate's evidence, per kind, and the scores derived from it.
type entityScore struct {
	name     string
	evidence []Evidence
	perKind  map[Kind]float64
	onset    time.Time
	own      float64 // weighted evidence before the graph terms
	// delta is, per measured signal, the change of its strongest evidence.
	delta map[string]float64
	score float64
}

// AlertEvidence turns alerts into evidence about the entities they name. Alerts of one
// family (see AlertFamily) are one signal. Alerts on failing calls also say where errors
// start (see errorOrigins).
func AlertEvidence(alerts []Alert) []Evidence {
	out := make([]Evidence, 0, len(alerts))
	for _, a := range alerts {
		if a.Entity == "" {
			continue
		}
		s := 0.5
		if a.Severity == "critical" {
			s = 0.7
		}
		out = append(out, Evidence{Kind: KindAlert, Entity: a.Entity, Signal: AlertFamily(a.Name), Strength: s, Onset: a.At,
			Detail: "alert " + a.Name + " fired"})
	}
	return append(out, errorOrigins(alerts)...)
}

// Rank scores the candidates on the evidence and returns at most max hypotheses, best
// first. Evidence about another name of a candidate in g (an alias: an instance, a virtual
// peer resolved to it) counts for the candidate; other evidence about entities that are
// not candidates is ignored.
func Rank(in Incident, cands []string, ev []Evidence, g *topology.Graph, w Weights, max int) Result {
	al := alertedFamilies(in)
	sym := al.symptoms()
	scores := collect(cands, ev, g, w, sym, al)
	applyGraph(scores, alertingEntities(in), g, sym)
	applyEarliest(scores)
	slices.SortStableFunc(scores, func(a, b *entityScore) int {
		return cmp.Or(-cmp.Compare(a.score, b.score), cmp.Compare(a.name, b.name))
	})
	return hypotheses(scores, max)
}

func collect(cands []string, ev []Evidence, g *topology.Graph, w Weights, sym map[Family]bool, al alerted) []*entityScore {
	c := collector{byName: make(map[string]*entityScore, len(cands)), g: g, sym: sym, al: al,
		strongest: map[[3]string]float64{}, aliasDelta: map[[2]string]bool{}}
	scores := make([]*entityScore, 0, len(cands))
	for _, name := range cands {
		if _, dup := c.byName[name]; !dup {
			s := &entityScore{name: name, perKind: map[Kind]float64{}, delta: map[string]float64{}}
			c.byName[name] = s
			scores = append(scores, s)
		}
	}
	// A candidate's own evidence goes first, so that where it measured a signal itself its
	// own change is the one compared along the call graph.
	for _, own := range []bool{true, false} {
		for _, e := range ev {
			c.add(e, own)
		}
	}
	c.combine()
	for _, s := range scores {
		for k, f := range s.perKind {
			s.own += prior[k] * w.Weight(k) * f
		}
		s.score = s.own
	}
	return scores
}

// collector files evidence under the candidates. Repeats of one signal count once at
// their strongest: fifty alerts from one rule are one observation.
type collector struct {
	byName     map[string]*entityScore
	g          *topology.Graph
	sym        map[Family]bool
	al         alerted
	strongest  map[[3]string]float64 // entity, kind, signal
	aliasDelta map[[2]string]bool    // the delta of entity's signal came from another name
}

// add files e under its candidate when own says e names the candidate itself, or under
// the candidate it is another name of (an instance, the load balancer in front of it).
func (c *collector) add(e Evidence, own bool) {
	s, ok := c.byName[e.Entity]
	if ok != own {
		return
	}
	if !ok && c.g != nil {
		s, ok = c.byName[c.g.Canonical(e.Entity)]
	}
	if !ok || e.Strength <= 0 {
		return
	}
	if !own {
		e.Detail = "as " + e.Entity + ": " + e.Detail
		e.Entity = s.name
	}
	s.evidence = append(s.evidence, e)
	if !e.Onset.IsZero() && e.Kind != KindTopology && (s.onset.IsZero() || e.Onset.Before(s.onset)) {
		s.onset = e.Onset
	}
	key := [3]string{e.Entity, string(e.Kind), e.Signal}
	c.keepDelta(s, e, own, key)
	c.strongest[key] = math.Max(c.strongest[key], math.Min(e.Strength, 1)*relevance(e, c.sym, c.al))
}

// keepDelta records e's change as s's change in e's signal: its own strongest
// measurement, else the largest of its other names', whatever order they came in.
func (c *collector) keepDelta(s *entityScore, e Evidence, own bool, key [3]string) {
	d, had := s.delta[e.Signal]
	alias := [2]string{s.name, e.Signal}
	switch {
	case e.Delta == 0:
	case own && e.Strength > c.strongest[key]:
		s.delta[e.Signal] = e.Delta
	case !own && (!had || c.aliasDelta[alias] && math.Abs(e.Delta) > math.Abs(d)):
		s.delta[e.Signal] = e.Delta
		c.aliasDelta[alias] = true
	}
}

// combine turns the strongest evidence per signal into one figure per candidate and kind.
func (c *collector) combine() {
	sum := map[[2]string]float64{}
	for key, st := range c.strongest {
		k2 := [2]string{key[0], key[1]}
		if key[1] == string(KindAlert) {
			sum[k2] += st
			continue
		}
		// Noisy-OR: any one strong change is enough.
		sum[k2] = 1 - (1-sum[k2])*(1-st)
	}
	for k2, v := range sum {
		if k2[1] == string(KindAlert) {
			// Alerts are many and each weak: they add up with diminishing returns, so
			// that fifteen distinct alerts on one component still say more than five.
			v = 1 - math.Exp(-v/alertSaturation)
		}
		c.byName[k2[0]].perKind[Kind(k2[1])] = v
	}
}

// applyGraph adds the call-graph terms: support from abnormal components upstream, and
// the penalty for abnormal components downstream.
func applyGraph(scores []*entityScore, alerting []string, g *topology.Graph, sym map[Family]bool) {
	if g == nil {
		return
	}
	var ab []*entityScore
	for _, s := range scores {
		if s.own >= abnormal {
			ab = append(ab, s)
		}
	}
	detours := pathDetours(scores, alerting, g)
	for _, s := range scores {
		if s.own <= 0 {
			continue
		}
		var callers, others int
		explained, support := 0.0, 0.0
		for _, o := range ab {
			if o == s || g.Canonical(o.name) == g.Canonical(s.name) {
				continue
			}
			others++
			if g.Reaches(o.name, s.name) {
				callers++
				support += explainedBy(o, s, sym)
			}
			if g.Reaches(s.name, o.name) {
				explained = math.Max(explained, explainedBy(s, o, sym))
			}
		}
		up := 0.0
		if others > 0 {
			up = support / float64(others)
		}
		s.score = s.own * (1 + upstreamBoost*up) * (1 - explainedPenalty*explained) * math.Pow(detourDecay, float64(detours[g.Canonical(s.name)]))
		if callers > 0 {
			s.evidence = append(s.evidence, Evidence{Kind: KindTopology, Entity: s.name, Signal: "callers",
				Strength: up, Detail: dependants(callers, others)})
		}
	}
}

// applyEarliest favours the candidate whose abnormality began first, when onsets differ.
func applyEarliest(scores []*entityScore) {
	var first *entityScore
	tie := false
	for _, s := range scores {
		if s.onset.IsZero() || s.own < abnormal {
			continue
		}
		switch {
		case first == nil || s.onset.Before(first.onset):
			first, tie = s, false
		case s.onset.Equal(first.onset):
			tie = true
		}
	}
	if first != nil && !tie {
		first.score *= 1 + earliestBoost
	}
}

func hypotheses(scores []*entityScore, max int) Result {
	z := math.Exp(nullScore / temperature)
	for _, s := range scores {
		z += math.Exp(s.score / temperature)
	}
	res := Result{NoCause: math.Exp(nullScore/temperature) / z}
	for _, s := range scores {
		if len(res.Hypotheses) == max || s.score <= 0 {
			break
		}
		h := Hypothesis{Entity: s.name, Score: s.score, Confidence: math.Exp(s.score/temperature) / z, Evidence: ordered(s.evidence)}
		h.Explanation = explain(h)
		res.Hypotheses = append(res.Hypotheses, h)
	}
	return res
}

func alertingEntities(in Incident) []string {
	var out []string
	seen := map[string]bool{}
	for _, a := range in.Alerts {
		if a.Entity != "" && !seen[a.Entity] {
			seen[a.Entity] = true
			out = append(out, a.Entity)
		}
	}
	return out
}

// pathDetours is, for every service reachable downstream of the alerting entities, the
// fewest normal-looking components a call path from one of them passes through before
// reaching it (0-1 breadth-first search: stepping out of an abnormal component is free).
// Services that cannot be reached are absent and get no discount: without a path the
// graph says nothing.
func pathDetours(scores []*entityScore, alerting []string, g *topology.Graph) map[string]int {
	abnormalSvc := map[string]bool{}
	for _, s := range scores {
		if s.own >= abnormal {
			abnormalSvc[g.Canonical(s.name)] = true
		}
	}
	dist := map[string]int{}
	var deque []string
	for _, a := range alerting {
		c := g.Canonical(a)
		if _, ok := dist[c]; !ok {
			dist[c] = 0
			deque = append(deque, c)
		}
	}
	for len(deque) > 0 {
		u := deque[0]
		deque = deque[1:]
		step := 1
		if abnormalSvc[u] || dist[u] == 0 && slices.Contains(alerting, u) {
			step = 0
		}
		for _, v := range g.Downstream(u) {
			if d, ok := dist[v]; ok && d <= dist[u]+step {
				continue
			}
			dist[v] = dist[u] + step
			if step == 0 {
				deque = append([]string{v}, deque...)
			} else {
				deque = append(deque, v)
			}
		}
	}
	return dist
}

// explainedBy is how much of s's abnormality its dependency o accounts for, 0 to 1. Where
// both measured the same signal (latency in seconds, say), it is the share of s's change
// that o's change covers: a caller waits for its callee, so a callee whose latency rose by
// as much explains all of the caller's rise, and one that rose by a hundredth explains a
// hundredth. Only changes in the incident's symptom families (sym) are compared when s has
// any: a slower callee does not explain its caller's errors, and when o was measured but
// not in those signals it explains none of them. Where nothing can be compared, the ratio
// of their scores stands in.
func explainedBy(s, o *entityScore, sym map[Family]bool) float64 {
	symptomatic := false
	for sig, ds := range s.delta {
		if ds != 0 && sym[FamilyOf(sig)] {
			symptomatic = true
		}
	}
	share, compared := 0.0, false
	for sig, ds := range s.delta {
		if ds == 0 || symptomatic && !sym[FamilyOf(sig)] {
			continue
		}
		do, ok := o.delta[sig]
		if symptomatic && len(o.delta) > 0 {
			compared = true // both measured: only the same signal explains
		}
		if !ok || (ds > 0) != (do > 0) {
			continue
		}
		share, compared = math.Max(share, math.Min(do/ds, 1)), true
	}
	if compared {
		return share
	}
	return math.Min(o.own/s.own, 1)
}
