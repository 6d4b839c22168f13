package plugin

import (
	"context"
	"errors"
	"net/http"

	"github.com/grafana/grafana-plugin-sdk-go/backend"

	"github.com/foresight-aiops/foresight/pkg/source/prometheus"
)

// statusFor classifies an error from a source into the status Grafana shows: the user's
// mistake (4xx), the source's (502), or time (504).
func statusFor(err error) backend.Status {
	var api *prometheus.APIError
	var limit *prometheus.LimitError
	var expr *prometheus.ExprError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return backend.StatusTimeout
	case errors.Is(err, context.Canceled):
		return backend.Status(499) // client closed request
	case errors.As(err, &limit), errors.As(err, &expr):
		return backend.StatusBadRequest
	case errors.As(err, &api):
		if api.Status == http.StatusUnauthorized || api.Status == http.StatusForbidden {
			return backend.Status(api.Status)
		}
		if api.Status >= 400 && api.Status < 500 {
			return backend.StatusBadRequest
		}
	}
	return backend.StatusBadGateway
}
