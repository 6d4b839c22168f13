package bands

import (
	"context"
	"sort"
	"sync"

	"github.com/foresight-aiops/foresight/pkg/anomaly"
	"github.com/foresight-aiops/foresight/pkg/series"
	"github.com/foresight-aiops/foresight/pkg/source/prometheus"
)

// entry is the cached state of one (source, expression, step, band) combination.
type entry struct {
	mu     sync.Mutex
	band   anomaly.Config
	start  int64 // first history point held
	stable int64 // last point the models have consumed
	end    int64 // last point held; points after stable are provisional
	ready  bool
	tracks []*track // sorted by key
	index  map[string]*track
}

// track is one series' history, its committed outputs and its model.
type track struct {
	key      string
	hist     series.Series  // points in [entry.start, entry.end]
	outFrom  int64          // time of the first point with a stored output
	out      anomaly.Result // outputs of the consumed points from outFrom on
	consumed int            // points of hist the model has learned from
	model    *anomaly.Model // state after consuming hist[:consumed]
}

// outAt is the index in hist of the first stored output.
func (t *track) outAt() int { return t.indexOf(t.outFrom) }

// update brings the entry to cover g, fetching what it lacks.
func (e *entry) update(ctx context.Context, f Fetcher, expr string, g grid) (Stats, error) {
	switch {
	case !e.ready || g.histStart < e.start || g.histStart > e.stable:
		return e.rebuild(ctx, f, expr, g)
	case g.panelTo <= e.stable:
		if e.outputsFrom() > g.panelFrom {
			e.recompute(g)
			return Stats{Cache: CacheRebuilt}, nil
		}
		return Stats{Cache: CacheHit}, nil
	}
	res, err := f.QueryRange(ctx, expr, prometheus.Range{Start: e.stable + g.step, End: g.panelTo, Step: g.step})
	if err != nil {
		return Stats{}, err
	}
	stats := Stats{Fetched: res.Points, Requests: res.Requests, Cache: CacheHit, Warnings: res.Warnings}
	for _, s := range res.Series {
		if e.index[series.Key(s.Labels)] == nil {
			// A series the models have not seen has no history here: fetch everything.
			full, err := e.rebuild(ctx, f, expr, g)
			full.Fetched += stats.Fetched
			full.Requests += stats.Requests
			return full, err
		}
	}
	for _, t := range e.tracks {
		t.dropProvisional(e.stable)
	}
	for _, s := range res.Series {
		t := e.index[series.Key(s.Labels)]
		t.hist.Times = append(t.hist.Times, s.Times...)
		t.hist.Values = append(t.hist.Values, s.Values...)
	}
	e.end = g.panelTo
	if e.outputsFrom() > g.panelFrom {
		e.recompute(g)
		stats.Cache = CacheRebuilt
	} else {
		e.advance(g)
	}
	e.trim(g)
	return stats, nil
}

// rebuild discards the entry's state and fetches the whole history.
func (e *entry) rebuild(ctx context.Context, f Fetcher, expr string, g grid) (Stats, error) {
	res, err := f.QueryRange(ctx, expr, prometheus.Range{Start: g.histStart, End: g.panelTo, Step: g.step})
	if err != nil {
		return Stats{}, err
	}
	e.tracks, e.index = nil, map[string]*track{}
	for _, s := range res.Series {
		t := &track{key: series.Key(s.Labels), hist: s}
		e.tracks = append(e.tracks, t)
		e.index[t.key] = t
	}
	sort.Slice(e.tracks, func(i, j int) bool { return e.tracks[i].key < e.tracks[j].key })
	e.start, e.end, e.ready = g.histStart, g.panelTo, true
	e.recompute(g)
	return Stats{Fetched: res.Points, Requests: res.Requests, Cache: CacheMiss, Warnings: res.Warnings}, nil
}

// recompute re-runs fresh models over the held history, storing outputs from the panel on.
func (e *entry) recompute(g grid) {
	e.stable = e.start - g.step
	for _, t := range e.tracks {
		t.model = anomaly.NewModel(e.band)
		t.out = anomaly.Result{}
		t.outFrom = g.panelFrom
		t.consumed = 0
	}
	e.advance(g)
}

