package prometheus

import (
	"errors"
	"fmt"
)

// ErrNotPrometheus means the server answered, but not as a Prometheus HTTP API does.
var ErrNotPrometheus = errors.New("not a Prometheus API")

// APIError is an error answer from the server: its HTTP status and, when the body follows
// the Prometheus API, its errorType and message.
type APIError struct {
	Status    int
	ErrorType string
	Msg       string
}

func (e *APIError) Error() string {
	switch {
	case e.Status == 401:
		return "401 unauthorized: the server rejected the credentials (check basic auth, bearer token or headers)"
	case e.Status == 403:
		return "403 forbidden: the credentials are valid but may not query this server"
	case e.ErrorType != "":
		return fmt.Sprintf("%d %s: %s", e.Status, e.ErrorType, e.Msg)
	case e.Msg != "":
		return fmt.Sprintf("HTTP %d: %s", e.Status, e.Msg)
	}
	return fmt.Sprintf("HTTP %d", e.Status)
}
