package loki

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

var testBase = time.Date(2024, 3, 30, 22, 7, 13, 500_000_000, time.UTC) // not on a split boundary

func TestQueryLogsPagesAndSplitsWithoutLossOrDuplicates(t *testing.T) {
	for _, dir := range []Direction{Forward, Backward} {
		for _, maxEntries := range []int{5, 7, 64, 5000} {
			for _, split := range []time.Duration{10 * time.Minute, time.Hour} {
				t.Run(fmt.Sprintf("%s/max%d/split%v", dir, maxEntries, split), func(t *testing.T) {
					f := tiesDataset(t, testBase)
					f.maxEntries, f.maxSpan = maxEntries, split
					srv := f.server()
					c, err := New(srv.URL, srv.Client(), Options{MaxEntriesPerRequest: maxEntries, SplitInterval: split})
					if err != nil {
						t.Fatal(err)
					}
					start, end := testBase, testBase.Add(3*time.Hour)
					res, err := c.QueryLogs(context.Background(), LogsRequest{Query: f.query, Start: start, End: end, Limit: 100_000, Direction: dir})
					if err != nil {
						t.Fatal(err)
					}
					want := f.want(start.UnixNano(), end.UnixNano(), dir)
					if got := render(res.Entries); !slices.Equal(got, want) {
						t.Fatalf("got %d entries, want %d; first difference:\n%s", len(got), len(want), firstDiff(got, want))
					}
					if res.Truncated || len(res.Warnings) != 0 {
						t.Errorf("truncated %v, warnings %v", res.Truncated, res.Warnings)
					}
					if res.Requests != len(f.seen()) {
						t.Errorf("Requests = %d, server saw %d", res.Requests, len(f.seen()))
					}
					minRequests := int(3 * time.Hour / split)
					if res.Requests < minRequests {
						t.Errorf("%d requests for %d splits", res.Requests, minRequests)
					}
				})
			}
		}
	}
}

func TestQueryLogsSplitsAlignAndWalkInDirectionOrder(t *testing.T) {
	for _, dir := range []Direction{Forward, Backward} {
		t.Run(string(dir), func(t *testing.T) {
			f := &fakeLoki{t: t, query: `{app="x"}`, streams: []map[string]string{{"app": "x"}}, maxEntries: 5000, maxSpan: time.Hour}
			srv := f.server()
			c, _ := New(srv.URL, srv.Client(), Options{})
			start := time.Date(2024, 1, 1, 10, 30, 0, 0, time.UTC)
			res, err := c.QueryLogs(context.Background(), LogsRequest{Query: f.query, Start: start, End: start.Add(2 * time.Hour), Limit: 10, Direction: dir})
			if err != nil || len(res.Entries) != 0 || res.Truncated {
				t.Fatalf("res %+v err %v", res, err)
			}
			at := func(h, m int) int64 { return time.Date(2024, 1, 1, h, m, 0, 0, time.UTC).UnixNano() }
			want := []fakeRequest{
				{at(10, 30), at(11, 0), 11, string(dir)},
				{at(11, 0), at(12, 0), 11, string(dir)},
				{at(12, 0), at(12, 30), 11, string(dir)},
			}
			if dir == Backward {
				slices.Reverse(want)
			}
			if got := f.seen(); !slices.Equal(got, want) {
				t.Errorf("requests\n%v\nwant\n%v", got, want)
			}
		})
	}
}

