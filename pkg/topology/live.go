package topology

import (
	"context"
	"fmt"
	"sync/atomic"
	"time"

	"github.com/foresight-aiops/foresight/pkg/source/prometheus"
)

// Loader builds a fresh graph, for example from service-graph metrics.
type Loader func(ctx context.Context) (*Graph, error)

// Live is the graph the receiver's engines share: reads are lock-free through an atomic
// pointer while Refresh swaps in a new graph. It implements incident.Topology.
type Live struct {
	load  Loader
	graph atomic.Pointer[Graph]
}

// NewLive returns a Live that starts with initial (nil: no graph until the first successful
// Refresh, every Distance is -1) and refreshes with load.
func NewLive(initial *Graph, load Loader) *Live {
	l := &Live{load: load}
	l.graph.Store(initial)
	return l
}

// MetricsLoader loads from the service-graph metrics in q over the window before the
// current time.
func MetricsLoader(q prometheus.RangeQuerier, window time.Duration) Loader {
	return func(ctx context.Context) (*Graph, error) {
		return FromServiceGraphMetrics(ctx, q, window, time.Now())
	}
}

// Refresh loads a new graph and swaps it in. On failure the last good graph stays in use,
// since a stale topology groups better than none, and the error is returned for logging.
func (l *Live) Refresh(ctx context.Context) error {
	g, err := l.load(ctx)
	if err != nil {
		return fmt.Errorf("refresh topology: %w", err)
	}
	l.graph.Store(g)
	return nil
}

// Graph returns the graph in use (nil before any).
func (l *Live) Graph() *Graph { return l.graph.Load() }

// Distance is the current graph's Distance.
func (l *Live) Distance(a, b string) int { return l.graph.Load().Distance(a, b) }
