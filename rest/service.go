package rest

import (
	"context"
	"time"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// Service is the domain as the REST API uses it: exactly the *guilds.Service methods the
// handlers call. Every method takes the acting user's ID where it matters and returns opcodes
// shapes, guilds sentinel errors or *guilds.ValidationError.
type Service interface {
	// Accounts and sessions.
	Authenticate(ctx context.Context, token string) (guilds.Identity, error)
	Register(ctx context.Context, p guilds.RegisterParams) (guilds.LoginTokens, error)
	Login(ctx context.Context, p guilds.LoginParams) (guilds.LoginTokens, error)
	Refresh(ctx context.Context, refreshToken string) (guilds.LoginTokens, error)

	// Users.
	CurrentUser(ctx context.Context, userID snowflake.ID) (opcodes.User, error)
	User(ctx context.Context, userID snowflake.ID) (opcodes.User, error)
	ModifyCurrentUser(ctx context.Context, userID snowflake.ID, p guilds.ModifyUserParams) (opcodes.User, error)
	CurrentUserGuilds(ctx context.Context, userID, before, after snowflake.ID, limit int, withCounts bool) ([]opcodes.PartialGuild, error)
	LeaveGuild(ctx context.Context, userID, guildID snowflake.ID) error
	CreateDM(ctx context.Context, actor, recipientID snowflake.ID) (opcodes.Channel, error)

	// Applications and bots.
	CreateApplication(ctx context.Context, ownerID snowflake.ID, p guilds.CreateApplicationParams) (opcodes.Application, error)
	Application(ctx context.Context, actor, appID snowflake.ID) (opcodes.Application, error)
	CurrentApplication(ctx context.Context, botID snowflake.ID) (opcodes.Application, error)
	OwnedApplications(ctx context.Context, ownerID snowflake.ID) ([]opcodes.Application, error)
	ModifyApplication(ctx context.Context, actor, appID snowflake.ID, p guilds.ModifyApplicationParams) (opcodes.Application, error)
	CreateBot(ctx context.Context, actor, appID snowflake.ID) (guilds.BotToken, error)
	ResetBotToken(ctx context.Context, actor, appID snowflake.ID) (guilds.BotToken, error)
	AuthorizeBot(ctx context.Context, actor, appID snowflake.ID, p guilds.AuthorizeBotParams) error

	// Guilds.
	CreateGuild(ctx context.Context, actor snowflake.ID, p guilds.CreateGuildParams) (opcodes.Guild, error)
	Guild(ctx context.Context, actor, guildID snowflake.ID, withCounts bool) (opcodes.Guild, error)
	GuildPreview(ctx context.Context, actor, guildID snowflake.ID) (opcodes.GuildPreview, error)
	ModifyGuild(ctx context.Context, actor, guildID snowflake.ID, p guilds.ModifyGuildParams) (opcodes.Guild, error)
	DeleteGuild(ctx context.Context, actor, guildID snowflake.ID) error

	// Channels.
	Channel(ctx context.Context, actor, channelID snowflake.ID) (opcodes.Channel, error)
	GuildChannels(ctx context.Context, actor, guildID snowflake.ID) ([]opcodes.Channel, error)
	CreateChannel(ctx context.Context, actor, guildID snowflake.ID, p guilds.ChannelParams) (opcodes.Channel, error)
	ModifyChannel(ctx context.Context, actor, channelID snowflake.ID, p guilds.ChannelParams) (opcodes.Channel, error)
	DeleteChannel(ctx context.Context, actor, channelID snowflake.ID) (opcodes.Channel, error)
	ReorderChannels(ctx context.Context, actor, guildID snowflake.ID, ps []guilds.ChannelPosition) error
	EditOverwrite(ctx context.Context, actor, channelID snowflake.ID, p guilds.OverwriteParams) error
	DeleteOverwrite(ctx context.Context, actor, channelID, overwriteID snowflake.ID) error
	TriggerTyping(ctx context.Context, actor, channelID snowflake.ID) error

	// Members.
	Member(ctx context.Context, actor, guildID, userID snowflake.ID) (opcodes.Member, error)
	Members(ctx context.Context, actor, guildID, after snowflake.ID, limit int) ([]opcodes.Member, error)
	SearchGuildMembers(ctx context.Context, actor, guildID snowflake.ID, query string, limit int) ([]opcodes.Member, error)
	ModifyMember(ctx context.Context, actor, guildID, userID snowflake.ID, p guilds.ModifyMemberParams) (opcodes.Member, error)
	AddMemberRole(ctx context.Context, actor, guildID, userID, roleID snowflake.ID) error
	RemoveMemberRole(ctx context.Context, actor, guildID, userID, roleID snowflake.ID) error
	KickMember(ctx context.Context, actor, guildID, userID snowflake.ID) error

	// Roles.
	Roles(ctx context.Context, actor, guildID snowflake.ID) ([]opcodes.Role, error)
	RoleMemberCounts(ctx context.Context, actor, guildID snowflake.ID) (map[snowflake.ID]int, error)
	Role(ctx context.Context, actor, guildID, roleID snowflake.ID) (opcodes.Role, error)
	CreateRole(ctx context.Context, actor, guildID snowflake.ID, p guilds.RoleParams) (opcodes.Role, error)
	ModifyRole(ctx context.Context, actor, guildID, roleID snowflake.ID, p guilds.RoleParams) (opcodes.Role, error)
	ReorderRoles(ctx context.Context, actor, guildID snowflake.ID, ps []guilds.RolePosition) ([]opcodes.Role, error)
	DeleteRole(ctx context.Context, actor, guildID, roleID snowflake.ID) error

	// Messages.
	Messages(ctx context.Context, actor, channelID snowflake.ID, page guilds.Page) ([]opcodes.Message, error)
	Message(ctx context.Context, actor, channelID, messageID snowflake.ID) (opcodes.Message, error)
	CreateMessage(ctx context.Context, actor, channelID snowflake.ID, p guilds.MessageParams) (opcodes.Message, error)
	EditMessage(ctx context.Context, actor, channelID, messageID snowflake.ID, p guilds.EditMessageParams) (opcodes.Message, error)
	DeleteMessage(ctx context.Context, actor, channelID, messageID snowflake.ID) error
	BulkDelete(ctx context.Context, actor, channelID snowflake.ID, ids []snowflake.ID) error
	Crosspost(ctx context.Context, actor, channelID, messageID snowflake.ID) (opcodes.Message, error)
	Attachment(ctx context.Context, channelID, attachmentID snowflake.ID, filename string) (guilds.AttachmentFile, error)

	// Reactions.
	AddReaction(ctx context.Context, actor, channelID, messageID snowflake.ID, e guilds.EmojiRef, burst bool) error
	RemoveReaction(ctx context.Context, actor, channelID, messageID snowflake.ID, e guilds.EmojiRef, userID snowflake.ID) error
	RemoveAllReactions(ctx context.Context, actor, channelID, messageID snowflake.ID) error
	RemoveEmojiReactions(ctx context.Context, actor, channelID, messageID snowflake.ID, e guilds.EmojiRef) error
	ReactionUsers(ctx context.Context, actor, channelID, messageID snowflake.ID, e guilds.EmojiRef, burst bool, after snowflake.ID, limit int) ([]opcodes.User, error)

	// Pins.
	Pins(ctx context.Context, actor, channelID snowflake.ID) ([]opcodes.Message, error)
	PinsPaged(ctx context.Context, actor, channelID snowflake.ID, before *time.Time, limit int) (guilds.PinsPage, error)
	Pin(ctx context.Context, actor, channelID, messageID snowflake.ID) error
	Unpin(ctx context.Context, actor, channelID, messageID snowflake.ID) error

	// Bans.
	Bans(ctx context.Context, actor, guildID, before, after snowflake.ID, limit int) ([]opcodes.Ban, error)
	Ban(ctx context.Context, actor, guildID, userID snowflake.ID) (opcodes.Ban, error)
	CreateBan(ctx context.Context, actor, guildID, userID snowflake.ID, deleteMessageSeconds int, reason *string) error
	RemoveBan(ctx context.Context, actor, guildID, userID snowflake.ID) error
	BulkBan(ctx context.Context, actor, guildID snowflake.ID, userIDs []snowflake.ID, deleteMessageSeconds int) (guilds.BulkBanResult, error)

	// Invites.
	CreateInvite(ctx context.Context, actor, channelID snowflake.ID, p guilds.InviteParams) (opcodes.Invite, error)
	ChannelInvites(ctx context.Context, actor, channelID snowflake.ID) ([]opcodes.Invite, error)
	GuildInvites(ctx context.Context, actor, guildID snowflake.ID) ([]opcodes.Invite, error)
	Invite(ctx context.Context, code string, withCounts bool) (opcodes.Invite, error)
	DeleteInvite(ctx context.Context, actor snowflake.ID, code string) (opcodes.Invite, error)
	AcceptInvite(ctx context.Context, actor snowflake.ID, code string) (opcodes.Invite, error)

	// Webhooks.
	CreateWebhook(ctx context.Context, actor, channelID snowflake.ID, p guilds.WebhookParams) (opcodes.Webhook, error)
	ChannelWebhooks(ctx context.Context, actor, channelID snowflake.ID) ([]opcodes.Webhook, error)
	GuildWebhooks(ctx context.Context, actor, guildID snowflake.ID) ([]opcodes.Webhook, error)
	Webhook(ctx context.Context, actor, id snowflake.ID) (opcodes.Webhook, error)
	WebhookWithToken(ctx context.Context, id snowflake.ID, token string) (opcodes.Webhook, error)
	ModifyWebhook(ctx context.Context, actor, id snowflake.ID, p guilds.ModifyWebhookParams) (opcodes.Webhook, error)
	ModifyWebhookWithToken(ctx context.Context, id snowflake.ID, token string, p guilds.ModifyWebhookParams) (opcodes.Webhook, error)
	DeleteWebhook(ctx context.Context, actor, id snowflake.ID) error
	DeleteWebhookWithToken(ctx context.Context, id snowflake.ID, token string) error
	ExecuteWebhook(ctx context.Context, id snowflake.ID, token string, p guilds.ExecuteWebhookParams) (opcodes.Message, error)

	// Emojis.
	Emojis(ctx context.Context, actor, guildID snowflake.ID) ([]opcodes.Emoji, error)
	Emoji(ctx context.Context, actor, guildID, emojiID snowflake.ID) (opcodes.Emoji, error)
	CreateEmoji(ctx context.Context, actor, guildID snowflake.ID, p guilds.EmojiParams) (opcodes.Emoji, error)
	ModifyEmoji(ctx context.Context, actor, guildID, emojiID snowflake.ID, p guilds.ModifyEmojiParams) (opcodes.Emoji, error)
	DeleteEmoji(ctx context.Context, actor, guildID, emojiID snowflake.ID) error
}

// The real domain must satisfy the interface.
var _ Service = (*guilds.Service)(nil)
