package rest

import (
	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// moderationRoutes:
//
//	GET    /guilds/{guild_id}/audit-logs                          ?user_id&target_id&action_type&before&after&limit (1–100, 50)
//	GET    /guilds/{guild_id}/auto-moderation/rules
//	POST   /guilds/{guild_id}/auto-moderation/rules               {name, event_type, trigger_type, trigger_metadata?, actions, enabled?, exempt_roles?, exempt_channels?}
//	GET    /guilds/{guild_id}/auto-moderation/rules/{rule_id}
//	PATCH  /guilds/{guild_id}/auto-moderation/rules/{rule_id}     every field but trigger_type, optional
//	DELETE /guilds/{guild_id}/auto-moderation/rules/{rule_id}     → 204
func (s *Server) moderationRoutes() []*route {
	type auditLog struct {
		inGuild
		UserID     snowflake.ID `query:"user_id"`
		TargetID   snowflake.ID `query:"target_id"`
		ActionType int          `query:"action_type" default:"0" min:"0" max:"1000"`
		Before     snowflake.ID `query:"before"`
		After      snowflake.ID `query:"after"`
		Limit      int          `query:"limit" default:"50" min:"1" max:"100"`
	}
	type rule struct {
		inGuild
		RuleID snowflake.ID `path:"rule_id"`
	}
	type ruleBody struct {
		rule
		withBody[guilds.AutoModRuleParams]
	}
	return []*route{
		op("GET /guilds/{guild_id}/audit-logs", "list_guild_audit_log_entries", anyone, func(c *call, p auditLog) (opcodes.AuditLog, error) {
			return s.svc.AuditLog(c.ctx, c.user, p.GuildID, guilds.AuditLogParams{UserID: p.UserID, TargetID: p.TargetID,
				ActionType: p.ActionType, Before: p.Before, After: p.After, Limit: p.Limit})
		}),
		op("GET /guilds/{guild_id}/auto-moderation/rules", "list_auto_moderation_rules", anyone, func(c *call, p inGuild) ([]opcodes.AutoModRule, error) {
			return s.svc.AutoModRules(c.ctx, c.user, p.GuildID)
		}),
		op("POST /guilds/{guild_id}/auto-moderation/rules", "create_auto_moderation_rule", anyone, func(c *call, p guildBody[guilds.AutoModRuleParams]) (opcodes.AutoModRule, error) {
			return s.svc.CreateAutoModRule(c.ctx, c.user, p.GuildID, p.Body)
		}).audited(),
		op("GET /guilds/{guild_id}/auto-moderation/rules/{rule_id}", "get_auto_moderation_rule", anyone, func(c *call, p rule) (opcodes.AutoModRule, error) {
			return s.svc.AutoModRule(c.ctx, c.user, p.GuildID, p.RuleID)
		}),
		op("PATCH /guilds/{guild_id}/auto-moderation/rules/{rule_id}", "update_auto_moderation_rule", anyone, func(c *call, p ruleBody) (opcodes.AutoModRule, error) {
			return s.svc.ModifyAutoModRule(c.ctx, c.user, p.GuildID, p.RuleID, p.Body)
		}).audited(),
		do("DELETE /guilds/{guild_id}/auto-moderation/rules/{rule_id}", "delete_auto_moderation_rule", anyone, func(c *call, p rule) error {
			return s.svc.DeleteAutoModRule(c.ctx, c.user, p.GuildID, p.RuleID)
		}).audited(),
	}
}
