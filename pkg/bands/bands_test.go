package bands

import (
	"context"
	"math"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/anomaly"
	"github.com/foresight-aiops/foresight/pkg/series"
	"github.com/foresight-aiops/foresight/pkg/source/prometheus"
)

const (
	minute = int64(60_000)
	hour   = 60 * minute
	day    = 24 * hour
)

// source is an in-process Prometheus stand-in: deterministic series on the query grid, with
// points newer than lateAfter before its clock not yet final (they read 1000 higher), as
// late scrapes make real recent points change.
type source struct {
	now       *int64
	services  []string
	lateAfter int64
	fetched   int
}

func value(svc string, t int64) float64 {
	h := uint64(t)*0x9E3779B97F4A7C15 ^ uint64(len(svc))*0xBF58476D1CE4E5B9
	noise := float64(h>>11)/float64(1<<53) - 0.5
	return 100 + 30*math.Sin(2*math.Pi*float64(t%day)/float64(day)) + 4*noise + float64(len(svc))
}

func (s *source) QueryRange(_ context.Context, _ string, r prometheus.Range) (*prometheus.Result, error) {
	res := &prometheus.Result{Requests: len(r.Chunks())}
	for _, svc := range s.services {
		ser := series.Series{Labels: map[string]string{"service": svc}}
		for t := r.Start; t <= r.End && t <= *s.now; t += r.Step {
			v := value(svc, t)
			if t > *s.now-s.lateAfter {
				v += 1000
			}
			ser.Times = append(ser.Times, t)
			ser.Values = append(ser.Values, v)
		}
		res.Points += ser.Len()
		res.Series = append(res.Series, ser)
	}
	s.fetched += res.Points
	return res, nil
}

func newEval(now *int64, cacheBytes int64) *Evaluator {
	return New(Config{CacheBytes: cacheBytes, Now: func() time.Time { return time.UnixMilli(*now) }})
}

func request(now int64) Request {
	return Request{SourceKey: "ds1", Expr: "x", From: now - 6*hour, To: now, Step: minute, Training: 3 * day, Band: anomaly.DefaultConfig()}
}

// TestCachedEqualsFresh is the cache's contract: a refreshed panel shows exactly what an
// evaluator with an empty cache would show for the same history (the models keep learning
// from where the first request started), while fetching far fewer points.
func TestCachedEqualsFresh(t *testing.T) {
	for _, tc := range []struct {
		name      string
		every     int64
		refreshes int
	}{{"every 10 minutes", 10*minute + 7_000, 40}, {"every 2 hours, history trimmed", 2*hour + 7_000, 30}} {
		t.Run(tc.name, func(t *testing.T) { testCachedEqualsFresh(t, tc.every, tc.refreshes) })
	}
}

func testCachedEqualsFresh(t *testing.T, every int64, refreshes int) {
	now := int64(1_700_000_040_000)
	src := &source{now: &now, services: []string{"a", "bb"}, lateAfter: 30_000}
	cached := newEval(&now, 0)
	histStart := request(now).From - 3*day
	first, err := cached.Evaluate(context.Background(), src, request(now))
	if err != nil {
		t.Fatal(err)
	}
	if first.Stats.Cache != CacheMiss || first.Stats.Fetched != 2*int((3*day+6*hour)/minute+1) {
		t.Fatalf("first request: %+v", first.Stats)
	}
	for refresh := range refreshes {
		now += every
		got, err := cached.Evaluate(context.Background(), src, request(now))
		if err != nil {
			t.Fatal(err)
		}
		if got.Stats.Cache != CacheHit || got.Stats.Fetched > 2*int(every/minute+3) {
			t.Fatalf("refresh %d: %+v, want a hit fetching a few points", refresh, got.Stats)
		}
		fresh := &source{now: &now, services: src.services, lateAfter: src.lateAfter}
		req := request(now)
		req.Training = series.AlignUp(req.From, minute) - histStart
		want, err := newEval(&now, 0).Evaluate(context.Background(), fresh, req)
		if err != nil {
			t.Fatal(err)
		}
		assertSame(t, got, want)
	}
	if max := 2 * int((3*day+6*hour)/minute+1+int64(refreshes)*(every/minute+3)); src.fetched > max {
		t.Errorf("fetched %d points in all, want at most %d", src.fetched, max)
	}
	if cachedPoints := len(cached.cache.Values()[0].tracks[0].hist.Times); cachedPoints > 2*int((3*day+6*hour)/minute) {
		t.Errorf("cache holds %d points of one series: history is not trimmed", cachedPoints)
	}
}

