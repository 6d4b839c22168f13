package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/foresight-aiops/foresight/pkg/incident"
	"github.com/foresight-aiops/foresight/pkg/outbox"
)

// Tx is one write transaction, handed to the function given to Store.Write.
type Tx struct {
	ctx context.Context
	tx  *sql.Tx
	s   *Store
}

// Write runs fn in one write transaction and commits; any error rolls back everything.
// On SQLite writers are serialised (one connection, BEGIN IMMEDIATE); on PostgreSQL
// they run concurrently and serialise per tenant through LockTenant.
func (s *Store) Write(ctx context.Context, fn func(*Tx) error) error {
	sqlTx, err := s.write.BeginTx(ctx, nil)
	if err != nil {
		return fmt.Errorf("begin write: %w", err)
	}
	committed := false
	defer func() {
		if !committed {
			// The rollback error says nothing the caller can act on beyond err.
			_ = sqlTx.Rollback()
		}
		s.preparePending(ctx)
	}()
	if err := fn(&Tx{ctx: ctx, tx: sqlTx, s: s}); err != nil {
		return err
	}
	if err := sqlTx.Commit(); err != nil {
		return fmt.Errorf("commit: %w", err)
	}
	committed = true
	return nil
}

func (tx *Tx) exec(query string, args ...any) (sql.Result, error) {
	query = tx.s.q(query)
	if st := tx.s.prepared(query); st != nil {
		return tx.tx.StmtContext(tx.ctx, st).ExecContext(tx.ctx, args...)
	}
	return tx.tx.ExecContext(tx.ctx, query, args...)
}

func (tx *Tx) queryRow(query string, args ...any) *sql.Row {
	query = tx.s.q(query)
	if st := tx.s.prepared(query); st != nil {
		return tx.tx.StmtContext(tx.ctx, st).QueryRowContext(tx.ctx, args...)
	}
	return tx.tx.QueryRowContext(tx.ctx, query, args...)
}

// maxParams bounds the placeholders of one statement, below SQLite's 32766 and
// PostgreSQL's 65535, and keeps statements small enough to plan quickly.
const maxParams = 4000

// insertRows inserts rows in as few multi-row statements as maxParams allows.
func (tx *Tx) insertRows(table string, cols []string, suffix string, rows [][]any) error {
	per := max(1, maxParams/len(cols))
	for start := 0; start < len(rows); start += per {
		chunk := rows[start:min(start+per, len(rows))]
		args := make([]any, 0, len(chunk)*len(cols))
		for _, r := range chunk {
			args = append(args, r...)
		}
		if _, err := tx.exec(insertSQL(table, cols, len(chunk), suffix), args...); err != nil {
			return err
		}
	}
	return nil
}

// LockTenant creates the tenant row if missing and locks it for the rest of the
// transaction (SELECT ... FOR UPDATE on PostgreSQL; SQLite's write transaction is
// already exclusive), returning its version.
func (tx *Tx) LockTenant(tenant string) (int64, error) {
	var version int64
	err := tx.queryRow("SELECT version FROM tenants WHERE tenant = ?"+tx.s.forUpdate(), tenant).Scan(&version)
	if err == nil {
		return version, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("lock tenant %s: %w", tenant, err)
	}
	// A concurrent first write of the same tenant may insert it first; DO NOTHING and
	// the second SELECT then waits for that transaction's lock like any other.
	if _, err := tx.exec("INSERT INTO tenants (tenant) VALUES (?) ON CONFLICT (tenant) DO NOTHING", tenant); err != nil {
		return 0, fmt.Errorf("create tenant %s: %w", tenant, err)
	}
	if err := tx.queryRow("SELECT version FROM tenants WHERE tenant = ?"+tx.s.forUpdate(), tenant).Scan(&version); err != nil {
		return 0, fmt.Errorf("lock tenant %s: %w", tenant, err)
	}
	return version, nil
}

// SetTenantVersion records the tenant's version, creating its row if missing.
func (tx *Tx) SetTenantVersion(tenant string, v int64) error {
	_, err := tx.exec(`INSERT INTO tenants (tenant, version) VALUES (?, ?)
		ON CONFLICT (tenant) DO UPDATE SET version = excluded.version`, tenant, v)
	if err != nil {
		return fmt.Errorf("set tenant %s version: %w", tenant, err)
	}
	return nil
}

