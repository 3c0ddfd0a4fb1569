package guilds

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"time"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// Voice state, without media: which user sits in which voice channel, stored per (guild,
// user) in storage.VoiceStateStore so every node sees it (GUILD_CREATE's voice_states, the
// widget, prune), and published as VOICE_STATE_UPDATE. Each state records the gateway
// session that joined and the node holding it: the state is dropped when that session ends
// (closed, or its resume window expired — Discord drops voice when the gateway session dies)
// and, for a node that stopped without ending its sessions, when that node starts again.

var (
	// ErrUnknownVoiceState: the user is not connected to voice in the guild.
	ErrUnknownVoiceState = errors.New("guilds: unknown voice state")
	// ErrNotInVoice: moving or disconnecting a member who is not connected to voice.
	ErrNotInVoice = errors.New("guilds: target user is not connected to voice")
	// ErrVoiceChannelFull: the channel holds its user_limit already.
	ErrVoiceChannelFull = errors.New("guilds: voice channel is full")
)

// nodeOf is the generator's node number (worker<<5 | process), read off a fresh ID.
func nodeOf(ids *snowflake.Generator) int {
	id := ids.Next()
	return id.Worker()<<5 | id.Process()
}

// clearNodeVoice drops the voice states a previous run of this node left behind, telling
// their guilds the users left.
func (s *Service) clearNodeVoice(ctx context.Context) error {
	gone, err := s.store.VoiceStates().DeleteNode(ctx, s.node)
	if err != nil {
		return fmt.Errorf("clear voice states: %w", err)
	}
	s.publishLeaves(ctx, gone)
	return nil
}

func isVoiceChannel(t int) bool {
	return opcodes.ChannelType(t) == opcodes.ChannelGuildVoice || opcodes.ChannelType(t) == opcodes.ChannelGuildStageVoice
}

// voiceStateShape renders v (nil channel: a leave) with the member when m is set.
func voiceStateShape(v storage.VoiceState, m *storage.Member, u *storage.User, left bool) opcodes.VoiceState {
	gid := v.GuildID
	o := opcodes.VoiceState{
		GuildID: &gid, UserID: v.UserID, SessionID: v.SessionID, SelfMute: v.SelfMute, SelfDeaf: v.SelfDeaf,
		SelfStream: v.SelfStream, SelfVideo: v.SelfVideo, Suppress: v.Suppress, RequestToSpeakTimestamp: timePtr(v.RequestToSpeak),
	}
	if !left {
		o.ChannelID = ptrID(v.ChannelID)
	}
	if m != nil {
		o.Deaf, o.Mute = m.Deaf, m.Mute
		ms := memberShape(*m, u)
		o.Member = &ms
	}
	return o
}

// publishVoice publishes VOICE_STATE_UPDATE for v to its guild, with the member.
func (s *Service) publishVoice(ctx context.Context, v storage.VoiceState, left bool) {
	var mp *storage.Member
	var up *storage.User
	if m, err := s.store.Members().Get(ctx, v.GuildID, v.UserID); err == nil {
		mp = &m
		if u, err := s.store.Users().Get(ctx, v.UserID); err == nil {
			up = &u
		}
	}
	s.publish(ctx, events.Event{Name: opcodes.EventVoiceStateUpdate, GuildID: v.GuildID}, voiceStateShape(v, mp, up, left))
}

func (s *Service) publishLeaves(ctx context.Context, gone []storage.VoiceState) {
	for _, v := range gone {
		s.publishVoice(ctx, v, true)
	}
}

// VoiceJoin is what the gateway sends the session after op 4 joined or moved it: the
// VOICE_SERVER_UPDATE. nil when the session left voice or nothing changed.
type VoiceJoin = *opcodes.VoiceServerUpdate

