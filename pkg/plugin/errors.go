package plugin

import (
	"context"
	"errors"
	"net/http"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/foresight-aiops/foresight/pkg/source/loki"
	"github.com/foresight-aiops/foresight/pkg/source/prometheus"
	"github.com/foresight-aiops/foresight/pkg/source/receiver"
)

// statusFor classifies an error from a source into the status Grafana shows: the user's
// mistake (4xx), the source's (502), or time (504).
func statusFor(err error) backend.Status {
	var limit *prometheus.LimitError
	var expr *prometheus.ExprError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return backend.StatusTimeout
	case errors.Is(err, context.Canceled):
		return backend.Status(499) // client closed request
	case errors.As(err, &limit), errors.As(err, &expr):
		return backend.StatusBadRequest
	}
	if status, ok := sourceStatus(err); ok {
		if status == http.StatusUnauthorized || status == http.StatusForbidden {
			return backend.Status(status)
		}
		if status >= 400 && status < 500 {
			return backend.StatusBadRequest
		}
	}
	return backend.StatusBadGateway
}

// sourceStatus is the HTTP status a source answered with, when err is its API error.
func sourceStatus(err error) (int, bool) {
	var prom *prometheus.APIError
	var lk *loki.APIError
	var rc *receiver.APIError
	switch {
	case errors.As(err, &prom):
		return prom.Status, true
	case errors.As(err, &lk):
		return lk.Status, true
	case errors.As(err, &rc):
		return rc.Status, true
	}
	return 0, false
}
