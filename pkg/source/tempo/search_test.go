package tempo

import (
	"context"
	"reflect"
	"strings"
	"testing"
	"time"
)

func TestSearchRecorded(t *testing.T) {
	start := time.Unix(1684778300, 500_000_000) // half seconds: start rounds down, end up
	tests := []struct {
		file         string
		limit, spss  int
		wantLimit    string
		wantSpss     string
		want         []Trace
		wantMetrics  SearchMetrics
		limitReached bool
	}{
		{
			file: "search_spansets.json", limit: 2, spss: 5, wantLimit: "2", wantSpss: "5", limitReached: true,
			want: []Trace{
				{
					TraceID: "000000000000000000a3c7e2f0b1d94e", RootServiceName: "checkout", RootTraceName: "POST /cart/checkout",
					Start: time.Unix(0, 1684778331012000000).UTC(), Duration: 2314 * time.Millisecond,
					SpanSets: []SpanSet{{
						Matched:    5,
						Attributes: map[string]string{"by(resource.service.name)": "payments"},
						Spans: []Span{
							{SpanID: "0c1f9e3a77d2b401", Name: "charge card", Start: time.Unix(0, 1684778331020000000).UTC(), Duration: 2101 * time.Millisecond,
								Attributes: map[string]string{"status": "error", "span.http.status_code": "503", "span.retry": "true", "span.sample_ratio": "0.25"}},
							{SpanID: "0c1f9e3a77d2b402", Name: "charge card", Start: time.Unix(0, 1684778333200000000).UTC(), Duration: 98 * time.Millisecond,
								Attributes: map[string]string{"status": "error", "span.http.status_code": "500", "span.retry": "false"}},
						},
					}},
				},
				{
					TraceID: "2f3e0cee77ae5dc9c17ade3689eb2e54", RootServiceName: "shop-backend", RootTraceName: "update-billing",
					Start: time.Unix(0, 1684778327699392724).UTC(), Duration: 557 * time.Millisecond,
					SpanSets: []SpanSet{{Matched: 1, Spans: []Span{
						{SpanID: "563d623c76514f8e", Start: time.Unix(0, 1684778327735077898).UTC(), Duration: 446979497, Attributes: map[string]string{"status": "error"}},
					}}},
				},
			},
			wantMetrics: SearchMetrics{InspectedTraces: 3100, InspectedBytes: 3811736, InspectedSpans: 41230, TotalBlocks: 13, TotalBlockBytes: 104857600, CompletedJobs: 2, TotalJobs: 2},
		},
		{
			file: "search_spanset_legacy.json", wantLimit: "20", wantSpss: "3",
			want: []Trace{{
				TraceID: "000000000000000000169bdefcae1f19", RootServiceName: "gme-ruler", RootTraceName: "rule",
				Start: time.Unix(0, 1675090379953800000).UTC(), Duration: 3 * time.Millisecond,
				SpanSets: []SpanSet{{Matched: 1, Spans: []Span{
					{SpanID: "45b795d0c4f9f6ae", Start: time.Unix(0, 1675090379955688000).UTC(), Duration: 525 * time.Microsecond, Attributes: map[string]string{"status": "error"}},
				}}},
			}},
		},
		{
			// Tempo 2.2 and later repeat the first span set as "spanSet": it must count once.
			file: "search_both_forms.json", limit: 1, wantLimit: "1", wantSpss: "3", limitReached: true,
			want: []Trace{{
				TraceID: "45469d52226f30d7076570593c1ed6eb", RootServiceName: "kgateway-ai-extension", RootTraceName: "handle_request_body",
				Start: time.Unix(0, 1750183404673185818).UTC(), Duration: 67 * time.Millisecond,
				SpanSets: []SpanSet{{Matched: 1, Spans: []Span{
					{SpanID: "3fcf91d4fe019790", Name: "openai", Start: time.Unix(0, 1750183404673299778).UTC(), Duration: 67613092},
				}}},
			}},
			wantMetrics: SearchMetrics{InspectedTraces: 1, InspectedBytes: 19466, CompletedJobs: 1, TotalJobs: 1},
		},
		{
			// No match: jsonpb leaves the empty "traces" out.
			file: "search_empty.json", wantLimit: "20", wantSpss: "3", want: []Trace{},
			wantMetrics: SearchMetrics{InspectedBytes: 630188, CompletedJobs: 1, TotalJobs: 1},
		},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			f, c := newFakeTempo(t, map[string]string{"/api/search": tc.file})
			q := `{ status = error } | select(span.http.status_code)`
			res, err := c.Search(context.Background(), SearchRequest{Query: q, Start: start, End: start.Add(time.Hour), Limit: tc.limit, SpansPerSpanSet: tc.spss})
			if err != nil {
				t.Fatal(err)
			}
			checkParams(t, f.last(), map[string]string{
				"q": q, "start": "1684778300", "end": "1684781901", "limit": tc.wantLimit, "spss": tc.wantSpss,
			})
			if !reflect.DeepEqual(res.Traces, tc.want) {
				t.Errorf("traces\n%+v\nwant\n%+v", res.Traces, tc.want)
			}
			if res.Metrics != tc.wantMetrics { // the legacy file's inspectedBlocks is no longer sent
				t.Errorf("metrics %+v, want %+v", res.Metrics, tc.wantMetrics)
			}
			if res.LimitReached != tc.limitReached {
				t.Errorf("LimitReached = %v", res.LimitReached)
			}
		})
	}
}