func TestQueryLogsLimit(t *testing.T) {
	start, end := testBase, testBase.Add(3*time.Hour)
	total := len(tiesDataset(t, testBase).want(start.UnixNano(), end.UnixNano(), Forward))
	tests := []struct {
		limit     int
		truncated bool
	}{
		{limit: 1, truncated: true},
		{limit: 6, truncated: true}, // more than a page
		{limit: 137, truncated: true},
		{limit: total - 1, truncated: true},
		{limit: total, truncated: false}, // both directions end in a split holding lines
		{limit: total + 1, truncated: false},
	}
	for _, dir := range []Direction{Forward, Backward} {
		for _, tc := range tests {
			t.Run(fmt.Sprintf("%s/%d", dir, tc.limit), func(t *testing.T) {
				f := tiesDataset(t, testBase)
				f.maxEntries, f.maxSpan = 6, 10*time.Minute
				srv := f.server()
				c, _ := New(srv.URL, srv.Client(), Options{MaxEntriesPerRequest: 6, SplitInterval: 10 * time.Minute})
				res, err := c.QueryLogs(context.Background(), LogsRequest{Query: f.query, Start: start, End: end, Limit: tc.limit, Direction: dir})
				if err != nil {
					t.Fatal(err)
				}
				if res.Truncated != tc.truncated {
					t.Errorf("Truncated = %v, want %v", res.Truncated, tc.truncated)
				}
				checkPrefix(t, render(res.Entries), f.want(start.UnixNano(), end.UnixNano(), dir), min(tc.limit, total))
				for _, r := range f.seen() {
					if r.limit > tc.limit+1 {
						t.Errorf("a request asked for %d lines, more than the %d wanted (+1)", r.limit, tc.limit)
					}
				}
			})
		}
	}
}

// checkPrefix checks got is the first n of want. Where the limit cuts an instant, which
// of its lines come first is Loki's choice, so there got only needs a subset of them.
func checkPrefix(t *testing.T, got, want []string, n int) {
	t.Helper()
	if len(got) != n {
		t.Fatalf("%d entries, want %d", len(got), n)
	}
	if n == 0 {
		return
	}
	instant := func(s string) string { return s[:strings.IndexByte(s, ' ')] }
	last := instant(got[n-1])
	k := slices.IndexFunc(got, func(s string) bool { return instant(s) == last })
	if !slices.Equal(got[:k], want[:k]) {
		t.Fatalf("first difference:\n%s", firstDiff(got[:k], want[:k]))
	}
	var atLast []string
	for _, s := range want[k:] {
		if instant(s) == last {
			atLast = append(atLast, s)
		}
	}
	i := 0
	for _, s := range got[k:] { // a subsequence of the instant's lines, in order
		for i < len(atLast) && atLast[i] != s {
			i++
		}
		if i == len(atLast) {
			t.Fatalf("entry %q is not among the lines expected at the last instant %v", s, atLast)
		}
		i++
	}
}

func firstDiff(got, want []string) string {
	for i := range max(len(got), len(want)) {
		g, w := "(none)", "(none)"
		if i < len(got) {
			g = got[i]
		}
		if i < len(want) {
			w = want[i]
		}
		if g != w {
			return fmt.Sprintf("at %d: got  %s\n       want %s", i, g, w)
		}
	}
	return "none"
}

// An instant holding a full page of lines by itself cannot be read whole: the walk keeps
// one page of it, moves on, and says so.
func TestQueryLogsCrowdedInstant(t *testing.T) {
	for _, dir := range []Direction{Forward, Backward} {
		t.Run(string(dir), func(t *testing.T) {
			f := &fakeLoki{t: t, query: `{app="x"}`, streams: []map[string]string{{"app": "x"}, {"app": "y"}}, maxEntries: 4, maxSpan: time.Hour}
			crowded := testBase.Add(time.Minute).UnixNano()
			for i := range 10 {
				f.entries = append(f.entries, fakeEntry{ns: crowded, stream: i % 2, line: fmt.Sprintf("crowd %d", i)})
			}
			for i := range 9 {
				if i != 4 {
					f.entries = append(f.entries, fakeEntry{ns: crowded + int64(i-4)*int64(time.Second), stream: 0, line: fmt.Sprintf("calm %d", i)})
				}
			}
			srv := f.server()
			c, _ := New(srv.URL, srv.Client(), Options{MaxEntriesPerRequest: 4})
			res, err := c.QueryLogs(context.Background(), LogsRequest{Query: f.query, Start: testBase, End: testBase.Add(time.Hour), Limit: 100, Direction: dir})
			if err != nil {
				t.Fatal(err)
			}
			got := render(res.Entries)
			var crowd, calm int
			seen := map[string]bool{}
			for _, s := range got {
				if seen[s] {
					t.Errorf("duplicate %s", s)
				}
				seen[s] = true
				if strings.Contains(s, "crowd") {
					crowd++
				} else {
					calm++
				}
			}
			if crowd != 4 || calm != 8 {
				t.Errorf("%d crowded and %d other lines, want 4 and 8:\n%s", crowd, calm, strings.Join(got, "\n"))
			}
			if len(res.Warnings) != 1 || !strings.Contains(res.Warnings[0], "may be missing") {
				t.Errorf("warnings %q", res.Warnings)
			}
		})
	}
}

