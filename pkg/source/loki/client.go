// Package loki is a client for Loki's HTTP API, used by the log-patterns feature: it reads
// log lines over long ranges in bounded requests (split in time, paged within a split),
// reads Loki's own pattern detection, and checks LogQL log queries before they are sent.
package loki

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"time"

	"github.com/foresight-aiops/foresight/pkg/source/internal/httpapi"
)

const (
	// DefaultMaxEntriesPerRequest is Loki's default max_entries_limit_per_query: a request
	// asking for more lines fails with "max entries limit per query exceeded".
	DefaultMaxEntriesPerRequest = 5000
	// DefaultSplitInterval matches the split_queries_by_interval Loki's query frontend
	// recommends, so our requests line up with its splits and its results cache.
	DefaultSplitInterval = time.Hour
	// errorBodyLimit bounds what is read of an error answer.
	errorBodyLimit = 64 << 10
)

// Options are the client's limits.
type Options struct {
	// MaxEntriesPerRequest is the most lines one request asks for (default 5000, Loki's
	// max_entries_limit_per_query default). Set it to the server's limit when that differs.
	MaxEntriesPerRequest int
	// SplitInterval: long ranges are queried in consecutive time splits of at most this
	// length (default 1h), like Loki's own query frontend, so a request never spans more.
	SplitInterval time.Duration
}

// Client talks to one Loki server (or a compatible gateway).
type Client struct {
	base string
	http *http.Client
	opts Options
}

// New returns a client for the Loki at baseURL (the API root, e.g. http://loki:3100) using
// hc, which carries auth, TLS and, for multi-tenant Loki, the X-Scope-OrgID header.
func New(baseURL string, hc *http.Client, opts Options) (*Client, error) {
	base, err := httpapi.BaseURL("loki", baseURL, "http://loki:3100")
	if err != nil {
		return nil, err
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	if opts.MaxEntriesPerRequest <= 0 {
		opts.MaxEntriesPerRequest = DefaultMaxEntriesPerRequest
	}
	if opts.SplitInterval <= 0 {
		opts.SplitInterval = DefaultSplitInterval
	}
	return &Client{base: base, http: hc, opts: opts}, nil
}

// get sends a GET with the given parameters and returns the body of a 2xx JSON answer; any
// other answer becomes an *APIError or ErrNotLoki. The caller closes the body.
func (c *Client) get(ctx context.Context, path string, params url.Values) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path+"?"+params.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		// *url.Error keeps the cause: errors.Is(err, context.Canceled) and errors.As(err,
		// *net.OpError) still work through this wrapping.
		return nil, fmt.Errorf("reach Loki at %s: %w", c.base, err)
	}
	if resp.StatusCode/100 == 2 {
		if !httpapi.IsJSON(resp.Header.Get("Content-Type")) {
			resp.Body.Close()
			return nil, fmt.Errorf("%w: %s answered %d with content type %q, not JSON; check the URL points at Loki", ErrNotLoki, path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		return resp.Body, nil
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, errorBodyLimit))
	return nil, &APIError{Status: resp.StatusCode, Msg: httpapi.Snippet(raw, 300)}
}

// closeBody reads what little may be left of an answer (Loki ends its JSON with a newline)
// so the connection can be reused, then closes it.
func closeBody(body io.ReadCloser) {
	_, _ = io.Copy(io.Discard, io.LimitReader(body, 4<<10))
	body.Close()
}

// isNotFound reports whether err is a 404 answer.
func isNotFound(err error) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == http.StatusNotFound
}

func fmtNs(ns int64) string { return strconv.FormatInt(ns, 10) }

func fmtTime(ns int64) string { return time.Unix(0, ns).UTC().Format(time.RFC3339Nano) }
