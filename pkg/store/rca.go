package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"

	"github.com/foresight-aiops/foresight/pkg/incident"
	"github.com/foresight-aiops/foresight/pkg/rca"
)

// ErrInvalidFeedback says that a judgement was refused before anything was stored: an
// unknown verdict or no entity.
var ErrInvalidFeedback = errors.New("invalid feedback")

// Analysis is an incident's latest root-cause result and what it was computed from.
type Analysis struct {
	IncidentID string
	Result     rca.Result
	// AlertCount and Revision are the incident's when it was analysed: a result whose
	// alert count differs from the incident's current one no longer covers all its alerts.
	AlertCount int
	Revision   int64
	ComputedAt time.Time
}

// FeedbackRow is one stored judgement of an incident's hypotheses. ID is per tenant and
// grows in the order judgements were stored.
type FeedbackRow struct {
	ID int64 `json:"id"`
	rca.Feedback
}

// SaveHypotheses stores a's result as the incident's latest, replacing any earlier one;
// ErrNotFound when the tenant has no such incident (purged while it was analysed).
func (s *Store) SaveHypotheses(ctx context.Context, tenant string, a Analysis) error {
	return s.Write(ctx, func(tx *Tx) error {
		if _, err := tx.LockTenant(tenant); err != nil {
			return err
		}
		if _, err := tx.Incident(tenant, a.IncidentID); err != nil {
			return err
		}
		return tx.SaveHypotheses(tenant, a)
	})
}

// SaveHypotheses stores a's result as the incident's latest, replacing any earlier one.
// The caller makes sure the incident exists, under the tenant's lock.
func (tx *Tx) SaveHypotheses(tenant string, a Analysis) error {
	raw, err := encodeJSON(a.Result)
	if err != nil {
		return fmt.Errorf("encode hypotheses of incident %s: %w", a.IncidentID, err)
	}
	_, err = tx.exec(`INSERT INTO rca_hypotheses (tenant, incident_id, result, alert_count, revision, computed_at)
		VALUES (?, ?, ?, ?, ?, ?)
		ON CONFLICT (tenant, incident_id) DO UPDATE SET result = excluded.result,
		alert_count = excluded.alert_count, revision = excluded.revision, computed_at = excluded.computed_at`,
		tenant, a.IncidentID, raw, a.AlertCount, a.Revision, ms(a.ComputedAt))
	if err != nil {
		return fmt.Errorf("save hypotheses of incident %s: %w", a.IncidentID, err)
	}
	return nil
}

// Hypotheses returns the incident's latest stored result; found is false when none has
// been computed (whether or not the incident exists).
func (s *Store) Hypotheses(ctx context.Context, tenant, incidentID string) (a Analysis, found bool, err error) {
	return loadAnalysis(ctx, s, s.read, tenant, incidentID)
}

// Hypotheses is Store.Hypotheses inside the transaction.
func (tx *Tx) Hypotheses(tenant, incidentID string) (Analysis, bool, error) {
	return loadAnalysis(tx.ctx, tx.s, tx.tx, tenant, incidentID)
}

func loadAnalysis(ctx context.Context, s *Store, db querier, tenant, incidentID string) (Analysis, bool, error) {
	a := Analysis{IncidentID: incidentID}
	var raw string
	var count, computed int64
	err := db.QueryRowContext(ctx, s.q(`SELECT result, alert_count, revision, computed_at FROM rca_hypotheses
		WHERE tenant = ? AND incident_id = ?`), tenant, incidentID).Scan(&raw, &count, &a.Revision, &computed)
	if errors.Is(err, sql.ErrNoRows) {
		return Analysis{}, false, nil
	}
	if err != nil {
		return Analysis{}, false, fmt.Errorf("load hypotheses of incident %s: %w", incidentID, err)
	}
	if err := decodeJSON(raw, &a.Result); err != nil {
		return Analysis{}, false, fmt.Errorf("decode hypotheses of incident %s: %w", incidentID, err)
	}
	a.AlertCount, a.ComputedAt = int(count), fromMS(computed)
	return a, true, nil
}

