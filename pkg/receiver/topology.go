package receiver

import (
	"context"
	"errors"
	"flag"
	"net/http"
	"time"

	"github.com/go-kit/log"
	"github.com/go-kit/log/level"
	"github.com/grafana/dskit/services"

	"github.com/foresight-aiops/foresight/pkg/incident"
	"github.com/foresight-aiops/foresight/pkg/source/prometheus"
	"github.com/foresight-aiops/foresight/pkg/topology"
)

// TopologyConfig says where the service graph comes from: a file, or Tempo's
// service-graph metrics in a Prometheus, refreshed periodically. Neither: grouping works
// on services and labels alone.
type TopologyConfig struct {
	File          string        `yaml:"file"`
	PrometheusURL string        `yaml:"prometheus_url"`
	Window        time.Duration `yaml:"window"`
	Refresh       time.Duration `yaml:"refresh"`
}

// RegisterFlags registers the topology flags under prefix.
func (c *TopologyConfig) RegisterFlags(prefix string, f *flag.FlagSet) {
	f.StringVar(&c.File, prefix+"file", "", "Service graph file (YAML or JSON edges, see docs/RECEIVER.md).")
	f.StringVar(&c.PrometheusURL, prefix+"prometheus-url", "", "Prometheus holding Tempo's service-graph metrics (traces_service_graph_request_total).")
	f.DurationVar(&c.Window, prefix+"window", time.Hour, "Calls seen within this window make the service graph's edges.")
	f.DurationVar(&c.Refresh, prefix+"refresh", 5*time.Minute, "How often the service graph is reloaded from Prometheus.")
}

func (c TopologyConfig) validate() error {
	switch {
	case c.File != "" && c.PrometheusURL != "":
		return errors.New("topology: set either a file or a Prometheus URL, not both")
	case c.PrometheusURL != "" && (c.Window <= 0 || c.Refresh <= 0):
		return errors.New("topology: window and refresh must be positive")
	}
	return nil
}

// topologySource holds the graph engines consult and, for metrics, the refresher.
type topologySource struct {
	live    *topology.Live
	refresh services.Service
}

func newTopologySource(cfg TopologyConfig, logger log.Logger) (*topologySource, error) {
	switch {
	case cfg.File != "":
		g, err := topology.LoadFile(cfg.File)
		if err != nil {
			return nil, err
		}
		return &topologySource{live: topology.NewLive(g, nil)}, nil
	case cfg.PrometheusURL != "":
		client, err := prometheus.New(cfg.PrometheusURL, &http.Client{Timeout: 30 * time.Second}, prometheus.Options{MaxSeries: 100000})
		if err != nil {
			return nil, err
		}
		live := topology.NewLive(nil, topology.MetricsLoader(client, cfg.Window))
		refresh := func(ctx context.Context) error {
			if err := live.Refresh(ctx); err != nil {
				level.Warn(logger).Log("msg", "service graph refresh failed; keeping the last one", "err", err)
			}
			return nil
		}
		svc := services.NewTimerService(cfg.Refresh, refresh, refresh, nil).WithName("topology")
		return &topologySource{live: live, refresh: svc}, nil
	}
	return &topologySource{}, nil
}

// topology is what engines consult; nil when there is no graph.
func (s *topologySource) topology() incident.Topology {
	if s.live == nil {
		return nil
	}
	return s.live
}

func (s *topologySource) service() services.Service { return s.refresh }

// graph is the service graph as it is now, for root-cause analysis; nil when there is none.
func (s *topologySource) graph() *topology.Graph {
	if s.live == nil {
		return nil
	}
	return s.live.Graph()
}
