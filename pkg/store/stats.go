package store

import (
	"context"
	"database/sql"
	"fmt"
	"time"

	"github.com/foresight-aiops/foresight/pkg/rca"
)

// TenantStats is what the receiver's self-metrics report of one tenant, read from the
// store so that every receiver sharing a database reports the same figures.
type TenantStats struct {
	// Active counts open and acknowledged incidents by severity ("" when their alerts
	// named none).
	Active map[string]int64
	// Recent and RecentAlerts are the incidents that started since the given time (merged
	// ones left out: their alerts moved to the incident they were folded into) and the
	// alerts in them.
	Recent, RecentAlerts int64
	// Verdicts counts the stored judgements of hypotheses by verdict.
	Verdicts map[rca.Verdict]int64
}

// Stats reads the tenant's figures with three indexed queries whose answers are bounded
// by the number of severities and verdicts, so a metrics scrape stays cheap.
func (s *Store) Stats(ctx context.Context, tenant string, since time.Time) (TenantStats, error) {
	st := TenantStats{Active: map[string]int64{}, Verdicts: map[rca.Verdict]int64{}}
	err := s.countBy(ctx, `SELECT severity, COUNT(*) FROM incidents WHERE tenant = ? AND state IN ('open', 'acknowledged')
		GROUP BY severity`, func(key string, n int64) { st.Active[key] = n }, tenant)
	if err != nil {
		return st, fmt.Errorf("count active incidents of tenant %s: %w", tenant, err)
	}
	err = s.read.QueryRowContext(ctx, s.q(`SELECT COUNT(*), COALESCE(SUM(alert_count), 0) FROM incidents
		WHERE tenant = ? AND started_at >= ? AND state <> 'merged'`), tenant, ms(since)).Scan(&st.Recent, &st.RecentAlerts)
	if err != nil {
		return st, fmt.Errorf("count recent incidents of tenant %s: %w", tenant, err)
	}
	err = s.countBy(ctx, "SELECT verdict, COUNT(*) FROM rca_feedback WHERE tenant = ? GROUP BY verdict",
		func(key string, n int64) { st.Verdicts[rca.Verdict(key)] = n }, tenant)
	if err != nil {
		return st, fmt.Errorf("count feedback of tenant %s: %w", tenant, err)
	}
	return st, nil
}

// keyCount is one row of a GROUP BY count.
type keyCount struct {
	key string
	n   int64
}

// countBy runs a query of (key, count) rows and hands each row to add.
func (s *Store) countBy(ctx context.Context, query string, add func(string, int64), args ...any) error {
	rows, err := collect(ctx, s.read, func(rows *sql.Rows) (keyCount, error) {
		var r keyCount
		return r, rows.Scan(&r.key, &r.n)
	}, s.q(query), args...)
	if err != nil {
		return err
	}
	for _, r := range rows {
		add(r.key, r.n)
	}
	return nil
}