// nextTenantSeq reserves n numbers of the tenant's counter column (event_seq or
// outbox_seq) and returns the first. The update takes the tenant row's lock, so numbers
// grow in commit order.
func (tx *Tx) nextTenantSeq(tenant, column string, n int) (int64, error) {
	var last int64
	err := tx.queryRow(`INSERT INTO tenants (tenant, `+column+`) VALUES (?, ?)
		ON CONFLICT (tenant) DO UPDATE SET `+column+` = tenants.`+column+` + excluded.`+column+`
		RETURNING `+column, tenant, n).Scan(&last)
	if err != nil {
		return 0, fmt.Errorf("reserve %d of tenant %s %s: %w", n, tenant, column, err)
	}
	return last - int64(n) + 1, nil
}

// Apply persists what one engine call changed: it upserts ch.Incidents (key tenant+id)
// and ch.Members (key tenant+incident+fingerprint) and appends ch.Events. ch.Notices are
// left to the caller, which turns them into outbox items. When an incident in ch is
// Merged into another and a member of it appears under the surviving incident, its row
// under the merged incident is removed: the engine reports moved members only with their
// new incident. Manual moves go through MoveMembers first.
func (tx *Tx) Apply(tenant string, ch incident.Changes) error {
	if err := tx.dropMergedMembers(tenant, ch); err != nil {
		return err
	}
	if err := tx.upsertIncidents(tenant, ch.Incidents); err != nil {
		return err
	}
	if err := tx.upsertMembers(tenant, ch.Members); err != nil {
		return err
	}
	return tx.appendEvents(tenant, ch.Events)
}

func (tx *Tx) dropMergedMembers(tenant string, ch incident.Changes) error {
	for _, in := range ch.Incidents {
		if in.State != incident.Merged || in.MergedInto == "" || in.MergedInto == in.ID {
			continue
		}
		var fps []string
		for _, m := range ch.Members {
			if m.IncidentID == in.MergedInto {
				fps = append(fps, m.Fingerprint)
			}
		}
		if len(fps) == 0 {
			continue
		}
		if err := tx.deleteMembers(tenant, in.ID, fps); err != nil {
			return fmt.Errorf("drop members of merged incident %s: %w", in.ID, err)
		}
	}
	return nil
}

// deleteMembers removes the given fingerprints from an incident.
func (tx *Tx) deleteMembers(tenant, incidentID string, fps []string) error {
	return inChunks(fps, func(chunk []string) error {
		args := append([]any{tenant, incidentID}, anySlice(chunk)...)
		_, err := tx.exec("DELETE FROM members WHERE tenant = ? AND incident_id = ? AND fingerprint IN ("+
			placeholders(len(chunk))+")", args...)
		return err
	})
}

func (tx *Tx) upsertIncidents(tenant string, incidents []incident.Incident) error {
	incidents = lastByKey(incidents, func(in incident.Incident) string { return in.ID })
	if len(incidents) == 0 {
		return nil
	}
	rows := make([][]any, 0, len(incidents))
	ids := make([]string, 0, len(incidents))
	var services [][]any
	for _, in := range incidents {
		r, err := incidentRow(tenant, in)
		if err != nil {
			return fmt.Errorf("encode incident %s: %w", in.ID, err)
		}
		rows = append(rows, r)
		ids = append(ids, in.ID)
		seen := map[string]bool{}
		for _, svc := range in.Services {
			if !seen[svc] {
				seen[svc] = true
				services = append(services, []any{tenant, svc, in.ID})
			}
		}
	}
	if err := tx.insertRows("incidents", incidentColumns, upsertSuffix(incidentColumns, "tenant", "id"), rows); err != nil {
		return fmt.Errorf("upsert incidents %v: %w", ids, err)
	}
	// Services are rewritten whole: cheaper than diffing for the few incidents a batch touches.
	err := inChunks(ids, func(chunk []string) error {
		_, err := tx.exec("DELETE FROM incident_services WHERE tenant = ? AND incident_id IN ("+
			placeholders(len(chunk))+")", append([]any{tenant}, anySlice(chunk)...)...)
		return err
	})
	if err != nil {
		return fmt.Errorf("clear services of incidents %v: %w", ids, err)
	}
	if err := tx.insertRows("incident_services", []string{"tenant", "service", "incident_id"}, "", services); err != nil {
		return fmt.Errorf("write services of incidents %v: %w", ids, err)
	}
	return nil
}