func TestQueryLogsWarningsOnce(t *testing.T) {
	f := tiesDataset(t, testBase)
	f.maxEntries, f.maxSpan, f.warnings = 5000, time.Hour, []string{"query was truncated"}
	srv := f.server()
	c, _ := New(srv.URL, srv.Client(), Options{})
	res, err := c.QueryLogs(context.Background(), LogsRequest{Query: f.query, Start: testBase, End: testBase.Add(3 * time.Hour), Limit: 100_000})
	if err != nil {
		t.Fatal(err)
	}
	if res.Requests < 3 || !slices.Equal(res.Warnings, f.warnings) {
		t.Errorf("%d requests, warnings %q", res.Requests, res.Warnings)
	}
}

// recorded serves one testdata file for query_range and records the request.
func recorded(t *testing.T, file string, got *http.Request) *httptest.Server {
	body, err := os.ReadFile("testdata/" + file)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		*got = *r
		w.Header().Set("Content-Type", "application/json; charset=UTF-8")
		w.Write(body)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestQueryLogsRecordedAnswer(t *testing.T) {
	var got http.Request
	srv := recorded(t, "query_range_streams.json", &got)
	c, _ := New(srv.URL+"/", srv.Client(), Options{})
	start := time.Unix(0, 1569266400000000000)
	res, err := c.QueryLogs(context.Background(), LogsRequest{Query: `{job="varlogs"}`, Start: start, End: start.Add(30 * time.Minute), Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	q := got.URL.Query()
	want := map[string]string{
		"query": `{job="varlogs"}`, "start": "1569266400000000000", "end": "1569268200000000000",
		"limit": "101", "direction": "backward",
	}
	for k, v := range want {
		if q.Get(k) != v {
			t.Errorf("%s = %q, want %q", k, q.Get(k), v)
		}
	}
	if got.URL.Path != "/loki/api/v1/query_range" || got.Method != http.MethodGet {
		t.Errorf("%s %s", got.Method, got.URL.Path)
	}
	if len(res.Entries) != 2 || res.Requests != 1 || res.Truncated {
		t.Fatalf("result %+v", res)
	}
	e := res.Entries[0]
	if e.Line != "foo" || e.Time.UnixNano() != 1569266497240578000 || e.Time.Location() != time.UTC || e.Stream["job"] != "varlogs" || len(e.Stream) != 3 {
		t.Errorf("first entry %+v", e)
	}
	if res.Entries[1].Line != "bar" {
		t.Errorf("second entry %+v", res.Entries[1])
	}
}

// Values may carry a third element, in either of Loki 3's forms: it is skipped.
func TestQueryLogsThirdValueElement(t *testing.T) {
	for _, file := range []string{"query_range_structured_metadata.json", "query_range_categorized_labels.json"} {
		t.Run(file, func(t *testing.T) {
			var got http.Request
			srv := recorded(t, file, &got)
			c, _ := New(srv.URL, srv.Client(), Options{})
			start := time.Unix(1711839260, 0)
			res, err := c.QueryLogs(context.Background(), LogsRequest{Query: `{app="checkout"}`, Start: start, End: start.Add(time.Minute), Limit: 100, Direction: Forward})
			if err != nil {
				t.Fatal(err)
			}
			var lines []string
			for _, e := range res.Entries {
				lines = append(lines, e.Stream["level"]+" "+e.Line[strings.Index(e.Line, "order="):])
			}
			want := []string{"error order=977", "info order=979", "error order=981"}
			if !slices.Equal(lines, want) {
				t.Errorf("lines %q, want %q", lines, want)
			}
		})
	}
}

func TestQueryLogsErrors(t *testing.T) {
	matrix, err := os.ReadFile("testdata/query_range_matrix.json")
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name, ctype, body string
		status            int
		want              string
		notLoki           bool
		apiStatus         int
	}{
		{name: "parse error", status: 400, ctype: "text/plain; charset=utf-8", body: "parse error at line 1, col 5: syntax error: unexpected IDENTIFIER\n",
			want: "HTTP 400: parse error at line 1, col 5: syntax error: unexpected IDENTIFIER", apiStatus: 400},
		{name: "limit", status: 400, ctype: "text/plain; charset=utf-8", body: "max entries limit per query exceeded, limit > max_entries_limit_per_query (5000 > 1000)",
			want: "(5000 > 1000)", apiStatus: 400},
		{name: "unauthorized", status: 401, ctype: "text/plain", body: "no org id", want: "401 unauthorized", apiStatus: 401},
		{name: "gateway", status: 502, ctype: "text/html", body: "<html>\n<h1>Bad Gateway</h1>\n</html>", want: "HTTP 502: <html> <h1>Bad Gateway</h1> </html>", apiStatus: 502},
		{name: "not found", status: 404, ctype: "text/plain", body: "404 page not found", want: "query_range not found (404)", notLoki: true},
		{name: "html page", status: 200, ctype: "text/html", body: "<html>login</html>", want: `content type "text/html", not JSON`, notLoki: true},
		{name: "json, not loki", status: 200, ctype: "application/json", body: `{"hello":"world"}`, want: `no "status": "success"`, notLoki: true},
		{name: "truncated", status: 200, ctype: "application/json", body: `{"status":"success","data":{"resultType":"streams","result":[{"stream":{},"values":[["1`, want: "truncated", notLoki: true},
		{name: "malformed", status: 200, ctype: "application/json", body: `{"status":"success","data":{"resultType":"streams","result":[{"stream":{},"values":[["1", "a"]}]}}`, want: "malformed answer", notLoki: true},
		{name: "number timestamp", status: 200, ctype: "application/json", body: `{"status":"success","data":{"resultType":"streams","result":[{"stream":{},"values":[[1,"a"]]}]}}`, want: "not a string of Unix nanoseconds", notLoki: true},
		{name: "outside range", status: 200, ctype: "application/json", body: `{"status":"success","data":{"resultType":"streams","result":[{"stream":{},"values":[["5","a"]]}]}}`, want: "outside the requested range", notLoki: true},
		{name: "metric answer", status: 200, ctype: "application/json", body: string(matrix), want: "metric query (Loki answered a matrix)"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Content-Type", tc.ctype)
				w.WriteHeader(tc.status)
				fmt.Fprint(w, tc.body)
			}))
			defer srv.Close()
			c, _ := New(srv.URL, srv.Client(), Options{})
			_, err := c.QueryLogs(context.Background(), LogsRequest{Query: `{app="x"}`, Start: time.Unix(100, 0), End: time.Unix(160, 0), Limit: 10})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
			if errors.Is(err, ErrNotLoki) != tc.notLoki {
				t.Errorf("errors.Is(ErrNotLoki) = %v", !tc.notLoki)
			}
			var ae *APIError
			if errors.As(err, &ae) != (tc.apiStatus != 0) || (ae != nil && ae.Status != tc.apiStatus) {
				t.Errorf("APIError %+v, want status %d", ae, tc.apiStatus)
			}
			if strings.Contains(err.Error(), "\n") {
				t.Errorf("error %q spans lines", err)
			}
		})
	}
}

