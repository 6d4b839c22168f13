package receiver

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"time"
)

// States of an incident's analysis. An incident without a result is pending or
// unavailable, which is not the same as an analysis that found no cause.
const (
	AnalysisReady       = "ready"
	AnalysisPending     = "pending"
	AnalysisUnavailable = "unavailable"
)

// Analysis is an incident's root-cause analysis.
type Analysis struct {
	IncidentID string `json:"incidentId"`
	State      string `json:"state"`
	Reason     string `json:"reason"` // why pending or unavailable
	// Stale says the incident's alerts changed since the analysis: a new one is due.
	Stale bool `json:"stale"`
	// ProbableCause is the top hypothesis when it is more likely than "no clear cause".
	ProbableCause *Cause       `json:"probableCause"`
	Hypotheses    []Hypothesis `json:"hypotheses"` // best first
	// NoCause is the probability that none of the hypotheses is the cause.
	NoCause    float64   `json:"noCause"`
	ComputedAt time.Time `json:"computedAt"`
	// Errors name the sources that failed: the result rests on partial evidence.
	Errors []string `json:"errors"`
}

// Cause is the probable cause the receiver stands behind.
type Cause struct {
	Entity      string  `json:"entity"`
	Confidence  float64 `json:"confidence"`
	Explanation string  `json:"explanation"`
}

// Hypothesis is one candidate root cause with its evidence.
type Hypothesis struct {
	Entity      string     `json:"entity"`
	Confidence  float64    `json:"confidence"` // 0 to 1
	Explanation string     `json:"explanation"`
	Evidence    []Evidence `json:"evidence"`
}

// Evidence is one observation supporting a hypothesis.
type Evidence struct {
	Kind     string  `json:"kind"`
	Entity   string  `json:"entity"`
	Signal   string  `json:"signal"`
	Strength float64 `json:"strength"`
	Detail   string  `json:"detail"`
	URL      string  `json:"url"` // an Explore link, when one could be built
}

// ErrNoIncident is a 404 from the hypotheses endpoint: the tenant has no such incident.
var ErrNoIncident = errors.New("no such incident")

// Hypotheses returns one incident's analysis. An incident the tenant does not have is
// ErrNoIncident (wrapped in the *APIError).
func (c *Client) Hypotheses(ctx context.Context, incidentID string) (Analysis, error) {
	if incidentID == "" {
		return Analysis{}, errors.New("hypotheses: the incident id is empty")
	}
	path := pathIncidents + "/" + url.PathEscape(incidentID) + "/hypotheses"
	var a Analysis
	if err := c.getJSON(ctx, path, nil, &a); err != nil {
		var ae *APIError
		if errors.As(err, &ae) && ae.Status == http.StatusNotFound {
			return Analysis{}, fmt.Errorf("%w: %w", ErrNoIncident, err)
		}
		return Analysis{}, err
	}
	if a.State == "" {
		return Analysis{}, fmt.Errorf("%w: the answer to %s has no analysis state", ErrNotReceiver, path)
	}
	return a, nil
}
