// Package receiver is a client of the Foresight receiver's HTTP API, as the data source
// reads it with a tenant's token: the incident list with its filters and one incident's
// root-cause hypotheses. Answers are bounded in size and every error names the API path,
// the status and the receiver's own message.
package receiver

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"time"

	"github.com/foresight-aiops/foresight/pkg/source/internal/httpapi"
)

// API paths.
const (
	pathIncidents = "/api/v1/incidents"
	pathReady     = "/ready"
)

const (
	// DefaultMaxResponseBytes bounds one answer: a full page of 500 incidents, or an
	// analysis with its evidence, is far below it.
	DefaultMaxResponseBytes = 8 << 20
	// DefaultTimeout applies when the caller gives no HTTP client of its own.
	DefaultTimeout = 30 * time.Second
	// errorBodyLimit bounds what is read of an error answer.
	errorBodyLimit = 64 << 10
)

// ErrNotReceiver means the server answered, but not as the receiver's API does.
var ErrNotReceiver = errors.New("not a Foresight receiver API")

// Options are the client's limits.
type Options struct {
	// MaxResponseBytes bounds the body of one answer (default 8 MiB).
	MaxResponseBytes int64
}

// Client talks to one receiver with one tenant's credentials, which hc carries.
type Client struct {
	base string
	http *http.Client
	max  int64
}

// New returns a client for the receiver at baseURL (e.g. http://foresight-receiver:9480).
// hc carries the bearer token, TLS and timeouts; nil means a plain client with a 30 s
// timeout and no credentials.
func New(baseURL string, hc *http.Client, opts Options) (*Client, error) {
	base, err := httpapi.BaseURL("receiver", baseURL, "http://foresight-receiver:9480")
	if err != nil {
		return nil, err
	}
	if hc == nil {
		hc = &http.Client{Timeout: DefaultTimeout}
	}
	if opts.MaxResponseBytes <= 0 {
		opts.MaxResponseBytes = DefaultMaxResponseBytes
	}
	return &Client{base: base, http: hc, max: opts.MaxResponseBytes}, nil
}

// URL is the receiver's base URL.
func (c *Client) URL() string { return c.base }

// APIError is an error answer from the receiver: the path asked, the HTTP status and the
// receiver's message (its JSON "error" field, or an excerpt of the body).
type APIError struct {
	Path   string
	Status int
	Msg    string
}

func (e *APIError) Error() string {
	msg := fmt.Sprintf("receiver answered %s with %d %s", e.Path, e.Status, http.StatusText(e.Status))
	if e.Msg != "" {
		msg += ": " + e.Msg
	}
	switch e.Status {
	case http.StatusUnauthorized:
		msg += " (check the receiver token in the data source settings)"
	case http.StatusForbidden:
		msg += " (the token may not read this tenant's incidents)"
	}
	return msg
}

// getJSON GETs path with params and decodes a 2xx JSON answer into v.
func (c *Client) getJSON(ctx context.Context, path string, params url.Values, v any) error {
	target := c.base + path
	if len(params) > 0 {
		target += "?" + params.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return fmt.Errorf("build request for %s: %w", path, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		// *url.Error keeps its cause: errors.Is(err, context.Canceled) and errors.As(err,
		// *net.OpError) still work through the wrapping.
		return fmt.Errorf("reach the receiver at %s: %w", c.base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		return apiError(path, resp)
	}
	if !httpapi.IsJSON(resp.Header.Get("Content-Type")) {
		return fmt.Errorf("%w: %s answered %d with content type %q, not JSON; check the receiver URL", ErrNotReceiver, path, resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, c.max+1))
	if err != nil {
		return fmt.Errorf("read the answer to %s: %w", path, err)
	}
	if int64(len(body)) > c.max {
		return fmt.Errorf("the answer to %s exceeds the %d-byte limit", path, c.max)
	}
	if err := json.Unmarshal(body, v); err != nil {
		return fmt.Errorf("%w: decode the answer to %s: %v", ErrNotReceiver, path, err)
	}
	return nil
}

// apiError reads an error answer: the receiver writes {"status":"error","error":"…"}; a
// proxy in front of it may write anything.
func apiError(path string, resp *http.Response) *APIError {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, errorBodyLimit))
	var body struct {
		Error string `json:"error"`
	}
	msg := httpapi.Snippet(raw, 300)
	if json.Unmarshal(raw, &body) == nil && body.Error != "" {
		msg = httpapi.Snippet([]byte(body.Error), 300)
	}
	return &APIError{Path: path, Status: resp.StatusCode, Msg: msg}
}

// Ready asks the receiver's /ready endpoint, which needs no credentials.
func (c *Client) Ready(ctx context.Context) error {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+pathReady, nil)
	if err != nil {
		return fmt.Errorf("build request for %s: %w", pathReady, err)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return fmt.Errorf("reach the receiver at %s: %w", c.base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return apiError(pathReady, resp)
	}
	_, _ = io.Copy(io.Discard, io.LimitReader(resp.Body, 4<<10))
	return nil
}
