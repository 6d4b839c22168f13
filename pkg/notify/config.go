package notify

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"os"
	"regexp"
	"strings"
	"time"

	"github.com/grafana/dskit/backoff"
	"github.com/grafana/dskit/flagext"
)

// Target types.
const (
	TypeWebhook   = "webhook"
	TypeSlack     = "slack"
	TypePagerDuty = "pagerduty"
)

// GrafanaTarget is the reserved target name of the Grafana annotation sync: outbox items
// of kind KindAnnotation are queued for it, and its annotation ids are kept under it with
// Queue.SetRef.
const GrafanaTarget = "grafana"

// KindAnnotation is the outbox item kind of Grafana annotation updates.
const KindAnnotation = "annotation"

// DefaultPagerDutyURL is the Events API v2 endpoint; EU accounts use
// https://events.eu.pagerduty.com/v2/enqueue.
const DefaultPagerDutyURL = "https://events.pagerduty.com/v2/enqueue"

const defaultTargetTimeout = 10 * time.Second

// Config is the notification part of the receiver's configuration. Targets are a list
// and so come from YAML only; everything else also has flags.
type Config struct {
	Delivery DelivererConfig `yaml:"delivery"`
	Targets  []TargetConfig  `yaml:"targets"`
	Grafana  GrafanaConfig   `yaml:"grafana"`
	// IncidentURL links notifications to the incident in Foresight's UI. "{tenant}" and
	// "{incident}" are replaced, path-escaped. Empty means notifications carry no link.
	IncidentURL string `yaml:"incident_url"`
}

// RegisterFlags registers the delivery, Grafana and link flags under prefix (dskit's
// pattern, e.g. "notify.") with their defaults.
func (c *Config) RegisterFlags(prefix string, f *flag.FlagSet) {
	c.Delivery.RegisterFlags(prefix+"delivery.", f)
	c.Grafana.RegisterFlags(prefix+"grafana.", f)
	f.StringVar(&c.IncidentURL, prefix+"incident-url", "", `Link to an incident in Foresight's UI; "{tenant}" and "{incident}" are replaced. Empty: no link.`)
}

// Validate reports the first setting that cannot work, naming it precisely.
func (c Config) Validate() error {
	if err := c.Delivery.Validate(); err != nil {
		return fmt.Errorf("delivery: %w", err)
	}
	if err := c.Grafana.Validate(); err != nil {
		return fmt.Errorf("grafana: %w", err)
	}
	if c.IncidentURL != "" {
		if err := validateHTTPURL(incidentLink(c.IncidentURL, "tenant", "incident")); err != nil {
			return fmt.Errorf("incident_url: %w", err)
		}
	}
	seen := map[string]int{}
	for i, t := range c.Targets {
		if err := t.Validate(); err != nil {
			return fmt.Errorf("targets[%d]: %w", i, err)
		}
		if j, dup := seen[t.Name]; dup {
			return fmt.Errorf("targets[%d]: name %q is already used by targets[%d]", i, t.Name, j)
		}
		seen[t.Name] = i
	}
	return nil
}

// TargetConfig is one downstream destination. URL (for Slack), RoutingKey and header
// values are secrets: String and MarshalYAML redact them, so the config can be dumped.
type TargetConfig struct {
	// Name identifies the target in outbox items, logs and metrics; it is never a URL.
	Name string `yaml:"name"`
	// Type is "webhook", "slack" or "pagerduty".
	Type string `yaml:"type"`
	// URL is where to POST. Required for webhook and slack (a Slack incoming-webhook URL
	// contains its secret); PagerDuty defaults to DefaultPagerDutyURL.
	URL string `yaml:"url"`
	// RoutingKey is the PagerDuty Events API v2 integration key.
	RoutingKey string `yaml:"routing_key"`
	// Headers are sent with every request, e.g. Authorization for a webhook.
	Headers map[string]string `yaml:"headers"`
	// Timeout bounds one request; 0 means 10s. The deliverer's lease bounds it too.
	Timeout time.Duration `yaml:"timeout"`
}

