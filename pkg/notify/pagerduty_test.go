package notify

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/incident"
)

const testRoutingKey = "R0UT1NGKEY0123456789abcdef012345"

func newTestPagerDuty(t *testing.T) (*fakePagerDuty, *PagerDutySender) {
	f := newFakePagerDuty(t, testRoutingKey)
	s := NewPagerDutySender(TargetConfig{Name: "oncall", Type: TypePagerDuty, URL: f.URL + "/v2/enqueue", RoutingKey: testRoutingKey},
		"https://foresight.example.com/a/foresight-app/incidents/{tenant}/{incident}")
	return f, s
}

func TestPagerDutyTriggerPayload(t *testing.T) {
	f, s := newTestPagerDuty(t)
	n := testNotice(incident.NoticeOpened)
	if err := s.Send(context.Background(), testItem(t, "oncall", "opened", n), n); err != nil {
		t.Fatal(err)
	}
	got := f.received()
	if len(got) != 1 {
		t.Fatalf("PagerDuty received %d events, want 1", len(got))
	}
	ev := got[0]
	link := "https://foresight.example.com/a/foresight-app/incidents/acme/inc-1"
	for field, want := range map[string]any{
		"routing_key":  testRoutingKey,
		"event_action": "trigger",
		"dedup_key":    "acme/inc-1",
		"client":       "Foresight",
		"client_url":   link,
	} {
		if ev[field] != want {
			t.Errorf("%s = %v, want %v", field, ev[field], want)
		}
	}
	links, _ := ev["links"].([]any)
	if len(links) != 1 || links[0].(map[string]any)["href"] != link {
		t.Errorf("links = %v, want one link to %s", ev["links"], link)
	}
	p := ev["payload"].(map[string]any)
	for field, want := range map[string]any{
		"summary":   "checkout latency high: 3 alerts on checkout, payments",
		"source":    "checkout",
		"severity":  "critical",
		"timestamp": "2026-03-14T09:33:53Z",
		"component": "checkout,payments",
		"group":     "acme",
		"class":     "incident",
	} {
		if p[field] != want {
			t.Errorf("payload.%s = %v, want %v", field, p[field], want)
		}
	}
	details := p["custom_details"].(map[string]any)
	for field, want := range map[string]any{
		"incident_id":  "inc-1",
		"tenant":       "acme",
		"state":        "open",
		"notice":       "opened",
		"severity":     "critical",
		"alert_count":  float64(3),
		"firing_count": float64(2),
		"revision":     float64(4),
		"started_at":   "2026-03-14T09:26:53Z",
	} {
		if details[field] != want {
			t.Errorf("custom_details.%s = %v, want %v", field, details[field], want)
		}
	}
	if !reflect.DeepEqual(details["services"], []any{"checkout", "payments"}) {
		t.Errorf("custom_details.services = %v", details["services"])
	}
}

func TestPagerDutyEventAction(t *testing.T) {
	tests := []struct {
		name        string
		notice      Payload
		wantAction  string
		wantPayload bool
	}{
		{"opened triggers", testNotice(incident.NoticeOpened), "trigger", true},
		{"escalation triggers again", testNotice(incident.NoticeChanged), "trigger", true},
		{"acknowledged incident acknowledges", testNotice(incident.NoticeChanged, inState(incident.Acknowledged)), "acknowledge", false},
		{"resolved resolves", testNotice(incident.NoticeResolved, resolvedAt(t2)), "resolve", false},
		{"merged resolves", testNotice(incident.NoticeChanged, inState(incident.Merged)), "resolve", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, s := newTestPagerDuty(t)
			if err := s.Send(context.Background(), testItem(t, "oncall", string(tt.notice.Kind), tt.notice), tt.notice); err != nil {
				t.Fatal(err)
			}
			ev := f.received()[0]
			if ev["event_action"] != tt.wantAction {
				t.Errorf("event_action = %v, want %s", ev["event_action"], tt.wantAction)
			}
			if ev["dedup_key"] != "acme/inc-1" {
				t.Errorf("dedup_key = %v, want the incident's key so PagerDuty folds it into one alert", ev["dedup_key"])
			}
			if _, has := ev["payload"]; has != tt.wantPayload {
				t.Errorf("payload present = %v, want %v", has, tt.wantPayload)
			}
		})
	}
}

