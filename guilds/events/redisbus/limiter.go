package redisbus

import (
	"context"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley-chat/parley/guilds/ratelimit"
)

// Limiter is the shared ratelimit.Limiter for several nodes: the same fixed windows as
// ratelimit.Memory, kept in Redis so every node counts against one window per key. Each Take is
// one round trip (EVALSHA of takeScript; EVAL once if Redis lost the script).
type Limiter struct {
	client *redis.Client
	prefix string
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
	return &Limiter{client: client, prefix: prefix}, nil
}

// Take implements ratelimit.Limiter.
func (r *Limiter) Take(ctx context.Context, key string, limit int, per time.Duration) (ratelimit.Decision, error) {
	win := per.Milliseconds()
	if win < 1 {
		win = 1
	}
	res, err := takeScript.Run(ctx, r.client, []string{r.prefix + key}, limit, win).Int64Slice()
	if err != nil {
		return ratelimit.Decision{}, fmt.Errorf("redisbus: limiter: %w", err)
	}
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
func (r *Limiter) Attempt(ctx context.Context, key string, p ratelimit.BackOff) (time.Duration, error) {
	p = p.WithDefaults()
	res, err := attemptScript.Run(ctx, r.client, []string{r.prefix + key},
		p.Free, p.Base.Milliseconds(), p.Max.Milliseconds(), p.Forget.Milliseconds()).Int64Slice()
	if err != nil {
		return 0, fmt.Errorf("redisbus: login attempts: %w", err)
	}
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
	if err := r.client.Del(ctx, r.prefix+key).Err(); err != nil {
		return fmt.Errorf("redisbus: login attempts: %w", err)
	}
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
