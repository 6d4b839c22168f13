package receiver

import (
	"bytes"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"time"

	"github.com/grafana/dskit/server"
	"gopkg.in/yaml.v3"

	"github.com/foresight-aiops/foresight/pkg/incident"
	"github.com/foresight-aiops/foresight/pkg/notify"
	"github.com/foresight-aiops/foresight/pkg/store"
)

// Config is the receiver's whole configuration. As in Loki and Mimir, every field has a
// flag with its default, a YAML file (-config.file) sets any of them, and flags given on
// the command line win over the file.
type Config struct {
	Server   server.Config   `yaml:"server"`
	Store    store.Config    `yaml:"store"`
	Grouping incident.Config `yaml:"grouping"`
	Notify   notify.Config   `yaml:"notify"`
	Topology TopologyConfig  `yaml:"topology"`
	RCA      RCAConfig       `yaml:"rca"`
	// Tenants and their credentials; the YAML list takes any number, the -tenant.* flags
	// configure one.
	Tenants []TenantConfig `yaml:"tenants"`
	Tenant  TenantConfig   `yaml:"-"`

	MaxBodyBytes        int64         `yaml:"max_body_bytes"`
	MaxAlertsPerWebhook int           `yaml:"max_alerts_per_webhook"`
	QueueSize           int           `yaml:"queue_size"`
	TickInterval        time.Duration `yaml:"tick_interval"`
	PurgeInterval       time.Duration `yaml:"purge_interval"`
}

// RegisterFlags registers every flag with its default.
func (c *Config) RegisterFlags(f *flag.FlagSet) {
	c.Server.RegisterFlags(f)
	// dskit's defaults suit a cluster service (port 80, gRPC on 9095); the receiver is one
	// HTTP service, so it listens on an unprivileged port and lets gRPC take any free one.
	setDefault(f, "server.http-listen-port", DefaultPort)
	setDefault(f, "server.grpc-listen-port", "0")
	c.Store.RegisterFlags("store.", f)
	c.Grouping.RegisterFlags("grouping.", f)
	c.Notify.RegisterFlags("notify.", f)
	c.Topology.RegisterFlags("topology.", f)
	c.RCA.RegisterFlags("rca.", f)
	c.Tenant.RegisterFlags("tenant.", f)
	f.Int64Var(&c.MaxBodyBytes, "receiver.max-body-bytes", 10<<20, "Largest webhook body accepted, in bytes.")
	f.IntVar(&c.MaxAlertsPerWebhook, "receiver.max-alerts-per-webhook", 10000, "Most alerts accepted in one webhook.")
	f.IntVar(&c.QueueSize, "receiver.queue-size", 4096, "Webhooks and actions waiting for the writer before new ones get 503.")
	f.DurationVar(&c.TickInterval, "receiver.tick-interval", 5*time.Second, "How often cool-downs and held-back notifications are checked.")
	f.DurationVar(&c.PurgeInterval, "receiver.purge-interval", time.Hour, "How often data past the retention period is deleted.")
}

// DefaultPort is the receiver's HTTP port unless configured otherwise.
const DefaultPort = "9480"

func setDefault(f *flag.FlagSet, name, value string) {
	fl := f.Lookup(name)
	if fl == nil {
		panic("no flag " + name) // a dskit upgrade renamed it: fail loudly in tests
	}
	if err := fl.Value.Set(value); err != nil {
		panic(fmt.Sprintf("default %s=%s: %v", name, value, err))
	}
	fl.DefValue = value
}

// TenantList is the configured tenant list: the YAML list, else the one given by flags.
func (c *Config) TenantList() []TenantConfig { return c.tenants() }

func (c *Config) tenants() []TenantConfig {
	if len(c.Tenants) > 0 {
		return c.Tenants
	}
	if c.Tenant.Token != "" || c.Tenant.Username != "" {
		return []TenantConfig{c.Tenant}
	}
	return nil
}

// Validate reports the first setting that cannot work.
func (c *Config) Validate() error {
	switch {
	case len(c.tenants()) == 0:
		return errors.New("no tenant is configured: set -tenant.token (or -tenant.username and -tenant.password), or list tenants in the config file")
	case c.MaxBodyBytes < 1024:
		return fmt.Errorf("receiver.max-body-bytes must be at least 1024, got %d", c.MaxBodyBytes)
	case c.QueueSize < 1:
		return fmt.Errorf("receiver.queue-size must be positive, got %d", c.QueueSize)
	case c.TickInterval <= 0 || c.PurgeInterval <= 0:
		return errors.New("receiver.tick-interval and receiver.purge-interval must be positive")
	}
	if err := c.Grouping.Validate(); err != nil {
		return fmt.Errorf("grouping: %w", err)
	}
	if err := c.Notify.Validate(); err != nil {
		return fmt.Errorf("notify: %w", err)
	}
	for _, t := range c.Notify.Targets {
		if t.Name == AnnotationTarget {
			return fmt.Errorf("notify: target name %q is reserved for Grafana annotations", t.Name)
		}
	}
	if err := c.RCA.Validate(); err != nil {
		return err
	}
	return c.Topology.validate()
}

// Load fills c from flags and the YAML file they name: defaults first, then the file, then
// the flags again so that the command line wins.
func Load(c *Config, args []string, f *flag.FlagSet) error {
	var (
		file      string
		expandEnv bool
	)
	f.StringVar(&file, "config.file", "", "YAML configuration file; flags given on the command line override it.")
	f.BoolVar(&expandEnv, "config.expand-env", false, "Replace ${VAR} in the config file with environment variables (for secrets).")
	c.RegisterFlags(f)
	if err := f.Parse(args); err != nil {
		return err
	}
	if file == "" {
		return nil
	}
	raw, err := os.ReadFile(file)
	if err != nil {
		return fmt.Errorf("read config file: %w", err)
	}
	if expandEnv {
		raw = []byte(os.ExpandEnv(string(raw)))
	}
	dec := yaml.NewDecoder(bytes.NewReader(raw))
	dec.KnownFields(true)
	if err := dec.Decode(c); err != nil && !errors.Is(err, io.EOF) {
		return fmt.Errorf("config file %s: %w", file, err)
	}
	return f.Parse(args)
}
