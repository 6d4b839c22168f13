package evidence

import (
	"cmp"
	"context"
	"fmt"
	"math"
	"net/http"
	"slices"
	"strconv"
	"time"

	"github.com/foresight-aiops/foresight/pkg/anomaly"
	"github.com/foresight-aiops/foresight/pkg/patterns"
	"github.com/foresight-aiops/foresight/pkg/rca"
	"github.com/foresight-aiops/foresight/pkg/source/loki"
)

// ErrorLineFilter is the line filter that selects error lines; the miner then groups
// them into patterns.
const ErrorLineFilter = `(?i)(error|exception|fatal|panic|fail)`

// Log pattern judgement.
const (
	// logStep is the least bucket of the pattern counts: log lines are sparse, and finer
	// buckets would leave most of them empty.
	logStep = time.Minute
	// patternsPerEntity bounds the patterns reported per candidate, strongest first: the
	// ranking needs the few that stand out, not every template of a noisy service.
	patternsPerEntity = 3
	// A new pattern's strength grows with its lines: newBase for one line, towards
	// newBase+newRange for many, with a scale of newScale lines.
	newBase  = 0.35
	newRange = 0.5
	newScale = 10.0
)

// Logs gathers new and surging error-log patterns from Loki: one query per candidate, for
// at most Config.LogCandidates candidates (the engine lists the most alerted first).
type Logs struct {
	client        *loki.Client
	url           string
	label         string
	factor        int
	maxCandidates int
	limit         int
	target        ExploreTarget
	explore       explorer
}

func newLogs(cfg Config, hc *http.Client, links explorer) (*Logs, error) {
	c, err := loki.New(cfg.LokiURL, hc, loki.Options{})
	if err != nil {
		return nil, err
	}
	return &Logs{
		client: c, url: trimSlash(cfg.LokiURL), label: cfg.LokiEntityLabel, factor: cfg.BaselineFactor,
		maxCandidates: cfg.LogCandidates, limit: cfg.LogLineLimit,
		target: ExploreTarget{Type: TypeLoki, UID: cfg.LokiUID}, explore: links,
	}, nil
}

// Name implements rca.Gatherer.
func (l *Logs) Name() string { return "logs" }

// errorQuery is the LogQL for one candidate's error lines.
func (l *Logs) errorQuery(cand string) string {
	return fmt.Sprintf(`{%s} |~ %s`, equalMatcher(l.label, cand), strconv.Quote(ErrorLineFilter))
}

// Gather implements rca.Gatherer.
func (l *Logs) Gather(ctx context.Context, req rca.Request, budget *rca.Budget) ([]rca.Evidence, error) {
	cands := candidates(req)
	if len(cands) > l.maxCandidates {
		cands = cands[:l.maxCandidates]
	}
	if len(cands) == 0 {
		return nil, nil
	}
	s, err := newSpan(req, l.factor, logStep)
	if err != nil {
		return nil, err
	}
	var out []rca.Evidence
	var errs errorList
	for _, c := range cands {
		ev, err := l.gatherEntity(ctx, c, s, budget)
		out = append(out, ev...)
		if err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", c, err))
			if !queryProblem(err) {
				break
			}
		}
	}
	return out, errs.err()
}

// buckets is the count grid of one candidate's lines: nb baseline buckets before the
// window's start, then the window's, so that a bucket boundary falls on From.
type buckets struct {
	from, to time.Time // the first bucket's start and the last bucket's start
	nb       int
	step     time.Duration
}

// bucketsFor lays the grid from the first bucket boundary at or after oldest to the
// bucket holding the window's end.
func bucketsFor(s span, oldest time.Time) buckets {
	nb := int(s.from.Sub(oldest) / s.step)
	nw := int((s.to.Sub(s.from) + s.step - 1) / s.step)
	return buckets{from: s.from.Add(-time.Duration(nb) * s.step), to: s.from.Add(time.Duration(max(nw, 1)-1) * s.step), nb: nb, step: s.step}
}

