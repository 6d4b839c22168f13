package store

import (
	"context"
	"database/sql"
	"encoding/base64"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/prometheus/prometheus/model/labels"

	"github.com/foresight-aiops/foresight/pkg/incident"
)

// ErrBadCursor says that a Filter.Cursor was not one this store handed out.
var ErrBadCursor = errors.New("bad cursor")

// Paging limits for Incidents.
const (
	DefaultLimit = 50
	MaxLimit     = 500
)

// maxScan bounds the incidents one Incidents call examines when label matchers filter in
// Go; past it the page comes back short with a cursor to go on from. A variable for tests.
var maxScan = 5000

// Filter selects incidents for Incidents.
type Filter struct {
	States   []incident.State // empty: all
	From, To time.Time        // zero: unbounded; an incident matches when [StartedAt, ResolvedAt or now] overlaps [From, To]
	Service  string           // incidents whose Services contain it
	Matchers []*labels.Matcher
	// Matchers keeps incidents with at least one member whose labels satisfy all of them.
	Limit  int    // default 50, max 500
	Cursor string // opaque, from Page.Next; keyset paging ordered by started_at DESC, id DESC
}

// Page is one page of incidents, newest first.
type Page struct {
	Incidents []incident.Incident
	Next      string // "" on the last page
}

// Detail is one incident with its members and timeline.
type Detail struct {
	Incident incident.Incident
	Members  []incident.Member
	Events   []incident.Event
}

// Incident returns one incident with its members and timeline; ErrNotFound when the
// tenant has no such incident.
func (s *Store) Incident(ctx context.Context, tenant, id string) (Detail, error) {
	var d Detail
	var err error
	if d.Incident, err = loadIncident(ctx, s, s.read, tenant, id); err != nil {
		return d, err
	}
	if d.Members, err = loadMembers(ctx, s, s.read, tenant, id); err != nil {
		return d, err
	}
	d.Events, err = collect(ctx, s.read, scanEvent, s.q(
		"SELECT "+strings.Join(eventColumns, ", ")+" FROM events WHERE tenant = ? AND incident_id = ? ORDER BY seq"),
		tenant, id)
	if err != nil {
		return d, fmt.Errorf("load events of incident %s: %w", id, err)
	}
	return d, nil
}

// LoadIncident returns one incident and its members (any state), without its timeline;
// ErrNotFound when the tenant has no such incident.
func (s *Store) LoadIncident(ctx context.Context, tenant, id string) (incident.Incident, []incident.Member, error) {
	in, err := loadIncident(ctx, s, s.read, tenant, id)
	if err != nil {
		return in, nil, err
	}
	members, err := loadMembers(ctx, s, s.read, tenant, id)
	return in, members, err
}

// IncidentRecord returns one incident (any state) without its members and timeline;
// ErrNotFound when the tenant has no such incident.
func (s *Store) IncidentRecord(ctx context.Context, tenant, id string) (incident.Incident, error) {
	return loadIncident(ctx, s, s.read, tenant, id)
}

func loadIncident(ctx context.Context, s *Store, db querier, tenant, id string) (incident.Incident, error) {
	ins, err := collect(ctx, db, scanIncident, s.q(
		"SELECT "+selectList("i", incidentColumns)+" FROM incidents i WHERE i.tenant = ? AND i.id = ?"), tenant, id)
	if err != nil {
		return incident.Incident{}, fmt.Errorf("load incident %s: %w", id, err)
	}
	if len(ins) == 0 {
		return incident.Incident{}, fmt.Errorf("incident %s: %w", id, ErrNotFound)
	}
	return ins[0], nil
}

func loadMembers(ctx context.Context, s *Store, db querier, tenant, id string) ([]incident.Member, error) {
	members, err := collect(ctx, db, scanMember, s.q(
		"SELECT "+selectList("m", memberColumns)+" FROM members m WHERE m.tenant = ? AND m.incident_id = ? ORDER BY m.first_seen, m.fingerprint"),
		tenant, id)
	if err != nil {
		return nil, fmt.Errorf("load members of incident %s: %w", id, err)
	}
	return members, nil
}

// Incidents lists a tenant's incidents matching f, newest first, one page at a time.
func (s *Store) Incidents(ctx context.Context, tenant string, f Filter) (Page, error) {
	limit := f.Limit
	if limit <= 0 {
		limit = DefaultLimit
	}
	limit = min(limit, MaxLimit)
	after, err := decodeCursor(f.Cursor)
	if err != nil {
		return Page{}, err
	}
	if len(f.Matchers) == 0 {
		// The database filters everything: one extra row says whether a next page exists.
		ins, err := s.incidentCandidates(ctx, tenant, f, after, limit+1)
		if err != nil {
			return Page{}, err
		}
		return pageOf(ins, limit), nil
	}
	return s.matchingIncidents(ctx, tenant, f, after, limit)
}

// matchingIncidents pages through candidates and keeps those with a member whose labels
// satisfy f.Matchers, until it has limit+1 or has examined maxScan candidates.
func (s *Store) matchingIncidents(ctx context.Context, tenant string, f Filter, after *cursor, limit int) (Page, error) {
	var matched []incident.Incident
	batch := min(max(2*limit, 100), MaxLimit, maxScan)
	for scanned := 0; scanned < maxScan; {
		cands, err := s.incidentCandidates(ctx, tenant, f, after, batch)
		if err != nil {
			return Page{}, err
		}
		keep, err := s.withMatchingMember(ctx, tenant, cands, f.Matchers)
		if err != nil {
			return Page{}, err
		}
		for _, in := range cands {
			if !keep[in.ID] {
				continue
			}
			matched = append(matched, in)
			if len(matched) == limit+1 {
				return pageOf(matched, limit), nil
			}
		}
		if len(cands) < batch {
			return Page{Incidents: matched}, nil // exhausted
		}
		scanned += len(cands)
		last := cands[len(cands)-1]
		after = &cursor{startedAt: ms(last.StartedAt), id: last.ID}
	}
	// Bounded: hand back what matched and where to go on from.
	return Page{Incidents: matched, Next: after.encode()}, nil
}

