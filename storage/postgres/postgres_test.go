package postgres_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"net/url"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/parley-chat/parley/storage"
	"github.com/parley-chat/parley/storage/postgres"
	"github.com/parley-chat/parley/storage/storagetest"
)

// serverURL returns the test server's URL, or skips (fails on CI) when there is none, so a
// missing database can never turn the Postgres suite into a silent pass where it matters.
func serverURL(tb testing.TB) string {
	tb.Helper()
	raw := os.Getenv("PARLEY_TEST_DATABASE_URL")
	reason := ""
	if raw == "" {
		reason = "PARLEY_TEST_DATABASE_URL is not set"
	} else {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		c, err := pgx.Connect(ctx, raw)
		if err != nil {
			reason = "cannot reach " + raw + ": " + err.Error()
		} else {
			c.Close(ctx)
		}
	}
	if reason == "" {
		return raw
	}
	if os.Getenv("CI") == "true" {
		tb.Fatalf("Postgres tests cannot run on CI: %s", reason)
	}
	tb.Skipf("POSTGRES TESTS SKIPPED: set PARLEY_TEST_DATABASE_URL (%s)", reason)
	return ""
}

// openSchema opens a Store confined to a fresh, randomly named schema (dropped at cleanup),
// so suites can run in parallel and repeatedly against one database.
func openSchema(tb testing.TB, raw string) *postgres.Store {
	tb.Helper()
	ctx := context.Background()
	var b [8]byte
	rand.Read(b[:])
	schema := "parley_test_" + hex.EncodeToString(b[:])

	admin, err := pgx.Connect(ctx, raw)
	if err != nil {
		tb.Fatalf("connect: %v", err)
	}
	defer admin.Close(ctx)
	if _, err := admin.Exec(ctx, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("create schema: %v", err)
	}
	tb.Cleanup(func() {
		c, err := pgx.Connect(ctx, raw)
		if err != nil {
			tb.Errorf("connect for cleanup: %v", err)
			return
		}
		defer c.Close(ctx)
		if _, err := c.Exec(ctx, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("drop schema: %v", err)
		}
	})

	u, err := url.Parse(raw)
	if err != nil {
		tb.Fatalf("parse url: %v", err)
	}
	q := u.Query()
	q.Set("search_path", schema) // pgx sends unknown URL parameters as session settings
	q.Set("pool_max_conns", "8")
	u.RawQuery = q.Encode()
	s, err := postgres.Open(ctx, u.String())
	if err != nil {
		tb.Fatalf("open: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	raw := serverURL(t)
	storagetest.Run(t, func(t *testing.T) storage.Store { return openSchema(t, raw) })
}

func TestMigrationsIdempotentAndConcurrent(t *testing.T) {
	raw := serverURL(t)
	s := openSchema(t, raw)
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
	raw := serverURL(t)
	ctx := context.Background()
	// Create an empty schema and race several Opens on it: the advisory lock must
	// serialise the migrations so none fails on "relation already exists".
	s := openSchema(t, raw)
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
	u, _ := url.Parse(raw)
	q := u.Query()
	q.Set("search_path", schema)
	u.RawQuery = q.Encode()
	var wg sync.WaitGroup
	errs := make(chan error, 4)
	for range 4 {
		wg.Go(func() {
			s, err := postgres.Open(context.Background(), u.String())
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
	s := openSchema(b, serverURL(b))
	b.Cleanup(func() { s.Close() })
	return s
}
