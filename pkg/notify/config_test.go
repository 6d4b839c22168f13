package notify

import (
	"flag"
	"fmt"
	"strings"
	"testing"
	"time"

	"gopkg.in/yaml.v3"
)

func validConfig() Config {
	var c Config
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	c.RegisterFlags("notify.", fs)
	c.Targets = []TargetConfig{
		{Name: "hook", Type: TypeWebhook, URL: "https://hooks.example.com/foresight", Headers: map[string]string{"Authorization": "Bearer t0ken-value"}},
		{Name: "chat", Type: TypeSlack, URL: "https://hooks.slack.com/services/T0/B0/sl4ckS3cretValue"},
		{Name: "pager", Type: TypePagerDuty, RoutingKey: "R0UT1NGKEY0123456789abcdef012345"},
	}
	return c
}

func TestConfigDefaultsFromFlags(t *testing.T) {
	c := validConfig()
	d := c.Delivery
	if d.PollInterval != time.Second || d.Batch != 32 || d.Lease != 30*time.Second || d.Concurrency != 4 ||
		d.MaxAttempts != 12 || d.Backoff.MinBackoff != 500*time.Millisecond || d.Backoff.MaxBackoff != 5*time.Minute || d.Owner == "" {
		t.Errorf("defaults = %+v", d)
	}
	if err := c.Validate(); err != nil {
		t.Errorf("valid config: %v", err)
	}
	if got := (DelivererConfig{}).withDefaults(); got.Validate() != nil || got.Batch != DefaultBatch {
		t.Errorf("zero config with defaults = %+v, %v", got, got.Validate())
	}
}

func TestConfigValidation(t *testing.T) {
	tests := []struct {
		name   string
		mutate func(*Config)
		want   string
	}{
		{"no type", func(c *Config) { c.Targets[0].Type = "" }, `targets[0]: target "hook": type is required: webhook, slack or pagerduty`},
		{"bad type", func(c *Config) { c.Targets[0].Type = "pager" }, `targets[0]: target "hook": type "pager" is not one of webhook, slack, pagerduty`},
		{"bad name", func(c *Config) { c.Targets[1].Name = "team chat" }, `targets[1]: name "team chat" must be 1-63 letters`},
		{"reserved name", func(c *Config) { c.Targets[1].Name = "grafana" }, `targets[1]: target "grafana": the name is reserved`},
		{"duplicate", func(c *Config) { c.Targets[2].Name = "hook" }, `targets[2]: name "hook" is already used by targets[0]`},
		{"slack without url", func(c *Config) { c.Targets[1].URL = "" }, `targets[1]: target "chat": slack target needs url`},
		{"url scheme", func(c *Config) { c.Targets[1].URL = "ftp://hooks.slack.com/services/T0/B0/sl4ckS3cretValue" },
			`targets[1]: target "chat": url ftp://hooks.slack.com/…: scheme must be http or https, got "ftp"`},
		{"pagerduty without key", func(c *Config) { c.Targets[2].RoutingKey = "" }, `targets[2]: target "pager": pagerduty target needs routing_key`},
		{"routing key on webhook", func(c *Config) { c.Targets[0].RoutingKey = "x" }, `routing_key is only for pagerduty targets`},
		{"reserved header", func(c *Config) { c.Targets[0].Headers = map[string]string{"idempotency-key": "x"} },
			`targets[0]: target "hook": header "idempotency-key" is set by Foresight and cannot be configured`},
		{"negative timeout", func(c *Config) { c.Targets[0].Timeout = -time.Second }, `timeout must not be negative, got -1s`},
		{"grafana without token", func(c *Config) { c.Grafana.URL = "https://grafana.example.com" }, `grafana: token is required`},
		{"grafana token without url", func(c *Config) { c.Grafana.Token = "glsa_x" }, `grafana: token is set but url is empty`},
		{"grafana bearer prefix", func(c *Config) { c.Grafana.URL, c.Grafana.Token = "https://g.example.com", "Bearer glsa_x" }, `grafana: token must not contain whitespace`},
		{"lease", func(c *Config) { c.Delivery.Lease = 10 * time.Millisecond }, `delivery: lease must be at least 1s, got 10ms`},
		{"backoff order", func(c *Config) { c.Delivery.Backoff.MaxBackoff = time.Millisecond }, `delivery: backoff.max_period (1ms) must be at least backoff.min_period (500ms)`},
		{"backoff retries", func(c *Config) { c.Delivery.Backoff.MaxRetries = 3 }, `delivery: backoff.max_retries is not used (got 3); set max_attempts instead`},
		{"owner", func(c *Config) { c.Delivery.Owner = " " }, `delivery: owner must not be empty`},
		{"incident url", func(c *Config) { c.IncidentURL = "/incidents/{incident}" }, `incident_url: scheme must be http or https`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := validConfig()
			tt.mutate(&c)
			err := c.Validate()
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("Validate() = %v, want it to contain %q", err, tt.want)
			}
			assertNoSecret(t, err.Error(), configSecrets(c)...)
		})
	}
}

