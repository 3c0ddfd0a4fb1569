package ratelimit

import (
	"context"
	"sync"
	"time"
)

// BackOff is a back-off policy for attempts at something guessable, such as REST's
// per-account login throttle (on top of POST /auth/login's per-address rate limit): a key's
// first Free unsuccessful attempts are free; after that each attempt must wait Base, doubled
// per further attempt, up to Max, after the previous one. A success clears the key's record;
// Forget after the last attempt it clears by itself. Zero values mean DefaultBackOff's.
type BackOff struct {
	Free   int
	Base   time.Duration
	Max    time.Duration
	Forget time.Duration
}

// DefaultBackOff: 5 free attempts, then 1 s, 2 s, 4 s … up to 15 minutes between attempts,
// forgotten an hour after the last one. A guesser gets about 18 attempts in the first hour
// and 4 an hour after that per account, however many addresses it uses (the per-address
// limit alone allows 60 a minute per address).
var DefaultBackOff = BackOff{Free: 5, Base: time.Second, Max: 15 * time.Minute, Forget: time.Hour}

// WithDefaults fills zero fields from DefaultBackOff.
func (b BackOff) WithDefaults() BackOff {
	if b.Free <= 0 {
		b.Free = DefaultBackOff.Free
	}
	if b.Base <= 0 {
		b.Base = DefaultBackOff.Base
	}
	if b.Max <= 0 {
		b.Max = DefaultBackOff.Max
	}
	if b.Forget <= 0 {
		b.Forget = DefaultBackOff.Forget
	}
	return b
}

// delay is how long an attempt must wait after the previous one once n attempts are on
// record (0 while n < Free).
func (b BackOff) delay(n int) time.Duration {
	if n < b.Free {
		return 0
	}
	d := b.Base
	for i := b.Free; i < n && d < b.Max; i++ {
		d *= 2
	}
	return min(d, b.Max)
}

// Attempts keeps back-off state per key. An attempt is recorded before it is judged (and
// cleared if it succeeded), so a burst of concurrent guesses cannot slip through before their
// failures are counted. The in-process MemoryAttempts holds per node; events/redisbus's
// Limiter implements it too, so that nodes sharing a Redis share the back-off.
type Attempts interface {
	// Attempt records an attempt against key unless key must wait, and returns the wait
	// (0: recorded, go ahead).
	Attempt(ctx context.Context, key string, p BackOff) (wait time.Duration, err error)
	// Succeeded forgets key's attempts.
	Succeeded(ctx context.Context, key string) error
}

// MemoryAttempts is the in-process Attempts. It holds at most maxAttemptRecords keys; when
// full it drops records that are not backing off first (a flood of made-up
// keys cannot push out one that is being guessed at), then the oldest.
type MemoryAttempts struct {
	now func() time.Time
	mu  sync.Mutex
	m   map[string]attemptRecord
}

type attemptRecord struct {
	n    int
	last time.Time
}

const maxAttemptRecords = 100_000

// NewMemoryAttempts returns an empty in-process store. now may be nil (time.Now).
func NewMemoryAttempts(now func() time.Time) *MemoryAttempts {
	if now == nil {
		now = time.Now
	}
	return &MemoryAttempts{now: now, m: make(map[string]attemptRecord)}
}

// Attempt implements Attempts.
func (m *MemoryAttempts) Attempt(_ context.Context, key string, p BackOff) (time.Duration, error) {
	p = p.WithDefaults()
	now := m.now()
	m.mu.Lock()
	defer m.mu.Unlock()
	r, ok := m.m[key]
	if ok && now.Sub(r.last) >= p.Forget {
		r, ok = attemptRecord{}, false
	}
	if ok {
		if wait := r.last.Add(p.delay(r.n)).Sub(now); wait > 0 {
			return wait, nil
		}
	} else if len(m.m) >= maxAttemptRecords {
		m.evictLocked(now, p)
	}
	m.m[key] = attemptRecord{n: r.n + 1, last: now}
	return 0, nil
}

func (m *MemoryAttempts) evictLocked(now time.Time, p BackOff) {
	for k, r := range m.m {
		if now.Sub(r.last) >= p.Forget || r.n < p.Free {
			delete(m.m, k)
		}
	}
	for len(m.m) >= maxAttemptRecords {
		var oldest string
		var at time.Time
		for k, r := range m.m {
			if oldest == "" || r.last.Before(at) {
				oldest, at = k, r.last
			}
		}
		delete(m.m, oldest)
	}
}

// Succeeded implements Attempts.
func (m *MemoryAttempts) Succeeded(_ context.Context, key string) error {
	m.mu.Lock()
	delete(m.m, key)
	m.mu.Unlock()
	return nil
}

var _ Attempts = (*MemoryAttempts)(nil)