// gatherEntity spends one query on a candidate's error lines and reports its new and
// surging patterns, the strongest first.
func (l *Logs) gatherEntity(ctx context.Context, cand string, s span, budget *rca.Budget) ([]rca.Evidence, error) {
	if err := budget.Take(); err != nil {
		return nil, err
	}
	lines, b, err := l.read(ctx, cand, s)
	if err != nil || len(lines) == 0 {
		return nil, err
	}
	rates := patterns.Analyse(lines, patterns.RateConfig{
		From: b.from.UnixMilli(), To: b.to.UnixMilli(), Step: b.step.Milliseconds(), Anomaly: anomaly.DefaultConfig(),
	})
	var out []rca.Evidence
	for _, p := range rates.Patterns {
		if e, ok := l.judge(p, b, s, cand); ok {
			out = append(out, e)
		}
	}
	slices.SortStableFunc(out, func(a, b rca.Evidence) int { return cmp.Compare(b.Strength, a.Strength) })
	return out[:min(len(out), patternsPerEntity)], nil
}

// read returns a candidate's error lines in time order and the grid to count them on;
// no lines when there are none or too many to judge.
func (l *Logs) read(ctx context.Context, cand string, s span) ([]patterns.Line, buckets, error) {
	b := bucketsFor(s, s.start)
	res, err := l.client.QueryLogs(ctx, loki.LogsRequest{Query: l.errorQuery(cand), Start: b.from, End: b.to.Add(b.step), Limit: l.limit})
	if err != nil {
		return nil, b, failed(ctx, "query Loki at "+l.url, err)
	}
	if len(res.Entries) == 0 {
		return nil, b, nil
	}
	if res.Truncated {
		// The newest lines came back and the oldest were cut: the baseline begins at the
		// oldest line read. Shorter than the lookback, it cannot tell new from usual, and
		// the candidate is left out rather than every pattern called new.
		oldest := res.Entries[len(res.Entries)-1].Time
		if s.from.Sub(oldest) < s.lookback() {
			return nil, b, nil
		}
		b = bucketsFor(s, oldest.Add(time.Millisecond)) // the oldest instant may be cut short
	}
	lines := make([]patterns.Line, len(res.Entries))
	for i, e := range res.Entries { // Backward: newest first; Analyse wants time order
		lines[len(lines)-1-i] = patterns.Line{Time: e.Time.UnixMilli(), Text: e.Line}
	}
	return lines, b, nil
}

// judge decides whether a pattern is new or surging in the window. Analyse's own New
// flag measures against the first quarter of the range it was given; here "new" means
// absent from the whole baseline before the incident's window, and a surge is a level
// shift of the per-bucket counts, found by the same detector as metric changes.
func (l *Logs) judge(p patterns.PatternRate, b buckets, s span, cand string) (rca.Evidence, bool) {
	base, win := p.Counts[:b.nb], p.Counts[b.nb:]
	var baseSum, winSum float64
	for _, c := range base {
		baseSum += c
	}
	for _, c := range win {
		winSum += c
	}
	if winSum == 0 {
		return rca.Evidence{}, false
	}
	e := rca.Evidence{Kind: rca.KindLogs, Entity: cand, Signal: p.Template,
		URL: l.explore.link(ExploreTarget{Type: l.target.Type, UID: l.target.UID, Expr: l.errorQuery(cand)}, s.start, s.end)}
	tmpl := quoteText(p.Template, 120)
	if baseSum == 0 {
		first := time.UnixMilli(p.FirstSeen)
		e.Strength = newBase + newRange*(1-math.Exp(-(winSum-1)/newScale))
		e.Onset = first
		e.Detail = fmt.Sprintf("new error log pattern %s appeared %s (%s in the window, none in the %s before)",
			tmpl, s.when(first), lineCount(winSum), fmtDuration(s.from.Sub(b.from)))
		return e, true
	}
	c := rca.DetectChange(base, win)
	if c.Onset < 0 || c.Z <= 0 || c.Strength() <= 0 || c.After-c.Before < 1 {
		return rca.Evidence{}, false
	}
	onset := s.from.Add(time.Duration(c.Onset) * b.step)
	perMin := 1 / b.step.Minutes()
	e.Strength, e.Onset, e.Delta = c.Strength(), onset, (c.After-c.Before)*perMin
	e.Detail = fmt.Sprintf("error log pattern %s rose from %s to %s lines a minute %s",
		tmpl, sig(c.Before*perMin), sig(c.After*perMin), s.when(onset))
	return e, true
}

func lineCount(n float64) string {
	if n == 1 {
		return "1 line"
	}
	return fmt.Sprintf("%.0f lines", n)
}
