package gateway

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

func closeErr(code opcodes.CloseCode, reason string) error {
	return &opcodes.CloseError{Code: code, Reason: reason}
}

// handle runs one client payload on the reader goroutine. A returned *opcodes.CloseError
// closes the socket with its code.
func (c *conn) handle(in inbound) error {
	switch in.op {
	case opcodes.Heartbeat:
		return c.handleHeartbeat(in.d)
	case opcodes.Identify:
		return c.handleIdentify(in.d)
	case opcodes.Resume:
		return c.handleResume(in.d)
	case opcodes.PresenceUpdate, opcodes.VoiceStateUpdate, opcodes.RequestGuildMembers,
		opcodes.RequestSoundboardSounds, opcodes.RequestChannelInfoOpcode:
		if c.sess == nil {
			return closeErr(opcodes.CloseNotAuthenticated, "not authenticated")
		}
	default:
		return closeErr(opcodes.CloseUnknownOpcode, "unknown opcode "+strconv.Itoa(int(in.op)))
	}
	switch in.op {
	case opcodes.PresenceUpdate:
		return c.handlePresence(in.d)
	case opcodes.VoiceStateUpdate:
		return c.handleVoiceState(in.d)
	case opcodes.RequestGuildMembers:
		return c.handleRequestMembers(in.d)
	case opcodes.RequestSoundboardSounds:
		return c.handleSoundboard(in.d)
	default: // opcodes.RequestChannelInfoOpcode
		return c.handleChannelInfo(in.d)
	}
}

// handleHeartbeat answers with op 11 through the write queue (so it stays ordered with
// dispatches), pushes the read deadline out, and lets the session forget acknowledged
// dispatches. Nothing is stored per heartbeat.
func (c *conn) handleHeartbeat(d json.RawMessage) error {
	_ = c.ws.SetReadDeadline(c.nextReadDeadline())
	if c.sess != nil {
		if seq, err := strconv.ParseInt(string(bytes.TrimSpace(d)), 10, 64); err == nil && seq > 0 {
			c.sess.ack(seq)
		}
	}
	c.enqueueReply(frame{op: opcodes.HeartbeatAck, p: dNull})
	return nil
}

// identifyWire is Identify's d, read loosely: libraries send legacy keys, junk presences,
// null intents and strings where bools belong (bot-libraries.md items 14–16).
type identifyWire struct {
	Token          json.RawMessage `json:"token"`
	Compress       json.RawMessage `json:"compress"`
	LargeThreshold json.RawMessage `json:"large_threshold"`
	Shard          json.RawMessage `json:"shard"`
	Presence       json.RawMessage `json:"presence"`
	Intents        json.RawMessage `json:"intents"`
}

