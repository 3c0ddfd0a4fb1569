// Package postgres is Parley's Postgres backend, for deployments that run several server
// nodes against one database. It uses pgx natively (pgxpool) and shares its SQL with the
// embedded backend through storage/internal/sqlstore.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io/fs"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/parley-chat/parley/storage"
	"github.com/parley-chat/parley/storage/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// migrationLockKey is the advisory lock that serialises migrations when several nodes
// start at once; the value is arbitrary but fixed ("parley" in ASCII).
const migrationLockKey = 0x706172_6c6579

// Store is the Postgres backend. It is safe for concurrent use.
type Store struct {
	*sqlstore.Store
	pool *pgxpool.Pool
}

// Open connects to the database at url (any libpq-style URL or DSN pgx accepts; extra
// parameters such as search_path become session settings) and applies pending migrations.
func Open(ctx context.Context, url string) (*Store, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("postgres: parse url: %w", err)
	}
	pool, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil {
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	if err := pool.Ping(ctx); err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: connect: %w", err)
	}
	c := conn{pool}
	sub, err := fs.Sub(migrations, "migrations")
	if err == nil {
		err = sqlstore.Migrate(ctx, c, sub, fmt.Sprintf("SELECT pg_advisory_xact_lock(%d)", migrationLockKey))
	}
	if err != nil {
		pool.Close()
		return nil, fmt.Errorf("postgres: %w", err)
	}
	return &Store{
		Store: sqlstore.New(c, func() error { pool.Close(); return nil }),
		pool:  pool,
	}, nil
}

var _ storage.Store = (*Store)(nil)

// Pool exposes the connection pool for health checks and metrics.
func (s *Store) Pool() *pgxpool.Pool { return s.pool }

// pgxQuerier is what *pgxpool.Pool and pgx.Tx share.
type pgxQuerier interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// db adapts a pgx querier to sqlstore.DB.
type db struct{ q pgxQuerier }

func (d db) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	tag, err := d.q.Exec(ctx, q, args...)
	if err != nil {
		return 0, mapErr(err)
	}
	return tag.RowsAffected(), nil
}

func (d db) Query(ctx context.Context, q string, args ...any) (sqlstore.Rows, error) {
	rs, err := d.q.Query(ctx, q, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	return rows{rs}, nil
}

func (d db) QueryRow(ctx context.Context, q string, args ...any) sqlstore.Row {
	return row{d.q.QueryRow(ctx, q, args...)}
}

type conn struct{ pool *pgxpool.Pool }

func (c conn) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	return db{c.pool}.Exec(ctx, q, args...)
}

func (c conn) Query(ctx context.Context, q string, args ...any) (sqlstore.Rows, error) {
	return db{c.pool}.Query(ctx, q, args...)
}

func (c conn) QueryRow(ctx context.Context, q string, args ...any) sqlstore.Row {
	return db{c.pool}.QueryRow(ctx, q, args...)
}

func (c conn) InTx(ctx context.Context, fn func(sqlstore.DB) error) error {
	err := pgx.BeginFunc(ctx, c.pool, func(tx pgx.Tx) error { return fn(db{tx}) })
	return mapErr(err)
}

type rows struct{ pgx.Rows }

func (r rows) Scan(dest ...any) error { return mapErr(r.Rows.Scan(dest...)) }
func (r rows) Err() error             { return mapErr(r.Rows.Err()) }

type row struct{ pgx.Row }

func (r row) Scan(dest ...any) error { return mapErr(r.Row.Scan(dest...)) }

// uniqueViolation is SQLSTATE 23505.
const uniqueViolation = "23505"

// mapErr translates pgx errors into the storage sentinels, keeping the original text.
func mapErr(err error) error {
	if err == nil || errors.Is(err, storage.ErrNotFound) || errors.Is(err, storage.ErrConflict) {
		return err
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return storage.ErrNotFound
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) && pe.Code == uniqueViolation {
		return fmt.Errorf("%w: %v", storage.ErrConflict, err)
	}
	return err
}
