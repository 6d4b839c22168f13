package plugin

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/data"

	"github.com/foresight-aiops/foresight/pkg/source/receiver/receivertest"
)

// shop is a real receiver holding two incidents of tenant a from real webhooks: node's
// (open, analysed: a deployment of node is the probable cause) and andromeda's, which
// names no service (acknowledged).
type shop struct {
	rc        *receivertest.Receiver
	node, cpu string
}

func startShop(t *testing.T) shop {
	t.Helper()
	rc := receivertest.Start(t, receivertest.Deploys{"node": "node-exporter 1.8.0 rolled out"})
	cpu := rc.Post(receivertest.TokenA, receivertest.Fixture(t, receivertest.CPUTemperature))
	node := rc.Post(receivertest.TokenA, receivertest.Fixture(t, receivertest.InstanceDown))
	if len(node) != 1 || len(cpu) != 1 {
		t.Fatalf("incidents %v %v, want one each", node, cpu)
	}
	rc.WaitAnalysed(receivertest.TokenA, node[0])
	rc.WaitAnalysed(receivertest.TokenA, cpu[0])
	rc.Act(receivertest.TokenA, cpu[0], "acknowledge")
	return shop{rc: rc, node: node[0], cpu: cpu[0]}
}

// ds is a data source reading the shop's receiver with token.
func (s shop) ds(t *testing.T, token string) *Datasource {
	return instance(t, map[string]any{"receiverUrl": s.rc.URL}, map[string]string{"receiverToken": token})
}

// since2020 is a panel range holding both incidents.
var since2020 = backend.TimeRange{From: time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Now().Add(time.Minute)}

// run sends one query through QueryData, as Grafana does.
func run(t *testing.T, ds *Datasource, js string, tr backend.TimeRange) backend.DataResponse {
	t.Helper()
	resp, err := ds.QueryData(context.Background(), &backend.QueryDataRequest{Queries: []backend.DataQuery{
		{RefID: "A", JSON: []byte(js), Interval: time.Minute, MaxDataPoints: 1000, TimeRange: tr},
	}})
	if err != nil {
		t.Fatal(err)
	}
	return resp.Responses["A"]
}

// oneFrame returns the response's only frame, failing on an error. The frame is the one
// Grafana gets: encoded to Arrow, as the plugin protocol sends it, and decoded again.
func oneFrame(t *testing.T, r backend.DataResponse) *data.Frame {
	t.Helper()
	if r.Error != nil {
		t.Fatalf("error response %d: %v", r.Status, r.Error)
	}
	if len(r.Frames) != 1 {
		t.Fatalf("%d frames, want 1", len(r.Frames))
	}
	raw, err := r.Frames[0].MarshalArrow()
	if err != nil {
		t.Fatalf("frame %q does not encode: %v", r.Frames[0].Name, err)
	}
	f, err := data.UnmarshalArrowFrame(raw)
	if err != nil {
		t.Fatal(err)
	}
	return f
}

// column returns a field's values as a slice of T.
func column[T any](t *testing.T, f *data.Frame, name string) []T {
	t.Helper()
	fl, i := f.FieldByName(name)
	if i < 0 {
		t.Fatalf("frame %q has no field %q (fields %v)", f.Name, name, fieldNames(f))
	}
	out := make([]T, fl.Len())
	for j := range out {
		v, ok := fl.At(j).(T)
		if !ok {
			t.Fatalf("field %q holds %T, want %T", name, fl.At(j), *new(T))
		}
		out[j] = v
	}
	return out
}

