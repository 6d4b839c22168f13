package receiver

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/go-kit/log/level"
	"github.com/gorilla/mux"
	"github.com/prometheus/prometheus/promql/parser"

	"github.com/foresight-aiops/foresight/pkg/incident"
	"github.com/foresight-aiops/foresight/pkg/store"
	"github.com/foresight-aiops/foresight/pkg/webhook"
)

// routes registers the ingestion and query API on r.
func (rc *Receiver) routes(r *mux.Router) {
	r.HandleFunc("/api/v1/alerts", rc.authed(rc.ingest(""))).Methods(http.MethodPost)
	r.HandleFunc("/api/v1/alerts/grafana", rc.authed(rc.ingest(webhook.FormatGrafana))).Methods(http.MethodPost)
	r.HandleFunc("/api/v1/alerts/alertmanager", rc.authed(rc.ingest(webhook.FormatAlertmanager))).Methods(http.MethodPost)
	r.HandleFunc("/api/v1/incidents", rc.authed(rc.listIncidents)).Methods(http.MethodGet)
	r.HandleFunc("/api/v1/incidents/{id}", rc.authed(rc.getIncident)).Methods(http.MethodGet)
	r.HandleFunc("/api/v1/incidents/{id}/{action:acknowledge|resolve|reopen|merge|split}", rc.authed(rc.act)).Methods(http.MethodPost)
	rc.rcaRoutes(r)
	r.HandleFunc("/ready", rc.ready).Methods(http.MethodGet)
}

type handler func(w http.ResponseWriter, r *http.Request, t *TenantConfig)

// authed resolves the request's tenant from its credentials before anything else runs.
func (rc *Receiver) authed(h handler) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		t, err := rc.auth.tenant(r)
		if err != nil {
			rc.refuse(w, r, err)
			return
		}
		h(w, r, t)
	}
}

// apiError is the body of every refusal: what was wrong and, for payloads, where.
type apiError struct {
	Status string `json:"status"`
	Error  string `json:"error"`
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

func writeError(w http.ResponseWriter, status int, msg string) {
	if status == http.StatusServiceUnavailable {
		w.Header().Set("Retry-After", "1")
	}
	writeJSON(w, status, apiError{Status: "error", Error: msg})
}

// refuse answers an authentication failure; the log names the tenant-free reason only.
func (rc *Receiver) refuse(w http.ResponseWriter, r *http.Request, err error) {
	status := http.StatusUnauthorized
	var ae *authError
	if errors.As(err, &ae) {
		status = ae.status
	}
	rc.metrics.refused.WithLabelValues(strconv.Itoa(status)).Inc()
	level.Warn(rc.logger).Log("msg", "request refused", "path", r.URL.Path, "status", status, "reason", err)
	writeError(w, status, err.Error())
}

// ingestResponse tells the sender what became of its alerts.
type ingestResponse struct {
	Status    string   `json:"status"`
	Alerts    int      `json:"alerts"`
	Incidents []string `json:"incidents"`
}

func (rc *Receiver) ingest(format string) handler {
	return func(w http.ResponseWriter, r *http.Request, t *TenantConfig) {
		body, status, err := rc.readBody(w, r)
		if err != nil {
			rc.metrics.refused.WithLabelValues(strconv.Itoa(status)).Inc()
			writeError(w, status, err.Error())
			return
		}
		if err := rc.auth.verifySignature(t, r.Header, body); err != nil {
			rc.refuse(w, r, err)
			return
		}
		n, err := webhook.Parse(body, webhook.Options{MaxAlerts: rc.cfg.MaxAlertsPerWebhook})
		if err == nil && format != "" && n.Format != format {
			err = fmt.Errorf("payload is %s's (version %q), but this endpoint takes %s's", n.Format, n.Version, format)
		}
		if err != nil {
			rc.metrics.refused.WithLabelValues("400").Inc()
			writeError(w, http.StatusBadRequest, "invalid webhook payload: "+err.Error())
			return
		}
		now := rc.now()
		res := rc.writer.submit(r.Context(), &job{tenant: t.ID, run: func(e *incident.Engine, _ *store.Tx) (incident.Changes, any, error) {
			return e.Ingest(n.Alerts, n.GroupKey, now), nil, nil
		}})
		if res.err != nil {
			writeError(w, http.StatusServiceUnavailable, res.err.Error())
			return
		}
		rc.metrics.alerts.WithLabelValues(n.Format).Add(float64(len(n.Alerts)))
		writeJSON(w, http.StatusOK, ingestResponse{Status: "success", Alerts: len(n.Alerts), Incidents: incidentIDs(res.ch)})
	}
}

// readBody reads a JSON body within the configured limit.
func (rc *Receiver) readBody(w http.ResponseWriter, r *http.Request) ([]byte, int, error) {
	if ct := r.Header.Get("Content-Type"); ct != "" {
		mt, _, err := mime.ParseMediaType(ct)
		if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
			return nil, http.StatusUnsupportedMediaType, fmt.Errorf("content type %q is not JSON", ct)
		}
	}
	limit := rc.cfg.MaxBodyBytes
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, limit))
	var tooBig *http.MaxBytesError
	switch {
	case errors.As(err, &tooBig):
		return nil, http.StatusRequestEntityTooLarge, fmt.Errorf("body exceeds the %d-byte limit", limit)
	case err != nil:
		return nil, http.StatusBadRequest, fmt.Errorf("read body: %w", err)
	}
	return body, 0, nil
}

