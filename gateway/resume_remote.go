package gateway

import (
	"errors"
	"fmt"
	"time"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// resumeURL is READY's resume_gateway_url: the cluster's URL when configured, else this
// node's.
func (c *conn) resumeURL() string {
	if c.srv.cfg.ResumeURL != "" {
		return c.srv.cfg.ResumeURL
	}
	return c.publicURL
}

// resumeRemote resumes a session this node does not hold from the shared store. The order
// keeps every event: subscribe the session's topics and wait until they deliver (live events
// are held from then on), ask the old owner to close its socket, flush and hand the session
// over (or claim it when the old node does not answer), load the frames, replay
// the missed ones, then release the held live events minus those the replay already sent.
// Op 9 when the store does not hold every frame after the client's seq.
//
// The hand-over replaces a race: without it, an event the old node received but had not yet
// flushed when this node claimed the session, and published before this node subscribed,
// would be in neither the frames nor the held events.
func (c *conn) resumeRemote(token, id string, seq int64, invalid func() error) error {
	ctx := c.srv.ctx
	repl := c.srv.repl
	st, _, _, err := repl.store.Load(ctx, id)
	if errors.Is(err, events.ErrNoSession) {
		return invalid()
	}
	if err != nil {
		return fmt.Errorf("resume: load shared session: %w", err)
	}
	ident, err := c.srv.svc.Authenticate(ctx, token)
	if errors.Is(err, guilds.ErrUnauthorized) {
		return closeErr(opcodes.CloseAuthenticationFailed, "authentication failed")
	}
	if err != nil {
		return fmt.Errorf("resume: authenticate: %w", err)
	}
	if ident.UserID != st.UserID || st.Owner == repl.node {
		// Another user's session, or one this node owned and already ended.
		return invalid()
	}
	s := &Session{
		srv:            c.srv,
		id:             st.ID,
		userID:         st.UserID,
		bot:            st.Bot,
		intents:        opcodes.Intents(st.Intents),
		shardID:        st.ShardID,
		numShards:      max(st.NumShards, 1),
		largeThreshold: st.LargeThreshold,
		compress:       st.Compress,
		guilds:         make(map[snowflake.ID]struct{}, len(st.Guilds)),
		starting:       true,
		family:         ident.TokenFamily,
	}
	s.log = c.srv.log.With("session_id", s.id, "user_id", s.userID)
	for _, g := range st.Guilds {
		s.guilds[g] = struct{}{}
	}
	s.mu.Lock()
	s.attachLocked(c)
	s.mu.Unlock()
	c.srv.hub.add(s, st.Guilds)
	c.srv.waitSubscribed(ctx, s.userID, st.Guilds)
	fail := func() error {
		s.mu.Lock()
		s.moved = true // the state in the store is not ours to delete unless claimed
		s.mu.Unlock()
		s.end()
		return invalid()
	}
	// Ask the old node to hand over: it writes what it still has pending and makes this node
	// the owner. The notice goes on every topic of the session, so events published before it
	// reached the old node first (order is kept per topic); later ones are held here. A node that does not answer within HandOverTimeout is taken as dead: what it did
	// not flush is lost, and a client that saw it gets op 9 below.
	notice := takeoverData{SessionID: id, Node: repl.node, Topics: 1 + len(st.Guilds)}
	c.srv.publish(ctx, events.Event{Name: eventSessionTakeover, UserIDs: []snowflake.ID{s.userID}}, notice)
	for _, g := range st.Guilds {
		c.srv.publish(ctx, events.Event{Name: eventSessionTakeover, GuildID: g}, notice)
	}
	handed := false
	for deadline := time.Now().Add(c.srv.cfg.HandOverTimeout); ; {
		owner, err := repl.store.Owner(ctx, id)
		if errors.Is(err, events.ErrNoSession) {
			return fail()
		}
		if err == nil && owner == repl.node {
			handed = true
			break
		}
		if !time.Now().Before(deadline) {
			break
		}
		time.Sleep(c.srv.cfg.ReplicateInterval)
	}
	prev := st.Owner
	if !handed {
		if _, err := repl.store.Claim(ctx, id, repl.node); errors.Is(err, events.ErrNoSession) {
			return fail()
		} else if err != nil {
			s.end()
			return fmt.Errorf("resume: claim shared session: %w", err)
		}
	}
	_, last, frames, err := repl.store.Load(ctx, id)
	if err != nil {
		s.end()
		return fmt.Errorf("resume: reload shared session: %w", err)
	}
	// The client saw frames the store never got (the old node died before its flush), or
	// needs frames the buffer no longer holds: it cannot resume without a gap.
	if seq > last || (seq < last && (len(frames) == 0 || frames[0].Seq > seq+1)) {
		s.log.Debug("gateway: shared resume impossible", "from_seq", seq, "stored_seq", last, "previous_node", prev)
		s.end()
		return invalid()
	}
	seen := make(map[uint64]struct{}, len(frames))
	s.mu.Lock()
	s.seq = last
	for _, f := range frames {
		p := rawPayload(opcodes.EventName(f.Name), f.Data)
		seen[frameKey(f.Name, f.Data)] = struct{}{}
		s.replay = append(s.replay, replayEntry{seq: f.Seq, p: p})
		if f.Seq > seq {
			c.enqueue(frame{op: opcodes.Dispatch, seq: f.Seq, p: p}, false)
		}
	}
	if over := len(s.replay) - c.srv.cfg.ReplayBufferSize; over > 0 {
		clear(s.replay[:over])
		s.replay = s.replay[over:]
	}
	s.sendLocked(resumedPayload, false)
	s.mu.Unlock()
	c.sess = s
	if err := c.srv.store.Put(ctx, s); err != nil {
		return fmt.Errorf("resume: store session: %w", err)
	}
	repl.state(s)
	if !s.finishStartExcept(seen) {
		return nil
	}
	c.srv.stats.add(s.userID, false)
	c.srv.metrics.event(metricResumed)
	s.log.Debug("gateway: resumed from the shared store", "from_seq", seq, "replayed", last-seq, "previous_node", prev)
	return nil
}