// AddFeedback stores a judgement of an incident's hypotheses and, in the same
// transaction, re-weights the tenant's evidence with rca.Weights.Learn against the
// incident's stored result, so the feedback and what was learnt from it are never apart.
// fb.At defaults to now. It returns ErrInvalidFeedback for a judgement that
// rca.Feedback.Validate refuses and ErrNotFound when the tenant has no such incident.
func (s *Store) AddFeedback(ctx context.Context, tenant string, fb rca.Feedback) (FeedbackRow, error) {
	if err := fb.Validate(); err != nil {
		return FeedbackRow{}, fmt.Errorf("%w: %v", ErrInvalidFeedback, err)
	}
	if fb.At.IsZero() {
		fb.At = time.Now()
	}
	fb.At = fromMS(ms(fb.At)) // what the store keeps
	row := FeedbackRow{Feedback: fb}
	err := s.Write(ctx, func(tx *Tx) error {
		// The tenant's lock serialises judgements, so concurrent ones never learn from the
		// same old weights and lose each other's update.
		if _, err := tx.LockTenant(tenant); err != nil {
			return err
		}
		if _, err := tx.Incident(tenant, fb.IncidentID); err != nil {
			return err
		}
		a, _, err := tx.Hypotheses(tenant, fb.IncidentID)
		if err != nil {
			return err
		}
		w, _, err := loadWeights(tx.ctx, s, tx.tx, tenant)
		if err != nil {
			return err
		}
		if row.ID, err = tx.nextTenantSeq(tenant, "feedback_seq", 1); err != nil {
			return err
		}
		_, err = tx.exec(`INSERT INTO rca_feedback (tenant, id, incident_id, verdict, entity, actor, comment, at)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?)`,
			tenant, row.ID, fb.IncidentID, string(fb.Verdict), fb.Entity, fb.Actor, fb.Comment, ms(fb.At))
		if err != nil {
			return fmt.Errorf("store feedback on incident %s: %w", fb.IncidentID, err)
		}
		return tx.saveWeights(tenant, w.Learn(a.Result, fb), fb.At)
	})
	if err != nil {
		return FeedbackRow{}, err
	}
	return row, nil
}

func (tx *Tx) saveWeights(tenant string, w rca.Weights, at time.Time) error {
	raw, err := encodeJSON(w)
	if err != nil {
		return fmt.Errorf("encode weights of tenant %s: %w", tenant, err)
	}
	_, err = tx.exec(`INSERT INTO rca_weights (tenant, weights, updated_at) VALUES (?, ?, ?)
		ON CONFLICT (tenant) DO UPDATE SET weights = excluded.weights, updated_at = excluded.updated_at`,
		tenant, raw, ms(at))
	if err != nil {
		return fmt.Errorf("save weights of tenant %s: %w", tenant, err)
	}
	return nil
}

// Feedback lists the judgements of an incident's hypotheses, oldest first.
func (s *Store) Feedback(ctx context.Context, tenant, incidentID string) ([]FeedbackRow, error) {
	rows, err := collect(ctx, s.read, scanFeedback, s.q(`SELECT id, incident_id, verdict, entity, actor, comment, at
		FROM rca_feedback WHERE tenant = ? AND incident_id = ? ORDER BY id`), tenant, incidentID)
	if err != nil {
		return nil, fmt.Errorf("list feedback on incident %s: %w", incidentID, err)
	}
	return rows, nil
}

func scanFeedback(rows *sql.Rows) (FeedbackRow, error) {
	var (
		r       FeedbackRow
		verdict string
		at      int64
	)
	err := rows.Scan(&r.ID, &r.IncidentID, &verdict, &r.Entity, &r.Actor, &r.Comment, &at)
	r.Verdict, r.At = rca.Verdict(verdict), fromMS(at)
	return r, err
}

