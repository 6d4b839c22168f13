package notify

import (
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/foresight-aiops/foresight/pkg/incident"
)

// echoServer fails every request and echoes everything it received (the URL with its
// secret path, every header, the body with the routing key) in its error body, like a
// debugging proxy or a careless API would.
func echoServer(t *testing.T, status int) *httptest.Server {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		w.Header().Set("Content-Type", "application/json")
		w.WriteHeader(status)
		msg := fmt.Sprintf("bad request to %s%s with headers %v and body %s", r.Host, r.URL.RequestURI(), r.Header, body)
		fmt.Fprintf(w, `{"message":%q}`, msg)
	}))
	t.Cleanup(srv.Close)
	return srv
}

func refusedURL(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return "http://" + ln.Addr().String()
}

// TestSendErrorsCarryNoSecret sends through every sender to targets that fail in every
// way, and checks that no secret shows in the error: errors go to logs and to the
// outbox's last-error column.
func TestSendErrorsCarryNoSecret(t *testing.T) {
	const (
		slackPath  = "/services/T0SECRET/B0SECRET/sl4ckW3bh00kS3cret"
		hookPath   = "/hooks/h00kP4thS3cret?token=qu3ryT0kenS3cret"
		routingKey = "R0UT1NGKEYs3cret456789abcdef0123"
		hookHeader = "Bearer h34derT0kenS3cret"
		token      = "glsa_gr4fanaT0kenS3cret_0123"
	)
	secrets := []string{slackPath, "sl4ckW3bh00kS3cret", "h00kP4thS3cret", "qu3ryT0kenS3cret", routingKey, "h34derT0kenS3cret", token}

	bases := map[string]func() string{
		"400 echo": func() string { return echoServer(t, http.StatusBadRequest).URL },
		"500 echo": func() string { return echoServer(t, http.StatusInternalServerError).URL },
		"refused":  func() string { return refusedURL(t) },
	}
	for name, base := range bases {
		senders := map[string]Sender{
			"webhook": NewWebhookSender(TargetConfig{Name: "hook", Type: TypeWebhook, URL: base() + hookPath,
				Headers: map[string]string{"Authorization": hookHeader}}, ""),
			"slack":     NewSlackSender(TargetConfig{Name: "chat", Type: TypeSlack, URL: base() + slackPath}, ""),
			"pagerduty": NewPagerDutySender(TargetConfig{Name: "pager", Type: TypePagerDuty, URL: base() + "/v2/enqueue", RoutingKey: routingKey}, ""),
			"grafana":   NewGrafanaSender(GrafanaConfig{URL: base(), Token: token}, newMemQueue()),
		}
		for kind, s := range senders {
			t.Run(name+"/"+kind, func(t *testing.T) {
				n := testNotice(incident.NoticeOpened)
				itemKind := "opened"
				if kind == "grafana" {
					itemKind = KindAnnotation
				}
				err := s.Send(context.Background(), testItem(t, kind, itemKind, n), n)
				if err == nil {
					t.Fatal("Send succeeded against a failing target")
				}
				assertNoSecret(t, err.Error(), secrets...)
				assertNoSecret(t, fmt.Sprintf("%+v", err), secrets...)
			})
		}
	}
}
