package rest

import (
	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// channelRoutes:
//
//	GET    /guilds/{guild_id}/channels
//	POST   /guilds/{guild_id}/channels        {name, type=0, ...} → 201
//	PATCH  /guilds/{guild_id}/channels        [{id, position?, lock_permissions?, parent_id?}] → 204
//	GET    /channels/{channel_id}
//	PATCH  /channels/{channel_id}
//	DELETE /channels/{channel_id}             → the deleted channel
//	PUT    /channels/{channel_id}/permissions/{overwrite_id}  {type, allow?, deny?} → 204
//	DELETE /channels/{channel_id}/permissions/{overwrite_id}  → 204
//	POST   /channels/{channel_id}/typing      → 204
func (s *Server) channelRoutes() []*route {
	type overwrite struct {
		inChannel
		OverwriteID snowflake.ID `path:"overwrite_id"`
	}
	type overwriteBody struct {
		overwrite
		withBody[guilds.OverwriteParams]
	}
	return []*route{
		op("GET /guilds/{guild_id}/channels", "list_guild_channels", anyone, func(c *call, p inGuild) ([]opcodes.Channel, error) {
			return s.svc.GuildChannels(c.ctx, c.user, p.GuildID)
		}),
		op("POST /guilds/{guild_id}/channels", "create_guild_channel", anyone, func(c *call, p guildBody[guilds.ChannelParams]) (opcodes.Channel, error) {
			if p.Body.Type == nil {
				text := 0
				p.Body.Type = &text
			}
			return s.svc.CreateChannel(c.ctx, c.user, p.GuildID, p.Body)
		}).created().audited(),
		do("PATCH /guilds/{guild_id}/channels", "bulk_update_guild_channels", anyone, func(c *call, p guildBody[[]guilds.ChannelPosition]) error {
			return s.svc.ReorderChannels(c.ctx, c.user, p.GuildID, p.Body)
		}),
		op("GET /channels/{channel_id}", "get_channel", anyone, func(c *call, p inChannel) (opcodes.Channel, error) {
			return s.svc.Channel(c.ctx, c.user, p.ChannelID)
		}),
		op("PATCH /channels/{channel_id}", "update_channel", anyone, func(c *call, p channelBody[guilds.ChannelParams]) (opcodes.Channel, error) {
			return s.svc.ModifyChannel(c.ctx, c.user, p.ChannelID, p.Body)
		}).audited(),
		op("DELETE /channels/{channel_id}", "delete_channel", anyone, func(c *call, p inChannel) (opcodes.Channel, error) {
			return s.svc.DeleteChannel(c.ctx, c.user, p.ChannelID)
		}).audited(),
		do("PUT /channels/{channel_id}/permissions/{overwrite_id}", "set_channel_permission_overwrite", anyone, func(c *call, p overwriteBody) error {
			p.Body.ID = p.OverwriteID
			return s.svc.EditOverwrite(c.ctx, c.user, p.ChannelID, p.Body)
		}).audited(),
		do("DELETE /channels/{channel_id}/permissions/{overwrite_id}", "delete_channel_permission_overwrite", anyone, func(c *call, p overwrite) error {
			return s.svc.DeleteOverwrite(c.ctx, c.user, p.ChannelID, p.OverwriteID)
		}).audited(),
		do("POST /channels/{channel_id}/typing", "trigger_typing_indicator", anyone, func(c *call, p inChannel) error {
			return s.svc.TriggerTyping(c.ctx, c.user, p.ChannelID)
		}),
	}
}
