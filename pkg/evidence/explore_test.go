package evidence_test

import (
	"encoding/json"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/evidence"
)

func TestExploreURL(t *testing.T) {
	from := time.UnixMilli(1717000000000)
	to := time.UnixMilli(1717003600000)
	tests := []struct {
		name    string
		grafana string
		target  evidence.ExploreTarget
		want    string // the decoded panes, or the whole URL when it is empty
	}{
		{
			name: "prometheus", grafana: "https://grafana.example/",
			target: evidence.ExploreTarget{Type: evidence.TypePrometheus, UID: "P1809F7CD0C75ACF3", Expr: `rate(http_requests_total{service="api"}[1m])`},
			want:   `{"rca":{"datasource":"P1809F7CD0C75ACF3","queries":[{"refId":"A","datasource":{"type":"prometheus","uid":"P1809F7CD0C75ACF3"},"expr":"rate(http_requests_total{service=\"api\"}[1m])","range":true}],"range":{"from":"1717000000000","to":"1717003600000"}}}`,
		},
		{
			name: "loki", grafana: "http://localhost:3000/grafana",
			target: evidence.ExploreTarget{Type: evidence.TypeLoki, UID: "loki", Expr: `{service="api"} |~ "(?i)error"`},
			want:   `{"rca":{"datasource":"loki","queries":[{"refId":"A","datasource":{"type":"loki","uid":"loki"},"expr":"{service=\"api\"} |~ \"(?i)error\"","queryType":"range"}],"range":{"from":"1717000000000","to":"1717003600000"}}}`,
		},
		{
			name: "tempo without uid", grafana: "http://grafana:3000",
			target: evidence.ExploreTarget{Type: evidence.TypeTempo, Expr: `{ resource.service.name = "api" && status = error }`},
			want:   `{"rca":{"queries":[{"refId":"A","datasource":{"type":"tempo"},"query":"{ resource.service.name = \"api\" && status = error }","queryType":"traceql"}],"range":{"from":"1717000000000","to":"1717003600000"}}}`,
		},
		{name: "no grafana", target: evidence.ExploreTarget{Type: evidence.TypePrometheus, Expr: "up"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got := evidence.ExploreURL(tc.grafana, tc.target, from, to)
			if tc.grafana == "" {
				if got != "" {
					t.Fatalf("got %q, want no link without a Grafana", got)
				}
				return
			}
			prefix := strings.TrimSuffix(tc.grafana, "/") + "/explore?schemaVersion=1&panes="
			if !strings.HasPrefix(got, prefix) {
				t.Fatalf("got %q, want prefix %q", got, prefix)
			}
			u, err := url.Parse(got)
			if err != nil {
				t.Fatal(err)
			}
			panes := u.Query().Get("panes")
			if panes != tc.want {
				t.Errorf("panes\n %s\nwant\n %s", panes, tc.want)
			}
			if !json.Valid([]byte(panes)) {
				t.Errorf("panes are not JSON: %s", panes)
			}
			if strings.ContainsAny(strings.TrimPrefix(got, prefix), `{}" &|`) {
				t.Errorf("panes not escaped for a URL: %s", got)
			}
		})
	}
}
