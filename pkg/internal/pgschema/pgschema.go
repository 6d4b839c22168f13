// Package pgschema gives tests and load runs an empty PostgreSQL schema of their own: it
// creates the schema and returns a DSN whose search_path points at it, so the store's
// tables and golang-migrate's schema_migrations land there and runs never see each
// other's rows.
package pgschema

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	_ "github.com/jackc/pgx/v5/stdlib" // the "pgx" database/sql driver
)

// DefaultDSN is the PostgreSQL these machines run (trust auth, database test).
const DefaultDSN = "postgres://postgres@127.0.0.1:5432/test?sslmode=disable"

// TestDSN is the database tests use: $FORESIGHT_TEST_POSTGRES_DSN, else DefaultDSN.
func TestDSN() string {
	if dsn := os.Getenv("FORESIGHT_TEST_POSTGRES_DSN"); dsn != "" {
		return dsn
	}
	return DefaultDSN
}

// Create makes schema <prefix><random> through admin and returns base with its
// search_path, and a function that drops the schema.
func Create(ctx context.Context, admin *sql.DB, base, prefix string) (string, func() error, error) {
	b := make([]byte, 6)
	if _, err := rand.Read(b); err != nil {
		return "", nil, err
	}
	schema := prefix + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE SCHEMA "+schema); err != nil {
		return "", nil, fmt.Errorf("create schema %s: %w", schema, err)
	}
	drop := func() error {
		if _, err := admin.Exec("DROP SCHEMA " + schema + " CASCADE"); err != nil {
			return fmt.Errorf("drop schema %s: %w", schema, err)
		}
		return nil
	}
	sep := "?"
	if strings.Contains(base, "?") {
		sep = "&"
	}
	return base + sep + "search_path=" + schema, drop, nil
}

var (
	adminOnce sync.Once
	admin     *sql.DB
	adminErr  error
)

// ForTest returns a DSN for a fresh schema dropped when the test ends. It skips the test
// when PostgreSQL is unreachable, or fails it when FORESIGHT_REQUIRE_POSTGRES=1 (as
// `make test` sets), so a machine without PostgreSQL cannot silently pass.
func ForTest(tb testing.TB, prefix string) string {
	tb.Helper()
	adminOnce.Do(func() {
		admin, adminErr = sql.Open("pgx", TestDSN())
		if adminErr == nil {
			ctx, cancel := context.WithTimeout(context.Background(), 3*time.Second)
			defer cancel()
			adminErr = admin.PingContext(ctx)
		}
	})
	if adminErr != nil {
		msg := fmt.Sprintf("PostgreSQL at %s unreachable: %v", Redact(TestDSN()), adminErr)
		if os.Getenv("FORESIGHT_REQUIRE_POSTGRES") == "1" {
			tb.Fatal(msg + " (required: FORESIGHT_REQUIRE_POSTGRES=1)")
		}
		tb.Skip(msg + " (set FORESIGHT_REQUIRE_POSTGRES=1 to fail instead)")
	}
	dsn, drop, err := Create(context.Background(), admin, TestDSN(), prefix)
	if err != nil {
		tb.Fatal(err)
	}
	tb.Cleanup(func() {
		if err := drop(); err != nil {
			tb.Error(err)
		}
	})
	return dsn
}

// Redact hides a DSN's password for messages.
func Redact(dsn string) string {
	u, err := url.Parse(dsn)
	if err != nil {
		return "(unparsable DSN)"
	}
	return u.Redacted()
}
