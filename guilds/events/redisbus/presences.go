package redisbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// Presences is the gateway's presence store shared by the nodes of a cluster (it satisfies
// gateway.PresenceStore). Each user is one hash, prefix+"pr:"+id: field "p" holds the last
// presence, and each node holding sessions of the user has a field "n:"+node whose value is
// when that node's claim lapses (ms, Redis' clock). A node refreshes its claims and the hash's
// TTL every TTL/3 while it holds the user, so the presences of a node that crashed expire
// after TTL, and a user with sessions on two nodes stays online until the last node clears.
type Presences struct {
	client *redis.Client
	prefix string
	node   string
	ttl    time.Duration

	// CallTimeout bounds each Redis call. Default 250 ms.
	CallTimeout time.Duration

	mu   sync.Mutex
	held map[snowflake.ID]struct{} // users this node claims
	stop chan struct{}
	done chan struct{}
	once sync.Once
}

// PresencesConfig configures NewPresences.
type PresencesConfig struct {
	// URL is the Redis URL (as redis.ParseURL accepts).
	URL string
	// Prefix comes before every key. Default "parley:".
	Prefix string
	// NodeID names this node's claims; every node needs its own. Required.
	NodeID string
	// TTL is how long a node's claims outlive its last refresh. Default 45 s.
	TTL time.Duration
}

// errNoNode: a Presences needs its node's name.
var errNoNode = errors.New("redisbus: presences: NodeID is required")

// setPresenceScript stores the presence, claims the user for this node until now+ttl and
// extends the hash's TTL. KEYS[1] hash; ARGV presence JSON ("" to only claim), node field,
// ttl ms.
var setPresenceScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local ttl = tonumber(ARGV[3])
if ARGV[1] ~= '' then
  redis.call('HSET', KEYS[1], 'p', ARGV[1])
end
redis.call('HSET', KEYS[1], ARGV[2], now + ttl)
if redis.call('PTTL', KEYS[1]) < ttl then
  redis.call('PEXPIRE', KEYS[1], ttl)
end
return 1
`)

// clearPresenceScript drops this node's claim; when no other node's claim is live it deletes
// the hash. Returns 1 when the user went offline (a presence was stored), else 0.
var clearPresenceScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
redis.call('HDEL', KEYS[1], ARGV[1])
local all = redis.call('HGETALL', KEYS[1])
for i = 1, #all, 2 do
  if string.sub(all[i], 1, 2) == 'n:' and tonumber(all[i + 1]) > now then
    return 0
  end
end
local had = redis.call('HEXISTS', KEYS[1], 'p')
redis.call('DEL', KEYS[1])
return had
`)

// NewPresences connects to Redis and starts refreshing this node's claims.
func NewPresences(ctx context.Context, cfg PresencesConfig) (*Presences, error) {
	if cfg.NodeID == "" {
		return nil, errNoNode
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "parley:"
	}
	if cfg.TTL <= 0 {
		cfg.TTL = 45 * time.Second
	}
	client, err := dialScripts(ctx, cfg.URL, setPresenceScript, clearPresenceScript)
	if err != nil {
		return nil, fmt.Errorf("redisbus: presences: %w", err)
	}
	p := &Presences{client: client, prefix: cfg.Prefix, node: cfg.NodeID, ttl: cfg.TTL,
		held: make(map[snowflake.ID]struct{}), stop: make(chan struct{}), done: make(chan struct{})}
	go p.refreshLoop()
	return p, nil
}

// dialScripts connects to url, checks that Redis answers and loads the scripts.
func dialScripts(ctx context.Context, url string, scripts ...*redis.Script) (*redis.Client, error) {
	opt, err := redis.ParseURL(url)
	if err != nil {
		return nil, fmt.Errorf("redis url: %w", err)
	}
	client := redis.NewClient(opt)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := client.Ping(pctx).Err(); err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("redis %s unreachable: %w", opt.Addr, err)
	}
	for _, s := range scripts {
		if err := s.Load(pctx, client).Err(); err != nil {
			_ = client.Close()
			return nil, fmt.Errorf("redis load script: %w", err)
		}
	}
	return client, nil
}

func (p *Presences) key(userID snowflake.ID) string {
	return p.prefix + "pr:" + strconv.FormatUint(uint64(userID), 10)
}