func (tx *Tx) upsertMembers(tenant string, members []incident.Member) error {
	// PostgreSQL refuses to update one row twice in a statement, so keep the last report.
	members = lastByKey(members, func(m incident.Member) string { return m.IncidentID + "\x00" + m.Fingerprint })
	if len(members) == 0 {
		return nil
	}
	rows := make([][]any, 0, len(members))
	for _, m := range members {
		if m.IncidentID == "" || m.Fingerprint == "" {
			return fmt.Errorf("member %q of incident %q: incident id and fingerprint are required", m.Fingerprint, m.IncidentID)
		}
		r, err := memberRow(tenant, m)
		if err != nil {
			return fmt.Errorf("encode member %s of incident %s: %w", m.Fingerprint, m.IncidentID, err)
		}
		rows = append(rows, r)
	}
	suffix := upsertSuffix(memberColumns, "tenant", "incident_id", "fingerprint")
	if err := tx.insertRows("members", memberColumns, suffix, rows); err != nil {
		return fmt.Errorf("upsert %d members: %w", len(rows), err)
	}
	return nil
}

func (tx *Tx) appendEvents(tenant string, events []incident.Event) error {
	if len(events) == 0 {
		return nil
	}
	first, err := tx.nextTenantSeq(tenant, "event_seq", len(events))
	if err != nil {
		return err
	}
	rows := make([][]any, len(events))
	for i, e := range events {
		rows[i] = []any{tenant, first + int64(i), e.IncidentID, ms(e.At), string(e.Kind), e.Fingerprint, e.Actor, e.Detail}
	}
	if err := tx.insertRows("events", eventColumns, "", rows); err != nil {
		return fmt.Errorf("append %d events: %w", len(events), err)
	}
	return nil
}

// MoveMembers moves members from one incident to another (a manual merge or split);
// fingerprints nil moves them all. A row the target already has for a moved fingerprint
// is replaced. Call it before Apply, which then upserts the moved members' new state.
func (tx *Tx) MoveMembers(tenant, fromIncident, toIncident string, fingerprints []string) error {
	if fromIncident == toIncident || (fingerprints != nil && len(fingerprints) == 0) {
		return nil
	}
	if fingerprints == nil {
		_, err := tx.exec(`DELETE FROM members WHERE tenant = ? AND incident_id = ? AND fingerprint IN
			(SELECT fingerprint FROM members WHERE tenant = ? AND incident_id = ?)`,
			tenant, toIncident, tenant, fromIncident)
		if err != nil {
			return fmt.Errorf("move members %s→%s: clear target: %w", fromIncident, toIncident, err)
		}
		_, err = tx.exec("UPDATE members SET incident_id = ? WHERE tenant = ? AND incident_id = ?",
			toIncident, tenant, fromIncident)
		if err != nil {
			return fmt.Errorf("move members %s→%s: %w", fromIncident, toIncident, err)
		}
		return nil
	}
	if err := tx.deleteMembers(tenant, toIncident, fingerprints); err != nil {
		return fmt.Errorf("move members %s→%s: clear target: %w", fromIncident, toIncident, err)
	}
	err := inChunks(fingerprints, func(chunk []string) error {
		args := append([]any{toIncident, tenant, fromIncident}, anySlice(chunk)...)
		_, err := tx.exec("UPDATE members SET incident_id = ? WHERE tenant = ? AND incident_id = ? AND fingerprint IN ("+
			placeholders(len(chunk))+")", args...)
		return err
	})
	if err != nil {
		return fmt.Errorf("move members %s→%s: %w", fromIncident, toIncident, err)
	}
	return nil
}

// outboxColumns are the columns Enqueue writes; the rest take their defaults.
var outboxColumns = []string{
	"id", "tenant", "seq", "incident_id", "target", "kind", "dedup_key", "payload",
	"state", "next_attempt_at", "created",
}

