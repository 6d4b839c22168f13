package evidence

import (
	"context"
	"errors"
	"fmt"
	"math"
	"net/http"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/foresight-aiops/foresight/pkg/rca"
	"github.com/foresight-aiops/foresight/pkg/source/tempo"
)

// The trace signals, in TraceQL metrics.
var (
	spanErrors = signal{name: "error span rate", unit: UnitPerSecond, harm: HarmUp, minChange: 0.01}
	spanP99    = signal{name: "p99 span duration", unit: UnitSeconds, harm: HarmUp, minChange: 0.01}
)

// searchMaxStrength caps the strength of evidence from the search fallback: a search
// returns the first traces Tempo finds, up to a limit, so its counts are samples and
// not rates.
const searchMaxStrength = 0.6

// Traces gathers error-rate and latency changes from Tempo with two TraceQL metrics
// queries covering every candidate. A Tempo without TraceQL metrics is searched for
// error spans instead, in the window and in as long a period before it.
type Traces struct {
	client      *tempo.Client
	url         string
	attr        string
	factor      int
	searchLimit int
	target      ExploreTarget
	explore     explorer
}

func newTraces(cfg Config, hc *http.Client, links explorer) (*Traces, error) {
	c, err := tempo.New(cfg.TempoURL, hc, tempo.Options{})
	if err != nil {
		return nil, err
	}
	return &Traces{
		client: c, url: trimSlash(cfg.TempoURL), attr: cfg.TraceEntityAttribute, factor: cfg.BaselineFactor,
		searchLimit: cfg.TraceSearchLimit, target: ExploreTarget{Type: TypeTempo, UID: cfg.TempoUID}, explore: links,
	}, nil
}

// Name implements rca.Gatherer.
func (t *Traces) Name() string { return "traces" }

// selector is the TraceQL condition selecting the candidates. Tempo's regular
// expressions are anchored here explicitly, so "api" does not also select "api-gateway"
// whatever the version's matching rules.
func (t *Traces) selector(cands []string) string {
	if len(cands) == 1 {
		return t.attr + " = " + strconv.Quote(cands[0])
	}
	quoted := make([]string, len(cands))
	for i, c := range cands {
		quoted[i] = regexp.QuoteMeta(c)
	}
	return t.attr + " =~ " + strconv.Quote("^(?:"+strings.Join(quoted, "|")+")$")
}

func (t *Traces) errorRateQuery(sel string) string {
	return fmt.Sprintf("{ %s && status = error } | rate() by (%s)", sel, t.attr)
}

func (t *Traces) latencyQuery(sel string) string {
	return fmt.Sprintf("{ %s } | quantile_over_time(duration, .99) by (%s)", sel, t.attr)
}

func (t *Traces) errorSearchQuery(sel string) string {
	return fmt.Sprintf("{ %s && status = error } | by(%s)", sel, t.attr)
}

// Gather implements rca.Gatherer.
func (t *Traces) Gather(ctx context.Context, req rca.Request, budget *rca.Budget) ([]rca.Evidence, error) {
	cands := candidates(req)
	if len(cands) == 0 {
		return nil, nil
	}
	s, err := newSpan(req, t.factor, DefaultScrapeInterval)
	if err != nil {
		return nil, err
	}
	sel := t.selector(cands)
	out, err := t.metric(ctx, spanErrors, t.errorRateQuery, sel, cands, s, budget)
	if errors.Is(err, tempo.ErrMetricsUnsupported) {
		return t.searchErrors(ctx, sel, cands, s, budget)
	}
	if err != nil && !queryProblem(err) {
		return out, err
	}
	lat, err2 := t.metric(ctx, spanP99, t.latencyQuery, sel, cands, s, budget)
	out = append(out, lat...)
	return out, errorList{err, err2}.compact().err()
}

// metric runs one TraceQL metrics query and turns harmful shifts into evidence.
func (t *Traces) metric(ctx context.Context, sig signal, query func(string) string, sel string, cands []string, s span, budget *rca.Budget) ([]rca.Evidence, error) {
	if err := budget.Take(); err != nil {
		return nil, fmt.Errorf("%s: %w", sig.name, err)
	}
	res, err := t.client.QueryRange(ctx, tempo.MetricsRequest{Query: query(sel), Start: s.start, End: s.end, Step: s.step})
	if err != nil {
		return nil, failed(ctx, sig.name+": ask Tempo at "+t.url, err)
	}
	wanted := setOf(cands)
	var out []rca.Evidence
	for _, ser := range res.Series {
		entity := ser.Labels[t.attr]
		if !wanted[entity] {
			continue
		}
		sh, ok := sig.levelShift(s, ser)
		if !ok {
			continue
		}
		out = append(out, rca.Evidence{
			Kind: rca.KindTraces, Entity: entity, Signal: sig.name,
			Strength: sh.change.Strength(), Onset: sh.onset, Delta: sh.delta(), Detail: sig.describe(sh, s),
			URL: t.link(query(t.selector([]string{entity})), s.start, s.end),
		})
	}
	return out, nil
}

