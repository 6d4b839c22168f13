package plugin

import (
	"context"
	"errors"
	"net/http"

	"github.com/foresight-aiops/foresight/pkg/source/prometheus"
)

// httpStatusFor classifies an error from a source into the HTTP status that describes it
// to the user: their mistake (4xx), the source's (502), or time (504).
func httpStatusFor(err error) int {
	var api *prometheus.APIError
	var limit *prometheus.LimitError
	var expr *prometheus.ExprError
	switch {
	case errors.Is(err, context.DeadlineExceeded):
		return http.StatusGatewayTimeout
	case errors.Is(err, context.Canceled):
		return 499 // client closed request
	case errors.As(err, &limit), errors.As(err, &expr):
		return http.StatusBadRequest
	case errors.As(err, &api):
		if api.Status == http.StatusUnauthorized || api.Status == http.StatusForbidden {
			return api.Status
		}
		if api.Status >= 400 && api.Status < 500 {
			return http.StatusBadRequest
		}
	}
	return http.StatusBadGateway
}
