package notify

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

const (
	userAgent = "foresight-notify/1"
	// maxResponseBody bounds what we read of a response: enough for any JSON answer these
	// APIs give, small enough that a misbehaving target cannot balloon memory.
	maxResponseBody = 64 << 10
	// maxErrorBody bounds the response text kept in an error, which ends up in the
	// outbox's last-error column and in logs.
	maxErrorBody = 512
)

// endpoint is one HTTP destination with what it takes to talk about it safely.
type endpoint struct {
	client  *http.Client
	display string   // the URL as it may appear in errors
	scrub   scrubber // removes this target's secrets from anything the target sends back
}

func newHTTPClient(timeout time.Duration) *http.Client {
	return &http.Client{
		Timeout: timeout,
		// A redirected POST becomes a GET and the notification is lost; better to fail
		// loudly so someone fixes the URL.
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
}

// doJSON sends payload as JSON and returns the response body of a 2xx answer. Any other
// answer is a StatusError classified permanent or retryable; a transport failure is
// retryable. Nothing in a returned error carries a secret.
func (e endpoint) doJSON(ctx context.Context, method, rawURL, display string, payload any, header http.Header) ([]byte, error) {
	var body io.Reader
	if payload != nil {
		b, err := json.Marshal(payload)
		if err != nil {
			return nil, Permanent(fmt.Errorf("%s %s: encode request: %w", method, display, err))
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, rawURL, body)
	if err != nil {
		// The error text would quote the URL; configuration validation makes this
		// unreachable for configured targets.
		return nil, Permanent(fmt.Errorf("%s %s: invalid request URL", method, display))
	}
	for k, vs := range header {
		req.Header[k] = vs
	}
	if payload != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", userAgent)

	resp, err := e.client.Do(req)
	if err != nil {
		return nil, &RetryableError{Err: fmt.Errorf("%s %s: %w", method, display, e.transportError(err))}
	}
	defer func() {
		_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, maxResponseBody))
		_ = resp.Body.Close()
	}()
	respBody, err := io.ReadAll(io.LimitReader(resp.Body, maxResponseBody))
	if err != nil {
		return nil, &RetryableError{Err: fmt.Errorf("%s %s: read response: %w", method, display, e.transportError(err))}
	}
	if resp.StatusCode >= 200 && resp.StatusCode < 300 {
		return respBody, nil
	}
	se := &StatusError{Method: method, URL: display, Code: resp.StatusCode, Body: e.errorBody(respBody)}
	return nil, classifyStatus(se, resp.Header, time.Now())
}

// errorBody condenses a response body for an error message: JSON "message"/"error"
// fields when there are some (Grafana, PagerDuty), else the text itself (Slack's
// "invalid_payload"), truncated and scrubbed.
func (e endpoint) errorBody(b []byte) string {
	var m struct {
		Status  string   `json:"status"`
		Message string   `json:"message"`
		Error   string   `json:"error"`
		Errors  []string `json:"errors"`
	}
	text := strings.TrimSpace(string(b))
	if json.Unmarshal(b, &m) == nil {
		var parts []string
		for _, s := range []string{m.Status, m.Message, m.Error} {
			if s != "" {
				parts = append(parts, s)
			}
		}
		parts = append(parts, m.Errors...)
		if len(parts) > 0 {
			text = strings.Join(parts, "; ")
		}
	}
	return truncate(e.scrub.scrub(text), maxErrorBody)
}

// transportError strips the URL that net/http puts in its errors (url.Error quotes the
// full request URL, secret path and all) and scrubs what is left. It keeps the cause in
// the chain so errors.Is(err, context.DeadlineExceeded) still works.
func (e endpoint) transportError(err error) error {
	var ue *url.Error
	if errors.As(err, &ue) {
		err = ue.Err
	}
	msg := e.scrub.scrub(err.Error())
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() && !strings.Contains(msg, "timeout") && !strings.Contains(msg, "deadline") {
		msg = "timeout: " + msg
	}
	return &scrubbedError{msg: msg, err: err}
}

// scrubbedError shows a scrubbed message but unwraps to the original cause.
type scrubbedError struct {
	msg string
	err error
}

func (e *scrubbedError) Error() string { return e.msg }
func (e *scrubbedError) Unwrap() error { return e.err }

// truncate shortens s to at most n runes, marking the cut.
func truncate(s string, n int) string {
	if n <= 0 {
		return ""
	}
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n-1]) + "…"
}