func incidentIDs(ch incident.Changes) []string {
	seen := map[string]bool{}
	ids := []string{}
	for _, m := range ch.Members {
		if !seen[m.IncidentID] {
			seen[m.IncidentID] = true
			ids = append(ids, m.IncidentID)
		}
	}
	return ids
}

// incidentList is the list endpoint's body.
type incidentList struct {
	Incidents []incidentEntry `json:"incidents"`
	Next      string          `json:"next,omitempty"`
}

// incidentEntry is one incident of the list with its best stored hypothesis, so that a
// table of incidents (the data source's incidents query) needs no request per row.
type incidentEntry struct {
	incident.Incident
	TopHypothesis *listedHypothesis `json:"topHypothesis,omitempty"`
}

// listedHypothesis is the best-ranked hypothesis of the incident's latest analysis, whether
// or not it stands out from "no clear cause": its confidence says how far to trust it.
type listedHypothesis struct {
	Entity     string  `json:"entity"`
	Confidence float64 `json:"confidence"`
	Summary    string  `json:"summary"` // RCA's explanation: entity, confidence, strongest evidence
}

func (rc *Receiver) listIncidents(w http.ResponseWriter, r *http.Request, t *TenantConfig) {
	f, err := parseFilter(r, rc.now())
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	page, err := rc.store.Incidents(r.Context(), t.ID, f)
	if err != nil {
		rc.internal(w, "list incidents", err)
		return
	}
	ids := make([]string, len(page.Incidents))
	for i, in := range page.Incidents {
		ids[i] = in.ID
	}
	top, err := rc.store.TopHypotheses(r.Context(), t.ID, ids)
	if err != nil {
		rc.internal(w, "load top hypotheses", err)
		return
	}
	entries := make([]incidentEntry, len(page.Incidents))
	for i, in := range page.Incidents {
		entries[i] = incidentEntry{Incident: in}
		if h, ok := top[in.ID]; ok {
			entries[i].TopHypothesis = &listedHypothesis{Entity: h.Entity, Confidence: h.Confidence, Summary: h.Explanation}
		}
	}
	writeJSON(w, http.StatusOK, incidentList{Incidents: entries, Next: page.Next})
}

