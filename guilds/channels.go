package guilds

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// dmPermissions is what a recipient may do in a DM.
const dmPermissions = opcodes.PermViewChannel | opcodes.PermSendMessages | opcodes.PermReadMessageHistory |
	opcodes.PermAddReactions | opcodes.PermEmbedLinks | opcodes.PermAttachFiles | opcodes.PermUseExternalEmojis |
	opcodes.PermPinMessages

// channelAccess loads a channel and the actor's permissions in it. Outsiders and members
// without VIEW_CHANNEL get ErrMissingAccess, as Discord answers 50001.
func (s *Service) channelAccess(ctx context.Context, actor, channelID snowflake.ID) (storage.Channel, opcodes.Permissions, error) {
	ch, err := s.store.Channels().Get(ctx, channelID)
	if err != nil {
		return storage.Channel{}, 0, notFound(err, ErrUnknownChannel, "load channel")
	}
	if ch.GuildID == 0 {
		if !slices.Contains(ch.Recipients, actor) {
			return storage.Channel{}, 0, ErrMissingAccess
		}
		return ch, dmPermissions, nil
	}
	if ch.Thread != nil {
		p, err := s.threadPermissions(ctx, ch, actor)
		if err != nil {
			return storage.Channel{}, 0, err
		}
		return ch, p, nil
	}
	p, err := s.ChannelPermissions(ctx, ch.GuildID, ch.ID, actor)
	if err != nil {
		return storage.Channel{}, 0, err
	}
	if !p.Has(opcodes.PermViewChannel) {
		return storage.Channel{}, 0, ErrMissingAccess
	}
	return ch, p, nil
}

// channelAccessCached is channelAccess answered from the permission cache when the channel is
// a guild channel the cache has seen (the message hot paths: no store read). The returned
// channel's LastMessageID may be stale; callers that show it use channelAccess.
func (s *Service) channelAccessCached(ctx context.Context, actor, channelID snowflake.ID) (storage.Channel, opcodes.Permissions, error) {
	if guildID, ok := s.perms.channelGuild(channelID); ok {
		if gp, err := s.perms.get(ctx, guildID); err == nil {
			if ch, ok := gp.channels[channelID]; ok {
				st, ok := gp.state(guildID, actor)
				if !ok {
					return storage.Channel{}, 0, ErrMissingAccess
				}
				p := ChannelPermissions(st, actor, gp.overwrites[channelID], s.now())
				if !p.Has(opcodes.PermViewChannel) {
					return storage.Channel{}, 0, ErrMissingAccess
				}
				return ch, p, nil
			}
		}
	}
	return s.channelAccess(ctx, actor, channelID)
}

// channelOut shapes a channel for viewer; a DM lists the other participants, as Discord does.
func (s *Service) channelOut(ctx context.Context, ch storage.Channel, viewer snowflake.ID) (opcodes.Channel, error) {
	out := channelShape(ch)
	if ch.GuildID == 0 {
		users, err := s.usersByID(ctx, ch.Recipients)
		if err != nil {
			return opcodes.Channel{}, err
		}
		out.Recipients = []opcodes.User{}
		for _, id := range ch.Recipients {
			if u, ok := users[id]; ok && id != viewer {
				out.Recipients = append(out.Recipients, userShape(u))
			}
		}
	}
	return out, nil
}

// channelEvent publishes a channel event scoped to who can view the channel.
func (s *Service) channelEvent(ctx context.Context, name opcodes.EventName, ch storage.Channel, out opcodes.Channel) {
	ev := events.Event{Name: name, GuildID: ch.GuildID, ChannelID: ch.ID}
	if ch.GuildID == 0 {
		ev = events.Event{Name: name, UserIDs: ch.Recipients}
	}
	s.publish(ctx, ev, out)
}

// Channel is GET /channels/{id}.
func (s *Service) Channel(ctx context.Context, actor, channelID snowflake.ID) (opcodes.Channel, error) {
	ch, _, err := s.channelAccess(ctx, actor, channelID)
	if err != nil {
		return opcodes.Channel{}, err
	}
	return s.channelOut(ctx, ch, actor)
}

