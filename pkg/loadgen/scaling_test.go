package loadgen

import (
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/webhook"
)

func parse(t testing.TB, tr *traffic, n int, now time.Time) []*webhook.Notification {
	t.Helper()
	var c Counts
	out := make([]*webhook.Notification, n)
	for i := range out {
		body, err := tr.webhook(DefaultAlertsPerWebhook, now, &c)
		if err != nil {
			t.Fatal(err)
		}
		if out[i], err = webhook.Parse(body, webhook.Options{}); err != nil {
			t.Fatal(err)
		}
	}
	return out
}
