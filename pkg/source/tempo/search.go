package tempo

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"
)

const pathSearch = "/api/search"

// SearchRequest asks for the traces whose spans match a TraceQL query in [Start, End].
type SearchRequest struct {
	// Query is a TraceQL query, such as { status = error } or { duration > 2s }. Tempo
	// checks it; CheckQuery catches the common mistakes early.
	Query string
	// Start and End bound the search (required). Tempo takes whole Unix seconds: Start is
	// rounded down and End up, so the window sent covers the one asked for.
	Start, End time.Time
	// Limit is the most traces wanted (0: Options.SearchLimit). Tempo searches in parallel
	// and keeps the first traces found, not the worst ones.
	Limit int
	// SpansPerSpanSet is the most spans returned per span set (0:
	// Options.SpansPerSpanSet); Matched on each span set still counts them all.
	SpansPerSpanSet int
}

// SearchResult is the answer to a SearchRequest.
type SearchResult struct {
	// Traces are newest first (by start time, then trace ID), whatever the order Tempo
	// found them in.
	Traces []Trace
	// LimitReached means Limit traces came back: more traces may match.
	LimitReached bool
	Metrics      SearchMetrics
}

// Trace is one trace that matched, with the spans that made it match.
type Trace struct {
	// TraceID is lowercase hex, 32 digits. Tempo writes trace IDs without their leading
	// zeros (pkg/util, TraceIDToHexString); they are put back here so the ID matches the
	// 32-digit W3C form that logs carry.
	TraceID string
	// RootServiceName and RootTraceName are the root span's service and name; Tempo sends
	// a placeholder such as "<root span not yet received>" while the root is missing.
	RootServiceName string
	RootTraceName   string
	Start           time.Time     // UTC
	Duration        time.Duration // whole milliseconds: Tempo sends durationMs
	// SpanSets are the sets of matching spans: one per trace for a plain filter, one per
	// group for a query with by().
	SpanSets []SpanSet
}

// SpanSet is a set of spans selected by the query in one trace.
type SpanSet struct {
	Spans []Span
	// Matched is how many spans matched; Spans holds at most SpansPerSpanSet of them.
	Matched int
	// Attributes are the span set's own values, such as by() keys and count() results;
	// nil when there are none.
	Attributes map[string]string
}

// Span is one matching span.
type Span struct {
	SpanID   string // hex, as Tempo sends it
	Name     string // empty unless the query selects it or Tempo includes it
	Start    time.Time
	Duration time.Duration
	// Attributes are the span's matched and select()ed attributes, each rendered as text
	// (integers in decimal, doubles in the shortest form, booleans as true or false);
	// nil when there are none.
	Attributes map[string]string
}

// SearchMetrics is what Tempo reports about the work a query took.
type SearchMetrics struct {
	InspectedTraces int64
	InspectedBytes  int64
	InspectedSpans  int64
	TotalBlocks     int64
	TotalBlockBytes int64
	CompletedJobs   int64
	TotalJobs       int64
}

// Search runs a TraceQL search (GET /api/search with q, start, end, limit and spss, as
// documented in docs/sources/tempo/api_docs/_index.md, "Search"). The query is Tempo's to
// check: an invalid one comes back as an *APIError with Tempo's message.
func (c *Client) Search(ctx context.Context, req SearchRequest) (*SearchResult, error) {
	if req.Limit == 0 {
		req.Limit = c.opts.SearchLimit
	}
	if req.SpansPerSpanSet == 0 {
		req.SpansPerSpanSet = c.opts.SpansPerSpanSet
	}
	if err := c.validateSearch(req); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	start, end := secondsWindow(req.Start, req.End)
	params := url.Values{
		"q":     {req.Query},
		"start": {strconv.FormatInt(start, 10)},
		"end":   {strconv.FormatInt(end, 10)},
		"limit": {strconv.Itoa(req.Limit)},
		"spss":  {strconv.Itoa(req.SpansPerSpanSet)},
	}
	body, err := c.getJSON(ctx, pathSearch, params)
	if err != nil {
		return nil, fmt.Errorf("search: %w", c.notTempo(pathSearch, err))
	}
	var wire wireSearch
	if err := decodeJSON(pathSearch, body, &wire); err != nil {
		return nil, fmt.Errorf("search: %w", err)
	}
	res := wire.result()
	res.LimitReached = len(res.Traces) >= req.Limit
	return res, nil
}

func (c *Client) validateSearch(req SearchRequest) error {
	switch {
	case strings.TrimSpace(req.Query) == "":
		return errors.New("the TraceQL query is empty; search for spans such as { status = error }")
	case req.Start.IsZero() || req.End.IsZero():
		return errors.New("start and end are required: Tempo searches only recent data without them")
	case !req.End.After(req.Start):
		return fmt.Errorf("end %s must be after start %s", req.End.Format(time.RFC3339), req.Start.Format(time.RFC3339))
	case req.Start.Unix() <= 0:
		return fmt.Errorf("start %s is before 1970: Tempo takes Unix seconds", req.Start.Format(time.RFC3339))
	case req.Limit < 0:
		return fmt.Errorf("limit %d must be positive", req.Limit)
	case req.SpansPerSpanSet < 0:
		return fmt.Errorf("spans per span set %d must be positive", req.SpansPerSpanSet)
	case req.SpansPerSpanSet > c.opts.MaxSpansPerSpanSet:
		return fmt.Errorf("spans per span set %d is above the limit of %d (Tempo's max_spans_per_span_set, 100 by default)", req.SpansPerSpanSet, c.opts.MaxSpansPerSpanSet)
	}
	return nil
}

