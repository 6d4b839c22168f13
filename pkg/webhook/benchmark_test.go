package webhook

import (
	"encoding/json"
	"fmt"
	"testing"
)

// benchAlerts is the number of alerts in each benchmark payload: a typical group.
const benchAlerts = 10

// benchPayload builds a realistic payload of benchAlerts alerts, shaped like the
// Grafana 11 and Alertmanager fixtures but built here so that benchmarks need no data.
func benchPayload(grafana, fingerprints bool) []byte {
	alerts := make([]map[string]any, benchAlerts)
	for i := range alerts {
		host := fmt.Sprintf("node-%02d.prod.example.com:9100", i)
		a := map[string]any{
			"status": "firing",
			"labels": map[string]string{
				"alertname": "HighMemoryUsage", "instance": host, "job": "node",
				"severity": "critical", "team": "platform", "grafana_folder": "infra",
			},
			"annotations": map[string]string{
				"summary":     "High memory usage on " + host,
				"description": "Memory usage is above 90% for more than 5 minutes.",
				"runbook_url": "https://runbooks.example.com/memory",
			},
			"startsAt":     "2024-03-01T02:09:00.123456789Z",
			"endsAt":       "0001-01-01T00:00:00Z",
			"generatorURL": "https://grafana.example.com/alerting/grafana/dd2f0260-3cfc-4c65-a4c4-f3f632c551f4/view?orgId=1",
		}
		if fingerprints {
			a["fingerprint"] = fmt.Sprintf("e6349a25f5ef0e%02x", i)
		}
		if grafana {
			a["silenceURL"] = "https://grafana.example.com/alerting/silence/new?alertmanager=grafana&matcher=alertname%3DHighMemoryUsage&orgId=1"
			a["dashboardURL"] = "https://grafana.example.com/d/ece9fb32?orgId=1"
			a["panelURL"] = "https://grafana.example.com/d/ece9fb32?orgId=1&viewPanel=2"
			a["values"] = map[string]float64{"A": 2473545728, "B": 0.93, "C": 1}
			a["valueString"] = "[ var='A' labels={instance=" + host + "} value=2.473545728e+09 ]"
		}
		alerts[i] = a
	}
	p := map[string]any{
		"receiver": "foresight", "status": "firing", "alerts": alerts,
		"groupLabels":       map[string]string{"alertname": "HighMemoryUsage"},
		"commonLabels":      map[string]string{"alertname": "HighMemoryUsage", "job": "node", "severity": "critical"},
		"commonAnnotations": map[string]string{"runbook_url": "https://runbooks.example.com/memory"},
		"externalURL":       "https://grafana.example.com/",
		"groupKey":          `{}:{alertname="HighMemoryUsage"}`,
		"truncatedAlerts":   0,
	}
	if grafana {
		p["version"], p["orgId"], p["state"] = "1", 1, "alerting"
		p["title"], p["message"] = "[FIRING:10] HighMemoryUsage", "**Firing** ..."
	} else {
		p["version"] = "4"
	}
	body, err := json.Marshal(p)
	if err != nil {
		panic(err)
	}
	return body
}

func benchmarkParse(b *testing.B, body []byte) {
	if n, err := Parse(body, Options{}); err != nil || len(n.Alerts) != benchAlerts {
		b.Fatalf("Parse: %v", err)
	}
	b.SetBytes(int64(len(body)))
	b.ReportAllocs()
	for b.Loop() {
		if _, err := Parse(body, Options{}); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportMetric(float64(b.Elapsed().Nanoseconds())/float64(b.N*benchAlerts), "ns/alert")
}

func BenchmarkParseGrafana(b *testing.B) { benchmarkParse(b, benchPayload(true, true)) }

func BenchmarkParseAlertmanager(b *testing.B) { benchmarkParse(b, benchPayload(false, true)) }

// BenchmarkParseAlertmanagerNoFingerprint costs the LabelFingerprint fallback.
func BenchmarkParseAlertmanagerNoFingerprint(b *testing.B) {
	benchmarkParse(b, benchPayload(false, false))
}
