package rest

import (
	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// banRoutes:
//
//	GET    /guilds/{guild_id}/bans            ?limit(1-1000, 1000)&before&after
//	GET    /guilds/{guild_id}/bans/{user_id}
//	PUT    /guilds/{guild_id}/bans/{user_id}  {delete_message_seconds | delete_message_days} → 204
//	DELETE /guilds/{guild_id}/bans/{user_id}  → 204
//	POST   /guilds/{guild_id}/bulk-ban        {user_ids, delete_message_seconds} → {banned_users, failed_users}
//
// The ban reason is the audit-log reason (X-Audit-Log-Reason, URL-encoded), as in Discord v10.
func (s *Server) banRoutes() []*route {
	type list struct {
		inGuild
		Limit  int          `query:"limit" default:"1000" min:"1" max:"1000"`
		Before snowflake.ID `query:"before"`
		After  snowflake.ID `query:"after"`
	}
	type ban struct {
		inGuild
		UserID snowflake.ID `path:"user_id"`
	}
	type deletion struct {
		DeleteMessageSeconds *int `json:"delete_message_seconds"`
		DeleteMessageDays    *int `json:"delete_message_days"` // deprecated
	}
	type banBody struct {
		ban
		withBody[deletion]
	}
	type bulk struct {
		UserIDs              []snowflake.ID `json:"user_ids"`
		DeleteMessageSeconds int            `json:"delete_message_seconds"`
	}
	return []*route{
		op("GET /guilds/{guild_id}/bans", "list_guild_bans", anyone, func(c *call, p list) ([]opcodes.Ban, error) {
			return s.svc.Bans(c.ctx, c.user, p.GuildID, p.Before, p.After, p.Limit)
		}),
		op("GET /guilds/{guild_id}/bans/{user_id}", "get_guild_ban", anyone, func(c *call, p ban) (opcodes.Ban, error) {
			return s.svc.Ban(c.ctx, c.user, p.GuildID, p.UserID)
		}),
		do("PUT /guilds/{guild_id}/bans/{user_id}", "ban_user_from_guild", anyone, func(c *call, p banBody) error {
			secs := 0
			switch d := p.Body; {
			case d.DeleteMessageSeconds != nil:
				secs = *d.DeleteMessageSeconds
			case d.DeleteMessageDays != nil:
				if *d.DeleteMessageDays < 0 || *d.DeleteMessageDays > 7 {
					return fieldError("delete_message_days", "NUMBER_TYPE_MAX", "int value should be less than or equal to 7.")
				}
				secs = *d.DeleteMessageDays * 86400
			}
			return s.svc.CreateBan(c.ctx, c.user, p.GuildID, p.UserID, secs, c.reason())
		}).audited(),
		do("DELETE /guilds/{guild_id}/bans/{user_id}", "unban_user_from_guild", anyone, func(c *call, p ban) error {
			return s.svc.RemoveBan(c.ctx, c.user, p.GuildID, p.UserID)
		}).audited(),
		op("POST /guilds/{guild_id}/bulk-ban", "bulk_ban_users_from_guild", anyone, func(c *call, p guildBody[bulk]) (guilds.BulkBanResult, error) {
			return s.svc.BulkBan(c.ctx, c.user, p.GuildID, p.Body.UserIDs, p.Body.DeleteMessageSeconds)
		}).audited(),
	}
}