// Weights returns the evidence weights the tenant's feedback has taught and when they
// last changed; nil and the zero time before any feedback.
func (s *Store) Weights(ctx context.Context, tenant string) (rca.Weights, time.Time, error) {
	return loadWeights(ctx, s, s.read, tenant)
}

func loadWeights(ctx context.Context, s *Store, db querier, tenant string) (rca.Weights, time.Time, error) {
	var raw string
	var updated int64
	err := db.QueryRowContext(ctx, s.q("SELECT weights, updated_at FROM rca_weights WHERE tenant = ?"), tenant).Scan(&raw, &updated)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, time.Time{}, nil
	}
	if err != nil {
		return nil, time.Time{}, fmt.Errorf("load weights of tenant %s: %w", tenant, err)
	}
	var w rca.Weights
	if err := decodeJSON(raw, &w); err != nil {
		return nil, time.Time{}, fmt.Errorf("decode weights of tenant %s: %w", tenant, err)
	}
	return w, fromMS(updated), nil
}

// StaleIncidents lists up to limit active incidents of the tenant, newest first, whose
// hypotheses are missing or were computed for another alert count: the ones an analysis
// is due for.
func (s *Store) StaleIncidents(ctx context.Context, tenant string, limit int) ([]string, error) {
	ids, err := collect(ctx, s.read, func(rows *sql.Rows) (string, error) {
		var id string
		return id, rows.Scan(&id)
	}, s.q(`SELECT i.id FROM incidents i
		LEFT JOIN rca_hypotheses h ON h.tenant = i.tenant AND h.incident_id = i.id
		WHERE i.tenant = ? AND i.state IN ('open', 'acknowledged')
		AND (h.incident_id IS NULL OR h.alert_count <> i.alert_count)
		ORDER BY i.started_at DESC, i.id DESC LIMIT ?`), tenant, limit)
	if err != nil {
		return nil, fmt.Errorf("list incidents of tenant %s due for analysis: %w", tenant, err)
	}
	return ids, nil
}

// Incident returns one incident (any state) without its members; ErrNotFound when the
// tenant has no such incident.
func (tx *Tx) Incident(tenant, id string) (incident.Incident, error) {
	return loadIncident(tx.ctx, tx.s, tx.tx, tenant, id)
}

// HasOutboxItem reports whether anything was ever queued for the incident and target and
// not yet purged: e.g. whether the incident has a Grafana annotation to keep up to date.
func (tx *Tx) HasOutboxItem(tenant, incidentID, target string) (bool, error) {
	var n int
	err := tx.queryRow("SELECT 1 FROM outbox WHERE tenant = ? AND incident_id = ? AND target = ? LIMIT 1",
		tenant, incidentID, target).Scan(&n)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		return false, nil
	case err != nil:
		return false, fmt.Errorf("look for %s items of incident %s: %w", target, incidentID, err)
	}
	return true, nil
}

// TopHypotheses returns the best stored hypothesis of each of the tenant's incidents in
// ids that has an analysis with at least one hypothesis; the others are absent from the
// map. One query per 500 ids, so a page of incidents costs one round trip, not one each.
func (s *Store) TopHypotheses(ctx context.Context, tenant string, ids []string) (map[string]rca.Hypothesis, error) {
	top := make(map[string]rca.Hypothesis, len(ids))
	err := inChunks(ids, func(chunk []string) error {
		rows, err := s.read.QueryContext(ctx, s.q("SELECT incident_id, result FROM rca_hypotheses WHERE tenant = ? AND incident_id IN ("+
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
			var res rca.Result
			if err := decodeJSON(raw, &res); err != nil {
				return fmt.Errorf("decode hypotheses of incident %s: %w", id, err)
			}
			if h, ok := res.Top(); ok {
				top[id] = h
			}
		}
		return rows.Err()
	})
	if err != nil {
		return nil, fmt.Errorf("load top hypotheses of tenant %s: %w", tenant, err)
	}
	return top, nil
}
