package loki

import (
	"cmp"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"
)

// fakeEntry is one line held by fakeLoki.
type fakeEntry struct {
	ns     int64
	stream int // index in fakeLoki.streams
	line   string
	meta   map[string]string // structured metadata, sent as a third value element
}

// fakeLoki answers query_range over a fixed set of entries as Loki does: entries with
// start <= ts < end, the first limit of them in direction order, grouped by stream. Where
// Loki leaves an order open it is adversarial: lines of equal time come in a different
// random order in every answer, and so do the streams, so a limit can cut any subset of
// an instant. It refuses what Loki refuses (a limit above max_entries_limit_per_query)
// and fails the test on requests a correct client never sends.
type fakeLoki struct {
	t          *testing.T
	query      string
	streams    []map[string]string
	entries    []fakeEntry
	maxEntries int           // max_entries_limit_per_query
	maxSpan    time.Duration // the longest range a request may cover (the split interval)
	warnings   []string      // attached to every answer

	mu       sync.Mutex
	requests []fakeRequest
}

// fakeRequest is what one request asked for.
type fakeRequest struct {
	start, end int64
	limit      int
	direction  string
}

// seen returns the requests received so far.
func (f *fakeLoki) seen() []fakeRequest {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.requests)
}

func (f *fakeLoki) server() *httptest.Server {
	srv := httptest.NewServer(f)
	f.t.Cleanup(srv.Close)
	return srv
}

func (f *fakeLoki) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	if r.URL.Path != "/loki/api/v1/query_range" {
		http.NotFound(w, r)
		return
	}
	if r.Method != http.MethodGet {
		f.t.Errorf("method %s, want GET", r.Method)
	}
	q := r.URL.Query()
	start, err1 := strconv.ParseInt(q.Get("start"), 10, 64)
	end, err2 := strconv.ParseInt(q.Get("end"), 10, 64)
	limit, err3 := strconv.Atoi(q.Get("limit"))
	dir := q.Get("direction")
	switch {
	case q.Get("query") != f.query:
		f.t.Errorf("query %q, want %q", q.Get("query"), f.query)
	case err1 != nil || err2 != nil || err3 != nil:
		f.t.Errorf("start %q end %q limit %q: not integers", q.Get("start"), q.Get("end"), q.Get("limit"))
	case dir != "forward" && dir != "backward":
		f.t.Errorf("direction %q", dir)
	case end <= start:
		f.t.Errorf("empty range [%d, %d)", start, end)
	case time.Duration(end-start) > f.maxSpan:
		f.t.Errorf("request spans %v, more than the split interval %v", time.Duration(end-start), f.maxSpan)
	case limit <= 0:
		f.t.Errorf("limit %d", limit)
	}
	f.mu.Lock()
	f.requests = append(f.requests, fakeRequest{start, end, limit, dir})
	seq := len(f.requests)
	f.mu.Unlock()
	if limit > f.maxEntries {
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		w.WriteHeader(http.StatusBadRequest)
		fmt.Fprintf(w, "max entries limit per query exceeded, limit > max_entries_limit_per_query (%d > %d)", limit, f.maxEntries)
		return
	}

	rng := rand.New(rand.NewPCG(uint64(seq), 42))
	var sel []fakeEntry
	for _, e := range f.entries {
		if e.ns >= start && e.ns < end {
			sel = append(sel, e)
		}
	}
	rng.Shuffle(len(sel), func(i, j int) { sel[i], sel[j] = sel[j], sel[i] })
	slices.SortStableFunc(sel, func(a, b fakeEntry) int { // keeps the shuffled order of ties
		if dir == "backward" {
			return cmp.Compare(b.ns, a.ns)
		}
		return cmp.Compare(a.ns, b.ns)
	})
	sel = sel[:min(limit, len(sel))]

	type stream struct {
		Stream map[string]string `json:"stream"`
		Values [][]any           `json:"values"`
	}
	byStream := map[int]*stream{}
	var order []int
	for _, e := range sel {
		s := byStream[e.stream]
		if s == nil {
			s = &stream{Stream: f.streams[e.stream]}
			byStream[e.stream] = s
			order = append(order, e.stream)
		}
		v := []any{strconv.FormatInt(e.ns, 10), e.line}
		if e.meta != nil {
			v = append(v, e.meta)
		}
		s.Values = append(s.Values, v)
	}
	rng.Shuffle(len(order), func(i, j int) { order[i], order[j] = order[j], order[i] })
	result := []*stream{}
	for _, i := range order {
		result = append(result, byStream[i])
	}
	answer := map[string]any{
		"status": "success",
		"data": map[string]any{
			"resultType": "streams",
			"result":     result,
			"stats":      map[string]any{"summary": map[string]any{"totalLinesProcessed": len(sel)}},
		},
	}
	if len(f.warnings) > 0 {
		answer["warnings"] = f.warnings
	}
	w.Header().Set("Content-Type", "application/json; charset=UTF-8")
	if err := json.NewEncoder(w).Encode(answer); err != nil {
		f.t.Errorf("encode: %v", err)
	}
}