func (c *conn) handleIdentify(d json.RawMessage) error {
	if c.sess != nil {
		return closeErr(opcodes.CloseAlreadyAuthenticated, "already authenticated")
	}
	var w identifyWire
	if err := json.Unmarshal(d, &w); err != nil {
		return closeErr(opcodes.CloseDecodeError, "identify: "+err.Error())
	}
	var token string
	if json.Unmarshal(w.Token, &token) != nil || token == "" {
		return closeErr(opcodes.CloseAuthenticationFailed, "authentication failed")
	}
	ctx := c.srv.ctx
	ident, err := c.srv.svc.Authenticate(ctx, token)
	if errors.Is(err, guilds.ErrUnauthorized) {
		return closeErr(opcodes.CloseAuthenticationFailed, "authentication failed")
	}
	if err != nil {
		return fmt.Errorf("identify: authenticate: %w", err)
	}
	intents, ok := parseIntents(w.Intents)
	if !ok || intents&^opcodes.IntentsAll != 0 {
		return closeErr(opcodes.CloseInvalidIntents, "invalid intent(s)")
	}
	if ident.Bot && intents&^opcodes.AllowedIntents(ident.AppFlags) != 0 {
		return closeErr(opcodes.CloseDisallowedIntents, "disallowed intent(s)")
	}
	shardID, numShards, ok := parseShard(w.Shard)
	if !ok {
		return closeErr(opcodes.CloseInvalidShard, "invalid shard")
	}
	if ident.Bot && !c.srv.limiter.allow(ctx, ident.UserID, shardID) {
		c.enqueue(frame{op: opcodes.InvalidSession, p: dFalse}, false)
		return nil
	}
	large := 50
	if n, err := strconv.Atoi(string(bytes.TrimSpace(w.LargeThreshold))); err == nil {
		large = min(max(n, 50), 250)
	}
	user, err := c.srv.svc.CurrentUser(ctx, ident.UserID)
	if err != nil {
		return fmt.Errorf("identify: current user: %w", err)
	}
	all, err := c.srv.svc.UserGuildIDs(ctx, ident.UserID)
	if err != nil {
		return fmt.Errorf("identify: guild ids: %w", err)
	}
	mine := make([]snowflake.ID, 0, len(all))
	for _, g := range all {
		if shardFor(g, numShards) == shardID {
			mine = append(mine, g)
		}
	}
	if len(mine) > c.srv.cfg.MaxGuildsPerShard {
		return closeErr(opcodes.CloseShardingRequired, "sharding required")
	}

	s := &Session{
		srv:            c.srv,
		id:             newSessionID(),
		userID:         ident.UserID,
		bot:            ident.Bot,
		intents:        intents,
		shardID:        shardID,
		numShards:      numShards,
		largeThreshold: large,
		compress:       (&opcodes.IdentifyData{Compress: w.Compress}).WantsPayloadCompression() && c.transport == transportNone && c.enc == encodingJSON,
		guilds:         make(map[snowflake.ID]struct{}, len(mine)),
		starting:       true,
		family:         ident.TokenFamily,
	}
	s.log = c.srv.log.With("session_id", s.id, "user_id", s.userID)
	for _, g := range mine {
		s.guilds[g] = struct{}{}
	}
	s.mu.Lock()
	s.attachLocked(c)
	s.mu.Unlock()
	c.sess = s
	if err := c.srv.store.Put(ctx, s); err != nil {
		return fmt.Errorf("identify: store session: %w", err)
	}
	if r := c.srv.repl; r != nil {
		r.create(ctx, s)
	}
	c.srv.stats.add(s.userID, true)

	// READY takes seq 1 before the session is visible to fan-out; events arriving while the
	// GUILD_CREATEs are built wait in s.held.
	if err := c.sendReady(s, user, ident, mine); err != nil {
		return err
	}
	c.srv.hub.add(s, mine)
	// A revocation that arrived between Authenticate and hub.add found no session to close;
	// the domain has seen it, so asking again catches it.
	if _, err := c.srv.svc.Authenticate(ctx, token); errors.Is(err, guilds.ErrUnauthorized) {
		s.end()
		return closeErr(opcodes.CloseAuthenticationFailed, "authentication failed")
	}
	c.srv.waitSubscribed(ctx, s.userID, mine)
	for _, g := range mine {
		c.srv.sendGuildCreate(ctx, s, g, false)
	}
	if !s.finishStart() {
		return nil // ended: too many events arrived while starting (the socket is closing)
	}

	pres := parsePresence(w.Presence)
	c.srv.setPresence(ctx, s, pres)
	s.log.Debug("gateway: identified", "guilds", len(mine), "intents", uint64(intents), "shard", shardID, "shards", numShards)
	return nil
}

func (c *conn) sendReady(s *Session, user opcodes.User, ident guilds.Identity, guildIDs []snowflake.ID) error {
	unavailable := make([]opcodes.UnavailableGuild, len(guildIDs))
	for i, g := range guildIDs {
		unavailable[i] = opcodes.UnavailableGuild{ID: g, Unavailable: true}
	}
	r := opcodes.Ready{
		V:                c.version,
		User:             user,
		Guilds:           unavailable,
		SessionID:        s.id,
		SessionType:      "normal",
		ResumeGatewayURL: c.resumeURL(),
		// Echoed always: libraries read READY.shard even when they did not send one.
		Shard:            &[2]int{s.shardID, s.numShards},
		PrivateChannels:  []opcodes.Channel{},
		Presences:        []opcodes.Presence{},
		Relationships:    []any{},
		GuildJoinRequest: []any{},
		Trace:            []string{traceName},
	}
	if ident.Bot {
		r.Application = &opcodes.ReadyApplication{ID: ident.UserID, Flags: ident.AppFlags}
	}
	p, err := newPayload(opcodes.EventReady, r)
	if err != nil {
		return fmt.Errorf("identify: %w", err)
	}
	s.send(p, false)
	c.srv.metrics.event(metricIdentify)
	return nil
}

