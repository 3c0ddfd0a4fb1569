package opcodes

import "github.com/parley-chat/parley/snowflake"

// GuildRoleEvent is GUILD_ROLE_CREATE and GUILD_ROLE_UPDATE.
type GuildRoleEvent struct {
	GuildID snowflake.ID `json:"guild_id"`
	Role    Role         `json:"role"`
}

// GuildRoleDelete is GUILD_ROLE_DELETE.
type GuildRoleDelete struct {
	GuildID snowflake.ID `json:"guild_id"`
	RoleID  snowflake.ID `json:"role_id"`
}

// GuildMemberRemove is GUILD_MEMBER_REMOVE.
type GuildMemberRemove struct {
	GuildID snowflake.ID `json:"guild_id"`
	User    User         `json:"user"`
}

// GuildBanEvent is GUILD_BAN_ADD and GUILD_BAN_REMOVE.
type GuildBanEvent struct {
	GuildID snowflake.ID `json:"guild_id"`
	User    User         `json:"user"`
}

// GuildEmojisUpdate is GUILD_EMOJIS_UPDATE; Emojis is the full list.
type GuildEmojisUpdate struct {
	GuildID snowflake.ID `json:"guild_id"`
	Emojis  []Emoji      `json:"emojis"`
}

// GuildDelete is GUILD_DELETE. Unavailable is false when the user left or was removed.
type GuildDelete struct {
	ID          snowflake.ID `json:"id"`
	Unavailable bool         `json:"unavailable,omitempty"`
}

// ChannelPinsUpdate is CHANNEL_PINS_UPDATE.
type ChannelPinsUpdate struct {
	GuildID          *snowflake.ID `json:"guild_id,omitempty"`
	ChannelID        snowflake.ID  `json:"channel_id"`
	LastPinTimestamp *Timestamp    `json:"last_pin_timestamp"`
}

// MessageDelete is MESSAGE_DELETE.
type MessageDelete struct {
	ID        snowflake.ID  `json:"id"`
	ChannelID snowflake.ID  `json:"channel_id"`
	GuildID   *snowflake.ID `json:"guild_id,omitempty"`
}

// MessageDeleteBulk is MESSAGE_DELETE_BULK.
type MessageDeleteBulk struct {
	IDs       []snowflake.ID `json:"ids"`
	ChannelID snowflake.ID   `json:"channel_id"`
	GuildID   *snowflake.ID  `json:"guild_id,omitempty"`
}

// MessageReactionAdd is MESSAGE_REACTION_ADD.
type MessageReactionAdd struct {
	UserID          snowflake.ID  `json:"user_id"`
	ChannelID       snowflake.ID  `json:"channel_id"`
	MessageID       snowflake.ID  `json:"message_id"`
	GuildID         *snowflake.ID `json:"guild_id,omitempty"`
	Member          *Member       `json:"member,omitempty"`
	Emoji           PartialEmoji  `json:"emoji"`
	MessageAuthorID *snowflake.ID `json:"message_author_id,omitempty"`
	Burst           bool          `json:"burst"`
	BurstColors     []string      `json:"burst_colors"`
	Type            int           `json:"type"`
}

// MessageReactionRemove is MESSAGE_REACTION_REMOVE.
type MessageReactionRemove struct {
	UserID    snowflake.ID  `json:"user_id"`
	ChannelID snowflake.ID  `json:"channel_id"`
	MessageID snowflake.ID  `json:"message_id"`
	GuildID   *snowflake.ID `json:"guild_id,omitempty"`
	Emoji     PartialEmoji  `json:"emoji"`
	Burst     bool          `json:"burst"`
	Type      int           `json:"type"`
}

// MessageReactionRemoveAll is MESSAGE_REACTION_REMOVE_ALL.
type MessageReactionRemoveAll struct {
	ChannelID snowflake.ID  `json:"channel_id"`
	MessageID snowflake.ID  `json:"message_id"`
	GuildID   *snowflake.ID `json:"guild_id,omitempty"`
}

// MessageReactionRemoveEmoji is MESSAGE_REACTION_REMOVE_EMOJI.
type MessageReactionRemoveEmoji struct {
	ChannelID snowflake.ID  `json:"channel_id"`
	MessageID snowflake.ID  `json:"message_id"`
	GuildID   *snowflake.ID `json:"guild_id,omitempty"`
	Emoji     PartialEmoji  `json:"emoji"`
}

// TypingStart is TYPING_START. Timestamp is Unix seconds.
type TypingStart struct {
	ChannelID snowflake.ID  `json:"channel_id"`
	GuildID   *snowflake.ID `json:"guild_id,omitempty"`
	UserID    snowflake.ID  `json:"user_id"`
	Timestamp int64         `json:"timestamp"`
	Member    *Member       `json:"member,omitempty"`
}

// InviteCreate is INVITE_CREATE.
type InviteCreate struct {
	ChannelID snowflake.ID  `json:"channel_id"`
	Code      string        `json:"code"`
	CreatedAt Timestamp     `json:"created_at"`
	GuildID   *snowflake.ID `json:"guild_id,omitempty"`
	Inviter   *User         `json:"inviter,omitempty"`
	MaxAge    int           `json:"max_age"`
	MaxUses   int           `json:"max_uses"`
	Temporary bool          `json:"temporary"`
	Uses      int           `json:"uses"`
	ExpiresAt *Timestamp    `json:"expires_at"`
}

// InviteDelete is INVITE_DELETE.
type InviteDelete struct {
	ChannelID snowflake.ID  `json:"channel_id"`
	GuildID   *snowflake.ID `json:"guild_id,omitempty"`
	Code      string        `json:"code"`
}

// WebhooksUpdate is WEBHOOKS_UPDATE.
type WebhooksUpdate struct {
	GuildID   snowflake.ID `json:"guild_id"`
	ChannelID snowflake.ID `json:"channel_id"`
}