// UpdateVoiceState is gateway op 4 from sessionID. A null channel leaves voice. Joining checks
// that the channel is a voice or stage channel of the guild, that the user may VIEW_CHANNEL
// and CONNECT there, and its user_limit (MOVE_MEMBERS bypasses it); a user has one voice
// state per guild, so joining another channel moves it. Stage channels seat newcomers as
// suppressed audience. The answer is the session's VOICE_SERVER_UPDATE, whose endpoint is
// null: Parley has no voice server, and libraries fail at once on that rather than wait.
func (s *Service) UpdateVoiceState(ctx context.Context, userID snowflake.ID, sessionID string, d opcodes.VoiceStateUpdateData) (VoiceJoin, error) {
	if d.GuildID == 0 {
		return nil, nil // DM calls are not supported; Discord ignores what it cannot do
	}
	old, err := s.store.VoiceStates().Get(ctx, d.GuildID, userID)
	had := err == nil
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return nil, fmt.Errorf("load voice state: %w", err)
	}
	if d.ChannelID == nil {
		if !had {
			return nil, nil
		}
		if err := s.store.VoiceStates().Delete(ctx, d.GuildID, userID); err != nil && !errors.Is(err, storage.ErrNotFound) {
			return nil, fmt.Errorf("leave voice: %w", err)
		}
		s.publishVoice(ctx, old, true)
		return nil, nil
	}
	gp, err := s.perms.get(ctx, d.GuildID)
	if err != nil {
		return nil, err
	}
	ch, ok := gp.channels[*d.ChannelID]
	if !ok || !isVoiceChannel(ch.Type) {
		return nil, ErrUnknownChannel
	}
	perms, err := s.ChannelPermissions(ctx, d.GuildID, ch.ID, userID)
	if err != nil {
		return nil, err
	}
	if !perms.Has(opcodes.PermViewChannel | opcodes.PermConnect) {
		return nil, ErrMissingPermissions
	}
	v := storage.VoiceState{GuildID: d.GuildID, UserID: userID, ChannelID: ch.ID, SessionID: sessionID, Node: s.node,
		SelfMute: d.SelfMute, SelfDeaf: d.SelfDeaf}
	same := had && old.ChannelID == ch.ID
	if same {
		v.Suppress, v.RequestToSpeak, v.SelfStream, v.SelfVideo = old.Suppress, old.RequestToSpeak, old.SelfStream, old.SelfVideo
	} else if opcodes.ChannelType(ch.Type) == opcodes.ChannelGuildStageVoice {
		v.Suppress = true
	}
	limit := 0
	if !same && ch.UserLimit > 0 && opcodes.ChannelType(ch.Type) == opcodes.ChannelGuildVoice && !perms.Has(opcodes.PermMoveMembers) {
		limit = ch.UserLimit
	}
	if err := s.store.VoiceStates().Put(ctx, v, limit); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			return nil, ErrVoiceChannelFull
		}
		return nil, fmt.Errorf("join voice: %w", err)
	}
	s.publishVoice(ctx, v, false)
	if same && old.SessionID == sessionID {
		return nil, nil // a mute toggle: the voice connection stays
	}
	return &opcodes.VoiceServerUpdate{Token: voiceToken(), GuildID: d.GuildID}, nil
}

func voiceToken() string {
	var b [8]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// EndVoiceSession drops the voice states a gateway session held, when it ended for good.
func (s *Service) EndVoiceSession(ctx context.Context, sessionID string) error {
	gone, err := s.store.VoiceStates().DeleteSession(ctx, sessionID)
	if err != nil {
		return fmt.Errorf("end voice session: %w", err)
	}
	s.publishLeaves(ctx, gone)
	return nil
}

// dropVoice removes a user's voice state in a guild, if any, and publishes the leave (the
// member left, was kicked, or was disconnected).
func (s *Service) dropVoice(ctx context.Context, guildID, userID snowflake.ID) error {
	v, err := s.store.VoiceStates().Get(ctx, guildID, userID)
	if errors.Is(err, storage.ErrNotFound) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("load voice state: %w", err)
	}
	if err := s.store.VoiceStates().Delete(ctx, guildID, userID); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return nil
		}
		return fmt.Errorf("drop voice state: %w", err)
	}
	s.publishVoice(ctx, v, true)
	return nil
}

