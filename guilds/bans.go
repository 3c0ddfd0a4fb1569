package guilds

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// Discord's ban limits.
const (
	maxDeleteMessageSeconds = 7 * 24 * 60 * 60 // 604800
	maxBansPage             = 1000
	maxBulkBan              = 200
)

// Bans is GET /guilds/{id}/bans: BAN_MEMBERS; bans ordered by user ID, strictly between after
// and before, limit 1–1000 (the caller applies Discord's default of 1000).
func (s *Service) Bans(ctx context.Context, actor, guildID, before, after snowflake.ID, limit int) ([]opcodes.Ban, error) {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return nil, err
	}
	if _, err := s.requireGuildPerm(ctx, guildID, actor, opcodes.PermBanMembers); err != nil {
		return nil, err
	}
	if limit < 1 || limit > maxBansPage {
		var v validator
		v.add("limit", "NUMBER_TYPE_MAX", "int value should be between 1 and 1000.")
		return nil, v.err()
	}
	bans, err := s.store.Bans().List(ctx, guildID, before, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list bans: %w", err)
	}
	ids := make([]snowflake.ID, len(bans))
	for i, b := range bans {
		ids[i] = b.UserID
	}
	users, err := s.usersByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]opcodes.Ban, 0, len(bans))
	for _, b := range bans {
		out = append(out, banShape(b, users[b.UserID]))
	}
	return out, nil
}

// banShape is the ban object; a user that no longer exists keeps its ID.
func banShape(b storage.Ban, u storage.User) opcodes.Ban {
	if u.ID == 0 {
		return opcodes.Ban{Reason: b.Reason, User: opcodes.User{ID: b.UserID, Username: "Deleted User", Discriminator: "0"}}
	}
	return opcodes.Ban{Reason: b.Reason, User: userShape(u)}
}

// Ban is GET /guilds/{id}/bans/{user}: BAN_MEMBERS; ErrUnknownBan if the user is not banned.
func (s *Service) Ban(ctx context.Context, actor, guildID, userID snowflake.ID) (opcodes.Ban, error) {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return opcodes.Ban{}, err
	}
	if _, err := s.requireGuildPerm(ctx, guildID, actor, opcodes.PermBanMembers); err != nil {
		return opcodes.Ban{}, err
	}
	b, err := s.store.Bans().Get(ctx, guildID, userID)
	if err != nil {
		return opcodes.Ban{}, notFound(err, ErrUnknownBan, "load ban")
	}
	u, err := s.store.Users().Get(ctx, userID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return opcodes.Ban{}, fmt.Errorf("load user: %w", err)
	}
	return banShape(b, u), nil
}

func validateDeleteSeconds(v *validator, secs int) {
	if secs < 0 {
		v.add("delete_message_seconds", "NUMBER_TYPE_MIN", "int value should be greater than or equal to 0.")
	} else if secs > maxDeleteMessageSeconds {
		v.add("delete_message_seconds", "NUMBER_TYPE_MAX", "int value should be less than or equal to 604800.")
	}
}

// CreateBan is PUT /guilds/{id}/bans/{user}: BAN_MEMBERS; nobody can ban themselves or the
// owner, and a member target must rank below the actor. The ban is stored first (so the user
// cannot rejoin in between), then the member is removed and, with deleteMessageSeconds > 0,
// the user's messages in the guild from that window are deleted. reason is the audit log
// reason, kept on the ban. Banning an already banned user updates the reason and deletes
// messages again, without a second GUILD_BAN_ADD.
func (s *Service) CreateBan(ctx context.Context, actor, guildID, userID snowflake.ID, deleteMessageSeconds int, reason *string) error {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return err
	}
	gp, err := s.requireGuildPerm(ctx, guildID, actor, opcodes.PermBanMembers)
	if err != nil {
		return err
	}
	var v validator
	validateDeleteSeconds(&v, deleteMessageSeconds)
	if err := v.err(); err != nil {
		return err
	}
	u, err := s.store.Users().Get(ctx, userID)
	if err != nil {
		return notFound(err, ErrUnknownUser, "load user")
	}
	if !s.mayBan(gp, actor, userID) {
		return ErrMissingPermissions
	}
	fresh, err := s.banUser(ctx, guildID, u, deleteMessageSeconds, reason)
	if err != nil || !fresh {
		return err // a re-ban only updates the reason: no second entry, as no second event
	}
	s.audit(ctx, auditEntry{GuildID: guildID, Action: opcodes.AuditMemberBanAdd, ActorID: actor, TargetID: userID})
	return nil
}

