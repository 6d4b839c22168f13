package evidence

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"time"

	"github.com/foresight-aiops/foresight/pkg/rca"
	"github.com/foresight-aiops/foresight/pkg/series"
	"github.com/foresight-aiops/foresight/pkg/source/loki"
	"github.com/foresight-aiops/foresight/pkg/source/prometheus"
	"github.com/foresight-aiops/foresight/pkg/source/tempo"
)

// MetricQuery is one signal watched in Prometheus for every candidate at once. Expr is
// PromQL with three placeholders, in the manner of Grafana's template variables:
//
//	$matcher  the label matcher selecting the candidates, such as service=~"api|db"
//	$label    the entity label, to aggregate by: sum by ($label) (...)
//	$window   the rate window: at least four scrape intervals and two steps of the grid
//
// The result must keep the entity label, which names the candidate each series is about.
type MetricQuery struct {
	// Name is the signal's name in sentences: "p99 latency rose from ...".
	Name string `yaml:"name"`
	Expr string `yaml:"expr"`
	Unit Unit   `yaml:"unit"`
	// Harm is the direction in which a change hurts: "up" (the default) or "down".
	Harm Harm `yaml:"harm"`
	// MinChange is the least absolute move, in the signal's unit, worth reporting.
	MinChange float64 `yaml:"min_change"`
	// Events marks a query returning a cumulative count of discrete events, such as a
	// restart counter summed by $label: its rises between grid points are the events, and
	// a burst of them is judged, not a level shift. Falls (pods going away) are ignored.
	Events bool `yaml:"events"`
}

// DefaultQueries are the RED and USE signals asked of every Prometheus. They use the
// metric names of the Prometheus client libraries and kube-state-metrics, selected by the
// entity label (which relabelling must attach where the exporter does not):
//
//   - http_requests_total, a counter with a code label (status code): error ratio (5xx
//     share) and request rate;
//   - http_request_duration_seconds, a classic histogram: p99 latency;
//   - process_cpu_seconds_total and process_resident_memory_bytes, which every client
//     library exports: CPU (summed over instances) and memory (of the largest instance,
//     so that scaling out does not read as growth);
//   - kube_pod_container_status_restarts_total, from kube-state-metrics: restarts,
//     counted exactly from the counter's rises rather than with increase(), whose
//     extrapolation turns one restart into 1.3 or 2.
//
// The error ratio adds "or 0 * total" so that a service with no errors in the baseline
// has a baseline of zeros rather than none at all.
var DefaultQueries = []MetricQuery{
	{
		Name: "error ratio", Unit: UnitRatio, Harm: HarmUp, MinChange: 0.01,
		Expr: `(sum by ($label) (rate(http_requests_total{$matcher, code=~"5.."}[$window])) or 0 * sum by ($label) (rate(http_requests_total{$matcher}[$window]))) / sum by ($label) (rate(http_requests_total{$matcher}[$window]))`,
	},
	{
		Name: "p99 latency", Unit: UnitSeconds, Harm: HarmUp, MinChange: 0.01,
		Expr: `histogram_quantile(0.99, sum by ($label, le) (rate(http_request_duration_seconds_bucket{$matcher}[$window])))`,
	},
	{
		Name: "request rate", Unit: UnitPerSecond, Harm: HarmDown, MinChange: 0.1,
		Expr: `sum by ($label) (rate(http_requests_total{$matcher}[$window]))`,
	},
	{
		Name: "CPU usage", Unit: UnitCores, Harm: HarmUp, MinChange: 0.05,
		Expr: `sum by ($label) (rate(process_cpu_seconds_total{$matcher}[$window]))`,
	},
	{
		Name: "memory", Unit: UnitBytes, Harm: HarmUp, MinChange: 16 << 20,
		Expr: `max by ($label) (process_resident_memory_bytes{$matcher})`,
	},
	{
		Name: "restarts", Unit: UnitCount, Harm: HarmUp, Events: true,
		Expr: `sum by ($label) (kube_pod_container_status_restarts_total{$matcher})`,
	},
}

func metricQueries(cfg Config) []MetricQuery {
	var qs []MetricQuery
	if !cfg.SkipDefaultQueries {
		qs = append(qs, DefaultQueries...)
	}
	for _, q := range cfg.ExtraQueries {
		if q.Harm == "" {
			q.Harm = HarmUp
		}
		qs = append(qs, q)
	}
	return qs
}

