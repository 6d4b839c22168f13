package tempo

import (
	"cmp"
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/common/model"

	"github.com/foresight-aiops/foresight/pkg/series"
)

const pathQueryRange = "/api/metrics/query_range"

// MetricsRequest asks for a TraceQL metrics query evaluated over [Start, End].
type MetricsRequest struct {
	// Query is a TraceQL metrics query: a span set selector piped into a metrics function,
	// such as { status = error } | rate() by (resource.service.name).
	Query string
	// Start and End bound the range (required); sent as whole Unix seconds, Start rounded
	// down and End up.
	Start, End time.Time
	// Step is the spacing of the points, a whole number of milliseconds (0: Tempo chooses
	// one from the range).
	Step time.Duration
}

// MetricsResult is the answer to a MetricsRequest.
type MetricsResult struct {
	// Series are sorted by their labels. Labels hold the by() attributes, named as in the
	// query (resource.service.name), and the function's own labels, such as p for
	// quantile_over_time; values are rendered as text. A NaN value is a gap.
	Series []series.Series
	// Partial means Tempo returned only part of the answer, and Message says why (for
	// example a series limit); both come from the answer's status and message.
	Partial bool
	Message string
	Metrics SearchMetrics
}

// QueryRange evaluates a TraceQL metrics query (GET /api/metrics/query_range, documented
// in docs/sources/tempo/api_docs/_index.md, "TraceQL Metrics").
//
// The query goes out as q, the documented name, and again as query, the name Tempo 2.4
// and 2.5 read (Grafana of that time sent query=, as grafana/tempo#3886 shows). Both carry
// the same text, so whichever a version reads, it reads the query.
func (c *Client) QueryRange(ctx context.Context, req MetricsRequest) (*MetricsResult, error) {
	if err := validateMetrics(req); err != nil {
		return nil, fmt.Errorf("query_range: %w", err)
	}
	start, end := secondsWindow(req.Start, req.End)
	params := url.Values{
		"q":     {req.Query},
		"query": {req.Query},
		"start": {strconv.FormatInt(start, 10)},
		"end":   {strconv.FormatInt(end, 10)},
	}
	if req.Step > 0 {
		params.Set("step", model.Duration(req.Step).String()) // e.g. 30s, 1m, 1h30m
	}
	body, err := c.getJSON(ctx, pathQueryRange, params)
	if err != nil {
		return nil, fmt.Errorf("query_range: %w", c.metricsError(err))
	}
	var wire wireQueryRange
	if err := decodeJSON(pathQueryRange, body, &wire); err != nil {
		return nil, fmt.Errorf("query_range: %w", err)
	}
	res, err := wire.result()
	if err != nil {
		return nil, fmt.Errorf("query_range: %w", err)
	}
	return res, nil
}

func validateMetrics(req MetricsRequest) error {
	switch {
	case strings.TrimSpace(req.Query) == "":
		return errors.New("the TraceQL metrics query is empty; write one such as { status = error } | rate()")
	case req.Start.IsZero() || req.End.IsZero():
		return errors.New("start and end are required")
	case !req.End.After(req.Start):
		return fmt.Errorf("end %s must be after start %s", req.End.Format(time.RFC3339), req.Start.Format(time.RFC3339))
	case req.Start.Unix() <= 0:
		return fmt.Errorf("start %s is before 1970: Tempo takes Unix seconds", req.Start.Format(time.RFC3339))
	case req.Step < 0 || req.Step%time.Millisecond != 0:
		return fmt.Errorf("step %v must be a positive whole number of milliseconds", req.Step)
	}
	return nil
}

// metricsError recognises the answers of a Tempo that cannot run metrics queries.
func (c *Client) metricsError(err error) error {
	var ae *APIError
	if !errors.As(err, &ae) {
		return err
	}
	if ae.Status == http.StatusNotFound {
		return fmt.Errorf("%w: GET %s answered 404: this Tempo predates TraceQL metrics (Tempo 2.4), or %s is not Tempo's API root: %w", ErrMetricsUnsupported, pathQueryRange, c.base, err)
	}
	// Without metrics-generators the querier fails with "error finding generators in
	// Querier.queryRangeRecent: empty ring" (grafana/tempo#4139); without the local-blocks
	// processor, with "localblocks processor not found" (grafana/tempo#3064).
	msg := strings.ToLower(ae.Msg)
	if ae.Status/100 == 5 && (strings.Contains(msg, "empty ring") || strings.Contains(msg, "localblocks processor not found")) {
		return fmt.Errorf("%w: run the metrics-generator with the local-blocks processor: %w", ErrMetricsUnsupported, err)
	}
	return err
}

// wireQueryRange is tempopb.QueryRangeResponse as JSON:
//
//	{"series":[{"labels":[{"key":"resource.service.name","value":{"stringValue":"api"}}],
//	  "samples":[{"timestampMs":"1700000000000","value":0.5}],
//	  "exemplars":[..]}],
//	 "metrics":{..},"status":"PARTIAL","message":".."}
//
// (pkg/tempopb/tempo.proto: TimeSeries, Sample). Tempo 2.4 and 2.5 also sent each series'
// labels as a string, "promLabels"; exemplars are not used yet. Both are skipped.
type wireQueryRange struct {
	Series  []wireSeries `json:"series"`
	Metrics wireMetrics  `json:"metrics"`
	Status  string       `json:"status"`
	Message string       `json:"message"`
}

type wireSeries struct {
	Labels  []wireKeyValue `json:"labels"`
	Samples []wireSample   `json:"samples"`
}

type wireSample struct {
	TimestampMs flexInt   `json:"timestampMs"`
	Value       flexFloat `json:"value"` // absent when 0
}

func (w *wireQueryRange) result() (*MetricsResult, error) {
	res := &MetricsResult{
		Series:  make([]series.Series, 0, len(w.Series)),
		Partial: w.Status == "PARTIAL" || w.Status == "1", // the enum by name, or by number
		Message: w.Message,
		Metrics: w.Metrics.searchMetrics(),
	}
	seen := make(map[string]bool, len(w.Series))
	for _, ws := range w.Series {
		labels := attributeMap(ws.Labels)
		if labels == nil {
			labels = map[string]string{}
		}
		key := series.Key(labels)
		if seen[key] {
			return nil, fmt.Errorf("%w: two series with the labels %s", ErrNotTempo, key)
		}
		seen[key] = true
		// Tempo sends samples oldest first; sorting anyway costs little and spares the
		// analyses an answer that passed through other hands.
		slices.SortStableFunc(ws.Samples, func(a, b wireSample) int { return cmp.Compare(a.TimestampMs, b.TimestampMs) })
		s := series.Series{Labels: labels, Times: make([]int64, len(ws.Samples)), Values: make([]float64, len(ws.Samples))}
		for i, p := range ws.Samples {
			s.Times[i], s.Values[i] = int64(p.TimestampMs), float64(p.Value)
		}
		if err := s.Validate(); err != nil {
			return nil, fmt.Errorf("%w: series %s: %v", ErrNotTempo, key, err)
		}
		res.Series = append(res.Series, s)
	}
	slices.SortFunc(res.Series, func(a, b series.Series) int {
		return cmp.Compare(series.Key(a.Labels), series.Key(b.Labels))
	})
	return res, nil
}
