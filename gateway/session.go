package gateway

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// Session is an identified gateway session. It outlives its socket for ResumeWindow so a
// client can RESUME and get every dispatch it missed, in order. (The token pair a login
// returns is guilds.LoginTokens; one pair may identify many Sessions.)
type Session struct {
	srv *Server
	log *slog.Logger

	// Immutable after Identify.
	id             string
	userID         snowflake.ID
	bot            bool
	intents        opcodes.Intents
	shardID        int
	numShards      int
	largeThreshold int
	compress       bool // Identify compress:true (payload compression)

	// Guarded by mu.
	mu sync.Mutex
	// family is the TokenFamily of the token that identified or last resumed the session; its
	// revocation closes the session with 4004.
	family   string
	seq      int64         // last sequence number assigned; READY is 1
	replay   []replayEntry // dispatches after the client's last acknowledged seq, oldest first
	conn     *conn         // nil while detached
	guilds   map[snowflake.ID]struct{}
	starting bool       // READY/GUILD_CREATE still being sent; fan-out waits in held
	held     []*payload // fan-out dispatches that arrived while starting, at most ReplayBufferSize
	// heldOverflow: more than ReplayBufferSize dispatches arrived while starting. They were
	// dropped, so finishStart ends the session (see deliver).
	heldOverflow bool
	ended        bool
	// moved: another node resumed the session (takeover); ending it here must not delete the
	// replicated state or announce the user offline.
	moved bool
	// takeovers counts another node's takeover notices (see Server.takeover).
	takeovers int
	expiry    *time.Timer
	// membersAt is when this session last requested all members of a guild (op 8 limit).
	membersAt map[snowflake.ID]time.Time
	// voice is set once the session asked to join voice: its end must drop its voice states.
	voice atomic.Bool
	// The last socket's encoding and compression, labelling the session while resumable.
	everAttached  bool
	lastEnc       encoding
	lastTransport transport
}

// replayEntry is one sequenced dispatch kept for RESUME. p is shared with other sessions.
type replayEntry struct {
	seq int64
	p   *payload
}

// ID is the session_id clients resume with.
func (s *Session) ID() string { return s.id }

// UserID is the identified user (or bot).
func (s *Session) UserID() snowflake.ID { return s.userID }

func newSessionID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// send assigns the next seq to p, keeps it for replay and queues it on the attached socket.
// bounded is true on the fan-out path (see conn.enqueue).
func (s *Session) send(p *payload, bounded bool) {
	s.mu.Lock()
	s.sendLocked(p, bounded)
	s.mu.Unlock()
}

// deliver is the fan-out entry point: like send, but while READY and the initial
// GUILD_CREATEs are still being produced, events wait so they cannot overtake them.
func (s *Session) deliver(p *payload) {
	s.mu.Lock()
	if s.starting && !s.ended {
		// Held events are bounded like the replay buffer: past ReplayBufferSize a resume could
		// not recover them either. The excess is dropped and the session ends when the start
		// completes, so the client re-identifies and gets a consistent state (as after a
		// resume that needs more than the buffer), instead of this growing without limit
		// behind a slow Identify.
		if len(s.held) >= s.srv.cfg.ReplayBufferSize {
			if !s.heldOverflow {
				s.log.Warn("gateway: too many events while starting; the session will end", "held", len(s.held))
			}
			s.heldOverflow = true
			for i := range s.held {
				s.held[i] = nil
			}
			s.held = s.held[:0]
		}
		if !s.heldOverflow {
			s.held = append(s.held, p)
		}
	} else {
		s.sendLocked(p, true)
	}
	s.mu.Unlock()
}

func (s *Session) sendLocked(p *payload, bounded bool) {
	if s.ended {
		return
	}
	s.seq++
	s.replay = append(s.replay, replayEntry{seq: s.seq, p: p})
	if r := s.srv.repl; r != nil {
		r.frame(s, s.seq, p)
	}
	if len(s.replay) > s.srv.cfg.ReplayBufferSize {
		// The oldest unacknowledged dispatch is gone; a resume from before it must fail.
		s.replay[0] = replayEntry{}
		s.replay = s.replay[1:]
	}
	if s.conn == nil {
		return
	}
	if !s.conn.enqueue(frame{op: opcodes.Dispatch, seq: s.seq, p: p}, bounded) {
		// Slow consumer: cut it off resumably rather than slow everyone else down. The
		// dispatch is in the replay buffer, so nothing is lost if the client resumes.
		c := s.conn
		s.log.Warn("gateway: slow consumer, closing", "seq", s.seq)
		s.srv.metrics.event(metricSlowConsumer)
		s.detachLocked(c)
		c.kill(opcodes.CloseUnknownError, "slow consumer")
	}
}