// primed returns an evaluator that has answered one request for series "a".
func primed(t *testing.T) (now *int64, src *source, ev *Evaluator) {
	t.Helper()
	ts := int64(1_700_000_040_000)
	now = &ts
	src = &source{now: now, services: []string{"a"}}
	ev = newEval(now, 0)
	if _, err := ev.Evaluate(context.Background(), src, request(*now)); err != nil {
		t.Fatal(err)
	}
	return now, src, ev
}

func TestZoom(t *testing.T) {
	nowp, src, ev := primed(t)
	now := *nowp
	ctx := context.Background()
	// Zooming out within the cached history: nothing fetched, models re-run.
	wider := request(now)
	wider.From -= 12 * hour
	wider.Training -= 12 * hour
	got, err := ev.Evaluate(ctx, src, wider)
	if err != nil || got.Stats.Cache != CacheRebuilt || got.Stats.Fetched > 3 { // only the provisional tail
		t.Fatalf("zoom out: %+v %v", got.Stats, err)
	}
	// Zooming out beyond it: everything fetched.
	wider.From -= 2 * day
	got, err = ev.Evaluate(ctx, src, wider)
	if err != nil || got.Stats.Cache != CacheMiss {
		t.Fatalf("zoom out beyond history: %+v %v", got.Stats, err)
	}
	want, _ := newEval(&now, 0).Evaluate(ctx, &source{now: &now, services: src.services}, wider)
	assertSame(t, got, want)
}

func TestNewSeriesRefetches(t *testing.T) {
	now, src, ev := primed(t)
	ctx := context.Background()
	src.services = []string{"a", "new"}
	*now += 5 * minute
	got, err := ev.Evaluate(ctx, src, request(*now))
	if err != nil || got.Stats.Cache != CacheMiss || len(got.Series) != 2 {
		t.Fatalf("%+v %v, want a full fetch with both series", got.Stats, err)
	}
}

func TestCacheIsBounded(t *testing.T) {
	now := int64(1_700_000_040_000)
	src := &source{now: &now, services: []string{"a", "b"}}
	const limit = 2 << 20
	ev := newEval(&now, limit)
	for i := range 20 {
		req := request(now)
		req.Expr = string(rune('a' + i))
		if _, err := ev.Evaluate(context.Background(), src, req); err != nil {
			t.Fatal(err)
		}
		if b := ev.CachedBytes(); b > limit || b <= 0 {
			t.Fatalf("after %d queries the cache holds %d bytes (limit %d)", i+1, b, limit)
		}
	}
	if ev.cache.Len() >= 20 {
		t.Errorf("nothing evicted: %d entries", ev.cache.Len())
	}
}

func TestInvalidRange(t *testing.T) {
	now := int64(1_700_000_040_000)
	req := request(now)
	req.Step = 0
	if _, err := newEval(&now, 0).Evaluate(context.Background(), &source{now: &now}, req); err == nil {
		t.Error("zero step accepted")
	}
}

func assertSame(t *testing.T, got, want *Response) {
	t.Helper()
	if len(got.Series) != len(want.Series) {
		t.Fatalf("%d series, want %d", len(got.Series), len(want.Series))
	}
	for k := range got.Series {
		g, w := got.Series[k], want.Series[k]
		if len(g.Times) != len(w.Times) || g.Band.Len() != len(w.Times) || g.Period != w.Period {
			t.Fatalf("series %d: %d points / %d outputs / period %v, want %d / %v", k, len(g.Times), g.Band.Len(), g.Period, len(w.Times), w.Period)
		}
		for i := range g.Times {
			if g.Times[i] != w.Times[i] || g.Values[i] != w.Values[i] || !same(g.Band.Baseline[i], w.Band.Baseline[i]) ||
				!same(g.Band.Upper[i], w.Band.Upper[i]) || !same(g.Band.Score[i], w.Band.Score[i]) || g.Band.Anomaly[i] != w.Band.Anomaly[i] {
				t.Fatalf("series %d point %d (t=%d): got %v/%v/%v, want %v/%v/%v", k, i, g.Times[i], g.Values[i], g.Band.Baseline[i], g.Band.Score[i], w.Values[i], w.Band.Baseline[i], w.Band.Score[i])
			}
		}
	}
}

func same(a, b float64) bool { return a == b || (math.IsNaN(a) && math.IsNaN(b)) }
