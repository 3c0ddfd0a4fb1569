package guilds

import (
	"context"
	"strconv"

	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// auditField is one field of an audited object, under the key Discord's audit log names it.
type auditField struct {
	key   string
	value any
}

// fieldChanges turns an object's fields into an entry's changes: old nil means created (every
// field with new_value), new nil deleted (old_value), both set updated (only what changed).
// Both lists come from the same fields function, so their keys line up.
func fieldChanges(old, new []auditField) auditChanges {
	var c auditChanges
	switch {
	case old == nil:
		for _, f := range new {
			c.created(f.key, f.value)
		}
	case new == nil:
		for _, f := range old {
			c.deleted(f.key, f.value)
		}
	default:
		for i := range new {
			c.update(new[i].key, old[i].value, new[i].value)
		}
	}
	return c
}

// idOrNil is a snowflake as Discord's audit log writes it: a string, or null for none.
func idOrNil(id snowflake.ID) any {
	if id == 0 {
		return nil
	}
	return id.String()
}

func guildFields(g storage.Guild) []auditField {
	return []auditField{
		{"name", g.Name}, {"owner_id", g.OwnerID.String()}, {"icon_hash", g.Icon}, {"description", g.Description},
		{"verification_level", g.VerificationLevel}, {"default_message_notifications", g.DefaultMessageNotifications},
		{"explicit_content_filter", g.ExplicitContentFilter}, {"afk_channel_id", idOrNil(g.AFKChannelID)},
		{"afk_timeout", g.AFKTimeout}, {"system_channel_id", idOrNil(g.SystemChannelID)},
		{"system_channel_flags", g.SystemChannelFlags}, {"rules_channel_id", idOrNil(g.RulesChannelID)},
		{"public_updates_channel_id", idOrNil(g.PublicUpdatesChannelID)}, {"preferred_locale", g.PreferredLocale},
		{"premium_progress_bar_enabled", g.PremiumProgressBarEnabled},
	}
}

func channelFields(c storage.Channel) []auditField {
	overwrites := make([]map[string]any, 0, len(c.Overwrites))
	for _, o := range c.Overwrites {
		overwrites = append(overwrites, overwriteMap(o))
	}
	return []auditField{
		{"name", c.Name}, {"type", c.Type}, {"position", c.Position}, {"topic", c.Topic}, {"nsfw", c.NSFW},
		{"parent_id", idOrNil(c.ParentID)}, {"rate_limit_per_user", c.RateLimitPerUser}, {"bitrate", c.Bitrate},
		{"user_limit", c.UserLimit}, {"flags", c.Flags}, {"permission_overwrites", overwrites},
	}
}

func overwriteMap(o storage.Overwrite) map[string]any {
	return map[string]any{"id": o.ID.String(), "type": o.Type,
		"allow": strconv.FormatUint(o.Allow, 10), "deny": strconv.FormatUint(o.Deny, 10)}
}

func overwriteFields(o storage.Overwrite) []auditField {
	return []auditField{{"id", o.ID.String()}, {"type", o.Type},
		{"allow", strconv.FormatUint(o.Allow, 10)}, {"deny", strconv.FormatUint(o.Deny, 10)}}
}

func roleFields(r storage.Role) []auditField {
	return []auditField{
		{"name", r.Name}, {"permissions", strconv.FormatUint(r.Permissions, 10)}, {"color", r.Colors.Primary},
		{"colors", roleShape(r).Colors}, {"hoist", r.Hoist}, {"mentionable", r.Mentionable}, {"icon_hash", r.Icon},
		{"unicode_emoji", r.UnicodeEmoji},
	}
}

func memberFields(m storage.Member) []auditField {
	var until any
	if m.CommunicationDisabledUntil != nil {
		until = m.CommunicationDisabledUntil.UTC().Format("2006-01-02T15:04:05.000000+00:00")
	}
	return []auditField{{"nick", m.Nick}, {"mute", m.Mute}, {"deaf", m.Deaf}, {"avatar_hash", m.Avatar},
		{"communication_disabled_until", until}}
}

func inviteFields(i storage.Invite) []auditField {
	return []auditField{
		{"code", i.Code}, {"channel_id", i.ChannelID.String()}, {"inviter_id", idOrNil(i.InviterID)},
		{"uses", i.Uses}, {"max_uses", i.MaxUses}, {"max_age", i.MaxAge}, {"temporary", i.Temporary},
	}
}

func webhookFields(w storage.Webhook) []auditField {
	return []auditField{{"name", w.Name}, {"type", w.Type}, {"channel_id", w.ChannelID.String()},
		{"avatar_hash", w.Avatar}, {"application_id", idOrNil(w.ApplicationID)}}
}

func emojiFields(e storage.Emoji) []auditField {
	roles := make([]string, 0, len(e.Roles))
	for _, r := range e.Roles {
		roles = append(roles, r.String())
	}
	return []auditField{{"name", e.Name}, {"roles", roles}}
}

// auditMemberRoles records a MEMBER_ROLE_UPDATE: the roles added ($add) and removed
// ($remove) as Discord's partial roles {id, name}.
func (s *Service) auditMemberRoles(ctx context.Context, guildID, actor, userID snowflake.ID, added, removed []snowflake.ID) {
	if len(added) == 0 && len(removed) == 0 {
		return
	}
	names := map[snowflake.ID]string{}
	if roles, err := s.store.Roles().ListByGuild(ctx, guildID); err == nil {
		for _, r := range roles {
			names[r.ID] = r.Name
		}
	}
	partial := func(ids []snowflake.ID) []map[string]string {
		out := make([]map[string]string, 0, len(ids))
		for _, id := range ids {
			out = append(out, map[string]string{"id": id.String(), "name": names[id]})
		}
		return out
	}
	var c auditChanges
	if len(added) > 0 {
		c.created("$add", partial(added))
	}
	if len(removed) > 0 {
		c.created("$remove", partial(removed))
	}
	s.audit(ctx, auditEntry{GuildID: guildID, Action: opcodes.AuditMemberRoleUpdate, ActorID: actor, TargetID: userID, Changes: c})
}