// finishStart ends the starting phase, releasing held events in arrival order. It reports
// false if the session had to end instead (too many held events).
func (s *Session) finishStart() bool { return s.finishStartExcept(nil) }

// finishStartExcept is finishStart dropping held events whose frameKey is in seen: a
// cross-node resume already replayed them from the shared store.
func (s *Session) finishStartExcept(seen map[uint64]struct{}) bool {
	s.mu.Lock()
	s.starting = false
	if s.heldOverflow {
		s.held = nil
		c := s.conn
		s.mu.Unlock()
		// Resumable close code, but the session is gone: the resume gets op 9 and the
		// client identifies again.
		s.end()
		if c != nil {
			c.kill(opcodes.CloseUnknownError, "too many events while starting")
		}
		return false
	}
	for i, p := range s.held {
		if _, dup := seen[frameKey(string(p.name), p.json)]; dup {
			s.held[i] = nil
			continue
		}
		s.sendLocked(p, false)
		s.held[i] = nil
	}
	s.held = nil
	s.mu.Unlock()
	return true
}

// ack drops replay entries the client has confirmed through a heartbeat's d.
func (s *Session) ack(seq int64) {
	s.mu.Lock()
	if seq <= s.seq {
		i := 0
		for i < len(s.replay) && s.replay[i].seq <= seq {
			s.replay[i] = replayEntry{}
			i++
		}
		s.replay = s.replay[i:]
	}
	s.mu.Unlock()
}

// canReplayFromLocked reports whether every dispatch after seq is still buffered.
func (s *Session) canReplayFromLocked(seq int64) bool {
	if seq == s.seq {
		return true
	}
	return len(s.replay) > 0 && s.replay[0].seq <= seq+1
}

// detach releases c if it is still the session's socket and starts the resume window.
func (s *Session) detach(c *conn) {
	s.mu.Lock()
	s.detachLocked(c)
	s.mu.Unlock()
}

func (s *Session) detachLocked(c *conn) {
	if s.conn != c || c == nil || s.ended {
		return
	}
	s.conn = nil
	if s.expiry != nil {
		s.expiry.Stop()
	}
	s.expiry = time.AfterFunc(s.srv.cfg.ResumeWindow, s.expire)
}

// attachLocked makes c the session's socket and stops the resume clock.
func (s *Session) attachLocked(c *conn) {
	s.conn = c
	s.everAttached, s.lastEnc, s.lastTransport = true, c.enc, c.transport
	c.attached.Store(true)
	if s.expiry != nil {
		s.expiry.Stop()
		s.expiry = nil
	}
	c.payloadCompress.Store(s.compress)
}

// expire ends the session if it is still detached when the resume window closes.
func (s *Session) expire() {
	s.mu.Lock()
	if s.conn != nil || s.ended {
		s.mu.Unlock()
		return
	}
	s.mu.Unlock()
	s.end()
}

// endIfAttached ends the session if c is its socket (a client close 1000/1001). A socket the
// session already left, after op 7 or a takeover, cannot end it.
func (s *Session) endIfAttached(c *conn) {
	s.mu.Lock()
	attached := s.conn == c
	s.mu.Unlock()
	if attached {
		s.end()
	}
}

// end invalidates the session: no resume, no more dispatches.
func (s *Session) end() {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return
	}
	s.ended = true
	moved := s.moved
	s.conn = nil
	s.replay = nil
	s.held = nil
	if s.expiry != nil {
		s.expiry.Stop()
		s.expiry = nil
	}
	gs := make([]snowflake.ID, 0, len(s.guilds))
	for g := range s.guilds {
		gs = append(gs, g)
	}
	s.mu.Unlock()
	s.srv.hub.remove(s, gs)
	if err := s.srv.store.Delete(context.Background(), s.id); err != nil {
		s.log.Warn("gateway: delete session", "err", err)
	}
	if r := s.srv.repl; r != nil && !moved {
		r.ended(s)
	}
	if moved {
		return // the session lives on another node: its voice state and presence too
	}
	if s.voice.Load() {
		// Discord drops voice with the gateway session: the guilds see channel_id null.
		if err := s.srv.svc.EndVoiceSession(context.Background(), s.id); err != nil {
			s.log.Warn("gateway: end voice session", "err", err)
		}
	}
	s.srv.sessionEnded(s)
}