// parseIntents accepts a number, a numeric string, or null/absent (the default set).
func parseIntents(raw json.RawMessage) (opcodes.Intents, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return opcodes.IntentsDefault, true
	}
	var s string
	if json.Unmarshal(raw, &s) == nil {
		raw = []byte(s)
	}
	n, err := strconv.ParseUint(string(raw), 10, 64)
	if err != nil {
		return 0, false
	}
	return opcodes.Intents(n), true
}

// parseShard reads [shard_id, num_shards]; absent means [0, 1].
func parseShard(raw json.RawMessage) (int, int, bool) {
	raw = bytes.TrimSpace(raw)
	if len(raw) == 0 || string(raw) == "null" {
		return 0, 1, true
	}
	var sh []int
	if err := json.Unmarshal(raw, &sh); err != nil || len(sh) != 2 {
		return 0, 0, false
	}
	if sh[1] < 1 || sh[0] < 0 || sh[0] >= sh[1] {
		return 0, 0, false
	}
	return sh[0], sh[1], true
}

// parsePresence reads an Identify or op 3 presence, tolerating junk (discordgo's zero-time
// game, eris' null activities); unusable input means plain "online".
func parsePresence(raw json.RawMessage) opcodes.PresenceUpdateData {
	var loose struct {
		Since      json.RawMessage   `json:"since"`
		Activities []json.RawMessage `json:"activities"`
		Status     string            `json:"status"`
		AFK        json.RawMessage   `json:"afk"`
	}
	_ = json.Unmarshal(raw, &loose)
	p := opcodes.PresenceUpdateData{Status: loose.Status, Activities: []opcodes.Activity{}}
	switch p.Status {
	case "online", "idle", "dnd", "invisible", "offline":
	default:
		p.Status = "online"
	}
	for _, a := range loose.Activities {
		var act opcodes.Activity
		if json.Unmarshal(a, &act) == nil && act.Name != "" {
			p.Activities = append(p.Activities, act)
		}
	}
	return p
}

func (c *conn) handleResume(d json.RawMessage) error {
	if c.sess != nil {
		return closeErr(opcodes.CloseAlreadyAuthenticated, "already authenticated")
	}
	var r struct {
		Token     string          `json:"token"`
		SessionID string          `json:"session_id"`
		Seq       json.RawMessage `json:"seq"`
	}
	if err := json.Unmarshal(d, &r); err != nil {
		return closeErr(opcodes.CloseDecodeError, "resume: "+err.Error())
	}
	var seq int64
	if t := bytes.TrimSpace(r.Seq); len(t) > 0 && string(t) != "null" {
		n, err := strconv.ParseInt(string(t), 10, 64)
		if err != nil || n < 0 {
			return closeErr(opcodes.CloseInvalidSeq, "invalid seq")
		}
		seq = n
	}
	ctx := c.srv.ctx
	invalid := func() error {
		c.srv.metrics.event(metricResumeInvalid)
		c.enqueue(frame{op: opcodes.InvalidSession, p: dFalse}, false)
		return nil
	}
	s, err := c.srv.store.Get(ctx, r.SessionID)
	if errors.Is(err, ErrSessionNotFound) {
		if c.srv.repl != nil {
			return c.resumeRemote(r.Token, r.SessionID, seq, invalid)
		}
		return invalid()
	}
	if err != nil {
		return fmt.Errorf("resume: load session: %w", err)
	}
	ident, err := c.srv.svc.Authenticate(ctx, r.Token)
	if errors.Is(err, guilds.ErrUnauthorized) {
		return closeErr(opcodes.CloseAuthenticationFailed, "authentication failed")
	}
	if err != nil {
		return fmt.Errorf("resume: authenticate: %w", err)
	}
	if ident.UserID != s.userID {
		return invalid()
	}
	s.mu.Lock()
	switch {
	case s.ended:
		s.mu.Unlock()
		return invalid()
	case seq > s.seq:
		s.mu.Unlock()
		return closeErr(opcodes.CloseInvalidSeq, "invalid seq")
	case !s.canReplayFromLocked(seq):
		s.mu.Unlock()
		s.end()
		return invalid()
	}
	if old := s.conn; old != nil {
		// eris and discord.py open the new socket before closing the old one: take over.
		s.conn = nil
		old.kill(opcodes.CloseUnknownError, "session resumed on another connection")
	}
	s.attachLocked(c)
	s.family = ident.TokenFamily
	for _, e := range s.replay {
		if e.seq > seq {
			c.enqueue(frame{op: opcodes.Dispatch, seq: e.seq, p: e.p}, false)
		}
	}
	s.sendLocked(resumedPayload, false)
	s.mu.Unlock()
	c.sess = s
	c.srv.stats.add(s.userID, false)
	c.srv.metrics.event(metricResumed)
	s.log.Debug("gateway: resumed", "from_seq", seq)
	return nil
}

