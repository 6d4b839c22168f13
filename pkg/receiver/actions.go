package receiver

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"time"

	"github.com/gorilla/mux"

	"github.com/foresight-aiops/foresight/pkg/incident"
	"github.com/foresight-aiops/foresight/pkg/store"
)

// actionRequest is the optional body of an action: who acts, and for merge and split what
// to move.
type actionRequest struct {
	Actor        string   `json:"actor"`
	Incidents    []string `json:"incidents"`    // merge: the incidents folded into this one
	Fingerprints []string `json:"fingerprints"` // split: the alerts that leave for a new incident
}

// actionResponse lists the incidents the action changed, in their new state.
type actionResponse struct {
	Status    string              `json:"status"`
	Incidents []incident.Incident `json:"incidents"`
	Created   string              `json:"created,omitempty"` // split: the new incident
}

const maxActionBody = 1 << 20

func (rc *Receiver) act(w http.ResponseWriter, r *http.Request, t *TenantConfig) {
	id, action := mux.Vars(r)["id"], mux.Vars(r)["action"]
	req, err := decodeAction(r, action)
	if err != nil {
		writeError(w, http.StatusBadRequest, err.Error())
		return
	}
	if req.Actor == "" {
		req.Actor = t.ID
	}
	now := rc.now()
	res := rc.writer.submit(r.Context(), &job{tenant: t.ID, run: func(e *incident.Engine, tx *store.Tx) (incident.Changes, any, error) {
		if err := ensureLoaded(e, tx, t.ID, append([]string{id}, req.Incidents...)); err != nil {
			return incident.Changes{}, nil, err
		}
		ch, created, err := runAction(e, action, id, req, now)
		var ae *incident.ActionError
		if errors.As(err, &ae) {
			return ch, nil, &jobError{status: http.StatusConflict, msg: ae.Msg}
		}
		return ch, created, err
	}})
	var je *jobError
	switch {
	case errors.As(res.err, &je):
		writeError(w, je.status, je.msg)
		return
	case res.err != nil:
		writeError(w, http.StatusServiceUnavailable, res.err.Error())
		return
	}
	created, _ := res.value.(string)
	writeJSON(w, http.StatusOK, actionResponse{Status: "success", Incidents: nonNil(res.ch.Incidents), Created: created})
}

func decodeAction(r *http.Request, action string) (actionRequest, error) {
	var req actionRequest
	body, err := io.ReadAll(io.LimitReader(r.Body, maxActionBody+1))
	if err != nil {
		return req, fmt.Errorf("read body: %w", err)
	}
	if len(body) > maxActionBody {
		return req, fmt.Errorf("body exceeds the %d-byte limit", maxActionBody)
	}
	if len(body) > 0 {
		dec := json.NewDecoder(bytes.NewReader(body))
		dec.DisallowUnknownFields()
		if err := dec.Decode(&req); err != nil {
			return req, fmt.Errorf("invalid %s request: %w", action, err)
		}
	}
	switch {
	case action == "merge" && len(req.Incidents) == 0:
		return req, fmt.Errorf(`merge needs {"incidents": [ids to fold into this one]}`)
	case action == "split" && len(req.Fingerprints) == 0:
		return req, fmt.Errorf(`split needs {"fingerprints": [alerts to move to a new incident]}`)
	case action != "merge" && len(req.Incidents) > 0, action != "split" && len(req.Fingerprints) > 0:
		return req, fmt.Errorf("%s takes no incidents or fingerprints", action)
	}
	return req, nil
}

// ensureLoaded puts incidents that left the engine's working set (resolved long ago) back
// into it, refusing ids the tenant does not have.
func ensureLoaded(e *incident.Engine, tx *store.Tx, tenant string, ids []string) error {
	for _, id := range ids {
		if e.Has(id) {
			continue
		}
		inc, members, err := tx.LoadIncident(tenant, id)
		if errors.Is(err, store.ErrNotFound) {
			return &jobError{status: http.StatusNotFound, msg: fmt.Sprintf("no incident %q", id)}
		}
		if err != nil {
			return fmt.Errorf("load incident %s: %w", id, err)
		}
		e.Add(inc, members)
	}
	return nil
}

func runAction(e *incident.Engine, action, id string, req actionRequest, now time.Time) (incident.Changes, any, error) {
	switch action {
	case "acknowledge":
		ch, err := e.Acknowledge(id, req.Actor, now)
		return ch, nil, err
	case "resolve":
		ch, err := e.Resolve(id, req.Actor, now)
		return ch, nil, err
	case "reopen":
		ch, err := e.Reopen(id, req.Actor, now)
		return ch, nil, err
	case "merge":
		ch, err := e.Merge(id, req.Incidents, req.Actor, now)
		return ch, nil, err
	case "split":
		ch, created, err := e.Split(id, req.Fingerprints, req.Actor, now)
		return ch, created, err
	}
	return incident.Changes{}, nil, fmt.Errorf("unknown action %q", action)
}
