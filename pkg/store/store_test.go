package store

import (
	"context"
	"flag"
	"fmt"
	"io/fs"
	"path"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/foresight-aiops/foresight/pkg/internal/pgschema"
)

// testDB is one empty database of either kind; open may be called several times to get
// several Store instances on it, as several receivers would.
type testDB struct {
	cfg Config
}

func (d testDB) open(tb testing.TB, mutate ...func(*Config)) *Store {
	tb.Helper()
	cfg := d.cfg
	for _, m := range mutate {
		m(&cfg)
	}
	s, err := Open(context.Background(), cfg)
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	tb.Cleanup(func() { s.Close() })
	return s
}

func newSQLiteDB(tb testing.TB) testDB {
	return testDB{cfg: Config{Path: filepath.Join(tb.TempDir(), "test.db"), Retention: DefaultRetention}}
}

// newPostgresDB is a fresh schema on the machine's PostgreSQL, dropped afterwards.
func newPostgresDB(tb testing.TB) testDB {
	return testDB{cfg: Config{DSN: pgschema.ForTest(tb, "ft_"), Retention: DefaultRetention}}
}

// eachDB runs fn once against a fresh SQLite file and once against a fresh PostgreSQL
// schema.
func eachDB(t *testing.T, fn func(t *testing.T, db testDB)) {
	t.Run("sqlite", func(t *testing.T) { fn(t, newSQLiteDB(t)) })
	t.Run("postgres", func(t *testing.T) { fn(t, newPostgresDB(t)) })
}

// eachStore is eachDB for tests that need one Store.
func eachStore(t *testing.T, fn func(t *testing.T, s *Store)) {
	eachDB(t, func(t *testing.T, db testDB) { fn(t, db.open(t)) })
}

func write(t testing.TB, s *Store, fn func(*Tx) error) {
	t.Helper()
	if err := s.Write(context.Background(), fn); err != nil {
		t.Fatalf("write: %v", err)
	}
}

// latestMigration is the highest version among the embedded migrations.
func latestMigration(t *testing.T) int {
	t.Helper()
	files, err := fs.Glob(migrations, "migrations/*.up.sql")
	if err != nil || len(files) == 0 {
		t.Fatalf("embedded migrations: %v (%d files)", err, len(files))
	}
	latest := 0
	for _, f := range files {
		v, err := strconv.Atoi(strings.SplitN(path.Base(f), "_", 2)[0])
		if err != nil {
			t.Fatalf("migration %s: %v", f, err)
		}
		latest = max(latest, v)
	}
	return latest
}

func TestMigrationsIdempotent(t *testing.T) {
	latest := latestMigration(t)
	eachDB(t, func(t *testing.T, db testDB) {
		ctx := context.Background()
		for i := range 3 {
			s, err := Open(ctx, db.cfg)
			if err != nil {
				t.Fatalf("open #%d: %v", i, err)
			}
			var version int
			var dirty bool
			if err := s.read.QueryRowContext(ctx, "SELECT version, dirty FROM schema_migrations").Scan(&version, &dirty); err != nil {
				t.Fatalf("read migration version: %v", err)
			}
			if version != latest || dirty {
				t.Errorf("open #%d: schema version %d dirty %v, want %d clean", i, version, dirty, latest)
			}
			if err := s.Ping(ctx); err != nil {
				t.Errorf("ping: %v", err)
			}
			want := DialectSQLite
			if db.cfg.DSN != "" {
				want = DialectPostgres
			}
			if s.Dialect() != want {
				t.Errorf("dialect %q, want %q", s.Dialect(), want)
			}
			if err := s.Close(); err != nil {
				t.Errorf("close: %v", err)
			}
		}
	})
}

func TestSQLitePragmas(t *testing.T) {
	for _, sync := range []string{"FULL", "NORMAL"} {
		t.Run(sync, func(t *testing.T) {
			s := newSQLiteDB(t).open(t, func(c *Config) { c.SQLiteSynchronous = sync })
			var mode string
			var level int
			ctx := context.Background()
			if err := s.write.QueryRowContext(ctx, "PRAGMA journal_mode").Scan(&mode); err != nil {
				t.Fatal(err)
			}
			if err := s.write.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&level); err != nil {
				t.Fatal(err)
			}
			wantLevel := map[string]int{"NORMAL": 1, "FULL": 2}[sync]
			if mode != "wal" || level != wantLevel {
				t.Errorf("journal_mode %s synchronous %d, want wal %d", mode, level, wantLevel)
			}
		})
	}
}

func TestConfigValidate(t *testing.T) {
	for _, tc := range []struct {
		name string
		cfg  Config
		ok   bool
	}{
		{"defaults", Config{}, true},
		{"normal", Config{SQLiteSynchronous: "normal"}, true},
		{"bad synchronous", Config{SQLiteSynchronous: "OFF"}, false},
		{"negative retention", Config{Retention: -time.Hour}, false},
		{"query in path", Config{Path: "x.db?mode=ro"}, false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if err := tc.cfg.Validate(); (err == nil) != tc.ok {
				t.Errorf("Validate() = %v, want ok=%v", err, tc.ok)
			}
		})
	}
}

func TestRedactDSN(t *testing.T) {
	got := redactDSN("postgres://u:secret@db:5432/x?sslmode=disable")
	if strings.Contains(got, "secret") {
		t.Errorf("redactDSN leaked the password: %s", got)
	}
}

func TestRebind(t *testing.T) {
	if got := rebind("SELECT a FROM t WHERE b = ? AND c IN (?, ?)"); got != "SELECT a FROM t WHERE b = $1 AND c IN ($2, $3)" {
		t.Errorf("rebind: %s", got)
	}
}

func TestSQLiteStatementCache(t *testing.T) {
	s := newSQLiteDB(t).open(t)
	for i := range 3 {
		write(t, s, func(tx *Tx) error { return tx.Apply("t", batch(fmt.Sprintf("c%d", i), 20, 2, at(i))) })
	}
	s.stmtMu.Lock()
	cached := len(s.stmts)
	s.stmtMu.Unlock()
	if cached == 0 {
		t.Error("no statements cached after three writes")
	}
	if n, err := s.CountMembers(context.Background(), "t"); err != nil || n != 60 {
		t.Errorf("%d members (%v), want 60", n, err)
	}
}

func TestRegisterFlags(t *testing.T) {
	var cfg Config
	fs := flag.NewFlagSet("test", flag.ContinueOnError)
	cfg.RegisterFlags("store.", fs)
	if cfg.Path != DefaultPath || cfg.Retention != DefaultRetention || cfg.SQLiteSynchronous != "FULL" || cfg.DSN != "" {
		t.Errorf("defaults: %+v", cfg)
	}
	err := fs.Parse([]string{"-store.path=/var/lib/f.db", "-store.dsn=postgres://x", "-store.retention=1h", "-store.sqlite-synchronous=NORMAL"})
	if err != nil {
		t.Fatal(err)
	}
	want := Config{Path: "/var/lib/f.db", DSN: "postgres://x", Retention: time.Hour, SQLiteSynchronous: "NORMAL"}
	if cfg != want {
		t.Errorf("parsed %+v, want %+v", cfg, want)
	}
}
