package webhook

import (
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/prometheus/common/model"

	"github.com/foresight-aiops/foresight/pkg/incident"
)

// fixturesDir finds shared/fixtures/webhooks beside the working directory or any of its
// parents, then in /work/shared. It returns "" when absent.
func fixturesDir() string {
	rel := filepath.Join("shared", "fixtures", "webhooks")
	if wd, err := os.Getwd(); err == nil {
		for dir := wd; ; dir = filepath.Dir(dir) {
			if st, err := os.Stat(filepath.Join(dir, rel)); err == nil && st.IsDir() {
				return filepath.Join(dir, rel)
			}
			if filepath.Dir(dir) == dir {
				break
			}
		}
	}
	if st, err := os.Stat(filepath.Join("/work", rel)); err == nil && st.IsDir() {
		return filepath.Join("/work", rel)
	}
	return ""
}

// requireFixtures returns the fixtures folder, or skips the test (fails it when
// FORESIGHT_REQUIRE_DATASETS=1, as `make test` sets) when it is missing.
func requireFixtures(tb testing.TB) string {
	tb.Helper()
	d := fixturesDir()
	if d == "" {
		msg := "webhook fixtures (shared/fixtures/webhooks) not found"
		if os.Getenv("FORESIGHT_REQUIRE_DATASETS") == "1" {
			tb.Fatal(msg)
		}
		tb.Skip(msg)
	}
	return d
}

type wantAlert struct {
	status      incident.Status
	fingerprint string
	startsAt    string    // RFC 3339, UTC
	label       [2]string // one label name and its value
	endsZero    bool
	generator   string // checked when not empty
	values      map[string]float64
}

type wantNotification struct {
	format, version, receiver string
	status                    incident.Status
	groupKey                  string
	orgID                     int64
	state                     string
	alerts                    []wantAlert
}

