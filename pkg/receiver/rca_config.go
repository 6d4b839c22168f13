package receiver

import (
	"flag"
	"fmt"
	"time"

	"github.com/foresight-aiops/foresight/pkg/evidence"
	"github.com/foresight-aiops/foresight/pkg/rca"
)

// RCAConfig configures root-cause analysis of incidents: the engine's bounds, the live
// sources it gathers evidence from, and the queue in front of it. As with the flags, which
// all sit under -rca., the YAML keys of the engine and the sources sit directly under rca:.
type RCAConfig struct {
	Enabled bool            `yaml:"enabled"`
	Engine  rca.Config      `yaml:",inline"`
	Sources evidence.Config `yaml:",inline"`
	// QueueSize bounds the incidents waiting for analysis. Ingestion never waits for it: a
	// request that finds it full is dropped (and counted), and the periodic refresh finds
	// the incident again.
	QueueSize int `yaml:"queue_size"`
	// Workers is how many analyses run at once.
	Workers int `yaml:"workers"`
	// MinInterval is the least time between two analyses of one incident, so that an
	// alert storm costs the data sources one analysis per interval, not one per alert. A
	// request within it runs once it has passed.
	MinInterval time.Duration `yaml:"min_interval"`
	// RefreshInterval is how often active incidents whose hypotheses are missing or stale
	// (dropped requests, a restart, another receiver's writes) are queued again.
	RefreshInterval time.Duration `yaml:"refresh_interval"`
}

// Defaults of the RCA queue.
const (
	DefaultRCAQueueSize       = 1024
	DefaultRCAMinInterval     = 30 * time.Second
	DefaultRCARefreshInterval = time.Minute
	maxRCAWorkers             = 64
)

// RegisterFlags registers the RCA flags under prefix (e.g. "rca.") with their defaults.
func (c *RCAConfig) RegisterFlags(prefix string, f *flag.FlagSet) {
	f.BoolVar(&c.Enabled, prefix+"enabled", true, "Rank root-cause hypotheses for incidents as they open and gain alerts.")
	c.Engine.RegisterFlags(prefix, f)
	c.Sources.RegisterFlags(prefix, f)
	f.IntVar(&c.QueueSize, prefix+"queue-size", DefaultRCAQueueSize, "Incidents waiting for analysis; requests beyond it are dropped (and counted) until the periodic refresh.")
	f.IntVar(&c.Workers, prefix+"workers", 1, "Analyses that run at once.")
	f.DurationVar(&c.MinInterval, prefix+"min-interval", DefaultRCAMinInterval, "Least time between two analyses of one incident; a request in between runs once it has passed.")
	f.DurationVar(&c.RefreshInterval, prefix+"refresh-interval", DefaultRCARefreshInterval, "How often active incidents whose hypotheses are missing or stale are queued again.")
}

// Validate reports the first setting that cannot work; nothing when RCA is off. The
// sources are checked when they are built, by evidence.New.
func (c RCAConfig) Validate() error {
	if !c.Enabled {
		return nil
	}
	if err := c.Engine.Validate(); err != nil {
		return err // already says "rca: ..."
	}
	switch {
	case c.QueueSize < 1:
		return fmt.Errorf("rca.queue-size must be positive, got %d", c.QueueSize)
	case c.Workers < 1 || c.Workers > maxRCAWorkers:
		return fmt.Errorf("rca.workers must be from 1 to %d, got %d", maxRCAWorkers, c.Workers)
	case c.MinInterval < 0:
		return fmt.Errorf("rca.min-interval must not be negative, got %s", c.MinInterval)
	case c.RefreshInterval <= 0:
		return fmt.Errorf("rca.refresh-interval must be positive, got %s", c.RefreshInterval)
	}
	return nil
}