// want is what a correct client returns for [start, end) in direction dir: every entry
// once, ordered by time, stream labels and line (reversed for backward).
func (f *fakeLoki) want(start, end int64, dir Direction) []string {
	var out []keyedEntry
	for _, e := range f.entries {
		if e.ns >= start && e.ns < end {
			out = append(out, keyedEntry{Entry: Entry{Line: e.line}, ns: e.ns, key: labelsKey(f.streams[e.stream])})
		}
	}
	sortEntries(out, dir)
	s := make([]string, len(out))
	for i, e := range out {
		s[i] = fmt.Sprintf("%d %s %s", e.ns, e.key, e.Line)
	}
	return s
}

// render gives entries the form want uses.
func render(entries []Entry) []string {
	s := make([]string, len(entries))
	for i, e := range entries {
		s[i] = fmt.Sprintf("%d %s %s", e.Time.UnixNano(), labelsKey(e.Stream), e.Line)
	}
	return s
}

// tiesDataset is a fake Loki's content over [base, base+3h) with what makes paging hard:
// up to 4 lines at one nanosecond, across streams and within one, exact repeats (same
// stream, time and line), lines on split boundaries and on both ends of the range, lines
// just outside it, and structured metadata on some.
func tiesDataset(t *testing.T, base time.Time) *fakeLoki {
	f := &fakeLoki{
		t:     t,
		query: `{app="shop"} |= "req"`,
		streams: []map[string]string{
			{"app": "shop", "pod": "a"},
			{"app": "shop", "pod": "b"},
			{"app": "shop", "pod": "c", "level": "error"},
		},
	}
	rng := rand.New(rand.NewPCG(7, 7))
	b := base.UnixNano()
	add := func(ns int64, stream int, line string) {
		e := fakeEntry{ns: ns, stream: stream, line: line}
		if len(f.entries)%3 == 0 {
			e.meta = map[string]string{"trace_id": fmt.Sprintf("%04x", len(f.entries))}
		}
		f.entries = append(f.entries, e)
	}
	ns := b
	for i := 0; i < 600; i++ {
		ns += rng.Int64N(int64(40 * time.Second))
		n := 1 + rng.IntN(4) // lines at this instant
		for k := 0; k < n; k++ {
			add(ns, rng.IntN(3), fmt.Sprintf("req %d.%d", i, rng.IntN(2)))
		}
	}
	// Exact repeats: the same stream, time and line twice.
	add(b+int64(17*time.Minute), 1, "req repeated")
	add(b+int64(17*time.Minute), 1, "req repeated")
	// On the range's ends and just outside, and on aligned split boundaries.
	add(b, 0, "req at start")
	add(b-1, 0, "req before start")
	end := base.Add(3 * time.Hour).UnixNano()
	add(end, 0, "req at end")
	add(end-1, 2, "req just before end")
	for h := base.Truncate(10 * time.Minute).Add(10 * time.Minute); h.Before(base.Add(3 * time.Hour)); h = h.Add(10 * time.Minute) {
		add(h.UnixNano(), 1, "req on a boundary")
		add(h.UnixNano()-1, 2, "req before a boundary")
	}
	return f
}
