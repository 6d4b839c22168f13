// Package prometheus is a client for the Prometheus HTTP API (Prometheus, Mimir, Thanos and
// other compatible servers): it checks PromQL, fetches ranges split to respect the server's
// per-request point limit, and decodes responses in a streaming way to keep memory low.
package prometheus

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"strings"

	"golang.org/x/sync/errgroup"

	"github.com/foresight-aiops/foresight/pkg/series"
	"github.com/foresight-aiops/foresight/pkg/source/internal/httpapi"
)

const (
	// MaxPointsPerRequest is Prometheus' limit on the points of one series in one query_range
	// answer; requests above it fail with "exceeded maximum resolution".
	MaxPointsPerRequest = 11000
	// chunkPoints is the most grid points one request asks for: Prometheus refuses a request
	// when (end-start)/step exceeds MaxPointsPerRequest, so this many points still pass.
	chunkPoints = MaxPointsPerRequest
	// errorBodyLimit bounds what is read of an error answer.
	errorBodyLimit = 64 << 10
)

// Options are the client's limits.
type Options struct {
	// Parallel is the most chunk requests in flight at once for one query (default 4).
	Parallel int
	// MaxSeries aborts a query whose answer holds more series (0: no limit).
	MaxSeries int
}

// Client talks to one Prometheus-compatible server.
type Client struct {
	base string
	http *http.Client
	opts Options
}

// New returns a client for the server at baseURL using hc, which carries auth and TLS.
func New(baseURL string, hc *http.Client, opts Options) (*Client, error) {
	base, err := httpapi.BaseURL("prometheus", baseURL, "")
	if err != nil {
		return nil, err
	}
	if opts.Parallel <= 0 {
		opts.Parallel = 4
	}
	return &Client{base: base, http: hc, opts: opts}, nil
}

// Range is an evaluation grid: every Step milliseconds from Start to End inclusive (Unix ms).
type Range struct {
	Start, End, Step int64
}

// Points is the number of grid points in the range.
func (r Range) Points() int64 {
	if r.End < r.Start || r.Step <= 0 {
		return 0
	}
	return (r.End-r.Start)/r.Step + 1
}

// Chunks splits the range into consecutive ranges of at most chunkPoints grid points each.
func (r Range) Chunks() []Range {
	var out []Range
	span := (chunkPoints - 1) * r.Step
	for s := r.Start; s <= r.End; s += span + r.Step {
		out = append(out, Range{Start: s, End: min(s+span, r.End), Step: r.Step})
	}
	return out
}

// Result is the answer to a range query.
type Result struct {
	Series   []series.Series // sorted by their labels
	Points   int             // points received
	Requests int             // HTTP requests made
	Warnings []string        // warnings the server attached
}

// RangeQuerier is what analyses need from a source of history: a range query. *Client
// implements it; tests substitute recorded or in-process sources.
type RangeQuerier interface {
	QueryRange(ctx context.Context, expr string, r Range) (*Result, error)
}

// QueryRange evaluates expr over the range, in chunks fetched concurrently, and stitches the
// chunks back into one series per label set. ctx cancels every request in flight.
func (c *Client) QueryRange(ctx context.Context, expr string, r Range) (*Result, error) {
	chunks := r.Chunks()
	parts := make([]*matrix, len(chunks))
	g, ctx := errgroup.WithContext(ctx)
	g.SetLimit(c.opts.Parallel)
	for i, ch := range chunks {
		g.Go(func() error {
			m, err := c.queryRangeOnce(ctx, expr, ch)
			if err != nil {
				return fmt.Errorf("query_range %s to %s: %w", fmtMs(ch.Start), fmtMs(ch.End), err)
			}
			parts[i] = m
			return nil
		})
	}
	if err := g.Wait(); err != nil {
		return nil, err
	}
	res := stitch(parts)
	res.Requests = len(chunks)
	if c.opts.MaxSeries > 0 && len(res.Series) > c.opts.MaxSeries {
		return nil, &LimitError{What: "series", Got: len(res.Series), Limit: c.opts.MaxSeries}
	}
	return res, nil
}

// LimitError is an answer larger than the configured limits.
type LimitError struct {
	What       string
	Got, Limit int
}

