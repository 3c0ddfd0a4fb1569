// Package embedded is Parley's default storage backend: SQLite in a directory, through the
// pure-Go modernc.org/sqlite driver, so a server needs no external database or cgo.
//
// SQLite allows one writer at a time. Rather than let concurrent writers collide and retry
// on SQLITE_BUSY, the Store keeps two pools over the same WAL-mode file: a single-connection
// writer pool, which queues writers in Go, and a read-only pool, whose connections read
// concurrently with the writer thanks to WAL.
package embedded

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"time"

	"modernc.org/sqlite"
	sqlite3 "modernc.org/sqlite/lib"

	"github.com/parley-chat/parley/storage"
	"github.com/parley-chat/parley/storage/internal/sqlstore"
)

//go:embed migrations/*.sql
var migrations embed.FS

// FileName is the database file Open creates inside its directory.
const FileName = "parley.db"

// Store is the SQLite backend. It is safe for concurrent use.
type Store struct {
	*sqlstore.Store
	writer *sql.DB
}

// SetMaxPages caps the database at n pages of 4 KiB (SQLite's max_page_count), or lifts the
// cap with n = 0. A write that needs more space then fails with storage.ErrUnavailable,
// exactly as on a full disk: for keeping the store from filling a shared disk, and for
// testing the full-disk path. The cap lives on the writer connection, which the Store never
// recycles; it cannot go below the current size.
func (s *Store) SetMaxPages(ctx context.Context, n int) error {
	if n <= 0 {
		n = 0xfffffffe // SQLite's largest
	}
	if _, err := s.writer.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", n)); err != nil {
		return fmt.Errorf("embedded: set max_page_count: %w", mapErr(err))
	}
	return nil
}

// Open opens (creating if needed) the database in dir and applies pending migrations.
func Open(ctx context.Context, dir string) (*Store, error) {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return nil, fmt.Errorf("embedded: create dir: %w", err)
	}
	path := filepath.Join(dir, FileName)
	// busy_timeout still matters: another process (or a backup tool) may hold the lock.
	common := url.Values{}
	common.Add("_pragma", "busy_timeout(10000)")
	common.Add("_pragma", "foreign_keys(1)")
	w := url.Values{}
	for k, v := range common {
		w[k] = append([]string(nil), v...)
	}
	w.Add("_pragma", "journal_mode(WAL)")
	// NORMAL is durable against process crashes in WAL mode; only an OS crash can lose the
	// last commits, the usual trade for not fsyncing every message.
	w.Add("_pragma", "synchronous(NORMAL)")
	w.Set("_txlock", "immediate")
	writer, err := sql.Open("sqlite", "file:"+path+"?"+w.Encode())
	if err != nil {
		return nil, fmt.Errorf("embedded: open writer: %w", err)
	}
	writer.SetMaxOpenConns(1)
	writer.SetMaxIdleConns(1)
	writer.SetConnMaxLifetime(0)
	writer.SetConnMaxIdleTime(0)

	r := common
	r.Add("_pragma", "query_only(1)")
	reader, err := sql.Open("sqlite", "file:"+path+"?"+r.Encode())
	if err != nil {
		writer.Close()
		return nil, fmt.Errorf("embedded: open reader: %w", err)
	}
	n := max(4, runtime.GOMAXPROCS(0))
	reader.SetMaxOpenConns(n)
	reader.SetMaxIdleConns(n)

	c := &conn{w: writer, r: reader, ws: newStmtCache(writer), rs: newStmtCache(reader)}
	closeBoth := func() error {
		return errors.Join(c.ws.close(), c.rs.close(), reader.Close(), writer.Close())
	}
	sub, err := fs.Sub(migrations, "migrations")
	if err == nil {
		err = migrate(ctx, c, sub)
	}
	if err != nil {
		closeBoth()
		return nil, fmt.Errorf("embedded: %w", err)
	}
	return &Store{Store: sqlstore.New(c, closeBoth), writer: writer}, nil
}

