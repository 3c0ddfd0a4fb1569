package gateway

import (
	"context"
	"errors"
	"sync"
	"sync/atomic"

	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// errNoShared stands for "no shared store configured": the local answer is used.
var errNoShared = errors.New("gateway: no shared store")

// PresenceStore keeps the presences (Identify's and op 3's) of users connected to this node,
// for GUILD_CREATE and GUILD_MEMBERS_CHUNK presences. Discord shows one presence per user
// whatever gateway server holds the session, so a cluster shares one store
// (redisbus.Presences); a single node uses MemoryPresences.
type PresenceStore interface {
	// SetPresence records that this node holds a session of userID with presence d.
	SetPresence(ctx context.Context, userID snowflake.ID, d opcodes.PresenceUpdateData) error
	// Presences returns the stored presences of those of userIDs that have one.
	Presences(ctx context.Context, userIDs []snowflake.ID) (map[snowflake.ID]opcodes.PresenceUpdateData, error)
	// ClearPresence records that this node holds no more sessions of userID. It reports
	// whether the user had a presence and now has no session on any node (it went offline).
	ClearPresence(ctx context.Context, userID snowflake.ID) (offline bool, err error)
}

// MemoryPresences is the PresenceStore of one node.
type MemoryPresences struct {
	mu sync.RWMutex
	m  map[snowflake.ID]opcodes.PresenceUpdateData
}

// NewMemoryPresences returns an empty store.
func NewMemoryPresences() *MemoryPresences {
	return &MemoryPresences{m: make(map[snowflake.ID]opcodes.PresenceUpdateData)}
}

// SetPresence implements PresenceStore.
func (p *MemoryPresences) SetPresence(_ context.Context, userID snowflake.ID, d opcodes.PresenceUpdateData) error {
	p.mu.Lock()
	p.m[userID] = d
	p.mu.Unlock()
	return nil
}

// Presences implements PresenceStore.
func (p *MemoryPresences) Presences(_ context.Context, userIDs []snowflake.ID) (map[snowflake.ID]opcodes.PresenceUpdateData, error) {
	out := make(map[snowflake.ID]opcodes.PresenceUpdateData)
	p.mu.RLock()
	for _, id := range userIDs {
		if d, ok := p.m[id]; ok {
			out[id] = d
		}
	}
	p.mu.RUnlock()
	return out, nil
}

// ClearPresence implements PresenceStore.
func (p *MemoryPresences) ClearPresence(_ context.Context, userID snowflake.ID) (bool, error) {
	p.mu.Lock()
	_, ok := p.m[userID]
	delete(p.m, userID)
	p.mu.Unlock()
	return ok, nil
}

// presenceStore is the Server's view of presences: the configured shared store, with this
// node's own MemoryPresences kept alongside so that, when the shared store fails (Redis does
// not answer), presences fall back to this node's users, with one log line.
type presenceStore struct {
	cfg      Config
	shared   PresenceStore // nil: local only
	local    *MemoryPresences
	degraded atomic.Bool
}

func newPresenceStore(cfg Config) *presenceStore {
	return &presenceStore{cfg: cfg, shared: cfg.Presences, local: NewMemoryPresences()}
}

func (p *presenceStore) set(ctx context.Context, userID snowflake.ID, d opcodes.PresenceUpdateData) {
	_ = p.local.SetPresence(ctx, userID, d)
	if p.shared != nil {
		p.check(p.shared.SetPresence(ctx, userID, d))
	}
}

func (p *presenceStore) getMany(ctx context.Context, userIDs []snowflake.ID) map[snowflake.ID]opcodes.PresenceUpdateData {
	if len(userIDs) == 0 {
		return nil
	}
	if p.shared != nil {
		m, err := p.shared.Presences(ctx, userIDs)
		if p.check(err) {
			return m
		}
	}
	m, _ := p.local.Presences(ctx, userIDs)
	return m
}

// clear reports whether the user went offline (see PresenceStore.ClearPresence).
func (p *presenceStore) clear(ctx context.Context, userID snowflake.ID) bool {
	had, _ := p.local.ClearPresence(ctx, userID)
	if p.shared != nil {
		offline, err := p.shared.ClearPresence(ctx, userID)
		if p.check(err) {
			return offline
		}
	}
	return had
}

// check logs the shared store's failures and recoveries once each; it reports whether err
// is nil.
func (p *presenceStore) check(err error) bool {
	if err != nil {
		if !p.degraded.Swap(true) {
			p.cfg.Logger.Warn("gateway: shared presence store does not answer; presences are per node until it does", "err", err)
		}
		return false
	}
	if p.degraded.Load() && p.degraded.Swap(false) {
		p.cfg.Logger.Info("gateway: shared presence store answers again; presences are shared across nodes")
	}
	return true
}