// dropChannelVoice disconnects everyone in a channel that is being deleted.
func (s *Service) dropChannelVoice(ctx context.Context, channelID snowflake.ID) error {
	gone, err := s.store.VoiceStates().DeleteChannel(ctx, channelID)
	if err != nil {
		return fmt.Errorf("drop channel voice states: %w", err)
	}
	s.publishLeaves(ctx, gone)
	return nil
}

// guildVoiceStates is GUILD_CREATE's voice_states (without guild_id or member, as Discord's).
func (s *Service) guildVoiceStates(ctx context.Context, guildID snowflake.ID, gp *guildPerms) ([]opcodes.VoiceState, error) {
	vs, err := s.store.VoiceStates().ListByGuild(ctx, guildID)
	if err != nil {
		return nil, fmt.Errorf("list voice states: %w", err)
	}
	out := make([]opcodes.VoiceState, 0, len(vs))
	for _, v := range vs {
		sh := voiceStateShape(v, nil, nil, false)
		sh.GuildID = nil
		if mp, ok := gp.members[v.UserID]; ok {
			sh.Deaf, sh.Mute = mp.member.Deaf, mp.member.Mute
		}
		out = append(out, sh)
	}
	return out, nil
}

// moveMember is PATCH /guilds/{id}/members/{user} channel_id: MOVE_MEMBERS; the member must
// be in voice (40032); null disconnects; a channel must be a voice or stage channel of the
// guild the actor may connect to (the user limit does not apply to a move).
func (s *Service) moveMember(ctx context.Context, actor, guildID, userID snowflake.ID, to opcodes.Nullable[snowflake.ID], perms opcodes.Permissions) error {
	if !perms.Has(opcodes.PermMoveMembers) {
		return ErrMissingPermissions
	}
	v, err := s.store.VoiceStates().Get(ctx, guildID, userID)
	if errors.Is(err, storage.ErrNotFound) {
		return ErrNotInVoice
	}
	if err != nil {
		return fmt.Errorf("load voice state: %w", err)
	}
	if to.Null {
		if err := s.dropVoice(ctx, guildID, userID); err != nil {
			return err
		}
		s.audit(ctx, auditEntry{GuildID: guildID, Action: opcodes.AuditMemberDisconnect, ActorID: actor,
			Options: &opcodes.AuditEntryInfo{Count: "1"}})
		return nil
	}
	gp, err := s.perms.get(ctx, guildID)
	if err != nil {
		return err
	}
	ch, ok := gp.channels[to.Value]
	if !ok || !isVoiceChannel(ch.Type) {
		var vd validator
		vd.add("channel_id", "CHANNEL_INVALID", "Invalid channel")
		return vd.err()
	}
	cp, err := s.ChannelPermissions(ctx, guildID, ch.ID, actor)
	if err != nil {
		return err
	}
	if !cp.Has(opcodes.PermViewChannel | opcodes.PermConnect) {
		return ErrMissingPermissions
	}
	if v.ChannelID == ch.ID {
		return nil
	}
	v.ChannelID, v.Suppress, v.RequestToSpeak = ch.ID, opcodes.ChannelType(ch.Type) == opcodes.ChannelGuildStageVoice, nil
	if err := s.store.VoiceStates().Put(ctx, v, 0); err != nil {
		return fmt.Errorf("move member: %w", err)
	}
	s.publishVoice(ctx, v, false)
	s.audit(ctx, auditEntry{GuildID: guildID, Action: opcodes.AuditMemberMove, ActorID: actor,
		Options: &opcodes.AuditEntryInfo{ChannelID: ch.ID.String(), Count: "1"}})
	return nil
}

