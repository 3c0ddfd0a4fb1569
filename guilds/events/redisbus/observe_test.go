package redisbus

import (
	"context"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/storage/testenv"
)

// recorder is an Observer that counts calls and errors by command.
type recorder struct {
	mu          sync.Mutex
	calls, errs map[string]int
}

func newRecorder() *recorder { return &recorder{calls: map[string]int{}, errs: map[string]int{}} }

func (r *recorder) observe(op string, _ time.Duration, err error) {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls[op]++
	if err != nil {
		r.errs[op]++
	}
}

func (r *recorder) get(op string) (calls, errs int) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.calls[op], r.errs[op]
}

// TestLimiterObserveAndPing: the hook reports each command with its name; a redis.Nil
// answer is not an error; Ping works while open and fails once closed.
func TestLimiterObserveAndPing(t *testing.T) {
	url := testenv.RedisURL(t)
	l, err := NewLimiter(context.Background(), url, testenv.RedisPrefix(t, url))
	if err != nil {
		t.Fatal(err)
	}
	rec := newRecorder()
	l.Observe(rec.observe)
	ctx := context.Background()
	if _, err := l.Take(ctx, "x", 5, time.Second); err != nil {
		t.Fatal(err)
	}
	if err := l.Ping(ctx); err != nil {
		t.Fatal(err)
	}
	if c, e := rec.get("evalsha"); c != 1 || e != 0 {
		t.Errorf("evalsha: %d calls, %d errors", c, e)
	}
	if c, e := rec.get("ping"); c != 1 || e != 0 {
		t.Errorf("ping: %d calls, %d errors", c, e)
	}
	if err := l.client.Get(ctx, l.prefix+"missing").Err(); err == nil {
		t.Fatal("GET of a missing key succeeded")
	}
	if c, e := rec.get("get"); c != 1 || e != 0 {
		t.Errorf("get of a missing key: %d calls, %d errors; redis.Nil is an answer", c, e)
	}
	l.Close()
	if err := l.Ping(ctx); err == nil {
		t.Fatal("Ping on a closed limiter succeeded")
	}
}

// TestBrokerObserver: Config.Observer sees the broker's publishes.
func TestBrokerObserver(t *testing.T) {
	url := testenv.RedisURL(t)
	rec := newRecorder()
	br, err := New(context.Background(), Config{URL: url, Prefix: testenv.RedisPrefix(t, url), Observer: rec.observe})
	if err != nil {
		t.Fatal(err)
	}
	defer br.Close()
	if err := br.Ping(context.Background()); err != nil {
		t.Fatal(err)
	}
	if c, _ := rec.get("ping"); c < 2 { // New's own check, and ours
		t.Errorf("ping observed %d times", c)
	}
}
