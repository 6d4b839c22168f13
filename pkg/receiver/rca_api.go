package receiver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/gorilla/mux"

	"github.com/foresight-aiops/foresight/pkg/incident"
	"github.com/foresight-aiops/foresight/pkg/notify"
	"github.com/foresight-aiops/foresight/pkg/rca"
	"github.com/foresight-aiops/foresight/pkg/store"
)

// rcaRoutes registers the root-cause analysis API on r.
func (rc *Receiver) rcaRoutes(r *mux.Router) {
	r.HandleFunc("/api/v1/incidents/{id}/hypotheses", rc.authed(rc.getHypotheses)).Methods(http.MethodGet)
	r.HandleFunc("/api/v1/incidents/{id}/hypotheses/refresh", rc.authed(rc.refreshHypotheses)).Methods(http.MethodPost)
	r.HandleFunc("/api/v1/incidents/{id}/feedback", rc.authed(rc.listFeedback)).Methods(http.MethodGet)
	r.HandleFunc("/api/v1/incidents/{id}/feedback", rc.authed(rc.addFeedback)).Methods(http.MethodPost)
	r.HandleFunc("/api/v1/rca/weights", rc.authed(rc.getWeights)).Methods(http.MethodGet)
}

// States of an incident's analysis in the API. An incident without a result is "pending"
// or "unavailable", never an empty list of hypotheses, which would read as "no cause".
const (
	analysisReady       = "ready"       // a result is stored
	analysisPending     = "pending"     // none yet; one will be computed
	analysisUnavailable = "unavailable" // none, and none will be: RCA is off or the incident is over
)

// analysisView is an incident's root-cause analysis as the API shows it.
type analysisView struct {
	State  string `json:"state"`
	Reason string `json:"reason,omitempty"` // why pending or unavailable
	// AlertCount and Revision are the incident's when the result was computed. Stale says
	// that the active incident's alerts changed since: a new analysis is due.
	AlertCount int   `json:"alertCount,omitempty"`
	Revision   int64 `json:"revision,omitempty"`
	Stale      bool  `json:"stale,omitempty"`
	// ProbableCause is what notifications and annotations show: the top hypothesis when
	// it is more likely than "no clear cause".
	ProbableCause *notify.Cause `json:"probableCause,omitempty"`
	// The result's fields (hypotheses best first, noCause, computedAt, tookSeconds,
	// queries, errors) when ready.
	*rca.Result
}

func (rc *Receiver) analysisView(inc incident.Incident, a store.Analysis, found bool) analysisView {
	switch {
	case found:
		res := a.Result
		if res.Hypotheses == nil {
			res.Hypotheses = []rca.Hypothesis{}
		}
		return analysisView{State: analysisReady, AlertCount: a.AlertCount, Revision: a.Revision,
			Stale: inc.State.Active() && a.AlertCount != inc.AlertCount, ProbableCause: causeOf(res), Result: &res}
	case rc.analyser == nil:
		return analysisView{State: analysisUnavailable, Reason: "root-cause analysis is disabled (rca.enabled: false)"}
	case !inc.State.Active():
		return analysisView{State: analysisUnavailable, Reason: fmt.Sprintf("the incident was %s before it was analysed", inc.State)}
	default:
		return analysisView{State: analysisPending, Reason: "the analysis is queued; it runs when the incident opens or its alerts change"}
	}
}

// loadAnalysis returns the incident's analysis view, or answers the request itself (404,
// 500) and returns false.
func (rc *Receiver) loadAnalysis(w http.ResponseWriter, r *http.Request, tenant, id string) (analysisView, bool) {
	inc, ok := rc.incidentOr404(w, r, tenant, id)
	if !ok {
		return analysisView{}, false
	}
	a, found, err := rc.store.Hypotheses(r.Context(), tenant, id)
	if err != nil {
		rc.internal(w, "load hypotheses", err)
		return analysisView{}, false
	}
	return rc.analysisView(inc, a, found), true
}

// incidentOr404 loads the incident, or answers 404 (unknown, or another tenant's) or 500.
func (rc *Receiver) incidentOr404(w http.ResponseWriter, r *http.Request, tenant, id string) (incident.Incident, bool) {
	inc, err := rc.store.IncidentRecord(r.Context(), tenant, id)
	switch {
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, fmt.Sprintf("no incident %q", id))
		return inc, false
	case err != nil:
		rc.internal(w, "load incident", err)
		return inc, false
	}
	return inc, true
}

// hypothesesResponse is GET /api/v1/incidents/{id}/hypotheses.
type hypothesesResponse struct {
	Status     string `json:"status"`
	IncidentID string `json:"incidentId"`
	analysisView
}

func (rc *Receiver) getHypotheses(w http.ResponseWriter, r *http.Request, t *TenantConfig) {
	id := mux.Vars(r)["id"]
	v, ok := rc.loadAnalysis(w, r, t.ID, id)
	if !ok {
		return
	}
	writeJSON(w, http.StatusOK, hypothesesResponse{Status: "success", IncidentID: id, analysisView: v})
}

// refreshResponse is POST /api/v1/incidents/{id}/hypotheses/refresh: the recompute is
// queued; it runs within rca.min-interval of the previous analysis at the earliest.
type refreshResponse struct {
	Status     string `json:"status"`
	IncidentID string `json:"incidentId"`
}