// migrate applies the migrations, retrying while another process holds the database:
// SQLite does not always wait out busy_timeout (switching a new file to WAL, or two
// processes migrating at once, can answer SQLITE_BUSY at once), and a process that starts
// while an old one is still running must not fail for it. Migrations are idempotent (each
// is recorded in the same transaction), so a retry redoes nothing.
func migrate(ctx context.Context, c *conn, sub fs.FS) error {
	deadline := time.Now().Add(30 * time.Second)
	wait := 20 * time.Millisecond
	for {
		err := sqlstore.Migrate(ctx, c, sub, "")
		if err == nil || !errors.Is(err, storage.ErrUnavailable) || !strings.Contains(err.Error(), "SQLITE_BUSY") || time.Now().After(deadline) {
			return err
		}
		select {
		case <-ctx.Done():
			return err
		case <-time.After(wait):
		}
		wait = min(wait*2, time.Second)
	}
}

var _ storage.Store = (*Store)(nil)

// conn routes plain reads to the reader pool and everything else to the writer.
type conn struct {
	w, r   *sql.DB
	ws, rs *stmtCache
}

// stmtCache keeps prepared statements by query text. database/sql prepares a Stmt lazily on
// each pooled connection and reuses it there, so a hot query is parsed by SQLite once per
// connection instead of once per call (parsing was ~10 % of a cheap request's CPU). Queries
// whose text varies (IN lists of varying length) would grow it without bound, so it stops
// adding at maxCachedStmts and later queries run unprepared.
type stmtCache struct {
	db *sql.DB
	mu sync.RWMutex
	m  map[string]*sql.Stmt
}

const maxCachedStmts = 512

func newStmtCache(db *sql.DB) *stmtCache { return &stmtCache{db: db, m: make(map[string]*sql.Stmt)} }

// get returns the prepared statement for q, preparing it on first use, or nil when the
// cache is full (or preparing failed: the caller then runs q directly and gets the error
// there). It prepares outside the lock: the writer pool's only connection may be held by a
// transaction that itself looks statements up.
func (c *stmtCache) get(ctx context.Context, q string) *sql.Stmt {
	c.mu.RLock()
	st, ok := c.m[q]
	n := len(c.m)
	c.mu.RUnlock()
	if ok || n >= maxCachedStmts {
		return st
	}
	st, err := c.db.PrepareContext(ctx, q)
	if err != nil {
		return nil
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if old, ok := c.m[q]; ok {
		st.Close()
		return old
	}
	c.m[q] = st
	return st
}

// lookup returns q's statement if it is already prepared (nil otherwise), without preparing.
func (c *stmtCache) lookup(q string) *sql.Stmt {
	c.mu.RLock()
	defer c.mu.RUnlock()
	return c.m[q]
}

func (c *stmtCache) close() error {
	c.mu.Lock()
	defer c.mu.Unlock()
	var errs []error
	for q, st := range c.m {
		errs = append(errs, st.Close())
		delete(c.m, q)
	}
	return errors.Join(errs...)
}

func (c *conn) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	if st := c.ws.get(ctx, q); st != nil {
		return execOn(ctx, stmtQuerier{st}, q, args)
	}
	return execOn(ctx, c.w, q, args)
}

func (c *conn) Query(ctx context.Context, q string, args ...any) (sqlstore.Rows, error) {
	if st := c.rs.get(ctx, q); st != nil {
		return queryOn(ctx, stmtQuerier{st}, q, args)
	}
	return queryOn(ctx, c.r, q, args)
}

func (c *conn) QueryRow(ctx context.Context, q string, args ...any) sqlstore.Row {
	if st := c.rs.get(ctx, q); st != nil {
		return row{st.QueryRowContext(ctx, args...)}
	}
	return row{c.r.QueryRowContext(ctx, q, args...)}
}

// stmtQuerier runs a prepared statement behind the querier interface (the query text is
// already bound).
type stmtQuerier struct{ st *sql.Stmt }

func (s stmtQuerier) ExecContext(ctx context.Context, _ string, args ...any) (sql.Result, error) {
	return s.st.ExecContext(ctx, args...)
}

