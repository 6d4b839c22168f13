package dashboards

import (
	"bytes"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/query"
	"github.com/foresight-aiops/foresight/pkg/source/prometheus"
)

// pluginID is the Foresight data source's plugin id, as in plugin.json.
const pluginID = "foresight-aiops-datasource"

// repoDir is the repository root, two levels above this package.
var repoDir = filepath.Join("..", "..")

// sampleValues stand in for variables whose value the dashboard does not fix (query
// variables), so that every query can be checked as the backend would receive it.
var sampleValues = map[string]string{
	"service":  "checkout",
	"incident": "m4x2k1-0a1b2c3d4e5f",
	"tenant":   ".*",
}

// queryEnv is the panel Grafana would send: a 6-hour range at 15-second intervals.
var queryEnv = query.Env{Interval: 15 * time.Second, Range: 6 * time.Hour}

// TestDashboards checks every bundled dashboard: schema, layout, data source references,
// variables, and every query through the backend's own validation.
func TestDashboards(t *testing.T) {
	tests := []struct {
		file  string
		uid   string
		kinds []query.Kind // Foresight query kinds the dashboard must use
		vars  []string     // variables it must declare
	}{
		{"executive.json", "foresight-executive", []query.Kind{query.KindIncidents, query.KindForecast},
			[]string{"foresight", "prometheus", "slo_target"}},
		{"oncall.json", "foresight-oncall",
			[]query.Kind{query.KindIncidents, query.KindHypotheses, query.KindAnnotations, query.KindVariables, query.KindAnomaly},
			[]string{"foresight", "prometheus", "incident", "service", "runbook_base"}},
		{"debug.json", "foresight-debug", []query.Kind{query.KindAnomaly, query.KindForecast, query.KindPatterns},
			[]string{"foresight", "prometheus", "loki", "tempo", "service"}},
		{"anomaly-bands.json", "foresight-anomaly-bands", []query.Kind{query.KindAnomaly}, []string{"foresight", "expr"}},
	}
	files, err := filepath.Glob(filepath.Join(repoDir, "dashboards", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, f := range files {
		names = append(names, filepath.Base(f))
	}
	var listed []string
	for _, tc := range tests {
		listed = append(listed, tc.file)
	}
	sort.Strings(listed)
	if !slices.Equal(names, listed) {
		t.Fatalf("dashboards/ holds %v; every dashboard needs a case here, and every case a file: %v", names, listed)
	}

	sch := relaxedSchema(t)
	for _, tc := range tests {
		t.Run(tc.file, func(t *testing.T) {
			raw, err := os.ReadFile(filepath.Join(repoDir, "dashboards", tc.file))
			if err != nil {
				t.Fatal(err)
			}
			d := decode(t, raw)
			if err := sch.Validate(d); err != nil {
				t.Errorf("schema: %v", err)
			}
			b := newBoard(d)
			used := b.checkAll(tc.uid, raw)
			for _, e := range b.errs {
				t.Error(e)
			}
			for _, v := range tc.vars {
				if _, ok := b.vars[v]; !ok {
					t.Errorf("variable %q is not declared", v)
				}
			}
			for _, k := range tc.kinds {
				if used[k] == 0 {
					t.Errorf("no %s query; the dashboard is meant to show one", k)
				}
			}
			t.Logf("Foresight queries by kind, all accepted by query.Parse: %v", used)
		})
	}
}

func decode(t *testing.T, raw []byte) map[string]any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.UseNumber()
	var d map[string]any
	if err := dec.Decode(&d); err != nil {
		t.Fatalf("not JSON: %v", err)
	}
	return d
}

// board is one dashboard under test. Its checks collect what is wrong in errs rather than
// failing a test, so that the checks themselves can be tested on broken dashboards.
type board struct {
	errs   []string
	d      map[string]any
	vars   map[string]map[string]any // by name
	panels []map[string]any          // every panel, those inside rows too
}

func (b *board) errorf(format string, args ...any) {
	b.errs = append(b.errs, fmt.Sprintf(format, args...))
}

func newBoard(d map[string]any) *board {
	b := &board{d: d, vars: map[string]map[string]any{}}
	for _, v := range list(d["templating"], "list") {
		name, _ := v["name"].(string)
		if _, dup := b.vars[name]; dup {
			b.errorf("variable %q declared twice", name)
		}
		b.vars[name] = v
	}
	for _, p := range objects(d["panels"]) {
		b.panels = append(b.panels, p)
		b.panels = append(b.panels, objects(p["panels"])...)
	}
	return b
}

// checkAll runs every check and returns how many Foresight queries of each kind the
// dashboard holds.
func (b *board) checkAll(uid string, raw []byte) map[query.Kind]int {
	b.checkHeader(uid)
	b.checkLayout()
	b.checkVariableReferences(string(raw))
	return b.checkQueries()
}

func (b *board) checkHeader(uid string) {
	if b.d["uid"] != uid {
		b.errorf("uid %v, want %s", b.d["uid"], uid)
	}
	if tags, _ := b.d["tags"].([]any); !slices.Contains(tags, any("foresight")) {
		b.errorf("tags %v lack foresight", tags)
	}
	if v, _ := b.d["schemaVersion"].(json.Number).Int64(); v < 39 || v > 41 {
		b.errorf("schemaVersion %d: want 39 to 41 (Grafana 11 and 12)", v)
	}
	if title, _ := b.d["title"].(string); !strings.HasPrefix(title, "Foresight") {
		b.errorf("title %q does not start with Foresight", title)
	}
	tm, _ := b.d["time"].(map[string]any)
	if from, _ := tm["from"].(string); !strings.HasPrefix(from, "now-") || tm["to"] != "now" {
		b.errorf("time %v: want a relative range ending now", tm)
	}
	if r, _ := b.d["refresh"].(string); r == "" {
		b.errorf("no refresh interval")
	} else if d, err := time.ParseDuration(r); err != nil || d < 10*time.Second {
		b.errorf("refresh %q: want a duration of 10s or more", r)
	}
}

// checkLayout: unique panel ids, and panels inside the 24-column grid without overlaps.
func (b *board) checkLayout() {
	ids := map[string]bool{}
	type rect struct {
		title      string
		x, y, w, h int64
	}
	var rects []rect
	for _, p := range b.panels {
		id := fmt.Sprint(p["id"])
		if ids[id] {
			b.errorf("panel id %s is used twice", id)
		}
		ids[id] = true
		g, ok := p["gridPos"].(map[string]any)
		if !ok {
			b.errorf("panel %s has no gridPos", id)
			continue
		}
		r := rect{title: fmt.Sprint(p["title"])}
		for k, dst := range map[string]*int64{"x": &r.x, "y": &r.y, "w": &r.w, "h": &r.h} {
			n, _ := g[k].(json.Number)
			*dst, _ = n.Int64()
		}
		if r.x < 0 || r.y < 0 || r.w < 1 || r.h < 1 || r.x+r.w > 24 {
			b.errorf("panel %q: gridPos %v is outside the 24-column grid", r.title, g)
		}
		for _, o := range rects {
			if r.x < o.x+o.w && o.x < r.x+r.w && r.y < o.y+o.h && o.y < r.y+r.h {
				b.errorf("panels %q and %q overlap", o.title, r.title)
			}
		}
		rects = append(rects, r)
	}
}

// varRef finds $name, ${name} and ${name:format} references.
var varRef = regexp.MustCompile(`\$\{([A-Za-z_][\w.]*)(?::[^}]*)?\}|\$([A-Za-z_]\w*)`)

// refName is the variable a varRef match names.
func refName(m []string) string { return m[1] + m[2] }

// checkVariableReferences: every variable the dashboard mentions is declared or one of
// Grafana's own ($__interval, ${__url_time_range}, ...).
func (b *board) checkVariableReferences(raw string) {
	seen := map[string]bool{}
	for _, m := range varRef.FindAllStringSubmatch(raw, -1) {
		name := refName(m)
		if strings.HasPrefix(name, "__") || seen[name] {
			continue
		}
		seen[name] = true
		if _, ok := b.vars[name]; !ok {
			b.errorf("$%s is used but not declared", name)
		}
	}
}

// dsType resolves a data source reference to its plugin type. Every reference must go
// through a declared datasource variable of the same type, so that the dashboards work
// whatever the data sources are called; only Grafana's built-in annotations are exempt.
func (b *board) dsType(ref any, where string) string {
	m, ok := ref.(map[string]any)
	if !ok {
		b.errorf("%s: data source %v is not a {type, uid} reference", where, ref)
		return ""
	}
	typ, _ := m["type"].(string)
	uid, _ := m["uid"].(string)
	if typ == "grafana" && uid == "-- Grafana --" {
		return typ
	}
	name, ok := strings.CutPrefix(uid, "${")
	name, closed := strings.CutSuffix(name, "}")
	v := b.vars[name]
	switch {
	case !ok || !closed:
		b.errorf("%s: data source uid %q is not a ${variable}", where, uid)
	case v == nil || v["type"] != "datasource":
		b.errorf("%s: data source variable %q is not declared as a datasource variable", where, name)
	case v["query"] != typ:
		b.errorf("%s: reference type %q, but variable %q lists %v data sources", where, typ, name, v["query"])
	}
	return typ
}

// checkQueries resolves every data source reference and validates every query: Foresight
// queries with query.Parse, exactly as the backend does, and Prometheus expressions with
// the PromQL parser. It returns the Foresight kinds found.
func (b *board) checkQueries() map[query.Kind]int {
	used := map[query.Kind]int{}
	check := func(ds any, q map[string]any, where string) {
		switch b.dsType(ds, where) {
		case pluginID:
			used[b.parseForesight(q, where)]++
		case "prometheus":
			if expr, ok := q["expr"].(string); ok {
				b.checkPromQL(expr, where)
			}
		}
	}
	for _, p := range b.panels {
		where := fmt.Sprintf("panel %q", p["title"])
		if ds, ok := p["datasource"]; ok {
			b.dsType(ds, where)
		}
		for _, target := range objects(p["targets"]) {
			ds, ok := target["datasource"]
			if !ok {
				ds = p["datasource"]
			}
			check(ds, target, fmt.Sprintf("%s target %v", where, target["refId"]))
		}
	}
	for _, a := range list(b.d["annotations"], "list") {
		where := fmt.Sprintf("annotation %q", a["name"])
		q, ok := a["target"].(map[string]any)
		if !ok {
			q = a // the legacy form: the query spread into the annotation
		}
		check(a["datasource"], q, where)
	}
	for name, v := range b.vars {
		if v["type"] != "query" {
			continue
		}
		where := fmt.Sprintf("variable %q", name)
		if q, ok := v["query"].(map[string]any); ok && b.dsType(v["datasource"], where) == pluginID {
			used[b.parseForesight(q, where)]++
		}
	}
	return used
}

// parseForesight substitutes the variables in a Foresight query and parses it as the
// backend does.
func (b *board) parseForesight(q map[string]any, where string) query.Kind {
	raw, err := json.Marshal(q)
	if err != nil {
		b.errorf("%s: %v", where, err)
		return ""
	}
	m, err := query.Parse([]byte(b.interpolate(string(raw))), queryEnv)
	if err != nil {
		b.errorf("%s: the backend refuses the query: %v\n%s", where, err, raw)
	}
	return m.Kind
}

func (b *board) checkPromQL(expr, where string) {
	if err := prometheus.CheckExpr(query.ExpandMacros(b.interpolate(expr), queryEnv)); err != nil {
		b.errorf("%s: PromQL %q: %v", where, expr, err)
	}
}

// interpolate replaces the dashboard's variables as Grafana would: with the current value
// when the dashboard fixes one (a datasource variable's is its uid), else a sample.
func (b *board) interpolate(s string) string {
	return varRef.ReplaceAllStringFunc(s, func(ref string) string {
		name := refName(varRef.FindStringSubmatch(ref))
		if strings.HasPrefix(name, "__") {
			return ref // Grafana's macros are the backend's to expand
		}
		if v, ok := sampleValues[name]; ok {
			return v
		}
		if cur, ok := b.vars[name]["current"].(map[string]any); ok {
			if v, ok := cur["value"].(string); ok && v != "$__all" {
				return v
			}
		}
		return "sample-" + name
	})
}

func objects(v any) []map[string]any {
	items, _ := v.([]any)
	var out []map[string]any
	for _, it := range items {
		if m, ok := it.(map[string]any); ok {
			out = append(out, m)
		}
	}
	return out
}

func list(v any, key string) []map[string]any {
	m, _ := v.(map[string]any)
	return objects(m[key])
}