// GuildChannels is GET /guilds/{id}/channels: the channels the actor can view.
func (s *Service) GuildChannels(ctx context.Context, actor, guildID snowflake.ID) ([]opcodes.Channel, error) {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return nil, err
	}
	chans, err := s.store.Channels().ListByGuild(ctx, guildID)
	if err != nil {
		return nil, fmt.Errorf("list channels: %w", err)
	}
	out := make([]opcodes.Channel, 0, len(chans))
	for _, ch := range chans {
		p, err := s.ChannelPermissions(ctx, guildID, ch.ID, actor)
		if err != nil {
			return nil, err
		}
		if p.Has(opcodes.PermViewChannel) {
			out = append(out, channelShape(ch))
		}
	}
	return out, nil
}

// OverwriteParams is one permission overwrite in a request; Allow and Deny may be omitted.
type OverwriteParams struct {
	ID    snowflake.ID         `json:"id"`
	Type  *int                 `json:"type"`
	Allow *opcodes.Permissions `json:"allow"`
	Deny  *opcodes.Permissions `json:"deny"`
}

// ChannelParams is POST /guilds/{id}/channels and PATCH /channels/{id}. Nil fields keep their
// value (on create: Discord's defaults, type 0).
type ChannelParams struct {
	Name                 *string                        `json:"name"`
	Type                 *int                           `json:"type"`
	Topic                opcodes.Nullable[string]       `json:"topic"`
	Position             *int                           `json:"position"`
	NSFW                 *bool                          `json:"nsfw"`
	RateLimitPerUser     *int                           `json:"rate_limit_per_user"`
	Bitrate              *int                           `json:"bitrate"`
	UserLimit            *int                           `json:"user_limit"`
	ParentID             opcodes.Nullable[snowflake.ID] `json:"parent_id"`
	PermissionOverwrites *[]OverwriteParams             `json:"permission_overwrites"`
	ThreadChannelParams
}

var creatableChannelTypes = []opcodes.ChannelType{
	opcodes.ChannelGuildText, opcodes.ChannelGuildVoice, opcodes.ChannelGuildCategory,
	opcodes.ChannelGuildAnnouncement, opcodes.ChannelGuildStageVoice, opcodes.ChannelGuildForum,
	opcodes.ChannelGuildMedia,
}

// apply validates p onto ch. creating selects create-only rules.
func (s *Service) applyChannel(ctx context.Context, v *validator, ch *storage.Channel, p ChannelParams, actorPerms opcodes.Permissions, creating bool) error {
	if p.Name != nil {
		name := strings.TrimSpace(*p.Name)
		v.length("name", name, 1, 100)
		if opcodes.ChannelType(ch.Type) == opcodes.ChannelGuildText || opcodes.ChannelType(ch.Type) == opcodes.ChannelGuildAnnouncement {
			// Discord lower-cases text channel names and turns spaces into dashes.
			name = strings.ToLower(strings.Join(strings.Fields(name), "-"))
		}
		ch.Name = name
	} else if creating {
		v.required("name")
	}
	if p.Type != nil && !creating {
		t := opcodes.ChannelType(*p.Type)
		cur := opcodes.ChannelType(ch.Type)
		okSwap := (cur == opcodes.ChannelGuildText && t == opcodes.ChannelGuildAnnouncement) ||
			(cur == opcodes.ChannelGuildAnnouncement && t == opcodes.ChannelGuildText) || t == cur
		if !okSwap {
			v.add("type", "CHANNEL_TYPE_INVALID", "Cannot change channel type")
		} else {
			ch.Type = int(t)
		}
	}
	if p.Topic.Set {
		if !p.Topic.Null {
			max := 1024
			if t := opcodes.ChannelType(ch.Type); t == opcodes.ChannelGuildForum || t == opcodes.ChannelGuildMedia {
				max = 4096
			}
			v.length("topic", p.Topic.Value, 0, max)
		}
		ch.Topic = p.Topic.Ptr()
	}
	if p.Position != nil {
		ch.Position = *p.Position
	}
	if p.NSFW != nil {
		ch.NSFW = *p.NSFW
	}
	if p.RateLimitPerUser != nil {
		if *p.RateLimitPerUser < 0 || *p.RateLimitPerUser > 21600 {
			v.add("rate_limit_per_user", "NUMBER_TYPE_MAX", "int value should be between 0 and 21600.")
		}
		ch.RateLimitPerUser = *p.RateLimitPerUser
	}
	if p.Bitrate != nil {
		if *p.Bitrate < 8000 || *p.Bitrate > 384000 {
			v.add("bitrate", "NUMBER_TYPE_MIN", "int value should be between 8000 and 384000.")
		}
		ch.Bitrate = *p.Bitrate
	}
	if p.UserLimit != nil {
		if *p.UserLimit < 0 || *p.UserLimit > 99 {
			v.add("user_limit", "NUMBER_TYPE_MAX", "int value should be between 0 and 99.")
		}
		ch.UserLimit = *p.UserLimit
	}
	if p.ParentID.Set {
		ch.ParentID = 0
		if !p.ParentID.Null {
			parent, err := s.store.Channels().Get(ctx, p.ParentID.Value)
			if err != nil || parent.GuildID != ch.GuildID || opcodes.ChannelType(parent.Type) != opcodes.ChannelGuildCategory ||
				opcodes.ChannelType(ch.Type) == opcodes.ChannelGuildCategory {
				v.add("parent_id", "CHANNEL_PARENT_INVALID", "Invalid parent channel")
			} else {
				ch.ParentID = parent.ID
			}
		}
	}
	s.applyForum(v, ch, p.ThreadChannelParams)
	if p.PermissionOverwrites != nil {
		ows := make([]storage.Overwrite, 0, len(*p.PermissionOverwrites))
		for i, o := range *p.PermissionOverwrites {
			ow, err := overwriteFrom(o, fmt.Sprintf("permission_overwrites.%d", i), v)
			if err != nil {
				continue
			}
			// Discord refuses overwrites granting or denying permissions the actor lacks,
			// unless the actor is an administrator.
			if (opcodes.Permissions(ow.Allow|ow.Deny))&^actorPerms != 0 {
				return ErrMissingPermissions
			}
			// A repeated ID replaces the earlier entry, so IDs stay unique per channel.
			ows = slices.DeleteFunc(ows, func(o storage.Overwrite) bool { return o.ID == ow.ID })
			ows = append(ows, ow)
		}
		ch.Overwrites = ows
	}
	return nil
}