// advance feeds every track's held points that are final into its model.
func (e *entry) advance(g grid) {
	limit := min(g.stableLimit, e.end)
	for _, t := range e.tracks {
		upto := t.indexOf(limit + 1) // points with time <= limit
		if upto <= t.consumed {
			continue
		}
		if at := t.outAt(); t.consumed < at { // training points: learn, keep no output
			skip := min(upto, at)
			t.model.Learn(t.hist.Times[t.consumed:skip], t.hist.Values[t.consumed:skip])
			t.consumed = skip
		}
		t.model.Run(t.hist.Times[t.consumed:upto], t.hist.Values[t.consumed:upto], &t.out)
		t.consumed = upto
	}
	if limit > e.stable {
		e.stable = limit
	}
}

// outputsFrom is the earliest time every track has outputs for.
func (e *entry) outputsFrom() int64 {
	from := e.start
	for _, t := range e.tracks {
		from = max(from, t.outFrom)
	}
	return from
}

// view copies the panel range out of the cache (the cache keeps changing after we return),
// running a copy of each model over the provisional points.
func (e *entry) view(g grid) []SeriesBand {
	out := make([]SeriesBand, 0, len(e.tracks))
	var scratch *anomaly.Model // one copy reused for every series' provisional points
	for _, t := range e.tracks {
		i, j := t.indexOf(g.panelFrom), t.indexOf(g.panelTo+1)
		if i == j {
			continue
		}
		sb := SeriesBand{
			Labels: t.hist.Labels,
			Times:  append([]int64(nil), t.hist.Times[i:j]...),
			Values: append([]float64(nil), t.hist.Values[i:j]...),
			Period: t.model.Period(),
		}
		committed := min(j, t.consumed)
		sb.Band = sliceResult(t.out, i-t.outAt(), committed-t.outAt())
		if j > committed {
			scratch = t.model.CloneInto(scratch)
			scratch.Run(t.hist.Times[committed:j], t.hist.Values[committed:j], &sb.Band)
			sb.Period = scratch.Period()
		}
		out = append(out, sb)
	}
	return out
}

func sliceResult(r anomaly.Result, i, j int) anomaly.Result {
	if j <= i {
		return anomaly.Result{}
	}
	return anomaly.Result{
		Baseline: append([]float64(nil), r.Baseline[i:j]...),
		Lower:    append([]float64(nil), r.Lower[i:j]...),
		Upper:    append([]float64(nil), r.Upper[i:j]...),
		Score:    append([]float64(nil), r.Score[i:j]...),
		Anomaly:  append([]int8(nil), r.Anomaly[i:j]...),
	}
}

// dropProvisional forgets held points after stable: they are refetched.
func (t *track) dropProvisional(stable int64) {
	n := t.indexOf(stable + 1)
	t.hist.Times = t.hist.Times[:n:n]
	t.hist.Values = t.hist.Values[:n:n]
}

// trim drops history that no request for this panel can need any more, once it is a
// sizeable share of what is held, so long-lived refreshing dashboards stay bounded.
func (e *entry) trim(g grid) {
	for _, t := range e.tracks {
		cut := t.indexOf(g.histStart)
		if cut == 0 || cut < len(t.hist.Times)/4 || cut > t.consumed {
			continue
		}
		outCut := max(0, min(t.indexOf(g.panelFrom), t.consumed)-t.outAt())
		t.out = sliceResult(t.out, outCut, t.out.Len())
		if k := t.outAt() + outCut; outCut > 0 && k < len(t.hist.Times) {
			t.outFrom = t.hist.Times[k]
		} else if outCut > 0 {
			t.outFrom = e.end + g.step
		}
		t.hist.Times = append([]int64(nil), t.hist.Times[cut:]...)
		t.hist.Values = append([]float64(nil), t.hist.Values[cut:]...)
		t.consumed -= cut
	}
	if g.histStart > e.start {
		e.start = g.histStart
	}
}

// indexOf is the index of the first held point at or after time ts.
func (t *track) indexOf(ts int64) int {
	return sort.Search(len(t.hist.Times), func(i int) bool { return t.hist.Times[i] >= ts })
}

func (e *entry) sizeBytes() int64 {
	size := int64(256)
	for _, t := range e.tracks {
		size += int64(len(t.key)) + 16*int64(cap(t.hist.Times)) + 41*int64(t.out.Len()) + int64(t.model.SizeBytes())
	}
	return size
}
