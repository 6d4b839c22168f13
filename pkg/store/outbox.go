package store

import (
	"cmp"
	"context"
	"database/sql"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/foresight-aiops/foresight/pkg/outbox"
)

var _ outbox.Queue = (*Store)(nil)

// ErrNotLeased says that an outbox item is not leased to the caller (any more): another
// owner claimed it after the lease expired, it is finished, or it does not exist.
var ErrNotLeased = errors.New("outbox item not leased to this owner")

// outboxIDBlock is how many ids a PostgreSQL store reserves at a time.
const outboxIDBlock = 256

// allocOutboxIDs returns n ids, unique across tenants and stores.
//
// On PostgreSQL ids come in blocks reserved by a short statement outside the caller's
// transaction: taking the global counter row inside it would serialise every
// receiver's ingestion on that row until commit. Ids of a rolled-back transaction are
// simply skipped; order between items comes from the per-tenant seq, not from ids.
// On SQLite there is one writer, so the counter is bumped inside the transaction (and
// rolls back with it); a separate statement could not run while the one write
// connection is in the transaction anyway.
func (s *Store) allocOutboxIDs(tx *Tx, n int) ([]int64, error) {
	const bump = "UPDATE counters SET value = value + ? WHERE name = 'outbox' RETURNING value"
	ids := make([]int64, n)
	if s.dialect != DialectPostgres {
		var last int64
		if err := tx.queryRow(bump, n).Scan(&last); err != nil {
			return nil, fmt.Errorf("reserve %d outbox ids: %w", n, err)
		}
		for i := range ids {
			ids[i] = last - int64(n) + 1 + int64(i)
		}
		return ids, nil
	}
	s.idMu.Lock()
	defer s.idMu.Unlock()
	for i := range ids {
		if s.nextID == 0 || s.nextID > s.lastID {
			block := max(outboxIDBlock, n-i)
			var last int64
			if err := s.ids.QueryRowContext(tx.ctx, s.q(bump), block).Scan(&last); err != nil {
				return nil, fmt.Errorf("reserve %d outbox ids: %w", block, err)
			}
			s.nextID, s.lastID = last-int64(block)+1, last
		}
		ids[i] = s.nextID
		s.nextID++
	}
	return ids, nil
}

// claimSQL leases due items. An item is due when it is pending, its next attempt has
// come, nobody holds an unexpired lease on it, and no older undelivered item of the same
// tenant, incident and target exists; failed items no longer hold later ones back.
// On PostgreSQL FOR UPDATE SKIP LOCKED lets several receivers claim at once without
// waiting on or double-claiming each other's rows; the outer WHERE repeats the lease
// test so a row whose lease changed after the subquery's snapshot is left alone.
const claimSQL = `UPDATE outbox SET lease_owner = ?, lease_until = ?, attempts = attempts + 1
WHERE id IN (
	SELECT o.id FROM outbox o
	WHERE o.state = 'pending' AND o.next_attempt_at <= ? AND o.lease_until < ?
	AND NOT EXISTS (
		SELECT 1 FROM outbox p
		WHERE p.tenant = o.tenant AND p.incident_id = o.incident_id AND p.target = o.target
		AND p.state = 'pending' AND p.seq < o.seq)
	ORDER BY o.next_attempt_at, o.id
	LIMIT ?%s)
AND state = 'pending' AND lease_until < ?
RETURNING id, tenant, incident_id, target, kind, dedup_key, payload, attempts, created`

