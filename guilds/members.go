package guilds

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// addMember adds a user to a guild and publishes GUILD_MEMBER_ADD (whose Subject makes the
// gateway send the user's sessions a GUILD_CREATE).
func (s *Service) addMember(ctx context.Context, guildID snowflake.ID, u storage.User, roles []snowflake.ID) error {
	if roles == nil {
		roles = []snowflake.ID{}
	}
	m := storage.Member{GuildID: guildID, UserID: u.ID, Roles: roles, JoinedAt: s.now()}
	if err := s.store.Members().Add(ctx, m); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			return nil
		}
		return fmt.Errorf("add member: %w", err)
	}
	s.publish(ctx, events.Event{Name: opcodes.EventGuildMemberAdd, GuildID: guildID, Subject: u.ID},
		s.memberAddShape(guildID, m, u))
	return nil
}

// removeMember removes a member and publishes GUILD_MEMBER_REMOVE.
func (s *Service) removeMember(ctx context.Context, guildID, userID snowflake.ID) error {
	u, err := s.store.Users().Get(ctx, userID)
	if err != nil {
		return notFound(err, ErrUnknownUser, "load user")
	}
	if err := s.dropVoice(ctx, guildID, userID); err != nil {
		return err
	}
	if err := s.store.Members().Remove(ctx, guildID, userID); err != nil {
		return notFound(err, ErrUnknownMember, "remove member")
	}
	s.publish(ctx, events.Event{Name: opcodes.EventGuildMemberRemove, GuildID: guildID, Subject: userID},
		opcodes.GuildMemberRemove{GuildID: guildID, User: userShape(u)})
	return nil
}

// requireMember checks that actor belongs to the guild (Discord answers 10004 to outsiders).
func (s *Service) requireMember(ctx context.Context, guildID, actor snowflake.ID) error {
	_, err := s.loadGuild(ctx, guildID, actor)
	return err
}

func (s *Service) memberShapes(ctx context.Context, ms []storage.Member) ([]opcodes.Member, error) {
	ids := make([]snowflake.ID, len(ms))
	for i, m := range ms {
		ids[i] = m.UserID
	}
	users, err := s.usersByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]opcodes.Member, 0, len(ms))
	for _, m := range ms {
		if u, ok := users[m.UserID]; ok {
			out = append(out, memberShape(m, &u))
		}
	}
	return out, nil
}

// Member is GET /guilds/{id}/members/{user}.
func (s *Service) Member(ctx context.Context, actor, guildID, userID snowflake.ID) (opcodes.Member, error) {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return opcodes.Member{}, err
	}
	m, err := s.store.Members().Get(ctx, guildID, userID)
	if err != nil {
		return opcodes.Member{}, notFound(err, ErrUnknownMember, "load member")
	}
	u, err := s.store.Users().Get(ctx, userID)
	if err != nil {
		return opcodes.Member{}, notFound(err, ErrUnknownMember, "load user")
	}
	return memberShape(m, &u), nil
}

// Members is GET /guilds/{id}/members (limit 1–1000, after a user ID).
func (s *Service) Members(ctx context.Context, actor, guildID, after snowflake.ID, limit int) ([]opcodes.Member, error) {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return nil, err
	}
	// Discord restricts listing members to bots with the GUILD_MEMBERS intent enabled.
	if s.botLacksIntent(ctx, actor, opcodes.IntentGuildMembers) {
		return nil, ErrMissingAccess
	}
	var v validator
	if limit < 1 || limit > 1000 {
		v.add("limit", "NUMBER_TYPE_MAX", "int value should be between 1 and 1000.")
		return nil, v.err()
	}
	ms, err := s.store.Members().List(ctx, guildID, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	return s.memberShapes(ctx, ms)
}

