package history

import (
	"context"
	"errors"
	"math"
	"reflect"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/series"
	"github.com/foresight-aiops/foresight/pkg/source/prometheus"
)

const (
	minute = int64(60_000)
	hour   = 60 * minute
	day    = 24 * hour
)

// source is an in-process Prometheus stand-in: deterministic series on the query grid,
// points newer than lateAfter before its clock not final yet (they read 1000 higher, as
// late scrapes make recent points change), and a series "gappy" missing every 7th point.
type source struct {
	now       *int64
	services  []string
	lateAfter int64
	fetched   int
	requests  []prometheus.Range
	fail      error
}

func value(svc string, t int64) float64 {
	return 100 + 30*math.Sin(2*math.Pi*float64(t%day)/float64(day)) + float64(len(svc))
}

func (s *source) QueryRange(_ context.Context, _ string, r prometheus.Range) (*prometheus.Result, error) {
	if s.fail != nil {
		return nil, s.fail
	}
	s.requests = append(s.requests, r)
	res := &prometheus.Result{Requests: 1}
	for _, svc := range s.services {
		ser := series.Series{Labels: map[string]string{"service": svc}}
		for t := r.Start; t <= r.End && t <= *s.now; t += r.Step {
			if svc == "gappy" && (t/r.Step)%7 == 0 {
				continue
			}
			v := value(svc, t)
			if t > *s.now-s.lateAfter {
				v += 1000
			}
			ser.Times = append(ser.Times, t)
			ser.Values = append(ser.Values, v)
		}
		if ser.Len() > 0 {
			res.Points += ser.Len()
			res.Series = append(res.Series, ser)
		}
	}
	s.fetched += res.Points
	return res, nil
}

func newStore(now *int64, cacheBytes int64) *Store {
	return New(Config{CacheBytes: cacheBytes, Now: func() time.Time { return time.UnixMilli(*now) }})
}

func request(now int64) Request {
	return Request{SourceKey: "ds1", Expr: "x", Start: now - 3*day, End: now, Step: minute}
}

// TestRefreshEqualsFresh is the cache's contract: a refresh answers exactly what an empty
// cache would for the same request, while fetching only the points after the last final one.
func TestRefreshEqualsFresh(t *testing.T) {
	for _, tc := range []struct {
		name      string
		every     int64
		refreshes int
	}{
		{"within the same step", 7_000, 5},
		{"every 10 minutes", 10*minute + 7_000, 30},
		{"every 2 hours, history trimmed", 2*hour + 7_000, 40},
	} {
		t.Run(tc.name, func(t *testing.T) {
			now := int64(1_700_000_040_000)
			services := []string{"a", "bb", "gappy"}
			src := &source{now: &now, services: services, lateAfter: 30_000}
			cached := newStore(&now, 0)
			first, err := cached.Fetch(context.Background(), src, request(now))
			if err != nil {
				t.Fatal(err)
			}
			if first.Stats.Cache != CacheMiss || len(first.Series) != 3 {
				t.Fatalf("first request: %+v, %d series", first.Stats, len(first.Series))
			}
			for refresh := range tc.refreshes {
				now += tc.every
				got, err := cached.Fetch(context.Background(), src, request(now))
				if err != nil {
					t.Fatal(err)
				}
				if got.Stats.Cache != CacheHit || got.Stats.Fetched > 3*int(tc.every/minute+3) {
					t.Fatalf("refresh %d: %+v, want a hit fetching a few points", refresh, got.Stats)
				}
				want, err := newStore(&now, 0).Fetch(context.Background(), &source{now: &now, services: services, lateAfter: src.lateAfter}, request(now))
				if err != nil {
					t.Fatal(err)
				}
				if !reflect.DeepEqual(got.Series, want.Series) || got.Start != want.Start || got.End != want.End {
					t.Fatalf("refresh %d differs from a fresh fetch", refresh)
				}
			}
			e := cached.cache.GetOrAdd("ds1\x00x\x00"+"60000", func() *entry { t.Fatal("entry evicted"); return nil })
			if held := len(e.tracks[0].Times); held > int(4*day/minute) {
				t.Errorf("cache holds %d points of one series: history is not trimmed", held)
			}
		})
	}
}

