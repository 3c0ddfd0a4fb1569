package gateway

import (
	"context"
	"slices"
	"time"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// busListener is how the Server consumes the bus: every event this node receives, local or
// remote, takes the same path — d arrives encoded, in each form the publisher built.
type busListener struct{ s *Server }

// Receive implements events.Listener. A token revocation is never a dispatch: it closes
// the sessions the revoked token opened.
func (l busListener) Receive(ctx context.Context, ev events.Event, _ bool) {
	if ev.Name == guilds.EventTokensRevoked {
		if r, ok := guilds.RevocationOf(ev); ok {
			l.s.revoke(r)
		}
		return
	}
	if ev.Name == eventSessionTakeover {
		l.s.takeover(ev)
		return
	}
	f := fanout{srv: l.s, ctx: ctx, ev: ev}
	f.run()
}

// Gap implements events.Listener. Sessions keep running: the broker replays what this node
// missed (each session receives it in order, with continuous sequence numbers), and the domain
// (also a listener) drops its caches.
func (busListener) Gap() {}

// Lost implements events.Listener: dispatches the sessions on this node should have got are
// gone, so no session may go on as if nothing happened. Each is ended and its connection
// closed with a resumable code; the client's RESUME then gets op 9 and it identifies again,
// rebuilding its state from a fresh READY and GUILD_CREATEs — what Discord does with a
// session it cannot resume.
func (l busListener) Lost() { l.s.invalidateAll() }

// invalidateAll ends every session on this node (see busListener.Lost).
func (s *Server) invalidateAll() {
	var all []*Session
	for i := range s.hub.shards {
		sh := &s.hub.shards[i]
		sh.mu.RLock()
		for _, set := range sh.users {
			for sess := range set {
				all = append(all, sess)
			}
		}
		sh.mu.RUnlock()
	}
	for _, sess := range all {
		sess.mu.Lock()
		c := sess.conn
		sess.mu.Unlock()
		sess.end()
		if c != nil {
			c.kill(opcodes.CloseUnknownError, "events were lost; resume to start over")
		}
	}
	if len(all) > 0 {
		s.log.Warn("gateway: events for this node were lost; its sessions were invalidated", "sessions", len(all))
	}
}

// revoke closes, with 4004, every session on this node that a now revoked token opened (or
// last resumed), and ends it so it cannot be resumed.
func (s *Server) revoke(r guilds.Revocation) {
	for _, sess := range s.hub.userSessions(r.UserID) {
		sess.mu.Lock()
		match, c := sess.family == r.Family, sess.conn
		sess.mu.Unlock()
		if !match {
			continue
		}
		sess.end()
		if c != nil {
			c.kill(opcodes.CloseAuthenticationFailed, "authentication failed")
		}
		sess.log.Debug("gateway: session closed, its token was revoked")
	}
}

// fanout delivers one event. It wraps each form of d the publisher encoded (full, and without
// message content) in one shared payload at most, never per recipient, and checks
// permissions at most once per user.
type fanout struct {
	srv *Server
	ctx context.Context
	ev  events.Event

	full, stripped *payload
	failed         bool
	allowed        map[snowflake.ID]bool // permission verdict per user
}

func (f *fanout) run() {
	ev := f.ev
	switch {
	case len(ev.UserIDs) > 0:
		for _, u := range ev.UserIDs {
			for _, sess := range f.srv.hub.userSessions(u) {
				f.offer(sess, false)
			}
		}
	case ev.GuildID != 0:
		switch ev.Name {
		case opcodes.EventGuildMemberRemove, opcodes.EventGuildBanAdd:
			if ev.Subject != 0 {
				f.srv.removeFromGuild(f.ctx, ev.Subject, ev.GuildID)
			}
		}
		for _, sess := range f.srv.hub.guildSessions(ev.GuildID) {
			f.offer(sess, true)
		}
		switch ev.Name {
		case opcodes.EventGuildDelete:
			for _, sess := range f.srv.hub.guildSessions(ev.GuildID) {
				sess.dropGuild(ev.GuildID)
			}
		case opcodes.EventGuildMemberAdd:
			if ev.Subject != 0 {
				f.srv.addToGuild(f.ctx, ev.Subject, ev.GuildID)
			}
		}
	}
}

// offer sends the event to sess if its shard, intents and permissions allow.
func (f *fanout) offer(sess *Session, guildScoped bool) {
	ev := f.ev
	if !sess.routes(ev.GuildID) {
		return
	}
	if ev.Name == opcodes.EventPresenceUpdate && ev.Subject == sess.userID {
		return
	}
	dm := ev.GuildID == 0
	if need, gated := opcodes.EventIntent(ev.Name, dm); gated && !sess.intents.Has(need) {
		ownMember := ev.Name == opcodes.EventGuildMemberUpdate && ev.Subject == sess.userID
		if !ownMember {
			return
		}
	}
	if ev.Name == opcodes.EventThreadMembersUpdate && !sess.intents.Has(opcodes.IntentGuildMembers) &&
		!slices.Contains(ev.ThreadAffected, sess.userID) {
		return // without GUILD_MEMBERS, only changes that add or remove the session's own user
	}
	if guildScoped && ev.Name != opcodes.EventGuildDelete && !f.permitted(sess.userID) {
		return
	}
	p := f.variant(f.needsStrip(sess))
	if p == nil {
		return
	}
	sess.deliver(p)
}

// permitted applies the event's channel and permission scope to a user, once per user.
func (f *fanout) permitted(userID snowflake.ID) bool {
	if ok, seen := f.allowed[userID]; seen {
		return ok
	}
	ev := f.ev
	ok := true
	switch {
	case ev.ChannelID != 0:
		perms, err := f.srv.svc.ChannelPermissions(f.ctx, ev.GuildID, ev.ChannelID, userID)
		ok = err == nil && perms.Has(opcodes.PermViewChannel|ev.Perm)
		if ok && ev.ThreadPrivate {
			// A private thread: its members and MANAGE_THREADS holders in the parent.
			ok = perms.Has(opcodes.PermManageThreads) || slices.Contains(ev.ThreadMembers, userID)
		}
	case ev.Perm != 0:
		perms, err := f.srv.svc.GuildPermissions(f.ctx, ev.GuildID, userID)
		ok = err == nil && perms.Has(ev.Perm)
	}
	if f.allowed == nil {
		f.allowed = make(map[snowflake.ID]bool)
	}
	f.allowed[userID] = ok
	return ok
}

// needsStrip reports whether sess gets the form without content: the publisher built one
// (guild messages), and sess has no MESSAGE_CONTENT intent, is not the author and is not
// mentioned.
func (f *fanout) needsStrip(sess *Session) bool {
	ev := &f.ev
	if ev.Stripped == nil || sess.intents.Has(opcodes.IntentMessageContent) {
		return false
	}
	return sess.userID != ev.AuthorID && !slices.Contains(ev.Mentions, sess.userID)
}

// variant returns the shared payload of one form of d, wrapping it on first use.
func (f *fanout) variant(stripped bool) *payload {
	slot, d := &f.full, f.ev.Data
	if stripped {
		slot, d = &f.stripped, f.ev.Stripped
	}
	if *slot == nil {
		if len(d) == 0 {
			// A publisher bug, not a client's: no d to send. Logged once per event.
			if !f.failed {
				f.srv.log.Error("gateway: event without d", "event", f.ev.Name, "stripped", stripped)
			}
			f.failed = true
			return nil
		}
		*slot = rawPayload(f.ev.Name, d)
	}
	return *slot
}

// removeFromGuild handles a user leaving a guild (GUILD_MEMBER_REMOVE, GUILD_BAN_ADD): their
// sessions get GUILD_DELETE {id} and stop receiving the guild.
func (s *Server) removeFromGuild(ctx context.Context, userID, guildID snowflake.ID) {
	var p *payload
	for _, sess := range s.hub.userSessions(userID) {
		if !sess.dropGuild(guildID) {
			continue
		}
		if !sess.intents.Has(opcodes.IntentGuilds) {
			continue
		}
		if p == nil {
			var err error
			if p, err = newPayload(opcodes.EventGuildDelete, opcodes.GuildDelete{ID: guildID}); err != nil {
				s.log.ErrorContext(ctx, "gateway: encode guild delete", "err", err)
				return
			}
		}
		sess.deliver(p)
	}
}

// addToGuild handles a user joining a guild (GUILD_MEMBER_ADD): their sessions on the right
// shard get a GUILD_CREATE and start receiving the guild.
func (s *Server) addToGuild(ctx context.Context, userID, guildID snowflake.ID) {
	for _, sess := range s.hub.userSessions(userID) {
		if !sess.routes(guildID) || !sess.addGuild(guildID) {
			continue
		}
		s.sendGuildCreate(ctx, sess, guildID, true)
	}
}

// sendGuildCreate sends guildID's GUILD_CREATE to sess. live is true on the fan-out path
// (bounded queue, ordered behind held events); false while the session starts.
func (s *Server) sendGuildCreate(ctx context.Context, sess *Session, guildID snowflake.ID, live bool) {
	if !sess.intents.Has(opcodes.IntentGuilds) {
		return
	}
	withPresences := sess.intents.Has(opcodes.IntentGuildPresences)
	var p *payload
	gc, err := s.svc.GuildCreate(ctx, guildID, sess.userID, sess.largeThreshold, withPresences)
	if err != nil {
		sess.log.Warn("gateway: guild create", "guild_id", guildID, "err", err)
		p, err = newPayload(opcodes.EventGuildDelete, opcodes.GuildDelete{ID: guildID, Unavailable: true})
	} else {
		if withPresences {
			s.mergePresences(&gc, guildID)
		}
		p, err = newPayload(opcodes.EventGuildCreate, gc)
	}
	if err != nil {
		sess.log.Error("gateway: encode guild create", "guild_id", guildID, "err", err)
		return
	}
	if live {
		sess.deliver(p)
	} else {
		sess.send(p, false)
	}
}

// mergePresences adds the stored presences (from every node) of the guild's members sent and
// of this node's sessions in the guild.
func (s *Server) mergePresences(gc *opcodes.GuildCreate, guildID snowflake.ID) {
	have := make(map[snowflake.ID]bool, len(gc.Presences))
	for _, p := range gc.Presences {
		have[p.User.ID] = true
	}
	if gc.Presences == nil {
		gc.Presences = []opcodes.Presence{}
	}
	// The users to look up: the members sent (connected to any node) and this node's own
	// sessions in the guild.
	var ids []snowflake.ID
	want := func(id snowflake.ID) {
		if !have[id] {
			have[id] = true
			ids = append(ids, id)
		}
	}
	for _, m := range gc.Members {
		if m.User != nil {
			want(m.User.ID)
		}
	}
	for _, sess := range s.hub.guildSessions(guildID) {
		want(sess.userID)
	}
	found := s.presences.getMany(s.ctx, ids)
	for _, id := range ids {
		if d, ok := found[id]; ok && d.Status != "offline" && d.Status != "invisible" {
			gc.Presences = append(gc.Presences, presenceFor(id, guildID, d))
		}
	}
}

// sessionEnded clears a user's presence when their last session ends, telling their guilds
// they went offline.
func (s *Server) sessionEnded(sess *Session) {
	if len(s.hub.userSessions(sess.userID)) > 0 {
		return
	}
	if !s.presences.clear(s.ctx, sess.userID) {
		return // never had a presence, or still connected to another node
	}
	offline := opcodes.PresenceUpdateData{Status: "offline"}
	for _, g := range sess.guildList() {
		s.publish(s.ctx, events.Event{
			Name:    opcodes.EventPresenceUpdate,
			GuildID: g,
			Subject: sess.userID,
		}, presenceFor(sess.userID, g, offline))
	}
}

// waitSubscribed waits until the new session's topics are live on the bus, so the
// GUILD_CREATEs built next cannot miss an event committed after them. After 5 s it goes on
// (the session may then miss events until the subscription lands).
func (s *Server) waitSubscribed(ctx context.Context, userID snowflake.ID, guildIDs []snowflake.ID) {
	ts := make([]events.Topic, 0, len(guildIDs)+1)
	ts = append(ts, events.Topic{Kind: events.TopicUser, ID: userID})
	for _, g := range guildIDs {
		ts = append(ts, events.Topic{Kind: events.TopicGuild, ID: g})
	}
	wctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := s.bus.WaitSubscribed(wctx, ts); err != nil {
		s.log.Warn("gateway: bus subscription not confirmed", "user_id", userID, "err", err)
	}
}
