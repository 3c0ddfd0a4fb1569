package rest

import (
	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// applicationRoutes:
//
//	GET   /applications/@me, /oauth2/applications/@me   (bot) → its application
//	PATCH /applications/@me                              (bot) {name?, description?, flags?}
//	POST  /applications                                  (user) {name[, description, flags]}
//	GET   /applications                                  (user) → owned applications
//	GET   /applications/{application_id}                 (owner or its bot)
//	PATCH /applications/{application_id}                 (owner or its bot)
//	POST  /applications/{application_id}/bot             (owner) → {token}
//	POST  /applications/{application_id}/bot/reset       (owner) → {token}
//	POST  /oauth2/authorize?client_id=&scope=bot[+applications.commands]  (user) {guild_id, permissions, authorize}
//	      (applications.commands alone: guild commands without the bot)
func (s *Server) applicationRoutes() []*route {
	type app struct {
		ID snowflake.ID `path:"application_id"`
	}
	type appBody struct {
		app
		withBody[guilds.ModifyApplicationParams]
	}
	type authorize struct {
		ClientID snowflake.ID `query:"client_id" required:"true"`
		Scope    string       `query:"scope"`
		withBody[guilds.AuthorizeBotParams]
	}
	type authorized struct {
		Location string `json:"location"`
	}
	current := func(c *call, _ none) (opcodes.Application, error) {
		return s.svc.CurrentApplication(c.ctx, c.user)
	}
	return []*route{
		op("GET /applications/@me", "get_my_application", botsOnly, current),
		op("GET /oauth2/applications/@me", "get_my_oauth2_application", botsOnly, current),
		op("PATCH /applications/@me", "update_my_application", botsOnly, func(c *call, p withBody[guilds.ModifyApplicationParams]) (opcodes.Application, error) {
			return s.svc.ModifyApplication(c.ctx, c.user, c.user, p.Body)
		}),
		op("POST /applications", "", humans, func(c *call, p withBody[guilds.CreateApplicationParams]) (opcodes.Application, error) {
			return s.svc.CreateApplication(c.ctx, c.user, p.Body)
		}).created(),
		op("GET /applications", "", humans, func(c *call, _ none) ([]opcodes.Application, error) {
			return s.svc.OwnedApplications(c.ctx, c.user)
		}),
		op("GET /applications/{application_id}", "get_application", anyone, func(c *call, p app) (opcodes.Application, error) {
			return s.svc.Application(c.ctx, c.user, p.ID)
		}),
		op("PATCH /applications/{application_id}", "update_application", anyone, func(c *call, p appBody) (opcodes.Application, error) {
			return s.svc.ModifyApplication(c.ctx, c.user, p.ID, p.Body)
		}),
		op("POST /applications/{application_id}/bot", "", humans, func(c *call, p app) (guilds.BotToken, error) {
			return s.svc.CreateBot(c.ctx, c.user, p.ID)
		}),
		op("POST /applications/{application_id}/bot/reset", "", humans, func(c *call, p app) (guilds.BotToken, error) {
			return s.svc.ResetBotToken(c.ctx, c.user, p.ID)
		}),
		op("POST /oauth2/authorize", "", humans, func(c *call, p authorize) (authorized, error) {
			if !guilds.HasScope(p.Scope, guilds.ScopeBot) && !guilds.HasScope(p.Scope, guilds.ScopeApplicationCommands) {
				return authorized{}, fieldError("scope", "SCOPE_INVALID", "Only the bot and applications.commands scopes can be authorized here.")
			}
			p.Body.Scope = p.Scope
			if p.Body.GuildID == 0 {
				return authorized{}, required("guild_id")
			}
			if err := s.svc.AuthorizeBot(c.ctx, c.user, p.ClientID, p.Body); err != nil {
				return authorized{}, err
			}
			return authorized{"https://discord.com/oauth2/authorized"}, nil
		}),
	}
}