var targetName = regexp.MustCompile(`^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$`)

// reservedHeaders are set by the senders themselves; letting configuration override
// them would break the payload or the deduplication contract.
var reservedHeaders = map[string]bool{"Content-Type": true, "Content-Length": true, "Idempotency-Key": true, "Host": true}

// Validate reports what is wrong with the target, without quoting any secret.
func (t TargetConfig) Validate() error {
	if !targetName.MatchString(t.Name) {
		return fmt.Errorf("name %q must be 1-63 letters, digits, '.', '_' or '-', starting with a letter or digit", t.Name)
	}
	if t.Name == GrafanaTarget {
		return fmt.Errorf("target %q: the name is reserved for the Grafana annotation sync", t.Name)
	}
	if err := t.validateType(); err != nil {
		return fmt.Errorf("target %q: %w", t.Name, err)
	}
	if t.Timeout < 0 {
		return fmt.Errorf("target %q: timeout must not be negative, got %s", t.Name, t.Timeout)
	}
	for k := range t.Headers {
		if err := validateHeaderName(k); err != nil {
			return fmt.Errorf("target %q: %w", t.Name, err)
		}
	}
	return nil
}

func (t TargetConfig) validateType() error {
	switch t.Type {
	case TypeWebhook, TypeSlack:
		if t.URL == "" {
			return fmt.Errorf("%s target needs url", t.Type)
		}
		if t.RoutingKey != "" {
			return errors.New("routing_key is only for pagerduty targets")
		}
	case TypePagerDuty:
		if t.RoutingKey == "" {
			return errors.New("pagerduty target needs routing_key (the Events API v2 integration key)")
		}
		if strings.ContainsAny(t.RoutingKey, " \t\r\n") {
			return errors.New("routing_key must not contain whitespace")
		}
	case "":
		return errors.New("type is required: webhook, slack or pagerduty")
	default:
		return fmt.Errorf("type %q is not one of webhook, slack, pagerduty", t.Type)
	}
	if t.URL != "" {
		if err := validateHTTPURL(t.URL); err != nil {
			return fmt.Errorf("url %s: %w", redactURL(t.URL), err)
		}
	}
	return nil
}

func validateHeaderName(k string) error {
	if k == "" || strings.ContainsAny(k, " \t\r\n:") {
		return fmt.Errorf("header name %q is not a valid HTTP header name", k)
	}
	if reservedHeaders[http.CanonicalHeaderKey(k)] {
		return fmt.Errorf("header %q is set by Foresight and cannot be configured", k)
	}
	return nil
}

// validateHTTPURL checks that raw is an absolute http(s) URL. Its messages never quote
// the URL: callers show the redacted form.
func validateHTTPURL(raw string) error {
	u, err := url.Parse(raw)
	if err != nil {
		return errors.New("is not a valid URL")
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return fmt.Errorf("scheme must be http or https, got %q", u.Scheme)
	}
	if u.Host == "" {
		return errors.New("has no host")
	}
	return nil
}

func (t TargetConfig) timeout() time.Duration {
	if t.Timeout > 0 {
		return t.Timeout
	}
	return defaultTargetTimeout
}

func (t TargetConfig) url() string {
	if t.URL == "" && t.Type == TypePagerDuty {
		return DefaultPagerDutyURL
	}
	return t.URL
}

// secrets lists everything about the target that must not be shown.
func (t TargetConfig) secrets() []string {
	s := []string{t.RoutingKey}
	if t.Type != TypePagerDuty { // PagerDuty's URL is public; Slack's and webhooks' may not be
		s = append(s, t.URL)
	}
	for _, v := range t.Headers {
		s = append(s, v)
	}
	return s
}

