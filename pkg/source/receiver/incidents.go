package receiver

import (
	"context"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
)

// MaxLimit is the most incidents the receiver returns in one page.
const MaxLimit = 500

// Filter selects incidents; zero fields do not filter.
type Filter struct {
	// States are incident states: open, acknowledged, resolved, merged.
	States []string
	// Service keeps incidents touching this service.
	Service string
	// From and To keep incidents whose [start, resolution or now] overlaps them.
	From, To time.Time
	// Limit is the page size, 1 to 500 (the receiver's default is 50).
	Limit int
	// Cursor continues from a previous page's Next.
	Cursor string
}

// Query is the filter as the list endpoint's query string.
func (f Filter) Query() string { return f.params().Encode() }

func (f Filter) params() url.Values {
	p := url.Values{}
	if len(f.States) > 0 {
		p.Set("state", strings.Join(f.States, ","))
	}
	if f.Service != "" {
		p.Set("service", f.Service)
	}
	if !f.From.IsZero() {
		p.Set("from", f.From.UTC().Format(time.RFC3339Nano))
	}
	if !f.To.IsZero() {
		p.Set("to", f.To.UTC().Format(time.RFC3339Nano))
	}
	if f.Limit > 0 {
		p.Set("limit", strconv.Itoa(f.Limit))
	}
	if f.Cursor != "" {
		p.Set("cursor", f.Cursor)
	}
	return p
}

// Incident is one entry of the incident list.
type Incident struct {
	ID             string    `json:"id"`
	State          string    `json:"state"`
	Title          string    `json:"title"`
	Severity       string    `json:"severity"`
	Services       []string  `json:"services"`
	StartedAt      time.Time `json:"startedAt"`
	UpdatedAt      time.Time `json:"updatedAt"`
	AcknowledgedAt time.Time `json:"acknowledgedAt"`
	ResolvedAt     time.Time `json:"resolvedAt"` // zero while open or acknowledged
	AlertCount     int       `json:"alertCount"`
	FiringCount    int       `json:"firingCount"`
	MergedInto     string    `json:"mergedInto"`
	// TopHypothesis is the best-ranked hypothesis of the latest analysis; nil when none is
	// stored, it has no hypotheses, or the receiver predates the field.
	TopHypothesis *TopHypothesis `json:"topHypothesis"`
}

// Active reports whether the incident still wants attention.
func (i Incident) Active() bool { return i.State == "open" || i.State == "acknowledged" }

// End is when the incident ended: its resolution, or now while it is active.
func (i Incident) End(now time.Time) time.Time {
	if i.ResolvedAt.IsZero() || i.Active() {
		return now
	}
	return i.ResolvedAt
}

// TopHypothesis is an incident's best hypothesis as the list shows it.
type TopHypothesis struct {
	Entity     string  `json:"entity"`
	Confidence float64 `json:"confidence"` // 0 to 1
	Summary    string  `json:"summary"`
}

// Page is one page of incidents, newest first.
type Page struct {
	Incidents []Incident `json:"incidents"`
	// Next is the cursor of the following page; empty on the last one.
	Next string `json:"next"`
}

// Incidents lists one page of the tenant's incidents.
func (c *Client) Incidents(ctx context.Context, f Filter) (Page, error) {
	if f.Limit < 0 || f.Limit > MaxLimit {
		return Page{}, fmt.Errorf("incident list limit %d is outside 1 to %d", f.Limit, MaxLimit)
	}
	var p Page
	if err := c.getJSON(ctx, pathIncidents, f.params(), &p); err != nil {
		return Page{}, err
	}
	return p, nil
}

// IncidentsUpTo lists incidents page after page until max are read or none are left; more
// says that some were left.
func (c *Client) IncidentsUpTo(ctx context.Context, f Filter, max int) (incidents []Incident, more bool, err error) {
	for len(incidents) < max {
		f.Limit = min(MaxLimit, max-len(incidents))
		p, err := c.Incidents(ctx, f)
		if err != nil {
			return nil, false, err
		}
		incidents = append(incidents, p.Incidents...)
		if p.Next == "" {
			return incidents, false, nil
		}
		f.Cursor = p.Next
	}
	return incidents, true, nil
}
