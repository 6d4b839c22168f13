package incident

import (
	"errors"
	"flag"
	"fmt"
	"time"

	"github.com/grafana/dskit/flagext"
)

// Topology answers how far apart two services are in the service graph. pkg/topology
// implements it from Tempo's service-graph metrics or from a file.
type Topology interface {
	// Distance is the number of call edges between a and b, ignoring direction, or -1 when
	// either is unknown or they are not connected within the graph's search limit.
	Distance(a, b string) int
}

// Config holds the grouping and lifecycle thresholds. The defaults suit alert rules that
// evaluate every minute or so; every field has a flag.
type Config struct {
	// Window is how close in time an alert must start to an incident's latest alert to join
	// it.
	Window time.Duration `yaml:"window"`
	// OnsetWindow is how long after an incident's first alert a different alert may still
	// join it. The alerts of one problem arrive in a burst from its onset (detection delays
	// are minutes, not hours); an alert long after the onset is more likely a new problem
	// on a shared service than a late symptom, and chaining by the latest alert lets one
	// busy service glue unrelated problems together.
	OnsetWindow time.Duration `yaml:"onset_window"`
	// MaxSpan caps how long an incident keeps absorbing alerts after it started, so a
	// week-long noisy service does not become one endless incident. The onset window (at
	// most MaxSpan) now bounds new alerts and recurrences alike; MaxSpan remains the outer
	// limit of the latest-alert window.
	MaxSpan time.Duration `yaml:"max_span"`
	// TopologyHops is how many service-graph edges may separate an alert's service from an
	// incident's services for the alert to join on topology.
	TopologyHops int `yaml:"topology_hops"`
	// LabelSimilarity is the weighted label overlap (0..1) above which an alert joins an
	// incident whose service it does not share.
	LabelSimilarity float64 `yaml:"label_similarity"`
	// Cooldown is how long an incident whose alerts have all resolved waits before it
	// resolves.
	Cooldown time.Duration `yaml:"cooldown"`
	// ReopenWindow is how long after resolving an incident reopens when its alerts recur.
	ReopenWindow time.Duration `yaml:"reopen_window"`
	// GroupWait holds an incident's first notification back so that the alerts of a storm
	// arriving just after the first one are in it (Alertmanager's group_wait).
	GroupWait time.Duration `yaml:"group_wait"`
	// NotifyInterval is the least time between two "changed" notifications of one incident.
	NotifyInterval time.Duration `yaml:"notify_interval"`
	// ServiceLabels are the labels that name an alert's service, in order of preference.
	ServiceLabels flagext.StringSliceCSV `yaml:"service_labels"`
}

// DefaultConfig returns the thresholds the receiver starts with.
func DefaultConfig() Config {
	var c Config
	c.setDefaults()
	return c
}

func (c *Config) setDefaults() {
	c.Window = 5 * time.Minute
	c.OnsetWindow = 10 * time.Minute
	c.MaxSpan = time.Hour
	// Two hops: a caller's caller is where a failing backend's errors are usually noticed
	// first (the frontend), so one hop split most cascades into two incidents. The onset
	// window keeps the wider reach from chaining unrelated problems together.
	c.TopologyHops = 2
	c.LabelSimilarity = 0.6
	c.Cooldown = 5 * time.Minute
	c.ReopenWindow = 15 * time.Minute
	c.GroupWait = 30 * time.Second
	c.NotifyInterval = 5 * time.Minute
	c.ServiceLabels = defaultServiceLabels()
}

func defaultServiceLabels() []string {
	return []string{"service", "service_name", "app", "app_kubernetes_io_name", "job", "container", "deployment"}
}

// RegisterFlags registers the thresholds under prefix (dskit's pattern) with their defaults.
func (c *Config) RegisterFlags(prefix string, f *flag.FlagSet) {
	c.setDefaults()
	f.DurationVar(&c.Window, prefix+"window", c.Window, "An alert joins an incident whose latest alert started within this time.")
	f.DurationVar(&c.OnsetWindow, prefix+"onset-window", c.OnsetWindow, "A different alert joins an incident only this long after the incident's first alert.")
	f.DurationVar(&c.MaxSpan, prefix+"max-span", c.MaxSpan, "An incident stops absorbing new alerts this long after it started.")
	f.IntVar(&c.TopologyHops, prefix+"topology-hops", c.TopologyHops, "Service-graph edges allowed between an alert's service and an incident's services.")
	f.Float64Var(&c.LabelSimilarity, prefix+"label-similarity", c.LabelSimilarity, "Label overlap (0..1) above which an alert joins an incident of another service.")
	f.DurationVar(&c.Cooldown, prefix+"cooldown", c.Cooldown, "An incident resolves this long after its last alert resolved.")
	f.DurationVar(&c.ReopenWindow, prefix+"reopen-window", c.ReopenWindow, "A resolved incident reopens when its alerts recur within this time.")
	f.DurationVar(&c.GroupWait, prefix+"group-wait", c.GroupWait, "An incident's first notification waits this long to include the alerts that follow.")
	f.DurationVar(&c.NotifyInterval, prefix+"notify-interval", c.NotifyInterval, "Least time between two change notifications of one incident.")
	f.Var(&c.ServiceLabels, prefix+"service-labels", "Comma-separated labels that name an alert's service, in order of preference.")
}

// Validate reports the first threshold that makes no sense.
func (c Config) Validate() error {
	switch {
	case c.Window <= 0:
		return fmt.Errorf("window must be positive, got %s", c.Window)
	case c.MaxSpan < c.Window:
		return fmt.Errorf("max span (%s) must be at least the window (%s)", c.MaxSpan, c.Window)
	case c.OnsetWindow < c.Window || c.OnsetWindow > c.MaxSpan:
		return fmt.Errorf("onset window (%s) must be between the window (%s) and the max span (%s)", c.OnsetWindow, c.Window, c.MaxSpan)
	case c.TopologyHops < 0:
		return fmt.Errorf("topology hops must be 0 or more, got %d", c.TopologyHops)
	case c.LabelSimilarity <= 0 || c.LabelSimilarity > 1:
		return fmt.Errorf("label similarity must be in (0, 1], got %g", c.LabelSimilarity)
	case c.Cooldown < 0 || c.ReopenWindow < 0 || c.GroupWait < 0 || c.NotifyInterval < 0:
		return errors.New("cooldown, reopen window, group wait and notify interval must not be negative")
	case len(c.ServiceLabels) == 0:
		return errors.New("at least one service label is needed")
	}
	return nil
}
