package redisbus

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/redis/go-redis/v9"
)

// Observer receives the duration and outcome of every Redis command a Broker or Limiter
// sends: op is the command's name (publish, subscribe, evalsha, ping, ...; "pipeline" for a
// pipeline). A redis.Nil answer ("no such key") is not an error. It must be cheap and safe
// for concurrent use; cmd wires it to metrics, so this package imports none.
type Observer func(op string, elapsed time.Duration, err error)

// hook is the go-redis hook behind Observer.
type hook struct{ fn Observer }

func (hook) DialHook(next redis.DialHook) redis.DialHook { return next }

func (h hook) ProcessHook(next redis.ProcessHook) redis.ProcessHook {
	return func(ctx context.Context, cmd redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmd)
		h.fn(cmd.Name(), time.Since(start), failure(err))
		return err
	}
}

func (h hook) ProcessPipelineHook(next redis.ProcessPipelineHook) redis.ProcessPipelineHook {
	return func(ctx context.Context, cmds []redis.Cmder) error {
		start := time.Now()
		err := next(ctx, cmds)
		h.fn("pipeline", time.Since(start), failure(err))
		return err
	}
}

func failure(err error) error {
	if errors.Is(err, redis.Nil) {
		return nil
	}
	return err
}

// Dropped counts messages on the broker's channels that could not be decoded (and so were
// not delivered).
func (b *Broker) Dropped() int64 { return b.dropped.Load() }

// Ping checks that the broker's Redis answers, for readiness probes.
func (b *Broker) Ping(ctx context.Context) error {
	if err := b.client.Ping(ctx).Err(); err != nil {
		return fmt.Errorf("redisbus: ping: %w", err)
	}
	return nil
}

// Replayed counts events delivered from the replay log after reconnects.
func (b *Broker) Replayed() int64 { return b.replayed.Load() }

// Queued is how many events wait in the outbox for Redis.
func (b *Broker) Queued() int { return b.out.len() }

// Losses counts the times this node's listeners were told events were lost for good.
func (b *Broker) Losses() int64 { return b.lostSeen.Load() }

// Restarts counts reconnects that found Redis restarted without its data.
func (b *Broker) Restarts() int64 { return b.restarts.Load() }
