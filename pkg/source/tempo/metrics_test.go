package tempo

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/series"
)

func TestQueryRangeRecorded(t *testing.T) {
	start := time.Unix(1717000000, 0)
	tests := []struct {
		file        string
		step        time.Duration
		wantStep    string
		want        []series.Series
		partial     bool
		message     string
		wantMetrics SearchMetrics
	}{
		{
			file: "metrics_query_range.json", step: time.Minute, wantStep: "1m",
			want: []series.Series{
				// jsonpb leaves out a zero value: the first checkout sample is 0.
				{Labels: map[string]string{"resource.service.name": "checkout"}, Times: []int64{1717000000000, 1717000060000, 1717000120000}, Values: []float64{0, 0.016666666666666666, 0.1}},
				{Labels: map[string]string{"resource.service.name": "payments"}, Times: []int64{1717000000000, 1717000060000, 1717000120000}, Values: []float64{0.05, 1.7166666666666666, 2.2}},
			},
			wantMetrics: SearchMetrics{InspectedTraces: 1204, InspectedBytes: 5242880, InspectedSpans: 18060, TotalBlocks: 2, TotalBlockBytes: 419430400, CompletedJobs: 4, TotalJobs: 4},
		},
		{
			file: "metrics_query_range_quantile.json", step: 90 * time.Second, wantStep: "1m30s", partial: true, message: "the answer was cut at the series limit",
			want: []series.Series{
				{Labels: map[string]string{"p": "0.99", "resource.service.name": "payments"}, Times: []int64{1717000000000, 1717000060000}, Values: []float64{0.268435456, 2.147483648}},
			},
			wantMetrics: SearchMetrics{InspectedTraces: 310, InspectedBytes: 1048576, CompletedJobs: 1, TotalJobs: 1},
		},
		{
			// Tempo 2.4/2.5 also sent "promLabels"; no step lets Tempo choose one.
			file: "metrics_query_range_promlabels.json",
			want: []series.Series{
				{Labels: map[string]string{"foo": "bar"}, Times: []int64{1100000, 1200000}, Values: []float64{4, 8}},
			},
			wantMetrics: SearchMetrics{InspectedTraces: 4, InspectedBytes: 4, TotalBlocks: 2, TotalBlockBytes: 419430400, CompletedJobs: 4, TotalJobs: 4},
		},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			f, c := newFakeTempo(t, map[string]string{"/api/metrics/query_range": tc.file})
			q := `{ status = error } | rate() by (resource.service.name)`
			res, err := c.QueryRange(context.Background(), MetricsRequest{Query: q, Start: start, End: start.Add(2 * time.Minute), Step: tc.step})
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]string{"q": q, "query": q, "start": "1717000000", "end": "1717000120"}
			if tc.wantStep != "" {
				want["step"] = tc.wantStep
			}
			checkParams(t, f.last(), want)
			if !reflect.DeepEqual(res.Series, tc.want) {
				t.Errorf("series\n%v\nwant\n%v", res.Series, tc.want)
			}
			if res.Partial != tc.partial || res.Message != tc.message || res.Metrics != tc.wantMetrics {
				t.Errorf("partial %v message %q metrics %+v", res.Partial, res.Message, res.Metrics)
			}
		})
	}
}

func TestQueryRangeErrors(t *testing.T) {
	tests := []struct {
		name, ctype, body string
		status            int
		want              string
		unsupported       bool
		notTempo          bool
		apiStatus         int
	}{
		{name: "before Tempo 2.4", status: 404, ctype: "text/plain; charset=utf-8", body: "404 page not found\n",
			want: "predates TraceQL metrics", unsupported: true, apiStatus: 404},
		{name: "no metrics-generator", status: 500, ctype: "text/plain; charset=utf-8", body: "error finding generators in Querier.queryRangeRecent: empty ring\n",
			want: "local-blocks processor", unsupported: true, apiStatus: 500},
		{name: "no local-blocks processor", status: 500, ctype: "text/plain; charset=utf-8",
			body: "error querying generators in Querier.queryRangeRecent: failed to get response from generators: rpc error: code = Unknown desc = localblocks processor not found",
			want: "localblocks processor not found", unsupported: true, apiStatus: 500},
		{name: "not a metrics query", status: 400, ctype: "text/plain; charset=utf-8", body: "invalid TraceQL query: parse error at line 1, col 19: syntax error: unexpected $end",
			want: "Tempo answered HTTP 400: invalid TraceQL query: parse error at line 1, col 19", apiStatus: 400},
		{name: "other server error", status: 500, ctype: "text/plain", body: "internal error", want: "HTTP 500: internal error", apiStatus: 500},
		{name: "duplicate samples", status: 200, ctype: "application/json",
			body: `{"series":[{"labels":[],"samples":[{"timestampMs":"1000","value":1},{"timestampMs":"1000","value":2}]}]}`,
			want: "not strictly increasing", notTempo: true},
		{name: "duplicate series", status: 200, ctype: "application/json",
			body: `{"series":[{"labels":[{"key":"a","value":{"stringValue":"x"}}]},{"labels":[{"key":"a","value":{"stringValue":"x"}}]}]}`,
			want: `two series with the labels {a="x"}`, notTempo: true},
		{name: "bad sample value", status: 200, ctype: "application/json",
			body: `{"series":[{"samples":[{"timestampMs":"1000","value":"high"}]}]}`,
			want: `at series.samples.value: got "high" (not a number), want float64`, notTempo: true},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			c := answer(t, tc.status, tc.ctype, tc.body)
			_, err := c.QueryRange(context.Background(), MetricsRequest{Query: "{} | rate()", Start: time.Unix(1000, 0), End: time.Unix(2000, 0)})
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
			var ae *APIError
			if errors.Is(err, ErrMetricsUnsupported) != tc.unsupported || errors.Is(err, ErrNotTempo) != tc.notTempo ||
				(errors.As(err, &ae) && ae.Status != tc.apiStatus) || (tc.apiStatus != 0) != (ae != nil) {
				t.Errorf("error %v: unsupported %v, not Tempo %v, API error %+v", err, errors.Is(err, ErrMetricsUnsupported), errors.Is(err, ErrNotTempo), ae)
			}
		})
	}
}

