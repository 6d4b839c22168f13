package dashboards

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// TestChecksCatchMistakes breaks a good dashboard in one way at a time and expects the
// schema or the checks to say what is wrong: a check that passes everything proves nothing.
func TestChecksCatchMistakes(t *testing.T) {
	good, err := os.ReadFile(filepath.Join(repoDir, "dashboards", "oncall.json"))
	if err != nil {
		t.Fatal(err)
	}
	panel := func(d map[string]any, i int) map[string]any { return d["panels"].([]any)[i].(map[string]any) }
	target := func(d map[string]any, i int) map[string]any {
		return panel(d, i)["targets"].([]any)[0].(map[string]any)
	}
	tests := []struct {
		name   string
		mutate func(d map[string]any)
		want   string
	}{
		{"panel wider than the grid", func(d map[string]any) { panel(d, 0)["gridPos"].(map[string]any)["w"] = json.Number("30") },
			"at '/panels/0/gridPos/w': maximum: got 30, want 24"},
		{"unknown panel property", func(d map[string]any) { panel(d, 0)["colour"] = "red" }, "additional properties 'colour' not allowed"},
		{"no annotations", func(d map[string]any) { delete(d, "annotations") }, "missing property 'annotations'"},
		{"wrong variable type", func(d map[string]any) {
			d["templating"].(map[string]any)["list"].([]any)[0].(map[string]any)["type"] = "list"
		}, "/templating/list/0/type"},
		{"duplicate panel id", func(d map[string]any) { panel(d, 1)["id"] = panel(d, 0)["id"] }, "is used twice"},
		{"overlapping panels", func(d map[string]any) { panel(d, 1)["gridPos"] = panel(d, 0)["gridPos"] }, "overlap"},
		{"hard-coded data source uid", func(d map[string]any) {
			target(d, 0)["datasource"] = map[string]any{"type": pluginID, "uid": "foresight"}
		}, `data source uid "foresight" is not a ${variable}`},
		{"undeclared data source variable", func(d map[string]any) {
			panel(d, 0)["datasource"] = map[string]any{"type": pluginID, "uid": "${fs}"}
		}, `variable "fs" is not declared as a datasource variable`},
		{"reference type differs from the variable's", func(d map[string]any) {
			target(d, 0)["datasource"] = map[string]any{"type": "prometheus", "uid": "${foresight}"}
		}, `reference type "prometheus"`},
		{"undeclared variable", func(d map[string]any) { panel(d, 0)["title"] = "Incidents of $team" }, "$team is used but not declared"},
		{"query the backend refuses", func(d map[string]any) { target(d, 0)["states"] = []any{"closed"} }, `query field "states"`},
		{"limit out of range", func(d map[string]any) { target(d, 0)["limit"] = json.Number("501") }, `query field "limit"`},
		{"bad PromQL", func(d map[string]any) { target(d, 3)["expr"] = "rate(http_requests_total[5m]" }, "backend refuses"},
		{"wrong uid", func(d map[string]any) { d["uid"] = "oncall" }, "want foresight-oncall"},
		{"old schema version", func(d map[string]any) { d["schemaVersion"] = json.Number("27") }, "schemaVersion 27"},
	}
	sch := relaxedSchema(t)
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			d := decode(t, good)
			tc.mutate(d)
			raw, err := json.Marshal(d)
			if err != nil {
				t.Fatal(err)
			}
			d = decode(t, raw)
			var problems []string
			if err := sch.Validate(d); err != nil {
				problems = append(problems, err.Error())
			}
			b := newBoard(d)
			b.checkAll("foresight-oncall", raw)
			problems = append(problems, b.errs...)
			for _, p := range problems {
				if strings.Contains(p, tc.want) {
					return
				}
			}
			t.Errorf("no problem mentions %q; found %q", tc.want, problems)
		})
	}
}
