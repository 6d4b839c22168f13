package prometheus

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"strconv"
	"strings"
	"sync/atomic"
	"testing"
	"time"
)

func TestCheckExpr(t *testing.T) {
	tests := []struct {
		expr      string
		wantErr   string
		line, col int
	}{
		{expr: `rate(http_requests_total{job="api"}[5m])`},
		{expr: `sum by (service) (rate(x[1m])) / 2`},
		{expr: `1 + 1`},
		{expr: ``, wantErr: "empty"},
		{expr: `rate(x[5m]`, wantErr: "unclosed left parenthesis", line: 1},
		{expr: "sum(x)\n  by (", wantErr: "unclosed", line: 2},
		{expr: `x[5m]`, wantErr: "range vector"},
		{expr: `"a string"`, wantErr: "string"},
	}
	for _, tc := range tests {
		t.Run(tc.expr, func(t *testing.T) {
			err := CheckExpr(tc.expr)
			if tc.wantErr == "" {
				if err != nil {
					t.Fatalf("unexpected error: %v", err)
				}
				return
			}
			var ee *ExprError
			if !errors.As(err, &ee) {
				t.Fatalf("error %v is not an *ExprError", err)
			}
			if !strings.Contains(err.Error(), tc.wantErr) {
				t.Errorf("error %q does not mention %q", err, tc.wantErr)
			}
			if tc.line != 0 && (ee.Line != tc.line || ee.Column < 1) {
				t.Errorf("position %d:%d, want line %d", ee.Line, ee.Column, tc.line)
			}
		})
	}
}

func TestRangeChunks(t *testing.T) {
	r := Range{Start: 1000, End: 1000 + 25000*60, Step: 60}
	chunks := r.Chunks()
	if len(chunks) != 3 || chunks[0].Points() != MaxPointsPerRequest {
		t.Fatalf("%d chunks, want 3", len(chunks))
	}
	var total int64
	next := r.Start
	for _, c := range chunks {
		if c.Start != next || c.Points() > chunkPoints || c.Points() > MaxPointsPerRequest {
			t.Fatalf("chunk %+v: starts at %d (want %d) with %d points", c, c.Start, next, c.Points())
		}
		total += c.Points()
		next = c.End + r.Step
	}
	if total != r.Points() || chunks[2].End != r.End {
		t.Errorf("chunks cover %d points ending %d, want %d ending %d", total, chunks[2].End, r.Points(), r.End)
	}
}

// promAPI serves query_range like Prometheus does for two series whose value is the
// timestamp in seconds, refusing requests above the real server's point limit.
func promAPI(t *testing.T, requests *atomic.Int32) *httptest.Server {
	return httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		requests.Add(1)
		_ = r.ParseForm()
		start, _ := strconv.ParseFloat(r.Form.Get("start"), 64)
		end, _ := strconv.ParseFloat(r.Form.Get("end"), 64)
		step, _ := strconv.ParseFloat(r.Form.Get("step"), 64)
		w.Header().Set("Content-Type", "application/json")
		if (end-start)/step > MaxPointsPerRequest {
			w.WriteHeader(http.StatusBadRequest)
			fmt.Fprint(w, `{"status":"error","errorType":"bad_data","error":"exceeded maximum resolution of 11,000 points per timeseries. Try decreasing the query resolution (?step=XX)"}`)
			return
		}
		var b strings.Builder
		b.WriteString(`{"status":"success","data":{"resultType":"matrix","result":[`)
		for i, svc := range []string{"b", "a"} {
			if i > 0 {
				b.WriteByte(',')
			}
			fmt.Fprintf(&b, `{"metric":{"__name__":"up","service":%q},"values":[`, svc)
			for ts := start; ts <= end; ts += step {
				if ts != start {
					b.WriteByte(',')
				}
				fmt.Fprintf(&b, `[%s,"%g"]`, strconv.FormatFloat(ts, 'f', -1, 64), ts)
			}
			b.WriteString("]}")
		}
		b.WriteString(`]},"warnings":["w1"]}`)
		fmt.Fprint(w, b.String())
	}))
}

