package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"

	"github.com/foresight-aiops/foresight/pkg/incident"
)

// Column lists shared by inserts and selects; the row builders in codec.go and the
// scanners below follow the same order.
var (
	incidentColumns = []string{
		"tenant", "id", "state", "title", "severity", "services",
		"started_at", "updated_at", "acked_at", "acked_by", "resolved_at",
		"last_resolved_alert_at", "alert_count", "firing_count", "flap_count",
		"merged_into", "revision",
	}
	memberColumns = []string{
		"tenant", "incident_id", "fingerprint", "status", "labels", "annotations",
		"starts_at", "ends_at", "generator_url", "alert_values", "source",
		"first_seen", "last_seen", "flap_count", "service", "reason",
	}
	eventColumns = []string{
		"tenant", "seq", "incident_id", "at", "kind", "fingerprint", "actor", "detail",
	}
)

// selectList returns the columns prefixed by alias, for SELECT.
func selectList(alias string, cols []string) string {
	var b strings.Builder
	for i, c := range cols {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(alias)
		b.WriteByte('.')
		b.WriteString(c)
	}
	return b.String()
}

func scanIncident(rows *sql.Rows) (incident.Incident, error) {
	var (
		in                                                   incident.Incident
		tenant, state, services                              string
		started, updated, acked, resolved, lastResolvedAlert int64
		alertCount, firingCount, flapCount                   int64
	)
	err := rows.Scan(&tenant, &in.ID, &state, &in.Title, &in.Severity, &services,
		&started, &updated, &acked, &in.AckedBy, &resolved,
		&lastResolvedAlert, &alertCount, &firingCount, &flapCount,
		&in.MergedInto, &in.Revision)
	if err != nil {
		return in, err
	}
	in.State = incident.State(state)
	if err := decodeJSON(services, &in.Services); err != nil {
		return in, fmt.Errorf("incident %s services: %w", in.ID, err)
	}
	in.StartedAt, in.UpdatedAt, in.AckedAt = fromMS(started), fromMS(updated), fromMS(acked)
	in.ResolvedAt, in.LastResolvedAlertAt = fromMS(resolved), fromMS(lastResolvedAlert)
	in.AlertCount, in.FiringCount, in.FlapCount = int(alertCount), int(firingCount), int(flapCount)
	return in, nil
}

func scanMember(rows *sql.Rows) (incident.Member, error) {
	var (
		m                                          incident.Member
		tenant, status, labels, annotations        string
		values, reason                             string
		startsAt, endsAt, firstSeen, lastSeen, flp int64
	)
	err := rows.Scan(&tenant, &m.IncidentID, &m.Fingerprint, &status, &labels, &annotations,
		&startsAt, &endsAt, &m.GeneratorURL, &values, &m.Source,
		&firstSeen, &lastSeen, &flp, &m.Service, &reason)
	if err != nil {
		return m, err
	}
	m.Status = incident.Status(status)
	if err := decodeJSON(labels, &m.Labels); err != nil {
		return m, fmt.Errorf("member %s labels: %w", m.Fingerprint, err)
	}
	if err := decodeJSON(annotations, &m.Annotations); err != nil {
		return m, fmt.Errorf("member %s annotations: %w", m.Fingerprint, err)
	}
	if m.Values, err = decodeValues(values); err != nil {
		return m, fmt.Errorf("member %s values: %w", m.Fingerprint, err)
	}
	if err := decodeJSON(reason, &m.Reason); err != nil {
		return m, fmt.Errorf("member %s reason: %w", m.Fingerprint, err)
	}
	m.StartsAt, m.EndsAt = fromMS(startsAt), fromMS(endsAt)
	m.FirstSeen, m.LastSeen = fromMS(firstSeen), fromMS(lastSeen)
	m.FlapCount = int(flp)
	return m, nil
}

func scanEvent(rows *sql.Rows) (incident.Event, error) {
	var (
		e       incident.Event
		tenant  string
		kind    string
		seq, at int64
	)
	err := rows.Scan(&tenant, &seq, &e.IncidentID, &at, &kind, &e.Fingerprint, &e.Actor, &e.Detail)
	e.Kind, e.At = incident.EventKind(kind), fromMS(at)
	return e, err
}

// collect runs a query and scans every row with scan.
func collect[T any](ctx context.Context, db querier, scan func(*sql.Rows) (T, error), query string, args ...any) ([]T, error) {
	rows, err := db.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// placeholders returns "?, ?, ..." with n marks.
func placeholders(n int) string {
	if n <= 0 {
		return ""
	}
	return strings.Repeat("?, ", n-1) + "?"
}

// insertSQL builds a multi-row INSERT of rows rows into table, followed by suffix
// (an ON CONFLICT clause). One statement per batch instead of one per row matters on
// PostgreSQL, where each statement is a network round trip.
func insertSQL(table string, cols []string, rows int, suffix string) string {
	var b strings.Builder
	row := "(" + placeholders(len(cols)) + ")"
	b.Grow(len(table) + 64 + rows*(len(row)+2) + len(suffix))
	b.WriteString("INSERT INTO ")
	b.WriteString(table)
	b.WriteString(" (")
	b.WriteString(strings.Join(cols, ", "))
	b.WriteString(") VALUES ")
	for i := 0; i < rows; i++ {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString(row)
	}
	b.WriteByte(' ')
	b.WriteString(suffix)
	return b.String()
}

// upsertSuffix is ON CONFLICT (key) DO UPDATE SET every non-key column.
func upsertSuffix(cols []string, key ...string) string {
	isKey := map[string]bool{}
	for _, k := range key {
		isKey[k] = true
	}
	var sets []string
	for _, c := range cols {
		if !isKey[c] {
			sets = append(sets, c+" = excluded."+c)
		}
	}
	return "ON CONFLICT (" + strings.Join(key, ", ") + ") DO UPDATE SET " + strings.Join(sets, ", ")
}