// fixtureWants is written out by hand from the files in shared/fixtures/webhooks.
var fixtureWants = map[string]wantNotification{
	"alertmanager-v4-firing-two-alerts.zulip.json": {
		format: "alertmanager", version: "4", receiver: "ops-zulip", status: "firing", groupKey: "{}/{}:{}",
		alerts: []wantAlert{
			{status: "firing", fingerprint: "a1bc48475b20e73d", startsAt: "2020-02-06T00:17:58.432911368Z",
				label: [2]string{"host", "andromeda"}, endsZero: true,
				generator: "http://cobalt:9090/graph?g0.expr=avg+by%28host%29+%28sensors_temp_input%7Bfeature%3D~%22core_%5B0-9%5D%2B%22%7D%29+%3E+15&g0.tab=1"},
			// Hand-edited in the source: same labels, different fingerprint. Kept as sent.
			{status: "firing", fingerprint: "c2ea85182f28cbd9", startsAt: "2020-02-06T00:17:58.432911368Z",
				label: [2]string{"severity", "critical"}, endsZero: true},
		},
	},
	"alertmanager-v4-instancedown.oncall.json": {
		format: "alertmanager", version: "4", receiver: "combo", status: "firing", groupKey: `{}:{alertname="InstanceDown"}`,
		alerts: []wantAlert{
			{status: "firing", fingerprint: "f404ecabc8dd5cd7", startsAt: "2023-06-12T08:24:38.326Z",
				label: [2]string{"instance", "localhost:8081"}, endsZero: true},
			{status: "firing", fingerprint: "f8f08d4e32c61a9d", startsAt: "2023-06-12T08:24:38.326Z",
				label: [2]string{"group", "canary"}, endsZero: true},
		},
	},
	"alertmanager-v4-resolved.zulip.json": {
		format: "alertmanager", version: "4", receiver: "ops-zulip", status: "resolved", groupKey: "{}/{}:{}",
		alerts: []wantAlert{
			// Resolved with a zero endsAt (hand-made fixture): kept zero, not invented.
			{status: "resolved", fingerprint: "a1bc48475b20e73d", startsAt: "2020-02-06T00:17:58.432911368Z",
				label: [2]string{"alertname", "High CPU Temperature"}, endsZero: true},
		},
	},
	"grafana-docs-two-firing.grafana-docs.json": {
		format: "grafana", version: "1", receiver: "My Super Webhook", status: "firing", groupKey: "{}:{}",
		orgID: 1, state: "alerting",
		alerts: []wantAlert{
			// +02:00 in the payload, normalised to UTC.
			{status: "firing", fingerprint: "c6eadffa33fcdf37", startsAt: "2021-10-12T07:51:03.157076Z",
				label: [2]string{"zone", "us-1"}, endsZero: true,
				generator: "https://play.grafana.org/alerting/1afz29v7z/edit",
				values:    map[string]float64{"B": 44.23943737541908, "C": 1}},
			{status: "firing", fingerprint: "bc97ff14869b13e3", startsAt: "2021-10-12T07:56:03.157076Z",
				label: [2]string{"alertname", "High CPU usage"}, endsZero: true,
				values: map[string]float64{"B": 44.23943737541908, "C": 1}},
		},
	},
	"grafana-v11-values-image.zulip.json": {
		format: "grafana", version: "1", receiver: "Debug webhook", status: "firing",
		groupKey: `{}/{debug="true"}:{alertname="Memory (copy)", grafana_folder="device"}`, orgID: 1, state: "alerting",
		alerts: []wantAlert{
			{status: "firing", fingerprint: "e6349a25f5ef0e9e", startsAt: "2024-03-01T02:09:00Z",
				label: [2]string{"grafana_folder", "device"}, endsZero: true,
				generator: "https://play.grafana.org/alerting/grafana/dd2f0260-3cfc-4c65-a4c4-f3f632c551f4/view?orgId=1",
				values:    map[string]float64{"A": 2473545728, "B": 0, "C": 1, "minute": 9}},
		},
	},
	"grafana-v12-test-notification.keep.json": {
		format: "grafana", version: "1", receiver: "webhook", status: "firing",
		groupKey: "webhook-c4edaaf9f9f839b0-1777986297", orgID: 1, state: "alerting",
		alerts: []wantAlert{
			// generatorURL "?orgId=1" resolved against externalURL https://grafana.example.com/.
			{status: "firing", fingerprint: "c4edaaf9f9f839b0", startsAt: "2026-05-05T13:04:57.62281314Z",
				label: [2]string{"instance", "Grafana"}, endsZero: true,
				generator: "https://grafana.example.com/?orgId=1",
				values:    map[string]float64{"B": 22, "C": 1}},
		},
	},
	"grafana-v9-mixed-firing-resolved.zulip.json": {
		format: "grafana", version: "1", receiver: "Webhook test", status: "firing",
		groupKey: `{}/{test="true"}:{}`, orgID: 1, state: "alerting",
		alerts: []wantAlert{
			{status: "resolved", fingerprint: "aaafafe0953f0962", startsAt: "2022-06-17T01:04:00.782137894Z",
				label: [2]string{"instance", "badhost.example.com"}},
			{status: "resolved", fingerprint: "fb31814ac93dbe7d", startsAt: "2022-06-17T01:04:00.782137894Z",
				label: [2]string{"instance", "otherhost.example.com"}},
			{status: "firing", fingerprint: "6f9cd313db421ef1", startsAt: "2022-06-17T01:03:00.782137894Z",
				label: [2]string{"alertname", "Second webhook test"}, endsZero: true,
				generator: "https://grafana.example.com/alerting/grafana/_0rkK_C7z/view"},
		},
	},
	"grafana-v9-resolved.zulip.json": {
		format: "grafana", version: "1", receiver: "Webhook test", status: "resolved",
		groupKey: `{}/{test="true"}:{}`, orgID: 1, state: "ok",
		alerts: []wantAlert{
			{status: "resolved", fingerprint: "d8a21484c9c25a60", startsAt: "2022-06-17T00:41:00.782137894Z",
				label: [2]string{"test", "true"}},
		},
	},
}

