package ratelimit_test

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"os"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley-chat/parley/guilds/events/redisbus"
	"github.com/parley-chat/parley/guilds/ratelimit"
)

// testRedisURL returns PARLEY_TEST_REDIS_URL, or skips (fails under CI=true) when it is unset
// or unreachable.
func testRedisURL(tb testing.TB) string {
	tb.Helper()
	raw := os.Getenv("PARLEY_TEST_REDIS_URL")
	reason := ""
	if raw == "" {
		reason = "PARLEY_TEST_REDIS_URL is not set"
	} else if opt, err := redis.ParseURL(raw); err != nil {
		reason = "bad PARLEY_TEST_REDIS_URL: " + err.Error()
	} else {
		c := redis.NewClient(opt)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		c.Close()
		if err != nil {
			reason = "cannot reach " + raw + ": " + err.Error()
		}
	}
	if reason == "" {
		return raw
	}
	if os.Getenv("CI") == "true" {
		tb.Fatalf("Redis tests cannot run on CI: %s", reason)
	}
	tb.Skipf("REDIS TESTS SKIPPED: set PARLEY_TEST_REDIS_URL (%s)", reason)
	return ""
}

// redisLimiter returns a redisbus.Limiter under a prefix of this test alone; its keys are
// deleted at cleanup.
func redisLimiter(t *testing.T) ratelimit.Limiter {
	url := testRedisURL(t)
	var b [6]byte
	rand.Read(b[:])
	prefix := "parley-test:rl:" + hex.EncodeToString(b[:]) + ":"
	l, err := redisbus.NewLimiter(context.Background(), url, prefix)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		l.Close()
		opt, _ := redis.ParseURL(url)
		c := redis.NewClient(opt)
		defer c.Close()
		ctx := context.Background()
		keys, _ := c.Keys(ctx, prefix+"*").Result()
		if len(keys) > 0 {
			c.Del(ctx, keys...)
		}
	})
	return l
}

// limiterImpls are the Limiters the table runs against, all on the real clock.
func limiterImpls() map[string]func(t *testing.T) ratelimit.Limiter {
	return map[string]func(t *testing.T) ratelimit.Limiter{
		"memory": func(*testing.T) ratelimit.Limiter { return ratelimit.NewMemory(nil) },
		"redis":  redisLimiter,
	}
}

// TestLimiterSemantics is one table for every Limiter: fixed windows that start with their
// first request, denied requests not counted, Remaining and ResetAfter as the headers need
// them, independent keys.
func TestLimiterSemantics(t *testing.T) {
	type step struct {
		key       string
		sleep     time.Duration // before the request
		allowed   bool
		remaining int
	}
	const win = 400 * time.Millisecond
	cases := []struct {
		name  string
		limit int
		steps []step
	}{
		{"fills then denies", 3, []step{
			{"a", 0, true, 2}, {"a", 0, true, 1}, {"a", 0, true, 0}, {"a", 0, false, 0}, {"a", 0, false, 0},
		}},
		{"keys are independent", 1, []step{
			{"a", 0, true, 0}, {"b", 0, true, 0}, {"a", 0, false, 0}, {"b", 0, false, 0},
		}},
		{"window resets", 2, []step{
			{"a", 0, true, 1}, {"a", 0, true, 0}, {"a", 0, false, 0},
			{"a", win + 100*time.Millisecond, true, 1}, {"a", 0, true, 0}, {"a", 0, false, 0},
		}},
		{"denied requests are not counted", 2, []step{
			{"a", 0, true, 1}, {"a", 0, true, 0}, {"a", 0, false, 0}, {"a", 0, false, 0},
			{"a", win + 100*time.Millisecond, true, 1},
		}},
		{"window starts at the first request", 2, []step{
			{"a", 0, true, 1}, {"a", win / 2, true, 0}, {"a", win/2 + 100*time.Millisecond, true, 1},
		}},
		{"zero limit denies", 0, []step{{"a", 0, false, 0}}},
	}
	for name, impl := range limiterImpls() {
		t.Run(name, func(t *testing.T) {
			l := impl(t)
			for ci, tc := range cases {
				t.Run(tc.name, func(t *testing.T) {
					ctx := context.Background()
					var first time.Time
					for i, s := range tc.steps {
						time.Sleep(s.sleep)
						key := fmt.Sprintf("case%d:%s", ci, s.key)
						now := time.Now()
						d, err := l.Take(ctx, key, tc.limit, win)
						if err != nil {
							t.Fatalf("step %d: %v", i, err)
						}
						if first.IsZero() {
							first = now
						}
						if d.Allowed != s.allowed || d.Remaining != s.remaining || d.Limit != tc.limit {
							t.Fatalf("step %d: %+v, want allowed=%v remaining=%d limit=%d", i, d, s.allowed, s.remaining, tc.limit)
						}
						if d.ResetAfter <= 0 || d.ResetAfter > win {
							t.Fatalf("step %d: ResetAfter %v outside (0, %v]", i, d.ResetAfter, win)
						}
					}
				})
			}
		})
	}
}

// TestLimiterConcurrent checks that parallel Takes never admit more than the limit.
func TestLimiterConcurrent(t *testing.T) {
	for name, impl := range limiterImpls() {
		t.Run(name, func(t *testing.T) {
			l := impl(t)
			const limit, callers = 25, 100
			var mu sync.Mutex
			allowed := 0
			var wg sync.WaitGroup
			for range callers {
				wg.Go(func() {
					d, err := l.Take(context.Background(), "hot", limit, 5*time.Second)
					if err != nil {
						t.Error(err)
						return
					}
					if d.Allowed {
						mu.Lock()
						allowed++
						mu.Unlock()
					}
				})
			}
			wg.Wait()
			if allowed != limit {
				t.Fatalf("allowed %d of %d, want %d", allowed, callers, limit)
			}
		})
	}
}

// TestRedisShared: two limiters (two nodes) on one Redis count against one window.
func TestRedisShared(t *testing.T) {
	url := testRedisURL(t)
	var b [6]byte
	rand.Read(b[:])
	prefix := "parley-test:rl:" + hex.EncodeToString(b[:]) + ":"
	ctx := context.Background()
	a, err := redisbus.NewLimiter(ctx, url, prefix)
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	c, err := redisbus.NewLimiter(ctx, url, prefix)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	defer func() {
		opt, _ := redis.ParseURL(url)
		cl := redis.NewClient(opt)
		defer cl.Close()
		cl.Del(ctx, prefix+"k")
	}()
	if d, _ := a.Take(ctx, "k", 2, time.Second); !d.Allowed || d.Remaining != 1 {
		t.Fatalf("node A: %+v", d)
	}
	if d, _ := c.Take(ctx, "k", 2, time.Second); !d.Allowed || d.Remaining != 0 {
		t.Fatalf("node B: %+v", d)
	}
	if d, _ := a.Take(ctx, "k", 2, time.Second); d.Allowed {
		t.Fatalf("node A over the shared limit: %+v", d)
	}
	if _, err := redisbus.NewLimiter(ctx, "redis://127.0.0.1:1/0", prefix); err == nil {
		t.Fatal("NewLimiter with no Redis: want an error")
	}
}