// hasGuild reports whether the session currently receives guildID's events.
func (s *Session) hasGuild(guildID snowflake.ID) bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	_, ok := s.guilds[guildID]
	return ok
}

// guildList returns the session's guilds.
func (s *Session) guildList() []snowflake.ID {
	s.mu.Lock()
	defer s.mu.Unlock()
	out := make([]snowflake.ID, 0, len(s.guilds))
	for g := range s.guilds {
		out = append(out, g)
	}
	return out
}

// addGuild subscribes the session to a guild; false if it already had it or has ended.
func (s *Session) addGuild(guildID snowflake.ID) bool {
	s.mu.Lock()
	if s.ended {
		s.mu.Unlock()
		return false
	}
	if _, ok := s.guilds[guildID]; ok {
		s.mu.Unlock()
		return false
	}
	s.guilds[guildID] = struct{}{}
	s.mu.Unlock()
	if r := s.srv.repl; r != nil {
		r.state(s)
	}
	s.srv.hub.addGuild(s, guildID)
	return true
}

// dropGuild unsubscribes the session from a guild; false if it did not have it.
func (s *Session) dropGuild(guildID snowflake.ID) bool {
	s.mu.Lock()
	if _, ok := s.guilds[guildID]; !ok {
		s.mu.Unlock()
		return false
	}
	delete(s.guilds, guildID)
	s.mu.Unlock()
	if r := s.srv.repl; r != nil {
		r.state(s)
	}
	s.srv.hub.removeGuild(s, guildID)
	return true
}

// routes reports whether guildID's events belong to this session's shard; guild-less events
// (DMs, user events) go to shard 0 only.
func (s *Session) routes(guildID snowflake.ID) bool {
	return shardFor(guildID, s.numShards) == s.shardID
}

// shardFor is Discord's routing formula.
func shardFor(guildID snowflake.ID, numShards int) int {
	if guildID == 0 || numShards <= 1 {
		return 0
	}
	return int((uint64(guildID) >> 22) % uint64(numShards))
}

// ErrSessionNotFound is returned by a SessionStore for unknown or expired sessions.
var ErrSessionNotFound = errors.New("gateway: session not found")

// SessionStore keeps this node's live sessions by ID (socket, replay buffer, subscriptions).
// What another node needs to resume one of them is replicated separately, to
// Config.Shared (see replicate.go); without it, READY's resume_gateway_url must be the node's
// own URL so that clients resume where their session lives (see "Several nodes" in doc.go).
type SessionStore interface {
	// Put registers a new session.
	Put(ctx context.Context, s *Session) error
	// Get returns the session or ErrSessionNotFound.
	Get(ctx context.Context, id string) (*Session, error)
	// Delete forgets a session; deleting an unknown ID is not an error.
	Delete(ctx context.Context, id string) error
}

// MemorySessionStore is a SessionStore for a single node.
type MemorySessionStore struct {
	mu sync.Mutex
	m  map[string]*Session
}

// NewMemorySessionStore returns an empty store.
func NewMemorySessionStore() *MemorySessionStore {
	return &MemorySessionStore{m: make(map[string]*Session)}
}

// Put implements SessionStore.
func (m *MemorySessionStore) Put(_ context.Context, s *Session) error {
	m.mu.Lock()
	m.m[s.id] = s
	m.mu.Unlock()
	return nil
}

// Get implements SessionStore.
func (m *MemorySessionStore) Get(_ context.Context, id string) (*Session, error) {
	m.mu.Lock()
	s, ok := m.m[id]
	m.mu.Unlock()
	if !ok {
		return nil, ErrSessionNotFound
	}
	return s, nil
}

// all lists the sessions, for the sessions gauge.
func (m *MemorySessionStore) all() []*Session {
	m.mu.Lock()
	defer m.mu.Unlock()
	out := make([]*Session, 0, len(m.m))
	for _, s := range m.m {
		out = append(out, s)
	}
	return out
}

// Delete implements SessionStore.
func (m *MemorySessionStore) Delete(_ context.Context, id string) error {
	m.mu.Lock()
	delete(m.m, id)
	m.mu.Unlock()
	return nil
}