func (p *Presences) field() string { return "n:" + p.node }

func (p *Presences) callCtx(ctx context.Context) (context.Context, context.CancelFunc) {
	d := p.CallTimeout
	if d <= 0 {
		d = 250 * time.Millisecond
	}
	return context.WithTimeout(ctx, d)
}

// SetPresence stores d and claims userID for this node.
func (p *Presences) SetPresence(ctx context.Context, userID snowflake.ID, d opcodes.PresenceUpdateData) error {
	b, err := json.Marshal(d)
	if err != nil {
		return fmt.Errorf("redisbus: presences: encode: %w", err)
	}
	p.mu.Lock()
	p.held[userID] = struct{}{}
	p.mu.Unlock()
	cctx, cancel := p.callCtx(ctx)
	defer cancel()
	if err := setPresenceScript.Run(cctx, p.client, []string{p.key(userID)}, string(b), p.field(), p.ttl.Milliseconds()).Err(); err != nil {
		return fmt.Errorf("redisbus: presences: set: %w", err)
	}
	return nil
}

// Presences returns the stored presences of userIDs, in one round trip.
func (p *Presences) Presences(ctx context.Context, userIDs []snowflake.ID) (map[snowflake.ID]opcodes.PresenceUpdateData, error) {
	out := make(map[snowflake.ID]opcodes.PresenceUpdateData)
	if len(userIDs) == 0 {
		return out, nil
	}
	cctx, cancel := p.callCtx(ctx)
	defer cancel()
	pipe := p.client.Pipeline()
	cmds := make([]*redis.StringCmd, len(userIDs))
	for i, id := range userIDs {
		cmds[i] = pipe.HGet(cctx, p.key(id), "p")
	}
	if _, err := pipe.Exec(cctx); err != nil && !errors.Is(err, redis.Nil) {
		return nil, fmt.Errorf("redisbus: presences: get: %w", err)
	}
	for i, c := range cmds {
		s, err := c.Result()
		if err != nil {
			continue // redis.Nil: no presence
		}
		var d opcodes.PresenceUpdateData
		if json.Unmarshal([]byte(s), &d) == nil {
			out[userIDs[i]] = d
		}
	}
	return out, nil
}

// ClearPresence drops this node's claim on userID; it reports whether the user is now
// offline everywhere.
func (p *Presences) ClearPresence(ctx context.Context, userID snowflake.ID) (bool, error) {
	p.mu.Lock()
	delete(p.held, userID)
	p.mu.Unlock()
	cctx, cancel := p.callCtx(ctx)
	defer cancel()
	n, err := clearPresenceScript.Run(cctx, p.client, []string{p.key(userID)}, p.field()).Int64()
	if err != nil {
		return false, fmt.Errorf("redisbus: presences: clear: %w", err)
	}
	return n == 1, nil
}

// refreshLoop renews this node's claims every TTL/3.
func (p *Presences) refreshLoop() {
	defer close(p.done)
	t := time.NewTicker(p.ttl / 3)
	defer t.Stop()
	for {
		select {
		case <-p.stop:
			return
		case <-t.C:
			p.refresh()
		}
	}
}

// refresh renews the claims of every user this node holds (errors are left to the next
// round: a claim lasts three rounds).
func (p *Presences) refresh() {
	p.mu.Lock()
	ids := make([]snowflake.ID, 0, len(p.held))
	for id := range p.held {
		ids = append(ids, id)
	}
	p.mu.Unlock()
	for len(ids) > 0 {
		batch := ids[:min(len(ids), 500)]
		ids = ids[len(batch):]
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		pipe := p.client.Pipeline()
		for _, id := range batch {
			setPresenceScript.Run(ctx, pipe, []string{p.key(id)}, "", p.field(), p.ttl.Milliseconds())
		}
		_, _ = pipe.Exec(ctx)
		cancel()
	}
}

// Close stops refreshing (the claims then lapse after TTL) and closes the Redis client.
func (p *Presences) Close() error {
	p.once.Do(func() { close(p.stop) })
	<-p.done
	return p.client.Close()
}

// Observe reports the duration and error of every Redis command the store sends (see
// Observer). Call it before the store is used.
func (p *Presences) Observe(fn Observer) {
	if fn != nil {
		p.client.AddHook(hook{fn})
	}
}