// mayBan applies the self, owner and hierarchy rules for banning target.
func (s *Service) mayBan(gp *guildPerms, actor, target snowflake.ID) bool {
	if target == actor || target == gp.ownerID {
		return false
	}
	if _, member := gp.members[target]; member && !gp.outranks(actor, target) {
		return false
	}
	return true
}

// banUser stores the ban, publishes GUILD_BAN_ADD (to holders of BAN_MEMBERS; its Subject makes
// the gateway drop the guild from the user's sessions), removes the member and deletes recent
// messages. It reports whether the ban is new.
func (s *Service) banUser(ctx context.Context, guildID snowflake.ID, u storage.User, deleteSeconds int, reason *string) (bool, error) {
	_, err := s.store.Bans().Get(ctx, guildID, u.ID)
	existed := err == nil
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return false, fmt.Errorf("load ban: %w", err)
	}
	if err := s.store.Bans().Create(ctx, storage.Ban{GuildID: guildID, UserID: u.ID, Reason: reason}); err != nil {
		return false, fmt.Errorf("create ban: %w", err)
	}
	if !existed {
		s.publish(ctx, events.Event{Name: opcodes.EventGuildBanAdd, GuildID: guildID, Perm: opcodes.PermBanMembers, Subject: u.ID},
			opcodes.GuildBanEvent{GuildID: guildID, User: userShape(u)})
	}
	if _, err := s.store.Members().Get(ctx, guildID, u.ID); err == nil {
		if err := s.removeMember(ctx, guildID, u.ID); err != nil && !errors.Is(err, ErrUnknownMember) {
			return !existed, err
		}
	} else if !errors.Is(err, storage.ErrNotFound) {
		return !existed, fmt.Errorf("load member: %w", err)
	}
	if deleteSeconds > 0 {
		if err := s.deleteRecentMessages(ctx, guildID, u.ID, deleteSeconds); err != nil {
			return !existed, err
		}
	}
	return !existed, nil
}

// deleteRecentMessages deletes a user's messages in a guild from the last secs seconds and
// publishes MESSAGE_DELETE (one message) or MESSAGE_DELETE_BULK per channel.
func (s *Service) deleteRecentMessages(ctx context.Context, guildID, userID snowflake.ID, secs int) error {
	since := snowflake.FromTime(s.now().Add(-time.Duration(secs) * time.Second))
	byChannel, err := s.store.Messages().DeleteByAuthorSince(ctx, guildID, userID, since)
	if err != nil {
		return fmt.Errorf("delete messages: %w", err)
	}
	chans := make([]snowflake.ID, 0, len(byChannel))
	for ch := range byChannel {
		chans = append(chans, ch)
	}
	slices.Sort(chans)
	for _, ch := range chans {
		ids := byChannel[ch]
		switch len(ids) {
		case 0:
		case 1:
			s.publish(ctx, events.Event{Name: opcodes.EventMessageDelete, GuildID: guildID, ChannelID: ch},
				opcodes.MessageDelete{ID: ids[0], ChannelID: ch, GuildID: ptrID(guildID)})
		default:
			s.publish(ctx, events.Event{Name: opcodes.EventMessageDeleteBulk, GuildID: guildID, ChannelID: ch},
				opcodes.MessageDeleteBulk{IDs: ids, ChannelID: ch, GuildID: ptrID(guildID)})
		}
	}
	return nil
}

