package evidence_test

import (
	"flag"
	"slices"
	"strings"
	"testing"

	"github.com/foresight-aiops/foresight/pkg/evidence"
)

func TestConfigValidate(t *testing.T) {
	good := evidence.MetricQuery{Name: "queue depth", Expr: `max by ($label) (queue_depth{$matcher})`}
	tests := []struct {
		name string
		cfg  evidence.Config
		want string // "" for valid
	}{
		{"empty", evidence.Config{}, ""},
		{"all sources", evidence.Config{PrometheusURL: "http://prometheus:9090", LokiURL: "http://loki:3100/", TempoURL: "https://tempo.example/prefix",
			GrafanaURL: "http://grafana:3000", GrafanaToken: "glsa_x", ExtraQueries: []evidence.MetricQuery{good}}, ""},
		{"no scheme", evidence.Config{PrometheusURL: "prometheus:9090"}, `prometheus_url: "prometheus:9090" must start with http:// or https://, e.g. http://prometheus:9090`},
		{"no host", evidence.Config{LokiURL: "http://"}, `loki_url: "http://" has no host, e.g. http://loki:3100`},
		{"query", evidence.Config{TempoURL: "http://tempo:3200/?orgId=1"}, `tempo_url: "http://tempo:3200/?orgId=1" must be the API root, without a query or fragment`},
		{"credentials", evidence.Config{GrafanaURL: "http://admin:secret@grafana:3000"}, `grafana_url: "http://admin:xxxxx@grafana:3000" carries credentials`},
		{"not a URL", evidence.Config{PrometheusURL: "http://[::1"}, `prometheus_url: "http://[::1" is not a URL`},
		{"token without grafana", evidence.Config{GrafanaToken: "glsa_x"}, "grafana_token is set but grafana_url is empty"},
		{"entity label", evidence.Config{EntityLabel: "service.name"}, `entity_label "service.name" is not a label name`},
		{"trace attribute", evidence.Config{TraceEntityAttribute: "service name"}, `trace_entity_attribute "service name" is not a TraceQL attribute`},
		{"baseline", evidence.Config{BaselineFactor: -1}, "baseline_factor -1 must be 1 or more"},
		{"limits", evidence.Config{LogCandidates: -2}, "log_candidates (-2)"},
		{"nothing to ask", evidence.Config{PrometheusURL: "http://p:9090", SkipDefaultQueries: true}, "skip_default_queries is set and there are no extra_queries"},
		{"query without matcher", evidence.Config{ExtraQueries: []evidence.MetricQuery{{Name: "x", Expr: `sum by ($label) (up)`}}},
			`extra_queries[0]: query "x" does not use $matcher`},
		{"query without label", evidence.Config{ExtraQueries: []evidence.MetricQuery{{Name: "x", Expr: `sum(up{$matcher})`}}},
			`extra_queries[0]: query "x" does not use $label`},
		{"query without name", evidence.Config{ExtraQueries: []evidence.MetricQuery{{Expr: good.Expr}}}, "extra_queries[0]: a query needs a name"},
		{"bad PromQL", evidence.Config{ExtraQueries: []evidence.MetricQuery{good, {Name: "y", Expr: `sum by ($label) (rate(x{$matcher}))`}}},
			`extra_queries[1]: query "y": invalid PromQL`},
		{"bad unit", evidence.Config{ExtraQueries: []evidence.MetricQuery{{Name: "x", Expr: good.Expr, Unit: "furlongs"}}}, `unit "furlongs" is not one of`},
		{"bad harm", evidence.Config{ExtraQueries: []evidence.MetricQuery{{Name: "x", Expr: good.Expr, Harm: "sideways"}}}, `harm "sideways" must be up or down`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.cfg.Validate()
			switch {
			case tc.want == "" && err != nil:
				t.Errorf("unexpected error: %v", err)
			case tc.want != "" && (err == nil || !strings.Contains(err.Error(), tc.want)):
				t.Errorf("error %v, want it to contain %q", err, tc.want)
			}
			if tc.want != "" {
				if _, nerr := evidence.New(tc.cfg, nil); nerr == nil || !strings.HasPrefix(nerr.Error(), "evidence: ") {
					t.Errorf("New accepted an invalid configuration: %v", nerr)
				}
			}
		})
	}
	// Every problem at once, so one restart fixes them all.
	err := evidence.Config{PrometheusURL: "x", LokiURL: "y"}.Validate()
	if err == nil || !strings.Contains(err.Error(), "prometheus_url") || !strings.Contains(err.Error(), "loki_url") {
		t.Errorf("error %v, want both URLs named", err)
	}
}

func TestNewBuildsOneGathererPerSource(t *testing.T) {
	tests := []struct {
		cfg  evidence.Config
		want []string
	}{
		{evidence.Config{}, nil},
		{evidence.Config{PrometheusURL: "http://p:9090"}, []string{"metrics", "deploys"}},
		{evidence.Config{GrafanaURL: "http://g:3000"}, []string{"deploys"}},
		{evidence.Config{LokiURL: "http://l:3100", TempoURL: "http://t:3200"}, []string{"logs", "traces"}},
		{evidence.Config{PrometheusURL: "http://p:9090", GrafanaURL: "http://g:3000", LokiURL: "http://l:3100", TempoURL: "http://t:3200"},
			[]string{"metrics", "deploys", "logs", "traces"}},
	}
	for _, tc := range tests {
		gs, err := evidence.New(tc.cfg, nil)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, g := range gs {
			names = append(names, g.Name())
		}
		if !slices.Equal(names, tc.want) {
			t.Errorf("%+v: gatherers %q, want %q", tc.cfg, names, tc.want)
		}
	}
}

func TestRegisterFlags(t *testing.T) {
	var cfg evidence.Config
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	cfg.RegisterFlags("rca.", fs)
	if err := fs.Parse([]string{"-rca.prometheus-url=http://p:9090", "-rca.annotation-tags=deploy,rollback", "-rca.log-candidates=3"}); err != nil {
		t.Fatal(err)
	}
	if cfg.PrometheusURL != "http://p:9090" || !slices.Equal(cfg.AnnotationTags, []string{"deploy", "rollback"}) || cfg.LogCandidates != 3 ||
		cfg.EntityLabel != "service" || cfg.BaselineFactor != evidence.DefaultBaselineFactor || cfg.LogLineLimit != evidence.DefaultLogLineLimit {
		t.Errorf("parsed %+v", cfg)
	}
	if err := cfg.Validate(); err != nil {
		t.Errorf("flag defaults do not validate: %v", err)
	}
	if !slices.Equal(evidence.DefaultAnnotationTags, []string{"deploy", "release", "config"}) {
		t.Errorf("setting the flag changed the defaults: %q", evidence.DefaultAnnotationTags)
	}
}

// TestDefaultQueriesParse: the documented default queries are valid PromQL once expanded.
func TestDefaultQueriesParse(t *testing.T) {
	cfg := evidence.Config{ExtraQueries: evidence.DefaultQueries}
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
}