func (q MetricQuery) validate() error {
	switch {
	case strings.TrimSpace(q.Name) == "":
		return errors.New("a query needs a name, used in the evidence it yields")
	case !strings.Contains(q.Expr, "$matcher"):
		return fmt.Errorf("query %q does not use $matcher: it would not be limited to the candidates", q.Name)
	case !strings.Contains(q.Expr, "$label"):
		return fmt.Errorf("query %q does not use $label: its series would not say which candidate they are about (aggregate by ($label))", q.Name)
	case !q.Unit.valid():
		return fmt.Errorf("query %q: unit %q is not one of seconds, ratio, bytes, cores, per_second, count", q.Name, q.Unit)
	case q.Harm != "" && q.Harm != HarmUp && q.Harm != HarmDown:
		return fmt.Errorf("query %q: harm %q must be up or down", q.Name, q.Harm)
	case q.MinChange < 0:
		return fmt.Errorf("query %q: min_change %v must not be negative", q.Name, q.MinChange)
	}
	expr := q.expand(DefaultEntityLabel, `service=~"a|b"`, time.Minute)
	if err := prometheus.CheckExpr(expr); err != nil {
		return fmt.Errorf("query %q: %w", q.Name, err)
	}
	return nil
}

// expand fills the placeholders.
func (q MetricQuery) expand(label, matcher string, window time.Duration) string {
	return strings.NewReplacer("$matcher", matcher, "$label", label, "$window", promDuration(window)).Replace(q.Expr)
}

func (q MetricQuery) signal() signal {
	return signal{name: q.Name, unit: q.Unit, harm: q.Harm, minChange: q.MinChange}
}

// promDuration writes a duration in PromQL's syntax, in whole seconds.
func promDuration(d time.Duration) string {
	return strconv.FormatInt(int64(max(d, time.Second)/time.Second), 10) + "s"
}

// regexMatcher selects the candidates with one regular expression, each name quoted so
// that a dot or a plus in a name is only itself, and the whole a valid PromQL (and LogQL)
// string.
func regexMatcher(label string, cands []string) string {
	quoted := make([]string, len(cands))
	for i, c := range cands {
		quoted[i] = regexp.QuoteMeta(c)
	}
	return label + "=~" + strconv.Quote(strings.Join(quoted, "|"))
}

func equalMatcher(label, value string) string {
	return label + "=" + strconv.Quote(value)
}

// candidates are the request's candidates without empty names or repeats, in order.
func candidates(req rca.Request) []string {
	seen := make(map[string]bool, len(req.Candidates))
	out := make([]string, 0, len(req.Candidates))
	for _, c := range req.Candidates {
		if c != "" && !seen[c] {
			seen[c] = true
			out = append(out, c)
		}
	}
	return out
}

// promSource is a Prometheus and what every question to it needs.
type promSource struct {
	client  prometheus.RangeQuerier
	url     string
	label   string
	scrape  time.Duration
	factor  int
	target  ExploreTarget // Type and UID; Expr is set per link
	explore explorer
}

// maxSeries bounds the series of one answer: the queries aggregate by the entity label
// over at most a few dozen candidates, so an answer far larger means an extra query that
// forgot to aggregate, and reading it would cost memory for nothing.
const maxSeries = 1000

func newPromSource(cfg Config, hc *http.Client, links explorer) (*promSource, error) {
	c, err := prometheus.New(cfg.PrometheusURL, hc, prometheus.Options{MaxSeries: maxSeries})
	if err != nil {
		return nil, err
	}
	return &promSource{
		client: c, url: trimSlash(cfg.PrometheusURL), label: cfg.EntityLabel, scrape: cfg.ScrapeInterval,
		factor: cfg.BaselineFactor, target: ExploreTarget{Type: TypePrometheus, UID: cfg.PrometheusUID}, explore: links,
	}, nil
}

// span lays out the grid of a request; steps are never finer than the scrape interval.
func (p *promSource) span(req rca.Request) (span, error) {
	return newSpan(req, p.factor, p.scrape)
}

// rateWindow is Grafana's $__rate_interval: four scrape intervals, and never less than
// two steps so that consecutive points overlap and no sample falls between them.
func (p *promSource) rateWindow(s span) time.Duration {
	return max(4*p.scrape, 2*s.step)
}

// query spends one query of the budget and evaluates expr over the span's grid.
func (p *promSource) query(ctx context.Context, budget *rca.Budget, expr string, s span) ([]series.Series, error) {
	if err := budget.Take(); err != nil {
		return nil, err
	}
	r := prometheus.Range{Start: s.start.UnixMilli(), End: s.end.UnixMilli(), Step: s.step.Milliseconds()}
	res, err := p.client.QueryRange(ctx, expr, r)
	if err != nil {
		return nil, failed(ctx, "query Prometheus at "+p.url, err)
	}
	return res.Series, nil
}

// link opens expr over the span in Explore.
func (p *promSource) link(expr string, s span) string {
	t := p.target
	t.Expr = expr
	return p.explore.link(t, s.start, s.end)
}

