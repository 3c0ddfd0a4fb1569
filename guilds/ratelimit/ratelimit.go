// Package ratelimit counts requests in fixed windows, the unit of Discord's REST rate limits.
// REST owns the buckets (which route, which key, which headers); this package owns only the
// counting, so that a shared implementation on Redis (events/redisbus) can satisfy Limiter
// without importing REST.
package ratelimit

import (
	"context"
	"sync"
	"time"
)

// Limiter counts requests in fixed windows. Implementations must be safe for concurrent use;
// the in-process Memory is the default, a shared (Redis) one lets several nodes agree.
type Limiter interface {
	// Take records one request against key, allowing at most limit per window, and reports
	// the state of the window after the request. A denied request is not counted.
	Take(ctx context.Context, key string, limit int, window time.Duration) (Decision, error)
}

// Decision is a Limiter's answer.
type Decision struct {
	// Allowed reports whether the request fits in the window.
	Allowed bool
	// Limit is the window's capacity; Remaining what is left after this request.
	Limit, Remaining int
	// ResetAfter is the time until the window resets.
	ResetAfter time.Duration
}

// Memory is the in-process Limiter: fixed windows in a sharded map, swept lazily.
type Memory struct {
	now    func() time.Time
	shards [32]limiterShard
}

type limiterShard struct {
	mu    sync.Mutex
	win   map[string]*window
	takes int
}

type window struct {
	start time.Time
	len   time.Duration
	count int
}

// NewMemory returns an empty in-process limiter. now may be nil (time.Now).
func NewMemory(now func() time.Time) *Memory {
	if now == nil {
		now = time.Now
	}
	m := &Memory{now: now}
	for i := range m.shards {
		m.shards[i].win = make(map[string]*window)
	}
	return m
}

// Take implements Limiter.
func (m *Memory) Take(_ context.Context, key string, limit int, per time.Duration) (Decision, error) {
	now := m.now()
	sh := &m.shards[fnv32(key)%uint32(len(m.shards))]
	sh.mu.Lock()
	defer sh.mu.Unlock()
	sh.takes++
	if sh.takes%4096 == 0 {
		for k, w := range sh.win {
			if now.Sub(w.start) >= w.len {
				delete(sh.win, k)
			}
		}
	}
	w := sh.win[key]
	if w == nil || now.Sub(w.start) >= w.len {
		w = &window{start: now, len: per}
		sh.win[key] = w
	}
	reset := w.start.Add(w.len).Sub(now)
	if w.count >= limit {
		return Decision{Allowed: false, Limit: limit, Remaining: 0, ResetAfter: reset}, nil
	}
	w.count++
	return Decision{Allowed: true, Limit: limit, Remaining: limit - w.count, ResetAfter: reset}, nil
}

func fnv32(s string) uint32 {
	h := uint32(2166136261)
	for i := 0; i < len(s); i++ {
		h ^= uint32(s[i])
		h *= 16777619
	}
	return h
}

var _ Limiter = (*Memory)(nil)