// SearchMembers finds members whose username or nick starts with query, without an actor
// check: the gateway's op 8 has done its own. Query "" with limit 0 returns every member.
func (s *Service) SearchMembers(ctx context.Context, guildID snowflake.ID, query string, limit int) ([]opcodes.Member, error) {
	// limit 0 with an empty query means every member (op 8's "all members" request).
	if limit < 0 || (query != "" && (limit == 0 || limit > 1000)) {
		limit = 1000
	}
	var ms []storage.Member
	var err error
	if query == "" {
		ms, err = s.store.Members().List(ctx, guildID, 0, limit)
	} else {
		ms, err = s.store.Members().Search(ctx, guildID, query, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("search members: %w", err)
	}
	return s.memberShapes(ctx, ms)
}

// SearchGuildMembers is GET /guilds/{id}/members/search for a member.
func (s *Service) SearchGuildMembers(ctx context.Context, actor, guildID snowflake.ID, query string, limit int) ([]opcodes.Member, error) {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return nil, err
	}
	var v validator
	if strings.TrimSpace(query) == "" {
		v.required("query")
	}
	if limit < 1 || limit > 1000 {
		v.add("limit", "NUMBER_TYPE_MAX", "int value should be between 1 and 1000.")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	return s.SearchMembers(ctx, guildID, query, limit)
}

// MembersByID returns the members among ids (for op 8 user_ids).
func (s *Service) MembersByID(ctx context.Context, guildID snowflake.ID, ids []snowflake.ID) ([]opcodes.Member, error) {
	ms, err := s.store.Members().GetMany(ctx, guildID, ids)
	if err != nil {
		return nil, fmt.Errorf("load members: %w", err)
	}
	return s.memberShapes(ctx, ms)
}

// ModifyMemberParams is PATCH /guilds/{id}/members/{user} (and @me with only Nick).
type ModifyMemberParams struct {
	Nick                       opcodes.Nullable[string]            `json:"nick"`
	Roles                      *[]snowflake.ID                     `json:"roles"`
	Mute                       *bool                               `json:"mute"`
	Deaf                       *bool                               `json:"deaf"`
	CommunicationDisabledUntil opcodes.Nullable[opcodes.Timestamp] `json:"communication_disabled_until"`
	// ChannelID moves the member to another voice channel, or disconnects them (null).
	ChannelID opcodes.Nullable[snowflake.ID] `json:"channel_id"`
}

// ModifyMember applies Discord's per-field permissions: nick needs MANAGE_NICKNAMES (or
// CHANGE_NICKNAME for oneself), roles MANAGE_ROLES with every added or removed role below the
// actor's highest, mute/deaf MUTE_MEMBERS/DEAFEN_MEMBERS, timeouts MODERATE_MEMBERS (not on
// admins or the owner, at most 28 days). Acting on another member needs to outrank them.
func (s *Service) ModifyMember(ctx context.Context, actor, guildID, userID snowflake.ID, p ModifyMemberParams) (opcodes.Member, error) {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return opcodes.Member{}, err
	}
	m, err := s.store.Members().Get(ctx, guildID, userID)
	if err != nil {
		return opcodes.Member{}, notFound(err, ErrUnknownMember, "load member")
	}
	before := m
	gp, err := s.perms.get(ctx, guildID)
	if err != nil {
		return opcodes.Member{}, err
	}
	perms, err := s.GuildPermissions(ctx, guildID, actor)
	if err != nil {
		return opcodes.Member{}, err
	}
	self := actor == userID
	need := func(p opcodes.Permissions) error {
		if !perms.Has(p) {
			return ErrMissingPermissions
		}
		if !self && !gp.outranks(actor, userID) {
			return ErrMissingPermissions
		}
		return nil
	}
	var v validator
	if p.Nick.Set {
		if self && perms.Has(opcodes.PermChangeNickname) {
			// Own nickname: CHANGE_NICKNAME is enough.
		} else if err := need(opcodes.PermManageNicknames); err != nil {
			return opcodes.Member{}, err
		}
		if !p.Nick.Null && p.Nick.Value != "" {
			v.length("nick", p.Nick.Value, 1, 32)
			m.Nick = p.Nick.Ptr()
		} else {
			m.Nick = nil
		}
	}
	if p.Roles != nil {
		if !perms.Has(opcodes.PermManageRoles) {
			return opcodes.Member{}, ErrMissingPermissions
		}
		want := dedupe(*p.Roles)
		for _, r := range want {
			if r == guildID {
				continue
			}
			if _, ok := gp.rolePerms[r]; !ok {
				v.add("roles", "ROLE_INVALID", "Unknown role "+r.String())
			}
		}
		changed := symmetricDiff(m.Roles, want)
		for _, r := range changed {
			if pos, ok := gp.rolePos[r]; ok && !gp.canManageRole(actor, pos) {
				return opcodes.Member{}, ErrMissingPermissions
			}
			if isManagedRole(ctx, s, guildID, r) {
				v.add("roles", "ROLE_MANAGED", "Cannot add or remove a managed role")
			}
		}
		m.Roles = slices.DeleteFunc(want, func(id snowflake.ID) bool { return id == guildID })
	}
	if p.Mute != nil {
		if err := need(opcodes.PermMuteMembers); err != nil {
			return opcodes.Member{}, err
		}
		m.Mute = *p.Mute
	}
	if p.Deaf != nil {
		if err := need(opcodes.PermDeafenMembers); err != nil {
			return opcodes.Member{}, err
		}
		m.Deaf = *p.Deaf
	}
	if p.CommunicationDisabledUntil.Set {
		if err := need(opcodes.PermModerateMembers); err != nil {
			return opcodes.Member{}, err
		}
		if p.CommunicationDisabledUntil.Null {
			m.CommunicationDisabledUntil = nil
		} else {
			until := p.CommunicationDisabledUntil.Value.Time
			if until.After(s.now().Add(28 * 24 * time.Hour)) {
				v.add("communication_disabled_until", "COMMUNICATION_DISABLED_TIMESTAMP_TOO_FAR", "Timeout cannot be longer than 28 days")
			}
			st, _ := gp.state(guildID, userID)
			if BasePermissions(st, userID) == opcodes.PermAll {
				return opcodes.Member{}, ErrMissingPermissions
			}
			m.CommunicationDisabledUntil = &until
		}
	}
	if err := v.err(); err != nil {
		return opcodes.Member{}, err
	}
	if p.ChannelID.Set {
		// Checked before any write, so a refused move changes nothing.
		if _, err := s.store.VoiceStates().Get(ctx, guildID, userID); errors.Is(err, storage.ErrNotFound) {
			return opcodes.Member{}, ErrNotInVoice
		}
		if !perms.Has(opcodes.PermMoveMembers) {
			return opcodes.Member{}, ErrMissingPermissions
		}
	}
	if err := s.store.Members().Update(ctx, m); err != nil {
		return opcodes.Member{}, notFound(err, ErrUnknownMember, "update member")
	}
	u, err := s.store.Users().Get(ctx, userID)
	if err != nil {
		return opcodes.Member{}, notFound(err, ErrUnknownMember, "load user")
	}
	out := memberShape(m, &u)
	ev := out
	ev.GuildID = guildID
	s.publish(ctx, events.Event{Name: opcodes.EventGuildMemberUpdate, GuildID: guildID, Subject: userID}, ev)
	if c := fieldChanges(memberFields(before), memberFields(m)); len(c) > 0 {
		s.audit(ctx, auditEntry{GuildID: guildID, Action: opcodes.AuditMemberUpdate, ActorID: actor, TargetID: userID, Changes: c})
	}
	s.auditMemberRoles(ctx, guildID, actor, userID, missingFrom(before.Roles, m.Roles), missingFrom(m.Roles, before.Roles))
	if p.ChannelID.Set {
		if err := s.moveMember(ctx, actor, guildID, userID, p.ChannelID, perms); err != nil {
			return opcodes.Member{}, err
		}
	} else if p.Mute != nil || p.Deaf != nil {
		// Server mute and deafen show in the member's voice state too.
		if vs, err := s.store.VoiceStates().Get(ctx, guildID, userID); err == nil {
			s.publishVoice(ctx, vs, false)
		}
	}
	return out, nil
}