// Enqueue inserts outbox items; an item whose (tenant, key) exists is skipped silently,
// so a retried webhook enqueues nothing new. Items are due at once, in the order given.
func (tx *Tx) Enqueue(items []outbox.Item) error {
	if len(items) == 0 {
		return nil
	}
	ids, err := tx.s.allocOutboxIDs(tx, len(items))
	if err != nil {
		return err
	}
	byTenant := map[string][]int{}
	var tenants []string
	for i, it := range items {
		if it.Tenant == "" || it.Key == "" || it.IncidentID == "" || it.Target == "" {
			return fmt.Errorf("enqueue item %q: tenant, incident id, target and key are required", it.Key)
		}
		if _, ok := byTenant[it.Tenant]; !ok {
			tenants = append(tenants, it.Tenant)
		}
		byTenant[it.Tenant] = append(byTenant[it.Tenant], i)
	}
	now := time.Now()
	for _, tenant := range tenants {
		idx := byTenant[tenant]
		seq, err := tx.nextTenantSeq(tenant, "outbox_seq", len(idx))
		if err != nil {
			return err
		}
		rows := make([][]any, len(idx))
		for j, i := range idx {
			it := items[i]
			created := it.Created
			if created.IsZero() {
				created = now
			}
			rows[j] = []any{ids[i], tenant, seq + int64(j), it.IncidentID, it.Target, it.Kind, it.Key,
				string(it.Payload), "pending", ms(created), ms(created)}
		}
		if err := tx.insertRows("outbox", outboxColumns, "ON CONFLICT (tenant, dedup_key) DO NOTHING", rows); err != nil {
			return fmt.Errorf("enqueue %d items of tenant %s: %w", len(rows), tenant, err)
		}
	}
	return nil
}

// snapshotWhere selects what the engine needs to continue: active incidents and those
// resolved at or after the second parameter.
const snapshotWhere = `i.tenant = ? AND (i.state IN ('open', 'acknowledged') OR (i.state = 'resolved' AND i.resolved_at >= ?))`

// Snapshot returns active incidents (open, acknowledged) plus those resolved at or after
// since, with all their members. Call LockTenant first: on PostgreSQL (READ COMMITTED)
// the tenant lock is what keeps the two reads consistent with each other.
func (tx *Tx) Snapshot(tenant string, since time.Time) (incident.Snapshot, error) {
	var snap incident.Snapshot
	var err error
	snap.Incidents, err = collect(tx.ctx, tx.tx, scanIncident, tx.s.q(
		"SELECT "+selectList("i", incidentColumns)+" FROM incidents i WHERE "+snapshotWhere+
			" ORDER BY i.started_at, i.id"), tenant, ms(since))
	if err != nil {
		return snap, fmt.Errorf("snapshot incidents of tenant %s: %w", tenant, err)
	}
	snap.Members, err = collect(tx.ctx, tx.tx, scanMember, tx.s.q(
		"SELECT "+selectList("m", memberColumns)+" FROM members m JOIN incidents i ON i.tenant = m.tenant AND i.id = m.incident_id WHERE "+
			snapshotWhere+" ORDER BY m.incident_id, m.fingerprint"), tenant, ms(since))
	if err != nil {
		return snap, fmt.Errorf("snapshot members of tenant %s: %w", tenant, err)
	}
	return snap, nil
}

// LoadIncident returns one incident and its members (any state); ErrNotFound when the
// tenant has no such incident.
func (tx *Tx) LoadIncident(tenant, id string) (incident.Incident, []incident.Member, error) {
	in, err := loadIncident(tx.ctx, tx.s, tx.tx, tenant, id)
	if err != nil {
		return in, nil, err
	}
	members, err := loadMembers(tx.ctx, tx.s, tx.tx, tenant, id)
	return in, members, err
}

// lastByKey drops all but the last of items with the same key, keeping first-seen order.
func lastByKey[T any](items []T, key func(T) string) []T {
	if len(items) < 2 {
		return items
	}
	pos := make(map[string]int, len(items))
	out := make([]T, 0, len(items))
	for _, it := range items {
		k := key(it)
		if i, ok := pos[k]; ok {
			out[i] = it
			continue
		}
		pos[k] = len(out)
		out = append(out, it)
	}
	return out
}

// inChunks calls fn with slices of at most 500 values, to keep IN lists bounded.
func inChunks(values []string, fn func([]string) error) error {
	const size = 500
	for start := 0; start < len(values); start += size {
		if err := fn(values[start:min(start+size, len(values))]); err != nil {
			return err
		}
	}
	return nil
}

func anySlice(values []string) []any {
	out := make([]any, len(values))
	for i, v := range values {
		out[i] = v
	}
	return out
}
