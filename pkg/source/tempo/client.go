// Package tempo is a client for Grafana Tempo's HTTP query API, used by root-cause analysis
// to gather trace evidence: TraceQL searches for error and slow spans (/api/search),
// TraceQL metrics such as error rates per service (/api/metrics/query_range), and a light
// check of TraceQL queries before they are sent. testdata/README.md records where each
// piece of the API this package relies on is documented.
package tempo

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"

	"github.com/foresight-aiops/foresight/pkg/source/internal/httpapi"
)

const (
	// DefaultSearchLimit is Tempo's own default number of traces per search
	// (query_frontend.search.default_result_limit).
	DefaultSearchLimit = 20
	// DefaultSpansPerSpanSet is Tempo's own default for spss, the spans returned per span
	// set (default_spans_per_span_set).
	DefaultSpansPerSpanSet = 3
	// DefaultMaxSpansPerSpanSet is Tempo's default max_spans_per_span_set (since 2.7): a
	// stock Tempo refuses a search asking for more spans per span set.
	DefaultMaxSpansPerSpanSet = 100
	// DefaultMaxResponseBytes bounds what is read of one answer.
	DefaultMaxResponseBytes = 64 << 20
	// errorBodyLimit bounds what is read of an error answer.
	errorBodyLimit = 64 << 10
)

// Options are the client's defaults and limits.
type Options struct {
	// SearchLimit is the number of traces a search asks for when the request does not
	// say (default 20, Tempo's default).
	SearchLimit int
	// SpansPerSpanSet is the spans per span set a search asks for when the request does
	// not say (default 3, Tempo's default).
	SpansPerSpanSet int
	// MaxSpansPerSpanSet refuses requests asking for more spans per span set (default
	// 100, Tempo's max_spans_per_span_set default); set it to the server's limit.
	MaxSpansPerSpanSet int
	// MaxResponseBytes is the largest answer read (default 64 MiB); a larger one fails
	// with ErrResponseTooLarge rather than exhausting memory.
	MaxResponseBytes int64
}

// Client talks to one Tempo (its query frontend, or a monolithic Tempo).
type Client struct {
	base string
	http *http.Client
	opts Options
}

// New returns a client for the Tempo at baseURL (the API root, e.g. http://tempo:3200)
// using hc, which carries auth, TLS and, for multi-tenant Tempo, the X-Scope-OrgID header.
func New(baseURL string, hc *http.Client, opts Options) (*Client, error) {
	base, err := httpapi.BaseURL("tempo", baseURL, "http://tempo:3200")
	if err != nil {
		return nil, err
	}
	if hc == nil {
		hc = http.DefaultClient
	}
	if opts.SearchLimit <= 0 {
		opts.SearchLimit = DefaultSearchLimit
	}
	if opts.SpansPerSpanSet <= 0 {
		opts.SpansPerSpanSet = DefaultSpansPerSpanSet
	}
	if opts.MaxSpansPerSpanSet <= 0 {
		opts.MaxSpansPerSpanSet = DefaultMaxSpansPerSpanSet
	}
	if opts.MaxResponseBytes <= 0 {
		opts.MaxResponseBytes = DefaultMaxResponseBytes
	}
	return &Client{base: base, http: hc, opts: opts}, nil
}

// get sends a GET and returns the body of a 2xx answer, read whole but never beyond
// MaxResponseBytes, and its content type. A non-2xx answer becomes an *APIError; callers
// decide what a 404 means on their path.
func (c *Client) get(ctx context.Context, path string, params url.Values) ([]byte, string, error) {
	target := c.base + path
	if len(params) > 0 {
		target += "?" + params.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, target, nil)
	if err != nil {
		return nil, "", fmt.Errorf("build request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		// *url.Error keeps the cause: errors.Is(err, context.Canceled) and errors.As(err,
		// *net.OpError) still work through this wrapping.
		return nil, "", fmt.Errorf("reach Tempo at %s: %w", c.base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode/100 != 2 {
		raw, _ := io.ReadAll(io.LimitReader(resp.Body, errorBodyLimit))
		return nil, "", &APIError{Status: resp.StatusCode, Msg: httpapi.Snippet(raw, 300)}
	}
	limit := c.opts.MaxResponseBytes
	if resp.ContentLength > limit { // refuse before reading when the size is announced
		return nil, "", c.tooLarge(path)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, limit+1))
	if err != nil {
		return nil, "", fmt.Errorf("read Tempo's answer to GET %s: %w", path, err)
	}
	if int64(len(body)) > limit {
		return nil, "", c.tooLarge(path)
	}
	return body, resp.Header.Get("Content-Type"), nil
}

// getJSON is get for the JSON endpoints: a 2xx answer that is not JSON, typically a login
// or proxy page, means the URL does not lead to Tempo's API.
func (c *Client) getJSON(ctx context.Context, path string, params url.Values) ([]byte, error) {
	body, ctype, err := c.get(ctx, path, params)
	if err != nil {
		return nil, err
	}
	// An answer without a content type still counts when it is a JSON object: some
	// proxies drop the header, and the decoder checks the rest.
	if !httpapi.IsJSON(ctype) && !(ctype == "" && bytes.HasPrefix(bytes.TrimSpace(body), []byte("{"))) {
		return nil, fmt.Errorf("%w: GET %s answered with content type %q, not JSON (%s); check that %s is Tempo's API root, e.g. http://tempo:3200", ErrNotTempo, path, ctype, httpapi.Snippet(body, 300), c.base)
	}
	return body, nil
}

func (c *Client) tooLarge(path string) error {
	return fmt.Errorf("%w: GET %s answered more than %d bytes (Options.MaxResponseBytes); narrow the query or the time range, or lower the limits", ErrResponseTooLarge, path, c.opts.MaxResponseBytes)
}

// notTempo explains a 404 on an API path that every Tempo serves.
func (c *Client) notTempo(path string, err error) error {
	if !isStatus(err, http.StatusNotFound) {
		return err
	}
	return fmt.Errorf("%w: GET %s answered 404, so %s does not point at Tempo's API root (e.g. http://tempo:3200, or the query frontend in microservices mode): %w", ErrNotTempo, path, c.base, err)
}

// isStatus reports whether err is an answer with the given HTTP status.
func isStatus(err error, status int) bool {
	var ae *APIError
	return errors.As(err, &ae) && ae.Status == status
}