func (e *LimitError) Error() string {
	return fmt.Sprintf("the query returned more than %d %s (limit %d): narrow the expression, for example with a label matcher or an aggregation", e.Got-1, e.What, e.Limit)
}

// stitch concatenates the chunk answers of each series in time order with one allocation
// per series.
func stitch(parts []*matrix) *Result {
	type acc struct {
		labels map[string]string
		n      int
		pieces []*series.Series
	}
	byKey := map[string]*acc{}
	res := &Result{}
	for _, p := range parts {
		res.Warnings = append(res.Warnings, p.warnings...)
		for i := range p.series {
			s := &p.series[i]
			k := series.Key(s.Labels)
			a := byKey[k]
			if a == nil {
				a = &acc{labels: s.Labels}
				byKey[k] = a
			}
			a.n += len(s.Times)
			a.pieces = append(a.pieces, s)
		}
	}
	keys := make([]string, 0, len(byKey))
	for k := range byKey {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	for _, k := range keys {
		a := byKey[k]
		res.Points += a.n
		if len(a.pieces) == 1 { // the common case: nothing to stitch, nothing to copy
			res.Series = append(res.Series, *a.pieces[0])
			continue
		}
		out := series.Series{Labels: a.labels, Times: make([]int64, 0, a.n), Values: make([]float64, 0, a.n)}
		for _, p := range a.pieces {
			out.Times = append(out.Times, p.Times...)
			out.Values = append(out.Values, p.Values...)
		}
		res.Series = append(res.Series, out)
	}
	return res
}

func (c *Client) queryRangeOnce(ctx context.Context, expr string, r Range) (*matrix, error) {
	form := url.Values{
		"query": {expr},
		"start": {fmtSeconds(r.Start)},
		"end":   {fmtSeconds(r.End)},
		"step":  {fmtSeconds(r.Step)},
	}
	body, err := c.post(ctx, "/api/v1/query_range", form)
	if err != nil {
		return nil, err
	}
	defer body.Close()
	return decodeMatrix(body, c.opts.MaxSeries, int(r.Points()))
}

// post sends a form and returns the body of a 2xx answer; any other answer becomes an
// *APIError or ErrNotPrometheus.
func (c *Client) post(ctx context.Context, path string, form url.Values) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, c.base+path, strings.NewReader(form.Encode()))
	if err != nil {
		return nil, err
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return c.do(req)
}

func (c *Client) get(ctx context.Context, path string) (io.ReadCloser, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+path, nil)
	if err != nil {
		return nil, err
	}
	return c.do(req)
}

func (c *Client) do(req *http.Request) (io.ReadCloser, error) {
	req.Header.Set("Accept", "application/json")
	resp, err := c.http.Do(req)
	if err != nil {
		return nil, err
	}
	if resp.StatusCode/100 == 2 {
		if !httpapi.IsJSON(resp.Header.Get("Content-Type")) {
			resp.Body.Close()
			return nil, fmt.Errorf("%w: %s answered %d with content type %q, not JSON", ErrNotPrometheus, req.URL.Path, resp.StatusCode, resp.Header.Get("Content-Type"))
		}
		return resp.Body, nil
	}
	defer resp.Body.Close()
	return nil, errorFromResponse(resp, req.URL.Path)
}

func errorFromResponse(resp *http.Response, path string) error {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, errorBodyLimit))
	apiErr := &APIError{Status: resp.StatusCode}
	if httpapi.IsJSON(resp.Header.Get("Content-Type")) {
		if e, ok := decodeError(raw); ok {
			apiErr.ErrorType, apiErr.Msg = e.errorType, e.msg
			return apiErr
		}
	}
	if resp.StatusCode == http.StatusNotFound {
		return fmt.Errorf("%w: %s not found (404); check the URL points at the API root, e.g. http://prometheus:9090", ErrNotPrometheus, path)
	}
	apiErr.Msg = httpapi.Snippet(raw, 200)
	return apiErr
}

func fmtSeconds(ms int64) string {
	return strconv.FormatFloat(float64(ms)/1000, 'f', -1, 64)
}

func fmtMs(ms int64) string { return fmtSeconds(ms) + "s" }
