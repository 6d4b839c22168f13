package notify

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync"
	"testing"

	"github.com/foresight-aiops/foresight/pkg/incident"
)

var testCause = &Cause{Entity: "payments-db", Confidence: 0.82,
	Explanation: "payments-db (confidence 0.82): version 1.4.2 deployed 3 min before the first alert"}

const (
	wantHeadline  = "Probable cause: payments-db (confidence 0.82)"
	wantCauseText = "Probable cause: payments-db (confidence 0.82): version 1.4.2 deployed 3 min before the first alert"
)

func TestCauseText(t *testing.T) {
	if got := testCause.Text(); got != wantCauseText {
		t.Errorf("Text() = %q, want %q", got, wantCauseText)
	}
	bare := Cause{Entity: "db", Confidence: 0.5}
	if got := bare.Text(); got != "Probable cause: db (confidence 0.50)" {
		t.Errorf("Text() without explanation = %q", got)
	}
}

// TestPayloadDecodesOldItems checks that items queued as a bare incident.Notice, before
// payloads carried causes, still decode.
func TestPayloadDecodesOldItems(t *testing.T) {
	raw, err := json.Marshal(testNotice(incident.NoticeOpened).Notice)
	if err != nil {
		t.Fatal(err)
	}
	var p Payload
	if err := json.Unmarshal(raw, &p); err != nil {
		t.Fatal(err)
	}
	if p.Kind != incident.NoticeOpened || p.Incident.ID != "inc-1" || p.Cause != nil {
		t.Errorf("decoded %+v", p)
	}
}

// TestEveryTargetShowsTheCause sends one notice with a cause and one without to each
// kind of target and checks where the cause appears.
func TestEveryTargetShowsTheCause(t *testing.T) {
	for _, tc := range []struct {
		name string
		// send delivers p and returns the text a person would read, and for the webhook its
		// structured cause.
		send func(t *testing.T, p Payload) (text string, structured map[string]any)
		want string
	}{
		{"slack", sendSlack, wantCauseText},
		{"pagerduty", sendPagerDuty, wantHeadline},
		{"grafana annotation", sendAnnotation, wantCauseText},
		{"webhook", sendWebhook, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			with := testNotice(incident.NoticeOpened)
			with.Cause = testCause
			text, structured := tc.send(t, with)
			if tc.want != "" && !strings.Contains(text, tc.want) {
				t.Errorf("text with a cause lacks %q:\n%s", tc.want, text)
			}
			if tc.name == "webhook" && (structured["entity"] != "payments-db" || structured["confidence"] != 0.82 ||
				structured["explanation"] != testCause.Explanation) {
				t.Errorf("webhook cause = %v", structured)
			}

			text, structured = tc.send(t, testNotice(incident.NoticeOpened))
			if strings.Contains(text, "Probable cause") || structured != nil {
				t.Errorf("a notice without a cause shows one: %q %v", text, structured)
			}
		})
	}
}

func sendSlack(t *testing.T, p Payload) (string, map[string]any) {
	f, s := newTestSlack(t)
	if err := s.Send(context.Background(), testItem(t, "team-chat", "opened", p), p); err != nil {
		t.Fatal(err)
	}
	msgs := f.received()
	if len(msgs) != 1 {
		t.Fatalf("Slack received %d messages", len(msgs))
	}
	// The cause's headline is in the notification text, its evidence in a block.
	text := msgs[0]["text"].(string)
	if p.Cause != nil && !strings.Contains(text, wantHeadline) {
		t.Errorf("notification text lacks the headline: %q", text)
	}
	for _, b := range msgs[0]["blocks"].([]any) {
		if tx, ok := b.(map[string]any)["text"].(map[string]any); ok {
			text += "\n" + tx["text"].(string)
		}
	}
	return text, nil
}

func sendPagerDuty(t *testing.T, p Payload) (string, map[string]any) {
	f, s := newTestPagerDuty(t)
	if err := s.Send(context.Background(), testItem(t, "oncall", "opened", p), p); err != nil {
		t.Fatal(err)
	}
	evs := f.received()
	if len(evs) != 1 {
		t.Fatalf("PagerDuty received %d events", len(evs))
	}
	payload := evs[0]["payload"].(map[string]any)
	details := payload["custom_details"].(map[string]any)
	if p.Cause != nil && details["probable_cause"] != wantCauseText {
		t.Errorf("custom_details.probable_cause = %v", details["probable_cause"])
	}
	return payload["summary"].(string), nil
}

func sendAnnotation(t *testing.T, p Payload) (string, map[string]any) {
	f, s, _ := newTestGrafana(t, GrafanaConfig{})
	if err := s.Send(context.Background(), testItem(t, GrafanaTarget, KindAnnotation, p), p); err != nil {
		t.Fatal(err)
	}
	return f.annotation(1)["text"].(string), nil
}

func sendWebhook(t *testing.T, p Payload) (string, map[string]any) {
	var (
		mu  sync.Mutex
		raw map[string]any
	)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		b, _ := io.ReadAll(r.Body)
		mu.Lock()
		defer mu.Unlock()
		_ = json.Unmarshal(b, &raw)
	}))
	t.Cleanup(srv.Close)
	s := NewWebhookSender(TargetConfig{Name: "hook", Type: TypeWebhook, URL: srv.URL}, "")
	if err := s.Send(context.Background(), testItem(t, "hook", "opened", p), p); err != nil {
		t.Fatal(err)
	}
	mu.Lock()
	defer mu.Unlock()
	cause, _ := raw["cause"].(map[string]any)
	return raw["summary"].(string), cause
}