// secondsWindow is [start, end] in whole Unix seconds, widened to cover the request.
func secondsWindow(start, end time.Time) (int64, int64) {
	s, e := start.Unix(), end.Unix()
	if end.After(time.Unix(e, 0)) {
		e++
	}
	return s, e
}

// wireSearch is tempopb.SearchResponse as JSON:
//
//	{"traces":[{"traceID":"..","rootServiceName":"..","rootTraceName":"..",
//	  "startTimeUnixNano":"..","durationMs":557,
//	  "spanSets":[{"spans":[{"spanID":"..","name":"..","startTimeUnixNano":"..",
//	    "durationNanos":"..","attributes":[{"key":"..","value":{"stringValue":".."}}]}],
//	    "matched":1,"attributes":[..]}],
//	  "spanSet":{..}}],
//	 "metrics":{"inspectedTraces":..,"inspectedBytes":"..",..}}
//
// Tempo 2.0 and 2.1 sent one "spanSet" per trace; later versions send "spanSets" and, for
// older clients, repeat the first of them as "spanSet" (tempo.proto: "deprecated. use
// SpanSets field below").
type wireSearch struct {
	Traces  []wireTrace `json:"traces"`
	Metrics wireMetrics `json:"metrics"`
}

// wireMetrics is tempopb.SearchMetrics, which both endpoints send.
type wireMetrics struct {
	InspectedTraces flexInt `json:"inspectedTraces"`
	InspectedBytes  flexInt `json:"inspectedBytes"`
	InspectedSpans  flexInt `json:"inspectedSpans"`
	TotalBlocks     flexInt `json:"totalBlocks"`
	TotalBlockBytes flexInt `json:"totalBlockBytes"`
	CompletedJobs   flexInt `json:"completedJobs"`
	TotalJobs       flexInt `json:"totalJobs"`
}

func (m wireMetrics) searchMetrics() SearchMetrics {
	return SearchMetrics{
		InspectedTraces: int64(m.InspectedTraces), InspectedBytes: int64(m.InspectedBytes),
		InspectedSpans: int64(m.InspectedSpans), TotalBlocks: int64(m.TotalBlocks),
		TotalBlockBytes: int64(m.TotalBlockBytes), CompletedJobs: int64(m.CompletedJobs),
		TotalJobs: int64(m.TotalJobs),
	}
}

type wireTrace struct {
	TraceID           string        `json:"traceID"`
	RootServiceName   string        `json:"rootServiceName"`
	RootTraceName     string        `json:"rootTraceName"`
	StartTimeUnixNano flexInt       `json:"startTimeUnixNano"`
	DurationMs        flexInt       `json:"durationMs"`
	SpanSet           *wireSpanSet  `json:"spanSet"`
	SpanSets          []wireSpanSet `json:"spanSets"`
}

type wireSpanSet struct {
	Spans      []wireSpan     `json:"spans"`
	Matched    flexInt        `json:"matched"`
	Attributes []wireKeyValue `json:"attributes"`
}

type wireSpan struct {
	SpanID            string         `json:"spanID"`
	Name              string         `json:"name"`
	StartTimeUnixNano flexInt        `json:"startTimeUnixNano"`
	DurationNanos     flexInt        `json:"durationNanos"`
	Attributes        []wireKeyValue `json:"attributes"`
}

func (w *wireSearch) result() *SearchResult {
	res := &SearchResult{Traces: make([]Trace, 0, len(w.Traces)), Metrics: w.Metrics.searchMetrics()}
	for _, t := range w.Traces {
		sets := t.SpanSets
		if len(sets) == 0 && t.SpanSet != nil { // the older single form only
			sets = []wireSpanSet{*t.SpanSet}
		}
		tr := Trace{
			TraceID:         padTraceID(t.TraceID),
			RootServiceName: t.RootServiceName,
			RootTraceName:   t.RootTraceName,
			Start:           unixNano(t.StartTimeUnixNano),
			Duration:        time.Duration(t.DurationMs) * time.Millisecond,
			SpanSets:        make([]SpanSet, 0, len(sets)),
		}
		for _, s := range sets {
			set := SpanSet{Matched: int(s.Matched), Attributes: attributeMap(s.Attributes), Spans: make([]Span, 0, len(s.Spans))}
			for _, sp := range s.Spans {
				set.Spans = append(set.Spans, Span{
					SpanID:     sp.SpanID,
					Name:       sp.Name,
					Start:      unixNano(sp.StartTimeUnixNano),
					Duration:   time.Duration(sp.DurationNanos),
					Attributes: attributeMap(sp.Attributes),
				})
			}
			tr.SpanSets = append(tr.SpanSets, set)
		}
		res.Traces = append(res.Traces, tr)
	}
	slices.SortStableFunc(res.Traces, func(a, b Trace) int {
		if c := b.Start.Compare(a.Start); c != 0 {
			return c
		}
		return cmp.Compare(a.TraceID, b.TraceID)
	})
	return res
}

// padTraceID restores the leading zeros Tempo trims from 128-bit trace IDs.
func padTraceID(id string) string {
	id = strings.ToLower(id)
	if len(id) < 32 {
		id = strings.Repeat("0", 32-len(id)) + id
	}
	return id
}

func unixNano(ns flexInt) time.Time { return time.Unix(0, int64(ns)).UTC() }