// redactedTarget is TargetConfig as it may be shown.
type redactedTarget struct {
	Name       string            `yaml:"name"`
	Type       string            `yaml:"type"`
	URL        string            `yaml:"url,omitempty"`
	RoutingKey string            `yaml:"routing_key,omitempty"`
	Headers    map[string]string `yaml:"headers,omitempty"`
	Timeout    time.Duration     `yaml:"timeout,omitempty"`
}

func (t TargetConfig) redacted() redactedTarget {
	r := redactedTarget{Name: t.Name, Type: t.Type, Timeout: t.Timeout}
	if t.URL != "" {
		r.URL = redactURL(t.URL)
	}
	if t.RoutingKey != "" {
		r.RoutingKey = redacted
	}
	if len(t.Headers) > 0 {
		r.Headers = make(map[string]string, len(t.Headers))
		for k := range t.Headers {
			r.Headers[k] = redacted
		}
	}
	return r
}

// MarshalYAML redacts secrets, so dumping the running config (dskit's /config) is safe.
func (t TargetConfig) MarshalYAML() (any, error) { return t.redacted(), nil }

// String redacts secrets, so logging a TargetConfig with %v or %+v is safe.
func (t TargetConfig) String() string { return fmt.Sprintf("%+v", t.redacted()) }

// GoString redacts secrets for %#v too.
func (t TargetConfig) GoString() string { return t.String() }

// GrafanaConfig is where incident annotations are written. Empty URL disables them.
type GrafanaConfig struct {
	// URL is Grafana's root URL, e.g. https://grafana.example.com or .../grafana.
	URL string `yaml:"url"`
	// Token is a service account token with the annotations:write permission.
	Token string `yaml:"token"`
	// Tags are added to every annotation, e.g. to pick them in an annotation query.
	Tags []string `yaml:"tags"`
	// OrgID, when positive, is sent as X-Grafana-Org-Id. Service account tokens belong to
	// one organization, so deriving it per tenant would need one token per tenant; that
	// is left for when a tenant-to-Grafana mapping exists.
	OrgID int64 `yaml:"org_id"`
	// DashboardUID, when set, ties annotations to one dashboard instead of the
	// organization.
	DashboardUID string `yaml:"dashboard_uid"`
	// Timeout bounds one request; 0 means 10s.
	Timeout time.Duration `yaml:"timeout"`
}

// RegisterFlags registers the Grafana flags under prefix.
func (c *GrafanaConfig) RegisterFlags(prefix string, f *flag.FlagSet) {
	f.StringVar(&c.URL, prefix+"url", "", "Grafana root URL for incident annotations. Empty disables annotations.")
	f.StringVar(&c.Token, prefix+"token", "", "Grafana service account token with annotations:write.")
	f.Var((*flagext.StringSliceCSV)(&c.Tags), prefix+"tags", "Comma-separated tags added to every incident annotation.")
	f.Int64Var(&c.OrgID, prefix+"org-id", 0, "Grafana organization id sent as X-Grafana-Org-Id; 0 sends none.")
	f.StringVar(&c.DashboardUID, prefix+"dashboard-uid", "", "Dashboard to tie incident annotations to; empty makes them organization-wide.")
	f.DurationVar(&c.Timeout, prefix+"timeout", defaultTargetTimeout, "Timeout of one Grafana API request.")
}

// Enabled reports whether annotations should be written.
func (c GrafanaConfig) Enabled() bool { return c.URL != "" }