// VoiceState is GET /guilds/{id}/voice-states/{user} (and @me): members only; 10065 when the
// user is not in voice there.
func (s *Service) VoiceState(ctx context.Context, actor, guildID, userID snowflake.ID) (opcodes.VoiceState, error) {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return opcodes.VoiceState{}, err
	}
	v, err := s.store.VoiceStates().Get(ctx, guildID, userID)
	if err != nil {
		return opcodes.VoiceState{}, notFound(err, ErrUnknownVoiceState, "load voice state")
	}
	m, err := s.store.Members().Get(ctx, guildID, userID)
	if err != nil {
		return opcodes.VoiceState{}, notFound(err, ErrUnknownVoiceState, "load member")
	}
	u, err := s.store.Users().Get(ctx, userID)
	if err != nil {
		return opcodes.VoiceState{}, notFound(err, ErrUnknownVoiceState, "load user")
	}
	return voiceStateShape(v, &m, &u, false), nil
}

// VoiceStateParams is PATCH /guilds/{id}/voice-states/@me (all three fields) and
// /{user_id} (channel_id and suppress).
type VoiceStateParams struct {
	ChannelID               *snowflake.ID                       `json:"channel_id"`
	Suppress                *bool                               `json:"suppress"`
	RequestToSpeakTimestamp opcodes.Nullable[opcodes.Timestamp] `json:"request_to_speak_timestamp"`
}

// ModifyVoiceState is PATCH /guilds/{id}/voice-states/@me (self) or /{user_id}: stage
// channels only. The user must be in channel_id (10065 otherwise). Unsuppressing oneself
// needs MUTE_MEMBERS, raising one's hand REQUEST_TO_SPEAK (the time may not be in the past);
// suppressing or unsuppressing another member needs MUTE_MEMBERS.
func (s *Service) ModifyVoiceState(ctx context.Context, actor, guildID, userID snowflake.ID, self bool, p VoiceStateParams) error {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return err
	}
	if p.ChannelID == nil {
		var v validator
		v.required("channel_id")
		return v.err()
	}
	gp, err := s.perms.get(ctx, guildID)
	if err != nil {
		return err
	}
	ch, ok := gp.channels[*p.ChannelID]
	if !ok {
		return ErrUnknownChannel
	}
	if opcodes.ChannelType(ch.Type) != opcodes.ChannelGuildStageVoice {
		return ErrInvalidChannelType
	}
	perms, err := s.ChannelPermissions(ctx, guildID, ch.ID, actor)
	if err != nil {
		return err
	}
	if !self && !perms.Has(opcodes.PermMuteMembers) {
		return ErrMissingPermissions
	}
	v, err := s.store.VoiceStates().Get(ctx, guildID, userID)
	if err != nil || v.ChannelID != ch.ID {
		return notFound(errOr(err, storage.ErrNotFound), ErrUnknownVoiceState, "load voice state")
	}
	var vd validator
	if p.Suppress != nil {
		if (!self || !*p.Suppress) && !perms.Has(opcodes.PermMuteMembers) {
			return ErrMissingPermissions
		}
		v.Suppress = *p.Suppress
	}
	if p.RequestToSpeakTimestamp.Set {
		if !self {
			vd.add("request_to_speak_timestamp", "BASE_TYPE_BAD_VALUE", "Only the user may request to speak")
		} else if p.RequestToSpeakTimestamp.Null {
			v.RequestToSpeak = nil
		} else {
			if !perms.Has(opcodes.PermRequestToSpeak) {
				return ErrMissingPermissions
			}
			t := p.RequestToSpeakTimestamp.Value.UTC()
			if t.Before(s.now().Add(-time.Minute)) {
				vd.add("request_to_speak_timestamp", "BASE_TYPE_BAD_TIME", "Cannot be in the past")
			}
			v.RequestToSpeak = &t
		}
	}
	if err := vd.err(); err != nil {
		return err
	}
	if err := s.store.VoiceStates().Put(ctx, v, 0); err != nil {
		return fmt.Errorf("update voice state: %w", err)
	}
	s.publishVoice(ctx, v, false)
	return nil
}

// errOr is err, or fallback when err is nil.
func errOr(err, fallback error) error {
	if err != nil {
		return err
	}
	return fallback
}
