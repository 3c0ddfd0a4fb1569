package redisbus

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley-chat/parley/snowflake"
)

// IdentifyLimiter is the gateway's Identify limiter shared by the nodes of a cluster (it
// satisfies gateway.IdentifyLimiter): Discord counts max_concurrency buckets and the daily
// session start budget per bot, so a bot whose shards land on several nodes gets one budget.
// Each bucket is a key living for the Identify interval; the starts are a counter living for
// the window. Each call is one round trip with CallTimeout; the gateway falls back to per-node
// limits when it fails.
type IdentifyLimiter struct {
	client *redis.Client
	prefix string

	// CallTimeout bounds each Redis call. Default 250 ms.
	CallTimeout time.Duration
}

// identifyScript: KEYS[1] the bucket key, KEYS[2] the starts counter; ARGV interval ms,
// limit, window ms. Returns 1 and counts the Identify if both limits allow it, else 0.
var identifyScript = redis.NewScript(`
local used = tonumber(redis.call('GET', KEYS[2]) or '0')
if used >= tonumber(ARGV[2]) then
  return 0
end
if redis.call('SET', KEYS[1], 1, 'PX', ARGV[1], 'NX') == false then
  return 0
end
if redis.call('INCR', KEYS[2]) == 1 or redis.call('PTTL', KEYS[2]) < 0 then
  redis.call('PEXPIRE', KEYS[2], ARGV[3])
end
return 1
`)

// NewIdentifyLimiter connects to Redis at url. Keys are prefix + "id:..."; prefix "" means
// "parley:".
func NewIdentifyLimiter(ctx context.Context, url, prefix string) (*IdentifyLimiter, error) {
	if prefix == "" {
		prefix = "parley:"
	}
	client, err := dialScripts(ctx, url, identifyScript)
	if err != nil {
		return nil, fmt.Errorf("redisbus: identify limiter: %w", err)
	}
	return &IdentifyLimiter{client: client, prefix: prefix}, nil
}

func (l *IdentifyLimiter) keys(userID snowflake.ID) (bucketPrefix, starts string) {
	base := l.prefix + "id:" + strconv.FormatUint(uint64(userID), 10)
	return base + ":b:", base + ":starts"
}

func (l *IdentifyLimiter) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	d := l.CallTimeout
	if d <= 0 {
		d = 250 * time.Millisecond
	}
	return context.WithTimeout(ctx, d)
}

// AllowIdentify records an Identify in bucket if the bucket is free and the budget is not
// spent.
func (l *IdentifyLimiter) AllowIdentify(ctx context.Context, userID snowflake.ID, bucket int, interval time.Duration, limit int, window time.Duration) (bool, error) {
	bp, starts := l.keys(userID)
	cctx, cancel := l.callCtx(ctx)
	defer cancel()
	n, err := identifyScript.Run(cctx, l.client, []string{bp + strconv.Itoa(bucket), starts},
		max(interval.Milliseconds(), 1), limit, max(window.Milliseconds(), 1)).Int64()
	if err != nil {
		return false, fmt.Errorf("redisbus: identify limiter: %w", err)
	}
	return n == 1, nil
}

// SessionStarts reports the starts used in the current window and when it ends.
func (l *IdentifyLimiter) SessionStarts(ctx context.Context, userID snowflake.ID, _ time.Duration) (int, time.Duration, error) {
	_, starts := l.keys(userID)
	cctx, cancel := l.callCtx(ctx)
	defer cancel()
	pipe := l.client.Pipeline()
	get := pipe.Get(cctx, starts)
	ttl := pipe.PTTL(cctx, starts)
	if _, err := pipe.Exec(cctx); err != nil && err != redis.Nil {
		return 0, 0, fmt.Errorf("redisbus: identify limiter: starts: %w", err)
	}
	used, err := get.Int()
	if err != nil || ttl.Val() <= 0 {
		return 0, 0, nil // no window open
	}
	return used, ttl.Val(), nil
}

// Close closes the Redis client.
func (l *IdentifyLimiter) Close() error { return l.client.Close() }

// Observe reports the duration and error of every Redis command the limiter sends (see
// Observer). Call it before the limiter is used.
func (l *IdentifyLimiter) Observe(fn Observer) {
	if fn != nil {
		l.client.AddHook(hook{fn})
	}
}
