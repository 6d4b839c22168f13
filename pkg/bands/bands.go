// Package bands evaluates anomaly bands for an expression over a time range: it fetches the
// training history and the range from a source, runs one band model per series, and keeps
// the fetched history and the models' state in a memory-bounded cache, so that refreshing
// a panel fetches and models only the points that are new.
package bands

import (
	"context"
	"fmt"
	"time"

	"github.com/foresight-aiops/foresight/pkg/anomaly"
	"github.com/foresight-aiops/foresight/pkg/internal/sizedlru"
	"github.com/foresight-aiops/foresight/pkg/series"
	"github.com/foresight-aiops/foresight/pkg/source/prometheus"
)

// Fetcher is the source of history: a Prometheus-compatible range query.
type Fetcher = prometheus.RangeQuerier

// Config sets the evaluator's cache and time source.
type Config struct {
	// CacheBytes bounds the memory held by cached history, outputs and models (default 256 MiB).
	CacheBytes int64
	// StableLag is how far behind "now" a point must be before its value is final; newer
	// points are refetched on the next refresh and never enter a cached model (default 2m).
	StableLag time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Request is one anomaly-band evaluation.
type Request struct {
	// SourceKey identifies the source (and its credentials) the fetcher talks to, so
	// different data sources never share cache entries.
	SourceKey string
	Expr      string
	From, To  int64 // the panel range, Unix ms
	Step      int64 // ms
	Training  int64 // history before From to learn from, ms
	Band      anomaly.Config
}

// Outcome says how much of a request the cache answered.
type Outcome string

// Cache outcomes.
const (
	CacheMiss    Outcome = "miss"    // everything fetched
	CacheHit     Outcome = "hit"     // only points after the cached ones fetched
	CacheRebuilt Outcome = "rebuilt" // nothing fetched, models re-run over cached history
)

// SeriesBand is one series over the panel range with the model's judgement of each point.
type SeriesBand struct {
	Labels map[string]string
	Times  []int64
	Values []float64
	Band   anomaly.Result
	Period time.Duration // seasonal period modelled at the end of the range, 0 for none
}

// Stats describe the work a request caused.
type Stats struct {
	Fetched  int // points fetched from the source
	Requests int // source requests made
	Cache    Outcome
	Warnings []string
}

// Response is the evaluation of a request.
type Response struct {
	Series []SeriesBand
	Stats  Stats
}

// Evaluator evaluates requests, sharing one cache among them. It is safe for concurrent use.
type Evaluator struct {
	cfg   Config
	cache *sizedlru.Cache[string, *entry]
}

// New returns an evaluator with an empty cache.
func New(cfg Config) *Evaluator {
	if cfg.CacheBytes <= 0 {
		cfg.CacheBytes = 256 << 20
	}
	if cfg.StableLag <= 0 {
		cfg.StableLag = 2 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Evaluator{cfg: cfg, cache: sizedlru.New[string, *entry](cfg.CacheBytes)}
}

// CachedBytes is the memory the cache accounts for.
func (e *Evaluator) CachedBytes() int64 { return e.cache.Bytes() }

// Evaluate answers req, fetching from f only what the cache lacks.
func (e *Evaluator) Evaluate(ctx context.Context, f Fetcher, req Request) (*Response, error) {
	if req.Step <= 0 || req.To < req.From {
		return nil, fmt.Errorf("invalid range: from %d to %d step %d", req.From, req.To, req.Step)
	}
	g := newGrid(req, e.cfg.Now().UnixMilli()-e.cfg.StableLag.Milliseconds())
	key := fmt.Sprintf("%s\x00%s\x00%d\x00%s\x00%g", req.SourceKey, req.Expr, req.Step, req.Band.Seasonality, req.Band.Sensitivity)
	ent, ok := e.cache.Get(key)
	if !ok {
		ent = &entry{band: req.Band}
	}
	ent.mu.Lock()
	defer ent.mu.Unlock()
	stats, err := ent.update(ctx, f, req.Expr, g)
	if err != nil {
		return nil, err
	}
	resp := &Response{Series: ent.view(g), Stats: stats}
	e.cache.Add(key, ent, ent.sizeBytes())
	return resp, nil
}

// grid is a request's time layout, aligned to its step.
type grid struct {
	step        int64
	histStart   int64 // first point of training history
	panelFrom   int64 // first point shown
	panelTo     int64 // last point shown
	stableLimit int64 // last point whose value is final
}

func newGrid(req Request, stableBefore int64) grid {
	s := req.Step
	from := series.AlignUp(req.From, s)
	return grid{
		step:        s,
		panelFrom:   from,
		panelTo:     series.AlignDown(req.To, s),
		histStart:   from - req.Training/s*s,
		stableLimit: series.AlignDown(stableBefore, s),
	}
}
