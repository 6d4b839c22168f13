package notify

import (
	"context"
	"fmt"
	"net/http"
	"strconv"
	"strings"

	"github.com/foresight-aiops/foresight/pkg/incident"
	"github.com/foresight-aiops/foresight/pkg/outbox"
)

// Block Kit limits (https://api.slack.com/reference/block-kit/blocks).
const (
	slackHeaderMax  = 150
	slackSectionMax = 3000
	slackFieldMax   = 2000
	slackTextMax    = 4000 // the notification fallback text; Slack truncates long ones anyway
)

// SlackMessage is an incoming-webhook message: Text is the notification and fallback,
// Blocks the rich layout.
type SlackMessage struct {
	Text   string       `json:"text"`
	Blocks []SlackBlock `json:"blocks"`
}

// SlackBlock is the subset of Block Kit this sender uses.
type SlackBlock struct {
	Type   string       `json:"type"`
	Text   *SlackText   `json:"text,omitempty"`
	Fields []*SlackText `json:"fields,omitempty"`
}

// SlackText is a Block Kit text object.
type SlackText struct {
	Type  string `json:"type"` // plain_text or mrkdwn
	Text  string `json:"text"`
	Emoji bool   `json:"emoji,omitempty"`
}

// SlackSender posts incident messages to a Slack incoming webhook (or anything that
// speaks its format, e.g. Mattermost).
type SlackSender struct {
	name        string
	url         string
	incidentURL string
	ep          endpoint
}

// NewSlackSender returns the sender of a slack target; incidentURL is Config.IncidentURL.
func NewSlackSender(t TargetConfig, incidentURL string) *SlackSender {
	return &SlackSender{
		name:        t.Name,
		url:         t.url(),
		incidentURL: incidentURL,
		ep:          endpoint{client: newHTTPClient(t.timeout()), display: redactURL(t.url()), scrub: newScrubber(t.secrets()...)},
	}
}

// Send posts the message. Slack answers 200 "ok", or a 4xx with a word such as
// "invalid_payload" or "no_service" (the webhook was revoked), or 429 with Retry-After.
func (s *SlackSender) Send(ctx context.Context, it outbox.Item, n Payload) error {
	if err := rejectAnnotation(s.name, it); err != nil {
		return err
	}
	msg := slackMessage(n, incidentLink(s.incidentURL, it.Tenant, it.IncidentID))
	if _, err := s.ep.doJSON(ctx, http.MethodPost, s.url, s.ep.display, msg, nil); err != nil {
		return fmt.Errorf("slack %q: %w", s.name, err)
	}
	return nil
}

// stateEmoji marks the state at a glance; shortcodes render in text and in plain_text
// with emoji enabled.
func stateEmoji(s incident.State) string {
	switch s {
	case incident.Open:
		return ":red_circle:"
	case incident.Acknowledged:
		return ":large_yellow_circle:"
	case incident.Closed:
		return ":white_check_mark:"
	case incident.Merged:
		return ":twisted_rightwards_arrows:"
	default:
		return ":grey_question:"
	}
}

func slackMessage(n Payload, link string) SlackMessage {
	inc := n.Incident
	title := inc.Title
	if title == "" {
		title = "Incident " + inc.ID
	}
	services := "none"
	if len(inc.Services) > 0 {
		services = strings.Join(inc.Services, ", ")
	}
	severity := inc.Severity
	if severity == "" {
		severity = "unknown"
	}
	state := strings.ToUpper(string(inc.State))
	text := fmt.Sprintf("%s [%s] %s — %s (%s, %s)", stateEmoji(inc.State), state, title, services, alertCount(inc), severity)
	if n.Cause != nil {
		text += "\n" + n.Cause.Headline()
	}

	blocks := []SlackBlock{
		{Type: "header", Text: &SlackText{Type: "plain_text", Emoji: true,
			Text: truncate(fmt.Sprintf("%s %s: %s", stateEmoji(inc.State), state, title), slackHeaderMax)}},
		{Type: "section", Fields: []*SlackText{
			mrkdwnField("Services", services),
			mrkdwnField("Alerts", alertCount(inc)),
			mrkdwnField("Severity", severity),
			mrkdwnField("State", string(inc.State)),
		}},
	}
	if n.Summary != "" {
		blocks = append(blocks, SlackBlock{Type: "section", Text: &SlackText{Type: "mrkdwn", Text: truncate(slackEscape(n.Summary), slackSectionMax)}})
	}
	if n.Cause != nil {
		blocks = append(blocks, SlackBlock{Type: "section", Text: &SlackText{Type: "mrkdwn", Text: truncate(slackEscape(n.Cause.Text()), slackSectionMax)}})
	}
	if link != "" {
		blocks = append(blocks, SlackBlock{Type: "section", Text: &SlackText{Type: "mrkdwn", Text: "<" + link + "|Open incident in Foresight>"}})
	}
	return SlackMessage{Text: truncate(slackEscape(text), slackTextMax), Blocks: blocks}
}

func mrkdwnField(label, value string) *SlackText {
	return &SlackText{Type: "mrkdwn", Text: truncate("*"+label+"*\n"+slackEscape(value), slackFieldMax)}
}

func alertCount(inc incident.Incident) string {
	s := strconv.Itoa(inc.AlertCount) + " alert"
	if inc.AlertCount != 1 {
		s += "s"
	}
	if inc.FiringCount > 0 && inc.FiringCount != inc.AlertCount {
		s += fmt.Sprintf(", %d firing", inc.FiringCount)
	}
	return s
}

// slackEscape escapes the three characters Slack's mrkdwn treats as control characters,
// so an alert title cannot inject a link or a mention.
func slackEscape(s string) string {
	return strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;").Replace(s)
}