// pageOf cuts ins (up to limit+1 long) to a page, with a cursor when there was more.
func pageOf(ins []incident.Incident, limit int) Page {
	if len(ins) <= limit {
		return Page{Incidents: ins}
	}
	ins = ins[:limit]
	last := ins[limit-1]
	return Page{Incidents: ins, Next: (&cursor{startedAt: ms(last.StartedAt), id: last.ID}).encode()}
}

// incidentCandidates runs the SQL part of f: everything but the label matchers.
func (s *Store) incidentCandidates(ctx context.Context, tenant string, f Filter, after *cursor, n int) ([]incident.Incident, error) {
	where := []string{"i.tenant = ?"}
	args := []any{tenant}
	if len(f.States) > 0 {
		where = append(where, "i.state IN ("+placeholders(len(f.States))+")")
		for _, st := range f.States {
			args = append(args, string(st))
		}
	}
	if !f.To.IsZero() {
		where = append(where, "i.started_at <= ?")
		args = append(args, ms(f.To))
	}
	if !f.From.IsZero() {
		// An incident ends when it resolves; a merged one when it was folded (its last
		// update); an active one is still going on now.
		where = append(where, "(CASE WHEN i.resolved_at > 0 THEN i.resolved_at WHEN i.state = 'merged' THEN i.updated_at ELSE ? END) >= ?")
		args = append(args, time.Now().UnixMilli(), ms(f.From))
	}
	if f.Service != "" {
		where = append(where, "EXISTS (SELECT 1 FROM incident_services s WHERE s.tenant = i.tenant AND s.service = ? AND s.incident_id = i.id)")
		args = append(args, f.Service)
	}
	if after != nil {
		// A row-value comparison, which both databases support and PostgreSQL turns
		// into one index range.
		where = append(where, "(i.started_at, i.id) < (?, ?)")
		args = append(args, after.startedAt, after.id)
	}
	query := "SELECT " + selectList("i", incidentColumns) + " FROM incidents i WHERE " + strings.Join(where, " AND ") +
		" ORDER BY i.started_at DESC, i.id DESC LIMIT ?"
	args = append(args, n)
	ins, err := collect(ctx, s.read, scanIncident, s.q(query), args...)
	if err != nil {
		return nil, fmt.Errorf("list incidents of tenant %s: %w", tenant, err)
	}
	return ins, nil
}

// withMatchingMember returns the ids of those incidents that have a member whose labels
// satisfy every matcher. Label matching is done here because neither database can match
// Prometheus regexps over JSON portably.
func (s *Store) withMatchingMember(ctx context.Context, tenant string, ins []incident.Incident, ms []*labels.Matcher) (map[string]bool, error) {
	keep := map[string]bool{}
	ids := make([]string, len(ins))
	for i, in := range ins {
		ids[i] = in.ID
	}
	err := inChunks(ids, func(chunk []string) error {
		rows, err := s.read.QueryContext(ctx, s.q("SELECT incident_id, labels FROM members WHERE tenant = ? AND incident_id IN ("+
			placeholders(len(chunk))+")"), append([]any{tenant}, anySlice(chunk)...)...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id, raw string
			if err := rows.Scan(&id, &raw); err != nil {
				return err
			}
			if keep[id] {
				continue
			}
			var ls map[string]string
			if err := decodeJSON(raw, &ls); err != nil {
				return fmt.Errorf("member labels of incident %s: %w", id, err)
			}
			if matchesAll(ls, ms) {
				keep[id] = true
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("match member labels of tenant %s: %w", tenant, err)
	}
	return keep, nil
}

// matchesAll applies Prometheus semantics: a missing label has the empty value.
func matchesAll(ls map[string]string, ms []*labels.Matcher) bool {
	for _, m := range ms {
		if !m.Matches(ls[m.Name]) {
			return false
		}
	}
	return true
}

// cursor is the position after the last incident of a page.
type cursor struct {
	startedAt int64
	id        string
}

func (c *cursor) encode() string {
	return base64.RawURLEncoding.EncodeToString([]byte("v1:" + strconv.FormatInt(c.startedAt, 10) + ":" + c.id))
}

func decodeCursor(s string) (*cursor, error) {
	if s == "" {
		return nil, nil
	}
	raw, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadCursor, err)
	}
	parts := strings.SplitN(string(raw), ":", 3)
	if len(parts) != 3 || parts[0] != "v1" {
		return nil, ErrBadCursor
	}
	at, err := strconv.ParseInt(parts[1], 10, 64)
	if err != nil {
		return nil, fmt.Errorf("%w: %v", ErrBadCursor, err)
	}
	return &cursor{startedAt: at, id: parts[2]}, nil
}

// CountMembers returns how many member rows the tenant has.
func (s *Store) CountMembers(ctx context.Context, tenant string) (int64, error) {
	return s.count(ctx, "SELECT COUNT(*) FROM members WHERE tenant = ?", tenant)
}

// PendingOutbox returns how many outbox items, of all tenants, await delivery.
func (s *Store) PendingOutbox(ctx context.Context) (int64, error) {
	return s.count(ctx, "SELECT COUNT(*) FROM outbox WHERE state = 'pending'")
}

func (s *Store) count(ctx context.Context, query string, args ...any) (int64, error) {
	var n int64
	if err := s.read.QueryRowContext(ctx, s.q(query), args...).Scan(&n); err != nil && !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("count: %w", err)
	}
	return n, nil
}
