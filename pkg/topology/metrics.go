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

// virtualNode is the connection_type Tempo (and the servicegraph connector) give an edge
// one end of which has no span of its own: an uninstrumented caller ("user") or a peer
// named from the client's attributes (peer.service, server.address).
const virtualNode = "virtual_node"

// ServiceGraphQuery is the PromQL FromServiceGraphMetrics evaluates: requests per pair and
// connection type over the window.
func ServiceGraphQuery(window time.Duration) string {
	return fmt.Sprintf("sum by (client, server, connection_type) (increase(%s[%s]))", RequestsMetric, model.Duration(window))
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
	var edges, virtual []Edge
	for _, s := range res.Series {
		client, server := s.Labels["client"], s.Labels["server"]
		if client == "" || server == "" || !anyPositive(s.Values) {
			continue
		}
		e := Edge{Client: client, Server: server}
		edges = append(edges, e)
		if s.Labels["connection_type"] == virtualNode {
			virtual = append(virtual, e)
		}
	}
	if len(edges) == 0 {
		return nil, fmt.Errorf("%w in the %s before %s (%s): is the service-graphs processor enabled and writing to this server?",
			ErrNoEdges, window, now.UTC().Format(time.RFC3339), expr)
	}
	return New(edges, ResolveVirtual(edges, virtualPeers(edges, virtual)))
}

// virtualPeers says which nodes are peers seen only from their callers. Of a virtual_node
// edge the missing side is the client when that client is never called itself (Tempo's
// "user"), else the server: the peer the client named.
func virtualPeers(edges, virtual []Edge) func(string) bool {
	called := map[string]bool{}
	for _, e := range edges {
		called[e.Server] = true
	}
	peers := map[string]bool{}
	for _, e := range virtual {
		if called[e.Client] {
			peers[e.Server] = true
		}
	}
	return func(name string) bool { return peers[name] }
}

func anyPositive(v []float64) bool {
	for _, x := range v {
		if x > 0 && !math.IsInf(x, 0) {
			return true
		}
	}
	return false
}
