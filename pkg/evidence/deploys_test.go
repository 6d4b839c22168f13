package evidence_test

import (
	"context"
	"encoding/json"
	"errors"
	"math"
	"net"
	"net/url"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/evidence"
	"github.com/foresight-aiops/foresight/pkg/rca"
)

// fixedIncident is an incident at a fixed time, for the replayed sources: its first alert
// at 10:00 UTC, a 30 min lookback and a last alert at 10:04.
func fixedIncident(cands ...string) rca.Request {
	t0 := time.Date(2024, 6, 11, 10, 0, 0, 0, time.UTC)
	return rca.Request{
		Incident:   rca.Incident{ID: "inc-1", Start: t0},
		Candidates: cands,
		From:       t0.Add(-30 * time.Minute),
		To:         t0.Add(4 * time.Minute),
	}
}

func TestDeploysFromGrafanaAnnotations(t *testing.T) {
	req := fixedIncident("checkout", "catalog", "payments")
	t0 := req.Incident.Start
	ms := func(d time.Duration) int64 { return t0.Add(d).UnixMilli() }
	f := &fakeGrafana{t: t, token: "sa-token", annotations: []grafanaAnnotation{
		{ID: 1, DashboardUID: "shop", PanelID: 4, Time: ms(-9 * time.Minute), TimeEnd: ms(-9 * time.Minute), Text: "Deployed checkout 1.5.0", Tags: []string{"deploy", "env:prod"}},
		{ID: 2, Time: ms(-20 * time.Minute), Text: "Release catalog-2024.06 to production", Tags: []string{"release"}}, // names catalog-2024.06, not catalog
		{ID: 3, Time: ms(-2 * time.Minute), Text: "Raised <b>pool size</b>", Tags: []string{"config", "service:payments"}},
		{ID: 4, Time: ms(-5 * time.Minute), Text: "Deployed checkout-db 14.2", Tags: []string{"deploy"}}, // another service
		{ID: 5, AlertID: 12, Time: ms(-3 * time.Minute), Text: "checkout latency alerting", Tags: []string{"deploy"}},
		{ID: 6, Time: ms(-2 * time.Hour), Text: "Deployed checkout 1.4.2", Tags: []string{"deploy"}},      // before the window
		{ID: 7, Time: ms(-1 * time.Minute), Text: "Deployed checkout 1.5.0", Tags: []string{"marketing"}}, // not a change tag
		{ID: 8, Time: ms(2 * time.Minute), Text: "Rolled back checkout to 1.4.2", Tags: []string{"deploy"}},
	}}
	srv := f.start()
	g := gatherer(t, evidence.Config{GrafanaURL: srv.URL + "/", GrafanaToken: "sa-token"}, nil, "deploys")
	budget := rca.NewBudget(10)
	ev, err := g.Gather(context.Background(), req, budget)
	if err != nil {
		t.Fatal(err)
	}
	if budget.Used() != 1 {
		t.Errorf("spent %d queries, want 1", budget.Used())
	}
	// The lookback is 30 min: a change d before the first alert weighs 0.95 × (1 − d/60).
	want := []struct {
		entity, signal, detail, url string
		strength                    float64
	}{
		{"checkout", "annotation 1", `deploy annotation "Deployed checkout 1.5.0" at 09:51 UTC, 9 min before the first alert`,
			srv.URL + "/d/shop?from=", 0.95 * (1 - 9.0/60)},
		{"checkout", "annotation 8", `deploy annotation "Rolled back checkout to 1.4.2" at 10:02 UTC, 2 min after the first alert`, "", 0.3},
		{"payments", "annotation 3", `config annotation "Raised pool size" at 09:58 UTC, 2 min before the first alert`, "", 0.95 * (1 - 2.0/60)},
	}
	if len(ev) != len(want) {
		t.Fatalf("got %d pieces of evidence, want %d: %+v", len(ev), len(want), ev)
	}
	got := byEntitySignal(ev)
	for _, w := range want {
		e, ok := got[[2]string{w.entity, w.signal}]
		switch {
		case !ok:
			t.Errorf("no evidence %s/%s in %+v", w.entity, w.signal, ev)
		case e.Kind != rca.KindDeploy || math.Abs(e.Strength-w.strength) > 1e-9:
			t.Errorf("%s: kind %s strength %.4f, want deploy %.4f", w.signal, e.Kind, e.Strength, w.strength)
		case e.Detail != w.detail:
			t.Errorf("%s: detail\n %q, want\n %q", w.signal, e.Detail, w.detail)
		case !strings.HasPrefix(e.URL, w.url) || (w.url == "") != (e.URL == "") || w.url != "" && !strings.HasSuffix(e.URL, "&viewPanel=4"):
			t.Errorf("%s: URL %q, want prefix %q", w.signal, e.URL, w.url)
		}
	}

	q := f.requests()[0].URL.Query()
	if !slices.Equal(q["tags"], []string{"deploy", "release", "config"}) || q.Get("matchAny") != "true" || q.Get("type") != "annotation" ||
		q.Get("from") != strconv.FormatInt(req.From.UnixMilli(), 10) || q.Get("to") != strconv.FormatInt(req.To.UnixMilli(), 10) || q.Get("limit") != "100" {
		t.Errorf("query %v", q)
	}
}

