package events

import (
	"context"
	"errors"
	"sync"
	"time"

	"github.com/parley-chat/parley/snowflake"
)

// ErrNoSession is returned by a SessionStore for a session it does not hold (never saved,
// deleted, or expired past its resume window).
var ErrNoSession = errors.New("events: session not found")

// SessionState is the part of a gateway session another node needs to resume it: who it is,
// what it receives, and which node owns it. The gateway defines its meaning; a SessionStore
// keeps it opaque apart from Owner.
type SessionState struct {
	ID             string         `json:"id"`
	UserID         snowflake.ID   `json:"user_id"`
	Bot            bool           `json:"bot"`
	Intents        uint64         `json:"intents"`
	ShardID        int            `json:"shard_id"`
	NumShards      int            `json:"num_shards"`
	LargeThreshold int            `json:"large_threshold"`
	Compress       bool           `json:"compress"`
	Family         string         `json:"family"`
	Guilds         []snowflake.ID `json:"guilds"`
	// Owner is the node that serves the session. Writes from any other node are ignored
	// (fencing): after a takeover the old node cannot add frames behind the new one's back.
	Owner string `json:"owner"`
}

// SessionFrame is one sequenced dispatch of a session's replay buffer: its event name and d
// as sent, so any node can send it again unchanged.
type SessionFrame struct {
	Seq  int64  `json:"s"`
	Name string `json:"t"`
	Data []byte `json:"d"`
}

// SessionWrite is one session's share of a replicator flush: a new state (nil: unchanged)
// and frames appended since the last flush, oldest first.
type SessionWrite struct {
	ID     string
	Owner  string
	State  *SessionState
	Frames []SessionFrame
}

// SessionStore keeps resumable gateway sessions where every node can read them.
//
// Contract (eventstest.SessionStore checks it against every implementation):
//   - Write applies a batch in one round trip. A write whose Owner is not the session's
//     current owner is dropped (the session moved); a write with State creates the session.
//     At most Limit frames are kept per session (the oldest go first), and a session expires
//     TTL after its last write.
//   - Load returns the state, the newest frame's seq (0 if none were ever written) and the
//     frames kept, oldest first.
//   - Claim makes owner the session's owner and returns the previous one; Owner reads it.
//   - Delete removes the session if owner still owns it.
type SessionStore interface {
	Write(ctx context.Context, ws []SessionWrite) error
	Load(ctx context.Context, id string) (SessionState, int64, []SessionFrame, error)
	Claim(ctx context.Context, id, owner string) (prev string, err error)
	Owner(ctx context.Context, id string) (string, error)
	Delete(ctx context.Context, id, owner string) error
}

// SessionLimits bound what a SessionStore keeps: Limit frames per session, TTL after the
// last write.
type SessionLimits struct {
	Limit int
	TTL   time.Duration
}

// MemorySessions is a SessionStore in this process's memory: for one node, and for tests of
// several gateways in one process.
type MemorySessions struct {
	lim SessionLimits
	now func() time.Time

	mu sync.Mutex
	m  map[string]*memSession
}

type memSession struct {
	state   SessionState
	last    int64
	frames  []SessionFrame
	expires time.Time
}

// NewMemorySessions returns an empty store. now may be nil (time.Now).
func NewMemorySessions(lim SessionLimits, now func() time.Time) *MemorySessions {
	if now == nil {
		now = time.Now
	}
	return &MemorySessions{lim: lim, now: now, m: make(map[string]*memSession)}
}

func (m *MemorySessions) getLocked(id string) *memSession {
	s := m.m[id]
	if s != nil && !m.now().Before(s.expires) {
		delete(m.m, id)
		return nil
	}
	return s
}

// Write implements SessionStore.
func (m *MemorySessions) Write(_ context.Context, ws []SessionWrite) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, w := range ws {
		s := m.getLocked(w.ID)
		if s == nil {
			if w.State == nil {
				continue
			}
			s = &memSession{}
			m.m[w.ID] = s
		} else if s.state.Owner != w.Owner {
			continue
		}
		if w.State != nil {
			s.state = *w.State
			s.state.Guilds = append([]snowflake.ID(nil), w.State.Guilds...)
			s.state.Owner = w.Owner
		}
		for _, f := range w.Frames {
			f.Data = append([]byte(nil), f.Data...)
			s.frames = append(s.frames, f)
			s.last = f.Seq
		}
		if over := len(s.frames) - m.lim.Limit; m.lim.Limit > 0 && over > 0 {
			s.frames = append([]SessionFrame(nil), s.frames[over:]...)
		}
		s.expires = m.now().Add(m.lim.TTL)
	}
	return nil
}

// Load implements SessionStore.
func (m *MemorySessions) Load(_ context.Context, id string) (SessionState, int64, []SessionFrame, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.getLocked(id)
	if s == nil {
		return SessionState{}, 0, nil, ErrNoSession
	}
	st := s.state
	st.Guilds = append([]snowflake.ID(nil), s.state.Guilds...)
	return st, s.last, append([]SessionFrame(nil), s.frames...), nil
}

// Claim implements SessionStore.
func (m *MemorySessions) Claim(_ context.Context, id, owner string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.getLocked(id)
	if s == nil {
		return "", ErrNoSession
	}
	prev := s.state.Owner
	s.state.Owner = owner
	return prev, nil
}

// Owner implements SessionStore.
func (m *MemorySessions) Owner(_ context.Context, id string) (string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	s := m.getLocked(id)
	if s == nil {
		return "", ErrNoSession
	}
	return s.state.Owner, nil
}

// Delete implements SessionStore.
func (m *MemorySessions) Delete(_ context.Context, id, owner string) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	if s := m.getLocked(id); s != nil && s.state.Owner == owner {
		delete(m.m, id)
	}
	return nil
}