func TestPagerDutySeverity(t *testing.T) {
	tests := map[string]string{
		"critical": "critical", "CRITICAL": "critical", "page": "critical", "P1": "critical", "sev1": "critical",
		"error": "error", "high": "error", "major": "error",
		"warning": "warning", "warn": "warning", "medium": "warning", "minor": "warning",
		"info": "info", "low": "info", "none": "info",
		"": "error", "weird": "error", " Critical ": "critical",
	}
	for in, want := range tests {
		if got := PagerDutySeverity(in); got != want {
			t.Errorf("PagerDutySeverity(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestPagerDutyLimits(t *testing.T) {
	f, s := newTestPagerDuty(t)
	n := testNotice(incident.NoticeOpened, func(inc *incident.Incident) {
		inc.Title = strings.Repeat("é", 2000)
		inc.Severity = "unheard-of"
	})
	it := testItem(t, "oncall", "opened", n)
	it.Tenant = strings.Repeat("t", 300)
	if err := s.Send(context.Background(), it, n); err != nil {
		t.Fatal(err) // the fake rejects summaries over 1024 characters and long dedup keys
	}
	ev := f.received()[0]
	if got := len([]rune(ev["payload"].(map[string]any)["summary"].(string))); got != 1024 {
		t.Errorf("summary has %d characters, want it cut to 1024", got)
	}
	if ev["payload"].(map[string]any)["severity"] != "error" {
		t.Errorf("unknown severity mapped to %v, want error", ev["payload"].(map[string]any)["severity"])
	}
	if dk := ev["dedup_key"].(string); len(dk) > 255 || dk != PagerDutyDedupKey(it.Tenant, it.IncidentID) {
		t.Errorf("dedup_key %q: want a stable key of at most 255 characters", dk)
	}
}

func TestPagerDutyErrors(t *testing.T) {
	tests := []struct {
		name          string
		setup         func(*fakePagerDuty, *PagerDutySender)
		wantPermanent bool
		wantAfter     time.Duration
		wantText      string
	}{
		{"invalid event is permanent", func(_ *fakePagerDuty, s *PagerDutySender) { s.routingKey = "wrong-key-0000000000000000000000" },
			true, 0, "400 Bad Request: invalid event; Event object is invalid; 'routing_key' is invalid"},
		{"throttled is retried after Retry-After", func(f *fakePagerDuty, _ *PagerDutySender) { f.throttle = "7" },
			false, 7 * time.Second, "429 Too Many Requests"},
		{"server error is retried", func(f *fakePagerDuty, _ *PagerDutySender) { f.fail500 = true },
			false, 0, "500 Internal Server Error"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, s := newTestPagerDuty(t)
			tt.setup(f, s)
			n := testNotice(incident.NoticeOpened)
			err := s.Send(context.Background(), testItem(t, "oncall", "opened", n), n)
			if err == nil {
				t.Fatal("Send succeeded, want an error")
			}
			if IsPermanent(err) != tt.wantPermanent {
				t.Errorf("IsPermanent = %v, want %v (err: %v)", IsPermanent(err), tt.wantPermanent, err)
			}
			after, _ := RetryAfter(err)
			if after != tt.wantAfter {
				t.Errorf("RetryAfter = %s, want %s", after, tt.wantAfter)
			}
			if !strings.Contains(err.Error(), tt.wantText) || !strings.Contains(err.Error(), `pagerduty "oncall"`) {
				t.Errorf("error %q should name the target and contain %q", err, tt.wantText)
			}
			var se *StatusError
			if !errors.As(err, &se) {
				t.Errorf("error %v does not carry the StatusError", err)
			}
		})
	}
}
