package postgres_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/parley-chat/parley/storage"
	"github.com/parley-chat/parley/storage/postgres"
	"github.com/parley-chat/parley/storage/storagetest"
	"github.com/parley-chat/parley/storage/testenv"
)

// openSchema opens a Store confined to a fresh schema of this test alone (see
// testenv.PostgresSchema), so suites can run in parallel and repeatedly against one database.
func openSchema(tb testing.TB) *postgres.Store {
	tb.Helper()
	dbURL, _ := testenv.PostgresSchema(tb)
	s, err := postgres.Open(context.Background(), dbURL)
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	testenv.PostgresURL(t) // skip (or fail on CI) once, not in every subtest
	storagetest.Run(t, func(t *testing.T) storage.Store { return openSchema(t) })
}

func TestMigrationsIdempotentAndConcurrent(t *testing.T) {
	s := openSchema(t)
	raw := testenv.PostgresURL(t)
	defer s.Close()
	ctx := context.Background()
	var one string
	if err := s.Pool().QueryRow(ctx, "SELECT current_schema()").Scan(&one); err != nil {
		t.Fatalf("current schema: %v", err)
	}
	// Several processes starting together against an already-migrated schema, plus a
	// second round: all must succeed and leave exactly one row per migration.
	openConcurrently(t, raw, one, "concurrent open")
	var n, distinct int
	if err := s.Pool().QueryRow(ctx, "SELECT COUNT(*), COUNT(DISTINCT version) FROM schema_migrations").Scan(&n, &distinct); err != nil {
		t.Fatalf("count migrations: %v", err)
	}
	if n == 0 || n != distinct {
		t.Fatalf("schema_migrations rows: got %d (%d distinct), want one per migration", n, distinct)
	}
}

func TestConcurrentFreshSchemaOpen(t *testing.T) {
	ctx := context.Background()
	// Create an empty schema and race several Opens on it: the advisory lock must
	// serialise the migrations so none fails on "relation already exists".
	s := openSchema(t)
	raw := testenv.PostgresURL(t)
	var schema string
	if err := s.Pool().QueryRow(ctx, "SELECT current_schema()").Scan(&schema); err != nil {
		t.Fatalf("current schema: %v", err)
	}
	s.Close()
	fresh := schema + "_b"
	if _, err := pgxExec(ctx, raw, "CREATE SCHEMA "+fresh); err != nil {
		t.Fatalf("create schema: %v", err)
	}
	t.Cleanup(func() { pgxExec(ctx, raw, "DROP SCHEMA "+fresh+" CASCADE") })
	openConcurrently(t, raw, fresh, "concurrent first open")
}

// openConcurrently opens and closes four stores at once on schema, failing on any error.
func openConcurrently(t *testing.T, raw, schema, what string) {
	t.Helper()
	dbURL, err := testenv.WithSchema(raw, schema)
	if err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			s, err := postgres.Open(context.Background(), dbURL)
			if err == nil {
				s.Close()
			}
			errs <- err
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatalf("%s: %v", what, err)
		}
	}
}

func pgxExec(ctx context.Context, raw, sql string) (int64, error) {
	c, err := pgx.Connect(ctx, raw)
	if err != nil {
		return 0, err
	}
	defer c.Close(ctx)
	tag, err := c.Exec(ctx, sql)
	return tag.RowsAffected(), err
}

func BenchmarkMessageCreate(b *testing.B) {
	storagetest.BenchmarkMessageCreate(b, openBench(b))
}

func BenchmarkMessageHistoryPage(b *testing.B) {
	storagetest.BenchmarkHistoryPage(b, openBench(b))
}

func openBench(b *testing.B) storage.Store {
	s := openSchema(b)
	b.Cleanup(func() { s.Close() })
	return s
}

// TestPoolExhausted: when every pooled connection stays busy past AcquireTimeout, a statement
// fails with storage.ErrUnavailable (an outage: REST answers 503) instead of waiting for as
// long as its caller does; once a connection is free again, statements work.
func TestPoolExhausted(t *testing.T) {
	s := openSchema(t)
	defer s.Close()
	old := postgres.AcquireTimeout
	postgres.AcquireTimeout = 200 * time.Millisecond
	defer func() { postgres.AcquireTimeout = old }()

	ctx := context.Background()
	var held []*pgxpool.Conn
	for range s.Pool().Config().MaxConns {
		c, err := s.Pool().Acquire(ctx)
		if err != nil {
			t.Fatalf("acquire: %v", err)
		}
		held = append(held, c)
	}
	_, err := s.Settings().Get(ctx, "token_secret")
	if !errors.Is(err, storage.ErrUnavailable) {
		t.Fatalf("with the pool exhausted: err = %v, want storage.ErrUnavailable", err)
	}
	// A caller whose own context ends first gets its own error, not an outage.
	cctx, cancel := context.WithCancel(ctx)
	cancel()
	if _, err := s.Settings().Get(cctx, "token_secret"); errors.Is(err, storage.ErrUnavailable) || !errors.Is(err, context.Canceled) {
		t.Fatalf("cancelled caller: err = %v, want context.Canceled", err)
	}
	for _, c := range held {
		c.Release()
	}
	if _, err := s.Settings().Get(ctx, "token_secret"); err != nil && !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("after release: %v", err)
	}
}
