package redisbus

import (
	"context"
	"fmt"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley-chat/parley/guilds/ratelimit"
)

// Limiter is the shared ratelimit.Limiter for several nodes: the same fixed windows as
// ratelimit.Memory, kept in Redis so every node counts against one window per key. Each Take is
// one round trip (EVALSHA of takeScript; EVAL once if Redis lost the script).
//
// When Redis does not answer within CallTimeout, the limiter degrades to per-node limits
// (ratelimit.Memory and MemoryAttempts in this process) instead of holding requests up: it
// logs once, sets Degraded, and for the next RetryAfter answers locally without trying Redis;
// then one call probes Redis again. A bot spread over N nodes may then get up to N times its
// budget, which is better than a REST API that takes seconds per request.
type Limiter struct {
	client *redis.Client
	prefix string

	// CallTimeout bounds each Redis call. Default 250 ms.
	CallTimeout time.Duration
	// RetryAfter is how long the limiter stays local after a failure before probing Redis.
	// Default 1 s.
	RetryAfter time.Duration
	// Logger receives the degraded/restored transitions. Default: discard.
	Logger *slog.Logger

	local    *ratelimit.Memory
	attempts *ratelimit.MemoryAttempts
	mu       sync.Mutex
	downAt   time.Time // zero while Redis answers
	degraded atomic.Bool
	fails    atomic.Int64
}

// takeScript is ratelimit.Memory.Take in Redis: the key holds the window's count and expires
// when the window ends (the first request of a window creates it with PX window). A denied
// request is not counted. Returns {allowed, count, ms until reset}.
var takeScript = redis.NewScript(`
local limit = tonumber(ARGV[1])
local win = tonumber(ARGV[2])
local n = redis.call('GET', KEYS[1])
local ttl
if not n then
  redis.call('SET', KEYS[1], 0, 'PX', win)
  n = 0
  ttl = win
else
  n = tonumber(n)
  ttl = redis.call('PTTL', KEYS[1])
  if ttl < 0 then
    redis.call('PEXPIRE', KEYS[1], win)
    ttl = win
  end
end
if n >= limit then
  return {0, n, ttl}
end
redis.call('INCR', KEYS[1])
return {1, n + 1, ttl}
`)

// NewLimiter connects to Redis at url (as redis.ParseURL accepts) and checks that it
// answers. Keys are prefix + the limiter key; prefix "" means "parley:rl:".
func NewLimiter(ctx context.Context, url, prefix string) (*Limiter, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redisbus: redis url: %w", err)
	}
	if prefix == "" {
		prefix = "parley:rl:"
	}
	client := redis.NewClient(opt)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := client.Ping(pctx).Err(); err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("redisbus: redis %s unreachable: %w", opt.Addr, err)
	}
	if err := takeScript.Load(pctx, client).Err(); err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("redisbus: redis load script: %w", err)
	}
	return &Limiter{client: client, prefix: prefix, local: ratelimit.NewMemory(nil),
		attempts: ratelimit.NewMemoryAttempts(nil)}, nil
}

// Degraded reports whether the limiter is answering with per-node limits because Redis
// did not answer.
func (r *Limiter) Degraded() bool { return r.degraded.Load() }

// Failures counts Redis calls that failed or timed out and were answered locally.
func (r *Limiter) Failures() int64 { return r.fails.Load() }

// remote reports whether the next call should try Redis: always while it answers, and once
// per RetryAfter while it does not.
func (r *Limiter) remote() bool {
	if !r.degraded.Load() {
		return true
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	retry := r.RetryAfter
	if retry <= 0 {
		retry = time.Second
	}
	if time.Since(r.downAt) < retry {
		return false
	}
	r.downAt = time.Now() // this caller probes; the others stay local for another period
	return true
}

func (r *Limiter) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	d := r.CallTimeout
	if d <= 0 {
		d = 250 * time.Millisecond
	}
	return context.WithTimeout(ctx, d)
}

// failed records a Redis failure; it reports false when the caller's own context ended
// (the request went away: no reason to blame Redis).
func (r *Limiter) failed(ctx context.Context, err error) bool {
	if ctx.Err() != nil {
		return false
	}
	r.fails.Add(1)
	r.mu.Lock()
	r.downAt = time.Now()
	r.mu.Unlock()
	if !r.degraded.Swap(true) {
		r.logger().Warn("redisbus: redis does not answer; rate limits and login throttling are per node until it does", "err", err)
	}
	return true
}

func (r *Limiter) succeeded() {
	if r.degraded.Load() && r.degraded.Swap(false) {
		r.logger().Info("redisbus: redis answers again; rate limits are shared across nodes")
	}
}

func (r *Limiter) logger() *slog.Logger {
	if r.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return r.Logger
}

