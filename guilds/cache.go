package guilds

import (
	"context"
	"sync"
	"time"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// Read-through caches for rows that nearly every request reads and that rarely change: the
// caller's user (Authenticate, GET /users/@me, message authors and mentions) and a bot's
// application (its token stamp and intent flags).
//
// Invalidation. Every write of these rows goes through the Service, which drops the entry
// after the write commits (ModifyCurrentUser, ModifyApplication, ResetBotToken), so a read on
// the same node after a write always reloads. Another node learns of a user change from the
// USER_UPDATE event, which reaches it on events.CacheTopic. Applications have no event, so their entries also
// expire after appCacheTTL: on another node a changed intent flag, or a reset bot token, is
// seen at most that late. A TTL bounds every entry in any case, as a safety net. Only found
// rows are cached (a new row is never hidden by a cached miss).
//
// Token families (refresh-token families; access tokens carry theirs) are cached with their
// revocation state for familyCacheTTL. A revocation sets the entry on the revoking node and,
// through the EventTokensRevoked event that every node observes, on all others at once; the
// TTL only bounds how long a lost event could hide one.
//
// Verified access tokens are cached too (token → subject and expiry): a JWT never changes, so
// re-checking its signature on every request only costs CPU. Expiry is still checked on each
// use, and the user is still looked up (so a deleted user's token stops working).
const (
	userCacheTTL   = 30 * time.Second
	jwtCacheTTL    = time.Minute
	familyCacheTTL = 30 * time.Second
	appCacheTTL    = 5 * time.Second
	// appKeyCacheTTL: signing keys never change; the TTL only bounds memory of idle ones.
	appKeyCacheTTL = 10 * time.Minute
	cacheMaxItems  = 100_000
)

// ttlCache is a map with expiring entries. gen counts invalidations: a load that started
// before an invalidation does not store its (possibly stale) result.
type ttlCache[K comparable, V any] struct {
	ttl time.Duration
	mu  sync.RWMutex
	m   map[K]ttlEntry[V]
	gen uint64
}

type ttlEntry[V any] struct {
	v       V
	expires time.Time
}

func newTTLCache[K comparable, V any](ttl time.Duration) *ttlCache[K, V] {
	return &ttlCache[K, V]{ttl: ttl, m: make(map[K]ttlEntry[V])}
}

// get returns the cached value, if fresh, and the generation to pass to put after a miss.
func (c *ttlCache[K, V]) get(id K) (V, bool, uint64) {
	c.mu.RLock()
	e, ok := c.m[id]
	gen := c.gen
	c.mu.RUnlock()
	if ok && time.Now().Before(e.expires) {
		return e.v, true, gen
	}
	var zero V
	return zero, false, gen
}

// put stores v unless an invalidation happened since gen was read.
func (c *ttlCache[K, V]) put(id K, v V, gen uint64) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.gen != gen {
		return
	}
	if len(c.m) >= cacheMaxItems {
		now := time.Now()
		for k, e := range c.m {
			if !now.Before(e.expires) {
				delete(c.m, k)
			}
		}
		if len(c.m) >= cacheMaxItems {
			clear(c.m)
		}
	}
	c.m[id] = ttlEntry[V]{v: v, expires: time.Now().Add(c.ttl)}
}

// reset drops every entry; loads in flight do not store their result.
func (c *ttlCache[K, V]) reset() {
	c.mu.Lock()
	clear(c.m)
	c.gen++
	c.mu.Unlock()
}

// set stores v whatever loads are in flight (they will not overwrite it): for state learnt
// from an event rather than loaded.
func (c *ttlCache[K, V]) set(id K, v V) {
	c.mu.Lock()
	c.gen++
	gen := c.gen
	c.mu.Unlock()
	c.put(id, v, gen)
}

func (c *ttlCache[K, V]) invalidate(id K) {
	c.mu.Lock()
	delete(c.m, id)
	c.gen++
	c.mu.Unlock()
}

// getUser loads a user through the cache.
func (s *Service) getUser(ctx context.Context, id snowflake.ID) (storage.User, error) {
	u, ok, gen := s.users.get(id)
	if ok {
		return u, nil
	}
	u, err := s.store.Users().Get(ctx, id)
	if err != nil {
		return u, err
	}
	s.users.put(id, u, gen)
	return u, nil
}

// getApplication loads an application through the cache.
func (s *Service) getApplication(ctx context.Context, id snowflake.ID) (storage.Application, error) {
	a, ok, gen := s.apps.get(id)
	if ok {
		return a, nil
	}
	return s.loadApplication(ctx, id, gen)
}

func (s *Service) loadApplication(ctx context.Context, id snowflake.ID, gen uint64) (storage.Application, error) {
	a, err := s.store.Applications().Get(ctx, id)
	if err != nil {
		return a, err
	}
	s.apps.put(id, a, gen)
	return a, nil
}

// observeCaches drops cache entries an event (from this node or another) makes stale.
func (s *Service) observeCaches(ev events.Event) {
	if r, ok := RevocationOf(ev); ok {
		s.observeRevocation(r)
	}
	if autoModRuleEvent(ev.Name) {
		s.autoMod.invalidate(ev.GuildID)
	}
	if ev.Name == opcodes.EventUserUpdate {
		for _, id := range ev.UserIDs {
			s.users.invalidate(id)
		}
	}
}

// cacheEvent reports whether ev makes state cached by a Service stale: a guild's permission
// inputs (guild, role, channel, member and ban events) or a user (USER_UPDATE). On several
// nodes every node's Service must see these events, including nodes without a session that
// receives them: publish marks them Cache, so they go on events.CacheTopic. Token
// revocations (EventTokensRevoked) are among them.
func cacheEvent(ev events.Event) bool {
	if ev.Name == opcodes.EventUserUpdate || ev.Name == EventTokensRevoked || autoModRuleEvent(ev.Name) {
		return true
	}
	return ev.GuildID != 0 && changesGuildPerms(ev.Name)
}

// resetCaches drops every cached user, application and guild permission state, after a gap
// in the bus's stream (a lost connection to Redis), when invalidations from other nodes may
// have been missed.
func (s *Service) resetCaches() {
	s.perms.reset()
	s.users.reset()
	s.apps.reset()
	s.families.reset()
	s.autoMod.reset()
}

// autoModRuleEvent reports whether ev changes a guild's auto moderation rules, which every
// node caches compiled (guildRules).
func autoModRuleEvent(name opcodes.EventName) bool {
	return name == opcodes.EventAutoModRuleCreate || name == opcodes.EventAutoModRuleUpdate || name == opcodes.EventAutoModRuleDelete
}
