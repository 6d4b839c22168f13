package query

import (
	"fmt"
	"slices"
	"strings"
	"unicode"
)

// Incident states a query may filter on; the receiver's API uses the same words.
const (
	StateOpen         = "open"
	StateAcknowledged = "acknowledged"
	StateResolved     = "resolved"
	StateMerged       = "merged"
)

// States are every incident state, in lifecycle order.
var States = []string{StateOpen, StateAcknowledged, StateResolved, StateMerged}

// DefaultStates are the incidents that still want attention.
var DefaultStates = []string{StateOpen, StateAcknowledged}

// Limits of the kinds that read the receiver; src/types.ts mirrors them. MaxLimit is the
// receiver's own page size limit, so one query is one page.
const (
	DefaultLimit = 100
	MaxLimit     = 500
	// maxFilterBytes bounds the service and incident id filters: both are names, and a
	// longer value is a template variable that expanded to something else.
	maxFilterBytes = 256
)

// Variable is what a variable query lists.
type Variable string

// Variables a dashboard may define over the receiver.
const (
	VariableServices  Variable = "services"  // distinct services of the incidents in the range
	VariableIncidents Variable = "incidents" // open and acknowledged incidents
)

// Incidents is a validated incidents (or annotations) query with every default applied.
type Incidents struct {
	// States are the incident states to include, in lifecycle order, never empty.
	States []string
	// Service, when set, keeps incidents touching this service.
	Service string
	// Limit is the most incidents returned, newest first.
	Limit int
}

// Hypotheses is a validated hypotheses query.
type Hypotheses struct {
	// IncidentID names one incident; empty means every open or acknowledged incident in
	// the range, at most Limit of them, newest first.
	IncidentID string
	Service    string
	Limit      int
}

// VariableQuery is a validated variable query.
type VariableQuery struct {
	Variable Variable
	Limit    int
}

// Incidents returns the validated incidents query; the annotations kind takes the same
// fields. Fields of other kinds, the expression included, are ignored.
func (m Model) Incidents() (Incidents, error) {
	q := Incidents{States: slices.Clone(DefaultStates)}
	if len(m.States) > 0 {
		var err error
		if q.States, err = checkStates(m.States); err != nil {
			return Incidents{}, &FieldError{Field: "states", Err: err}
		}
	}
	var err error
	if q.Service, err = checkName(m.Service); err != nil {
		return Incidents{}, &FieldError{Field: "service", Err: err}
	}
	if q.Limit, err = m.limit(); err != nil {
		return Incidents{}, err
	}
	return q, nil
}

// Hypotheses returns the validated hypotheses query.
func (m Model) Hypotheses() (Hypotheses, error) {
	var q Hypotheses
	var err error
	if q.IncidentID, err = checkName(m.IncidentID); err != nil {
		return Hypotheses{}, &FieldError{Field: "incidentId", Err: err}
	}
	if q.Service, err = checkName(m.Service); err != nil {
		return Hypotheses{}, &FieldError{Field: "service", Err: err}
	}
	if q.Limit, err = m.limit(); err != nil {
		return Hypotheses{}, err
	}
	return q, nil
}

// Variables returns the validated variable query.
func (m Model) Variables() (VariableQuery, error) {
	switch m.Variable {
	case VariableServices, VariableIncidents:
	default:
		return VariableQuery{}, &FieldError{Field: "variable", Err: fmt.Errorf("%q is not a variable query: want %s or %s", m.Variable, VariableServices, VariableIncidents)}
	}
	limit, err := m.limit()
	if err != nil {
		return VariableQuery{}, err
	}
	return VariableQuery{Variable: m.Variable, Limit: limit}, nil
}

func (m Model) limit() (int, error) {
	if m.Limit == nil {
		return DefaultLimit, nil
	}
	if *m.Limit < 1 || *m.Limit > MaxLimit {
		return 0, &FieldError{Field: "limit", Err: fmt.Errorf("%d is outside 1 to %d", *m.Limit, MaxLimit)}
	}
	return *m.Limit, nil
}

// checkStates returns the states named, distinct and in lifecycle order.
func checkStates(states []string) ([]string, error) {
	var out []string
	for _, s := range States {
		if slices.Contains(states, s) {
			out = append(out, s)
		}
	}
	for _, s := range states {
		if !slices.Contains(States, s) {
			return nil, fmt.Errorf("%q is not an incident state: want %s", s, strings.Join(States, ", "))
		}
	}
	return out, nil
}

// checkName trims a service or incident id and refuses what cannot be one: values that
// are too long or hold control characters (a template variable gone wrong, or a paste).
func checkName(s string) (string, error) {
	s = strings.TrimSpace(s)
	if len(s) > maxFilterBytes {
		return "", fmt.Errorf("longer than %d bytes", maxFilterBytes)
	}
	if i := strings.IndexFunc(s, unicode.IsControl); i >= 0 {
		return "", fmt.Errorf("control character at byte %d", i)
	}
	return s, nil
}
