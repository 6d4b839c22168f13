package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"

	"github.com/golang-migrate/migrate/v4"
	"github.com/golang-migrate/migrate/v4/database"
	migratepgx "github.com/golang-migrate/migrate/v4/database/pgx/v5"
	migratesqlite "github.com/golang-migrate/migrate/v4/database/sqlite"
	"github.com/golang-migrate/migrate/v4/source/iofs"
)

// migrations holds the schema, one portable set for both databases.
//
//go:embed migrations/*.sql
var migrations embed.FS

// migrateUp brings the schema to the latest version. It uses its own connection because
// golang-migrate closes the handle it is given. On PostgreSQL it takes an advisory lock,
// so receivers starting together migrate once; the migrations table lives in the DSN's
// first search_path schema.
func migrateUp(ctx context.Context, dialect, dsn string) (err error) {
	driverName := "sqlite"
	if dialect == DialectPostgres {
		driverName = "pgx"
	}
	db, err := sql.Open(driverName, dsn)
	if err != nil {
		return fmt.Errorf("open: %w", err)
	}
	if err := db.PingContext(ctx); err != nil {
		db.Close()
		return fmt.Errorf("connect: %w", err)
	}
	var drv database.Driver
	if dialect == DialectPostgres {
		drv, err = migratepgx.WithInstance(db, &migratepgx.Config{})
	} else {
		drv, err = migratesqlite.WithInstance(db, &migratesqlite.Config{})
	}
	if err != nil {
		db.Close()
		return fmt.Errorf("migration driver: %w", err)
	}
	src, err := iofs.New(migrations, "migrations")
	if err != nil {
		drv.Close()
		return fmt.Errorf("migration source: %w", err)
	}
	m, err := migrate.NewWithInstance("iofs", src, dialect, drv)
	if err != nil {
		drv.Close()
		return fmt.Errorf("migrator: %w", err)
	}
	defer func() {
		srcErr, dbErr := m.Close()
		if err == nil {
			err = errors.Join(srcErr, dbErr)
		}
	}()
	if err := m.Up(); err != nil && !errors.Is(err, migrate.ErrNoChange) {
		return fmt.Errorf("up: %w", err)
	}
	return nil
}