func (rc *Receiver) refreshHypotheses(w http.ResponseWriter, r *http.Request, t *TenantConfig) {
	id := mux.Vars(r)["id"]
	inc, ok := rc.incidentOr404(w, r, t.ID, id)
	switch {
	case !ok:
		return
	case rc.analyser == nil:
		writeError(w, http.StatusConflict, "root-cause analysis is disabled (rca.enabled: false)")
		return
	case !inc.State.Active():
		writeError(w, http.StatusConflict, fmt.Sprintf("incident %q is %s: only open and acknowledged incidents are analysed", id, inc.State))
		return
	case !rc.analyser.request(t.ID, id, true):
		writeError(w, http.StatusServiceUnavailable, "the analysis queue is full: retry later")
		return
	}
	writeJSON(w, http.StatusAccepted, refreshResponse{Status: "accepted", IncidentID: id})
}

// feedbackRequest is the body of POST /api/v1/incidents/{id}/feedback. Who judged comes
// from the credentials, never from the body.
type feedbackRequest struct {
	Verdict rca.Verdict `json:"verdict"`
	Entity  string      `json:"entity"`
	Comment string      `json:"comment"`
}

// Bounds of a judgement's free text.
const (
	maxEntityBytes  = 256
	maxCommentBytes = 4096
)

const feedbackShape = `{"verdict": "right|wrong|cause", "entity": "…", "comment": "…"}`

// feedbackResponse carries the stored judgement.
type feedbackResponse struct {
	Status   string            `json:"status"`
	Feedback store.FeedbackRow `json:"feedback"`
}

func (rc *Receiver) addFeedback(w http.ResponseWriter, r *http.Request, t *TenantConfig) {
	id := mux.Vars(r)["id"]
	body, status, err := rc.readBody(w, r)
	if err != nil {
		writeError(w, status, err.Error())
		return
	}
	req, err := decodeFeedback(body)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	fb := rca.Feedback{IncidentID: id, Verdict: req.Verdict, Entity: req.Entity, Actor: actorOf(r), Comment: req.Comment, At: rc.now()}
	row, err := rc.store.AddFeedback(r.Context(), t.ID, fb)
	switch {
	case errors.Is(err, store.ErrInvalidFeedback):
		writeError(w, http.StatusBadRequest, err.Error())
	case errors.Is(err, store.ErrNotFound):
		writeError(w, http.StatusNotFound, fmt.Sprintf("no incident %q", id))
	case err != nil:
		rc.internal(w, "store feedback", err)
	default:
		rc.metrics.feedback.WithLabelValues(t.ID, string(row.Verdict)).Inc()
		writeJSON(w, http.StatusCreated, feedbackResponse{Status: "success", Feedback: row})
	}
}

// decodeFeedback reads one JSON object with only the known fields. The verdict and entity
// are checked by the store (rca.Feedback.Validate), so the rules live in one place.
func decodeFeedback(body []byte) (feedbackRequest, error) {
	var req feedbackRequest
	if len(bytes.TrimSpace(body)) == 0 {
		return req, errors.New("feedback needs a body: " + feedbackShape)
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&req); err != nil {
		var syn *json.SyntaxError
		switch {
		case errors.As(err, &syn):
			return req, fmt.Errorf("invalid feedback: malformed JSON at byte %d: %v", syn.Offset, err)
		case errors.Is(err, io.ErrUnexpectedEOF):
			return req, errors.New("invalid feedback: malformed JSON: the body ends inside the object")
		}
		return req, fmt.Errorf("invalid feedback: %v; want %s", strings.TrimPrefix(err.Error(), "json: "), feedbackShape)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return req, errors.New("invalid feedback: unexpected data after the JSON object")
	}
	req.Entity = strings.TrimSpace(req.Entity)
	switch {
	case len(req.Entity) > maxEntityBytes:
		return req, fmt.Errorf("invalid feedback: entity is longer than %d bytes", maxEntityBytes)
	case len(req.Comment) > maxCommentBytes:
		return req, fmt.Errorf("invalid feedback: comment is longer than %d bytes", maxCommentBytes)
	}
	return req, nil
}

// actorOf is who is speaking, as far as the credentials tell: the basic-auth user. A
// bearer token stands for a whole tenant, not a person, so it names no one.
func actorOf(r *http.Request) string {
	if user, _, ok := r.BasicAuth(); ok {
		return user
	}
	return ""
}

// feedbackList is GET /api/v1/incidents/{id}/feedback, oldest first.
type feedbackList struct {
	Status   string              `json:"status"`
	Feedback []store.FeedbackRow `json:"feedback"`
}

func (rc *Receiver) listFeedback(w http.ResponseWriter, r *http.Request, t *TenantConfig) {
	id := mux.Vars(r)["id"]
	if _, ok := rc.incidentOr404(w, r, t.ID, id); !ok {
		return
	}
	rows, err := rc.store.Feedback(r.Context(), t.ID, id)
	if err != nil {
		rc.internal(w, "list feedback", err)
		return
	}
	writeJSON(w, http.StatusOK, feedbackList{Status: "success", Feedback: nonNil(rows)})
}

// weightsResponse is GET /api/v1/rca/weights: the multiplier of every kind of evidence
// for the tenant, 1 for kinds no feedback has moved.
type weightsResponse struct {
	Status    string               `json:"status"`
	Weights   map[rca.Kind]float64 `json:"weights"`
	UpdatedAt time.Time            `json:"updatedAt,omitzero"`
}

func (rc *Receiver) getWeights(w http.ResponseWriter, r *http.Request, t *TenantConfig) {
	learnt, updated, err := rc.store.Weights(r.Context(), t.ID)
	if err != nil {
		rc.internal(w, "load weights", err)
		return
	}
	all := make(map[rca.Kind]float64, len(rca.Kinds))
	for _, k := range rca.Kinds {
		all[k] = learnt.Weight(k)
	}
	writeJSON(w, http.StatusOK, weightsResponse{Status: "success", Weights: all, UpdatedAt: updated})
}
