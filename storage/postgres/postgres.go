// Package postgres is Parley's Postgres backend, for deployments that run several server
// nodes against one database. It uses pgx natively (pgxpool) and shares its SQL with the
// embedded backend through storage/internal/sqlstore.
package postgres

import (
	"context"
	"embed"
	"errors"
	"fmt"
	"io"
	"io/fs"
	"net"
	"strings"
	"time"

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

// AcquireTimeout bounds how long a statement waits for a free pooled connection. A pool
// that stays exhausted that long (every connection busy, or the server refusing new ones) is
// an outage, answered as storage.ErrUnavailable (REST 503 with Retry-After) instead of a
// request that hangs for as long as its caller is willing to wait. A variable so tests can
// shorten it.
var AcquireTimeout = 5 * time.Second

// errPoolExhausted is what a statement gets when no connection became free in time.
var errPoolExhausted = errors.New("postgres: connection pool exhausted")

type conn struct{ pool *pgxpool.Pool }

// acquire takes a pooled connection, waiting at most AcquireTimeout (or until ctx ends).
func (c conn) acquire(ctx context.Context) (*pgxpool.Conn, error) {
	actx, cancel := context.WithTimeout(ctx, AcquireTimeout)
	defer cancel()
	pc, err := c.pool.Acquire(actx)
	if err == nil {
		return pc, nil
	}
	if ctx.Err() != nil {
		return nil, fmt.Errorf("postgres: acquire: %w", ctx.Err())
	}
	if actx.Err() != nil {
		return nil, fmt.Errorf("%w: %w", storage.ErrUnavailable, errPoolExhausted)
	}
	return nil, mapErr(err)
}

func (c conn) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	pc, err := c.acquire(ctx)
	if err != nil {
		return 0, err
	}
	defer pc.Release()
	return db{pc}.Exec(ctx, q, args...)
}

func (c conn) Query(ctx context.Context, q string, args ...any) (sqlstore.Rows, error) {
	pc, err := c.acquire(ctx)
	if err != nil {
		return nil, err
	}
	rs, err := db{pc}.Query(ctx, q, args...)
	if err != nil {
		pc.Release()
		return nil, err
	}
	return releasingRows{Rows: rs, pc: pc}, nil
}

func (c conn) QueryRow(ctx context.Context, q string, args ...any) sqlstore.Row {
	pc, err := c.acquire(ctx)
	if err != nil {
		return errRow{err}
	}
	return releasingRow{row: db{pc}.QueryRow(ctx, q, args...), pc: pc}
}

func (c conn) InTx(ctx context.Context, fn func(sqlstore.DB) error) error {
	pc, err := c.acquire(ctx)
	if err != nil {
		return err
	}
	defer pc.Release()
	err = pgx.BeginFunc(ctx, pc, func(tx pgx.Tx) error { return fn(db{tx}) })
	return mapErr(err)
}

// releasingRows gives the connection back to the pool when the rows are closed.
type releasingRows struct {
	sqlstore.Rows
	pc *pgxpool.Conn
}

func (r releasingRows) Close() {
	r.Rows.Close()
	if r.pc != nil {
		r.pc.Release()
	}
}

// releasingRow gives the connection back once the row is scanned (pgx reads the whole
// result in Scan).
type releasingRow struct {
	row sqlstore.Row
	pc  *pgxpool.Conn
}

func (r releasingRow) Scan(dest ...any) error {
	defer r.pc.Release()
	return r.row.Scan(dest...)
}

// errRow is a Row whose statement never ran.
type errRow struct{ err error }

func (r errRow) Scan(...any) error { return r.err }

type rows struct{ pgx.Rows }

func (r rows) Scan(dest ...any) error { return mapErr(r.Rows.Scan(dest...)) }
func (r rows) Err() error             { return mapErr(r.Rows.Err()) }

type row struct{ pgx.Row }

func (r row) Scan(dest ...any) error { return mapErr(r.Row.Scan(dest...)) }

// uniqueViolation is SQLSTATE 23505.
const uniqueViolation = "23505"

// mapErr translates pgx errors into the storage sentinels, keeping the original text.
func mapErr(err error) error {
	if err == nil || errors.Is(err, storage.ErrNotFound) || errors.Is(err, storage.ErrConflict) || errors.Is(err, storage.ErrUnavailable) {
		return err
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return storage.ErrNotFound
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		if pe.Code == uniqueViolation {
			return fmt.Errorf("%w: %v", storage.ErrConflict, err)
		}
		if unavailableState(pe.Code) {
			return fmt.Errorf("%w: %w", storage.ErrUnavailable, err)
		}
		return err
	}
	if unreachable(err) {
		return fmt.Errorf("%w: %w", storage.ErrUnavailable, err)
	}
	return err
}

// unavailableState reports SQLSTATEs that mean the server, not the query, is in trouble:
// class 08 (connection exception), 53 (insufficient resources: disk full, out of memory,
// too many connections), 58 (system error: I/O) and 57P01-57P03 (shutting down, starting up).
func unavailableState(code string) bool {
	switch {
	case strings.HasPrefix(code, "08"), strings.HasPrefix(code, "53"), strings.HasPrefix(code, "58"):
		return true
	}
	switch code {
	case "57P01", "57P02", "57P03":
		return true
	}
	return false
}

// unreachable reports errors that mean the database could not be talked to: a failed
// connect, a dropped or timed-out socket, a closed connection, or an error pgx knows
// happened before anything was sent.
func unreachable(err error) bool {
	var ce *pgconn.ConnectError
	var ne net.Error
	switch {
	case errors.As(err, &ce), errors.As(err, &ne),
		errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF), errors.Is(err, pgconn.ErrConnClosed),
		errors.Is(err, context.DeadlineExceeded),
		pgconn.Timeout(err), pgconn.SafeToRetry(err):
		return true
	}
	return strings.Contains(err.Error(), "conn closed") || strings.Contains(err.Error(), "closed pool")
}