func TestSearchRejectsBadRequests(t *testing.T) {
	start := time.Unix(1_700_000_000, 0)
	end := start.Add(time.Hour)
	tests := []struct {
		name string
		req  SearchRequest
		want string
	}{
		{"empty query", SearchRequest{Query: "  ", Start: start, End: end}, "query is empty"},
		{"no window", SearchRequest{Query: "{}"}, "start and end are required"},
		{"no end", SearchRequest{Query: "{}", Start: start}, "start and end are required"},
		{"end before start", SearchRequest{Query: "{}", Start: end, End: start}, "must be after start"},
		{"before 1970", SearchRequest{Query: "{}", Start: time.Unix(-10, 0), End: end}, "before 1970"},
		{"negative limit", SearchRequest{Query: "{}", Start: start, End: end, Limit: -1}, "limit -1"},
		{"negative spss", SearchRequest{Query: "{}", Start: start, End: end, SpansPerSpanSet: -2}, "spans per span set -2"},
		{"spss above Tempo's max", SearchRequest{Query: "{}", Start: start, End: end, SpansPerSpanSet: 101}, "above the limit of 100"},
	}
	f, c := newFakeTempo(t, map[string]string{"/api/search": "search_empty.json"})
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.Search(context.Background(), tc.req)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
	if n := f.count(); n != 0 {
		t.Errorf("%d requests sent for invalid searches", n)
	}
}

func TestSecondsWindow(t *testing.T) {
	tests := []struct {
		start, end time.Time
		s, e       int64
	}{
		{time.Unix(100, 0), time.Unix(200, 0), 100, 200},
		{time.Unix(100, 999), time.Unix(200, 1), 100, 201},
		{time.Unix(100, 0), time.Unix(100, 1), 100, 101},
	}
	for _, tc := range tests {
		if s, e := secondsWindow(tc.start, tc.end); s != tc.s || e != tc.e {
			t.Errorf("secondsWindow(%v, %v) = %d, %d; want %d, %d", tc.start, tc.end, s, e, tc.s, tc.e)
		}
	}
}

func TestPadTraceID(t *testing.T) {
	tests := map[string]string{
		"169bdefcae1f19":                   "000000000000000000169bdefcae1f19",
		"2F3E0CEE77AE5DC9C17ADE3689EB2E54": "2f3e0cee77ae5dc9c17ade3689eb2e54",
		"":                                 "00000000000000000000000000000000",
	}
	for in, want := range tests {
		if got := padTraceID(in); got != want {
			t.Errorf("padTraceID(%q) = %q, want %q", in, got, want)
		}
	}
}