func TestIncidentsKind(t *testing.T) {
	s := startShop(t)
	ds := s.ds(t, receivertest.TokenA)
	f := oneFrame(t, run(t, ds, `{"refId":"A","kind":"incidents"}`, since2020))
	want := []string{"id", "title", "state", "severity", "started", "duration", "alerts", "services", "hypothesis", "confidence", "link"}
	if f.Name != "incidents" || !slices.Equal(fieldNames(f), want) {
		t.Fatalf("frame %q fields %v, want incidents %v", f.Name, fieldNames(f), want)
	}
	if f.Meta.Type != data.FrameTypeTable || !strings.Contains(f.Meta.ExecutedQueryString, "/api/v1/incidents?") {
		t.Errorf("meta %+v", f.Meta)
	}
	// Newest first: node's alerts started in 2023, andromeda's in 2020.
	if ids := column[string](t, f, "id"); !slices.Equal(ids, []string{s.node, s.cpu}) {
		t.Fatalf("ids %v, want %v", ids, []string{s.node, s.cpu})
	}
	started := time.Date(2023, 6, 12, 8, 24, 38, 326e6, time.UTC)
	checks := []struct {
		field string
		got   any
		want  any
	}{
		{"state", column[string](t, f, "state"), []string{"open", "acknowledged"}},
		{"severity", column[string](t, f, "severity"), []string{"critical", "critical"}},
		{"started", column[time.Time](t, f, "started")[0], started},
		{"alerts", column[int64](t, f, "alerts"), []int64{2, 2}},
		{"services", column[string](t, f, "services"), []string{"node", ""}},
		{"hypothesis", column[string](t, f, "hypothesis")[0], "node"},
		{"link", column[string](t, f, "link")[0], "/d/foresight-oncall/foresight-on-call?var-incident=" + s.node},
	}
	for _, c := range checks {
		if fmt.Sprint(c.got) != fmt.Sprint(c.want) {
			t.Errorf("%s: got %v, want %v", c.field, c.got, c.want)
		}
	}
	if titles := column[string](t, f, "title"); titles[1] != "High CPU core temperature" || titles[0] == "" {
		t.Errorf("titles %q", titles)
	}
	// Open incidents last until now.
	if d := column[float64](t, f, "duration")[0]; math.Abs(d-time.Since(started).Seconds()) > 60 {
		t.Errorf("duration %v s, want about %v", d, time.Since(started).Seconds())
	}
	conf := column[*float64](t, f, "confidence")
	if conf[0] == nil || *conf[0] <= 0.5 || *conf[0] > 1 {
		t.Errorf("confidence of node %v, want a clear cause", conf[0])
	}
	if id, _ := f.FieldByName("id"); len(id.Config.Links) != 1 || id.Config.Links[0].URL != "/d/foresight-oncall/foresight-on-call?var-incident=${__value.raw}" {
		t.Errorf("id links %+v", id.Config)
	}
	for field, unit := range map[string]string{"duration": "s", "confidence": "percentunit"} {
		if fl, _ := f.FieldByName(field); fl.Config == nil || fl.Config.Unit != unit {
			t.Errorf("%s unit %+v, want %s", field, fl.Config, unit)
		}
	}

	filters := []struct {
		name, json string
		tr         backend.TimeRange
		want       []string
	}{
		{"service", `{"kind":"incidents","service":"node"}`, since2020, []string{s.node}},
		{"states", `{"kind":"incidents","states":["acknowledged"]}`, since2020, []string{s.cpu}},
		{"no resolved ones", `{"kind":"incidents","states":["resolved","merged"]}`, since2020, nil},
		{"limit", `{"kind":"incidents","limit":1}`, since2020, []string{s.node}},
		{"range before both", `{"kind":"incidents"}`, backend.TimeRange{From: time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC)}, nil},
	}
	for _, tc := range filters {
		t.Run(tc.name, func(t *testing.T) {
			f := oneFrame(t, run(t, ds, tc.json, tc.tr))
			if ids := column[string](t, f, "id"); fmt.Sprint(ids) != fmt.Sprint(tc.want) {
				t.Errorf("ids %v, want %v", ids, tc.want)
			}
			if len(f.Fields) != len(want) {
				t.Errorf("empty table lost its fields: %v", fieldNames(f))
			}
		})
	}
	if f := oneFrame(t, run(t, ds, `{"kind":"incidents","limit":1}`, since2020)); len(f.Meta.Notices) != 1 || !strings.Contains(f.Meta.Notices[0].Text, "more than 1 incidents match") {
		t.Errorf("no notice of the incidents left out: %+v", f.Meta.Notices)
	}

	// A resolved incident lasts from its start to its resolution.
	s.rc.Act(receivertest.TokenA, s.cpu, "resolve")
	f = oneFrame(t, run(t, ds, `{"kind":"incidents","states":["resolved"]}`, since2020))
	if d := column[float64](t, f, "duration"); len(d) != 1 || math.Abs(d[0]-time.Since(time.Date(2020, 2, 6, 0, 17, 58, 432e6, time.UTC)).Seconds()) > 60 {
		t.Errorf("resolved duration %v", d)
	}
}