var errBadOverwrite = errors.New("bad overwrite")

func overwriteFrom(o OverwriteParams, field string, v *validator) (storage.Overwrite, error) {
	if o.ID == 0 {
		v.required(field + ".id")
		return storage.Overwrite{}, errBadOverwrite
	}
	if o.Type == nil || (*o.Type != opcodes.OverwriteRole && *o.Type != opcodes.OverwriteMember) {
		v.add(field+".type", "BASE_TYPE_CHOICES", "Value must be one of (0, 1).")
		return storage.Overwrite{}, errBadOverwrite
	}
	ow := storage.Overwrite{ID: o.ID, Type: *o.Type}
	if o.Allow != nil {
		ow.Allow = uint64(*o.Allow)
	}
	if o.Deny != nil {
		ow.Deny = uint64(*o.Deny)
	}
	return ow, nil
}

// CreateChannel is POST /guilds/{id}/channels: MANAGE_CHANNELS; overwrites need MANAGE_ROLES.
func (s *Service) CreateChannel(ctx context.Context, actor, guildID snowflake.ID, p ChannelParams) (opcodes.Channel, error) {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return opcodes.Channel{}, err
	}
	if _, err := s.requireGuildPerm(ctx, guildID, actor, opcodes.PermManageChannels); err != nil {
		return opcodes.Channel{}, err
	}
	perms, err := s.GuildPermissions(ctx, guildID, actor)
	if err != nil {
		return opcodes.Channel{}, err
	}
	if p.PermissionOverwrites != nil && len(*p.PermissionOverwrites) > 0 && !perms.Has(opcodes.PermManageRoles) {
		return opcodes.Channel{}, ErrMissingPermissions
	}
	var v validator
	ch := storage.Channel{ID: s.ids.Next(), GuildID: guildID, Type: int(opcodes.ChannelGuildText)}
	if p.Type != nil {
		if !slices.Contains(creatableChannelTypes, opcodes.ChannelType(*p.Type)) {
			v.add("type", "BASE_TYPE_CHOICES", "Value must be one of "+fmt.Sprint(creatableChannelTypes)+".")
		} else {
			ch.Type = *p.Type
		}
	}
	if t := opcodes.ChannelType(ch.Type); t == opcodes.ChannelGuildVoice || t == opcodes.ChannelGuildStageVoice {
		ch.Bitrate = 64000
	}
	if p.Position == nil {
		existing, err := s.store.Channels().ListByGuild(ctx, guildID)
		if err != nil {
			return opcodes.Channel{}, fmt.Errorf("list channels: %w", err)
		}
		for _, e := range existing {
			if e.Position >= ch.Position {
				ch.Position = e.Position + 1
			}
		}
	}
	if err := s.applyChannel(ctx, &v, &ch, p, perms, true); err != nil {
		return opcodes.Channel{}, err
	}
	if err := v.err(); err != nil {
		return opcodes.Channel{}, err
	}
	if err := s.store.Channels().Create(ctx, ch); err != nil {
		return opcodes.Channel{}, fmt.Errorf("create channel: %w", err)
	}
	out := channelShape(ch)
	s.channelEvent(ctx, opcodes.EventChannelCreate, ch, out)
	s.audit(ctx, auditEntry{GuildID: guildID, Action: opcodes.AuditChannelCreate, ActorID: actor, TargetID: ch.ID,
		Changes: fieldChanges(nil, channelFields(ch))})
	return out, nil
}