func TestQueryRangeSplitsAndStitches(t *testing.T) {
	var requests atomic.Int32
	srv := promAPI(t, &requests)
	defer srv.Close()
	c, err := New(srv.URL, srv.Client(), Options{Parallel: 2})
	if err != nil {
		t.Fatal(err)
	}
	start := int64(1_700_000_000_000)
	r := Range{Start: start, End: start + 7*24*3600*1000, Step: 30_000}
	res, err := c.QueryRange(context.Background(), "up", r)
	if err != nil {
		t.Fatal(err)
	}
	if int(requests.Load()) != len(r.Chunks()) || res.Requests != 2 {
		t.Errorf("%d requests, want %d", requests.Load(), len(r.Chunks()))
	}
	if len(res.Series) != 2 || res.Series[0].Labels["service"] != "a" {
		t.Fatalf("series %v, want a then b", res.Series)
	}
	for _, s := range res.Series {
		if int64(s.Len()) != r.Points() {
			t.Fatalf("%d points, want %d", s.Len(), r.Points())
		}
		if err := s.Validate(); err != nil {
			t.Fatal(err)
		}
		for i, ts := range s.Times {
			if ts != start+int64(i)*r.Step || s.Values[i] != float64(ts)/1000 {
				t.Fatalf("point %d = (%d, %v)", i, ts, s.Values[i])
			}
		}
	}
	if res.Points != 2*int(r.Points()) || len(res.Warnings) != 2 {
		t.Errorf("points %d warnings %v", res.Points, res.Warnings)
	}
}

func TestQueryRangeErrors(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		ctype   string
		body    string
		want    string
		notProm bool
	}{
		{"bad data", 400, "application/json", `{"status":"error","errorType":"bad_data","error":"1:5: parse error: unexpected end of input"}`, "400 bad_data: 1:5: parse error", false},
		{"unauthorized", 401, "text/plain", "Unauthorized", "401 unauthorized", false},
		{"html page", 200, "text/html", "<html>login</html>", "not a Prometheus API", true},
		{"not found", 404, "text/plain", "404 page not found", "not found (404)", true},
		{"json but not prometheus", 200, "application/json", `{"hello":"world"}`, "not a Prometheus API", true},
		{"truncated", 200, "application/json", `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"1"],[2,`, "not a Prometheus API", true},
		{"bad value", 200, "application/json", `{"status":"success","data":{"resultType":"matrix","result":[{"metric":{},"values":[[1,"x"]]}]}}`, "not a number", true},
		{"vector", 200, "application/json", `{"status":"success","data":{"resultType":"vector","result":[]}}`, "want a matrix", true},
		{"gateway", 502, "text/html", "<h1>Bad Gateway</h1>", "HTTP 502: <h1>Bad Gateway</h1>", false},
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
			_, err := c.QueryRange(context.Background(), "up", Range{Start: 0, End: 60_000, Step: 60_000})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
			if errors.Is(err, ErrNotPrometheus) != tc.notProm {
				t.Errorf("errors.Is(ErrNotPrometheus) = %v", !tc.notProm)
			}
		})
	}
}

func TestQueryRangeSeriesLimit(t *testing.T) {
	var requests atomic.Int32
	srv := promAPI(t, &requests)
	defer srv.Close()
	c, _ := New(srv.URL, srv.Client(), Options{MaxSeries: 1})
	_, err := c.QueryRange(context.Background(), "up", Range{Start: 0, End: 600_000, Step: 60_000})
	var le *LimitError
	if !errors.As(err, &le) || le.Limit != 1 {
		t.Fatalf("error %v, want a series LimitError", err)
	}
}

func TestQueryRangeCancelled(t *testing.T) {
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
	_, err := c.QueryRange(ctx, "up", Range{Start: 0, End: 3600_000 * 24 * 30, Step: 60_000})
	if !errors.Is(err, context.Canceled) {
		t.Fatalf("error %v, want context.Canceled", err)
	}
}

func TestNewRejectsBadURL(t *testing.T) {
	for _, u := range []string{"", "prometheus:9090", "ftp://x", "http://"} {
		if _, err := New(u, http.DefaultClient, Options{}); err == nil {
			t.Errorf("%q accepted", u)
		}
	}
}

func TestProbe(t *testing.T) {
	var requests atomic.Int32
	api := promAPI(t, &requests)
	defer api.Close()
	tests := []struct {
		name, path, body, ctype string
		status                  int
		want, wantErr           string
	}{
		{name: "prometheus", path: "/api/v1/status/buildinfo", status: 200, ctype: "application/json", body: `{"status":"success","data":{"version":"2.42.0"}}`, want: "2.42.0"},
		{name: "compatible without buildinfo", path: "/nothing", want: "unknown"},
		{name: "unauthorized", path: "/api/v1/status/buildinfo", status: 401, ctype: "text/plain", body: "no", wantErr: "401"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				switch r.URL.Path {
				case tc.path:
					w.Header().Set("Content-Type", tc.ctype)
					w.WriteHeader(tc.status)
					fmt.Fprint(w, tc.body)
				case "/api/v1/query_range":
					api.Config.Handler.ServeHTTP(w, r)
				default:
					http.NotFound(w, r)
				}
			}))
			defer srv.Close()
			c, _ := New(srv.URL, srv.Client(), Options{})
			got, err := c.Probe(context.Background())
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil || got != tc.want {
				t.Fatalf("Probe = %q, %v; want %q", got, err, tc.want)
			}
		})
	}
}
