package gateway

import (
	"context"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-chat/parley/snowflake"
)

// IdentifyLimiter counts bots' Identifies: one per concurrency bucket (shard_id %
// max_concurrency) per interval, and a budget of session starts per window. Discord counts
// these per bot, not per server, so a cluster shares one (redisbus.IdentifyLimiter); a single
// node uses MemoryIdentifyLimiter.
type IdentifyLimiter interface {
	// AllowIdentify records an Identify of userID in bucket if the bucket has been free for
	// interval and fewer than limit session starts happened in the current window; it reports
	// whether it did. A denied Identify is not counted.
	AllowIdentify(ctx context.Context, userID snowflake.ID, bucket int, interval time.Duration, limit int, window time.Duration) (bool, error)
	// SessionStarts reports how many session starts userID used in the current window and
	// when that window ends (zero used and zero resetAfter when no window is open).
	SessionStarts(ctx context.Context, userID snowflake.ID, window time.Duration) (used int, resetAfter time.Duration, err error)
}

// MemoryIdentifyLimiter is the IdentifyLimiter of one node, in memory, on its own clock (so
// synctest bubbles control it).
type MemoryIdentifyLimiter struct {
	now func() time.Time
	mu  sync.Mutex
	m   map[snowflake.ID]*identifyState
}

type identifyState struct {
	buckets     map[int]time.Time // bucket → last Identify
	windowStart time.Time
	used        int
}

// NewMemoryIdentifyLimiter returns an empty limiter reading time from now (nil: time.Now).
func NewMemoryIdentifyLimiter(now func() time.Time) *MemoryIdentifyLimiter {
	if now == nil {
		now = time.Now
	}
	return &MemoryIdentifyLimiter{now: now, m: make(map[snowflake.ID]*identifyState)}
}

// AllowIdentify implements IdentifyLimiter.
func (l *MemoryIdentifyLimiter) AllowIdentify(_ context.Context, userID snowflake.ID, bucket int, interval time.Duration, limit int, window time.Duration) (bool, error) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.m[userID]
	if st == nil {
		st = &identifyState{buckets: make(map[int]time.Time)}
		l.m[userID] = st
	}
	if st.windowStart.IsZero() || now.Sub(st.windowStart) >= window {
		st.windowStart, st.used = now, 0
	}
	if st.used >= limit {
		return false, nil
	}
	if last, ok := st.buckets[bucket]; ok && now.Sub(last) < interval {
		return false, nil
	}
	st.buckets[bucket] = now
	st.used++
	return true, nil
}

// SessionStarts implements IdentifyLimiter.
func (l *MemoryIdentifyLimiter) SessionStarts(_ context.Context, userID snowflake.ID, window time.Duration) (int, time.Duration, error) {
	now := l.now()
	l.mu.Lock()
	defer l.mu.Unlock()
	if st := l.m[userID]; st != nil && !st.windowStart.IsZero() && now.Sub(st.windowStart) < window {
		return st.used, st.windowStart.Add(window).Sub(now), nil
	}
	return 0, 0, nil
}

// identifyLimiter applies Config's Identify limits through the configured IdentifyLimiter.
// When a shared limiter fails (Redis does not answer) it answers from this node's own
// MemoryIdentifyLimiter and logs the switch once, so logins go on with per-node limits.
type identifyLimiter struct {
	cfg      Config
	shared   IdentifyLimiter // nil: local only
	local    *MemoryIdentifyLimiter
	degraded atomic.Bool
}

func newIdentifyLimiter(cfg Config) *identifyLimiter {
	return &identifyLimiter{cfg: cfg, shared: cfg.IdentifyLimiter, local: NewMemoryIdentifyLimiter(cfg.Now)}
}

// allow records an Identify for userID on shardID if both limits permit it.
func (l *identifyLimiter) allow(ctx context.Context, userID snowflake.ID, shardID int) bool {
	if l.cfg.IdentifyLimitsOff {
		return true
	}
	bucket := shardID % l.cfg.MaxConcurrency
	if l.shared != nil {
		ok, err := l.shared.AllowIdentify(ctx, userID, bucket, l.cfg.IdentifyInterval, l.cfg.SessionStartLimit, l.cfg.SessionStartWindow)
		if err == nil {
			l.restored()
			return ok
		}
		l.failed(err)
	}
	ok, _ := l.local.AllowIdentify(ctx, userID, bucket, l.cfg.IdentifyInterval, l.cfg.SessionStartLimit, l.cfg.SessionStartWindow)
	return ok
}

// snapshot reports session_start_limit for GET /gateway/bot. With the limits off nothing is
// counted, so it always reports the whole budget: remaining > 0 and max_concurrency ≥ 1, as
// libraries require.
func (l *identifyLimiter) snapshot(ctx context.Context, userID snowflake.ID) (total, remaining int, resetAfter time.Duration, maxConcurrency int) {
	total, remaining, maxConcurrency = l.cfg.SessionStartLimit, l.cfg.SessionStartLimit, l.cfg.MaxConcurrency
	resetAfter = l.cfg.SessionStartWindow
	if l.cfg.IdentifyLimitsOff {
		return total, remaining, resetAfter, maxConcurrency
	}
	var used int
	var reset time.Duration
	var err error = errNoShared
	if l.shared != nil {
		if used, reset, err = l.shared.SessionStarts(ctx, userID, l.cfg.SessionStartWindow); err != nil {
			l.failed(err)
		} else {
			l.restored()
		}
	}
	if err != nil {
		used, reset, _ = l.local.SessionStarts(ctx, userID, l.cfg.SessionStartWindow)
	}
	if reset > 0 {
		remaining = max(0, total-used)
		resetAfter = reset
	}
	return total, remaining, resetAfter, maxConcurrency
}

func (l *identifyLimiter) failed(err error) {
	if !l.degraded.Swap(true) {
		l.cfg.Logger.Warn("gateway: shared identify limiter does not answer; identify limits are per node until it does", "err", err)
	}
}

func (l *identifyLimiter) restored() {
	if l.degraded.Load() && l.degraded.Swap(false) {
		l.cfg.Logger.Info("gateway: shared identify limiter answers again; identify limits are shared across nodes")
	}
}
