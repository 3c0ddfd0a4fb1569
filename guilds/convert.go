package guilds

import (
	"encoding/json"
	"time"

	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// userShape is the public user object.
func userShape(u storage.User) opcodes.User {
	return opcodes.User{
		ID:            u.ID,
		Username:      u.Username,
		Discriminator: u.Discriminator,
		GlobalName:    u.GlobalName,
		Avatar:        u.Avatar,
		Bot:           u.Bot,
		PublicFlags:   u.Flags,
		Flags:         u.Flags,
	}
}

// privateUserShape adds the fields only the user sees about themselves.
func privateUserShape(u storage.User) opcodes.User {
	o := userShape(u)
	f, t := false, true
	o.MFAEnabled = &f
	o.Verified = &t
	o.Email = u.Email
	o.Locale = "en-US"
	return o
}

func ptrID(id snowflake.ID) *snowflake.ID {
	if id == 0 {
		return nil
	}
	return &id
}

func ptrInt(n int) *int { return &n }

func ptrStr(s string) *string { return &s }

func roleShape(r storage.Role) opcodes.Role {
	o := opcodes.Role{
		ID:    r.ID,
		Name:  r.Name,
		Color: r.Colors.Primary,
		Colors: opcodes.RoleColors{
			PrimaryColor:   r.Colors.Primary,
			SecondaryColor: r.Colors.Secondary,
			TertiaryColor:  r.Colors.Tertiary,
		},
		Hoist:        r.Hoist,
		Icon:         r.Icon,
		UnicodeEmoji: r.UnicodeEmoji,
		Position:     r.Position,
		Permissions:  opcodes.Permissions(r.Permissions),
		Managed:      r.Managed,
		Mentionable:  r.Mentionable,
		Flags:        r.Flags,
	}
	if r.BotID != 0 {
		o.Tags = &opcodes.RoleTags{BotID: ptrID(r.BotID)}
	}
	return o
}

func overwriteShapes(ows []storage.Overwrite) []opcodes.Overwrite {
	out := make([]opcodes.Overwrite, len(ows))
	for i, ow := range ows {
		out[i] = opcodes.Overwrite{ID: ow.ID, Type: ow.Type, Allow: opcodes.Permissions(ow.Allow), Deny: opcodes.Permissions(ow.Deny)}
	}
	return out
}

// channelShape is a guild channel or a DM; recipients are filled by the caller for DMs.
func channelShape(c storage.Channel) opcodes.Channel {
	o := opcodes.Channel{
		ID:            c.ID,
		Type:          opcodes.ChannelType(c.Type),
		LastMessageID: ptrID(c.LastMessageID),
		Flags:         c.Flags,
	}
	if c.LastPinAt != nil {
		o.LastPinTimestamp = opcodes.TimestampPtr(*c.LastPinAt)
	}
	if c.GuildID == 0 {
		return o
	}
	o.GuildID = ptrID(c.GuildID)
	o.Position = ptrInt(c.Position)
	o.PermissionOverwrites = overwriteShapes(c.Overwrites)
	if o.PermissionOverwrites == nil {
		o.PermissionOverwrites = []opcodes.Overwrite{}
	}
	o.Name = ptrStr(c.Name)
	o.ParentID = ptrID(c.ParentID)
	nsfw := c.NSFW
	o.NSFW = &nsfw
	switch opcodes.ChannelType(c.Type) {
	case opcodes.ChannelGuildVoice, opcodes.ChannelGuildStageVoice:
		o.Bitrate = ptrInt(c.Bitrate)
		o.UserLimit = ptrInt(c.UserLimit)
		o.RateLimitPerUser = ptrInt(c.RateLimitPerUser)
	case opcodes.ChannelGuildCategory:
	default:
		o.Topic = c.Topic
		o.RateLimitPerUser = ptrInt(c.RateLimitPerUser)
	}
	threadShape(c, &o)
	forumShape(c, &o)
	return o
}

func memberShape(m storage.Member, u *storage.User) opcodes.Member {
	o := opcodes.Member{
		Nick:     m.Nick,
		Avatar:   m.Avatar,
		Roles:    m.Roles,
		JoinedAt: opcodes.NewTimestamp(m.JoinedAt),
		Deaf:     m.Deaf,
		Mute:     m.Mute,
		Flags:    m.Flags,
		Pending:  m.Pending,
	}
	if o.Roles == nil {
		o.Roles = []snowflake.ID{}
	}
	if m.CommunicationDisabledUntil != nil {
		o.CommunicationDisabledUntil = opcodes.TimestampPtr(*m.CommunicationDisabledUntil)
	}
	if u != nil {
		us := userShape(*u)
		o.User = &us
	}
	return o
}

func guildShape(g storage.Guild, roles []storage.Role, emojis []storage.Emoji) opcodes.Guild {
	o := opcodes.Guild{
		ID:                          g.ID,
		Name:                        g.Name,
		Icon:                        g.Icon,
		OwnerID:                     g.OwnerID,
		AFKChannelID:                ptrID(g.AFKChannelID),
		AFKTimeout:                  g.AFKTimeout,
		VerificationLevel:           g.VerificationLevel,
		DefaultMessageNotifications: g.DefaultMessageNotifications,
		ExplicitContentFilter:       g.ExplicitContentFilter,
		Roles:                       make([]opcodes.Role, len(roles)),
		Emojis:                      make([]opcodes.Emoji, 0, len(emojis)),
		Features:                    g.Features,
		SystemChannelID:             ptrID(g.SystemChannelID),
		SystemChannelFlags:          g.SystemChannelFlags,
		RulesChannelID:              ptrID(g.RulesChannelID),
		MaxMembers:                  500000,
		Description:                 g.Description,
		PreferredLocale:             g.PreferredLocale,
		PublicUpdatesChannelID:      ptrID(g.PublicUpdatesChannelID),
		MaxVideoChannelUsers:        25,
		MaxStageVideoChannelUsers:   50,
		Stickers:                    []opcodes.Sticker{},
		PremiumProgressBarEnabled:   g.PremiumProgressBarEnabled,
		Region:                      ptrStr("deprecated"),
	}
	if o.Features == nil {
		o.Features = []string{}
	}
	if o.PreferredLocale == "" {
		o.PreferredLocale = "en-US"
	}
	for i, r := range roles {
		o.Roles[i] = roleShape(r)
	}
	for _, e := range emojis {
		o.Emojis = append(o.Emojis, emojiShape(e, nil))
	}
	return o
}

func emojiShape(e storage.Emoji, creator *storage.User) opcodes.Emoji {
	name := e.Name
	t, f := true, false
	anim, avail := e.Animated, e.Available
	o := opcodes.Emoji{
		ID:            ptrID(e.ID),
		Name:          &name,
		Roles:         e.Roles,
		RequireColons: &t,
		Managed:       &f,
		Animated:      &anim,
		Available:     &avail,
	}
	if o.Roles == nil {
		o.Roles = []snowflake.ID{}
	}
	if creator != nil {
		u := userShape(*creator)
		o.User = &u
	}
	return o
}

// rawOr returns raw, or empty when raw is absent, so arrays are always arrays.
func rawOr(raw json.RawMessage, empty string) json.RawMessage {
	if len(raw) == 0 || string(raw) == "null" {
		return json.RawMessage(empty)
	}
	return raw
}

func timePtr(t *time.Time) *opcodes.Timestamp {
	if t == nil {
		return nil
	}
	return opcodes.TimestampPtr(*t)
}