// parseFilter reads the list filters: state (repeatable or comma-separated), from and to
// (RFC 3339 or Unix seconds), service, match (a series selector such as
// {service="db",severity=~"crit.*"}), limit and cursor.
func parseFilter(r *http.Request, now time.Time) (store.Filter, error) {
	q := r.URL.Query()
	var f store.Filter
	for _, s := range q["state"] {
		for _, v := range strings.Split(s, ",") {
			st := incident.State(strings.TrimSpace(v))
			switch st {
			case incident.Open, incident.Acknowledged, incident.Closed, incident.Merged:
				f.States = append(f.States, st)
			default:
				return f, fmt.Errorf("state: %q is not one of open, acknowledged, resolved, merged", v)
			}
		}
	}
	var err error
	if f.From, err = parseTime(q.Get("from"), "from"); err != nil {
		return f, err
	}
	if f.To, err = parseTime(q.Get("to"), "to"); err != nil {
		return f, err
	}
	if !f.From.IsZero() && !f.To.IsZero() && f.To.Before(f.From) {
		return f, errors.New("to is before from")
	}
	f.Service = q.Get("service")
	for _, m := range q["match"] {
		ms, err := parser.NewParser(parser.Options{}).ParseMetricSelector(m)
		if err != nil {
			return f, fmt.Errorf("match: %q: %w", m, err)
		}
		f.Matchers = append(f.Matchers, ms...)
	}
	if l := q.Get("limit"); l != "" {
		n, err := strconv.Atoi(l)
		if err != nil || n < 1 || n > 500 {
			return f, fmt.Errorf("limit: %q is not a number from 1 to 500", l)
		}
		f.Limit = n
	}
	f.Cursor = q.Get("cursor")
	return f, nil
}

func parseTime(s, name string) (time.Time, error) {
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t, nil
	}
	if sec, err := strconv.ParseFloat(s, 64); err == nil {
		return time.UnixMilli(int64(sec * 1000)).UTC(), nil
	}
	return time.Time{}, fmt.Errorf("%s: %q is neither RFC 3339 nor Unix seconds", name, s)
}

// incidentDetail is one incident with its alerts, timeline and root-cause analysis.
type incidentDetail struct {
	Incident incident.Incident `json:"incident"`
	Alerts   []incident.Member `json:"alerts"`
	Timeline []incident.Event  `json:"timeline"`
	RCA      analysisView      `json:"rca"`
}

func (rc *Receiver) getIncident(w http.ResponseWriter, r *http.Request, t *TenantConfig) {
	id := mux.Vars(r)["id"]
	d, err := rc.store.Incident(r.Context(), t.ID, id)
	if errors.Is(err, store.ErrNotFound) {
		writeError(w, http.StatusNotFound, fmt.Sprintf("no incident %q", id))
		return
	}
	if err != nil {
		rc.internal(w, "load incident", err)
		return
	}
	a, found, err := rc.store.Hypotheses(r.Context(), t.ID, id)
	if err != nil {
		rc.internal(w, "load hypotheses", err)
		return
	}
	writeJSON(w, http.StatusOK, incidentDetail{Incident: d.Incident, Alerts: nonNil(d.Members), Timeline: nonNil(d.Events),
		RCA: rc.analysisView(d.Incident, a, found)})
}

func nonNil[T any](s []T) []T {
	if s == nil {
		return []T{}
	}
	return s
}

func (rc *Receiver) internal(w http.ResponseWriter, what string, err error) {
	level.Error(rc.logger).Log("msg", what+" failed", "err", err)
	writeError(w, http.StatusInternalServerError, what+" failed; see the receiver's log")
}

func (rc *Receiver) ready(w http.ResponseWriter, r *http.Request) {
	if err := rc.readiness(r.Context()); err != nil {
		http.Error(w, "not ready: "+err.Error(), http.StatusServiceUnavailable)
		return
	}
	_, _ = io.WriteString(w, "ready\n")
}
