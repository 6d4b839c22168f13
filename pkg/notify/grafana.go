package notify

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"github.com/foresight-aiops/foresight/pkg/outbox"
)

const grafanaTextMax = 500

// GrafanaAnnotation is the body of POST /api/annotations.
type GrafanaAnnotation struct {
	DashboardUID string   `json:"dashboardUID,omitempty"`
	Time         int64    `json:"time"`    // ms since the epoch
	TimeEnd      int64    `json:"timeEnd"` // ms; equal to Time for a point
	Tags         []string `json:"tags"`
	Text         string   `json:"text"`
}

// GrafanaAnnotationPatch is the body of PATCH /api/annotations/:id; the dashboard of an
// annotation cannot change.
type GrafanaAnnotationPatch struct {
	Time    int64    `json:"time"`
	TimeEnd int64    `json:"timeEnd"`
	Tags    []string `json:"tags"`
	Text    string   `json:"text"`
}

// GrafanaSender keeps one region annotation per incident in Grafana: created on the first
// delivery, its id stored with RefStore.SetRef, patched on every later one.
type GrafanaSender struct {
	cfg   GrafanaConfig
	base  string // root URL without trailing slash
	refs  RefStore
	ep    endpoint
	extra http.Header
}

// NewGrafanaSender returns the annotation sender; refs keeps annotation ids per incident.
func NewGrafanaSender(cfg GrafanaConfig, refs RefStore) *GrafanaSender {
	h := http.Header{}
	h.Set("Authorization", "Bearer "+cfg.Token)
	if cfg.OrgID > 0 {
		h.Set("X-Grafana-Org-Id", strconv.FormatInt(cfg.OrgID, 10))
	}
	return &GrafanaSender{
		cfg:   cfg,
		base:  strings.TrimRight(cfg.URL, "/"),
		refs:  refs,
		extra: h,
		ep: endpoint{
			client:  newHTTPClient(cfg.timeout()),
			display: redactUserinfo(cfg.URL),
			scrub:   newScrubber(cfg.Token, urlPassword(cfg.URL)),
		},
	}
}

// Send creates or updates the incident's annotation.
//
// Creating is made idempotent by looking the annotation up by its identity tags first:
// if a previous attempt created it but crashed (or failed to store the id) before
// SetRef, the retry adopts it instead of drawing a second region.
func (g *GrafanaSender) Send(ctx context.Context, it outbox.Item, n Payload) error {
	ref, err := g.refs.Ref(ctx, it.Tenant, it.IncidentID, GrafanaTarget)
	if err != nil {
		return fmt.Errorf("grafana: read annotation id of incident %s: %w", it.IncidentID, err)
	}
	ann := g.annotation(it, n)
	if ref == "" {
		if ref, err = g.find(ctx, it); err != nil {
			return fmt.Errorf("grafana: %w", err)
		}
		if ref == "" {
			return g.create(ctx, it, ann)
		}
		if err := g.setRef(ctx, it, ref); err != nil {
			return err
		}
	}
	err = g.patch(ctx, ref, ann)
	var se *StatusError
	if errors.As(err, &se) && se.Code == http.StatusNotFound {
		// Someone deleted the annotation in Grafana; draw it again rather than give up.
		return g.create(ctx, it, ann)
	}
	if err != nil {
		return fmt.Errorf("grafana: %w", err)
	}
	return nil
}

func (g *GrafanaSender) create(ctx context.Context, it outbox.Item, ann GrafanaAnnotation) error {
	body, err := g.ep.doJSON(ctx, http.MethodPost, g.base+"/api/annotations", g.display("/api/annotations"), ann, g.extra)
	if err != nil {
		return fmt.Errorf("grafana: create annotation: %w", err)
	}
	var resp struct {
		ID      int64  `json:"id"`
		Message string `json:"message"`
	}
	if err := json.Unmarshal(body, &resp); err != nil || resp.ID <= 0 {
		// Retrying may create a second annotation, but find adopts the first one by tags.
		return fmt.Errorf("grafana: create annotation: response has no annotation id: %s", g.ep.errorBody(body))
	}
	return g.setRef(ctx, it, strconv.FormatInt(resp.ID, 10))
}

func (g *GrafanaSender) setRef(ctx context.Context, it outbox.Item, ref string) error {
	if err := g.refs.SetRef(ctx, it.Tenant, it.IncidentID, GrafanaTarget, ref); err != nil {
		return fmt.Errorf("grafana: store annotation id %s of incident %s: %w", ref, it.IncidentID, err)
	}
	return nil
}

