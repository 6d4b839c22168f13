package rca

import (
	"cmp"
	"context"
	"errors"
	"flag"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/foresight-aiops/foresight/pkg/topology"
)

// Config bounds an analysis.
type Config struct {
	// Lookback is how far before the incident's start evidence is sought: a deploy or a
	// change point that long before the first alert can still be its cause.
	Lookback time.Duration `yaml:"lookback"`
	// Timeout bounds one analysis, gathering included. Sources that have not answered by
	// then are reported in Result.Errors and the ranking uses what arrived.
	Timeout time.Duration `yaml:"timeout"`
	// MaxQueries bounds the source queries of one analysis, across all gatherers.
	MaxQueries int `yaml:"max_queries"`
	// MaxCandidates bounds the entities evidence is gathered for.
	MaxCandidates int `yaml:"max_candidates"`
	// MaxHypotheses is how many ranked hypotheses a result keeps.
	MaxHypotheses int `yaml:"max_hypotheses"`
	// Hops is how many call edges downstream of an alerting service a candidate may sit.
	Hops int `yaml:"hops"`
}

// DefaultConfig is what the receiver and the evaluations use.
func DefaultConfig() Config {
	return Config{Lookback: 30 * time.Minute, Timeout: 4 * time.Second, MaxQueries: 60, MaxCandidates: 40, MaxHypotheses: 5, Hops: topology.MaxDepth}
}

// RegisterFlags registers the analysis bounds under prefix.
func (c *Config) RegisterFlags(prefix string, f *flag.FlagSet) {
	d := DefaultConfig()
	f.DurationVar(&c.Lookback, prefix+"lookback", d.Lookback, "How far before an incident's start RCA looks for changes.")
	f.DurationVar(&c.Timeout, prefix+"timeout", d.Timeout, "Time limit of one RCA analysis; slower sources are left out and reported.")
	f.IntVar(&c.MaxQueries, prefix+"max-queries", d.MaxQueries, "Source queries one RCA analysis may make.")
	f.IntVar(&c.MaxCandidates, prefix+"max-candidates", d.MaxCandidates, "Entities one RCA analysis gathers evidence for.")
	f.IntVar(&c.MaxHypotheses, prefix+"max-hypotheses", d.MaxHypotheses, "Hypotheses kept per incident.")
	f.IntVar(&c.Hops, prefix+"hops", d.Hops, "Call edges downstream of an alerting service that a candidate may sit.")
}

// Validate checks the bounds.
func (c Config) Validate() error {
	switch {
	case c.Lookback <= 0 || c.Timeout <= 0:
		return fmt.Errorf("rca: lookback (%s) and timeout (%s) must be positive", c.Lookback, c.Timeout)
	case c.MaxQueries < 0 || c.MaxCandidates < 1 || c.MaxHypotheses < 1 || c.Hops < 0:
		return fmt.Errorf("rca: max queries (%d) must be 0 or more, max candidates (%d) and max hypotheses (%d) 1 or more, hops (%d) 0 or more",
			c.MaxQueries, c.MaxCandidates, c.MaxHypotheses, c.Hops)
	}
	return nil
}

// Engine analyses incidents. It is safe for concurrent use.
type Engine struct {
	cfg       Config
	graph     func() *topology.Graph
	gatherers []Gatherer
	history   *History
	now       func() time.Time
}

// NewEngine returns an engine that reads the service graph through graph (nil, or a nil
// graph: no topology) and asks gatherers for evidence.
func NewEngine(cfg Config, graph func() *topology.Graph, gatherers ...Gatherer) *Engine {
	if graph == nil {
		graph = func() *topology.Graph { return nil }
	}
	return &Engine{cfg: cfg, graph: graph, gatherers: gatherers, now: time.Now}
}

// Remember makes the engine weigh evidence by how often it was seen in each tenant's
// recent incidents (see History) and record every incident it analyses there. It
// returns e.
func (e *Engine) Remember(h *History) *Engine {
	e.history = h
	return e
}