func TestHypothesesKind(t *testing.T) {
	s := startShop(t)
	ds := s.ds(t, receivertest.TokenA)
	want := []string{"incident", "rank", "entity", "confidence", "kinds", "explanation", "evidence"}

	f := oneFrame(t, run(t, ds, fmt.Sprintf(`{"kind":"hypotheses","incidentId":%q}`, s.node), since2020))
	if f.Name != "hypotheses" || !slices.Equal(fieldNames(f), want) {
		t.Fatalf("frame %q fields %v, want hypotheses %v", f.Name, fieldNames(f), want)
	}
	if f.Rows() == 0 {
		t.Fatal("no hypotheses")
	}
	if got := column[string](t, f, "incident"); slices.ContainsFunc(got, func(id string) bool { return id != s.node }) {
		t.Errorf("incident column %v", got)
	}
	ranks := column[int64](t, f, "rank")
	conf := column[float64](t, f, "confidence")
	for i := range ranks {
		if ranks[i] != int64(i+1) || conf[i] < 0 || conf[i] > 1 || (i > 0 && conf[i] > conf[i-1]) {
			t.Errorf("row %d: rank %d confidence %v (previous %v)", i, ranks[i], conf[i], conf[max(0, i-1)])
		}
	}
	if e := column[string](t, f, "entity")[0]; e != "node" {
		t.Errorf("top entity %q", e)
	}
	if k := column[string](t, f, "kinds")[0]; !strings.Contains(k, "deploy") {
		t.Errorf("kinds %q", k)
	}
	if x := column[string](t, f, "explanation")[0]; !strings.Contains(x, "node-exporter 1.8.0 rolled out") {
		t.Errorf("explanation %q", x)
	}
	if ev := column[string](t, f, "evidence")[0]; ev != receivertest.DeployURL("node") {
		t.Errorf("evidence %q", ev)
	}
	if fl, _ := f.FieldByName("confidence"); fl.Config == nil || fl.Config.Unit != "percentunit" {
		t.Errorf("confidence config %+v", fl.Config)
	}

	// Without an incident: every open or acknowledged one, newest first.
	f = oneFrame(t, run(t, ds, `{"kind":"hypotheses"}`, since2020))
	ids := slices.Compact(column[string](t, f, "incident"))
	if !slices.Equal(ids, []string{s.node, s.cpu}) {
		t.Errorf("incidents %v, want %v", ids, []string{s.node, s.cpu})
	}
	f = oneFrame(t, run(t, ds, `{"kind":"hypotheses","limit":1}`, since2020))
	if ids := slices.Compact(column[string](t, f, "incident")); !slices.Equal(ids, []string{s.node}) {
		t.Errorf("limit 1: incidents %v", ids)
	}

	r := run(t, ds, `{"kind":"hypotheses","incidentId":"no-such-incident"}`, since2020)
	if r.Error == nil || r.Status != backend.StatusBadRequest || !strings.Contains(r.Error.Error(), `404 Not Found: no incident "no-such-incident"`) {
		t.Errorf("unknown incident: %d %v", r.Status, r.Error)
	}
}

// TestHypothesesUnavailable: without analysis, the table is empty and a notice says why,
// so that it does not read as "no cause".
func TestHypothesesUnavailable(t *testing.T) {
	rc := receivertest.Start(t, nil, "-rca.enabled=false")
	id := rc.Post(receivertest.TokenA, receivertest.Fixture(t, receivertest.InstanceDown))[0]
	ds := instance(t, map[string]any{"receiverUrl": rc.URL}, map[string]string{"receiverToken": receivertest.TokenA})
	for _, js := range []string{fmt.Sprintf(`{"kind":"hypotheses","incidentId":%q}`, id), `{"kind":"hypotheses"}`} {
		f := oneFrame(t, run(t, ds, js, since2020))
		if f.Rows() != 0 || len(f.Meta.Notices) != 1 || !strings.Contains(f.Meta.Notices[0].Text, "incident "+id+": root-cause analysis unavailable: root-cause analysis is disabled") {
			t.Errorf("%s: %d rows, notices %+v", js, f.Rows(), f.Meta.Notices)
		}
	}
	f := oneFrame(t, run(t, ds, `{"kind":"incidents"}`, since2020))
	if h := column[string](t, f, "hypothesis"); len(h) != 1 || h[0] != "" {
		t.Errorf("hypothesis column %q", h)
	}
	if c := column[*float64](t, f, "confidence"); c[0] != nil {
		t.Errorf("confidence %v, want null", *c[0])
	}
	f = oneFrame(t, run(t, ds, `{"kind":"annotations"}`, since2020))
	if txt := column[string](t, f, "text"); !strings.HasSuffix(txt[0], "\nNo root-cause hypotheses yet.") {
		t.Errorf("text %q", txt)
	}
}

