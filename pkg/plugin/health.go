package plugin

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"

	"github.com/grafana/grafana-plugin-sdk-go/backend"
	"github.com/grafana/grafana-plugin-sdk-go/backend/httpclient"

	"github.com/foresight-aiops/foresight/pkg/source/prometheus"
	"github.com/foresight-aiops/foresight/pkg/source/receiver"
)

// probeResult is one source's health.
type probeResult struct {
	Source string `json:"source"`
	URL    string `json:"url"`
	OK     bool   `json:"ok"`
	Detail string `json:"detail"`
}

// CheckHealth probes every configured source and says which one failed and why.
func (d *Datasource) CheckHealth(ctx context.Context, _ *backend.CheckHealthRequest) (*backend.CheckHealthResult, error) {
	s := d.settings
	results := []probeResult{d.probePrometheus(ctx)}
	if s.PrometheusURL == "" && (s.LokiURL != "" || s.TempoURL != "" || s.ReceiverURL != "") {
		// A data source may serve only logs or only incidents; Prometheus is then missing by
		// choice, which is worth saying but not a failure.
		results[0] = probeResult{Source: "Prometheus", OK: true, Detail: "not configured (anomaly and forecast queries need it)"}
	}
	for _, p := range []struct {
		name, url, token, path string
		check                  func([]byte) error
	}{
		{"Loki", s.LokiURL, s.secrets[secretLokiToken], "/loki/api/v1/labels", expectStatusSuccess},
		{"Tempo", s.TempoURL, s.secrets[secretTempoToken], "/api/echo", expectBody("echo")},
	} {
		if p.url != "" {
			results = append(results, d.probeHTTP(ctx, p.name, p.url, p.token, p.path, p.check))
		}
	}
	if s.ReceiverURL != "" {
		results = append(results, d.probeReceiver(ctx))
	}
	status := backend.HealthStatusOk
	msgs := make([]string, len(results))
	for i, r := range results {
		msgs[i] = r.Source + ": " + r.Detail
		if !r.OK {
			status = backend.HealthStatusError
		}
	}
	details, _ := json.Marshal(map[string]any{"sources": results})
	return &backend.CheckHealthResult{Status: status, Message: strings.Join(msgs, "; "), JSONDetails: details}, nil
}

func (d *Datasource) probePrometheus(ctx context.Context) probeResult {
	r := probeResult{Source: "Prometheus", URL: d.settings.PrometheusURL}
	if d.prom == nil {
		r.Detail = d.promErr.Error()
		return r
	}
	version, err := d.prom.Probe(ctx)
	if err != nil {
		r.Detail = describe(err)
		return r
	}
	r.OK, r.Detail = true, fmt.Sprintf("OK, version %s", version)
	return r
}

// probeReceiver checks that the receiver is ready and that it accepts the token: /ready
// needs no credentials, so an authenticated list of one incident follows.
func (d *Datasource) probeReceiver(ctx context.Context) probeResult {
	r := probeResult{Source: "Receiver", URL: d.settings.ReceiverURL}
	if d.receiver == nil {
		r.Detail = d.receiverErr.Error()
		return r
	}
	if err := d.receiver.Ready(ctx); err != nil {
		r.Detail = describe(err)
		return r
	}
	if d.settings.secrets[secretReceiverToken] == "" {
		r.Detail = "ready, but the receiver token is not set: incidents cannot be read"
		return r
	}
	if _, err := d.receiver.Incidents(ctx, receiver.Filter{Limit: 1}); err != nil {
		r.Detail = describe(err)
		return r
	}
	r.OK, r.Detail = true, "OK, ready and the token is accepted"
	return r
}

// probeHTTP GETs path on a source with its token and checks the answer.
func (d *Datasource) probeHTTP(ctx context.Context, name, base, token, path string, check func([]byte) error) probeResult {
	r := probeResult{Source: name, URL: base}
	hc, err := httpclient.New(d.settings.httpOptions(token))
	if err != nil {
		r.Detail = fmt.Sprintf("HTTP client: %v", err)
		return r
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, strings.TrimRight(base, "/")+path, nil)
	if err != nil {
		r.Detail = fmt.Sprintf("invalid URL: %v", err)
		return r
	}
	resp, err := hc.Do(req)
	if err != nil {
		r.Detail = describe(err)
		return r
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 64<<10))
	switch {
	case resp.StatusCode == http.StatusUnauthorized || resp.StatusCode == http.StatusForbidden:
		r.Detail = fmt.Sprintf("%d %s: check the token", resp.StatusCode, http.StatusText(resp.StatusCode))
	case resp.StatusCode/100 != 2:
		r.Detail = fmt.Sprintf("%s answered %d %s: is this a %s URL?", path, resp.StatusCode, http.StatusText(resp.StatusCode), name)
	case check != nil && check(body) != nil:
		r.Detail = fmt.Sprintf("not a %s API: %v", name, check(body))
	default:
		r.OK, r.Detail = true, "OK"
	}
	return r
}

func expectStatusSuccess(body []byte) error {
	var v struct {
		Status string `json:"status"`
	}
	if json.Unmarshal(body, &v) != nil || v.Status != "success" {
		return errors.New(`the answer is not JSON with "status": "success"`)
	}
	return nil
}

func expectBody(want string) func([]byte) error {
	return func(body []byte) error {
		if strings.TrimSpace(string(body)) != want {
			return fmt.Errorf("expected %q", want)
		}
		return nil
	}
}

// describe turns a connection or API error into words a Grafana admin can act on.
func describe(err error) string {
	var dnsErr *net.DNSError
	var opErr *net.OpError
	var api *prometheus.APIError
	switch {
	case errors.As(err, &api):
		return api.Error()
	case errors.Is(err, prometheus.ErrNotPrometheus):
		return err.Error()
	case errors.As(err, &dnsErr):
		return fmt.Sprintf("unreachable: host %q not found", dnsErr.Name)
	case errors.As(err, &opErr):
		return fmt.Sprintf("unreachable: %v", opErr.Err)
	case errors.Is(err, context.DeadlineExceeded):
		return "unreachable: timed out"
	}
	return err.Error()
}