// Validate reports what is wrong, without quoting the token.
func (c GrafanaConfig) Validate() error {
	if !c.Enabled() {
		if c.Token != "" {
			return errors.New("token is set but url is empty")
		}
		return nil
	}
	if err := validateHTTPURL(c.URL); err != nil {
		return fmt.Errorf("url %s: %w", redactUserinfo(c.URL), err)
	}
	if c.Token == "" {
		return errors.New("token is required: a service account token with annotations:write")
	}
	if strings.ContainsAny(c.Token, " \t\r\n") {
		return errors.New("token must not contain whitespace (give the token alone, without \"Bearer\")")
	}
	if c.OrgID < 0 {
		return fmt.Errorf("org_id must not be negative, got %d", c.OrgID)
	}
	if c.Timeout < 0 {
		return fmt.Errorf("timeout must not be negative, got %s", c.Timeout)
	}
	for i, tag := range c.Tags {
		if strings.TrimSpace(tag) == "" {
			return fmt.Errorf("tags[%d] is empty", i)
		}
	}
	return nil
}

func (c GrafanaConfig) timeout() time.Duration {
	if c.Timeout > 0 {
		return c.Timeout
	}
	return defaultTargetTimeout
}

type redactedGrafana struct {
	URL          string        `yaml:"url,omitempty"`
	Token        string        `yaml:"token,omitempty"`
	Tags         []string      `yaml:"tags,omitempty"`
	OrgID        int64         `yaml:"org_id,omitempty"`
	DashboardUID string        `yaml:"dashboard_uid,omitempty"`
	Timeout      time.Duration `yaml:"timeout,omitempty"`
}

func (c GrafanaConfig) redacted() redactedGrafana {
	r := redactedGrafana{Tags: c.Tags, OrgID: c.OrgID, DashboardUID: c.DashboardUID, Timeout: c.Timeout}
	if c.URL != "" {
		r.URL = redactUserinfo(c.URL)
	}
	if c.Token != "" {
		r.Token = redacted
	}
	return r
}

// MarshalYAML redacts the token.
func (c GrafanaConfig) MarshalYAML() (any, error) { return c.redacted(), nil }

// String redacts the token.
func (c GrafanaConfig) String() string { return fmt.Sprintf("%+v", c.redacted()) }

// GoString redacts the token for %#v too.
func (c GrafanaConfig) GoString() string { return c.String() }

// DelivererConfig tunes the outbox delivery loop.
type DelivererConfig struct {
	// Owner names this process in leases; it must be unique among receivers sharing a
	// store, or two processes could each believe they hold the same lease.
	Owner string `yaml:"owner"`
	// PollInterval is how often to look for due items when nobody calls Wake.
	PollInterval time.Duration `yaml:"poll_interval"`
	// Batch caps the items one Claim takes. The deliverer never claims more than it has
	// free workers, so no claimed item waits for a worker while its lease runs out.
	Batch int `yaml:"batch"`
	// Lease is how long a claimed item is ours; a send gets at most 4/5 of it, leaving
	// the rest to record the outcome before another receiver may claim the item.
	Lease time.Duration `yaml:"lease"`
	// Concurrency is how many sends run at once.
	Concurrency int `yaml:"concurrency"`
	// MaxAttempts is how many sends an item gets before it is failed.
	MaxAttempts int `yaml:"max_attempts"`
	// Backoff spaces retries: attempt n waits about MinBackoff·2^(n-1), capped at
	// MaxBackoff, with jitter. MaxRetries is unused (MaxAttempts governs) and must be 0.
	Backoff backoff.Config `yaml:"backoff"`
}

// Delivery defaults.
const (
	DefaultPollInterval = time.Second
	DefaultBatch        = 32
	DefaultLease        = 30 * time.Second
	DefaultConcurrency  = 4
	DefaultMaxAttempts  = 12
	DefaultMinBackoff   = 500 * time.Millisecond
	DefaultMaxBackoff   = 5 * time.Minute
)