// ModifyChannel is PATCH /channels/{id}: MANAGE_CHANNELS; overwrites need MANAGE_ROLES.
func (s *Service) ModifyChannel(ctx context.Context, actor, channelID snowflake.ID, p ChannelParams) (opcodes.Channel, error) {
	ch, perms, err := s.channelAccess(ctx, actor, channelID)
	if err != nil {
		return opcodes.Channel{}, err
	}
	if ch.GuildID == 0 {
		return opcodes.Channel{}, ErrMissingPermissions
	}
	if ch.Thread != nil {
		return s.modifyThread(ctx, actor, ch, perms, p)
	}
	if !perms.Has(opcodes.PermManageChannels) {
		return opcodes.Channel{}, ErrMissingPermissions
	}
	if p.PermissionOverwrites != nil && !perms.Has(opcodes.PermManageRoles) {
		return opcodes.Channel{}, ErrMissingPermissions
	}
	before := ch
	var v validator
	if err := s.applyChannel(ctx, &v, &ch, p, perms, false); err != nil {
		return opcodes.Channel{}, err
	}
	if err := v.err(); err != nil {
		return opcodes.Channel{}, err
	}
	if err := s.store.Channels().Update(ctx, ch); err != nil {
		return opcodes.Channel{}, notFound(err, ErrUnknownChannel, "update channel")
	}
	out := channelShape(ch)
	s.channelEvent(ctx, opcodes.EventChannelUpdate, ch, out)
	// Overwrite edits made through PATCH are part of the channel's own entry here; Discord
	// would also list them as overwrite entries.
	if c := fieldChanges(channelFields(before), channelFields(ch)); len(c) > 0 {
		s.audit(ctx, auditEntry{GuildID: ch.GuildID, Action: opcodes.AuditChannelUpdate, ActorID: actor, TargetID: ch.ID, Changes: c})
	}
	return out, nil
}

// DeleteChannel is DELETE /channels/{id}: MANAGE_CHANNELS; messages go with it.
func (s *Service) DeleteChannel(ctx context.Context, actor, channelID snowflake.ID) (opcodes.Channel, error) {
	ch, perms, err := s.channelAccess(ctx, actor, channelID)
	if err != nil {
		return opcodes.Channel{}, err
	}
	if ch.GuildID == 0 {
		// Closing a DM only hides it for the actor in Discord; Parley keeps it.
		return s.channelOut(ctx, ch, actor)
	}
	if ch.Thread != nil {
		return s.deleteThread(ctx, ch, perms)
	}
	if !perms.Has(opcodes.PermManageChannels) {
		return opcodes.Channel{}, ErrMissingPermissions
	}
	if err := s.dropChannelVoice(ctx, channelID); err != nil {
		return opcodes.Channel{}, err
	}
	if err := s.store.Channels().Delete(ctx, channelID); err != nil {
		return opcodes.Channel{}, notFound(err, ErrUnknownChannel, "delete channel")
	}
	out := channelShape(ch)
	// Scope to the guild, not the channel: the channel is gone, so nobody can "view" it now.
	s.publish(ctx, events.Event{Name: opcodes.EventChannelDelete, GuildID: ch.GuildID}, out)
	s.audit(ctx, auditEntry{GuildID: ch.GuildID, Action: opcodes.AuditChannelDelete, ActorID: actor, TargetID: ch.ID,
		Changes: fieldChanges(channelFields(ch), nil)})
	return out, nil
}

// ChannelPosition is one entry of PATCH /guilds/{id}/channels.
type ChannelPosition struct {
	ID              snowflake.ID                   `json:"id"`
	Position        *int                           `json:"position"`
	LockPermissions *bool                          `json:"lock_permissions"`
	ParentID        opcodes.Nullable[snowflake.ID] `json:"parent_id"`
}