// Take implements ratelimit.Limiter.
// While Redis does not answer it is ratelimit.Memory's answer for this node (see Limiter).
func (r *Limiter) Take(ctx context.Context, key string, limit int, per time.Duration) (ratelimit.Decision, error) {
	if !r.remote() {
		return r.local.Take(ctx, key, limit, per)
	}
	win := per.Milliseconds()
	if win < 1 {
		win = 1
	}
	cctx, cancel := r.callCtx(ctx)
	res, err := takeScript.Run(cctx, r.client, []string{r.prefix + key}, limit, win).Int64Slice()
	cancel()
	if err != nil {
		if r.failed(ctx, err) {
			return r.local.Take(ctx, key, limit, per)
		}
		return ratelimit.Decision{}, fmt.Errorf("redisbus: limiter: %w", err)
	}
	r.succeeded()
	if len(res) != 3 {
		return ratelimit.Decision{}, fmt.Errorf("redisbus: limiter: unexpected reply %v", res)
	}
	d := ratelimit.Decision{Allowed: res[0] == 1, Limit: limit, ResetAfter: time.Duration(res[2]) * time.Millisecond}
	if d.Allowed {
		d.Remaining = limit - int(res[1])
	}
	return d, nil
}

// attemptScript is ratelimit.MemoryAttempts.Attempt in Redis: the key is a hash {n, last} (last
// in ms of Redis' own clock, so nodes' clocks need not agree) expiring Forget after the last
// recorded attempt. Returns {0, ms to wait} or {1, attempts now on record}.
var attemptScript = redis.NewScript(`
local free = tonumber(ARGV[1])
local base = tonumber(ARGV[2])
local max = tonumber(ARGV[3])
local forget = tonumber(ARGV[4])
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local rec = redis.call('HMGET', KEYS[1], 'n', 'last')
local n = tonumber(rec[1]) or 0
local last = tonumber(rec[2]) or 0
if n > 0 and now - last >= forget then
  n = 0
end
if n >= free then
  local d = base
  local i = free
  while i < n and d < max do
    d = d * 2
    i = i + 1
  end
  if d > max then d = max end
  local wait = last + d - now
  if wait > 0 then
    return {0, wait}
  end
end
redis.call('HSET', KEYS[1], 'n', n + 1, 'last', now)
redis.call('PEXPIRE', KEYS[1], forget)
return {1, n + 1}
`)

// Attempt implements ratelimit.Attempts, with one round trip.
// While Redis does not answer, attempts are counted per node.
func (r *Limiter) Attempt(ctx context.Context, key string, p ratelimit.BackOff) (time.Duration, error) {
	if !r.remote() {
		return r.attempts.Attempt(ctx, key, p)
	}
	p = p.WithDefaults()
	cctx, cancel := r.callCtx(ctx)
	res, err := attemptScript.Run(cctx, r.client, []string{r.prefix + key},
		p.Free, p.Base.Milliseconds(), p.Max.Milliseconds(), p.Forget.Milliseconds()).Int64Slice()
	cancel()
	if err != nil {
		if r.failed(ctx, err) {
			return r.attempts.Attempt(ctx, key, p)
		}
		return 0, fmt.Errorf("redisbus: login attempts: %w", err)
	}
	r.succeeded()
	if len(res) != 2 {
		return 0, fmt.Errorf("redisbus: login attempts: unexpected reply %v", res)
	}
	if res[0] == 1 {
		return 0, nil
	}
	return max(time.Duration(res[1])*time.Millisecond, time.Millisecond), nil
}

// Succeeded implements ratelimit.Attempts.
func (r *Limiter) Succeeded(ctx context.Context, key string) error {
	_ = r.attempts.Succeeded(ctx, key)
	if !r.remote() {
		return nil
	}
	cctx, cancel := r.callCtx(ctx)
	defer cancel()
	if err := r.client.Del(cctx, r.prefix+key).Err(); err != nil {
		if r.failed(ctx, err) {
			return nil
		}
		return fmt.Errorf("redisbus: login attempts: %w", err)
	}
	r.succeeded()
	return nil
}

// Close closes the Redis client.
func (r *Limiter) Close() error { return r.client.Close() }

var (
	_ ratelimit.Limiter  = (*Limiter)(nil)
	_ ratelimit.Attempts = (*Limiter)(nil)
)

// Ping checks that Redis answers, for readiness probes.
func (r *Limiter) Ping(ctx context.Context) error {
	if err := r.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redisbus: limiter ping: %w", err)
	}
	return nil
}

// Observe reports the duration and error of every Redis command the limiter sends (see
// Observer). Call it before the limiter is used.
func (r *Limiter) Observe(fn Observer) {
	if fn != nil {
		r.client.AddHook(hook{fn})
	}
}
