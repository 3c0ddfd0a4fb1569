package rest

import (
	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// emojiRoutes:
//
//	GET    /guilds/{guild_id}/emojis
//	POST   /guilds/{guild_id}/emojis             {name, image (data URI), roles?} → 201
//	GET    /guilds/{guild_id}/emojis/{emoji_id}
//	PATCH  /guilds/{guild_id}/emojis/{emoji_id}  {name?, roles?}
//	DELETE /guilds/{guild_id}/emojis/{emoji_id}  → 204
func (s *Server) emojiRoutes() []*route {
	type emoji struct {
		inGuild
		EmojiID snowflake.ID `path:"emoji_id"`
	}
	type emojiBody struct {
		emoji
		withBody[guilds.ModifyEmojiParams]
	}
	return []*route{
		op("GET /guilds/{guild_id}/emojis", "list_guild_emojis", anyone, func(c *call, p inGuild) ([]opcodes.Emoji, error) {
			return s.svc.Emojis(c.ctx, c.user, p.GuildID)
		}),
		op("POST /guilds/{guild_id}/emojis", "create_guild_emoji", anyone, func(c *call, p guildBody[guilds.EmojiParams]) (opcodes.Emoji, error) {
			return s.svc.CreateEmoji(c.ctx, c.user, p.GuildID, p.Body)
		}).created().audited(),
		op("GET /guilds/{guild_id}/emojis/{emoji_id}", "get_guild_emoji", anyone, func(c *call, p emoji) (opcodes.Emoji, error) {
			return s.svc.Emoji(c.ctx, c.user, p.GuildID, p.EmojiID)
		}),
		op("PATCH /guilds/{guild_id}/emojis/{emoji_id}", "update_guild_emoji", anyone, func(c *call, p emojiBody) (opcodes.Emoji, error) {
			return s.svc.ModifyEmoji(c.ctx, c.user, p.GuildID, p.EmojiID, p.Body)
		}).audited(),
		do("DELETE /guilds/{guild_id}/emojis/{emoji_id}", "delete_guild_emoji", anyone, func(c *call, p emoji) error {
			return s.svc.DeleteEmoji(c.ctx, c.user, p.GuildID, p.EmojiID)
		}).audited(),
	}
}