// Claim leases up to n due items to owner until now+lease, oldest due first. It never
// hands out an item while an older undelivered item of the same incident and target
// exists. An expired lease counts as none, so items of a crashed owner are claimed again.
func (s *Store) Claim(ctx context.Context, owner string, n int, lease time.Duration, now time.Time) ([]outbox.Item, error) {
	if owner == "" {
		return nil, errors.New("claim: owner is required")
	}
	if n <= 0 {
		return nil, nil
	}
	lock := ""
	if s.dialect == DialectPostgres {
		lock = " FOR UPDATE SKIP LOCKED"
	}
	nowMS := now.UnixMilli()
	rows, err := s.write.QueryContext(ctx, s.q(fmt.Sprintf(claimSQL, lock)),
		owner, now.Add(lease).UnixMilli(), nowMS, nowMS, n, nowMS)
	if err != nil {
		return nil, fmt.Errorf("claim outbox items for %s: %w", owner, err)
	}
	defer rows.Close()
	var items []outbox.Item
	for rows.Next() {
		var it outbox.Item
		var payload string
		var created int64
		if err := rows.Scan(&it.ID, &it.Tenant, &it.IncidentID, &it.Target, &it.Kind, &it.Key, &payload, &it.Attempts, &created); err != nil {
			return nil, fmt.Errorf("claim outbox items for %s: %w", owner, err)
		}
		it.Payload, it.Created = []byte(payload), fromMS(created)
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("claim outbox items for %s: %w", owner, err)
	}
	// RETURNING order is unspecified.
	slices.SortFunc(items, func(a, b outbox.Item) int { return cmp.Compare(a.ID, b.ID) })
	return items, nil
}

// Done marks an item delivered; only its lease holder may. A holder whose lease expired
// may still finish as long as nobody claimed the item since.
func (s *Store) Done(ctx context.Context, owner string, id int64, now time.Time) error {
	return s.finish(ctx, "done", owner, id,
		"UPDATE outbox SET state = 'done', done_at = ?, lease_owner = '', lease_until = 0 WHERE id = ? AND state = 'pending' AND lease_owner = ?",
		now.UnixMilli(), id, owner)
}

// Retry releases an item to be tried again at next, recording the error.
func (s *Store) Retry(ctx context.Context, owner string, id int64, next time.Time, lastErr string) error {
	return s.finish(ctx, "retry", owner, id,
		"UPDATE outbox SET next_attempt_at = ?, last_error = ?, lease_owner = '', lease_until = 0 WHERE id = ? AND state = 'pending' AND lease_owner = ?",
		next.UnixMilli(), lastErr, id, owner)
}

// Fail gives up on an item, recording why. Its finish time is the wall clock's, as the
// interface passes none; Purge ages failed items from it.
func (s *Store) Fail(ctx context.Context, owner string, id int64, lastErr string) error {
	return s.finish(ctx, "fail", owner, id,
		"UPDATE outbox SET state = 'failed', done_at = ?, last_error = ?, lease_owner = '', lease_until = 0 WHERE id = ? AND state = 'pending' AND lease_owner = ?",
		time.Now().UnixMilli(), lastErr, id, owner)
}

func (s *Store) finish(ctx context.Context, op, owner string, id int64, query string, args ...any) error {
	res, err := s.write.ExecContext(ctx, s.q(query), args...)
	if err != nil {
		return fmt.Errorf("%s outbox item %d: %w", op, id, err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return fmt.Errorf("%s outbox item %d: %w", op, id, err)
	}
	if n == 0 {
		return fmt.Errorf("%s outbox item %d by %s: %w", op, id, owner, ErrNotLeased)
	}
	return nil
}

// Ref returns a target's handle for an incident, "" when there is none.
func (s *Store) Ref(ctx context.Context, tenant, incidentID, target string) (string, error) {
	var ref string
	err := s.read.QueryRowContext(ctx, s.q("SELECT ref FROM refs WHERE tenant = ? AND incident_id = ? AND target = ?"),
		tenant, incidentID, target).Scan(&ref)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	if err != nil {
		return "", fmt.Errorf("ref of incident %s for %s: %w", incidentID, target, err)
	}
	return ref, nil
}

// SetRef records a target's handle for an incident, replacing any earlier one.
func (s *Store) SetRef(ctx context.Context, tenant, incidentID, target, ref string) error {
	_, err := s.write.ExecContext(ctx, s.q(`INSERT INTO refs (tenant, incident_id, target, ref) VALUES (?, ?, ?, ?)
		ON CONFLICT (tenant, incident_id, target) DO UPDATE SET ref = excluded.ref`), tenant, incidentID, target, ref)
	if err != nil {
		return fmt.Errorf("set ref of incident %s for %s: %w", incidentID, target, err)
	}
	return nil
}