func isManagedRole(ctx context.Context, s *Service, guildID, roleID snowflake.ID) bool {
	r, err := s.store.Roles().Get(ctx, guildID, roleID)
	return err == nil && r.Managed
}

func symmetricDiff(a, b []snowflake.ID) []snowflake.ID {
	var out []snowflake.ID
	for _, x := range a {
		if !slices.Contains(b, x) {
			out = append(out, x)
		}
	}
	for _, x := range b {
		if !slices.Contains(a, x) {
			out = append(out, x)
		}
	}
	return out
}

// AddMemberRole is PUT /guilds/{id}/members/{user}/roles/{role}.
func (s *Service) AddMemberRole(ctx context.Context, actor, guildID, userID, roleID snowflake.ID) error {
	return s.changeMemberRole(ctx, actor, guildID, userID, roleID, true)
}

// RemoveMemberRole is DELETE /guilds/{id}/members/{user}/roles/{role}.
func (s *Service) RemoveMemberRole(ctx context.Context, actor, guildID, userID, roleID snowflake.ID) error {
	return s.changeMemberRole(ctx, actor, guildID, userID, roleID, false)
}

func (s *Service) changeMemberRole(ctx context.Context, actor, guildID, userID, roleID snowflake.ID, add bool) error {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return err
	}
	m, err := s.store.Members().Get(ctx, guildID, userID)
	if err != nil {
		return notFound(err, ErrUnknownMember, "load member")
	}
	r, err := s.store.Roles().Get(ctx, guildID, roleID)
	if err != nil || roleID == guildID {
		return notFound(err, ErrUnknownRole, "load role")
	}
	gp, err := s.requireGuildPerm(ctx, guildID, actor, opcodes.PermManageRoles)
	if err != nil {
		return err
	}
	if !gp.canManageRole(actor, r.Position) || r.Managed {
		return ErrMissingPermissions
	}
	has := slices.Contains(m.Roles, roleID)
	switch {
	case add && has, !add && !has:
		return nil
	case add:
		m.Roles = append(m.Roles, roleID)
	default:
		m.Roles = slices.DeleteFunc(m.Roles, func(id snowflake.ID) bool { return id == roleID })
	}
	if err := s.store.Members().Update(ctx, m); err != nil {
		return notFound(err, ErrUnknownMember, "update member")
	}
	u, err := s.store.Users().Get(ctx, userID)
	if err != nil {
		return notFound(err, ErrUnknownMember, "load user")
	}
	ev := memberShape(m, &u)
	ev.GuildID = guildID
	s.publish(ctx, events.Event{Name: opcodes.EventGuildMemberUpdate, GuildID: guildID, Subject: userID}, ev)
	if add {
		s.auditMemberRoles(ctx, guildID, actor, userID, []snowflake.ID{roleID}, nil)
	} else {
		s.auditMemberRoles(ctx, guildID, actor, userID, nil, []snowflake.ID{roleID})
	}
	return nil
}

// KickMember is DELETE /guilds/{id}/members/{user}: KICK_MEMBERS and outranking the target.
func (s *Service) KickMember(ctx context.Context, actor, guildID, userID snowflake.ID) error {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return err
	}
	if _, err := s.store.Members().Get(ctx, guildID, userID); err != nil {
		return notFound(err, ErrUnknownMember, "load member")
	}
	gp, err := s.requireGuildPerm(ctx, guildID, actor, opcodes.PermKickMembers)
	if err != nil {
		return err
	}
	if actor == userID || !gp.outranks(actor, userID) {
		return ErrMissingPermissions
	}
	if err := s.removeMember(ctx, guildID, userID); err != nil {
		return err
	}
	s.audit(ctx, auditEntry{GuildID: guildID, Action: opcodes.AuditMemberKick, ActorID: actor, TargetID: userID})
	return nil
}

// missingFrom returns the IDs of b that a lacks.
func missingFrom(a, b []snowflake.ID) []snowflake.ID {
	var out []snowflake.ID
	for _, x := range b {
		if !slices.Contains(a, x) {
			out = append(out, x)
		}
	}
	return out
}
