package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"
)

// PurgeStats says what one Purge removed.
type PurgeStats struct {
	Incidents int64 // incidents, with their members, services, events, refs, hypotheses and feedback
	Outbox    int64 // delivered or failed notifications
}

// purgeBatch bounds each purge transaction, so that on SQLite ingestion waits for at
// most one short batch rather than for the whole purge.
const purgeBatch = 500

// Purge removes resolved (and merged) incidents that ended before now-Retention, with
// everything hanging off them, and delivered or failed outbox items finished before
// then. Active incidents and pending outbox items are never removed. Retention 0 keeps
// everything.
func (s *Store) Purge(ctx context.Context, now time.Time) (PurgeStats, error) {
	var st PurgeStats
	if s.cfg.Retention <= 0 {
		return st, nil
	}
	cutoff := now.Add(-s.cfg.Retention).UnixMilli()
	tenants, err := s.tenantsWithExpired(ctx, cutoff)
	if err != nil {
		return st, err
	}
	for _, tenant := range tenants {
		for {
			n, err := s.purgeIncidents(ctx, tenant, cutoff)
			st.Incidents += n
			if err != nil {
				return st, err
			}
			if n < purgeBatch {
				break
			}
		}
	}
	for {
		n, err := s.purgeOutbox(ctx, cutoff)
		st.Outbox += n
		if err != nil {
			return st, err
		}
		if n < purgeBatch {
			break
		}
	}
	return st, nil
}

// expiredWhere selects incidents that ended before the cutoff (the last parameter pair).
const expiredWhere = "((state = 'resolved' AND resolved_at < ?) OR (state = 'merged' AND updated_at < ?))"

func (s *Store) tenantsWithExpired(ctx context.Context, cutoff int64) ([]string, error) {
	tenants, err := collect(ctx, s.read, func(rows *sql.Rows) (string, error) {
		var t string
		return t, rows.Scan(&t)
	}, s.q("SELECT DISTINCT tenant FROM incidents WHERE "+expiredWhere), cutoff, cutoff)
	if err != nil {
		return nil, fmt.Errorf("find tenants to purge: %w", err)
	}
	return tenants, nil
}

// purgeIncidents removes up to purgeBatch expired incidents of one tenant. It holds the
// tenant's lock, like ingestion, so an incident reopened meanwhile is never half deleted.
func (s *Store) purgeIncidents(ctx context.Context, tenant string, cutoff int64) (int64, error) {
	var ids []string
	err := s.Write(ctx, func(tx *Tx) error {
		if _, err := tx.LockTenant(tenant); err != nil {
			return err
		}
		var err error
		ids, err = collect(ctx, tx.tx, func(rows *sql.Rows) (string, error) {
			var id string
			return id, rows.Scan(&id)
		}, s.q("SELECT id FROM incidents WHERE tenant = ? AND "+expiredWhere+" LIMIT ?"), tenant, cutoff, cutoff, purgeBatch)
		if err != nil {
			return fmt.Errorf("find incidents of tenant %s to purge: %w", tenant, err)
		}
		return inChunks(ids, func(chunk []string) error {
			args := append([]any{tenant}, anySlice(chunk)...)
			for _, table := range []string{"members", "incident_services", "events", "refs", "rca_hypotheses", "rca_feedback"} {
				if _, err := tx.exec("DELETE FROM "+table+" WHERE tenant = ? AND incident_id IN ("+placeholders(len(chunk))+")", args...); err != nil {
					return fmt.Errorf("purge %s of tenant %s: %w", table, tenant, err)
				}
			}
			if _, err := tx.exec("DELETE FROM incidents WHERE tenant = ? AND id IN ("+placeholders(len(chunk))+")", args...); err != nil {
				return fmt.Errorf("purge incidents of tenant %s: %w", tenant, err)
			}
			return nil
		})
	})
	if err != nil {
		return 0, err
	}
	return int64(len(ids)), nil
}

func (s *Store) purgeOutbox(ctx context.Context, cutoff int64) (int64, error) {
	// The id subquery keeps each delete to one batch; both databases accept LIMIT there.
	res, err := s.write.ExecContext(ctx, s.q(`DELETE FROM outbox WHERE id IN (
		SELECT id FROM outbox WHERE state IN ('done', 'failed') AND done_at < ? LIMIT ?)`), cutoff, purgeBatch)
	if err != nil {
		return 0, fmt.Errorf("purge outbox: %w", err)
	}
	n, err := res.RowsAffected()
	if err != nil {
		return 0, fmt.Errorf("purge outbox: %w", err)
	}
	return n, nil
}
