package gateway

import (
	"context"
	"encoding/json"
	"hash/maphash"
	"sync"
	"time"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// eventSessionTakeover is the internal bus event a node publishes on a user's topic when it
// resumes one of that user's sessions that another node served: the old node, if alive,
// closes the socket and forgets the session. Never sent to clients.
const eventSessionTakeover opcodes.EventName = "PARLEY_SESSION_TAKEOVER"

type takeoverData struct {
	SessionID string `json:"session_id"`
	Node      string `json:"node"`
	// Topics is how many notices were published: one on the user's topic and one on each of
	// the session's guilds. Events keep their order per topic only, so the old node has every
	// event published before the takeover once it got the notice on every topic.
	Topics int `json:"topics"`
}

// replicator copies this node's sessions to the shared SessionStore, write-behind: the hot
// path (Session.sendLocked) appends the frame to a pending batch under one short lock, and a
// goroutine writes every pending change in one SessionStore.Write (one Redis pipeline) per
// flush interval. No network round trip happens per dispatch.
//
// The window this leaves: a dispatch is in the shared store at most one flush interval (plus
// the write's duration) after it was sent. A RESUME on another node first claims the session
// (which fences this node's later writes out), then loads it: if the client's seq is beyond
// what the store holds, or the frames it needs were trimmed, the answer is op 9 — a gap is
// never silent.
type replicator struct {
	srv      *Server
	store    events.SessionStore
	node     string
	interval time.Duration

	mu      sync.Mutex // a leaf lock, taken under Session.mu
	pending map[*Session]*pendingWrite

	stop     chan struct{}
	stopOnce sync.Once
	done     chan struct{}
}

type pendingWrite struct {
	state  bool // the state (guild set, family) changed: write it whole
	del    bool // the session ended here: delete it from the store
	frames []events.SessionFrame
}

func newReplicator(srv *Server, store events.SessionStore, node string, interval time.Duration) *replicator {
	r := &replicator{srv: srv, store: store, node: node, interval: interval,
		pending: make(map[*Session]*pendingWrite), stop: make(chan struct{}), done: make(chan struct{})}
	go r.run()
	return r
}

func (r *replicator) pendingLocked(s *Session) *pendingWrite {
	w := r.pending[s]
	if w == nil {
		w = &pendingWrite{}
		r.pending[s] = w
	}
	return w
}

// frame queues one sequenced dispatch. Called under s.mu.
func (r *replicator) frame(s *Session, seq int64, p *payload) {
	r.mu.Lock()
	w := r.pendingLocked(s)
	w.frames = append(w.frames, events.SessionFrame{Seq: seq, Name: string(p.name), Data: p.json})
	r.mu.Unlock()
}

// state queues a full state write (identify, resume, guild set change, TTL refresh).
func (r *replicator) state(s *Session) {
	r.mu.Lock()
	r.pendingLocked(s).state = true
	r.mu.Unlock()
}

// create writes a new session's state at once, on the Identify path (one round trip per
// Identify, none per dispatch): another node can then resume it however soon the client
// comes back, instead of answering op 9 until the first flush.
func (r *replicator) create(ctx context.Context, s *Session) {
	st, ok := s.snapshot()
	if !ok {
		return
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := r.store.Write(wctx, []events.SessionWrite{{ID: s.id, Owner: r.node, State: &st}}); err != nil {
		r.srv.log.Warn("gateway: replicate new session", "err", err)
		r.state(s) // retried with the next flush
	}
}

// ended queues the session's deletion (it ended on this node) and drops what was pending.
func (r *replicator) ended(s *Session) {
	r.mu.Lock()
	w := r.pendingLocked(s)
	w.frames, w.state, w.del = nil, false, true
	r.mu.Unlock()
}

func (r *replicator) run() {
	defer close(r.done)
	t := time.NewTicker(r.interval)
	defer t.Stop()
	refresh := time.NewTicker(max(r.srv.cfg.ResumeWindow/3, r.interval))
	defer refresh.Stop()
	for {
		select {
		case <-r.stop:
			r.flush()
			return
		case <-refresh.C:
			// Keep live sessions' keys from expiring: the store's TTL is the resume window,
			// counted from the last write.
			if m, ok := r.srv.store.(*MemorySessionStore); ok {
				for _, s := range m.all() {
					r.state(s)
				}
			}
		case <-t.C:
			r.flush()
		}
	}
}

// flush writes everything pending in one batch.
func (r *replicator) flush() {
	r.mu.Lock()
	if len(r.pending) == 0 {
		r.mu.Unlock()
		return
	}
	batch := r.pending
	r.pending = make(map[*Session]*pendingWrite, len(batch))
	r.mu.Unlock()
	ws := make([]events.SessionWrite, 0, len(batch))
	var dels []string
	for s, w := range batch {
		if w.del {
			dels = append(dels, s.id)
			continue
		}
		sw := events.SessionWrite{ID: s.id, Owner: r.node, Frames: w.frames}
		if w.state {
			st, ok := s.snapshot()
			if !ok {
				continue
			}
			sw.State = &st
		}
		ws = append(ws, sw)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := r.store.Write(ctx, ws); err != nil {
		r.srv.log.Warn("gateway: replicate sessions", "sessions", len(ws), "err", err)
	}
	for _, id := range dels {
		if err := r.store.Delete(ctx, id, r.node); err != nil {
			r.srv.log.Warn("gateway: delete replicated session", "err", err)
		}
	}
}

// close flushes what is pending and stops the goroutine.
func (r *replicator) close() {
	r.stopOnce.Do(func() { close(r.stop) })
	<-r.done
}

// snapshot is the session's replicated state; false once it ended or moved.
func (s *Session) snapshot() (events.SessionState, bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.ended {
		return events.SessionState{}, false
	}
	gs := make([]snowflake.ID, 0, len(s.guilds))
	for g := range s.guilds {
		gs = append(gs, g)
	}
	return events.SessionState{
		ID: s.id, UserID: s.userID, Bot: s.bot, Intents: uint64(s.intents),
		ShardID: s.shardID, NumShards: s.numShards, LargeThreshold: s.largeThreshold,
		Compress: s.compress, Family: s.family, Guilds: gs,
	}, true
}

var dedupSeed = maphash.MakeSeed()

// frameKey identifies a dispatch by its name and bytes, to drop a live event the replay
// already sent (see resumeRemote).
func frameKey(name string, data []byte) uint64 {
	var h maphash.Hash
	h.SetSeed(dedupSeed)
	h.WriteString(name)
	h.WriteByte(0)
	h.Write(data)
	return h.Sum64()
}

// takeover handles another node's takeover notices. The first closes the socket (the session
// keeps recording what arrives); once the notice came on every topic of the session (see
// takeoverData.Topics), every event published before it has been recorded, so the pending
// frames are written, the session handed over (Claim for the new node, which waits for it)
// and forgotten here.
func (s *Server) takeover(ev events.Event) {
	var d takeoverData
	if json.Unmarshal(ev.Data, &d) != nil || s.repl == nil || d.Node == s.repl.node {
		return
	}
	sess, err := s.store.Get(context.Background(), d.SessionID)
	if err != nil {
		return
	}
	sess.mu.Lock()
	sess.takeovers++
	first, all := sess.takeovers == 1, sess.takeovers >= d.Topics
	c := sess.conn
	if first && c != nil {
		sess.detachLocked(c)
	}
	if all {
		sess.moved = true
	}
	sess.mu.Unlock()
	if first && c != nil {
		c.kill(opcodes.CloseUnknownError, "session resumed on another node")
	}
	if all {
		sess.end() // no more frames: ended sessions send nothing
		s.repl.handOver(sess, d.Node)
		sess.log.Debug("gateway: session taken over", "node", d.Node)
	}
}

// handOver writes s's pending frames at once and makes node its owner.
func (r *replicator) handOver(s *Session, node string) {
	r.mu.Lock()
	w := r.pending[s]
	delete(r.pending, s)
	r.mu.Unlock()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if w != nil && len(w.frames) > 0 {
		if err := r.store.Write(ctx, []events.SessionWrite{{ID: s.id, Owner: r.node, Frames: w.frames}}); err != nil {
			r.srv.log.Warn("gateway: hand over session", "err", err)
		}
	}
	if _, err := r.store.Claim(ctx, s.id, node); err != nil {
		r.srv.log.Warn("gateway: hand over session", "err", err)
	}
}
