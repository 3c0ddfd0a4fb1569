package rest

import (
	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// userRoutes:
//
//	GET    /users/@me
//	PATCH  /users/@me                   {username?, global_name?, avatar?}
//	GET    /users/@me/guilds            ?before&after&limit(1-200, 200)&with_counts
//	GET    /users/@me/guilds/{guild_id}/member
//	DELETE /users/@me/guilds/{guild_id} → 204
//	POST   /users/@me/channels          {recipient_id} → DM channel
//	GET    /users/{user_id}
func (s *Server) userRoutes() []*route {
	type myGuilds struct {
		Before     snowflake.ID `query:"before"`
		After      snowflake.ID `query:"after"`
		Limit      int          `query:"limit" default:"200" min:"1" max:"200"`
		WithCounts bool         `query:"with_counts"`
	}
	type dm struct {
		RecipientID snowflake.ID `json:"recipient_id"`
	}
	type user struct {
		UserID snowflake.ID `path:"user_id"`
	}
	return []*route{
		op("GET /users/@me", "get_my_user", anyone, func(c *call, _ none) (opcodes.User, error) {
			return s.svc.CurrentUser(c.ctx, c.user)
		}),
		op("PATCH /users/@me", "update_my_user", anyone, func(c *call, p withBody[guilds.ModifyUserParams]) (opcodes.User, error) {
			return s.svc.ModifyCurrentUser(c.ctx, c.user, p.Body)
		}),
		op("GET /users/@me/guilds", "list_my_guilds", anyone, func(c *call, p myGuilds) ([]opcodes.PartialGuild, error) {
			return s.svc.CurrentUserGuilds(c.ctx, c.user, p.Before, p.After, p.Limit, p.WithCounts)
		}),
		op("GET /users/@me/guilds/{guild_id}/member", "get_my_guild_member", anyone, func(c *call, p inGuild) (opcodes.Member, error) {
			return s.svc.Member(c.ctx, c.user, p.GuildID, c.user)
		}),
		do("DELETE /users/@me/guilds/{guild_id}", "leave_guild", anyone, func(c *call, p inGuild) error {
			return s.svc.LeaveGuild(c.ctx, c.user, p.GuildID)
		}),
		op("POST /users/@me/channels", "create_dm", anyone, func(c *call, p withBody[dm]) (opcodes.Channel, error) {
			if p.Body.RecipientID == 0 {
				return opcodes.Channel{}, required("recipient_id")
			}
			return s.svc.CreateDM(c.ctx, c.user, p.Body.RecipientID)
		}),
		op("GET /users/{user_id}", "get_user", anyone, func(c *call, p user) (opcodes.User, error) {
			return s.svc.User(c.ctx, p.UserID)
		}),
	}
}
