package rest

import (
	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
)

// guildRoutes:
//
//	POST   /guilds                      {name[, icon]} → 201 guild (Parley: any user may create)
//	GET    /guilds/{guild_id}           ?with_counts
//	PATCH  /guilds/{guild_id}
//	DELETE /guilds/{guild_id}           (owner) → 204
//	GET    /guilds/{guild_id}/preview
func (s *Server) guildRoutes() []*route {
	type getGuild struct {
		inGuild
		WithCounts bool `query:"with_counts"`
	}
	return []*route{
		op("POST /guilds", "", anyone, func(c *call, p withBody[guilds.CreateGuildParams]) (opcodes.Guild, error) {
			return s.svc.CreateGuild(c.ctx, c.user, p.Body)
		}).created(),
		op("GET /guilds/{guild_id}", "get_guild", anyone, func(c *call, p getGuild) (opcodes.Guild, error) {
			return s.svc.Guild(c.ctx, c.user, p.GuildID, p.WithCounts)
		}),
		op("PATCH /guilds/{guild_id}", "update_guild", anyone, func(c *call, p guildBody[guilds.ModifyGuildParams]) (opcodes.Guild, error) {
			return s.svc.ModifyGuild(c.ctx, c.user, p.GuildID, p.Body)
		}).audited(),
		do("DELETE /guilds/{guild_id}", "", anyone, func(c *call, p inGuild) error {
			return s.svc.DeleteGuild(c.ctx, c.user, p.GuildID)
		}),
		op("GET /guilds/{guild_id}/preview", "get_guild_preview", anyone, func(c *call, p inGuild) (opcodes.GuildPreview, error) {
			return s.svc.GuildPreview(c.ctx, c.user, p.GuildID)
		}),
	}
}
