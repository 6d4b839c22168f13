package loki

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"strings"
	"testing"
	"time"
)

func TestPatterns(t *testing.T) {
	start := time.Unix(1711839200, 0)
	tests := []struct {
		file     string
		step     time.Duration
		wantStep string
		want     []Pattern
	}{
		{file: "patterns.json", step: 10 * time.Second, wantStep: "10", want: []Pattern{
			{Pattern: `<_> caller=grpc_logging.go:66 <_> level=error method=/cortex.Ingester/Push <_> msg=gRPC err="connection refused to object store"`,
				Samples: []Sample{{time.Unix(1711839260, 0), 1}, {time.Unix(1711839270, 0), 2}, {time.Unix(1711839280, 0), 1}}},
			{Pattern: `<_> caller=grpc_logging.go:66 <_> level=info method=/cortex.Ingester/Push <_> msg=gRPC`,
				Samples: []Sample{{time.Unix(1711839260, 0), 105}, {time.Unix(1711839270, 0), 222}, {time.Unix(1711839280, 0), 196}}},
		}},
		{file: "patterns_level.json", step: 1500 * time.Millisecond, wantStep: "1.5", want: []Pattern{
			{Pattern: "foo <*> bar", Level: "info", Samples: []Sample{{time.Unix(1, 0), 1}, {time.Unix(2, 0), 2}}},
			{Pattern: "foo <*> buzz", Level: "info", Samples: []Sample{{time.Unix(3, 0), 1}, {time.Unix(3, 0), 2}}},
		}},
		{file: "patterns_empty.json", want: []Pattern{}},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			var got http.Request
			srv := recorded(t, tc.file, &got)
			c, _ := New(srv.URL, srv.Client(), Options{})
			patterns, err := c.Patterns(context.Background(), `{app="loki"}`, start, start.Add(time.Hour), tc.step)
			if err != nil {
				t.Fatal(err)
			}
			q := got.URL.Query()
			if got.URL.Path != "/loki/api/v1/patterns" || q.Get("query") != `{app="loki"}` || q.Get("start") != "1711839200000000000" ||
				q.Get("end") != "1711842800000000000" || q.Get("step") != tc.wantStep || q.Has("step") != (tc.wantStep != "") {
				t.Errorf("request %s", got.URL)
			}
			if patterns == nil || fmt.Sprint(patterns) != fmt.Sprint(utc(tc.want)) {
				t.Errorf("patterns\n%v\nwant\n%v", patterns, tc.want)
			}
		})
	}
}

func utc(ps []Pattern) []Pattern {
	for _, p := range ps {
		for i := range p.Samples {
			p.Samples[i].Time = p.Samples[i].Time.UTC()
		}
	}
	return ps
}

func TestPatternsErrors(t *testing.T) {
	tests := []struct {
		name, ctype, body string
		status            int
		want              string
		unsupported       bool
		notLoki           bool
	}{
		{name: "pattern ingester disabled", status: 404, ctype: "text/plain; charset=utf-8", body: "", want: "enable the pattern ingester", unsupported: true},
		{name: "before Loki 3", status: 404, ctype: "text/plain; charset=utf-8", body: "404 page not found\n", want: "answered 404", unsupported: true},
		{name: "filters refused", status: 400, ctype: "text/plain; charset=utf-8",
			body: "only label matcher, byte_over_time, and count_over_time queries without filters are supported", want: "HTTP 400: only label matcher"},
		{name: "html", status: 200, ctype: "text/html", body: "<html></html>", want: "not JSON", notLoki: true},
		{name: "bad sample", status: 200, ctype: "application/json", body: `{"status":"success","data":[{"pattern":"x","samples":[[1]]}]}`, want: "not [unix seconds, count]", notLoki: true},
		{name: "data not an array", status: 200, ctype: "application/json", body: `{"status":"success","data":{"resultType":"streams"}}`, want: "malformed answer", notLoki: true},
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
			_, err := c.Patterns(context.Background(), `{app="x"}`, time.Unix(0, 0), time.Unix(3600, 0), 0)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
			if errors.Is(err, ErrPatternsUnsupported) != tc.unsupported || errors.Is(err, ErrNotLoki) != tc.notLoki {
				t.Errorf("error %v: unsupported %v notLoki %v", err, errors.Is(err, ErrPatternsUnsupported), errors.Is(err, ErrNotLoki))
			}
		})
	}
}

func TestPatternsRecordedFileIsValidJSON(t *testing.T) {
	// The recordings double as documentation: keep them parseable by anything, not only us.
	for _, f := range []string{"patterns.json", "patterns_level.json", "patterns_empty.json"} {
		b, err := os.ReadFile("testdata/" + f)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := decodePatterns(strings.NewReader(string(b))); err != nil {
			t.Errorf("%s: %v", f, err)
		}
	}
}
