package sqlstore

import (
	"context"
	"errors"
	"time"

	"github.com/parley-chat/parley/storage"
)

// Ping runs one trivial query, for readiness probes: it fails when the database (the file,
// or the Postgres server) cannot answer.
func (s *Store) Ping(ctx context.Context) error {
	var one int
	if err := s.c.QueryRow(ctx, "SELECT 1").Scan(&one); err != nil {
		return err
	}
	return nil
}

var _ storage.Pinger = (*Store)(nil)

// Observe routes every call through fn (see storage.Observer). Call it before the store is
// used: the accessors copy the connection into each sub-store they return.
func (s *Store) Observe(fn storage.Observer) {
	if fn != nil {
		s.c = observed{c: s.c, fn: fn}
	}
}

type observed struct {
	c  Conn
	fn storage.Observer
}

// failure hides the sentinel answers from the observer.
func failure(err error) error {
	if errors.Is(err, storage.ErrNotFound) || errors.Is(err, storage.ErrConflict) {
		return nil
	}
	return err
}

func (o observed) Exec(ctx context.Context, q string, args ...any) (int64, error) {
	start := time.Now()
	n, err := o.c.Exec(ctx, q, args...)
	o.fn("exec", time.Since(start), failure(err))
	return n, err
}

func (o observed) Query(ctx context.Context, q string, args ...any) (Rows, error) {
	start := time.Now()
	rows, err := o.c.Query(ctx, q, args...)
	o.fn("query", time.Since(start), failure(err))
	return rows, err
}

func (o observed) QueryRow(ctx context.Context, q string, args ...any) Row {
	start := time.Now()
	return observedRow{row: o.c.QueryRow(ctx, q, args...), start: start, fn: o.fn}
}

func (o observed) InTx(ctx context.Context, fn func(tx DB) error) error {
	start := time.Now()
	err := o.c.InTx(ctx, fn)
	o.fn("tx", time.Since(start), failure(err))
	return err
}

// observedRow reports when the row is scanned: both drivers surface a query_row's error there.
type observedRow struct {
	row   Row
	start time.Time
	fn    storage.Observer
}

func (r observedRow) Scan(dest ...any) error {
	err := r.row.Scan(dest...)
	r.fn("query_row", time.Since(r.start), failure(err))
	return err
}
