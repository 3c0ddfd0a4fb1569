package redisbus

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	mrand "math/rand/v2"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// Lease errors.
var (
	// ErrLeaseHeld: the snowflake node ID asked for is leased by another running node.
	ErrLeaseHeld = errors.New("redisbus: snowflake node id is leased by another node")
	// ErrNoFreeLease: every one of the 1024 snowflake node IDs is leased.
	ErrNoFreeLease = errors.New("redisbus: no free snowflake node id")
)

// LeaseNodes is how many snowflake node IDs there are to lease: 5 bits of worker and 5 of
// process.
const LeaseNodes = 1024

// LeaseConfig configures NewLease.
type LeaseConfig struct {
	// URL is the Redis server (as redis.ParseURL accepts). Required.
	URL string
	// Prefix starts the lease keys (<prefix>snowflake:<n>). Default "parley:".
	Prefix string
	// Want is the node ID (worker<<5 | process) to lease, or -1 for any free one.
	Want int
	// Holder names this node in the lease, for the error another node gets. Default: random.
	Holder string
	// TTL is how long a lease outlives its last renewal. It is renewed every TTL/3. Default 60 s.
	TTL time.Duration
	// Logger receives renewal problems. Default: discard.
	Logger *slog.Logger
	// OnLost is called once if another node took the ID (this node was cut off from Redis
	// for longer than TTL and the lease expired): from then on IDs this node mints may
	// collide, so the caller stops the node.
	OnLost func()
}

// Lease is one snowflake node ID held in Redis for as long as the node runs, so that nodes
// need no hand-assigned --worker-id and two nodes can never mint the same IDs: a node takes
// a free ID with SET NX at start-up and renews it; a node that asks for a held ID is refused.
//
// If Redis is unreachable the lease is kept (the node goes on minting; nobody else can take
// the ID without Redis either). A Redis that restarted empty has forgotten every lease, so
// renewal re-takes the ID when the key is missing; only a key held by another holder means
// the ID was lost.
type Lease struct {
	client *redis.Client
	cfg    LeaseConfig
	key    string
	token  string
	id     int
	stop   chan struct{}
	wg     sync.WaitGroup
	once   sync.Once
}

// renewScript extends the lease if this holder has it, takes it again if the key is gone
// (Redis restarted without persistence) and reports 0 if someone else holds it.
var renewScript = redis.NewScript(`
local v = redis.call('GET', KEYS[1])
if v == ARGV[1] then
  redis.call('PEXPIRE', KEYS[1], ARGV[2])
  return 1
end
if not v then
  redis.call('SET', KEYS[1], ARGV[1], 'PX', ARGV[2])
  return 1
end
return 0
`)

// releaseScript deletes the lease only if this holder still has it.
var releaseScript = redis.NewScript(`
if redis.call('GET', KEYS[1]) == ARGV[1] then
  return redis.call('DEL', KEYS[1])
end
return 0
`)

// NewLease takes a snowflake node ID (cfg.Want, or any free one) and keeps it renewed until
// Close.
func NewLease(ctx context.Context, cfg LeaseConfig) (*Lease, error) {
	opt, err := redis.ParseURL(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("redisbus: redis url: %w", err)
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "parley:"
	}
	if cfg.TTL <= 0 {
		cfg.TTL = time.Minute
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.Want >= LeaseNodes {
		return nil, fmt.Errorf("redisbus: snowflake node id %d out of range 0-%d", cfg.Want, LeaseNodes-1)
	}
	var b [8]byte
	_, _ = rand.Read(b[:])
	token := hex.EncodeToString(b[:])
	if cfg.Holder != "" {
		token = cfg.Holder + "/" + token
	}
	l := &Lease{client: redis.NewClient(opt), cfg: cfg, token: token, stop: make(chan struct{})}
	actx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	if err := l.client.Ping(actx).Err(); err != nil {
		_ = l.client.Close()
		return nil, fmt.Errorf("redisbus: redis %s unreachable: %w", opt.Addr, err)
	}
	if err := l.acquire(actx); err != nil {
		_ = l.client.Close()
		return nil, err
	}
	l.wg.Go(l.renew)
	return l, nil
}

func (l *Lease) keyOf(n int) string { return l.cfg.Prefix + "snowflake:" + strconv.Itoa(n) }

func (l *Lease) acquire(ctx context.Context) error {
	if l.cfg.Want >= 0 {
		ok, err := l.client.SetNX(ctx, l.keyOf(l.cfg.Want), l.token, l.cfg.TTL).Result()
		if err != nil {
			return fmt.Errorf("redisbus: lease snowflake node id %d: %w", l.cfg.Want, err)
		}
		if !ok {
			holder, _ := l.client.Get(ctx, l.keyOf(l.cfg.Want)).Result()
			ttl, _ := l.client.PTTL(ctx, l.keyOf(l.cfg.Want)).Result()
			return fmt.Errorf("%w: id %d (worker %d, process %d) is held by %q for another %v",
				ErrLeaseHeld, l.cfg.Want, l.cfg.Want>>5, l.cfg.Want&31, holder, ttl.Round(time.Second))
		}
		l.id, l.key = l.cfg.Want, l.keyOf(l.cfg.Want)
		return nil
	}
	// Start at a random ID so that nodes starting together rarely race for the same key.
	start := mrand.IntN(LeaseNodes)
	for i := range LeaseNodes {
		n := (start + i) % LeaseNodes
		ok, err := l.client.SetNX(ctx, l.keyOf(n), l.token, l.cfg.TTL).Result()
		if err != nil {
			return fmt.Errorf("redisbus: lease a snowflake node id: %w", err)
		}
		if ok {
			l.id, l.key = n, l.keyOf(n)
			return nil
		}
	}
	return ErrNoFreeLease
}

// ID is the leased node ID: worker<<5 | process.
func (l *Lease) ID() int { return l.id }

// Worker and Process split the ID as snowflake.NewGenerator takes it.
func (l *Lease) Worker() int  { return l.id >> 5 }
func (l *Lease) Process() int { return l.id & 31 }

func (l *Lease) renew() {
	t := time.NewTicker(l.cfg.TTL / 3)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), l.cfg.TTL/3)
		ok, err := renewScript.Run(ctx, l.client, []string{l.key}, l.token, l.cfg.TTL.Milliseconds()).Int()
		cancel()
		switch {
		case err != nil:
			l.cfg.Logger.Warn("redisbus: snowflake lease not renewed; keeping it", "id", l.id, "err", err)
		case ok == 0:
			l.cfg.Logger.Error("redisbus: snowflake node id was taken by another node while this one was cut off from redis; its IDs may collide", "id", l.id)
			if l.cfg.OnLost != nil {
				l.cfg.OnLost()
			}
			return
		}
	}
}

// Close stops renewing and releases the ID for the next node.
func (l *Lease) Close() error {
	var err error
	l.once.Do(func() {
		close(l.stop)
		l.wg.Wait()
		ctx, cancel := context.WithTimeout(context.Background(), 2*time.Second)
		defer cancel()
		if rerr := releaseScript.Run(ctx, l.client, []string{l.key}, l.token).Err(); rerr != nil {
			err = fmt.Errorf("redisbus: release snowflake lease: %w", rerr)
		}
		if cerr := l.client.Close(); cerr != nil && err == nil {
			err = cerr
		}
	})
	return err
}
