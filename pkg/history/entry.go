package history

import (
	"context"
	"sort"
	"sync"

	"github.com/foresight-aiops/foresight/pkg/series"
	"github.com/foresight-aiops/foresight/pkg/source/prometheus"
)

// entry is the cached history of one (source, expression, step).
type entry struct {
	mu     sync.Mutex
	ready  bool
	start  int64            // first grid point held
	stable int64            // last grid point whose held value is final
	end    int64            // last grid point held; points after stable are provisional
	tracks []*series.Series // sorted by key
	index  map[string]*series.Series
}

// update brings the entry to cover g, fetching what it lacks.
func (e *entry) update(ctx context.Context, f Fetcher, expr string, g grid) (Stats, error) {
	switch {
	case !e.ready || g.start < e.start || g.start > e.stable:
		return e.rebuild(ctx, f, expr, g)
	case g.end <= e.stable:
		e.trim(g)
		return Stats{Cache: CacheHit}, nil
	}
	res, err := f.QueryRange(ctx, expr, prometheus.Range{Start: e.stable + g.step, End: g.end, Step: g.step})
	if err != nil {
		return Stats{}, err
	}
	stats := Stats{Fetched: res.Points, Requests: res.Requests, Cache: CacheHit, Warnings: res.Warnings}
	for _, s := range res.Series {
		if e.index[series.Key(s.Labels)] == nil {
			// A series new since the last request has no history here: fetch everything.
			full, err := e.rebuild(ctx, f, expr, g)
			full.Fetched += stats.Fetched
			full.Requests += stats.Requests
			return full, err
		}
	}
	for _, t := range e.tracks {
		dropAfter(t, e.stable)
	}
	for _, s := range res.Series {
		t := e.index[series.Key(s.Labels)]
		t.Times = append(t.Times, s.Times...)
		t.Values = append(t.Values, s.Values...)
	}
	e.end = g.end
	e.stable = max(e.stable, min(g.stableLimit, e.end))
	e.trim(g)
	return stats, nil
}

// rebuild discards the entry's history and fetches the whole range.
func (e *entry) rebuild(ctx context.Context, f Fetcher, expr string, g grid) (Stats, error) {
	res, err := f.QueryRange(ctx, expr, prometheus.Range{Start: g.start, End: g.end, Step: g.step})
	if err != nil {
		e.ready = false // the old history may no longer match what callers expect
		return Stats{}, err
	}
	e.tracks, e.index = make([]*series.Series, 0, len(res.Series)), make(map[string]*series.Series, len(res.Series))
	for i := range res.Series {
		t := &res.Series[i]
		e.tracks = append(e.tracks, t)
		e.index[series.Key(t.Labels)] = t
	}
	sort.Slice(e.tracks, func(i, j int) bool { return series.Key(e.tracks[i].Labels) < series.Key(e.tracks[j].Labels) })
	e.ready, e.start, e.end = true, g.start, g.end
	e.stable = min(g.stableLimit, g.end)
	return Stats{Fetched: res.Points, Requests: res.Requests, Cache: CacheMiss, Warnings: res.Warnings}, nil
}

// view copies the points in [g.start, g.end] out of the cache, which keeps changing after
// the lock is released.
func (e *entry) view(g grid) []series.Series {
	out := make([]series.Series, 0, len(e.tracks))
	for _, t := range e.tracks {
		i, j := indexOf(t, g.start), indexOf(t, g.end+1)
		if i == j {
			continue
		}
		out = append(out, series.Series{
			Labels: t.Labels,
			Times:  append([]int64(nil), t.Times[i:j]...),
			Values: append([]float64(nil), t.Values[i:j]...),
		})
	}
	return out
}

// trim drops history before the request's start once it is a sizeable share of what is
// held, so a long-lived refreshing dashboard stays bounded without copying on every
// refresh; series left with no point are forgotten.
func (e *entry) trim(g grid) {
	kept := e.tracks[:0]
	for _, t := range e.tracks {
		if cut := indexOf(t, g.start); cut > 0 && cut >= len(t.Times)/4 {
			t.Times = append([]int64(nil), t.Times[cut:]...)
			t.Values = append([]float64(nil), t.Values[cut:]...)
		}
		if len(t.Times) == 0 {
			delete(e.index, series.Key(t.Labels))
			continue
		}
		kept = append(kept, t)
	}
	clear(e.tracks[len(kept):])
	e.tracks = kept
	e.start = max(e.start, g.start)
}

// dropAfter forgets the points after stable: they are fetched again. The capacity is cut
// too, so appending never writes into arrays a caller may still read.
func dropAfter(t *series.Series, stable int64) {
	n := indexOf(t, stable+1)
	t.Times = t.Times[:n:n]
	t.Values = t.Values[:n:n]
}

// indexOf is the index of the first point at or after time ts.
func indexOf(t *series.Series, ts int64) int {
	return sort.Search(len(t.Times), func(i int) bool { return t.Times[i] >= ts })
}

func (e *entry) sizeBytes() int64 {
	size := int64(256)
	for _, t := range e.tracks {
		size += 64 + 16*int64(cap(t.Times))
		for k, v := range t.Labels {
			size += int64(len(k) + len(v) + 32)
		}
	}
	return size
}
