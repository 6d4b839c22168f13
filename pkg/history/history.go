// Package history fetches the series of an expression over a range at a step and keeps
// them in a memory-bounded cache, so that refreshing a panel fetches only the points after
// the last one whose value is final.
//
// It holds raw values only; analyses that keep model state (pkg/bands) cache that
// themselves.
package history

import (
	"context"
	"fmt"
	"time"

	"github.com/foresight-aiops/foresight/pkg/internal/sizedlru"
	"github.com/foresight-aiops/foresight/pkg/series"
	"github.com/foresight-aiops/foresight/pkg/source/prometheus"
)

// Fetcher is the source of history: a Prometheus-compatible range query.
type Fetcher = prometheus.RangeQuerier

// Config sets the store's cache and clock.
type Config struct {
	// CacheBytes bounds the memory held by cached series (default 128 MiB).
	CacheBytes int64
	// StableLag is how far behind "now" a point must be before its value is final; newer
	// points are fetched again on the next request (default 2m), since late scrapes and
	// rule evaluations still change them.
	StableLag time.Duration
	// Now is the clock (default time.Now).
	Now func() time.Time
}

// Request asks for the series of Expr on the grid of multiples of Step in [Start, End].
type Request struct {
	// SourceKey identifies the source (and its credentials), so that different data
	// sources never share entries.
	SourceKey  string
	Expr       string
	Start, End int64 // Unix ms, inclusive; Start is rounded up and End down to the grid
	Step       int64 // ms
}

// Outcome says how much of a request the cache answered.
type Outcome string

// Cache outcomes.
const (
	CacheMiss Outcome = "miss" // everything fetched
	CacheHit  Outcome = "hit"  // at most the points after the last final one fetched
)

// Stats describe the work a request caused.
type Stats struct {
	Fetched  int // points fetched from the source
	Requests int // source requests made
	Cache    Outcome
	Warnings []string
}

// Response is the history a request asked for.
type Response struct {
	// Start, End and Step are the request's grid after rounding.
	Start, End, Step int64
	// Series are the series with at least one point in [Start, End], sorted by labels. They
	// are copies: the caller may keep and change them.
	Series []series.Series
	Stats  Stats
}

// Store answers requests from its cache and the fetcher. It is safe for concurrent use.
type Store struct {
	cfg   Config
	cache *sizedlru.Cache[string, *entry]
}

// New returns a store with an empty cache.
func New(cfg Config) *Store {
	if cfg.CacheBytes <= 0 {
		cfg.CacheBytes = 128 << 20
	}
	if cfg.StableLag <= 0 {
		cfg.StableLag = 2 * time.Minute
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	return &Store{cfg: cfg, cache: sizedlru.New[string, *entry](cfg.CacheBytes)}
}

// CachedBytes is the memory the cache accounts for.
func (s *Store) CachedBytes() int64 { return s.cache.Bytes() }

// Fetch answers req, fetching from f only what the cache lacks.
func (s *Store) Fetch(ctx context.Context, f Fetcher, req Request) (*Response, error) {
	if req.Step <= 0 || req.End < req.Start {
		return nil, fmt.Errorf("invalid range: from %d to %d step %d", req.Start, req.End, req.Step)
	}
	g := grid{step: req.Step, start: series.AlignUp(req.Start, req.Step), end: series.AlignDown(req.End, req.Step)}
	if g.end < g.start {
		return nil, fmt.Errorf("the range from %d to %d holds no multiple of the %d ms step", req.Start, req.End, req.Step)
	}
	g.stableLimit = series.AlignDown(s.cfg.Now().UnixMilli()-s.cfg.StableLag.Milliseconds(), req.Step)
	key := fmt.Sprintf("%s\x00%s\x00%d", req.SourceKey, req.Expr, req.Step)
	ent := s.cache.GetOrAdd(key, func() *entry { return &entry{} })
	ent.mu.Lock()
	defer ent.mu.Unlock()
	stats, err := ent.update(ctx, f, req.Expr, g)
	if err != nil {
		return nil, err
	}
	resp := &Response{Start: g.start, End: g.end, Step: g.step, Series: ent.view(g), Stats: stats}
	s.cache.Add(key, ent, ent.sizeBytes())
	return resp, nil
}

// grid is a request's time layout, aligned to its step.
type grid struct {
	step, start, end int64
	stableLimit      int64 // last grid point whose value is final
}
