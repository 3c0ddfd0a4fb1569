package rest

import (
	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// memberRoutes:
//
//	GET    /guilds/{guild_id}/members                 ?limit(1-1000, 1)&after
//	GET    /guilds/{guild_id}/members/search          ?query&limit(1-1000, 1)
//	PATCH  /guilds/{guild_id}/members/@me             {nick}
//	GET    /guilds/{guild_id}/members/{user_id}
//	PATCH  /guilds/{guild_id}/members/{user_id}       {nick, roles, mute, deaf, communication_disabled_until}
//	DELETE /guilds/{guild_id}/members/{user_id}       kick → 204
//	PUT    /guilds/{guild_id}/members/{user_id}/roles/{role_id}  → 204
//	DELETE /guilds/{guild_id}/members/{user_id}/roles/{role_id}  → 204
func (s *Server) memberRoutes() []*route {
	type list struct {
		inGuild
		Limit int          `query:"limit" default:"1" min:"1" max:"1000"`
		After snowflake.ID `query:"after"`
	}
	type search struct {
		inGuild
		Limit int    `query:"limit" default:"1" min:"1" max:"1000"`
		Query string `query:"query" required:"true"`
	}
	type nick struct {
		Nick opcodes.Nullable[string] `json:"nick"`
	}
	type member struct {
		inGuild
		UserID snowflake.ID `path:"user_id" unknown:"member"`
	}
	type memberBody struct {
		member
		withBody[guilds.ModifyMemberParams]
	}
	type memberRole struct {
		member
		RoleID snowflake.ID `path:"role_id"`
	}
	return []*route{
		op("GET /guilds/{guild_id}/members", "list_guild_members", anyone, func(c *call, p list) ([]opcodes.Member, error) {
			return s.svc.Members(c.ctx, c.user, p.GuildID, p.After, p.Limit)
		}),
		op("GET /guilds/{guild_id}/members/search", "search_guild_members", anyone, func(c *call, p search) ([]opcodes.Member, error) {
			return s.svc.SearchGuildMembers(c.ctx, c.user, p.GuildID, p.Query, p.Limit)
		}),
		op("PATCH /guilds/{guild_id}/members/@me", "update_my_guild_member", anyone, func(c *call, p guildBody[nick]) (opcodes.Member, error) {
			return s.svc.ModifyMember(c.ctx, c.user, p.GuildID, c.user, guilds.ModifyMemberParams{Nick: p.Body.Nick})
		}).audited(),
		op("GET /guilds/{guild_id}/members/{user_id}", "get_guild_member", anyone, func(c *call, p member) (opcodes.Member, error) {
			return s.svc.Member(c.ctx, c.user, p.GuildID, p.UserID)
		}),
		op("PATCH /guilds/{guild_id}/members/{user_id}", "update_guild_member", anyone, func(c *call, p memberBody) (opcodes.Member, error) {
			return s.svc.ModifyMember(c.ctx, c.user, p.GuildID, p.UserID, p.Body)
		}).audited(),
		do("DELETE /guilds/{guild_id}/members/{user_id}", "delete_guild_member", anyone, func(c *call, p member) error {
			return s.svc.KickMember(c.ctx, c.user, p.GuildID, p.UserID)
		}).audited(),
		do("PUT /guilds/{guild_id}/members/{user_id}/roles/{role_id}", "add_guild_member_role", anyone, func(c *call, p memberRole) error {
			return s.svc.AddMemberRole(c.ctx, c.user, p.GuildID, p.UserID, p.RoleID)
		}).audited(),
		do("DELETE /guilds/{guild_id}/members/{user_id}/roles/{role_id}", "delete_guild_member_role", anyone, func(c *call, p memberRole) error {
			return s.svc.RemoveMemberRole(c.ctx, c.user, p.GuildID, p.UserID, p.RoleID)
		}).audited(),
	}
}
