package ratelimit_test

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/parley-chat/parley/guilds/events/redisbus"
	"github.com/parley-chat/parley/guilds/ratelimit"
	"github.com/parley-chat/parley/storage/testenv"
)

// redisLimiter returns a redisbus.Limiter under a key prefix of this test alone (deleted at
// cleanup by testenv).
func redisLimiter(t *testing.T) ratelimit.Limiter {
	url := testenv.RedisURL(t)
	l, err := redisbus.NewLimiter(context.Background(), url, testenv.RedisPrefix(t, url))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

// limiterImpls are the Limiters the tables run against. inBubble says the implementation
// runs on the synctest fake clock (an in-memory one); the others keep their own clock (Redis
// expires keys on the server's time) and are driven by real waits.
func limiterImpls() map[string]struct {
	open     func(t *testing.T) ratelimit.Limiter
	inBubble bool
} {
	return map[string]struct {
		open     func(t *testing.T) ratelimit.Limiter
		inBubble bool
	}{
		"memory": {func(*testing.T) ratelimit.Limiter { return ratelimit.NewMemory(nil) }, true},
		"redis":  {redisLimiter, false},
	}
}

// runLimiter runs f with a fresh limiter of impl: in a synctest bubble (fake clock, waits
// take no real time) for in-memory implementations, directly for the others.
func runLimiter(t *testing.T, impl struct {
	open     func(t *testing.T) ratelimit.Limiter
	inBubble bool
}, f func(t *testing.T, l ratelimit.Limiter, exact bool)) {
	if !impl.inBubble {
		f(t, impl.open(t), false)
		return
	}
	synctest.Test(t, func(t *testing.T) { f(t, impl.open(t), true) })
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
		for ci, tc := range cases {
			t.Run(name+"/"+tc.name, func(t *testing.T) {
				runLimiter(t, impl, func(t *testing.T, l ratelimit.Limiter, exact bool) {
					ctx := context.Background()
					var first time.Time
					for i, s := range tc.steps {
						// On the fake clock this wait is instant and exact; against Redis it
						// is a real wait, because the window lives on the server's clock.
						time.Sleep(s.sleep)
						key := fmt.Sprintf("case%d:%s", ci, s.key)
						now := time.Now()
						d, err := l.Take(ctx, key, tc.limit, win)
						if err != nil {
							t.Fatalf("step %d: %v", i, err)
						}
						if first.IsZero() || now.Sub(first) >= win {
							first = now
						}
						if d.Allowed != s.allowed || d.Remaining != s.remaining || d.Limit != tc.limit {
							t.Fatalf("step %d: %+v, want allowed=%v remaining=%d limit=%d", i, d, s.allowed, s.remaining, tc.limit)
						}
						if d.ResetAfter <= 0 || d.ResetAfter > win {
							t.Fatalf("step %d: ResetAfter %v outside (0, %v]", i, d.ResetAfter, win)
						}
						if want := first.Add(win).Sub(now); exact && d.ResetAfter != want {
							t.Fatalf("step %d: ResetAfter %v, want exactly %v", i, d.ResetAfter, want)
						}
					}
				})
			})
		}
	}
}

// TestLimiterConcurrent checks that parallel Takes never admit more than the limit.
func TestLimiterConcurrent(t *testing.T) {
	for name, impl := range limiterImpls() {
		t.Run(name, func(t *testing.T) {
			l := impl.open(t)
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
	url := testenv.RedisURL(t)
	prefix := testenv.RedisPrefix(t, url)
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