var resumedPayload = rawPayload(opcodes.EventResumed, []byte(`{"_trace":["`+traceName+`"]}`))

// handlePresence stores the presence and publishes PRESENCE_UPDATE to the user's guilds.
func (c *conn) handlePresence(d json.RawMessage) error {
	var probe map[string]json.RawMessage
	if json.Unmarshal(d, &probe) != nil {
		return closeErr(opcodes.CloseUnknownOpcode, "invalid presence payload")
	}
	c.srv.setPresence(c.srv.ctx, c.sess, parsePresence(d))
	return nil
}

// setPresence records p for the session's user and tells its guilds.
func (s *Server) setPresence(ctx context.Context, sess *Session, p opcodes.PresenceUpdateData) {
	s.presences.set(ctx, sess.userID, p)
	for _, g := range sess.guildList() {
		s.publish(ctx, events.Event{
			Name:    opcodes.EventPresenceUpdate,
			GuildID: g,
			Subject: sess.userID, // not sent back to the user's own sessions
		}, presenceFor(sess.userID, g, p))
	}
}

// handleVoiceState hands op 4 to the domain, which stores the voice state and publishes
// VOICE_STATE_UPDATE to the guild. A join or move answers this session alone with
// VOICE_SERVER_UPDATE, whose endpoint is null (no voice server, see doc.go). A refused join is
// ignored, as Discord ignores it; the session is marked so its end drops its voice states.
func (c *conn) handleVoiceState(d json.RawMessage) error {
	var v opcodes.VoiceStateUpdateData
	if err := json.Unmarshal(d, &v); err != nil {
		return closeErr(opcodes.CloseUnknownOpcode, "invalid voice state payload")
	}
	if v.GuildID == 0 || !c.sess.hasGuild(v.GuildID) {
		return nil
	}
	if v.ChannelID != nil {
		c.sess.voice.Store(true)
	}
	srv, err := c.srv.svc.UpdateVoiceState(c.srv.ctx, c.sess.userID, c.sess.id, v)
	if err != nil {
		c.sess.log.Debug("gateway: voice state refused", "guild", v.GuildID, "err", err)
		return nil
	}
	if srv == nil {
		return nil
	}
	p, err := newPayload(opcodes.EventVoiceServerUpdate, srv)
	if err != nil {
		return err
	}
	c.sess.send(p, false)
	return nil
}

// handleSoundboard answers op 31 with one SOUNDBOARD_SOUNDS per requested guild the session
// is in, with the guild's sounds.
func (c *conn) handleSoundboard(d json.RawMessage) error {
	var r struct {
		GuildIDs []snowflake.ID `json:"guild_ids"`
	}
	if err := json.Unmarshal(d, &r); err != nil {
		return closeErr(opcodes.CloseUnknownOpcode, "invalid soundboard request")
	}
	for _, g := range r.GuildIDs {
		if !c.sess.hasGuild(g) {
			continue
		}
		sounds, err := c.srv.svc.GuildSounds(c.srv.ctx, g)
		if err != nil {
			c.srv.log.Warn("soundboard sounds", "guild_id", g, "err", err)
			continue
		}
		p, err := newPayload(opcodes.EventSoundboardSounds, opcodes.GuildSoundboardSounds{SoundboardSounds: sounds, GuildID: g})
		if err != nil {
			return err
		}
		c.sess.send(p, false)
	}
	return nil
}

// handleChannelInfo answers op 43 with an empty CHANNEL_INFO (no voice status yet).
func (c *conn) handleChannelInfo(d json.RawMessage) error {
	var r struct {
		GuildID snowflake.ID `json:"guild_id"`
	}
	if err := json.Unmarshal(d, &r); err != nil {
		return closeErr(opcodes.CloseUnknownOpcode, "invalid channel info request")
	}
	if !c.sess.hasGuild(r.GuildID) {
		return nil
	}
	p, err := newPayload(opcodes.EventChannelInfo, struct {
		GuildID  snowflake.ID `json:"guild_id"`
		Channels []any        `json:"channels"`
	}{r.GuildID, []any{}})
	if err != nil {
		return err
	}
	c.sess.send(p, false)
	return nil
}
