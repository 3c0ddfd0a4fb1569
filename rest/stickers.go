package rest

import (
	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// stickerRoutes:
//
//	GET    /guilds/{guild_id}/stickers
//	POST   /guilds/{guild_id}/stickers               multipart: name, description, tags, file
//	GET    /guilds/{guild_id}/stickers/{sticker_id}
//	PATCH  /guilds/{guild_id}/stickers/{sticker_id}  {name?, description?, tags?}
//	DELETE /guilds/{guild_id}/stickers/{sticker_id}  → 204
//	GET    /stickers/{sticker_id}
//	GET    /sticker-packs                            always {sticker_packs: []}
//	GET    /sticker-packs/{pack_id}                  always 10061
func (s *Server) stickerRoutes() []*route {
	type sticker struct {
		inGuild
		StickerID snowflake.ID `path:"sticker_id"`
	}
	type upload struct {
		Files []guilds.File
	}
	type create struct {
		inGuild
		Name        string `form:"name"`
		Description string `form:"description"`
		Tags        string `form:"tags"`
		withBody[upload]
	}
	type modify struct {
		sticker
		withBody[guilds.ModifyStickerParams]
	}
	type anySticker struct {
		StickerID snowflake.ID `path:"sticker_id"`
	}
	type pack struct {
		PackID snowflake.ID `path:"pack_id"`
	}
	return []*route{
		op("GET /guilds/{guild_id}/stickers", "list_guild_stickers", anyone, func(c *call, p inGuild) ([]opcodes.Sticker, error) {
			return s.svc.Stickers(c.ctx, c.user, p.GuildID)
		}),
		op("POST /guilds/{guild_id}/stickers", "create_guild_sticker", anyone, func(c *call, p create) (opcodes.Sticker, error) {
			return s.svc.CreateSticker(c.ctx, c.user, p.GuildID, guilds.CreateStickerParams{Name: p.Name, Description: p.Description, Tags: p.Tags, Files: p.Body.Files})
		}).created().audited().withUploads(),
		op("GET /guilds/{guild_id}/stickers/{sticker_id}", "get_guild_sticker", anyone, func(c *call, p sticker) (opcodes.Sticker, error) {
			return s.svc.GuildSticker(c.ctx, c.user, p.GuildID, p.StickerID)
		}),
		op("PATCH /guilds/{guild_id}/stickers/{sticker_id}", "update_guild_sticker", anyone, func(c *call, p modify) (opcodes.Sticker, error) {
			return s.svc.ModifySticker(c.ctx, c.user, p.GuildID, p.StickerID, p.Body)
		}).audited(),
		do("DELETE /guilds/{guild_id}/stickers/{sticker_id}", "delete_guild_sticker", anyone, func(c *call, p sticker) error {
			return s.svc.DeleteSticker(c.ctx, c.user, p.GuildID, p.StickerID)
		}).audited(),
		op("GET /stickers/{sticker_id}", "get_sticker", anyone, func(c *call, p anySticker) (opcodes.Sticker, error) {
			return s.svc.Sticker(c.ctx, p.StickerID)
		}),
		op("GET /sticker-packs", "list_sticker_packs", anyone, func(c *call, _ none) (opcodes.StickerPacks, error) {
			return s.svc.StickerPacks(c.ctx), nil
		}),
		op("GET /sticker-packs/{pack_id}", "get_sticker_pack", anyone, func(c *call, p pack) (opcodes.StickerPack, error) {
			return s.svc.StickerPack(c.ctx, p.PackID)
		}),
	}
}

// stageRoutes:
//
//	POST   /stage-instances               {channel_id, topic, privacy_level?, send_start_notification?, guild_scheduled_event_id?}
//	GET    /stage-instances/{channel_id}
//	PATCH  /stage-instances/{channel_id}  {topic?, privacy_level?}
//	DELETE /stage-instances/{channel_id}  → 204
func (s *Server) stageRoutes() []*route {
	return []*route{
		op("POST /stage-instances", "create_stage_instance", anyone, func(c *call, p withBody[guilds.CreateStageInstanceParams]) (opcodes.StageInstance, error) {
			return s.svc.CreateStageInstance(c.ctx, c.user, p.Body)
		}).audited(),
		op("GET /stage-instances/{channel_id}", "get_stage_instance", anyone, func(c *call, p inChannel) (opcodes.StageInstance, error) {
			return s.svc.StageInstance(c.ctx, c.user, p.ChannelID)
		}),
		op("PATCH /stage-instances/{channel_id}", "update_stage_instance", anyone, func(c *call, p channelBody[guilds.ModifyStageInstanceParams]) (opcodes.StageInstance, error) {
			return s.svc.ModifyStageInstance(c.ctx, c.user, p.ChannelID, p.Body)
		}).audited(),
		do("DELETE /stage-instances/{channel_id}", "delete_stage_instance", anyone, func(c *call, p inChannel) error {
			return s.svc.DeleteStageInstance(c.ctx, c.user, p.ChannelID)
		}).audited(),
	}
}

// soundboardRoutes:
//
//	GET    /soundboard-default-sounds
//	GET    /guilds/{guild_id}/soundboard-sounds              {items: [...]}
//	POST   /guilds/{guild_id}/soundboard-sounds              {name, sound (data URI), volume?, emoji_id?, emoji_name?} → 201
//	GET    /guilds/{guild_id}/soundboard-sounds/{sound_id}
//	PATCH  /guilds/{guild_id}/soundboard-sounds/{sound_id}   {name?, volume?, emoji_id?, emoji_name?}
//	DELETE /guilds/{guild_id}/soundboard-sounds/{sound_id}   → 204
//	POST   /channels/{channel_id}/send-soundboard-sound      {sound_id, source_guild_id?} → 204
func (s *Server) soundboardRoutes() []*route {
	type sound struct {
		inGuild
		SoundID snowflake.ID `path:"sound_id"`
	}
	type soundBody struct {
		sound
		withBody[guilds.SoundParams]
	}
	return []*route{
		op("GET /soundboard-default-sounds", "get_soundboard_default_sounds", anyone, func(c *call, _ none) ([]opcodes.SoundboardSound, error) {
			return s.svc.DefaultSounds(c.ctx), nil
		}),
		op("GET /guilds/{guild_id}/soundboard-sounds", "list_guild_soundboard_sounds", anyone, func(c *call, p inGuild) (opcodes.SoundboardSounds, error) {
			return s.svc.Sounds(c.ctx, c.user, p.GuildID)
		}),
		op("POST /guilds/{guild_id}/soundboard-sounds", "create_guild_soundboard_sound", anyone, func(c *call, p guildBody[guilds.SoundParams]) (opcodes.SoundboardSound, error) {
			return s.svc.CreateSound(c.ctx, c.user, p.GuildID, p.Body)
		}).created().audited(),
		op("GET /guilds/{guild_id}/soundboard-sounds/{sound_id}", "get_guild_soundboard_sound", anyone, func(c *call, p sound) (opcodes.SoundboardSound, error) {
			return s.svc.Sound(c.ctx, c.user, p.GuildID, p.SoundID)
		}),
		op("PATCH /guilds/{guild_id}/soundboard-sounds/{sound_id}", "update_guild_soundboard_sound", anyone, func(c *call, p soundBody) (opcodes.SoundboardSound, error) {
			return s.svc.ModifySound(c.ctx, c.user, p.GuildID, p.SoundID, p.Body)
		}).audited(),
		do("DELETE /guilds/{guild_id}/soundboard-sounds/{sound_id}", "delete_guild_soundboard_sound", anyone, func(c *call, p sound) error {
			return s.svc.DeleteSound(c.ctx, c.user, p.GuildID, p.SoundID)
		}).audited(),
		do("POST /channels/{channel_id}/send-soundboard-sound", "send_soundboard_sound", anyone, func(c *call, p channelBody[guilds.SendSoundParams]) error {
			return s.svc.SendSound(c.ctx, c.user, p.ChannelID, p.Body)
		}),
	}
}

// applicationEmojiRoutes:
//
//	GET    /applications/{application_id}/emojis             {items: [...]}
//	POST   /applications/{application_id}/emojis             {name, image} → 201
//	GET    /applications/{application_id}/emojis/{emoji_id}
//	PATCH  /applications/{application_id}/emojis/{emoji_id}  {name}
//	DELETE /applications/{application_id}/emojis/{emoji_id}  → 204
//
// Only the application's own bot may use them (50001 for anyone else).
func (s *Server) applicationEmojiRoutes() []*route {
	type app struct {
		AppID snowflake.ID `path:"application_id"`
	}
	type emoji struct {
		app
		EmojiID snowflake.ID `path:"emoji_id"`
	}
	type create struct {
		app
		withBody[guilds.EmojiParams]
	}
	type modify struct {
		emoji
		withBody[guilds.ModifyEmojiParams]
	}
	return []*route{
		op("GET /applications/{application_id}/emojis", "list_application_emojis", anyone, func(c *call, p app) (opcodes.ApplicationEmojis, error) {
			return s.svc.ApplicationEmojis(c.ctx, c.user, p.AppID)
		}),
		op("POST /applications/{application_id}/emojis", "create_application_emoji", anyone, func(c *call, p create) (opcodes.Emoji, error) {
			return s.svc.CreateApplicationEmoji(c.ctx, c.user, p.AppID, p.Body)
		}).created(),
		op("GET /applications/{application_id}/emojis/{emoji_id}", "get_application_emoji", anyone, func(c *call, p emoji) (opcodes.Emoji, error) {
			return s.svc.ApplicationEmoji(c.ctx, c.user, p.AppID, p.EmojiID)
		}),
		op("PATCH /applications/{application_id}/emojis/{emoji_id}", "update_application_emoji", anyone, func(c *call, p modify) (opcodes.Emoji, error) {
			return s.svc.ModifyApplicationEmoji(c.ctx, c.user, p.AppID, p.EmojiID, p.Body)
		}),
		do("DELETE /applications/{application_id}/emojis/{emoji_id}", "delete_application_emoji", anyone, func(c *call, p emoji) error {
			return s.svc.DeleteApplicationEmoji(c.ctx, c.user, p.AppID, p.EmojiID)
		}),
	}
}