func TestQueryLogsRejectsBadRequests(t *testing.T) {
	c, _ := New("http://loki:3100", http.DefaultClient, Options{})
	ok := LogsRequest{Query: `{app="x"}`, Start: time.Unix(100, 0), End: time.Unix(200, 0), Limit: 10}
	tests := []struct {
		name string
		edit func(*LogsRequest)
		want string
	}{
		{"no query", func(r *LogsRequest) { r.Query = "" }, "empty"},
		{"no limit", func(r *LogsRequest) { r.Limit = 0 }, "limit must be positive"},
		{"empty range", func(r *LogsRequest) { r.End = r.Start }, "must be after start"},
		{"direction", func(r *LogsRequest) { r.Direction = "sideways" }, `direction "sideways"`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := ok
			tc.edit(&r)
			if _, err := c.QueryLogs(context.Background(), r); err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestQueryLogsCancelled(t *testing.T) {
	release := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-release:
		case <-r.Context().Done():
		}
	}))
	defer srv.Close()
	defer close(release)
	c, _ := New(srv.URL, srv.Client(), Options{})
	ctx, cancel := context.WithCancel(context.Background())
	go func() { time.Sleep(50 * time.Millisecond); cancel() }()
	_, err := c.QueryLogs(ctx, LogsRequest{Query: `{app="x"}`, Start: testBase, End: testBase.Add(48 * time.Hour), Limit: 10})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

