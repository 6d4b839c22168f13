package notify

import (
	"context"
	"errors"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/incident"
)

func TestParseRetryAfter(t *testing.T) {
	now := time.Date(2026, 3, 14, 12, 0, 0, 0, time.UTC)
	tests := []struct {
		in     string
		want   time.Duration
		wantOK bool
	}{
		{"", 0, false},
		{"120", 2 * time.Minute, true},
		{" 5 ", 5 * time.Second, true},
		{"0", 0, true},
		{"-3", 0, false},
		{"soon", 0, false},
		{"Sat, 14 Mar 2026 12:00:30 GMT", 30 * time.Second, true},
		{"Sat, 14 Mar 2026 11:00:00 GMT", 0, true}, // in the past: now
		{"999999999", maxRetryAfter, true},         // garbage-large: capped
		{"Sat, 21 Mar 2026 12:00:00 GMT", maxRetryAfter, true},
	}
	for _, tt := range tests {
		got, ok := parseRetryAfter(tt.in, now)
		if got != tt.want || ok != tt.wantOK {
			t.Errorf("parseRetryAfter(%q) = %s, %v; want %s, %v", tt.in, got, ok, tt.want, tt.wantOK)
		}
	}
}

func TestTransportErrorsAreRetryable(t *testing.T) {
	// A listener that is closed at once: connections are refused.
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	addr := ln.Addr().String()
	ln.Close()

	hang := make(chan struct{})
	slow := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(hang); slow.Close() })

	tests := []struct {
		name    string
		url     string
		timeout time.Duration
	}{
		{"connection refused", "http://" + addr + "/hook/s3cr3t-path-token", time.Second},
		{"timeout", slow.URL + "/hook/s3cr3t-path-token", 50 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := NewWebhookSender(TargetConfig{Name: "hook", Type: TypeWebhook, URL: tt.url, Timeout: tt.timeout}, "")
			n := testNotice(incident.NoticeOpened)
			err := s.Send(context.Background(), testItem(t, "hook", "opened", n), n)
			var re *RetryableError
			if err == nil || IsPermanent(err) || !errors.As(err, &re) {
				t.Fatalf("err = %v, want a RetryableError", err)
			}
			if strings.Contains(err.Error(), "s3cr3t-path-token") {
				t.Errorf("error %q leaks the URL path", err)
			}
		})
	}
}

func TestSendHonoursContextDeadline(t *testing.T) {
	hang := make(chan struct{})
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-hang:
		case <-r.Context().Done():
		}
	}))
	t.Cleanup(func() { close(hang); srv.Close() })
	s := NewWebhookSender(TargetConfig{Name: "hook", Type: TypeWebhook, URL: srv.URL}, "")
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	n := testNotice(incident.NoticeOpened)
	err := s.Send(ctx, testItem(t, "hook", "opened", n), n)
	if !errors.Is(err, context.DeadlineExceeded) || IsPermanent(err) {
		t.Errorf("err = %v, want a retryable deadline error", err)
	}
}
