package prometheus

import (
	"context"
	"errors"
	"fmt"
	"io"

	jsoniter "github.com/json-iterator/go"
)

// Probe checks that the server is a reachable, authorised Prometheus API and returns its
// version ("unknown" for compatible servers without the build-info endpoint).
func (c *Client) Probe(ctx context.Context) (string, error) {
	body, err := c.get(ctx, "/api/v1/status/buildinfo")
	if err == nil {
		defer body.Close()
		var info struct {
			Status string `json:"status"`
			Data   struct {
				Version string `json:"version"`
			} `json:"data"`
		}
		raw, rerr := io.ReadAll(io.LimitReader(body, errorBodyLimit))
		if rerr != nil {
			return "", fmt.Errorf("read build info: %w", rerr)
		}
		if jsoniter.ConfigDefault.Unmarshal(raw, &info) != nil || info.Status != "success" {
			return "", fmt.Errorf("%w: /api/v1/status/buildinfo did not answer like Prometheus", ErrNotPrometheus)
		}
		return info.Data.Version, nil
	}
	// Some compatible servers have no build-info endpoint: a trivial query proves the API.
	if !errors.Is(err, ErrNotPrometheus) {
		return "", err
	}
	if _, qerr := c.QueryRange(ctx, "vector(1)", Range{Start: 0, End: 0, Step: 1000}); qerr != nil {
		return "", qerr
	}
	return "unknown", nil
}
