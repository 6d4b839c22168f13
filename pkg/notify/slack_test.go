package notify

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/incident"
)

func newTestSlack(t *testing.T) (*fakeSlack, *SlackSender) {
	f := newFakeSlack(t)
	return f, NewSlackSender(TargetConfig{Name: "team-chat", Type: TypeSlack, URL: f.webhookURL()}, "https://foresight.example.com/incidents/{tenant}/{incident}")
}

func TestSlackMessage(t *testing.T) {
	f, s := newTestSlack(t)
	n := testNotice(incident.NoticeOpened, func(inc *incident.Incident) { inc.Title = "p99 <5s> & rising" })
	if err := s.Send(context.Background(), testItem(t, "team-chat", "opened", n), n); err != nil {
		t.Fatal(err)
	}
	msgs := f.received()
	if len(msgs) != 1 {
		t.Fatalf("Slack received %d messages, want 1", len(msgs))
	}
	msg := msgs[0]
	wantText := ":red_circle: [OPEN] p99 &lt;5s&gt; &amp; rising — checkout, payments (3 alerts, 2 firing, critical)"
	if msg["text"] != wantText {
		t.Errorf("text = %q\nwant   %q", msg["text"], wantText)
	}
	blocks := msg["blocks"].([]any)
	if len(blocks) != 4 {
		t.Fatalf("got %d blocks, want header, fields, summary, link: %v", len(blocks), blocks)
	}
	header := blocks[0].(map[string]any)
	if header["type"] != "header" || header["text"].(map[string]any)["text"] != ":red_circle: OPEN: p99 <5s> & rising" ||
		header["text"].(map[string]any)["type"] != "plain_text" {
		t.Errorf("header block = %v", header)
	}
	var fields []string
	for _, fl := range blocks[1].(map[string]any)["fields"].([]any) {
		fields = append(fields, fl.(map[string]any)["text"].(string))
	}
	wantFields := []string{"*Services*\ncheckout, payments", "*Alerts*\n3 alerts, 2 firing", "*Severity*\ncritical", "*State*\nopen"}
	if strings.Join(fields, "|") != strings.Join(wantFields, "|") {
		t.Errorf("fields = %q, want %q", fields, wantFields)
	}
	if got := blocks[2].(map[string]any)["text"].(map[string]any)["text"]; got != "3 alerts on checkout, payments" {
		t.Errorf("summary block = %v", got)
	}
	if got := blocks[3].(map[string]any)["text"].(map[string]any)["text"]; got != "<https://foresight.example.com/incidents/acme/inc-1|Open incident in Foresight>" {
		t.Errorf("link block = %v", got)
	}
}

func TestSlackResolvedHasNoLinkWithoutTemplate(t *testing.T) {
	f := newFakeSlack(t)
	s := NewSlackSender(TargetConfig{Name: "team-chat", Type: TypeSlack, URL: f.webhookURL()}, "")
	n := testNotice(incident.NoticeResolved, resolvedAt(t2))
	if err := s.Send(context.Background(), testItem(t, "team-chat", "resolved", n), n); err != nil {
		t.Fatal(err)
	}
	msg := f.received()[0]
	if !strings.HasPrefix(msg["text"].(string), ":white_check_mark: [RESOLVED]") {
		t.Errorf("text = %q, want the resolved emoji and state", msg["text"])
	}
	if len(msg["blocks"].([]any)) != 3 {
		t.Errorf("want no link block without an incident URL, got %v", msg["blocks"])
	}
}

func TestSlackErrors(t *testing.T) {
	retryDate := time.Now().Add(90 * time.Second).UTC().Format(http.TimeFormat)
	tests := []struct {
		name          string
		status        int
		text          string
		retryAfter    string
		wantPermanent bool
		wantAfter     func(time.Duration) bool
	}{
		{"invalid payload", http.StatusBadRequest, "invalid_payload", "", true, nil},
		{"revoked webhook", http.StatusNotFound, "no_service", "", true, nil},
		{"archived channel", http.StatusGone, "channel_is_archived", "", true, nil},
		{"server error", http.StatusInternalServerError, "rollup_error", "", false, nil},
		{"rate limited, seconds", http.StatusTooManyRequests, "rate_limited", "30", false,
			func(d time.Duration) bool { return d == 30*time.Second }},
		{"rate limited, HTTP date", http.StatusTooManyRequests, "rate_limited", retryDate, false,
			func(d time.Duration) bool { return d > 80*time.Second && d <= 90*time.Second }},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, s := newTestSlack(t)
			f.set(tt.status, tt.text, tt.retryAfter)
			n := testNotice(incident.NoticeOpened)
			err := s.Send(context.Background(), testItem(t, "team-chat", "opened", n), n)
			if err == nil {
				t.Fatal("Send succeeded, want an error")
			}
			if IsPermanent(err) != tt.wantPermanent {
				t.Errorf("IsPermanent = %v, want %v (err: %v)", IsPermanent(err), tt.wantPermanent, err)
			}
			if !strings.Contains(err.Error(), tt.text) {
				t.Errorf("error %q should quote Slack's %q", err, tt.text)
			}
			after, ok := RetryAfter(err)
			if tt.wantAfter != nil && (!ok || !tt.wantAfter(after)) {
				t.Errorf("RetryAfter = %s, %v", after, ok)
			}
			if tt.wantAfter == nil && ok {
				t.Errorf("RetryAfter = %s, want none", after)
			}
		})
	}
}

func TestSlackRejectsAnnotationItems(t *testing.T) {
	f, s := newTestSlack(t)
	n := testNotice(incident.NoticeOpened)
	err := s.Send(context.Background(), testItem(t, "team-chat", KindAnnotation, n), n)
	if !IsPermanent(err) || len(f.received()) != 0 {
		t.Errorf("annotation item: err = %v, messages = %d; want a permanent error and nothing sent", err, len(f.received()))
	}
}