// Metrics gathers change points of RED and USE signals from Prometheus: one range query
// per signal covers every candidate, over a baseline and the incident's window. Like every
// gatherer here it is safe for concurrent use.
type Metrics struct {
	src     *promSource
	queries []MetricQuery
}

// Name implements rca.Gatherer.
func (m *Metrics) Name() string { return "metrics" }

// Gather implements rca.Gatherer. A signal whose query fails is reported in the error and
// the others are still asked; a spent budget or an ended context stops the gathering.
func (m *Metrics) Gather(ctx context.Context, req rca.Request, budget *rca.Budget) ([]rca.Evidence, error) {
	cands := candidates(req)
	if len(cands) == 0 {
		return nil, nil
	}
	s, err := m.src.span(req)
	if err != nil {
		return nil, err
	}
	var out []rca.Evidence
	var errs errorList
	for _, q := range m.queries {
		ev, err := m.gatherQuery(ctx, q, cands, s, budget)
		out = append(out, ev...)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", q.Name, err))
			if !queryProblem(err) {
				break
			}
		}
	}
	return out, errs.err()
}

func (m *Metrics) gatherQuery(ctx context.Context, q MetricQuery, cands []string, s span, budget *rca.Budget) ([]rca.Evidence, error) {
	window := m.src.rateWindow(s)
	label := m.src.label
	got, err := m.src.query(ctx, budget, q.expand(label, regexMatcher(label, cands), window), s)
	if err != nil {
		return nil, err
	}
	wanted := setOf(cands)
	var out []rca.Evidence
	for _, ser := range got {
		entity := ser.Labels[label]
		if !wanted[entity] {
			continue
		}
		if e, ok := m.judge(q, window, entity, s, ser); ok {
			out = append(out, e)
		}
	}
	return out, nil
}

// judge turns one candidate's series into evidence when it moved the harmful way.
func (m *Metrics) judge(q MetricQuery, window time.Duration, entity string, s span, ser series.Series) (rca.Evidence, bool) {
	sig := q.signal()
	e := rca.Evidence{Kind: rca.KindMetric, Entity: entity, Signal: q.Name,
		URL: m.src.link(q.expand(m.src.label, equalMatcher(m.src.label, entity), window), s)}
	if q.Events {
		ev, ok := eventBurst(s, ser)
		if !ok {
			return rca.Evidence{}, false
		}
		e.Strength, e.Onset, e.Delta, e.Detail = ev.strength, ev.onset, ev.count-ev.expected, sig.describeEvents(ev, s)
		return e, true
	}
	sh, ok := sig.levelShift(s, ser)
	if !ok {
		return rca.Evidence{}, false
	}
	e.Strength, e.Onset, e.Delta, e.Detail = sh.change.Strength(), sh.onset, sh.delta(), sig.describe(sh, s)
	return e, true
}

// isFinal says whether err ends a gathering from every source: the budget is spent or
// the caller gave up.
func isFinal(ctx context.Context, err error) bool {
	return errors.Is(err, rca.ErrBudget) || ctx.Err() != nil
}

// failed wraps a source's error. When the context has ended, its error is the one
// wrapped: a client may report a read cut short as a decoding failure, and the engine must
// see the deadline or the cancellation for what it is.
func failed(ctx context.Context, what string, err error) error {
	if cerr := ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%s: %w (%v)", what, cerr, err)
	}
	return fmt.Errorf("%s: %w", what, err)
}

// queryProblem says whether err concerns only the query that failed: the server answered
// and refused that query (bad syntax, too many samples), so the next query to it may
// still succeed. Anything else, an unreachable or misconfigured server, rejected
// credentials, an overloaded server, a spent budget or an ended context, would fail the
// next query too, and asking again would only spend budget and load the server.
func queryProblem(err error) bool {
	var pe *prometheus.APIError
	var le *loki.APIError
	var te *tempo.APIError
	switch {
	case errors.As(err, &pe):
		return pe.Status == http.StatusBadRequest || pe.Status == http.StatusUnprocessableEntity
	case errors.As(err, &le):
		return le.Status == http.StatusBadRequest
	case errors.As(err, &te):
		return te.Status == http.StatusBadRequest
	}
	return false
}

// errorList collects a gatherer's failures into one error that reads on one line (the
// engine lists it as such) and still matches each of them with errors.Is.
type errorList []error

func (l errorList) err() error {
	if len(l) == 0 {
		return nil
	}
	return l
}

func (l errorList) Error() string {
	msgs := make([]string, len(l))
	for i, e := range l {
		msgs[i] = e.Error()
	}
	return strings.Join(msgs, "; ")
}

func (l errorList) Unwrap() []error { return l }
