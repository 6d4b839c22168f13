package store

import (
	"context"
	"fmt"
	"slices"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/outbox"
)

// BenchmarkApply measures the ingestion write: one transaction that locks the tenant,
// applies 100 new members across 5 new incidents with an event each, enqueues a notice
// per incident and bumps the tenant version. It reports alerts/s and the p99 commit
// latency.
func BenchmarkApply(b *testing.B) {
	for _, bc := range []struct {
		name string
		db   func(testing.TB) testDB
		sync string
	}{
		{"sqlite-FULL", newSQLiteDB, "FULL"},
		{"sqlite-NORMAL", newSQLiteDB, "NORMAL"},
		{"postgres", newPostgresDB, ""},
	} {
		b.Run(bc.name, func(b *testing.B) {
			s := bc.db(b).open(b, func(c *Config) {
				if bc.sync != "" {
					c.SQLiteSynchronous = bc.sync
				}
			})
			benchmarkApply(b, s, false)
		})
		b.Run(bc.name+"-update", func(b *testing.B) {
			s := bc.db(b).open(b, func(c *Config) {
				if bc.sync != "" {
					c.SQLiteSynchronous = bc.sync
				}
			})
			benchmarkApply(b, s, true)
		})
	}
}

// benchmarkApply writes b.N batches; with update, every batch re-reports the same 100
// alerts (the steady state of firing alerts being re-sent), otherwise all are new.
func benchmarkApply(b *testing.B, s *Store, update bool) {
	const alerts, incidents = 100, 5
	ctx := context.Background()
	lat := make([]time.Duration, 0, b.N)
	b.ResetTimer()
	start := time.Now()
	for i := 0; i < b.N; i++ {
		prefix := fmt.Sprintf("b%d", i)
		if update {
			prefix = "steady"
		}
		ch := batch(prefix, alerts, incidents, at(i))
		var items []outbox.Item
		for j, in := range ch.Incidents {
			items = append(items, outbox.Item{Tenant: "bench", IncidentID: in.ID, Target: "hook", Kind: "opened",
				Key: fmt.Sprintf("%d/%d", i, j), Payload: []byte(`{"kind":"opened"}`)})
		}
		t := time.Now()
		err := s.Write(ctx, func(tx *Tx) error {
			v, err := tx.LockTenant("bench")
			if err != nil {
				return err
			}
			if err := tx.Apply("bench", ch); err != nil {
				return err
			}
			if err := tx.Enqueue(items); err != nil {
				return err
			}
			return tx.SetTenantVersion("bench", v+1)
		})
		if err != nil {
			b.Fatal(err)
		}
		lat = append(lat, time.Since(t))
	}
	elapsed := time.Since(start)
	b.StopTimer()
	slices.Sort(lat)
	b.ReportMetric(float64(alerts*b.N)/elapsed.Seconds(), "alerts/s")
	b.ReportMetric(float64(lat[len(lat)*99/100].Microseconds())/1000, "p99-ms")
}
