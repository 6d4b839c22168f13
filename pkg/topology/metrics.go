package topology

import (
	"context"
	"errors"
	"fmt"
	"math"
	"time"

	"github.com/prometheus/common/model"

	"github.com/foresight-aiops/foresight/pkg/source/prometheus"
)

// RequestsMetric is the counter of requests per client/server pair that Tempo's
// metrics-generator (service-graphs processor) and the OpenTelemetry Collector's
// servicegraph connector both write, labelled client and server.
const RequestsMetric = "traces_service_graph_request_total"

// ErrNoEdges is returned when the service-graph metrics hold no requests in the window,
// which almost always means the service-graphs processor is off or writes elsewhere.
var ErrNoEdges = errors.New("no service-graph requests found")

// ServiceGraphQuery is the PromQL FromServiceGraphMetrics evaluates: requests per pair over
// the window.
func ServiceGraphQuery(window time.Duration) string {
	return fmt.Sprintf("sum by (client, server) (increase(%s[%s]))", RequestsMetric, model.Duration(window))
}

// FromServiceGraphMetrics builds the graph from the requests each client/server pair made in
// the window ending at now: an edge for every pair with a positive count. A pair that has
// not called in the window is gone, so the window should cover the slowest regular traffic
// (a day suits nightly jobs).
func FromServiceGraphMetrics(ctx context.Context, q prometheus.RangeQuerier, window time.Duration, now time.Time) (*Graph, error) {
	if window <= 0 {
		return nil, fmt.Errorf("service-graph window must be positive, got %s", window)
	}
	expr := ServiceGraphQuery(window)
	// One grid point at now: the range API is what RangeQuerier offers, and a single point
	// of increase(...[window]) is the instant answer.
	at := now.UnixMilli()
	res, err := q.QueryRange(ctx, expr, prometheus.Range{Start: at, End: at, Step: window.Milliseconds()})
	if err != nil {
		return nil, fmt.Errorf("query service graph (%s): %w", expr, err)
	}
	var edges []Edge
	for _, s := range res.Series {
		client, server := s.Labels["client"], s.Labels["server"]
		if client == "" || server == "" || !anyPositive(s.Values) {
			continue
		}
		edges = append(edges, Edge{Client: client, Server: server})
	}
	if len(edges) == 0 {
		return nil, fmt.Errorf("%w in the %s before %s (%s): is the service-graphs processor enabled and writing to this server?",
			ErrNoEdges, window, now.UTC().Format(time.RFC3339), expr)
	}
	return New(edges, nil)
}

func anyPositive(v []float64) bool {
	for _, x := range v {
		if x > 0 && !math.IsInf(x, 0) {
			return true
		}
	}
	return false
}
