package receiver

import (
	"context"
	"flag"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/go-kit/log"

	"github.com/foresight-aiops/foresight/pkg/rca"
)

func loadConfig(t *testing.T, args ...string) (Config, error) {
	t.Helper()
	var cfg Config
	err := Load(&cfg, args, flag.NewFlagSet("test", flag.ContinueOnError))
	return cfg, err
}

func TestRCAConfigDefaults(t *testing.T) {
	cfg, err := loadConfig(t)
	if err != nil {
		t.Fatal(err)
	}
	r := cfg.RCA
	if !r.Enabled || r.QueueSize != DefaultRCAQueueSize || r.Workers != 1 || r.MinInterval != 30*time.Second ||
		r.RefreshInterval != time.Minute || r.Engine != rca.DefaultConfig() || r.Sources.EntityLabel != "service" {
		t.Errorf("defaults: %+v", r)
	}
}

// TestRCAConfigFile checks that the engine's and the sources' keys sit directly under
// rca:, like their flags under -rca., and that the command line wins over the file.
func TestRCAConfigFile(t *testing.T) {
	file := filepath.Join(t.TempDir(), "receiver.yaml")
	yaml := `
tenants:
  - {id: org-1, token: secret}
rca:
  enabled: true
  timeout: 2s
  max_queries: 10
  hops: 1
  prometheus_url: http://prometheus:9090
  entity_label: app
  queue_size: 64
  workers: 2
  min_interval: 1m
  refresh_interval: 5m
`
	if err := os.WriteFile(file, []byte(yaml), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := loadConfig(t, "-config.file="+file, "-rca.workers=3")
	if err != nil {
		t.Fatal(err)
	}
	r := cfg.RCA
	if r.Engine.Timeout != 2*time.Second || r.Engine.MaxQueries != 10 || r.Engine.Hops != 1 ||
		r.Engine.Lookback != rca.DefaultConfig().Lookback || r.Sources.PrometheusURL != "http://prometheus:9090" ||
		r.Sources.EntityLabel != "app" || r.QueueSize != 64 || r.Workers != 3 || r.MinInterval != time.Minute ||
		r.RefreshInterval != 5*time.Minute {
		t.Errorf("from the file: %+v", r)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("valid file refused: %v", err)
	}

	if err := os.WriteFile(file, []byte("rca:\n  max_querys: 3\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := loadConfig(t, "-config.file="+file); err == nil || !strings.Contains(err.Error(), "max_querys") {
		t.Errorf("misspelt key: %v, want it named", err)
	}
}

func TestRCAConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name   string
		mutate func(*RCAConfig)
		want   string // "" for valid
	}{
		{"defaults", func(*RCAConfig) {}, ""},
		{"disabled ignores the rest", func(c *RCAConfig) { c.Enabled, c.QueueSize, c.Engine.Timeout = false, 0, 0 }, ""},
		{"engine", func(c *RCAConfig) { c.Engine.Timeout = 0 }, "rca: lookback"},
		{"queue size", func(c *RCAConfig) { c.QueueSize = 0 }, "rca.queue-size must be positive, got 0"},
		{"no workers", func(c *RCAConfig) { c.Workers = 0 }, "rca.workers must be from 1 to 64, got 0"},
		{"too many workers", func(c *RCAConfig) { c.Workers = 65 }, "rca.workers must be from 1 to 64, got 65"},
		{"negative interval", func(c *RCAConfig) { c.MinInterval = -time.Second }, "rca.min-interval must not be negative, got -1s"},
		{"no refresh", func(c *RCAConfig) { c.RefreshInterval = 0 }, "rca.refresh-interval must be positive, got 0s"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			cfg, err := loadConfig(t, "-tenant.token=secret")
			if err != nil {
				t.Fatal(err)
			}
			tc.mutate(&cfg.RCA)
			err = cfg.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("refused: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want %q", err, tc.want)
			}
		})
	}
}

func TestBadRCASourcesRefuseToStart(t *testing.T) {
	cfg := testConfig(t, "-rca.prometheus-url=ftp://prometheus:9090")
	_, err := New(context.Background(), cfg, log.NewNopLogger())
	if err == nil || !strings.Contains(err.Error(), "rca sources") {
		t.Errorf("New: %v, want the sources refused", err)
	}
}
