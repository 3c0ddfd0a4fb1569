package rest

import (
	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// commandRoutes: application commands, global and per guild, for the application's own bot.
// {scope} is /applications/{application_id} (global) or
// /applications/{application_id}/guilds/{guild_id} (the bot must be in the guild, or the
// application installed there with applications.commands; else 50001).
//
//	GET    {scope}/commands[?with_localizations=]        (its bot) → commands
//	POST   {scope}/commands                              (its bot) → 201 new, 200 same name updated
//	PUT    {scope}/commands                              (its bot) [command…] → the new set
//	GET    {scope}/commands/{command_id}                 (its bot)
//	PATCH  {scope}/commands/{command_id}                 (its bot) → new version
//	DELETE {scope}/commands/{command_id}                 (its bot) → 204
//	GET    /applications/{application_id}/guilds/{guild_id}/commands/permissions               (its bot)
//	GET    /applications/{application_id}/guilds/{guild_id}/commands/{command_id}/permissions  (its bot)
//	PUT    /applications/{application_id}/guilds/{guild_id}/commands/{command_id}/permissions  (user with
//	       MANAGE_GUILD and MANAGE_ROLES; bots get 20001) {permissions} → APPLICATION_COMMAND_PERMISSIONS_UPDATE
func (s *Server) commandRoutes() []*route {
	type global struct {
		AppID snowflake.ID `path:"application_id"`
	}
	type guild struct {
		AppID   snowflake.ID `path:"application_id"`
		GuildID snowflake.ID `path:"guild_id"`
	}
	type globalList struct {
		global
		WithLocalizations bool `query:"with_localizations"`
	}
	type guildList struct {
		guild
		WithLocalizations bool `query:"with_localizations"`
	}
	type globalCmd struct {
		global
		CommandID snowflake.ID `path:"command_id"`
	}
	type guildCmd struct {
		guild
		CommandID snowflake.ID `path:"command_id"`
	}
	type globalCreate struct {
		global
		withBody[guilds.CommandParams]
	}
	type guildCreate struct {
		guild
		withBody[guilds.CommandParams]
	}
	type globalPut struct {
		global
		withBody[[]guilds.CommandParams]
	}
	type guildPut struct {
		guild
		withBody[[]guilds.CommandParams]
	}
	type globalPatch struct {
		globalCmd
		withBody[guilds.ModifyCommandParams]
	}
	type guildPatch struct {
		guildCmd
		withBody[guilds.ModifyCommandParams]
	}
	type permsPut struct {
		guildCmd
		withBody[guilds.EditCommandPermissionsParams]
	}
	create := func(c *call, appID, guildID snowflake.ID, p guilds.CommandParams) (statusAnswer, error) {
		cmd, created, err := s.svc.CreateCommand(c.ctx, c.user, appID, guildID, p)
		if err != nil {
			return statusAnswer{}, err
		}
		if created {
			return statusAnswer{fiber.StatusCreated, cmd}, nil
		}
		return statusAnswer{fiber.StatusOK, cmd}, nil
	}
	return []*route{
		op("GET /applications/{application_id}/commands", "list_application_commands", anyone, func(c *call, p globalList) ([]opcodes.ApplicationCommand, error) {
			return s.svc.Commands(c.ctx, c.user, p.AppID, 0, p.WithLocalizations)
		}),
		op("POST /applications/{application_id}/commands", "create_application_command", anyone, func(c *call, p globalCreate) (statusAnswer, error) {
			return create(c, p.AppID, 0, p.Body)
		}),
		op("PUT /applications/{application_id}/commands", "bulk_set_application_commands", anyone, func(c *call, p globalPut) ([]opcodes.ApplicationCommand, error) {
			return s.svc.OverwriteCommands(c.ctx, c.user, p.AppID, 0, p.Body)
		}),
		op("GET /applications/{application_id}/commands/{command_id}", "get_application_command", anyone, func(c *call, p globalCmd) (opcodes.ApplicationCommand, error) {
			return s.svc.Command(c.ctx, c.user, p.AppID, 0, p.CommandID)
		}),
		op("PATCH /applications/{application_id}/commands/{command_id}", "update_application_command", anyone, func(c *call, p globalPatch) (opcodes.ApplicationCommand, error) {
			return s.svc.ModifyCommand(c.ctx, c.user, p.AppID, 0, p.CommandID, p.Body)
		}),
		do("DELETE /applications/{application_id}/commands/{command_id}", "delete_application_command", anyone, func(c *call, p globalCmd) error {
			return s.svc.DeleteCommand(c.ctx, c.user, p.AppID, 0, p.CommandID)
		}),
		op("GET /applications/{application_id}/guilds/{guild_id}/commands", "list_guild_application_commands", anyone, func(c *call, p guildList) ([]opcodes.ApplicationCommand, error) {
			return s.svc.Commands(c.ctx, c.user, p.AppID, p.GuildID, p.WithLocalizations)
		}),
		op("POST /applications/{application_id}/guilds/{guild_id}/commands", "create_guild_application_command", anyone, func(c *call, p guildCreate) (statusAnswer, error) {
			return create(c, p.AppID, p.GuildID, p.Body)
		}),
		op("PUT /applications/{application_id}/guilds/{guild_id}/commands", "bulk_set_guild_application_commands", anyone, func(c *call, p guildPut) ([]opcodes.ApplicationCommand, error) {
			return s.svc.OverwriteCommands(c.ctx, c.user, p.AppID, p.GuildID, p.Body)
		}),
		op("GET /applications/{application_id}/guilds/{guild_id}/commands/{command_id}", "get_guild_application_command", anyone, func(c *call, p guildCmd) (opcodes.ApplicationCommand, error) {
			return s.svc.Command(c.ctx, c.user, p.AppID, p.GuildID, p.CommandID)
		}),
		op("PATCH /applications/{application_id}/guilds/{guild_id}/commands/{command_id}", "update_guild_application_command", anyone, func(c *call, p guildPatch) (opcodes.ApplicationCommand, error) {
			return s.svc.ModifyCommand(c.ctx, c.user, p.AppID, p.GuildID, p.CommandID, p.Body)
		}),
		do("DELETE /applications/{application_id}/guilds/{guild_id}/commands/{command_id}", "delete_guild_application_command", anyone, func(c *call, p guildCmd) error {
			return s.svc.DeleteCommand(c.ctx, c.user, p.AppID, p.GuildID, p.CommandID)
		}),
		op("GET /applications/{application_id}/guilds/{guild_id}/commands/permissions", "list_guild_application_command_permissions", anyone, func(c *call, p guild) ([]opcodes.GuildCommandPermissions, error) {
			return s.svc.GuildCommandPermissions(c.ctx, c.user, p.AppID, p.GuildID)
		}),
		op("GET /applications/{application_id}/guilds/{guild_id}/commands/{command_id}/permissions", "get_guild_application_command_permissions", anyone, func(c *call, p guildCmd) (opcodes.GuildCommandPermissions, error) {
			return s.svc.CommandPermissions(c.ctx, c.user, p.AppID, p.GuildID, p.CommandID)
		}),
		op("PUT /applications/{application_id}/guilds/{guild_id}/commands/{command_id}/permissions", "set_guild_application_command_permissions", anyone, func(c *call, p permsPut) (opcodes.GuildCommandPermissions, error) {
			return s.svc.EditCommandPermissions(c.ctx, c.user, p.AppID, p.GuildID, p.CommandID, p.Body)
		}),
	}
}
