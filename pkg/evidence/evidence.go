// Package evidence gathers root-cause evidence for pkg/rca from live sources: metric change
// points from Prometheus, deployments and configuration changes (Grafana annotations,
// version labels of build_info-style metrics, Kubernetes rollouts), new or surging error-log
// patterns from Loki, and error or slow spans from Tempo. Every observation carries a link
// that opens it in Grafana's Explore.
//
// Each gatherer asks its source few, bounded questions: one query per signal covering every
// candidate at once where the source allows it (Prometheus, Tempo), one per candidate for a
// bounded number of candidates where it does not (Loki). Every query is paid for from the
// incident's rca.Budget first.
package evidence

import (
	"errors"
	"flag"
	"fmt"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"time"

	"github.com/grafana/dskit/flagext"

	"github.com/foresight-aiops/foresight/pkg/rca"
)

// Config says which sources to ask. An empty URL leaves that source out.
type Config struct {
	PrometheusURL string `yaml:"prometheus_url"`
	LokiURL       string `yaml:"loki_url"`
	TempoURL      string `yaml:"tempo_url"`
	// GrafanaURL is used to read deploy annotations and to build Explore links.
	GrafanaURL string `yaml:"grafana_url"`
	// GrafanaToken is a service-account token for reading annotations (never logged).
	GrafanaToken string `yaml:"grafana_token"`
	// Data-source UIDs in that Grafana, for Explore links; empty: links name the source by
	// type only.
	PrometheusUID string `yaml:"prometheus_uid"`
	LokiUID       string `yaml:"loki_uid"`
	TempoUID      string `yaml:"tempo_uid"`
	// EntityLabel is the label that names a candidate in metrics, logs and traces
	// (default "service"; traces use resource.service.name).
	EntityLabel string `yaml:"entity_label"`
	// LokiEntityLabel is the stream label that names a candidate in Loki, when it differs
	// from EntityLabel (Loki 3 fills service_name by itself, for example).
	LokiEntityLabel string `yaml:"loki_entity_label"`
	// TraceEntityAttribute is the TraceQL attribute that names a candidate in Tempo.
	TraceEntityAttribute string `yaml:"trace_entity_attribute"`

	// BaselineFactor is how much history before the lookback window each signal is
	// compared with, in multiples of the lookback.
	BaselineFactor int `yaml:"baseline_factor"`
	// ScrapeInterval is the Prometheus scrape interval: rate windows span at least four of
	// them, as Grafana's $__rate_interval does.
	ScrapeInterval time.Duration `yaml:"scrape_interval"`
	// SkipDefaultQueries leaves DefaultQueries out, for metrics that follow other naming
	// (OpenTelemetry, for example): only ExtraQueries are asked.
	SkipDefaultQueries bool `yaml:"skip_default_queries"`
	// ExtraQueries are more signals to watch, templated like DefaultQueries. YAML only.
	ExtraQueries []MetricQuery `yaml:"extra_queries"`

	// AnnotationTags are the Grafana annotation tags that mark a change; an annotation
	// with any of them counts.
	AnnotationTags flagext.StringSliceCSV `yaml:"annotation_tags"`
	// AnnotationLimit is the most annotations read per incident (Grafana's default 100).
	AnnotationLimit int `yaml:"annotation_limit"`

	// LogCandidates bounds the candidates whose logs are read: Loki is asked once per
	// candidate, so this is also the most Loki queries per incident.
	LogCandidates int `yaml:"log_candidates"`
	// LogLineLimit is the most error lines read per candidate.
	LogLineLimit int `yaml:"log_line_limit"`
	// TraceSearchLimit is the most traces a fallback TraceQL search asks for, when the
	// Tempo cannot answer TraceQL metrics queries.
	TraceSearchLimit int `yaml:"trace_search_limit"`
}

// Defaults of the fields that have one.
const (
	DefaultEntityLabel          = "service"
	DefaultTraceEntityAttribute = "resource.service.name"
	DefaultBaselineFactor       = 6
	DefaultScrapeInterval       = 15 * time.Second
	DefaultAnnotationLimit      = 100
	DefaultLogCandidates        = 5
	DefaultLogLineLimit         = 5000 // Loki's default max_entries_limit_per_query
	DefaultTraceSearchLimit     = 100
)

// DefaultAnnotationTags are the tags deploy tooling commonly puts on Grafana annotations.
var DefaultAnnotationTags = []string{"deploy", "release", "config"}

