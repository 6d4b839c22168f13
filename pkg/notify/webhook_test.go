package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"

	"github.com/foresight-aiops/foresight/pkg/incident"
)

func TestWebhookBodyAndHeaders(t *testing.T) {
	var (
		mu     sync.Mutex
		header http.Header
		raw    map[string]any
		body   WebhookBody
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		mu.Lock()
		defer mu.Unlock()
		header = r.Header.Clone()
		b, _ := io.ReadAll(r.Body)
		_ = json.Unmarshal(b, &raw)
		_ = json.Unmarshal(b, &body)
		w.WriteHeader(http.StatusNoContent)
	}))
	t.Cleanup(srv.Close)

	s := NewWebhookSender(TargetConfig{
		Name: "ops-hook", Type: TypeWebhook, URL: srv.URL + "/hooks/foresight",
		Headers: map[string]string{"Authorization": "Bearer hook-secret-123", "X-Team": "sre"},
	}, "")
	n := testNotice(incident.NoticeOpened)
	it := testItem(t, "ops-hook", "opened", n)
	if err := s.Send(context.Background(), it, n); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	for name, want := range map[string]string{
		"Content-Type":    "application/json",
		"Idempotency-Key": it.Key,
		"Authorization":   "Bearer hook-secret-123",
		"X-Team":          "sre",
	} {
		if got := header.Get(name); got != want {
			t.Errorf("header %s = %q, want %q", name, got, want)
		}
	}
	for field, want := range map[string]any{"version": "1", "kind": "opened", "tenant": "acme", "summary": n.Summary, "key": it.Key} {
		if raw[field] != want {
			t.Errorf("%s = %v, want %v", field, raw[field], want)
		}
	}
	if _, has := raw["link"]; has {
		t.Errorf("link present without an incident URL: %v", raw["link"])
	}
	inc := body.Incident
	if inc.ID != "inc-1" || inc.State != incident.Open || inc.Severity != "critical" || inc.AlertCount != 3 ||
		!inc.StartedAt.Equal(t0) || len(inc.Services) != 2 || inc.Revision != 4 {
		t.Errorf("incident = %+v, want the notice's incident", inc)
	}
}

func TestWebhookStatusClassification(t *testing.T) {
	tests := []struct {
		status        int
		wantErr       bool
		wantPermanent bool
	}{
		{http.StatusOK, false, false},
		{http.StatusAccepted, false, false},
		{http.StatusMovedPermanently, true, true}, // redirects are not followed
		{http.StatusBadRequest, true, true},
		{http.StatusUnauthorized, true, true},
		{http.StatusNotFound, true, true},
		{http.StatusConflict, true, true},
		{http.StatusRequestTimeout, true, false},
		{http.StatusTooManyRequests, true, false},
		{http.StatusInternalServerError, true, false},
		{http.StatusBadGateway, true, false},
		{http.StatusServiceUnavailable, true, false},
	}
	for _, tt := range tests {
		t.Run(http.StatusText(tt.status), func(t *testing.T) {
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if tt.status/100 == 3 {
					w.Header().Set("Location", "/elsewhere")
				}
				w.WriteHeader(tt.status)
			}))
			t.Cleanup(srv.Close)
			s := NewWebhookSender(TargetConfig{Name: "hook", Type: TypeWebhook, URL: srv.URL}, "")
			n := testNotice(incident.NoticeOpened)
			err := s.Send(context.Background(), testItem(t, "hook", "opened", n), n)
			if (err != nil) != tt.wantErr || IsPermanent(err) != tt.wantPermanent {
				t.Errorf("status %d: err = %v, permanent = %v; want err %v, permanent %v", tt.status, err, IsPermanent(err), tt.wantErr, tt.wantPermanent)
			}
		})
	}
}