// Analyse gathers evidence about in's candidates and ranks them, re-weighting evidence by
// w (the tenant's learned weights; nil for none). It never fails: sources that fail are
// listed in Result.Errors and the alerts alone still give a ranking.
func (e *Engine) Analyse(ctx context.Context, in Incident, w Weights) Result {
	began := e.now()
	ctx, cancel := context.WithTimeout(ctx, e.cfg.Timeout)
	defer cancel()
	g := e.graph()
	cands := Candidates(in, g, e.cfg.Hops, e.cfg.MaxCandidates)
	req := Request{Incident: in, Candidates: cands, From: in.Start.Add(-e.cfg.Lookback), To: latest(in)}
	budget := NewBudget(e.cfg.MaxQueries)
	ev, errs := e.gather(ctx, req, budget)
	ev = append(AlertEvidence(in.Alerts), ev...)
	res := Rank(in, cands, e.history.Weigh(in, ev), g, w, e.cfg.MaxHypotheses)
	e.history.Observe(in, ev)
	res.ComputedAt, res.Queries, res.Errors = e.now(), budget.Used(), errs
	res.Took = res.ComputedAt.Sub(began).Seconds()
	return res
}

// gather asks every gatherer at once and keeps what each returned, even with an error.
func (e *Engine) gather(ctx context.Context, req Request, budget *Budget) ([]Evidence, []string) {
	type answer struct {
		name string
		ev   []Evidence
		err  error
	}
	answers := make([]answer, len(e.gatherers))
	var wg sync.WaitGroup
	for i, g := range e.gatherers {
		wg.Go(func() {
			ev, err := g.Gather(ctx, req, budget)
			answers[i] = answer{g.Name(), ev, err}
		})
	}
	wg.Wait()
	var ev []Evidence
	var errs []string
	for _, a := range answers {
		ev = append(ev, a.ev...)
		switch {
		case a.err == nil:
		case errors.Is(a.err, context.DeadlineExceeded):
			errs = append(errs, fmt.Sprintf("%s: no answer within %s", a.name, e.cfg.Timeout))
		default:
			errs = append(errs, fmt.Sprintf("%s: %v", a.name, a.err))
		}
	}
	return ev, errs
}

func latest(in Incident) time.Time {
	t := in.Start
	for _, a := range in.Alerts {
		if a.At.After(t) {
			t = a.At
		}
	}
	return t
}

// Candidates are the entities in the incident's alerts, most alerted first, then the
// services up to hops call edges downstream of them (a cause can be a component that
// does not alert itself: a database without its own alert rules), at most max in all.
func Candidates(in Incident, g *topology.Graph, hops, max int) []string {
	count := map[string]int{}
	first := map[string]time.Time{}
	for _, a := range in.Alerts {
		if a.Entity == "" {
			continue
		}
		count[a.Entity]++
		if t, ok := first[a.Entity]; !ok || a.At.Before(t) {
			first[a.Entity] = a.At
		}
	}
	out := make([]string, 0, len(count))
	for ent := range count {
		out = append(out, ent)
	}
	slices.SortFunc(out, func(a, b string) int {
		return cmp.Or(-cmp.Compare(count[a], count[b]), first[a].Compare(first[b]), cmp.Compare(a, b))
	})
	if g != nil {
		out = append(out, downstreamOf(out, g, hops, count)...)
	}
	if len(out) > max {
		out = out[:max]
	}
	return out
}

// downstreamOf lists the services within hops call edges downstream of the alerting
// entities that are not already candidates (by canonical name), nearest first.
func downstreamOf(alerting []string, g *topology.Graph, hops int, known map[string]int) []string {
	seen := map[string]bool{}
	for _, a := range alerting {
		seen[g.Canonical(a)] = true
	}
	var out []string
	frontier := alerting
	for range hops {
		var next []string
		for _, s := range frontier {
			for _, d := range g.Downstream(s) {
				if seen[d] || known[d] > 0 {
					continue
				}
				seen[d] = true
				next = append(next, d)
			}
		}
		slices.Sort(next)
		out = append(out, next...)
		frontier = next
	}
	return out
}