// ReorderChannels is PATCH /guilds/{id}/channels.
func (s *Service) ReorderChannels(ctx context.Context, actor, guildID snowflake.ID, ps []ChannelPosition) error {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return err
	}
	if _, err := s.requireGuildPerm(ctx, guildID, actor, opcodes.PermManageChannels); err != nil {
		return err
	}
	chans, err := s.store.Channels().ListByGuild(ctx, guildID)
	if err != nil {
		return fmt.Errorf("list channels: %w", err)
	}
	byID := make(map[snowflake.ID]storage.Channel, len(chans))
	for _, c := range chans {
		byID[c.ID] = c
	}
	var v validator
	positions := make(map[snowflake.ID]int)
	var reparented []storage.Channel
	for i, p := range ps {
		c, ok := byID[p.ID]
		if !ok {
			v.add(fmt.Sprintf("%d.id", i), "CHANNEL_INVALID", "Invalid channel")
			continue
		}
		if p.Position != nil {
			positions[p.ID] = *p.Position
		}
		if p.ParentID.Set {
			c.ParentID = 0
			if !p.ParentID.Null {
				parent, ok := byID[p.ParentID.Value]
				if !ok || opcodes.ChannelType(parent.Type) != opcodes.ChannelGuildCategory {
					v.add(fmt.Sprintf("%d.parent_id", i), "CHANNEL_PARENT_INVALID", "Invalid parent channel")
					continue
				}
				c.ParentID = parent.ID
				if p.LockPermissions != nil && *p.LockPermissions {
					c.Overwrites = parent.Overwrites
				}
			}
			reparented = append(reparented, c)
		}
	}
	if err := v.err(); err != nil {
		return err
	}
	if len(positions) > 0 {
		if err := s.store.Channels().UpdatePositions(ctx, guildID, positions); err != nil {
			return fmt.Errorf("update positions: %w", err)
		}
	}
	for _, c := range reparented {
		if pos, ok := positions[c.ID]; ok {
			c.Position = pos
		}
		if err := s.store.Channels().Update(ctx, c); err != nil {
			return fmt.Errorf("update channel: %w", err)
		}
	}
	updated, err := s.store.Channels().ListByGuild(ctx, guildID)
	if err != nil {
		return fmt.Errorf("list channels: %w", err)
	}
	for _, c := range updated {
		if _, moved := positions[c.ID]; moved || slices.ContainsFunc(reparented, func(r storage.Channel) bool { return r.ID == c.ID }) {
			s.channelEvent(ctx, opcodes.EventChannelUpdate, c, channelShape(c))
		}
	}
	return nil
}

// EditOverwrite is PUT /channels/{id}/permissions/{overwrite}: MANAGE_ROLES in the channel.
func (s *Service) EditOverwrite(ctx context.Context, actor, channelID snowflake.ID, p OverwriteParams) error {
	ch, perms, err := s.channelAccess(ctx, actor, channelID)
	if err != nil {
		return err
	}
	if ch.GuildID == 0 || !perms.Has(opcodes.PermManageRoles) {
		return ErrMissingPermissions
	}
	var v validator
	ow, err := overwriteFrom(p, "", &v)
	if err != nil {
		// overwriteFrom names fields with a leading dot here; strip it.
		fixed := validator{}
		for k, errs := range v.fields {
			for _, fe := range errs {
				fixed.add(strings.TrimPrefix(k, "."), fe.Code, fe.Message)
			}
		}
		return fixed.err()
	}
	if opcodes.Permissions(ow.Allow|ow.Deny)&^perms != 0 {
		return ErrMissingPermissions
	}
	replaced := false
	var old storage.Overwrite
	for i := range ch.Overwrites {
		if ch.Overwrites[i].ID == ow.ID {
			old = ch.Overwrites[i]
			ch.Overwrites[i] = ow
			replaced = true
		}
	}
	if !replaced {
		ch.Overwrites = append(ch.Overwrites, ow)
	}
	if err := s.store.Channels().Update(ctx, ch); err != nil {
		return notFound(err, ErrUnknownChannel, "update channel")
	}
	s.channelEvent(ctx, opcodes.EventChannelUpdate, ch, channelShape(ch))
	e := auditEntry{GuildID: ch.GuildID, Action: opcodes.AuditChannelOverwriteCreate, ActorID: actor, TargetID: ch.ID,
		Options: s.overwriteOptions(ctx, ch.GuildID, ow), Changes: fieldChanges(nil, overwriteFields(ow))}
	if replaced {
		e.Action, e.Changes = opcodes.AuditChannelOverwriteUpdate, fieldChanges(overwriteFields(old), overwriteFields(ow))
	}
	s.audit(ctx, e)
	return nil
}