func TestConfigFromYAML(t *testing.T) {
	const doc = `
incident_url: https://foresight.example.com/incidents/{tenant}/{incident}
delivery:
  owner: receiver-0
  concurrency: 8
  backoff:
    min_period: 1s
    max_period: 10m
targets:
  - name: chat
    type: slack
    url: https://hooks.slack.com/services/T0/B0/sl4ckS3cretValue
    timeout: 5s
  - name: pager
    type: pagerduty
    routing_key: R0UT1NGKEY0123456789abcdef012345
grafana:
  url: https://grafana.example.com
  token: glsa_yamlToken_0123456789
  tags: [prod]
  org_id: 2
`
	var c Config
	c.RegisterFlags("", flag.NewFlagSet("test", flag.ContinueOnError))
	if err := yaml.Unmarshal([]byte(doc), &c); err != nil {
		t.Fatal(err)
	}
	if err := c.Validate(); err != nil {
		t.Fatal(err)
	}
	if c.Delivery.Concurrency != 8 || c.Delivery.Batch != DefaultBatch || c.Delivery.Backoff.MinBackoff != time.Second ||
		c.Targets[0].Timeout != 5*time.Second || c.Targets[1].url() != DefaultPagerDutyURL || c.Grafana.OrgID != 2 {
		t.Errorf("parsed config = %+v", c)
	}
	senders, err := NewSenders(c, newMemQueue())
	if err != nil {
		t.Fatal(err)
	}
	for _, name := range []string{"chat", "pager", GrafanaTarget} {
		if senders[name] == nil {
			t.Errorf("no sender for %q", name)
		}
	}

	// Dumping the config (dskit's /config endpoint) and logging it must not show secrets.
	out, err := yaml.Marshal(c)
	if err != nil {
		t.Fatal(err)
	}
	assertNoSecret(t, string(out), configSecrets(c)...)
	if !strings.Contains(string(out), "url: https://hooks.slack.com/…") || !strings.Contains(string(out), "routing_key: <redacted>") {
		t.Errorf("redacted YAML lost its shape:\n%s", out)
	}
	for _, format := range []string{"%v", "%+v", "%#v", "%s"} {
		assertNoSecret(t, fmt.Sprintf(format, c), configSecrets(c)...)
	}
}

// configSecrets lists the secret values of c.
func configSecrets(c Config) []string {
	var s []string
	for _, t := range c.Targets {
		s = append(s, t.RoutingKey)
		if t.Type == TypeSlack {
			s = append(s, "sl4ckS3cretValue")
		}
		for _, v := range t.Headers {
			s = append(s, v)
		}
	}
	return append(s, c.Grafana.Token)
}

func assertNoSecret(t *testing.T, text string, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if len(s) >= minSecretLen && strings.Contains(text, s) {
			t.Errorf("secret %q leaked into %q", s, text)
		}
	}
}
