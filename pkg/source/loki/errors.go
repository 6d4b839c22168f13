package loki

import (
	"errors"
	"fmt"
)

// ErrNotLoki means the server answered, but not as Loki's HTTP API does: a 404 on an API
// path, a page that is not JSON, or JSON that is not a Loki answer.
var ErrNotLoki = errors.New("not a Loki API")

// ErrPatternsUnsupported means the server does not offer pattern detection: the pattern
// ingester is disabled (pattern_ingester.enabled: false, the default) or Loki predates it.
var ErrPatternsUnsupported = errors.New("pattern detection is not offered by this Loki")

// APIError is an error answer from Loki: its HTTP status and a single-line excerpt of the
// body. Loki writes errors as text/plain (pkg/util/server/error.go, WriteError), e.g. 400
// "parse error at line 1, col 5: syntax error: unexpected IDENTIFIER".
type APIError struct {
	Status int
	Msg    string
}

func (e *APIError) Error() string {
	switch {
	case e.Status == 401:
		return "401 unauthorized: Loki rejected the credentials (check basic auth, bearer token or headers)"
	case e.Status == 403:
		return "403 forbidden: the credentials are valid but may not query this Loki tenant"
	case e.Msg != "":
		return fmt.Sprintf("Loki answered HTTP %d: %s", e.Status, e.Msg)
	}
	return fmt.Sprintf("Loki answered HTTP %d", e.Status)
}

// QueryError is an invalid LogQL query, with the position (1-based line and column) of the
// first problem so an editor can point at it.
type QueryError struct {
	Line, Column int
	Msg          string
}

func (e *QueryError) Error() string {
	if e.Line == 0 {
		return "invalid LogQL: " + e.Msg
	}
	return fmt.Sprintf("invalid LogQL at line %d, column %d: %s", e.Line, e.Column, e.Msg)
}
