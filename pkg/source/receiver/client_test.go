package receiver_test

import (
	"context"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/source/receiver"
	"github.com/foresight-aiops/foresight/pkg/source/receiver/receivertest"
)

// bearer is an HTTP client sending a tenant's token, as the data source's is.
func bearer(token string) *http.Client {
	return &http.Client{Timeout: 10 * time.Second, Transport: tokenTransport(token)}
}

type tokenTransport string

func (t tokenTransport) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.Header.Set("Authorization", "Bearer "+string(t))
	return http.DefaultTransport.RoundTrip(r)
}

func client(t *testing.T, url, token string) *receiver.Client {
	t.Helper()
	c, err := receiver.New(url, bearer(token), receiver.Options{})
	if err != nil {
		t.Fatal(err)
	}
	return c
}

// TestAgainstTheReceiver lists incidents and reads hypotheses from a real receiver fed
// with real webhooks.
func TestAgainstTheReceiver(t *testing.T) {
	rc := receivertest.Start(t, receivertest.Deploys{"node": "node-exporter 1.8.0 rolled out"})
	ids := rc.Post(receivertest.TokenA, receivertest.Fixture(t, receivertest.InstanceDown))
	other := rc.Post(receivertest.TokenA, receivertest.Fixture(t, receivertest.CPUTemperature))
	if len(ids) != 1 || len(other) != 1 || ids[0] == other[0] {
		t.Fatalf("incidents %v and %v, want one each", ids, other)
	}
	node, cpu := ids[0], other[0]
	rc.WaitAnalysed(receivertest.TokenA, node)
	rc.Act(receivertest.TokenA, cpu, "resolve")
	ctx := context.Background()
	a := client(t, rc.URL, receivertest.TokenA)

	t.Run("list with filters", func(t *testing.T) {
		tests := []struct {
			name string
			f    receiver.Filter
			want []string
		}{
			{"all, newest first", receiver.Filter{}, []string{node, cpu}},
			{"open", receiver.Filter{States: []string{"open", "acknowledged"}}, []string{node}},
			{"resolved", receiver.Filter{States: []string{"resolved"}}, []string{cpu}},
			{"service", receiver.Filter{Service: "node"}, []string{node}},
			{"unknown service", receiver.Filter{Service: "checkout"}, nil},
			{"range before both", receiver.Filter{From: time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC), To: time.Date(2019, 2, 1, 0, 0, 0, 0, time.UTC)}, nil},
			{"range over the open one only", receiver.Filter{From: time.Now().Add(-time.Hour), To: time.Now().Add(time.Hour), States: []string{"open"}}, []string{node}},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				p, err := a.Incidents(ctx, tc.f)
				if err != nil {
					t.Fatal(err)
				}
				var got []string
				for _, in := range p.Incidents {
					got = append(got, in.ID)
				}
				if fmt.Sprint(got) != fmt.Sprint(tc.want) {
					t.Errorf("got %v, want %v", got, tc.want)
				}
			})
		}
	})

	t.Run("entry fields", func(t *testing.T) {
		p, err := a.Incidents(ctx, receiver.Filter{Service: "node"})
		if err != nil || len(p.Incidents) != 1 {
			t.Fatalf("%v %+v", err, p)
		}
		in := p.Incidents[0]
		if in.State != "open" || in.Severity != "critical" || in.AlertCount != 2 || fmt.Sprint(in.Services) != "[node]" ||
			!in.StartedAt.Equal(time.Date(2023, 6, 12, 8, 24, 38, 326e6, time.UTC)) || !in.ResolvedAt.IsZero() || in.Title == "" {
			t.Errorf("entry %+v", in)
		}
		if h := in.TopHypothesis; h == nil || h.Entity != "node" || h.Confidence <= 0 || h.Confidence > 1 || !strings.Contains(h.Summary, "node-exporter 1.8.0") {
			t.Errorf("top hypothesis %+v", h)
		}
		now := time.Now()
		if !in.End(now).Equal(now) {
			t.Error("an open incident does not end now")
		}
		p, _ = a.Incidents(ctx, receiver.Filter{States: []string{"resolved"}})
		if r := p.Incidents[0]; r.ResolvedAt.IsZero() || !r.End(now).Equal(r.ResolvedAt) {
			t.Errorf("resolved entry %+v", r)
		}
	})

	t.Run("paging", func(t *testing.T) {
		p, err := a.Incidents(ctx, receiver.Filter{Limit: 1})
		if err != nil || len(p.Incidents) != 1 || p.Next == "" {
			t.Fatalf("first page %+v %v", p, err)
		}
		all, more, err := a.IncidentsUpTo(ctx, receiver.Filter{}, 1)
		if err != nil || len(all) != 1 || !more {
			t.Errorf("up to 1: %d more=%v %v", len(all), more, err)
		}
		all, more, err = a.IncidentsUpTo(ctx, receiver.Filter{}, 10)
		if err != nil || len(all) != 2 || more {
			t.Errorf("up to 10: %d more=%v %v", len(all), more, err)
		}
		if _, err := a.Incidents(ctx, receiver.Filter{Limit: 501}); err == nil || !strings.Contains(err.Error(), "outside 1 to 500") {
			t.Errorf("limit 501: %v", err)
		}
	})

	t.Run("hypotheses", func(t *testing.T) {
		an, err := a.Hypotheses(ctx, node)
		if err != nil {
			t.Fatal(err)
		}
		if an.State != receiver.AnalysisReady || an.IncidentID != node || len(an.Hypotheses) == 0 {
			t.Fatalf("analysis %+v", an)
		}
		top := an.Hypotheses[0]
		if top.Entity != "node" || top.Confidence <= an.NoCause || len(top.Evidence) == 0 ||
			top.Evidence[0].Kind != "deploy" || top.Evidence[0].URL != receivertest.DeployURL("node") {
			t.Errorf("top hypothesis %+v", top)
		}
		if an.ProbableCause == nil || an.ProbableCause.Entity != "node" {
			t.Errorf("probable cause %+v", an.ProbableCause)
		}
		// Whether or not it was analysed before it was resolved, the other incident has
		// no deployment to blame.
		if an, err := a.Hypotheses(ctx, cpu); err != nil || an.ProbableCause != nil && an.ProbableCause.Entity == "node" {
			t.Errorf("resolved incident's analysis %+v %v", an, err)
		}
		_, err = a.Hypotheses(ctx, "no-such-incident")
		var ae *receiver.APIError
		if !errors.Is(err, receiver.ErrNoIncident) || !errors.As(err, &ae) || ae.Status != 404 ||
			!strings.Contains(err.Error(), `/api/v1/incidents/no-such-incident/hypotheses with 404 Not Found: no incident "no-such-incident"`) {
			t.Errorf("unknown incident: %v", err)
		}
		if _, err := a.Hypotheses(ctx, ""); err == nil {
			t.Error("empty id accepted")
		}
	})

	t.Run("tenant isolation", func(t *testing.T) {
		b := client(t, rc.URL, receivertest.TokenB)
		p, err := b.Incidents(ctx, receiver.Filter{})
		if err != nil || len(p.Incidents) != 0 {
			t.Errorf("tenant b sees %+v %v", p.Incidents, err)
		}
		if _, err := b.Hypotheses(ctx, node); !errors.Is(err, receiver.ErrNoIncident) {
			t.Errorf("tenant b reads a's hypotheses: %v", err)
		}
	})

	t.Run("wrong token", func(t *testing.T) {
		_, err := client(t, rc.URL, "not-a-token").Incidents(ctx, receiver.Filter{})
		var ae *receiver.APIError
		if !errors.As(err, &ae) || ae.Status != 401 || err.Error() !=
			"receiver answered /api/v1/incidents with 401 Unauthorized: invalid bearer token (check the receiver token in the data source settings)" {
			t.Errorf("wrong token: %v", err)
		}
	})

	t.Run("bad filter", func(t *testing.T) {
		_, err := a.Incidents(ctx, receiver.Filter{States: []string{"firing"}})
		if err == nil || !strings.Contains(err.Error(), `400 Bad Request: state: "firing" is not one of open, acknowledged, resolved, merged`) {
			t.Errorf("bad state: %v", err)
		}
	})

	t.Run("ready", func(t *testing.T) {
		if err := a.Ready(ctx); err != nil {
			t.Error(err)
		}
	})
}

