package redisbus

import (
	"context"
	"testing"
	"time"

	"github.com/parley-chat/parley/guilds/ratelimit"
	"github.com/parley-chat/parley/storage/testenv"
)

// TestLimiterDegrades: with Redis swallowing traffic, Take and Attempt answer from per-node
// state instead of waiting on Redis, and the limiter says it is degraded; once Redis answers
// again a probe restores the shared limits.
func TestLimiterDegrades(t *testing.T) {
	url := testenv.RedisURL(t)
	proxy, purl := newBlackhole(t, url)
	l, err := NewLimiter(context.Background(), purl, testenv.RedisPrefix(t, url))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	l.CallTimeout = 100 * time.Millisecond
	l.RetryAfter = 50 * time.Millisecond
	ctx := context.Background()
	if d, err := l.Take(ctx, "shared", 5, time.Minute); err != nil || !d.Allowed || d.Remaining != 4 || l.Degraded() {
		t.Fatalf("healthy: %+v %v degraded=%v", d, err, l.Degraded())
	}

	proxy.setCut(true)
	// Per-node windows: a fresh local window of 2 allows 2 and denies the third.
	for i, want := range []bool{true, true, false} {
		d, err := l.Take(ctx, "local", 2, time.Minute)
		if err != nil || d.Allowed != want {
			t.Fatalf("degraded take %d: %+v %v, want allowed=%v", i, d, err, want)
		}
	}
	if !l.Degraded() || l.Failures() == 0 {
		t.Fatalf("degraded=%v failures=%d", l.Degraded(), l.Failures())
	}
	p := ratelimit.BackOff{Free: 1, Base: time.Hour, Max: time.Hour, Forget: time.Hour}
	if w, err := l.Attempt(ctx, "acct", p); err != nil || w != 0 {
		t.Fatalf("degraded attempt: %v %v", w, err)
	}
	if w, err := l.Attempt(ctx, "acct", p); err != nil || w == 0 {
		t.Fatalf("degraded second attempt not throttled: %v %v", w, err)
	}
	if err := l.Succeeded(ctx, "acct"); err != nil {
		t.Fatal(err)
	}
	// A caller whose own context is gone gets its error, and Redis is not blamed for it.
	gone, cancel := context.WithCancel(ctx)
	cancel()
	before := l.Failures()
	proxy.setCut(false)
	time.Sleep(60 * time.Millisecond) // past RetryAfter, so the next call probes Redis
	if _, err := l.Take(gone, "x", 1, time.Second); err == nil || l.Failures() != before {
		t.Fatalf("cancelled caller: err=%v failures %d→%d", err, before, l.Failures())
	}

	// Restored: the probe reaches Redis and the shared window is where it was.
	deadline := time.Now().Add(5 * time.Second)
	for {
		d, err := l.Take(ctx, "shared", 5, time.Minute)
		if err != nil {
			t.Fatal(err)
		}
		if !l.Degraded() {
			if d.Remaining != 3 {
				t.Fatalf("shared window after restore: %+v, want remaining 3", d)
			}
			break
		}
		if time.Now().After(deadline) {
			t.Fatal("still degraded 5 s after Redis came back")
		}
		time.Sleep(20 * time.Millisecond) // real Redis behind a real proxy; the probe period is 50 ms
	}
}