func TestParseFixtures(t *testing.T) {
	dir := requireFixtures(t)
	files, err := filepath.Glob(filepath.Join(dir, "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) != len(fixtureWants) {
		t.Errorf("%d fixtures in %s, %d expectations: a new fixture needs its expectations written here", len(files), dir, len(fixtureWants))
	}
	for _, file := range files {
		name := filepath.Base(file)
		t.Run(name, func(t *testing.T) {
			want, ok := fixtureWants[name]
			if !ok {
				t.Fatalf("no expectations for fixture %s", name)
			}
			body, err := os.ReadFile(file)
			if err != nil {
				t.Fatal(err)
			}
			n, err := Parse(body, Options{})
			if err != nil {
				t.Fatalf("Parse: %v", err)
			}
			checkNotification(t, n, want)
		})
	}
}

func checkNotification(t *testing.T, n *Notification, want wantNotification) {
	t.Helper()
	if n.Format != want.format || n.Version != want.version || n.Receiver != want.receiver ||
		n.Status != want.status || n.GroupKey != want.groupKey || n.OrgID != want.orgID || n.State != want.state {
		t.Errorf("notification = {%s %s %q %s %q org %d state %q}, want {%s %s %q %s %q org %d state %q}",
			n.Format, n.Version, n.Receiver, n.Status, n.GroupKey, n.OrgID, n.State,
			want.format, want.version, want.receiver, want.status, want.groupKey, want.orgID, want.state)
	}
	if len(n.Alerts) != len(want.alerts) {
		t.Fatalf("%d alerts, want %d", len(n.Alerts), len(want.alerts))
	}
	for i, w := range want.alerts {
		a := n.Alerts[i]
		if a.Status != w.status {
			t.Errorf("alerts[%d].Status = %q, want %q", i, a.Status, w.status)
		}
		if a.Fingerprint != w.fingerprint {
			t.Errorf("alerts[%d].Fingerprint = %q, want %q", i, a.Fingerprint, w.fingerprint)
		}
		if got := a.StartsAt.Format(time.RFC3339Nano); got != w.startsAt {
			t.Errorf("alerts[%d].StartsAt = %s, want %s", i, got, w.startsAt)
		}
		if a.StartsAt.Location() != time.UTC {
			t.Errorf("alerts[%d].StartsAt is in %v, want UTC", i, a.StartsAt.Location())
		}
		if got := a.Labels[w.label[0]]; got != w.label[1] {
			t.Errorf("alerts[%d].Labels[%q] = %q, want %q", i, w.label[0], got, w.label[1])
		}
		if a.EndsAt.IsZero() != w.endsZero {
			t.Errorf("alerts[%d].EndsAt = %v, want zero: %v", i, a.EndsAt, w.endsZero)
		}
		if w.generator != "" && a.GeneratorURL != w.generator {
			t.Errorf("alerts[%d].GeneratorURL = %q, want %q", i, a.GeneratorURL, w.generator)
		}
		if !equalValues(a.Values, w.values) {
			t.Errorf("alerts[%d].Values = %v, want %v", i, a.Values, w.values)
		}
		if a.Source != want.format {
			t.Errorf("alerts[%d].Source = %q, want %q", i, a.Source, want.format)
		}
	}
}

func equalValues(a, b map[string]float64) bool {
	if (a == nil) != (b == nil) || len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

// Alertmanager's own fingerprints are LabelFingerprint of the labels; Grafana's are not,
// because Grafana hashes labels the payload leaves out. That difference is why Parse
// keeps the sender's fingerprint.
func TestFingerprintRule(t *testing.T) {
	dir := requireFixtures(t)
	for name, wantMatch := range map[string]bool{
		"alertmanager-v4-instancedown.oncall.json": true, // real Alertmanager output
		"grafana-v9-resolved.zulip.json":           false,
		"grafana-v12-test-notification.keep.json":  false,
	} {
		body, err := os.ReadFile(filepath.Join(dir, name))
		if err != nil {
			t.Fatal(err)
		}
		n, err := Parse(body, Options{})
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		for i, a := range n.Alerts {
			if got := LabelFingerprint(a.Labels) == a.Fingerprint; got != wantMatch {
				t.Errorf("%s alerts[%d]: LabelFingerprint %s, sent %s; want equal: %v",
					name, i, LabelFingerprint(a.Labels), a.Fingerprint, wantMatch)
			}
		}
	}
}

func TestLabelFingerprint(t *testing.T) {
	for _, labels := range []map[string]string{
		nil,
		{},
		{"alertname": "InstanceDown"},
		{"alertname": "High CPU", "host": "andromeda", "severity": "critical", "é": "ü"},
	} {
		ls := model.LabelSet{}
		for k, v := range labels {
			ls[model.LabelName(k)] = model.LabelValue(v)
		}
		want := ls.Fingerprint().String()
		if got := LabelFingerprint(labels); got != want || len(got) != 16 {
			t.Errorf("LabelFingerprint(%v) = %q, want %q", labels, got, want)
		}
	}
	// A value from Alertmanager itself (see the oncall fixture), independent of the model package.
	got := LabelFingerprint(map[string]string{"job": "node", "group": "production", "instance": "localhost:8081",
		"severity": "critical", "alertname": "InstanceDown"})
	if got != "f404ecabc8dd5cd7" {
		t.Errorf("LabelFingerprint(InstanceDown) = %s, want f404ecabc8dd5cd7", got)
	}
}

// alertJSON is a valid alert object, with fields replaced by overrides: pairs of a key
// and its raw JSON value; an empty value removes the key.
func alertJSON(overrides ...string) string {
	keys := []string{"status", "labels", "annotations", "startsAt", "endsAt", "generatorURL", "fingerprint"}
	vals := map[string]string{
		"status":       `"firing"`,
		"labels":       `{"alertname":"Disk full","severity":"critical"}`,
		"annotations":  `{"summary":"disk is full"}`,
		"startsAt":     `"2024-03-01T02:09:00Z"`,
		"endsAt":       `"0001-01-01T00:00:00Z"`,
		"generatorURL": `"?orgId=1"`,
		"fingerprint":  `"0123456789abcdef"`,
	}
	for i := 0; i+1 < len(overrides); i += 2 {
		if _, ok := vals[overrides[i]]; !ok {
			keys = append(keys, overrides[i])
		}
		vals[overrides[i]] = overrides[i+1]
	}
	var b strings.Builder
	b.WriteString("{")
	first := true
	for _, k := range keys {
		if vals[k] == "" {
			continue
		}
		if !first {
			b.WriteString(",")
		}
		first = false
		b.WriteString(`"` + k + `":` + vals[k])
	}
	b.WriteString("}")
	return b.String()
}

// grafanaJSON and amJSON wrap alert objects in a minimal valid notification.
func grafanaJSON(alerts ...string) string {
	return `{"receiver":"r","status":"firing","orgId":1,"externalURL":"https://grafana.example.com/sub/",` +
		`"version":"1","title":"t","state":"alerting","message":"m","alerts":[` + strings.Join(alerts, ",") + `]}`
}

func amJSON(alerts ...string) string {
	return `{"receiver":"r","status":"firing","externalURL":"http://am:9093","version":"4","alerts":[` +
		strings.Join(alerts, ",") + `]}`
}

func TestParseEdgeCases(t *testing.T) {
	parse := func(t *testing.T, body string) *Notification {
		t.Helper()
		n, err := Parse([]byte(body), Options{})
		if err != nil {
			t.Fatalf("Parse: %v\nbody: %s", err, body)
		}
		return n
	}
	t.Run("missing or empty fingerprint is computed from labels", func(t *testing.T) {
		n := parse(t, amJSON(alertJSON("fingerprint", ""), alertJSON("fingerprint", `""`), alertJSON("fingerprint", "null")))
		want := LabelFingerprint(map[string]string{"alertname": "Disk full", "severity": "critical"})
		for i, a := range n.Alerts {
			if a.Fingerprint != want {
				t.Errorf("alerts[%d].Fingerprint = %q, want %q", i, a.Fingerprint, want)
			}
		}
	})
	t.Run("empty labels are allowed", func(t *testing.T) {
		a := parse(t, amJSON(alertJSON("labels", "{}", "fingerprint", ""))).Alerts[0]
		if a.Labels == nil || len(a.Labels) != 0 || a.Fingerprint != "cbf29ce484222325" {
			t.Errorf("labels %v fingerprint %s, want empty non-nil map and the empty set's fingerprint", a.Labels, a.Fingerprint)
		}
	})
	t.Run("relative generatorURL resolves for Grafana only", func(t *testing.T) {
		g := parse(t, grafanaJSON(alertJSON(), alertJSON("generatorURL", `"/alerting/grafana/x/view"`)))
		if got := g.Alerts[0].GeneratorURL; got != "https://grafana.example.com/sub/?orgId=1" {
			t.Errorf("Grafana ?orgId=1 resolved to %q", got)
		}
		if got := g.Alerts[1].GeneratorURL; got != "https://grafana.example.com/alerting/grafana/x/view" {
			t.Errorf("Grafana /alerting/... resolved to %q", got)
		}
		if got := parse(t, amJSON(alertJSON())).Alerts[0].GeneratorURL; got != "?orgId=1" {
			t.Errorf("Alertmanager generatorURL = %q, want it as sent", got)
		}
		noBase := strings.Replace(grafanaJSON(alertJSON()), "https://grafana.example.com/sub/", "", 1)
		if got := parse(t, noBase).Alerts[0].GeneratorURL; got != "?orgId=1" {
			t.Errorf("without externalURL generatorURL = %q, want it as sent", got)
		}
	})
	t.Run("null and absent optional fields", func(t *testing.T) {
		n := parse(t, grafanaJSON(alertJSON("values", "null", "annotations", "null", "endsAt", "null",
			"generatorURL", "null"), alertJSON("endsAt", "", "annotations", "", "generatorURL", "")))
		for i, a := range n.Alerts {
			if a.Values != nil || a.Annotations != nil || !a.EndsAt.IsZero() || a.GeneratorURL != "" {
				t.Errorf("alerts[%d] = %+v, want nil values and annotations, zero endsAt, no generatorURL", i, a)
			}
		}
	})
	t.Run("unknown fields, and values in Alertmanager payloads, are ignored", func(t *testing.T) {
		body := `{"version":"4","status":"resolved","future":{"deep":[[[[[1]]]]]},"title":7,"orgId":"x",` +
			`"alerts":[` + alertJSON("values", `"not Grafana's"`, "ruleUID", "[]", "status", `"resolved"`) + `]}`
		n := parse(t, body)
		if n.OrgID != 0 || n.Title != "" || n.Alerts[0].Values != nil {
			t.Errorf("Grafana-only fields read from an Alertmanager payload: %+v", n)
		}
	})
	t.Run("escapes and non-ASCII text", func(t *testing.T) {
		a := parse(t, amJSON(alertJSON("labels", `{"\u0061lertname":"caf\u00e9 \ud83d\ude00","zone":"zürich"}`))).Alerts[0]
		if a.Labels["alertname"] != "café 😀" || a.Labels["zone"] != "zürich" {
			t.Errorf("labels = %q", a.Labels)
		}
	})
	t.Run("endsAt of a resolved alert", func(t *testing.T) {
		a := parse(t, amJSON(alertJSON("status", `"resolved"`, "endsAt", `"2024-03-01T03:00:00.5+01:00"`))).Alerts[0]
		if want := time.Date(2024, 3, 1, 2, 0, 0, 5e8, time.UTC); !a.EndsAt.Equal(want) || a.EndsAt.Location() != time.UTC {
			t.Errorf("EndsAt = %v, want %v", a.EndsAt, want)
		}
	})
	t.Run("exactly MaxAlerts", func(t *testing.T) {
		n, err := Parse([]byte(amJSON(alertJSON(), alertJSON())), Options{MaxAlerts: 2})
		if err != nil || len(n.Alerts) != 2 {
			t.Errorf("Parse with 2 alerts, MaxAlerts 2: %v", err)
		}
	})
	t.Run("no alerts", func(t *testing.T) {
		if n := parse(t, amJSON()); len(n.Alerts) != 0 {
			t.Errorf("%d alerts", len(n.Alerts))
		}
	})
	t.Run("group fields", func(t *testing.T) {
		n := parse(t, `{"version":"1","status":"resolved","groupLabels":{"a":"1"},"commonLabels":null,`+
			`"commonAnnotations":{},"truncatedAlerts":3,"orgId":42,"alerts":[]}`)
		if n.GroupLabels["a"] != "1" || n.CommonLabels != nil || n.CommonAnnotations == nil ||
			n.TruncatedAlerts != 3 || n.OrgID != 42 || n.Status != incident.Resolved {
			t.Errorf("notification = %+v", n)
		}
	})
}

type badInput struct {
	name     string
	body     string
	opts     Options
	path     string
	fragment string
}

func badInputs() []badInput {
	deep := strings.Repeat("[", 20000) + strings.Repeat("]", 20000)
	nested := strings.Repeat("[", 5000) + strings.Repeat("]", 5000)
	return []badInput{
		{name: "malformed JSON", body: `{"version": "4",}`, path: "body", fragment: "invalid JSON at offset 17: invalid character '}'"},
		{name: "truncated JSON", body: `{"version": "4", "alerts": [`, path: "body", fragment: "invalid JSON at offset 28: unexpected end of JSON input"},
		{name: "trailing garbage", body: amJSON() + " x", path: "body", fragment: "invalid JSON"},
		{name: "empty body", body: "", path: "body", fragment: "empty"},
		{name: "blank body", body: " \n\t", path: "body", fragment: "empty"},
		{name: "not an object", body: `[{"version":"4"}]`, path: "body", fragment: "expected an object, got array"},
		{name: "deeply nested junk", body: `{"version":"4","junk":` + deep + `}`, path: "body", fragment: "exceeded max depth"},
		{name: "nested junk as labels", body: amJSON(alertJSON("labels", nested)), path: "alerts[0].labels", fragment: "expected an object of strings, got array"},
		{name: "version missing", body: `{"status":"firing","alerts":[]}`, path: "version", fragment: `missing; supported versions are "1" (Grafana) and "4" (Alertmanager)`},
		{name: "version number", body: `{"version":4,"status":"firing","alerts":[]}`, path: "version", fragment: `expected a string, got number; supported versions are "1"`},
		{name: "version 3", body: `{"version":"3","status":"firing","alerts":[]}`, path: "version", fragment: `unsupported version "3"; supported versions are "1" (Grafana) and "4" (Alertmanager)`},
		{name: "version null", body: `{"version":null,"status":"firing","alerts":[]}`, path: "version", fragment: "expected a string, got null"},
		{name: "version repeated", body: `{"version":"4","version":"1","status":"firing","alerts":[]}`, path: "version", fragment: "duplicate key"},
		{name: "group status pending", body: `{"version":"4","status":"pending","alerts":[]}`, path: "status", fragment: `must be "firing" or "resolved", got "pending"`},
		{name: "group status missing", body: `{"version":"4","alerts":[]}`, path: "status", fragment: "missing"},
		{name: "receiver number", body: `{"version":"4","status":"firing","receiver":1,"alerts":[]}`, path: "receiver", fragment: "expected a string, got number"},
		{name: "commonLabels string", body: `{"version":"4","status":"firing","commonLabels":"a=b","alerts":[]}`, path: "commonLabels", fragment: "expected an object of strings, got string"},
		{name: "groupLabels value", body: `{"version":"4","status":"firing","groupLabels":{"a":true},"alerts":[]}`, path: "groupLabels.a", fragment: "expected a string, got boolean"},
		{name: "truncatedAlerts negative", body: `{"version":"4","status":"firing","truncatedAlerts":-1,"alerts":[]}`, path: "truncatedAlerts", fragment: "must be a count, got -1"},
		{name: "truncatedAlerts fraction", body: `{"version":"4","status":"firing","truncatedAlerts":1.5,"alerts":[]}`, path: "truncatedAlerts", fragment: `expected an integer, got "1.5"`},
		{name: "orgId string", body: `{"version":"1","status":"firing","orgId":"1","alerts":[]}`, path: "orgId", fragment: "expected an integer, got string"},
		{name: "title object", body: `{"version":"1","status":"firing","title":{},"alerts":[]}`, path: "title", fragment: "expected a string, got object"},
		{name: "alerts missing", body: `{"version":"4","status":"firing"}`, path: "alerts", fragment: "missing"},
		{name: "alerts null", body: `{"version":"4","status":"firing","alerts":null}`, path: "alerts", fragment: "expected an array, got null"},
		{name: "alerts not an array", body: `{"version":"4","status":"firing","alerts":{"0":{}}}`, path: "alerts", fragment: "expected an array, got object"},
		{name: "alert not an object", body: amJSON(alertJSON(), `"alert"`), path: "alerts[1]", fragment: "expected an object, got string"},
		{name: "too many alerts", body: amJSON(alertJSON(), alertJSON(), alertJSON()), opts: Options{MaxAlerts: 2}, path: "alerts", fragment: "more than 2 alerts"},
		{name: "status bool", body: amJSON(alertJSON("status", "true")), path: "alerts[0].status", fragment: "expected a string, got boolean"},
		{name: "status pending", body: amJSON(alertJSON("status", `"pending"`)), path: "alerts[0].status", fragment: `must be "firing" or "resolved", got "pending"`},
		{name: "status missing", body: amJSON(alertJSON(), alertJSON("status", "")), path: "alerts[1].status", fragment: "missing"},
		{name: "status repeated", body: amJSON(`{"status":"firing","status":"resolved","labels":{},"startsAt":"2024-03-01T02:09:00Z"}`), path: "alerts[0].status", fragment: "duplicate key"},
		{name: "labels array", body: amJSON(alertJSON(), alertJSON("labels", `["a","b"]`)), path: "alerts[1].labels", fragment: "expected an object of strings, got array"},
		{name: "labels number", body: amJSON(alertJSON(), alertJSON("labels", `7`)), path: "alerts[1].labels", fragment: "expected an object of strings, got number"},
		{name: "labels null", body: amJSON(alertJSON("labels", "null")), path: "alerts[0].labels", fragment: "expected an object of strings, got null"},
		{name: "labels missing", body: amJSON(alertJSON("labels", "")), path: "alerts[0].labels", fragment: "missing"},
		{name: "labels misspelt key", body: amJSON(alertJSON("labels", "", "Labels", `{"a":"b"}`)), path: "alerts[0].labels", fragment: "missing"},
		{name: "label value number", body: amJSON(alertJSON("labels", `{"alertname":"x","severity":2}`)), path: "alerts[0].labels.severity", fragment: "expected a string, got number"},
		{name: "label name with space", body: amJSON(alertJSON("labels", `{"team name":null}`)), path: `alerts[0].labels["team name"]`, fragment: "expected a string, got null"},
		{name: "label repeated", body: amJSON(alertJSON("labels", `{"a":"1","a":"2"}`)), path: "alerts[0].labels.a", fragment: "duplicate key"},
		{name: "annotations array", body: amJSON(alertJSON("annotations", `[]`)), path: "alerts[0].annotations", fragment: "expected an object of strings, got array"},
		{name: "startsAt number", body: amJSON(alertJSON("startsAt", "1709258940")), path: "alerts[0].startsAt", fragment: "expected an RFC 3339 time string, got number"},
		{name: "startsAt yesterday", body: amJSON(alertJSON(), alertJSON(), alertJSON("startsAt", `"yesterday"`)), path: "alerts[2].startsAt", fragment: `"yesterday" is not an RFC 3339 time`},
		{name: "startsAt without zone", body: amJSON(alertJSON("startsAt", `"2024-03-01T02:09:00"`)), path: "alerts[0].startsAt", fragment: "is not an RFC 3339 time"},
		{name: "startsAt missing", body: amJSON(alertJSON("startsAt", "")), path: "alerts[0].startsAt", fragment: "missing"},
		{name: "startsAt null", body: amJSON(alertJSON("startsAt", "null")), path: "alerts[0].startsAt", fragment: "expected an RFC 3339 time string, got null"},
		{name: "startsAt zero", body: amJSON(alertJSON("startsAt", `"0001-01-01T00:00:00Z"`)), path: "alerts[0].startsAt", fragment: "must not be the zero time"},
		{name: "endsAt bad", body: amJSON(alertJSON("endsAt", `"2024-13-01T00:00:00Z"`)), path: "alerts[0].endsAt", fragment: `"2024-13-01T00:00:00Z" is not an RFC 3339 time`},
		{name: "fingerprint number", body: amJSON(alertJSON("fingerprint", "12")), path: "alerts[0].fingerprint", fragment: "expected a string, got number"},
		{name: "generatorURL array", body: grafanaJSON(alertJSON("generatorURL", "[]")), path: "alerts[0].generatorURL", fragment: "expected a string, got array"},
		{name: "values with string", body: grafanaJSON(alertJSON("values", `{"A":1,"B":"2"}`)), path: "alerts[0].values.B", fragment: "expected a number, got string"},
		{name: "values with null", body: grafanaJSON(alertJSON("values", `{"A":null}`)), path: "alerts[0].values.A", fragment: "expected a number, got null"},
		{name: "values array", body: grafanaJSON(alertJSON("values", `[1]`)), path: "alerts[0].values", fragment: "expected an object of numbers, got array"},
		{name: "values out of range", body: grafanaJSON(alertJSON("values", `{"A":1e400}`)), path: "alerts[0].values.A", fragment: `"1e400" is out of range`},
		{name: "long value cut short", body: amJSON(alertJSON("status", `"`+strings.Repeat("x", 1000)+`"`)), path: "alerts[0].status", fragment: `xxx"...`},
	}
}

func TestParseErrors(t *testing.T) {
	for _, tc := range badInputs() {
		t.Run(tc.name, func(t *testing.T) {
			n, err := Parse([]byte(tc.body), tc.opts)
			if err == nil {
				t.Fatalf("Parse succeeded (%d alerts), want an error at %s", len(n.Alerts), tc.path)
			}
			if n != nil {
				t.Errorf("Parse returned a notification with its error")
			}
			var e *Error
			if !errors.As(err, &e) {
				t.Fatalf("error %T %v, want *Error", err, err)
			}
			if e.Path != tc.path || !strings.Contains(e.Msg, tc.fragment) {
				t.Errorf("error %q, want path %q and a message containing %q", err, tc.path, tc.fragment)
			}
			if err.Error() != e.Path+": "+e.Msg {
				t.Errorf("Error() = %q, want path: msg", err.Error())
			}
			if len(err.Error()) > 300 {
				t.Errorf("error is %d bytes long: %.100s...", len(err.Error()), err.Error())
			}
		})
	}
}

// FuzzParse checks that no input panics and that whatever Parse accepts is usable by the
// incident engine.
func FuzzParse(f *testing.F) {
	if dir := fixturesDir(); dir != "" {
		files, _ := filepath.Glob(filepath.Join(dir, "*.json"))
		for _, file := range files {
			body, err := os.ReadFile(file)
			if err != nil {
				f.Fatal(err)
			}
			f.Add(body)
		}
	}
	for _, tc := range badInputs() {
		if len(tc.body) < 4096 {
			f.Add([]byte(tc.body))
		}
	}
	f.Add([]byte(grafanaJSON(alertJSON("values", `{"A":1.5e3,"B":-0}`), alertJSON("fingerprint", ""))))
	f.Fuzz(func(t *testing.T, body []byte) {
		n, err := Parse(body, Options{MaxAlerts: 100})
		if err != nil {
			var e *Error
			if !errors.As(err, &e) || e.Path == "" || e.Msg == "" {
				t.Fatalf("error %T %q, want an *Error with a path and a message", err, err)
			}
			if n != nil {
				t.Fatal("notification returned with an error")
			}
			return
		}
		if !json.Valid(body) {
			t.Fatal("accepted invalid JSON")
		}
		if n.Format != FormatGrafana && n.Format != FormatAlertmanager {
			t.Fatalf("format %q", n.Format)
		}
		if n.Status != incident.Firing && n.Status != incident.Resolved {
			t.Fatalf("group status %q", n.Status)
		}
		if len(n.Alerts) > 100 {
			t.Fatalf("%d alerts, over MaxAlerts", len(n.Alerts))
		}
		for i, a := range n.Alerts {
			if a.Status != incident.Firing && a.Status != incident.Resolved {
				t.Fatalf("alerts[%d].Status %q", i, a.Status)
			}
			if a.Fingerprint == "" || a.Labels == nil {
				t.Fatalf("alerts[%d]: fingerprint %q, labels %v", i, a.Fingerprint, a.Labels)
			}
			if a.StartsAt.IsZero() || a.Source != n.Format {
				t.Fatalf("alerts[%d]: startsAt %v, source %q", i, a.StartsAt, a.Source)
			}
		}
	})
}

// FuzzValid checks that valid, Parse's fast syntax check, agrees with json.Valid.
func FuzzValid(f *testing.F) {
	for _, s := range []string{
		``, ` `, `{}`, `[]`, `[ ]`, `{ }`, `""`, `"\u00e9\ud83d\ude00\"\\\/\b\f\n\r\t"`, `"\x"`, `"\u12"`,
		"\"\x01\"", "\"\xff\"", `0`, `-0`, `01`, `1.`, `1.5e+3`, `1e`, `-`, `- 1`, `1x`, `true`, `tru`, `nul`,
		`{"a":1,}`, `[1,]`, `{"a" 1}`, `{1:2}`, `[1 2]`, `{"a":[{"b":null}]}`, `}`, `]`, `[}`, `{]`, `x`,
		`{"a":1}}`, `[[]]]`, "\ufeff{}",
	} {
		f.Add([]byte(s))
	}
	for _, tc := range badInputs() {
		if len(tc.body) < 4096 {
			f.Add([]byte(tc.body))
		}
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		if got, want := valid(b), json.Valid(b); got != want {
			t.Fatalf("valid(%q) = %v, json.Valid = %v", b, got, want)
		}
	})
}

func TestValidDepthLimit(t *testing.T) {
	for _, depth := range []int{maxDepth - 1, maxDepth, maxDepth + 1} {
		for _, open := range []string{"[", `{"a":`} {
			close := "]"
			if open != "[" {
				close = "}"
			}
			b := []byte(strings.Repeat(open, depth) + strings.Repeat(close, depth))
			if got, want := valid(b), json.Valid(b); got != want {
				t.Errorf("depth %d of %s: valid %v, json.Valid %v", depth, open, got, want)
			}
		}
	}
}
