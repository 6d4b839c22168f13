package tempo

import (
	"errors"
	"fmt"
)

// ErrNotTempo means the server answered, but not as Tempo's query API does: a 404 on an
// API path, a 2xx answer that is not JSON, or JSON that is not shaped as Tempo's.
var ErrNotTempo = errors.New("not a Tempo API")

// ErrMetricsUnsupported means this Tempo cannot answer TraceQL metrics queries: it
// predates them (they arrived in Tempo 2.4, and the route answers 404), or the
// metrics-generator with its local-blocks processor, which computes them, is not running.
var ErrMetricsUnsupported = errors.New("TraceQL metrics are not available on this Tempo")

// ErrResponseTooLarge means an answer exceeded Options.MaxResponseBytes and was not read.
var ErrResponseTooLarge = errors.New("Tempo's answer is larger than the response limit")

// APIError is an error answer from Tempo: its HTTP status and a single-line excerpt of the
// body. Tempo writes errors as plain text, not JSON: the query frontend answers a bad
// request with the error text alone as the body (modules/frontend/pipeline, NewBadRequest),
// for example 400 "invalid TraceQL query: parse error at line 1, col 3: syntax error:
// unexpected IDENTIFIER".
type APIError struct {
	Status int
	Msg    string
}

func (e *APIError) Error() string {
	switch {
	case e.Status == 401:
		// Multi-tenant Tempo also answers 401 ("no org id") when X-Scope-OrgID is missing.
		return withMsg("Tempo answered 401 unauthorized", e.Msg) + "; check the credentials and, for multi-tenant Tempo, the X-Scope-OrgID header"
	case e.Status == 403:
		return withMsg("Tempo answered 403 forbidden", e.Msg) + "; the credentials are valid but may not query this tenant"
	case e.Status == 429:
		return withMsg("Tempo answered 429 too many requests", e.Msg) + "; retry later or lower the query rate"
	}
	return withMsg(fmt.Sprintf("Tempo answered HTTP %d", e.Status), e.Msg)
}

func withMsg(head, msg string) string {
	if msg == "" {
		return head
	}
	return head + ": " + msg
}

// QueryError is a TraceQL query that fails the light check, with the position (1-based
// line and column, in characters) of the problem so an editor can point at it.
type QueryError struct {
	Line, Column int
	Msg          string
}

func (e *QueryError) Error() string {
	if e.Line == 0 {
		return "invalid TraceQL: " + e.Msg
	}
	return fmt.Sprintf("invalid TraceQL at line %d, column %d: %s", e.Line, e.Column, e.Msg)
}