// searchErrors is the fallback for a Tempo without TraceQL metrics: it counts the error
// spans a search finds per candidate in the window and in an equally long period just
// before it.
func (t *Traces) searchErrors(ctx context.Context, sel string, cands []string, s span, budget *rca.Budget) ([]rca.Evidence, error) {
	window := s.to.Sub(s.from)
	query := t.errorSearchQuery(sel)
	before, err := t.countErrors(ctx, query, cands, s.from.Add(-window), s.from, budget)
	if err != nil {
		return nil, err
	}
	after, err := t.countErrors(ctx, query, cands, s.from, s.to, budget)
	if err != nil {
		return nil, err
	}
	if before.limitReached {
		return nil, nil // the period before holds at least as many as the search returns: no contrast to draw
	}
	var out []rca.Evidence
	for _, c := range cands {
		n, b := after.spans[c], before.spans[c]
		z := float64(n-b) / math.Sqrt(float64(b)+1)
		if n == 0 || z <= 3 {
			continue
		}
		detail := fmt.Sprintf("Tempo found %d error spans since %s against %d in the %s before", n, fmtClock(s.from), b, fmtDuration(window))
		onset := after.onset(c, b)
		if !onset.IsZero() {
			detail += ", the surge " + s.when(onset)
		}
		out = append(out, rca.Evidence{
			Kind: rca.KindTraces, Entity: c, Signal: "error spans",
			Strength: min(searchMaxStrength, 1-math.Exp(-(z-3)/4)), Onset: onset, Detail: detail,
			URL: t.link(fmt.Sprintf("{ %s && status = error }", t.selector([]string{c})), s.from.Add(-window), s.to),
		})
	}
	return out, nil
}

// errorCounts are the error spans one search found per candidate, with the start times
// of those returned.
type errorCounts struct {
	spans        map[string]int
	starts       map[string][]time.Time
	limitReached bool
}

// onset is when entity's surge began: its error spans in time order, past the usual
// ones, as many as the period before held, which are taken to be the usual rate's.
func (c errorCounts) onset(entity string, usual int) time.Time {
	ts := slices.SortedFunc(slices.Values(c.starts[entity]), time.Time.Compare)
	if len(ts) == 0 {
		return time.Time{}
	}
	return ts[min(usual, len(ts)-1)]
}

func (t *Traces) countErrors(ctx context.Context, query string, cands []string, from, to time.Time, budget *rca.Budget) (errorCounts, error) {
	if err := budget.Take(); err != nil {
		return errorCounts{}, fmt.Errorf("error span search: %w", err)
	}
	res, err := t.client.Search(ctx, tempo.SearchRequest{Query: query, Start: from, End: to, Limit: t.searchLimit})
	if err != nil {
		return errorCounts{}, failed(ctx, "error span search (TraceQL metrics unavailable): ask Tempo at "+t.url, err)
	}
	out := errorCounts{spans: map[string]int{}, starts: map[string][]time.Time{}, limitReached: res.LimitReached}
	wanted := setOf(cands)
	byKey := "by(" + t.attr + ")"
	for _, tr := range res.Traces {
		for _, set := range tr.SpanSets {
			entity := set.Attributes[byKey]
			if entity == "" && len(cands) == 1 {
				entity = cands[0]
			}
			if !wanted[entity] {
				continue
			}
			out.spans[entity] += max(set.Matched, len(set.Spans))
			for _, sp := range set.Spans {
				out.starts[entity] = append(out.starts[entity], sp.Start)
			}
		}
	}
	return out, nil
}

func (t *Traces) link(traceQL string, from, to time.Time) string {
	return t.explore.link(ExploreTarget{Type: t.target.Type, UID: t.target.UID, Expr: traceQL}, from, to)
}

func setOf(xs []string) map[string]bool {
	m := make(map[string]bool, len(xs))
	for _, x := range xs {
		m[x] = true
	}
	return m
}

// compact drops the nil errors.
func (l errorList) compact() errorList {
	var out errorList
	for _, e := range l {
		if e != nil {
			out = append(out, e)
		}
	}
	return out
}
