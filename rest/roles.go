package rest

import (
	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// roleRoutes:
//
//	GET    /guilds/{guild_id}/roles
//	POST   /guilds/{guild_id}/roles            {name, permissions, color, colors, hoist, unicode_emoji, mentionable}
//	PATCH  /guilds/{guild_id}/roles            [{id, position}] → all roles
//	GET    /guilds/{guild_id}/roles/member-counts → {role_id: count}
//	GET    /guilds/{guild_id}/roles/{role_id}
//	PATCH  /guilds/{guild_id}/roles/{role_id}
//	DELETE /guilds/{guild_id}/roles/{role_id}  → 204
func (s *Server) roleRoutes() []*route {
	type role struct {
		inGuild
		RoleID snowflake.ID `path:"role_id"`
	}
	type roleBody struct {
		role
		withBody[guilds.RoleParams]
	}
	return []*route{
		op("GET /guilds/{guild_id}/roles", "list_guild_roles", anyone, func(c *call, p inGuild) ([]opcodes.Role, error) {
			return s.svc.Roles(c.ctx, c.user, p.GuildID)
		}),
		op("POST /guilds/{guild_id}/roles", "create_guild_role", anyone, func(c *call, p guildBody[guilds.RoleParams]) (opcodes.Role, error) {
			return s.svc.CreateRole(c.ctx, c.user, p.GuildID, p.Body)
		}).audited(),
		op("PATCH /guilds/{guild_id}/roles", "bulk_update_guild_roles", anyone, func(c *call, p guildBody[[]guilds.RolePosition]) ([]opcodes.Role, error) {
			return s.svc.ReorderRoles(c.ctx, c.user, p.GuildID, p.Body)
		}).audited(),
		op("GET /guilds/{guild_id}/roles/member-counts", "guild_role_member_counts", anyone, func(c *call, p inGuild) (map[snowflake.ID]int, error) {
			return s.svc.RoleMemberCounts(c.ctx, c.user, p.GuildID)
		}),
		op("GET /guilds/{guild_id}/roles/{role_id}", "get_guild_role", anyone, func(c *call, p role) (opcodes.Role, error) {
			return s.svc.Role(c.ctx, c.user, p.GuildID, p.RoleID)
		}),
		op("PATCH /guilds/{guild_id}/roles/{role_id}", "update_guild_role", anyone, func(c *call, p roleBody) (opcodes.Role, error) {
			return s.svc.ModifyRole(c.ctx, c.user, p.GuildID, p.RoleID, p.Body)
		}).audited(),
		do("DELETE /guilds/{guild_id}/roles/{role_id}", "delete_guild_role", anyone, func(c *call, p role) error {
			return s.svc.DeleteRole(c.ctx, c.user, p.GuildID, p.RoleID)
		}).audited(),
	}
}