func TestAnnotationsKind(t *testing.T) {
	s := startShop(t)
	ds := s.ds(t, receivertest.TokenA)
	f := oneFrame(t, run(t, ds, `{"kind":"annotations"}`, since2020))
	want := []string{"time", "timeEnd", "isRegion", "title", "text", "tags", "color"}
	if !slices.Equal(fieldNames(f), want) || f.Rows() != 2 {
		t.Fatalf("fields %v rows %d, want %v and 2", fieldNames(f), f.Rows(), want)
	}
	if got := column[time.Time](t, f, "time")[0]; !got.Equal(time.Date(2023, 6, 12, 8, 24, 38, 326e6, time.UTC)) {
		t.Errorf("start %v", got)
	}
	if end := column[time.Time](t, f, "timeEnd")[0]; time.Since(end) > time.Minute || time.Since(end) < 0 {
		t.Errorf("an open incident's region ends at %v, not now", end)
	}
	if r := column[bool](t, f, "isRegion"); !slices.Equal(r, []bool{true, true}) {
		t.Errorf("isRegion %v", r)
	}
	if c := column[string](t, f, "color"); !slices.Equal(c, []string{"red", "orange"}) {
		t.Errorf("colours %v", c)
	}
	title := column[string](t, f, "title")[0]
	text := column[string](t, f, "text")[0]
	lines := strings.Split(text, "\n")
	if len(lines) < 3 || lines[0] != title || !strings.HasPrefix(lines[1], "Probable cause: node (confidence ") ||
		!strings.HasPrefix(lines[2], "1. node (") || !strings.Contains(lines[2], "node-exporter 1.8.0 rolled out") || len(lines) > 2+annotationHypotheses {
		t.Errorf("text %q", text)
	}
	var tags []string
	if err := json.Unmarshal(column[json.RawMessage](t, f, "tags")[0], &tags); err != nil || !slices.Equal(tags, []string{"foresight", "incident", "open", "critical", "node"}) {
		t.Errorf("tags %v %v", tags, err)
	}
	f = oneFrame(t, run(t, ds, `{"kind":"annotations","service":"node","states":["open"]}`, since2020))
	if f.Rows() != 1 {
		t.Errorf("service filter: %d rows", f.Rows())
	}
}

func TestVariablesKind(t *testing.T) {
	s := startShop(t)
	ds := s.ds(t, receivertest.TokenA)
	tests := []struct {
		json         string
		texts, value []string
	}{
		{`{"kind":"variables","variable":"services"}`, []string{"node"}, []string{"node"}},
		{`{"kind":"variables","variable":"incidents"}`, []string{s.node + " ", s.cpu + " High CPU core temperature"}, []string{s.node, s.cpu}},
		{`{"kind":"variables","variable":"incidents","limit":1}`, []string{s.node + " "}, []string{s.node}},
	}
	for _, tc := range tests {
		f := oneFrame(t, run(t, ds, tc.json, since2020))
		if !slices.Equal(fieldNames(f), []string{"text", "value"}) {
			t.Fatalf("fields %v", fieldNames(f))
		}
		texts, values := column[string](t, f, "text"), column[string](t, f, "value")
		if !slices.Equal(values, tc.value) || len(texts) != len(tc.texts) {
			t.Errorf("%s: values %v texts %q", tc.json, values, texts)
		}
		for i := range texts {
			if !strings.HasPrefix(texts[i], tc.texts[i]) {
				t.Errorf("%s: text %q, want %q…", tc.json, texts[i], tc.texts[i])
			}
		}
	}
	// Services of a range without incidents: none.
	f := oneFrame(t, run(t, ds, `{"kind":"variables","variable":"services"}`, backend.TimeRange{From: time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2019, 2, 1, 0, 0, 0, 0, time.UTC)}))
	if f.Rows() != 0 {
		t.Errorf("%d services in an empty range", f.Rows())
	}
}