func TestQueryRangeRejectsBadRequests(t *testing.T) {
	start := time.Unix(1_700_000_000, 0)
	tests := []struct {
		name string
		req  MetricsRequest
		want string
	}{
		{"empty query", MetricsRequest{Start: start, End: start.Add(time.Hour)}, "query is empty"},
		{"no window", MetricsRequest{Query: "{} | rate()"}, "start and end are required"},
		{"end before start", MetricsRequest{Query: "{} | rate()", Start: start, End: start}, "must be after start"},
		{"sub-millisecond step", MetricsRequest{Query: "{} | rate()", Start: start, End: start.Add(time.Hour), Step: 1500 * time.Microsecond}, "whole number of milliseconds"},
		{"negative step", MetricsRequest{Query: "{} | rate()", Start: start, End: start.Add(time.Hour), Step: -time.Second}, "step -1s"},
	}
	c := answer(t, http.StatusTeapot, "text/plain", "no request should arrive")
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			_, err := c.QueryRange(context.Background(), tc.req)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("error %v, want it to contain %q", err, tc.want)
			}
		})
	}
}

func TestFlexFloat(t *testing.T) {
	tests := []struct {
		in      string
		want    float64
		wantErr bool
	}{
		{in: `0.25`, want: 0.25},
		{in: `"0.25"`, want: 0.25},
		{in: `12`, want: 12},
		{in: `"NaN"`, want: math.NaN()},
		{in: `"Infinity"`, want: math.Inf(1)},
		{in: `"-Infinity"`, want: math.Inf(-1)},
		{in: `null`, want: 0},
		{in: `"high"`, wantErr: true},
		{in: `true`, wantErr: true},
	}
	for _, tc := range tests {
		var f flexFloat
		err := json.Unmarshal([]byte(tc.in), &f)
		if (err != nil) != tc.wantErr {
			t.Errorf("%s: error %v", tc.in, err)
			continue
		}
		if got := float64(f); !tc.wantErr && got != tc.want && !(math.IsNaN(got) && math.IsNaN(tc.want)) {
			t.Errorf("%s = %v, want %v", tc.in, got, tc.want)
		}
	}
}

func TestFlexInt(t *testing.T) {
	tests := []struct {
		in      string
		want    int64
		wantErr bool
	}{
		{in: `"1684778327699392724"`, want: 1684778327699392724},
		{in: `557`, want: 557},
		{in: `null`, want: 0},
		{in: `"-3"`, want: -3},
		{in: `1.5`, wantErr: true},
		{in: `"12x"`, wantErr: true},
		{in: `"99999999999999999999"`, wantErr: true},
	}
	for _, tc := range tests {
		var n flexInt
		err := json.Unmarshal([]byte(tc.in), &n)
		if (err != nil) != tc.wantErr || (!tc.wantErr && int64(n) != tc.want) {
			t.Errorf("%s = %d, %v; want %d (error %v)", tc.in, n, err, tc.want, tc.wantErr)
		}
	}
}

func TestAnyValueString(t *testing.T) {
	tests := []struct{ in, want string }{
		{`{"stringValue":"payments"}`, "payments"},
		{`{"stringValue":""}`, ""},
		{`{"intValue":"503"}`, "503"},
		{`{"intValue":503}`, "503"},
		{`{"boolValue":false}`, "false"},
		{`{"doubleValue":0.99}`, "0.99"},
		{`{"doubleValue":"NaN"}`, "NaN"},
		{`{"arrayValue":{"values":[{"stringValue":"a"},{"intValue":"2"}]}}`, "[a, 2]"},
		{`{"kvlistValue":{"values":[{"key":"k","value":{"boolValue":true}}]}}`, "{k=true}"},
		{`{"bytesValue":"AQI="}`, "AQI="},
		{`{}`, ""},
	}
	for _, tc := range tests {
		var v wireAnyValue
		if err := json.Unmarshal([]byte(tc.in), &v); err != nil {
			t.Fatalf("%s: %v", tc.in, err)
		}
		if got := v.String(); got != tc.want {
			t.Errorf("%s renders %q, want %q", tc.in, got, tc.want)
		}
	}
}
