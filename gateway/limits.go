package gateway

import (
	"sync"
	"time"

	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// identifyLimiter enforces, per bot, max_concurrency Identifies per IdentifyInterval (bucketed
// by shard_id % max_concurrency) and the daily session start budget. In memory, per node.
type identifyLimiter struct {
	cfg Config
	mu  sync.Mutex
	m   map[snowflake.ID]*identifyState
}

type identifyState struct {
	buckets     map[int]time.Time // bucket → last Identify
	windowStart time.Time
	used        int
}

func newIdentifyLimiter(cfg Config) *identifyLimiter {
	return &identifyLimiter{cfg: cfg, m: make(map[snowflake.ID]*identifyState)}
}

// allow records an Identify for userID on shardID if both limits permit it.
func (l *identifyLimiter) allow(userID snowflake.ID, shardID int) bool {
	if l.cfg.IdentifyLimitsOff {
		return true
	}
	now := l.cfg.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	st := l.m[userID]
	if st == nil {
		st = &identifyState{buckets: make(map[int]time.Time)}
		l.m[userID] = st
	}
	if st.windowStart.IsZero() || now.Sub(st.windowStart) >= l.cfg.SessionStartWindow {
		st.windowStart, st.used = now, 0
	}
	if st.used >= l.cfg.SessionStartLimit {
		return false
	}
	key := shardID % l.cfg.MaxConcurrency
	if last, ok := st.buckets[key]; ok && now.Sub(last) < l.cfg.IdentifyInterval {
		return false
	}
	st.buckets[key] = now
	st.used++
	return true
}

// snapshot reports session_start_limit for GET /gateway/bot. With the limits off nothing is
// counted, so it always reports the whole budget: remaining > 0 and max_concurrency ≥ 1, as
// libraries require.
func (l *identifyLimiter) snapshot(userID snowflake.ID) (total, remaining int, resetAfter time.Duration, maxConcurrency int) {
	now := l.cfg.Now()
	l.mu.Lock()
	defer l.mu.Unlock()
	total, remaining, maxConcurrency = l.cfg.SessionStartLimit, l.cfg.SessionStartLimit, l.cfg.MaxConcurrency
	resetAfter = l.cfg.SessionStartWindow
	if st := l.m[userID]; st != nil && now.Sub(st.windowStart) < l.cfg.SessionStartWindow {
		remaining = max(0, total-st.used)
		resetAfter = st.windowStart.Add(l.cfg.SessionStartWindow).Sub(now)
	}
	return total, remaining, resetAfter, maxConcurrency
}

// presenceStore keeps each connected user's last presence (op 3 or Identify), for
// GUILD_CREATE and GUILD_MEMBERS_CHUNK presences.
type presenceStore struct {
	mu sync.RWMutex
	m  map[snowflake.ID]opcodes.PresenceUpdateData
}

func newPresenceStore() *presenceStore {
	return &presenceStore{m: make(map[snowflake.ID]opcodes.PresenceUpdateData)}
}

func (p *presenceStore) set(userID snowflake.ID, d opcodes.PresenceUpdateData) {
	p.mu.Lock()
	p.m[userID] = d
	p.mu.Unlock()
}

func (p *presenceStore) get(userID snowflake.ID) (opcodes.PresenceUpdateData, bool) {
	p.mu.RLock()
	d, ok := p.m[userID]
	p.mu.RUnlock()
	return d, ok
}

func (p *presenceStore) clear(userID snowflake.ID) {
	p.mu.Lock()
	delete(p.m, userID)
	p.mu.Unlock()
}

// presenceFor renders a stored presence as Discord's presence object in a guild.
func presenceFor(userID, guildID snowflake.ID, d opcodes.PresenceUpdateData) opcodes.Presence {
	acts := d.Activities
	if acts == nil {
		acts = []opcodes.Activity{}
	}
	status := d.Status
	if status == "invisible" {
		status = "offline"
	}
	p := opcodes.Presence{User: opcodes.PartialUser{ID: userID}, GuildID: guildID, Status: status, Activities: acts}
	if status != "offline" {
		p.ClientStatus.Desktop = status
	}
	return p
}

// statsTable counts Identifies and Resumes per user for the test controls.
type statsTable struct {
	mu sync.Mutex
	m  map[snowflake.ID]*userStats
}

type userStats struct{ identifies, resumes int }

func newStatsTable() *statsTable { return &statsTable{m: make(map[snowflake.ID]*userStats)} }

func (t *statsTable) add(userID snowflake.ID, identify bool) {
	t.mu.Lock()
	st := t.m[userID]
	if st == nil {
		st = &userStats{}
		t.m[userID] = st
	}
	if identify {
		st.identifies++
	} else {
		st.resumes++
	}
	t.mu.Unlock()
}

func (t *statsTable) get(userID snowflake.ID) (identifies, resumes int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if st := t.m[userID]; st != nil {
		return st.identifies, st.resumes
	}
	return 0, 0
}
