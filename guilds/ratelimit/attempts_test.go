package ratelimit_test

import (
	"testing"
	"time"

	"github.com/parley-chat/parley/guilds/events/redisbus"
	"github.com/parley-chat/parley/guilds/ratelimit"
	"github.com/parley-chat/parley/storage/testenv"
)

// attemptImpls are the Attempts implementations the table runs against.
func attemptImpls() map[string]func(t *testing.T) ratelimit.Attempts {
	return map[string]func(t *testing.T) ratelimit.Attempts{
		"memory": func(*testing.T) ratelimit.Attempts { return ratelimit.NewMemoryAttempts(nil) },
		"redis":  func(t *testing.T) ratelimit.Attempts { return redisLimiter(t).(*redisbus.Limiter) },
	}
}

func TestAttempts(t *testing.T) {
	p := ratelimit.BackOff{Free: 2, Base: time.Hour, Max: 3 * time.Hour, Forget: 24 * time.Hour}
	for name, mk := range attemptImpls() {
		t.Run(name, func(t *testing.T) {
			a := mk(t)
			ctx := t.Context()
			for i := range 2 {
				if w, err := a.Attempt(ctx, "k", p); err != nil || w != 0 {
					t.Fatalf("free attempt %d: wait %v, %v", i, w, err)
				}
			}
			w, err := a.Attempt(ctx, "k", p)
			if err != nil || w <= 59*time.Minute || w > time.Hour {
				t.Fatalf("third attempt: wait %v, %v; want about 1h", w, err)
			}
			// A refused attempt is not recorded: the wait does not grow.
			if w2, _ := a.Attempt(ctx, "k", p); w2 > w {
				t.Fatalf("wait grew from %v to %v on a refused attempt", w, w2)
			}
			if w, err := a.Attempt(ctx, "other", p); err != nil || w != 0 {
				t.Fatalf("other key: wait %v, %v", w, err)
			}
			if err := a.Succeeded(ctx, "k"); err != nil {
				t.Fatal(err)
			}
			if w, err := a.Attempt(ctx, "k", p); err != nil || w != 0 {
				t.Fatalf("after success: wait %v, %v", w, err)
			}
		})
	}
}

// TestAttemptsBackOff walks the memory implementation through the whole policy on a
// fake clock: the wait doubles per attempt up to Max, and a quiet Forget clears the record.
func TestAttemptsBackOff(t *testing.T) {
	now := time.Unix(1_000_000, 0)
	a := ratelimit.NewMemoryAttempts(func() time.Time { return now })
	p := ratelimit.BackOff{Free: 2, Base: time.Second, Max: 5 * time.Second, Forget: time.Minute}
	ctx := t.Context()
	step := func(wantWait time.Duration) {
		t.Helper()
		w, err := a.Attempt(ctx, "k", p)
		if err != nil || w != wantWait {
			t.Fatalf("at %v: wait %v (%v), want %v", now.Unix(), w, err, wantWait)
		}
		now = now.Add(w)
	}
	for _, want := range []time.Duration{0, 0, time.Second, 0, 2 * time.Second, 0, 4 * time.Second, 0, 5 * time.Second, 0, 5 * time.Second, 0} {
		step(want)
	}
	now = now.Add(time.Minute)
	step(0) // forgotten: free again
	step(0)
	step(time.Second)
}

// TestRedisAttemptsShared: two nodes' limiters on one Redis throttle one key together.
func TestRedisAttemptsShared(t *testing.T) {
	url := testenv.RedisURL(t)
	ctx := t.Context()
	prefix := testenv.RedisPrefix(t, url)
	var nodes [2]*redisbus.Limiter
	for i := range nodes {
		l, err := redisbus.NewLimiter(ctx, url, prefix)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		nodes[i] = l
	}
	a, b := nodes[0], nodes[1]
	p := ratelimit.BackOff{Free: 1, Base: time.Hour}
	if w, err := a.Attempt(ctx, "shared", p); err != nil || w != 0 {
		t.Fatalf("node A: %v, %v", w, err)
	}
	if w, err := b.Attempt(ctx, "shared", p); err != nil || w == 0 {
		t.Fatalf("node B after node A's attempt: wait %v, %v; want a wait", w, err)
	}
}
