// Package evidence gathers root-cause evidence for pkg/rca from live sources: metric change
// points from Prometheus, deployments and configuration changes (Grafana annotations,
// version labels of build_info-style metrics, Kubernetes rollouts), new or surging error-log
// patterns from Loki, and error or slow spans from Tempo. Every observation carries a link
// that opens it in Grafana's Explore.
package evidence

import (
	"flag"
	"net/http"

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
}

// RegisterFlags registers the source flags under prefix.
func (c *Config) RegisterFlags(prefix string, f *flag.FlagSet) {
	f.StringVar(&c.PrometheusURL, prefix+"prometheus-url", "", "Prometheus that RCA reads metric changes and version labels from.")
	f.StringVar(&c.LokiURL, prefix+"loki-url", "", "Loki that RCA mines error-log patterns from.")
	f.StringVar(&c.TempoURL, prefix+"tempo-url", "", "Tempo that RCA searches error and slow spans in.")
	f.StringVar(&c.GrafanaURL, prefix+"grafana-url", "", "Grafana that RCA reads deploy annotations from and links to.")
	f.StringVar(&c.PrometheusUID, prefix+"prometheus-uid", "", "UID of the Prometheus data source in Grafana, for Explore links.")
	f.StringVar(&c.LokiUID, prefix+"loki-uid", "", "UID of the Loki data source in Grafana, for Explore links.")
	f.StringVar(&c.TempoUID, prefix+"tempo-uid", "", "UID of the Tempo data source in Grafana, for Explore links.")
	f.StringVar(&c.EntityLabel, prefix+"entity-label", "service", "Label naming a service in metrics and logs.")
}

// New builds one gatherer per configured source. hc is the HTTP client for all of them
// (nil: a default client with sensible timeouts).
func New(cfg Config, hc *http.Client) ([]rca.Gatherer, error) {
	return nil, nil // TODO(evidence helper): build the gatherers.
}
