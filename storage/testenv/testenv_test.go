package testenv

import (
	"fmt"
	"net/url"
	"testing"

	"github.com/redis/go-redis/v9"
)

// recorder stands in for a test to see whether require skipped or failed it.
type recorder struct {
	testing.TB
	fatal, skip string
}

func (r *recorder) Helper()                        {}
func (r *recorder) Fatalf(format string, a ...any) { r.fatal = fmt.Sprintf(format, a...) }
func (r *recorder) Skipf(format string, a ...any)  { r.skip = fmt.Sprintf(format, a...) }

func TestMissingServiceSkipsOrFailsOnCI(t *testing.T) {
	cases := []struct {
		name, env, url, ci string
		get                func(testing.TB) string
		wantFail           bool
	}{
		{"postgres unset", DatabaseEnv, "", "", PostgresURL, false},
		{"postgres unset on CI", DatabaseEnv, "", "true", PostgresURL, true},
		{"postgres unreachable on CI", DatabaseEnv, "postgres://postgres@127.0.0.1:1/test?connect_timeout=2", "true", PostgresURL, true},
		{"redis unset", RedisEnv, "", "", RedisURL, false},
		{"redis unset on CI", RedisEnv, "", "true", RedisURL, true},
		{"redis bad url", RedisEnv, "http://nope", "", RedisURL, false},
		{"redis unreachable on CI", RedisEnv, "redis://127.0.0.1:1/0", "true", RedisURL, true},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv(tc.env, tc.url)
			t.Setenv("CI", tc.ci)
			r := &recorder{TB: t}
			if got := tc.get(r); got != "" {
				t.Fatalf("returned %q for an unusable service", got)
			}
			if tc.wantFail {
				if r.fatal == "" || r.skip != "" {
					t.Fatalf("want a failure, got fatal=%q skip=%q", r.fatal, r.skip)
				}
				return
			}
			if r.skip == "" || r.fatal != "" {
				t.Fatalf("want a loud skip, got fatal=%q skip=%q", r.fatal, r.skip)
			}
		})
	}
}

func TestWithSchema(t *testing.T) {
	got, err := WithSchema("postgres://u@h:5432/db?sslmode=disable", "s1")
	if err != nil {
		t.Fatal(err)
	}
	if want := "postgres://u@h:5432/db?pool_max_conns=8&search_path=s1&sslmode=disable"; got != want {
		t.Fatalf("WithSchema = %q, want %q", got, want)
	}
	if _, err := WithSchema("postgres://u@h:bad/db", "s"); err == nil {
		t.Fatal("WithSchema accepted a bad URL")
	}
}

func TestPostgresSchemaIsolated(t *testing.T) {
	dbURL, schema := PostgresSchema(t)
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	if got := u.Query().Get("search_path"); got != schema {
		t.Fatalf("search_path = %q, want %q", got, schema)
	}
	raw := PostgresURL(t)
	if err := execPostgres(raw, "CREATE TABLE "+schema+".probe (x int)"); err != nil {
		t.Fatalf("schema %s not created: %v", schema, err)
	}
}

func TestRedisPrefixCleanedUp(t *testing.T) {
	raw := RedisURL(t)
	var prefix string
	t.Run("inner", func(t *testing.T) {
		prefix = RedisPrefix(t, raw)
		c := client(t, raw)
		if err := c.Set(t.Context(), prefix+"k", "v", 0).Err(); err != nil {
			t.Fatal(err)
		}
	})
	c := client(t, raw)
	n, err := c.Exists(t.Context(), prefix+"k").Result()
	if err != nil {
		t.Fatal(err)
	}
	if n != 0 {
		t.Fatalf("key under %s survived cleanup", prefix)
	}
}

func client(t *testing.T, raw string) *redis.Client {
	opt, err := redis.ParseURL(raw)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	return c
}