func TestUnreachable(t *testing.T) {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + l.Addr().String()
	l.Close() // nothing listens there now
	c := client(t, url, "x")
	_, err = c.Incidents(context.Background(), receiver.Filter{})
	var op *net.OpError
	if !errors.As(err, &op) || !strings.Contains(err.Error(), "reach the receiver at "+url) || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("down: %v", err)
	}
	if err := c.Ready(context.Background()); err == nil || !strings.Contains(err.Error(), "connection refused") {
		t.Errorf("ready when down: %v", err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := c.Hypotheses(ctx, "x"); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v", err)
	}
}

// TestNotAReceiver: a URL that points somewhere else gets words saying so; a huge answer
// is cut off rather than read into memory.
func TestNotAReceiver(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/api/v1/incidents":
			if r.URL.Query().Get("limit") == "7" {
				w.Header().Set("Content-Type", "application/json")
				fmt.Fprintf(w, `{"incidents":[{"id":"%s"}]}`, strings.Repeat("x", 2000))
				return
			}
			w.Header().Set("Content-Type", "text/html")
			fmt.Fprint(w, "<html>Grafana</html>")
		case "/ready":
			http.Error(w, "not ready: store: database is locked", http.StatusServiceUnavailable)
		default:
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadGateway)
			fmt.Fprint(w, `{"status":"error","error":"upstream gone"}`)
		}
	}))
	defer srv.Close()
	c, err := receiver.New(srv.URL+"/", nil, receiver.Options{MaxResponseBytes: 1000})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if _, err := c.Incidents(ctx, receiver.Filter{}); !errors.Is(err, receiver.ErrNotReceiver) || !strings.Contains(err.Error(), `content type "text/html"`) {
		t.Errorf("html: %v", err)
	}
	if _, err := c.Incidents(ctx, receiver.Filter{Limit: 7}); err == nil || !strings.Contains(err.Error(), "exceeds the 1000-byte limit") {
		t.Errorf("too big: %v", err)
	}
	if err := c.Ready(ctx); err == nil || err.Error() != "receiver answered /ready with 503 Service Unavailable: not ready: store: database is locked" {
		t.Errorf("not ready: %v", err)
	}
	if _, err := c.Hypotheses(ctx, "a/b"); err == nil || !strings.Contains(err.Error(), "/api/v1/incidents/a%2Fb/hypotheses with 502 Bad Gateway: upstream gone") {
		t.Errorf("502: %v", err)
	}
	for _, bad := range []string{"", "receiver:9480", "ftp://r"} {
		if _, err := receiver.New(bad, nil, receiver.Options{}); err == nil || !strings.Contains(err.Error(), "absolute http or https URL") {
			t.Errorf("%q: %v", bad, err)
		}
	}
}