// TestDeploysReplayDocumentedAnswer reads Grafana's documented example answer.
func TestDeploysReplayDocumentedAnswer(t *testing.T) {
	srv := (&fakeGrafana{t: t, token: "tok", file: "grafana_annotations.json"}).start()
	g := gatherer(t, evidence.Config{GrafanaURL: srv.URL, GrafanaToken: "tok", AnnotationTags: []string{"tag1"}}, nil, "deploys")
	first := time.UnixMilli(1507266395000 + 5*60_000)
	req := rca.Request{Incident: rca.Incident{Start: first}, Candidates: []string{"tag2"}, From: first.Add(-30 * time.Minute), To: first}
	ev, err := g.Gather(context.Background(), req, rca.NewBudget(1))
	if err != nil {
		t.Fatal(err)
	}
	if len(ev) != 2 || ev[0].Signal != "annotation 1124" || ev[1].Signal != "annotation 1123" || ev[0].Entity != "tag2" {
		t.Fatalf("got %+v", ev)
	}
	if !strings.HasPrefix(ev[0].URL, srv.URL+"/d/uGlb_lG7z?from=") || !strings.HasSuffix(ev[0].URL, "&viewPanel=2") {
		t.Errorf("dashboard link %q", ev[0].URL)
	}
	if ev[0].Detail != `tag1 annotation "test" at 05:06 UTC, 5 min before the first alert` {
		t.Errorf("detail %q", ev[0].Detail)
	}
}

func TestDeploysGrafanaErrors(t *testing.T) {
	req := fixedIncident("checkout")
	good := (&fakeGrafana{t: t, token: "right"}).start()
	tests := []struct {
		name, url, token, want string
	}{
		{"wrong token", good.URL, "wrong", "answered 401 (Invalid API key): check grafana_token"},
		{"not the root URL", good.URL + "/grafana", "right", "not a Grafana API: GET /api/annotations answered 404"},
		{"unreachable", closedURL(t), "right", "reach Grafana at http://127.0.0.1:"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			g := gatherer(t, evidence.Config{GrafanaURL: tc.url, GrafanaToken: tc.token}, nil, "deploys")
			ev, err := g.Gather(context.Background(), req, rca.NewBudget(5))
			if err == nil || !strings.Contains(err.Error(), tc.want) || len(ev) != 0 {
				t.Fatalf("got %v, %v; want an error containing %q", ev, err, tc.want)
			}
			if !strings.HasPrefix(err.Error(), "annotations: ") {
				t.Errorf("error %q does not say which step failed", err)
			}
		})
	}

	t.Run("budget", func(t *testing.T) {
		f := &fakeGrafana{t: t, token: "right"}
		srv := f.start()
		g := gatherer(t, evidence.Config{GrafanaURL: srv.URL, GrafanaToken: "right"}, nil, "deploys")
		_, err := g.Gather(context.Background(), req, rca.NewBudget(0))
		if !errors.Is(err, rca.ErrBudget) || len(f.requests()) != 0 {
			t.Fatalf("error %v after %d requests, want rca.ErrBudget and none", err, len(f.requests()))
		}
	})
}

// closedURL is the URL of a port nothing listens on.
func closedURL(t *testing.T) string {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	u := "http://" + l.Addr().String()
	l.Close()
	return u
}

// exploreQueryOf decodes the first query of an Explore link's pane.
func exploreQueryOf(t *testing.T, link string) (pane map[string]any, query map[string]any) {
	t.Helper()
	u, err := url.Parse(link)
	if err != nil {
		t.Fatalf("link %q: %v", link, err)
	}
	var panes map[string]map[string]any
	if err := json.Unmarshal([]byte(u.Query().Get("panes")), &panes); err != nil {
		t.Fatalf("link %q: panes: %v", link, err)
	}
	pane = panes["rca"]
	qs, _ := pane["queries"].([]any)
	if len(qs) != 1 {
		t.Fatalf("link %q: want one query", link)
	}
	query, _ = qs[0].(map[string]any)
	return pane, query
}
