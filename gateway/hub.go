package gateway

import (
	"sync"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/snowflake"
)

// hubShards spreads the session index over independent locks (centrifuge's hub uses 64 too),
// so fan-out in one guild does not contend with identify/resume in another.
const hubShards = 64

// hub indexes live and resumable sessions by guild and by user. It holds a bus subscription
// per guild and per user with sessions on this node: the first session subscribes, the last
// one to leave unsubscribes.
type hub struct {
	bus    events.Broker
	shards [hubShards]hubShard
}

type hubShard struct {
	mu     sync.RWMutex
	guilds map[snowflake.ID]map[*Session]struct{}
	users  map[snowflake.ID]map[*Session]struct{}
}

func newHub(b events.Broker) *hub {
	h := &hub{bus: b}
	for i := range h.shards {
		h.shards[i].guilds = make(map[snowflake.ID]map[*Session]struct{})
		h.shards[i].users = make(map[snowflake.ID]map[*Session]struct{})
	}
	return h
}

// shard picks a shard with a multiplicative hash: snowflakes' low bits are a counter and
// their high bits a timestamp, neither spreads well alone.
func (h *hub) shard(id snowflake.ID) *hubShard {
	return &h.shards[(uint64(id)*0x9E3779B97F4A7C15)>>58]
}

// add indexes a new session under its user and guilds.
func (h *hub) add(s *Session, guildIDs []snowflake.ID) {
	sh := h.shard(s.userID)
	sh.mu.Lock()
	set := sh.users[s.userID]
	if set == nil {
		set = make(map[*Session]struct{})
		sh.users[s.userID] = set
		h.bus.Subscribe(events.Topic{Kind: events.TopicUser, ID: s.userID})
	}
	set[s] = struct{}{}
	sh.mu.Unlock()
	for _, g := range guildIDs {
		h.addGuild(s, g)
	}
}

// addGuild indexes s under guildID.
func (h *hub) addGuild(s *Session, guildID snowflake.ID) {
	sh := h.shard(guildID)
	sh.mu.Lock()
	set := sh.guilds[guildID]
	if set == nil {
		set = make(map[*Session]struct{})
		sh.guilds[guildID] = set
		h.bus.Subscribe(events.Topic{Kind: events.TopicGuild, ID: guildID})
	}
	set[s] = struct{}{}
	sh.mu.Unlock()
}

// removeGuild drops s from guildID's index.
func (h *hub) removeGuild(s *Session, guildID snowflake.ID) {
	sh := h.shard(guildID)
	sh.mu.Lock()
	if set := sh.guilds[guildID]; set != nil {
		delete(set, s)
		if len(set) == 0 {
			delete(sh.guilds, guildID)
			h.bus.Unsubscribe(events.Topic{Kind: events.TopicGuild, ID: guildID})
		}
	}
	sh.mu.Unlock()
}

// remove drops an ended session everywhere.
func (h *hub) remove(s *Session, guildIDs []snowflake.ID) {
	for _, g := range guildIDs {
		h.removeGuild(s, g)
	}
	sh := h.shard(s.userID)
	sh.mu.Lock()
	if set := sh.users[s.userID]; set != nil {
		delete(set, s)
		if len(set) == 0 {
			delete(sh.users, s.userID)
			h.bus.Unsubscribe(events.Topic{Kind: events.TopicUser, ID: s.userID})
		}
	}
	sh.mu.Unlock()
}

// guildSessions snapshots guildID's sessions, so callers filter and send without the lock.
func (h *hub) guildSessions(guildID snowflake.ID) []*Session {
	sh := h.shard(guildID)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	set := sh.guilds[guildID]
	out := make([]*Session, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	return out
}

// userSessions snapshots userID's sessions.
func (h *hub) userSessions(userID snowflake.ID) []*Session {
	sh := h.shard(userID)
	sh.mu.RLock()
	defer sh.mu.RUnlock()
	set := sh.users[userID]
	out := make([]*Session, 0, len(set))
	for s := range set {
		out = append(out, s)
	}
	return out
}

// stopTimers ends every session's resume clock (Shutdown: the process is going away).
func (h *hub) stopTimers() {
	for i := range h.shards {
		sh := &h.shards[i]
		sh.mu.RLock()
		for _, set := range sh.users {
			for s := range set {
				s.mu.Lock()
				if s.expiry != nil {
					s.expiry.Stop()
				}
				s.mu.Unlock()
			}
		}
		sh.mu.RUnlock()
	}
}