func (s stmtQuerier) QueryContext(ctx context.Context, _ string, args ...any) (*sql.Rows, error) {
	return s.st.QueryContext(ctx, args...)
}

func (s stmtQuerier) QueryRowContext(ctx context.Context, _ string, args ...any) *sql.Row {
	return s.st.QueryRowContext(ctx, args...)
}

func (c *conn) InTx(ctx context.Context, fn func(sqlstore.DB) error) error {
	tx, err := c.w.BeginTx(ctx, nil)
	if err != nil {
		return mapErr(err)
	}
	if err := fn(txDB{tx, c.ws}); err != nil {
		tx.Rollback()
		return err
	}
	return mapErr(tx.Commit())
}

// querier is what *sql.DB and *sql.Tx share.
type querier interface {
	ExecContext(ctx context.Context, q string, args ...any) (sql.Result, error)
	QueryContext(ctx context.Context, q string, args ...any) (*sql.Rows, error)
	QueryRowContext(ctx context.Context, q string, args ...any) *sql.Row
}

func execOn(ctx context.Context, q querier, query string, args []any) (int64, error) {
	res, err := q.ExecContext(ctx, query, args...)
	if err != nil {
		return 0, mapErr(err)
	}
	n, err := res.RowsAffected()
	return n, mapErr(err)
}

func queryOn(ctx context.Context, q querier, query string, args []any) (sqlstore.Rows, error) {
	rs, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, mapErr(err)
	}
	return rows{rs}, nil
}

// txDB runs statements in a transaction, reusing the writer's prepared statements (the
// writer pool has one connection, so Tx.StmtContext finds them already prepared there).
type txDB struct {
	tx *sql.Tx
	ws *stmtCache
}

func (t txDB) q(ctx context.Context, query string) querier {
	// Only reuse: preparing on the DB would wait for the connection this transaction holds.
	if st := t.ws.lookup(query); st != nil {
		return stmtQuerier{t.tx.StmtContext(ctx, st)}
	}
	return t.tx
}

func (t txDB) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	return execOn(ctx, t.q(ctx, q), q, args)
}

func (t txDB) Query(ctx context.Context, q string, args ...any) (sqlstore.Rows, error) {
	return queryOn(ctx, t.q(ctx, q), q, args)
}

func (t txDB) QueryRow(ctx context.Context, q string, args ...any) sqlstore.Row {
	return row{t.q(ctx, q).QueryRowContext(ctx, q, args...)}
}

type rows struct{ *sql.Rows }

func (r rows) Scan(dest ...any) error { return mapErr(r.Rows.Scan(dest...)) }
func (r rows) Err() error             { return mapErr(r.Rows.Err()) }
func (r rows) Close()                 { r.Rows.Close() }

type row struct{ *sql.Row }

func (r row) Scan(dest ...any) error { return mapErr(r.Row.Scan(dest...)) }

// mapErr translates driver errors into the storage sentinels, keeping the original text.
func mapErr(err error) error {
	if err == nil {
		return nil
	}
	if errors.Is(err, sql.ErrNoRows) {
		return storage.ErrNotFound
	}
	var se *sqlite.Error
	if errors.As(err, &se) {
		switch se.Code() {
		case sqlite3.SQLITE_CONSTRAINT_UNIQUE, sqlite3.SQLITE_CONSTRAINT_PRIMARYKEY:
			return fmt.Errorf("%w: %v", storage.ErrConflict, err)
		}
		// Primary codes (the low byte) that mean the disk or the file, not the query, failed:
		// a full disk (or max_page_count reached), an I/O error, a lock another process held
		// past busy_timeout, memory exhaustion, a file that cannot be opened.
		switch se.Code() & 0xff {
		case sqlite3.SQLITE_FULL, sqlite3.SQLITE_IOERR, sqlite3.SQLITE_BUSY, sqlite3.SQLITE_NOMEM, sqlite3.SQLITE_CANTOPEN:
			return fmt.Errorf("%w: %w", storage.ErrUnavailable, err)
		}
	}
	return err
}