func TestZoomAndNewSeries(t *testing.T) {
	now := int64(1_700_000_040_000)
	src := &source{now: &now, services: []string{"a"}}
	st := newStore(&now, 0)
	ctx := context.Background()
	mustFetch := func(req Request) *Response {
		t.Helper()
		r, err := st.Fetch(ctx, src, req)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}
	mustFetch(request(now))
	tests := []struct {
		name     string
		change   func(*Request)
		services []string
		want     Outcome
		fetched  int
		series   int
	}{
		{"zoom in: nothing fetched", func(r *Request) { r.Start += day; r.End -= hour }, nil, CacheHit, 0, 1},
		{"zoom out: everything fetched", func(r *Request) { r.Start -= day }, nil, CacheMiss, int(4*day/minute) + 1, 1},
		{"new series: everything fetched", func(r *Request) {}, []string{"a", "new"}, CacheMiss, 2 * (int(3*day/minute) + 1), 2},
		{"series gone: still shown from history", func(r *Request) { r.Start -= hour; r.End -= hour }, []string{"a"}, CacheMiss, int(3*day/minute) + 1, 1},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			if tc.services != nil {
				src.services = tc.services
			}
			req := request(now)
			tc.change(&req)
			before := src.fetched
			got := mustFetch(req)
			// A new series shows up in the fetch of the new points, which is then redone in full.
			fetched := src.fetched - before
			if got.Stats.Cache != tc.want || fetched < tc.fetched || fetched > tc.fetched+2*len(src.services) || got.Stats.Fetched != fetched || len(got.Series) != tc.series {
				t.Errorf("%+v, %d fetched, %d series; want %s, %d, %d", got.Stats, fetched, len(got.Series), tc.want, tc.fetched, tc.series)
			}
			if got.Start != series.AlignUp(req.Start, minute) || got.End != series.AlignDown(req.End, minute) {
				t.Errorf("grid %d..%d", got.Start, got.End)
			}
		})
	}
}

func TestResponseIsACopy(t *testing.T) {
	now := int64(1_700_000_040_000)
	src := &source{now: &now, services: []string{"a"}}
	st := newStore(&now, 0)
	first, _ := st.Fetch(context.Background(), src, request(now))
	first.Series[0].Values[0] = -1
	again, _ := st.Fetch(context.Background(), src, request(now))
	if again.Series[0].Values[0] == -1 {
		t.Error("a caller's change reached the cache")
	}
}

func TestCacheIsBounded(t *testing.T) {
	now := int64(1_700_000_040_000)
	src := &source{now: &now, services: []string{"a", "b"}}
	const limit = 1 << 20
	st := newStore(&now, limit)
	for i := range 20 {
		req := request(now)
		req.Expr = string(rune('a' + i))
		if _, err := st.Fetch(context.Background(), src, req); err != nil {
			t.Fatal(err)
		}
		if b := st.CachedBytes(); b > limit || b <= 0 {
			t.Fatalf("after %d queries the cache holds %d bytes (limit %d)", i+1, b, limit)
		}
	}
	if st.cache.Len() >= 20 {
		t.Errorf("nothing evicted: %d entries", st.cache.Len())
	}
}

func TestErrors(t *testing.T) {
	now := int64(1_700_000_040_000)
	boom := errors.New("boom")
	tests := []struct {
		name string
		req  Request
		fail error
	}{
		{"zero step", Request{Start: 0, End: minute, Step: 0}, nil},
		{"end before start", Request{Start: minute, End: 0, Step: minute}, nil},
		{"no grid point", Request{Start: 1, End: minute - 1, Step: minute}, nil},
		{"source fails", request(now), boom},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := newStore(&now, 0).Fetch(context.Background(), &source{now: &now, services: []string{"a"}, fail: tc.fail}, tc.req)
			if err == nil || (tc.fail != nil && !errors.Is(err, tc.fail)) {
				t.Errorf("error %v", err)
			}
		})
	}
}