// RegisterFlags registers the source flags under prefix.
func (c *Config) RegisterFlags(prefix string, f *flag.FlagSet) {
	f.StringVar(&c.PrometheusURL, prefix+"prometheus-url", "", "Prometheus that RCA reads metric changes and version labels from.")
	f.StringVar(&c.LokiURL, prefix+"loki-url", "", "Loki that RCA mines error-log patterns from.")
	f.StringVar(&c.TempoURL, prefix+"tempo-url", "", "Tempo that RCA searches error and slow spans in.")
	f.StringVar(&c.GrafanaURL, prefix+"grafana-url", "", "Grafana that RCA reads deploy annotations from and links to.")
	f.StringVar(&c.GrafanaToken, prefix+"grafana-token", "", "Service-account token RCA reads Grafana annotations with.")
	f.StringVar(&c.PrometheusUID, prefix+"prometheus-uid", "", "UID of the Prometheus data source in Grafana, for Explore links.")
	f.StringVar(&c.LokiUID, prefix+"loki-uid", "", "UID of the Loki data source in Grafana, for Explore links.")
	f.StringVar(&c.TempoUID, prefix+"tempo-uid", "", "UID of the Tempo data source in Grafana, for Explore links.")
	f.StringVar(&c.EntityLabel, prefix+"entity-label", DefaultEntityLabel, "Label naming a service in metrics and logs.")
	f.StringVar(&c.LokiEntityLabel, prefix+"loki-entity-label", "", "Stream label naming a service in Loki (default: the entity label).")
	f.StringVar(&c.TraceEntityAttribute, prefix+"trace-entity-attribute", DefaultTraceEntityAttribute, "TraceQL attribute naming a service in Tempo.")
	f.IntVar(&c.BaselineFactor, prefix+"baseline-factor", DefaultBaselineFactor, "History each signal is compared with, in multiples of the RCA lookback.")
	f.DurationVar(&c.ScrapeInterval, prefix+"scrape-interval", DefaultScrapeInterval, "Prometheus scrape interval; rate windows span at least four.")
	f.BoolVar(&c.SkipDefaultQueries, prefix+"skip-default-queries", false, "Ask Prometheus only the extra queries, not the default RED/USE signals.")
	c.AnnotationTags = slices.Clone(DefaultAnnotationTags)
	f.Var(&c.AnnotationTags, prefix+"annotation-tags", "Comma-separated Grafana annotation tags that mark a deploy or configuration change.")
	f.IntVar(&c.AnnotationLimit, prefix+"annotation-limit", DefaultAnnotationLimit, "Most Grafana annotations read per incident.")
	f.IntVar(&c.LogCandidates, prefix+"log-candidates", DefaultLogCandidates, "Most candidates whose logs Loki is asked about (one query each).")
	f.IntVar(&c.LogLineLimit, prefix+"log-line-limit", DefaultLogLineLimit, "Most error lines read from Loki per candidate.")
	f.IntVar(&c.TraceSearchLimit, prefix+"trace-search-limit", DefaultTraceSearchLimit, "Most traces a fallback TraceQL search asks Tempo for.")
}

// withDefaults fills the zero values a Config built in code (not from flags) leaves.
func (c Config) withDefaults() Config {
	if c.EntityLabel == "" {
		c.EntityLabel = DefaultEntityLabel
	}
	if c.LokiEntityLabel == "" {
		c.LokiEntityLabel = c.EntityLabel
	}
	if c.TraceEntityAttribute == "" {
		c.TraceEntityAttribute = DefaultTraceEntityAttribute
	}
	if c.BaselineFactor == 0 {
		c.BaselineFactor = DefaultBaselineFactor
	}
	if c.ScrapeInterval == 0 {
		c.ScrapeInterval = DefaultScrapeInterval
	}
	if c.AnnotationTags == nil {
		c.AnnotationTags = slices.Clone(DefaultAnnotationTags)
	}
	if c.AnnotationLimit == 0 {
		c.AnnotationLimit = DefaultAnnotationLimit
	}
	if c.LogCandidates == 0 {
		c.LogCandidates = DefaultLogCandidates
	}
	if c.LogLineLimit == 0 {
		c.LogLineLimit = DefaultLogLineLimit
	}
	if c.TraceSearchLimit == 0 {
		c.TraceSearchLimit = DefaultTraceSearchLimit
	}
	return c
}

// labelName is the Prometheus (and Loki) label name syntax.
var labelName = regexp.MustCompile(`^[a-zA-Z_][a-zA-Z0-9_]*$`)

// traceAttribute is a scoped or unscoped TraceQL attribute name without quoting:
// resource.service.name, span.http.route, .service.
var traceAttribute = regexp.MustCompile(`^(resource|span)?\.[a-zA-Z_][a-zA-Z0-9_.\-]*$`)