func (g *GrafanaSender) patch(ctx context.Context, ref string, ann GrafanaAnnotation) error {
	if _, err := strconv.ParseInt(ref, 10, 64); err != nil {
		return Permanent(fmt.Errorf("stored annotation id %q is not a number", ref))
	}
	path := "/api/annotations/" + ref
	p := GrafanaAnnotationPatch{Time: ann.Time, TimeEnd: ann.TimeEnd, Tags: ann.Tags, Text: ann.Text}
	if _, err := g.ep.doJSON(ctx, http.MethodPatch, g.base+path, g.display(path), p, g.extra); err != nil {
		return fmt.Errorf("update annotation: %w", err)
	}
	return nil
}

// find looks the incident's annotation up by its identity tags; "" when there is none.
func (g *GrafanaSender) find(ctx context.Context, it outbox.Item) (string, error) {
	q := url.Values{}
	for _, t := range identityTags(it) {
		q.Add("tags", t)
	}
	q.Set("type", "annotation")
	q.Set("limit", "1")
	if g.cfg.DashboardUID != "" {
		q.Set("dashboardUID", g.cfg.DashboardUID)
	}
	body, err := g.ep.doJSON(ctx, http.MethodGet, g.base+"/api/annotations?"+q.Encode(), g.display("/api/annotations"), nil, g.extra)
	if err != nil {
		return "", fmt.Errorf("find annotation: %w", err)
	}
	var found []struct {
		ID int64 `json:"id"`
	}
	if err := json.Unmarshal(body, &found); err != nil {
		return "", fmt.Errorf("find annotation: unreadable response: %w", err)
	}
	if len(found) == 0 || found[0].ID <= 0 {
		return "", nil
	}
	return strconv.FormatInt(found[0].ID, 10), nil
}

func (g *GrafanaSender) display(path string) string {
	return strings.TrimRight(g.ep.display, "/") + path
}

// identityTags never change over an incident's life, so they can find its annotation.
func identityTags(it outbox.Item) []string {
	tags := []string{"foresight", "incident", "incident:" + it.IncidentID}
	if it.Tenant != "" {
		tags = append(tags, "tenant:"+it.Tenant)
	}
	return tags
}

// annotation draws the incident as a region from its start to its resolution, or to its
// latest update while it is still going on.
func (g *GrafanaSender) annotation(it outbox.Item, n Payload) GrafanaAnnotation {
	inc := n.Incident
	start := inc.StartedAt
	end := inc.ResolvedAt
	if end.IsZero() {
		end = inc.UpdatedAt
	}
	if start.IsZero() {
		start = end
	}
	if end.Before(start) {
		end = start
	}
	tags := identityTags(it)
	tags = append(tags, "state:"+string(inc.State))
	if inc.Severity != "" {
		tags = append(tags, "severity:"+inc.Severity)
	}
	for _, s := range inc.Services {
		tags = append(tags, "service:"+s)
	}
	tags = append(tags, g.cfg.Tags...)
	return GrafanaAnnotation{
		DashboardUID: g.cfg.DashboardUID,
		Time:         millis(start),
		TimeEnd:      millis(end),
		Tags:         tags,
		Text:         annotationText(n),
	}
}

// annotationText is the region's text: the incident in one line, then the probable cause
// (before the summary, so that truncation cuts the summary first), then the summary.
func annotationText(n Payload) string {
	inc := n.Incident
	title := inc.Title
	if title == "" {
		title = "Incident " + inc.ID
	}
	text := fmt.Sprintf("%s [%s] — %s", title, inc.State, alertCount(inc))
	if len(inc.Services) > 0 {
		text += " on " + strings.Join(inc.Services, ", ")
	}
	if n.Cause != nil {
		text += "\n" + n.Cause.Text()
	}
	if n.Summary != "" && n.Summary != title {
		text += "\n" + n.Summary
	}
	return truncate(text, grafanaTextMax)
}

func millis(t time.Time) int64 {
	if t.IsZero() {
		return 0
	}
	return t.UnixMilli()
}

// urlPassword is the password in a URL's userinfo, the one secret a Grafana URL can hold.
func urlPassword(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.User == nil {
		return ""
	}
	p, _ := u.User.Password()
	return p
}
