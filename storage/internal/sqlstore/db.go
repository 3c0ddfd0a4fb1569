// Package sqlstore is the SQL shared by Parley's SQLite and Postgres backends. Both speak the
// same dialect subset ($N placeholders, ON CONFLICT, RETURNING, LIKE ... ESCAPE), so the
// queries live here once; each backend supplies only a DB adapter, its DDL and its locking.
package sqlstore

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"path"
	"sort"
	"strconv"
	"strings"

	"github.com/parley-chat/parley/storage"
)

// DB is the small surface both drivers can offer. Adapters translate their driver's no-rows
// error into storage.ErrNotFound and unique violations into storage.ErrConflict, so the
// queries here never see driver types.
type DB interface {
	// Exec runs a statement and reports the rows it affected.
	Exec(ctx context.Context, query string, args ...any) (int64, error)
	Query(ctx context.Context, query string, args ...any) (Rows, error)
	QueryRow(ctx context.Context, query string, args ...any) Row
}

// Conn is a DB that can also run a function in a transaction. Statements that write and
// return rows (RETURNING) go through InTx so that SQLite routes them to its writer.
type Conn interface {
	DB
	// InTx runs fn in one transaction, committing if it returns nil.
	InTx(ctx context.Context, fn func(tx DB) error) error
}

// Rows is the iterator both database/sql and pgx rows satisfy after a thin wrapper.
type Rows interface {
	Next() bool
	Scan(dest ...any) error
	Err() error
	Close()
}

// Row is a single-row result; Scan returns storage.ErrNotFound when there was none.
type Row interface {
	Scan(dest ...any) error
}

// Migrate applies the numbered migrations in fsys (files named NNNN_name.sql at its root)
// that schema_migrations does not list yet, all in one transaction. lockSQL, when not empty,
// runs first inside that transaction so that concurrent processes serialise (Postgres takes
// an advisory lock there; SQLite's BEGIN IMMEDIATE already serialises).
func Migrate(ctx context.Context, c Conn, fsys fs.FS, lockSQL string) error {
	entries, err := fs.ReadDir(fsys, ".")
	if err != nil {
		return fmt.Errorf("migrate: read migrations: %w", err)
	}
	type mig struct {
		version int64
		name    string
	}
	var migs []mig
	for _, e := range entries {
		if e.IsDir() || path.Ext(e.Name()) != ".sql" {
			continue
		}
		num, _, ok := strings.Cut(e.Name(), "_")
		v, err := strconv.ParseInt(num, 10, 64)
		if !ok || err != nil || v <= 0 {
			return fmt.Errorf("migrate: bad migration file name %q", e.Name())
		}
		migs = append(migs, mig{v, e.Name()})
	}
	sort.Slice(migs, func(i, j int) bool { return migs[i].version < migs[j].version })
	for i := 1; i < len(migs); i++ {
		if migs[i].version == migs[i-1].version {
			return fmt.Errorf("migrate: duplicate version %d", migs[i].version)
		}
	}
	return c.InTx(ctx, func(tx DB) error {
		if lockSQL != "" {
			if _, err := tx.Exec(ctx, lockSQL); err != nil {
				return fmt.Errorf("migrate: lock: %w", err)
			}
		}
		if _, err := tx.Exec(ctx, `CREATE TABLE IF NOT EXISTS schema_migrations (
			version BIGINT PRIMARY KEY,
			name TEXT NOT NULL
		)`); err != nil {
			return fmt.Errorf("migrate: create schema_migrations: %w", err)
		}
		applied := map[int64]bool{}
		rows, err := tx.Query(ctx, `SELECT version FROM schema_migrations`)
		if err != nil {
			return fmt.Errorf("migrate: list applied: %w", err)
		}
		for rows.Next() {
			var v int64
			if err := rows.Scan(&v); err != nil {
				rows.Close()
				return fmt.Errorf("migrate: list applied: %w", err)
			}
			applied[v] = true
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return fmt.Errorf("migrate: list applied: %w", err)
		}
		for _, m := range migs {
			if applied[m.version] {
				continue
			}
			body, err := fs.ReadFile(fsys, m.name)
			if err != nil {
				return fmt.Errorf("migrate: read %s: %w", m.name, err)
			}
			if _, err := tx.Exec(ctx, string(body)); err != nil {
				return fmt.Errorf("migrate: apply %s: %w", m.name, err)
			}
			if _, err := tx.Exec(ctx, `INSERT INTO schema_migrations (version, name) VALUES ($1, $2)`, m.version, m.name); err != nil {
				return fmt.Errorf("migrate: record %s: %w", m.name, err)
			}
		}
		return nil
	})
}

// notFoundIfZero turns "no row matched" into storage.ErrNotFound for single-record writes.
func notFoundIfZero(n int64, err error) error {
	if err != nil {
		return err
	}
	if n == 0 {
		return storage.ErrNotFound
	}
	return nil
}

// isNotFound reports whether err is storage.ErrNotFound.
func isNotFound(err error) bool { return errors.Is(err, storage.ErrNotFound) }