// TestReceiverKindErrors: another tenant's token sees nothing; a wrong token, a receiver
// that is down, a missing URL and a bad query each get an error that says which.
func TestReceiverKindErrors(t *testing.T) {
	s := startShop(t)
	other := s.ds(t, receivertest.TokenB)
	for _, js := range []string{`{"kind":"incidents","states":["open","acknowledged","resolved","merged"]}`, `{"kind":"hypotheses"}`, `{"kind":"annotations"}`, `{"kind":"variables","variable":"incidents"}`} {
		if f := oneFrame(t, run(t, other, js, since2020)); f.Rows() != 0 {
			t.Errorf("tenant b: %s gives %d rows", js, f.Rows())
		}
	}
	if r := run(t, other, fmt.Sprintf(`{"kind":"hypotheses","incidentId":%q}`, s.node), since2020); r.Error == nil || !strings.Contains(r.Error.Error(), "404") {
		t.Errorf("tenant b read a's hypotheses: %v", r.Error)
	}

	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	down := "http://" + l.Addr().String()
	l.Close()
	tests := []struct {
		name   string
		ds     *Datasource
		json   string
		status backend.Status
		want   string
	}{
		{"wrong token", s.ds(t, "not-the-token"), `{"kind":"incidents"}`, backend.StatusUnauthorized,
			"list incidents: receiver answered /api/v1/incidents with 401 Unauthorized: invalid bearer token (check the receiver token in the data source settings)"},
		{"receiver down", instance(t, map[string]any{"receiverUrl": down}, map[string]string{"receiverToken": "x"}), `{"kind":"annotations"}`, backend.StatusBadGateway,
			"reach the receiver at " + down},
		{"no receiver URL", instance(t, map[string]any{"prometheusUrl": "http://p:9090"}, nil), `{"kind":"variables","variable":"services"}`, backend.StatusBadRequest,
			"the receiver URL is not set in the data source settings"},
		{"bad receiver URL", instance(t, map[string]any{"receiverUrl": "receiver:9480"}, nil), `{"kind":"incidents"}`, backend.StatusBadRequest,
			`receiver URL "receiver:9480" must be an absolute http or https URL`},
		{"bad limit", s.ds(t, receivertest.TokenA), `{"kind":"incidents","limit":0}`, backend.StatusBadRequest,
			`query field "limit": 0 is outside 1 to 500`},
		{"bad state", s.ds(t, receivertest.TokenA), `{"kind":"annotations","states":["firing"]}`, backend.StatusBadRequest,
			`query field "states": "firing" is not an incident state`},
		{"bad variable", s.ds(t, receivertest.TokenA), `{"kind":"variables","variable":"hosts"}`, backend.StatusBadRequest,
			`query field "variable": "hosts" is not a variable query`},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			r := run(t, tc.ds, tc.json, since2020)
			if r.Error == nil || r.Status != tc.status || !strings.Contains(r.Error.Error(), tc.want) {
				t.Errorf("status %d error %v, want %d %q", r.Status, r.Error, tc.status, tc.want)
			}
		})
	}
}

func TestReceiverHealth(t *testing.T) {
	s := startShop(t)
	tests := []struct {
		name  string
		token string
		ok    bool
		want  string
	}{
		{"ready and token accepted", receivertest.TokenA, true, "Receiver: OK, ready and the token is accepted"},
		{"wrong token", "not-the-token", false, "Receiver: receiver answered /api/v1/incidents with 401 Unauthorized: invalid bearer token"},
		{"no token", "", false, "Receiver: ready, but the receiver token is not set"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			h, err := s.ds(t, tc.token).CheckHealth(context.Background(), &backend.CheckHealthRequest{})
			if err != nil {
				t.Fatal(err)
			}
			if !strings.Contains(h.Message, tc.want) {
				t.Errorf("message %q lacks %q", h.Message, tc.want)
			}
			// No Prometheus is configured: a receiver-only data source is healthy when the
			// receiver is.
			if wantOK := tc.ok; (h.Status == backend.HealthStatusOk) != wantOK {
				t.Errorf("status %v, want ok=%v (%q)", h.Status, wantOK, h.Message)
			}
			var details struct{ Sources []probeResult }
			if err := json.Unmarshal(h.JSONDetails, &details); err != nil {
				t.Fatal(err)
			}
			i := slices.IndexFunc(details.Sources, func(p probeResult) bool { return p.Source == "Receiver" })
			if i < 0 || details.Sources[i].OK != tc.ok || details.Sources[i].URL != s.rc.URL {
				t.Errorf("receiver probe %+v, want ok=%v", details.Sources, tc.ok)
			}
			if tc.token != "" && strings.Contains(h.Message+string(h.JSONDetails), tc.token) {
				t.Error("the token leaked into the health result")
			}
		})
	}
}
