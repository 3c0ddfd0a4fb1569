// Package testenv hands tests the shared Postgres and Redis servers, isolated per test, with
// the project's rule for missing services in one place: a test that needs a server it cannot
// reach skips with a loud message, except under CI=true, where it fails, so a missing service
// can never turn a suite into a silent pass on CI.
//
// It is test support only: cmd/parley's dependency test fails if a non-test file imports it.
// The servers come from PARLEY_TEST_DATABASE_URL (e.g. postgres://postgres@127.0.0.1:5432/test)
// and PARLEY_TEST_REDIS_URL (e.g. redis://127.0.0.1:6379/0).
package testenv

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"net/url"
	"os"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/redis/go-redis/v9"
)

// The environment variables naming the test servers.
const (
	DatabaseEnv = "PARLEY_TEST_DATABASE_URL"
	RedisEnv    = "PARLEY_TEST_REDIS_URL"
)

// pingTimeout bounds the reachability check, so a firewalled address skips (or fails on CI)
// promptly instead of hanging the test.
const pingTimeout = 5 * time.Second

// unavailable skips tb, or fails it under CI=true, because what's server cannot be used.
func unavailable(tb testing.TB, what, env, reason string) {
	tb.Helper()
	if os.Getenv("CI") == "true" {
		tb.Fatalf("%s tests cannot run on CI: %s", what, reason)
		return
	}
	tb.Skipf("%s TESTS SKIPPED: set %s (%s)", strings.ToUpper(what), env, reason)
}

// require returns env's URL once ping accepts it, or ends tb through unavailable.
func require(tb testing.TB, what, env string, ping func(ctx context.Context, raw string) error) string {
	tb.Helper()
	raw := os.Getenv(env)
	if raw == "" {
		unavailable(tb, what, env, env+" is not set")
		return ""
	}
	ctx, cancel := context.WithTimeout(context.Background(), pingTimeout)
	defer cancel()
	if err := ping(ctx, raw); err != nil {
		unavailable(tb, what, env, "cannot reach "+raw+": "+err.Error())
		return ""
	}
	return raw
}

// PostgresURL returns PARLEY_TEST_DATABASE_URL once the server answers. Tests that create
// tables should use PostgresSchema instead, which isolates them.
func PostgresURL(tb testing.TB) string {
	tb.Helper()
	return require(tb, "Postgres", DatabaseEnv, pingPostgres)
}

func pingPostgres(ctx context.Context, raw string) error {
	c, err := pgx.Connect(ctx, raw)
	if err != nil {
		return err
	}
	return c.Close(ctx)
}

// PostgresSchema creates a fresh, randomly named schema (dropped with everything in it at
// cleanup) and returns the server URL confined to it through search_path, so suites can run
// in parallel and repeatedly against one shared database. The URL also caps the pool at 8
// connections, since many such stores are open at once on a small test server.
func PostgresSchema(tb testing.TB) (dbURL, schema string) {
	tb.Helper()
	raw := PostgresURL(tb)
	schema = "parley_test_" + randomHex(8)
	if err := execPostgres(raw, "CREATE SCHEMA "+schema); err != nil {
		tb.Fatalf("testenv: create schema: %v", err)
	}
	tb.Cleanup(func() {
		if err := execPostgres(raw, "DROP SCHEMA "+schema+" CASCADE"); err != nil {
			tb.Errorf("testenv: drop schema %s: %v", schema, err)
		}
	})
	dbURL, err := WithSchema(raw, schema)
	if err != nil {
		tb.Fatalf("testenv: %v", err)
	}
	return dbURL, schema
}

// WithSchema returns raw with search_path set to schema (pgx sends unknown URL parameters as
// session settings) and at most 8 pooled connections.
func WithSchema(raw, schema string) (string, error) {
	u, err := url.Parse(raw)
	if err != nil {
		return "", fmt.Errorf("parse database url: %w", err)
	}
	q := u.Query()
	q.Set("search_path", schema)
	q.Set("pool_max_conns", "8")
	u.RawQuery = q.Encode()
	return u.String(), nil
}

func execPostgres(raw, sql string) error {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	c, err := pgx.Connect(ctx, raw)
	if err != nil {
		return fmt.Errorf("connect: %w", err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, sql); err != nil {
		return fmt.Errorf("exec %q: %w", sql, err)
	}
	return nil
}

// RedisURL returns PARLEY_TEST_REDIS_URL once the server answers a PING.
func RedisURL(tb testing.TB) string {
	tb.Helper()
	return require(tb, "Redis", RedisEnv, pingRedis)
}

func pingRedis(ctx context.Context, raw string) error {
	opt, err := redis.ParseURL(raw)
	if err != nil {
		return fmt.Errorf("bad url: %w", err)
	}
	c := redis.NewClient(opt)
	defer c.Close()
	return c.Ping(ctx).Err()
}

// RedisPrefix returns a key and channel prefix of this test alone on the server at redisURL,
// "parley-test:<test name>:<random>:", and deletes every key under it at cleanup, so tests
// sharing one Redis (and one database number) never see each other's data. Never FLUSHALL a
// shared server.
func RedisPrefix(tb testing.TB, redisURL string) string {
	tb.Helper()
	prefix := "parley-test:" + nameRe.ReplaceAllString(tb.Name(), "-") + ":" + randomHex(6) + ":"
	tb.Cleanup(func() {
		if err := deleteKeys(redisURL, prefix); err != nil {
			tb.Errorf("testenv: delete keys under %s: %v", prefix, err)
		}
	})
	return prefix
}

var nameRe = regexp.MustCompile(`[^A-Za-z0-9]+`)

func deleteKeys(raw, prefix string) error {
	opt, err := redis.ParseURL(raw)
	if err != nil {
		return fmt.Errorf("bad url: %w", err)
	}
	c := redis.NewClient(opt)
	defer c.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	iter := c.Scan(ctx, 0, prefix+"*", 1000).Iterator()
	var keys []string
	for iter.Next(ctx) {
		keys = append(keys, iter.Val())
	}
	if err := iter.Err(); err != nil {
		return fmt.Errorf("scan: %w", err)
	}
	if len(keys) == 0 {
		return nil
	}
	if err := c.Del(ctx, keys...).Err(); err != nil {
		return fmt.Errorf("del: %w", err)
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