// RemoveBan is DELETE /guilds/{id}/bans/{user}: BAN_MEMBERS; publishes GUILD_BAN_REMOVE to
// holders of BAN_MEMBERS.
func (s *Service) RemoveBan(ctx context.Context, actor, guildID, userID snowflake.ID) error {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return err
	}
	if _, err := s.requireGuildPerm(ctx, guildID, actor, opcodes.PermBanMembers); err != nil {
		return err
	}
	if _, err := s.store.Bans().Get(ctx, guildID, userID); err != nil {
		return notFound(err, ErrUnknownBan, "load ban")
	}
	u, err := s.store.Users().Get(ctx, userID)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("load user: %w", err)
	}
	if err := s.store.Bans().Delete(ctx, guildID, userID); err != nil {
		return notFound(err, ErrUnknownBan, "delete ban")
	}
	s.publish(ctx, events.Event{Name: opcodes.EventGuildBanRemove, GuildID: guildID, Perm: opcodes.PermBanMembers},
		opcodes.GuildBanEvent{GuildID: guildID, User: banShape(storage.Ban{UserID: userID}, u).User})
	s.audit(ctx, auditEntry{GuildID: guildID, Action: opcodes.AuditMemberBanRemove, ActorID: actor, TargetID: userID})
	return nil
}

// BulkBanResult is the answer of POST /guilds/{id}/bulk-ban.
type BulkBanResult struct {
	BannedUsers []snowflake.ID `json:"banned_users"`
	FailedUsers []snowflake.ID `json:"failed_users"`
}

// BulkBan is POST /guilds/{id}/bulk-ban: BAN_MEMBERS and MANAGE_GUILD, 1–200 user IDs.
// Users that cannot be banned (oneself, the owner, members ranking at or above the actor,
// unknown users, users already banned) are listed in FailedUsers. Discord answers error
// 500000 when nobody was banned; the result lets the caller do the same
// (len(BannedUsers) == 0).
func (s *Service) BulkBan(ctx context.Context, actor, guildID snowflake.ID, userIDs []snowflake.ID, deleteMessageSeconds int) (BulkBanResult, error) {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return BulkBanResult{}, err
	}
	gp, err := s.requireGuildPerm(ctx, guildID, actor, opcodes.PermBanMembers|opcodes.PermManageGuild)
	if err != nil {
		return BulkBanResult{}, err
	}
	var v validator
	if len(userIDs) < 1 || len(userIDs) > maxBulkBan {
		v.add("user_ids", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 200 in length.")
	}
	validateDeleteSeconds(&v, deleteMessageSeconds)
	if err := v.err(); err != nil {
		return BulkBanResult{}, err
	}
	ids := dedupe(userIDs)
	users, err := s.usersByID(ctx, ids)
	if err != nil {
		return BulkBanResult{}, err
	}
	res := BulkBanResult{BannedUsers: []snowflake.ID{}, FailedUsers: []snowflake.ID{}}
	for _, id := range ids {
		u, ok := users[id]
		if !ok || !s.mayBan(gp, actor, id) {
			res.FailedUsers = append(res.FailedUsers, id)
			continue
		}
		if _, err := s.store.Bans().Get(ctx, guildID, id); err == nil {
			res.FailedUsers = append(res.FailedUsers, id)
			continue
		} else if !errors.Is(err, storage.ErrNotFound) {
			return res, fmt.Errorf("load ban: %w", err)
		}
		if _, err := s.banUser(ctx, guildID, u, deleteMessageSeconds, nil); err != nil {
			s.log.WarnContext(ctx, "bulk ban", "guild_id", guildID, "user_id", id, "err", err)
			res.FailedUsers = append(res.FailedUsers, id)
			continue
		}
		res.BannedUsers = append(res.BannedUsers, id)
		s.audit(ctx, auditEntry{GuildID: guildID, Action: opcodes.AuditMemberBanAdd, ActorID: actor, TargetID: id})
	}
	return res, nil
}