// RegisterFlags registers the delivery flags under prefix with their defaults.
func (c *DelivererConfig) RegisterFlags(prefix string, f *flag.FlagSet) {
	f.StringVar(&c.Owner, prefix+"owner", defaultOwner(), "Lease owner name of this receiver; unique per process sharing the store.")
	f.DurationVar(&c.PollInterval, prefix+"poll-interval", DefaultPollInterval, "How often to look for due notifications.")
	f.IntVar(&c.Batch, prefix+"batch", DefaultBatch, "Maximum notifications claimed at once.")
	f.DurationVar(&c.Lease, prefix+"lease", DefaultLease, "How long a claimed notification is reserved for this receiver.")
	f.IntVar(&c.Concurrency, prefix+"concurrency", DefaultConcurrency, "Notifications sent at once.")
	f.IntVar(&c.MaxAttempts, prefix+"max-attempts", DefaultMaxAttempts, "Sends of one notification before giving up.")
	f.DurationVar(&c.Backoff.MinBackoff, prefix+"backoff-min-period", DefaultMinBackoff, "Delay before the first retry; it doubles per attempt.")
	f.DurationVar(&c.Backoff.MaxBackoff, prefix+"backoff-max-period", DefaultMaxBackoff, "Longest delay between retries.")
}

// withDefaults fills zero fields, for configurations built in code or from YAML without
// flags.
func (c DelivererConfig) withDefaults() DelivererConfig {
	if c.Owner == "" {
		c.Owner = defaultOwner()
	}
	if c.PollInterval == 0 {
		c.PollInterval = DefaultPollInterval
	}
	if c.Batch == 0 {
		c.Batch = DefaultBatch
	}
	if c.Lease == 0 {
		c.Lease = DefaultLease
	}
	if c.Concurrency == 0 {
		c.Concurrency = DefaultConcurrency
	}
	if c.MaxAttempts == 0 {
		c.MaxAttempts = DefaultMaxAttempts
	}
	if c.Backoff.MinBackoff == 0 {
		c.Backoff.MinBackoff = DefaultMinBackoff
	}
	if c.Backoff.MaxBackoff == 0 {
		c.Backoff.MaxBackoff = max(DefaultMaxBackoff, c.Backoff.MinBackoff)
	}
	return c
}

// Validate reports the first setting that makes no sense.
func (c DelivererConfig) Validate() error {
	switch {
	case strings.TrimSpace(c.Owner) == "":
		return errors.New("owner must not be empty")
	case c.PollInterval <= 0:
		return fmt.Errorf("poll_interval must be positive, got %s", c.PollInterval)
	case c.Batch < 1:
		return fmt.Errorf("batch must be at least 1, got %d", c.Batch)
	case c.Lease < time.Second:
		return fmt.Errorf("lease must be at least 1s, got %s", c.Lease)
	case c.Concurrency < 1:
		return fmt.Errorf("concurrency must be at least 1, got %d", c.Concurrency)
	case c.MaxAttempts < 1:
		return fmt.Errorf("max_attempts must be at least 1, got %d", c.MaxAttempts)
	case c.Backoff.MinBackoff <= 0:
		return fmt.Errorf("backoff.min_period must be positive, got %s", c.Backoff.MinBackoff)
	case c.Backoff.MaxBackoff < c.Backoff.MinBackoff:
		return fmt.Errorf("backoff.max_period (%s) must be at least backoff.min_period (%s)", c.Backoff.MaxBackoff, c.Backoff.MinBackoff)
	case c.Backoff.MaxRetries != 0:
		return fmt.Errorf("backoff.max_retries is not used (got %d); set max_attempts instead", c.Backoff.MaxRetries)
	}
	return nil
}

// defaultOwner is unique per process on a host, which is what a lease owner must be.
func defaultOwner() string {
	host, err := os.Hostname()
	if err != nil || host == "" {
		host = "receiver"
	}
	return fmt.Sprintf("%s-%d", host, os.Getpid())
}

// incidentLink fills the IncidentURL template.
func incidentLink(template, tenant, incidentID string) string {
	if template == "" {
		return ""
	}
	return strings.NewReplacer("{tenant}", url.PathEscape(tenant), "{incident}", url.PathEscape(incidentID)).Replace(template)
}