// Validate reports every problem of the configuration at once, each naming its field.
func (c Config) Validate() error {
	c = c.withDefaults()
	var errs []error
	for _, u := range []struct{ name, raw, example string }{
		{"prometheus_url", c.PrometheusURL, "http://prometheus:9090"},
		{"loki_url", c.LokiURL, "http://loki:3100"},
		{"tempo_url", c.TempoURL, "http://tempo:3200"},
		{"grafana_url", c.GrafanaURL, "http://grafana:3000"},
	} {
		if err := checkURL(u.raw, u.example); err != nil {
			errs = append(errs, fmt.Errorf("%s: %w", u.name, err))
		}
	}
	if c.GrafanaToken != "" && c.GrafanaURL == "" {
		errs = append(errs, errors.New("grafana_token is set but grafana_url is empty: the token would never be used"))
	}
	for _, l := range []struct{ name, value string }{{"entity_label", c.EntityLabel}, {"loki_entity_label", c.LokiEntityLabel}} {
		if !labelName.MatchString(l.value) {
			errs = append(errs, fmt.Errorf("%s %q is not a label name (letters, digits and _, not starting with a digit)", l.name, l.value))
		}
	}
	if !traceAttribute.MatchString(c.TraceEntityAttribute) {
		errs = append(errs, fmt.Errorf("trace_entity_attribute %q is not a TraceQL attribute such as resource.service.name", c.TraceEntityAttribute))
	}
	switch {
	case c.BaselineFactor < 1:
		errs = append(errs, fmt.Errorf("baseline_factor %d must be 1 or more", c.BaselineFactor))
	case c.ScrapeInterval < time.Second:
		errs = append(errs, fmt.Errorf("scrape_interval %s must be at least 1s", c.ScrapeInterval))
	case c.AnnotationLimit < 1 || c.LogCandidates < 1 || c.LogLineLimit < 1 || c.TraceSearchLimit < 1:
		errs = append(errs, fmt.Errorf("annotation_limit (%d), log_candidates (%d), log_line_limit (%d) and trace_search_limit (%d) must be 1 or more",
			c.AnnotationLimit, c.LogCandidates, c.LogLineLimit, c.TraceSearchLimit))
	}
	if c.SkipDefaultQueries && len(c.ExtraQueries) == 0 && c.PrometheusURL != "" {
		errs = append(errs, errors.New("skip_default_queries is set and there are no extra_queries: Prometheus would be asked nothing about metrics"))
	}
	for i, q := range c.ExtraQueries {
		if err := q.validate(); err != nil {
			errs = append(errs, fmt.Errorf("extra_queries[%d]: %w", i, err))
		}
	}
	return errors.Join(errs...)
}

// checkURL accepts an empty URL (the source is left out) or an absolute http(s) URL of an
// API root.
func checkURL(raw, example string) error {
	if raw == "" {
		return nil
	}
	u, err := url.Parse(raw)
	switch {
	case err != nil:
		return fmt.Errorf("%q is not a URL: %w", raw, err)
	case u.Scheme != "http" && u.Scheme != "https":
		return fmt.Errorf("%q must start with http:// or https://, e.g. %s", raw, example)
	case u.Host == "":
		return fmt.Errorf("%q has no host, e.g. %s", raw, example)
	case u.RawQuery != "" || u.Fragment != "":
		return fmt.Errorf("%q must be the API root, without a query or fragment, e.g. %s", raw, example)
	case u.User != nil:
		return fmt.Errorf("%q carries credentials in the URL; pass them through the HTTP client instead", u.Redacted())
	}
	return nil
}

// defaultTimeout bounds one request when New is given no client. The engine's own
// analysis timeout is shorter; this only guards callers that use a gatherer without one.
const defaultTimeout = 30 * time.Second

// New builds one gatherer per configured source: "metrics" (Prometheus), "deploys"
// (Grafana annotations and, with Prometheus, version labels and Kubernetes rollouts),
// "logs" (Loki) and "traces" (Tempo). hc is the HTTP client for all of them (nil: a
// default client with sensible timeouts).
func New(cfg Config, hc *http.Client) ([]rca.Gatherer, error) {
	if err := cfg.Validate(); err != nil {
		return nil, fmt.Errorf("evidence: %w", err)
	}
	cfg = cfg.withDefaults()
	if hc == nil {
		hc = &http.Client{Timeout: defaultTimeout}
	}
	links := explorer{grafana: cfg.GrafanaURL}
	var out []rca.Gatherer
	var prom *promSource
	if cfg.PrometheusURL != "" {
		var err error
		if prom, err = newPromSource(cfg, hc, links); err != nil {
			return nil, fmt.Errorf("evidence: %w", err)
		}
		out = append(out, &Metrics{src: prom, queries: metricQueries(cfg)})
	}
	if cfg.PrometheusURL != "" || cfg.GrafanaURL != "" {
		d := &Deploys{prom: prom, tags: cfg.AnnotationTags, links: links}
		if cfg.GrafanaURL != "" {
			d.grafana = &annotationsClient{base: trimSlash(cfg.GrafanaURL), token: cfg.GrafanaToken, hc: hc, limit: cfg.AnnotationLimit}
		}
		out = append(out, d)
	}
	if cfg.LokiURL != "" {
		l, err := newLogs(cfg, hc, links)
		if err != nil {
			return nil, fmt.Errorf("evidence: %w", err)
		}
		out = append(out, l)
	}
	if cfg.TempoURL != "" {
		t, err := newTraces(cfg, hc, links)
		if err != nil {
			return nil, fmt.Errorf("evidence: %w", err)
		}
		out = append(out, t)
	}
	return out, nil
}