// Cancelling between pages stops the walk at the next request.
func TestQueryLogsCancelledWhilePaging(t *testing.T) {
	f := tiesDataset(t, testBase)
	f.maxEntries, f.maxSpan = 5, time.Hour
	ctx, cancel := context.WithCancel(context.Background())
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		f.ServeHTTP(w, r)
		if len(f.seen()) == 3 {
			cancel()
		}
	}))
	defer srv.Close()
	c, _ := New(srv.URL, srv.Client(), Options{MaxEntriesPerRequest: 5})
	_, err := c.QueryLogs(ctx, LogsRequest{Query: f.query, Start: testBase, End: testBase.Add(3 * time.Hour), Limit: 100_000})
	if n := len(f.seen()); !errors.Is(err, context.Canceled) || n != 3 {
		t.Fatalf("error %v after %d requests, want context.Canceled after 3", err, n)
	}
}

func TestQueryLogsUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := l.Addr().String()
	l.Close()
	c, _ := New("http://"+addr, http.DefaultClient, Options{})
	_, err = c.QueryLogs(context.Background(), LogsRequest{Query: `{app="x"}`, Start: testBase, End: testBase.Add(time.Minute), Limit: 1})
	var opErr *net.OpError
	if !errors.As(err, &opErr) || !strings.Contains(err.Error(), "reach Loki at http://"+addr) {
		t.Fatalf("error %v, want a wrapped *net.OpError", err)
	}
}

func TestSplitRange(t *testing.T) {
	const h = int64(time.Hour)
	tests := []struct {
		name       string
		start, end int64
		want       [][2]int64
	}{
		{"inside one split", 10, 20, [][2]int64{{10, 20}}},
		{"aligned", 0, 2 * h, [][2]int64{{0, h}, {h, 2 * h}}},
		{"unaligned", h / 2, 2*h + 1, [][2]int64{{h / 2, h}, {h, 2 * h}, {2 * h, 2*h + 1}}},
		{"ends on a boundary", h - 1, h, [][2]int64{{h - 1, h}}},
		{"before 1970", -h - 5, 5, [][2]int64{{-h - 5, -h}, {-h, 0}, {0, 5}}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			for _, dir := range []Direction{Forward, Backward} {
				var got [][2]int64
				for lo, hi := range splitRange(tc.start, tc.end, h, dir) {
					got = append(got, [2]int64{lo, hi})
				}
				want := slices.Clone(tc.want)
				if dir == Backward {
					slices.Reverse(want)
				}
				if !slices.Equal(got, want) {
					t.Errorf("%s: %v, want %v", dir, got, want)
				}
			}
		})
	}
}
