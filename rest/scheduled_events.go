package rest

import (
	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// scheduledEventRoutes:
//
//	GET    /guilds/{guild_id}/scheduled-events                      ?with_user_count
//	POST   /guilds/{guild_id}/scheduled-events                      {name, privacy_level, scheduled_start_time, entity_type, …}
//	GET    /guilds/{guild_id}/scheduled-events/{event_id}           ?with_user_count
//	PATCH  /guilds/{guild_id}/scheduled-events/{event_id}           {…, status?}
//	DELETE /guilds/{guild_id}/scheduled-events/{event_id}           → 204
//	GET    /guilds/{guild_id}/scheduled-events/{event_id}/users     ?limit&with_member&before&after
//	GET    /guilds/{guild_id}/scheduled-events/{event_id}/users/counts
//	GET    /guilds/{guild_id}/scheduled-events/{event_id}/{exception_id}/users
//	POST   /guilds/{guild_id}/scheduled-events/{event_id}/exceptions {original_scheduled_start_time, …}
//	PATCH  /guilds/{guild_id}/scheduled-events/{event_id}/exceptions/{exception_id}
//	DELETE /guilds/{guild_id}/scheduled-events/{event_id}/exceptions/{exception_id} → 204
//	PUT    /guilds/{guild_id}/scheduled-events/{event_id}/users/@me   Parley's: the client's "interested" (humans) → 204
//	DELETE /guilds/{guild_id}/scheduled-events/{event_id}/users/@me   → 204
func (s *Server) scheduledEventRoutes() []*route {
	type event struct {
		inGuild
		EventID snowflake.ID `path:"guild_scheduled_event_id"`
	}
	type eventGet struct {
		event
		WithUserCount bool `query:"with_user_count"`
	}
	type list struct {
		inGuild
		WithUserCount bool `query:"with_user_count"`
	}
	type eventBody struct {
		event
		withBody[guilds.ScheduledEventParams]
	}
	type users struct {
		event
		Limit      int          `query:"limit" default:"100" min:"1" max:"100"`
		WithMember bool         `query:"with_member"`
		Before     snowflake.ID `query:"before"`
		After      snowflake.ID `query:"after"`
	}
	type exceptionUsers struct {
		users
		ExceptionID snowflake.ID `path:"guild_scheduled_event_exception_id"`
	}
	type exception struct {
		event
		ExceptionID snowflake.ID `path:"exception_id"`
	}
	type exceptionBody struct {
		exception
		withBody[guilds.ScheduledExceptionParams]
	}
	type newException struct {
		event
		withBody[guilds.ScheduledExceptionParams]
	}
	query := func(p users) guilds.ScheduledEventUsersQuery {
		return guilds.ScheduledEventUsersQuery{Limit: p.Limit, WithMember: p.WithMember, Before: p.Before, After: p.After}
	}
	return []*route{
		op("GET /guilds/{guild_id}/scheduled-events", "list_guild_scheduled_events", anyone, func(c *call, p list) ([]opcodes.ScheduledEvent, error) {
			return s.svc.ScheduledEvents(c.ctx, c.user, p.GuildID, p.WithUserCount)
		}),
		op("POST /guilds/{guild_id}/scheduled-events", "create_guild_scheduled_event", anyone, func(c *call, p guildBody[guilds.ScheduledEventParams]) (opcodes.ScheduledEvent, error) {
			return s.svc.CreateScheduledEvent(c.ctx, c.user, p.GuildID, p.Body)
		}).audited(),
		op("GET /guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}", "get_guild_scheduled_event", anyone, func(c *call, p eventGet) (opcodes.ScheduledEvent, error) {
			return s.svc.ScheduledEvent(c.ctx, c.user, p.GuildID, p.EventID, p.WithUserCount)
		}),
		op("PATCH /guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}", "update_guild_scheduled_event", anyone, func(c *call, p eventBody) (opcodes.ScheduledEvent, error) {
			return s.svc.ModifyScheduledEvent(c.ctx, c.user, p.GuildID, p.EventID, p.Body)
		}).audited(),
		do("DELETE /guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}", "delete_guild_scheduled_event", anyone, func(c *call, p event) error {
			return s.svc.DeleteScheduledEvent(c.ctx, c.user, p.GuildID, p.EventID)
		}).audited(),
		op("GET /guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}/users", "list_guild_scheduled_event_users", anyone, func(c *call, p users) ([]opcodes.ScheduledEventUser, error) {
			return s.svc.ScheduledEventUsers(c.ctx, c.user, p.GuildID, p.EventID, 0, query(p))
		}),
		op("GET /guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}/users/counts", "count_guild_scheduled_event_users", anyone, func(c *call, p event) (opcodes.ScheduledEventUserCounts, error) {
			return s.svc.ScheduledEventUserCounts(c.ctx, c.user, p.GuildID, p.EventID)
		}),
		op("GET /guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}/{guild_scheduled_event_exception_id}/users", "list_guild_scheduled_event_exception_users", anyone, func(c *call, p exceptionUsers) ([]opcodes.ScheduledEventUser, error) {
			return s.svc.ScheduledEventUsers(c.ctx, c.user, p.GuildID, p.EventID, p.ExceptionID, query(p.users))
		}),
		op("POST /guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}/exceptions", "create_guild_scheduled_event_exception", anyone, func(c *call, p newException) (opcodes.ScheduledException, error) {
			return s.svc.CreateScheduledException(c.ctx, c.user, p.GuildID, p.EventID, p.Body)
		}).audited(),
		op("PATCH /guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}/exceptions/{exception_id}", "update_guild_scheduled_event_exception", anyone, func(c *call, p exceptionBody) (opcodes.ScheduledException, error) {
			return s.svc.ModifyScheduledException(c.ctx, c.user, p.GuildID, p.EventID, p.ExceptionID, p.Body)
		}).audited(),
		do("DELETE /guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}/exceptions/{exception_id}", "delete_guild_scheduled_event_exception", anyone, func(c *call, p exception) error {
			return s.svc.DeleteScheduledException(c.ctx, c.user, p.GuildID, p.EventID, p.ExceptionID)
		}).audited(),
		do("PUT /guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}/users/@me", "", humans, func(c *call, p event) error {
			return s.svc.SubscribeScheduledEvent(c.ctx, c.user, p.GuildID, p.EventID)
		}),
		do("DELETE /guilds/{guild_id}/scheduled-events/{guild_scheduled_event_id}/users/@me", "", humans, func(c *call, p event) error {
			return s.svc.UnsubscribeScheduledEvent(c.ctx, c.user, p.GuildID, p.EventID)
		}),
	}
}
