package evidence

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// ErrNotGrafana means the server answered, but not as Grafana's HTTP API does.
var ErrNotGrafana = errors.New("not a Grafana API")

// Bounds on what is read of Grafana's answers.
const (
	maxAnnotationsBytes = 8 << 20
	errorBodyLimit      = 4 << 10
)

// annotation is one element of GET /api/annotations, as documented in Grafana's
// docs/sources/developers/http_api/annotations.md ("Find Annotations", example response)
// and written by pkg/services/annotations (ItemDTO): times are epoch milliseconds,
// timeEnd equals time for a point annotation.
type annotation struct {
	ID           int64    `json:"id"`
	DashboardUID string   `json:"dashboardUID"`
	PanelID      int64    `json:"panelId"`
	Time         int64    `json:"time"`
	TimeEnd      int64    `json:"timeEnd"`
	Text         string   `json:"text"`
	Tags         []string `json:"tags"`
}

// annotationsClient reads annotations with a service-account token.
type annotationsClient struct {
	base  string
	token string
	hc    *http.Client
	limit int
}

// find returns the user-made annotations in [from, to] that carry any of tags:
// type=annotation leaves out alert state changes, and matchAny=true turns Grafana's
// default AND of repeated tags into an OR (pkg/api/annotations.go, GetAnnotations).
func (c *annotationsClient) find(ctx context.Context, from, to time.Time, tags []string) ([]annotation, error) {
	params := url.Values{
		"from":     {strconv.FormatInt(from.UnixMilli(), 10)},
		"to":       {strconv.FormatInt(to.UnixMilli(), 10)},
		"type":     {"annotation"},
		"limit":    {strconv.Itoa(c.limit)},
		"matchAny": {"true"},
		"tags":     tags,
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, c.base+"/api/annotations?"+params.Encode(), nil)
	if err != nil {
		return nil, fmt.Errorf("build annotations request: %w", err)
	}
	req.Header.Set("Accept", "application/json")
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, fmt.Errorf("reach Grafana at %s: %w", c.base, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, c.errorFrom(resp)
	}
	if mt, _, _ := mime.ParseMediaType(resp.Header.Get("Content-Type")); mt != "application/json" {
		return nil, fmt.Errorf("%w: GET /api/annotations answered with content type %q; check that %s is Grafana's root URL", ErrNotGrafana, resp.Header.Get("Content-Type"), c.base)
	}
	var out []annotation
	if err := json.NewDecoder(io.LimitReader(resp.Body, maxAnnotationsBytes)).Decode(&out); err != nil {
		return nil, fmt.Errorf("%w: decode GET /api/annotations: %v", ErrNotGrafana, err)
	}
	return out, nil
}

// errorFrom explains an error answer. Grafana writes errors as {"message": "..."}
// (pkg/api/response, Error).
func (c *annotationsClient) errorFrom(resp *http.Response) error {
	raw, _ := io.ReadAll(io.LimitReader(resp.Body, errorBodyLimit))
	var body struct {
		Message string `json:"message"`
	}
	msg := strings.Join(strings.Fields(string(raw)), " ")
	if json.Unmarshal(raw, &body) == nil && body.Message != "" {
		msg = body.Message
	}
	if len(msg) > 200 {
		msg = msg[:200] + "…"
	}
	switch resp.StatusCode {
	case http.StatusUnauthorized:
		return fmt.Errorf("Grafana at %s answered 401 (%s): check grafana_token, a service-account token", c.base, msg)
	case http.StatusForbidden:
		return fmt.Errorf("Grafana at %s answered 403 (%s): the service account needs the annotations:read permission", c.base, msg)
	case http.StatusNotFound:
		return fmt.Errorf("%w: GET /api/annotations answered 404; check that %s is Grafana's root URL", ErrNotGrafana, c.base)
	}
	return fmt.Errorf("Grafana at %s answered HTTP %d to GET /api/annotations: %s", c.base, resp.StatusCode, msg)
}
