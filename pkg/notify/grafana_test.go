package notify

import (
	"context"
	"reflect"
	"strings"
	"testing"

	"github.com/foresight-aiops/foresight/pkg/incident"
)

const testGrafanaToken = "glsa_fakeServiceAccountToken_0123456789"

func newTestGrafana(t *testing.T, cfg GrafanaConfig) (*fakeGrafana, *GrafanaSender, *memQueue) {
	f := newFakeGrafana(t, testGrafanaToken)
	cfg.URL = f.URL
	if cfg.Token == "" {
		cfg.Token = testGrafanaToken
	}
	q := newMemQueue()
	return f, NewGrafanaSender(cfg, q), q
}

func TestGrafanaCreateThenPatch(t *testing.T) {
	f, s, q := newTestGrafana(t, GrafanaConfig{Tags: []string{"prod"}, OrgID: 3})
	ctx := context.Background()

	opened := testNotice(incident.NoticeOpened)
	if err := s.Send(ctx, testItem(t, GrafanaTarget, KindAnnotation, opened), opened); err != nil {
		t.Fatal(err)
	}
	ref, _ := q.Ref(ctx, "acme", "inc-1", GrafanaTarget)
	if ref != "1" {
		t.Fatalf("stored annotation ref = %q, want the id Grafana returned (1)", ref)
	}
	a := f.annotation(1)
	wantTags := []any{"foresight", "incident", "incident:inc-1", "tenant:acme", "state:open", "severity:critical", "service:checkout", "service:payments", "prod"}
	if !reflect.DeepEqual(a["tags"], wantTags) {
		t.Errorf("tags = %v\nwant   %v", a["tags"], wantTags)
	}
	if a["time"] != float64(t0.UnixMilli()) || a["timeEnd"] != float64(t1.UnixMilli()) {
		t.Errorf("region = %v..%v, want StartedAt..UpdatedAt (%d..%d)", a["time"], a["timeEnd"], t0.UnixMilli(), t1.UnixMilli())
	}
	if a["text"] != "checkout latency high [open] — 3 alerts, 2 firing on checkout, payments\n3 alerts on checkout, payments" {
		t.Errorf("text = %q", a["text"])
	}
	if _, has := a["dashboardUID"]; has {
		t.Errorf("dashboardUID sent without one configured")
	}

	resolved := testNotice(incident.NoticeResolved, resolvedAt(t2))
	if err := s.Send(ctx, testItem(t, GrafanaTarget, KindAnnotation, resolved), resolved); err != nil {
		t.Fatal(err)
	}
	wantLog := []string{"GET /api/annotations", "POST /api/annotations", "PATCH /api/annotations/1"}
	if got := f.log(); !reflect.DeepEqual(got, wantLog) {
		t.Errorf("requests = %v, want %v", got, wantLog)
	}
	a = f.annotation(1)
	if a["timeEnd"] != float64(t2.UnixMilli()) {
		t.Errorf("timeEnd after resolve = %v, want ResolvedAt %d", a["timeEnd"], t2.UnixMilli())
	}
	if !hasTags(a, []string{"state:resolved"}) || hasTags(a, []string{"state:open"}) {
		t.Errorf("tags after resolve = %v, want state:resolved only", a["tags"])
	}
	for i, org := range f.orgIDs {
		if org != "3" {
			t.Errorf("request %d X-Grafana-Org-Id = %q, want 3", i, org)
		}
	}
}

func TestGrafanaAdoptsAnnotationWhoseIDWasLost(t *testing.T) {
	// A previous attempt created the annotation but crashed before SetRef.
	f, s, q := newTestGrafana(t, GrafanaConfig{})
	ctx := context.Background()
	n := testNotice(incident.NoticeOpened)
	if err := s.Send(ctx, testItem(t, GrafanaTarget, KindAnnotation, n), n); err != nil {
		t.Fatal(err)
	}
	q.refs = map[string]string{}

	if err := s.Send(ctx, testItem(t, GrafanaTarget, KindAnnotation, n), n); err != nil {
		t.Fatal(err)
	}
	wantLog := []string{"GET /api/annotations", "POST /api/annotations", "GET /api/annotations", "PATCH /api/annotations/1"}
	if got := f.log(); !reflect.DeepEqual(got, wantLog) {
		t.Errorf("requests = %v, want %v (no second annotation)", got, wantLog)
	}
	if ref, _ := q.Ref(ctx, "acme", "inc-1", GrafanaTarget); ref != "1" {
		t.Errorf("ref = %q, want the adopted annotation 1", ref)
	}
}

func TestGrafanaRecreatesDeletedAnnotation(t *testing.T) {
	f, s, q := newTestGrafana(t, GrafanaConfig{DashboardUID: "incidents"})
	ctx := context.Background()
	_ = q.SetRef(ctx, "acme", "inc-1", GrafanaTarget, "41") // deleted in Grafana since
	n := testNotice(incident.NoticeChanged)
	if err := s.Send(ctx, testItem(t, GrafanaTarget, KindAnnotation, n), n); err != nil {
		t.Fatal(err)
	}
	wantLog := []string{"PATCH /api/annotations/41", "POST /api/annotations"}
	if got := f.log(); !reflect.DeepEqual(got, wantLog) {
		t.Errorf("requests = %v, want %v", got, wantLog)
	}
	if ref, _ := q.Ref(ctx, "acme", "inc-1", GrafanaTarget); ref != "1" {
		t.Errorf("ref = %q, want the new annotation 1", ref)
	}
	if f.annotation(1)["dashboardUID"] != "incidents" {
		t.Errorf("dashboardUID = %v, want incidents", f.annotation(1)["dashboardUID"])
	}
}

func TestGrafanaBadTokenIsPermanent(t *testing.T) {
	_, s, _ := newTestGrafana(t, GrafanaConfig{Token: "glsa_wrongToken_abcdef"})
	n := testNotice(incident.NoticeOpened)
	err := s.Send(context.Background(), testItem(t, GrafanaTarget, KindAnnotation, n), n)
	if !IsPermanent(err) {
		t.Fatalf("err = %v, want a permanent error for 401", err)
	}
	if !strings.Contains(err.Error(), "401 Unauthorized: invalid API key") {
		t.Errorf("error %q should carry Grafana's status and message", err)
	}
	if strings.Contains(err.Error(), "glsa_wrongToken_abcdef") {
		t.Errorf("error %q leaks the token", err)
	}
}
