// Package rca ranks root-cause hypotheses for an incident. Candidates are the entities its
// alerts name and their neighbours in the service graph; evidence about each candidate
// (metric change onsets, deployments, new error-log patterns, failing spans, the alerts
// themselves) comes from Gatherers; the engine weighs the evidence, uses the call graph to
// prefer the component the others depend on, and returns ranked hypotheses with a
// confidence and an explanation. It knows nothing of HTTP or Grafana: pkg/evidence
// gathers from live sources, the eval harnesses from benchmark files.
package rca

import (
	"context"
	"time"
)

// Kind names a kind of evidence. Feedback re-weights evidence by kind.
type Kind string

const (
	KindAlert    Kind = "alert"         // the entity's own alerts
	KindMetric   Kind = "metric_change" // a change point in one of its metrics
	KindDeploy   Kind = "deploy"        // a deployment or configuration change
	KindLogs     Kind = "log_pattern"   // a new or surging error-log pattern
	KindTraces   Kind = "trace"         // error or slow spans
	KindTopology Kind = "topology"      // where it sits in the call graph
)

// Kinds lists every kind, in the order explanations present them.
var Kinds = []Kind{KindDeploy, KindMetric, KindLogs, KindTraces, KindAlert, KindTopology}

// Evidence is one observation about one entity.
type Evidence struct {
	Kind   Kind   `json:"kind"`
	Entity string `json:"entity"`
	// Signal says what was observed: a metric or query, a log template, a span name, an
	// alert name, a version change.
	Signal string `json:"signal"`
	// Strength is how abnormal the observation is, 0 (nothing) to 1 (unmistakable).
	Strength float64 `json:"strength"`
	// Onset is when it began; zero when the source cannot tell.
	Onset time.Time `json:"onset,omitzero"`
	// Delta is the size of a measured change in the signal's own unit (after minus
	// before), zero when the evidence is not a measurement. Changes of the same signal on
	// a caller and a callee are compared by it: a callee whose latency rose by as much as
	// its caller's explains the caller's rise.
	Delta float64 `json:"delta,omitempty"`
	// Detail is a sentence a person can read ("p99 latency rose from 120 ms to 900 ms").
	Detail string `json:"detail"`
	// URL opens the observation in Grafana (an Explore link), when one can be built.
	URL string `json:"url,omitempty"`
}

// Hypothesis is one candidate root cause with what supports it.
type Hypothesis struct {
	Entity string `json:"entity"`
	// Confidence is the probability that this entity is the root cause, given the
	// evidence; the confidences of an incident's hypotheses and of "no clear cause" sum to 1.
	Confidence  float64    `json:"confidence"`
	Score       float64    `json:"score"` // the unnormalised score behind the ranking
	Explanation string     `json:"explanation"`
	Evidence    []Evidence `json:"evidence"`
}

// Result is an incident's ranked hypotheses and how they were obtained.
type Result struct {
	Hypotheses []Hypothesis `json:"hypotheses"` // best first
	// NoCause is the probability that none of the candidates is the cause (nothing stands
	// out): 1 minus the sum of the confidences.
	NoCause    float64   `json:"noCause"`
	ComputedAt time.Time `json:"computedAt"`
	Took       float64   `json:"tookSeconds"`
	Queries    int       `json:"queries"` // source queries spent
	// Errors lists the sources that failed or ran out of time: the result is then built
	// on partial evidence, and says so.
	Errors []string `json:"errors,omitempty"`
}

// Top returns the best hypothesis, if any.
func (r Result) Top() (Hypothesis, bool) {
	if len(r.Hypotheses) == 0 {
		return Hypothesis{}, false
	}
	return r.Hypotheses[0], true
}

// Cause returns the best hypothesis when the engine stands behind it: when it is more
// likely than "no clear cause". An incident whose evidence is weak everywhere has none.
func (r Result) Cause() (Hypothesis, bool) {
	h, ok := r.Top()
	return h, ok && h.Confidence > r.NoCause
}

// Alert is an incident's alert as the engine needs it.
type Alert struct {
	// Entity is the component the alert is about (see EntityOf): the receiver passes the
	// service its grouping resolved, else the first entity label present.
	Entity   string            `json:"entity"`
	Name     string            `json:"name"`
	Labels   map[string]string `json:"labels,omitempty"`
	At       time.Time         `json:"at"`
	Severity string            `json:"severity,omitempty"`
}

// Incident is what the engine analyses.
type Incident struct {
	ID     string
	Tenant string
	Start  time.Time // when its first alert fired
	Alerts []Alert
}

// Request is what a Gatherer is asked: evidence about Candidates around an incident,
// looking back from Start by Lookback, up to End.
type Request struct {
	Incident   Incident
	Candidates []string
	From, To   time.Time
}

// Gatherer collects evidence from one source. It must honour ctx, spend budget before
// every source query, and return what it has with an error when it stops early.
type Gatherer interface {
	Name() string
	Gather(ctx context.Context, req Request, budget *Budget) ([]Evidence, error)
}

// entityLabels name the component an alert is about, in order of preference.
// Service-level names come first because they are what the evidence sources label series,
// streams and spans with and what the service graph knows: a hypothesis must name
// something they can be asked about. pod, container and host are the fallbacks for alerts
// that name nothing else. "instance" is deliberately absent: it is the address of one
// scrape target (host:port), and no source is keyed by it.
var entityLabels = []string{"service", "service_name", "job", "app", "pod", "container", "host", "node"}

// EntityOf returns the entity an alert's labels name, or "" when none does.
func EntityOf(labels map[string]string) string {
	for _, l := range entityLabels {
		if v := labels[l]; v != "" {
			return v
		}
	}
	return ""
}
