package dashboards

import (
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"testing"

	"gopkg.in/yaml.v3"
)

// envRef finds the ${NAME} references Grafana replaces with its environment.
var envRef = regexp.MustCompile(`\$\{([A-Z][A-Z0-9_]*)\}`)

// readYAML decodes a provisioning file into v and returns its text.
func readYAML(t *testing.T, rel string, v any) string {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join(repoDir, "provisioning", rel))
	if err != nil {
		t.Fatal(err)
	}
	if err := yaml.Unmarshal(raw, v); err != nil {
		t.Fatalf("%s: %v", rel, err)
	}
	return string(raw)
}

func TestProvisioning(t *testing.T) {
	readme, err := os.ReadFile(filepath.Join(repoDir, "provisioning", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		file  string
		check func(t *testing.T, file string) string // returns the file's text
	}{
		{"datasources/foresight.yaml", checkDataSources},
		{"dashboards/foresight.yaml", checkDashboardProvider},
		{"alerting/foresight.yaml", checkAlerting},
	}
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			text := tc.check(t, tc.file)
			for _, m := range envRef.FindAllStringSubmatch(text, -1) {
				if !strings.Contains(string(readme), "`"+m[1]+"`") {
					t.Errorf("${%s} is not documented in provisioning/README.md", m[1])
				}
			}
			if strings.Contains(text, "password:") || strings.Contains(text, "token: ") {
				t.Error("a secret is written into the file instead of taken from the environment")
			}
		})
	}
}

func checkDataSources(t *testing.T, file string) string {
	var f struct {
		APIVersion  int `yaml:"apiVersion"`
		Datasources []struct {
			Name, UID, Type, URL string
			JSONData             map[string]any    `yaml:"jsonData"`
			SecureJSONData       map[string]string `yaml:"secureJsonData"`
		}
	}
	text := readYAML(t, file, &f)
	if f.APIVersion != 1 {
		t.Errorf("apiVersion %d, want 1", f.APIVersion)
	}
	want := map[string]string{ // json field → environment variable
		"prometheusUrl": "${FORESIGHT_PROMETHEUS_URL}", "lokiUrl": "${FORESIGHT_LOKI_URL}",
		"tempoUrl": "${FORESIGHT_TEMPO_URL}", "receiverUrl": "${FORESIGHT_RECEIVER_URL}",
	}
	var found bool
	for _, ds := range f.Datasources {
		if ds.Type != pluginID {
			continue
		}
		found = true
		// The dashboards' foresight variable defaults to this uid.
		if ds.UID != "foresight" {
			t.Errorf("Foresight data source uid %q, want foresight", ds.UID)
		}
		for k, v := range want {
			if ds.JSONData[k] != v {
				t.Errorf("jsonData.%s = %v, want %s", k, ds.JSONData[k], v)
			}
		}
		if ds.SecureJSONData["receiverToken"] != "${FORESIGHT_RECEIVER_TOKEN}" {
			t.Errorf("secureJsonData.receiverToken = %q, want ${FORESIGHT_RECEIVER_TOKEN}", ds.SecureJSONData["receiverToken"])
		}
	}
	if !found {
		t.Errorf("no %s data source", pluginID)
	}
	return text
}

func checkDashboardProvider(t *testing.T, file string) string {
	var f struct {
		APIVersion int `yaml:"apiVersion"`
		Providers  []struct {
			Name, Type string
			Options    struct{ Path string }
		}
	}
	text := readYAML(t, file, &f)
	if f.APIVersion != 1 || len(f.Providers) != 1 {
		t.Fatalf("apiVersion %d with %d providers, want 1 and 1", f.APIVersion, len(f.Providers))
	}
	p := f.Providers[0]
	if p.Type != "file" || p.Options.Path != "/var/lib/grafana/plugins/"+pluginID+"/dashboards" {
		t.Errorf("provider %+v: want a file provider reading the plugin's dashboards folder", p)
	}
	return text
}

func checkAlerting(t *testing.T, file string) string {
	type receiver struct {
		UID, Type             string
		DisableResolveMessage bool `yaml:"disableResolveMessage"`
		Settings              map[string]any
	}
	var f struct {
		APIVersion    int `yaml:"apiVersion"`
		ContactPoints []struct {
			OrgID     int `yaml:"orgId"`
			Name      string
			Receivers []receiver
		} `yaml:"contactPoints"`
		Policies []struct {
			OrgID    int `yaml:"orgId"`
			Receiver string
			GroupBy  []string `yaml:"group_by"`
		}
	}
	text := readYAML(t, file, &f)
	if f.APIVersion != 1 || len(f.ContactPoints) != 1 || len(f.Policies) != 1 {
		t.Fatalf("apiVersion %d, %d contact points, %d policies: want 1, 1, 1", f.APIVersion, len(f.ContactPoints), len(f.Policies))
	}
	cp := f.ContactPoints[0]
	if cp.Name != "Foresight receiver" || len(cp.Receivers) != 1 {
		t.Fatalf("contact point %q with %d receivers", cp.Name, len(cp.Receivers))
	}
	r := cp.Receivers[0]
	for k, want := range map[string]any{
		"url":                       "${FORESIGHT_RECEIVER_URL}/api/v1/alerts/grafana",
		"httpMethod":                "POST",
		"authorization_scheme":      "Bearer",
		"authorization_credentials": "${FORESIGHT_RECEIVER_TOKEN}",
	} {
		if r.Settings[k] != want {
			t.Errorf("webhook setting %s = %v, want %v", k, r.Settings[k], want)
		}
	}
	if r.Type != "webhook" || r.DisableResolveMessage {
		t.Errorf("receiver %+v: want a webhook that also sends resolved alerts (they close incidents)", r)
	}
	if p := f.Policies[0]; p.Receiver != cp.Name || p.OrgID != cp.OrgID {
		t.Errorf("policy routes to %q in org %d, want %q in org %d", p.Receiver, p.OrgID, cp.Name, cp.OrgID)
	}
	return text
}