// overwriteOptions are an overwrite entry's options: the overwritten entity's ID and type
// ("0" role, "1" member) and, for a role, its name.
func (s *Service) overwriteOptions(ctx context.Context, guildID snowflake.ID, ow storage.Overwrite) *opcodes.AuditEntryInfo {
	opt := &opcodes.AuditEntryInfo{ID: ow.ID.String(), Type: strconv.Itoa(ow.Type)}
	if ow.Type == 0 {
		if r, err := s.store.Roles().Get(ctx, guildID, ow.ID); err == nil {
			opt.RoleName = r.Name
		}
	}
	return opt
}

// DeleteOverwrite is DELETE /channels/{id}/permissions/{overwrite}.
func (s *Service) DeleteOverwrite(ctx context.Context, actor, channelID, overwriteID snowflake.ID) error {
	ch, perms, err := s.channelAccess(ctx, actor, channelID)
	if err != nil {
		return err
	}
	if ch.GuildID == 0 || !perms.Has(opcodes.PermManageRoles) {
		return ErrMissingPermissions
	}
	var removed []storage.Overwrite
	ch.Overwrites = slices.DeleteFunc(ch.Overwrites, func(o storage.Overwrite) bool {
		if o.ID == overwriteID {
			removed = append(removed, o)
			return true
		}
		return false
	})
	if len(removed) == 0 {
		return nil
	}
	if err := s.store.Channels().Update(ctx, ch); err != nil {
		return notFound(err, ErrUnknownChannel, "update channel")
	}
	s.channelEvent(ctx, opcodes.EventChannelUpdate, ch, channelShape(ch))
	s.audit(ctx, auditEntry{GuildID: ch.GuildID, Action: opcodes.AuditChannelOverwriteDelete, ActorID: actor, TargetID: ch.ID,
		Options: s.overwriteOptions(ctx, ch.GuildID, removed[0]), Changes: fieldChanges(overwriteFields(removed[0]), nil)})
	return nil
}

// TriggerTyping is POST /channels/{id}/typing: SEND_MESSAGES; publishes TYPING_START.
func (s *Service) TriggerTyping(ctx context.Context, actor, channelID snowflake.ID) error {
	ch, perms, err := s.channelAccess(ctx, actor, channelID)
	if err != nil {
		return err
	}
	if !perms.Has(opcodes.PermSendMessages) {
		return ErrMissingPermissions
	}
	ts := opcodes.TypingStart{ChannelID: ch.ID, UserID: actor, Timestamp: s.now().Unix()}
	ev := events.Event{Name: opcodes.EventTypingStart}
	if ch.GuildID == 0 {
		ev.UserIDs = ch.Recipients
	} else {
		ts.GuildID = ptrID(ch.GuildID)
		if m, err := s.Member(ctx, actor, ch.GuildID, actor); err == nil {
			ts.Member = &m
		}
		ev.GuildID, ev.ChannelID = ch.GuildID, ch.ID
	}
	s.publish(ctx, ev, &ts)
	return nil
}

// CreateDM is POST /users/@me/channels: the existing DM with recipient or a new one.
func (s *Service) CreateDM(ctx context.Context, actor, recipientID snowflake.ID) (opcodes.Channel, error) {
	if recipientID == actor {
		return opcodes.Channel{}, ErrInvalidDMTarget
	}
	if _, err := s.store.Users().Get(ctx, recipientID); err != nil {
		return opcodes.Channel{}, notFound(err, ErrUnknownUser, "load recipient")
	}
	ch, err := s.store.Channels().FindDM(ctx, actor, recipientID)
	if err == nil {
		return s.channelOut(ctx, ch, actor)
	}
	if !errors.Is(err, storage.ErrNotFound) {
		return opcodes.Channel{}, fmt.Errorf("find dm: %w", err)
	}
	ch = storage.Channel{ID: s.ids.Next(), Type: int(opcodes.ChannelDM), Recipients: []snowflake.ID{actor, recipientID}}
	if err := s.store.Channels().Create(ctx, ch); err != nil {
		return opcodes.Channel{}, fmt.Errorf("create dm: %w", err)
	}
	return s.channelOut(ctx, ch, actor)
}
