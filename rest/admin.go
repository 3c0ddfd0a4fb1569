package rest

import (
	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// adminRoutes are the guild administration operations:
//
//	GET    /guilds/{guild_id}/widget                 MANAGE_GUILD
//	PATCH  /guilds/{guild_id}/widget                 {enabled?, channel_id?}
//	GET    /guilds/{guild_id}/widget.json            public; 50004 when disabled
//	GET    /guilds/{guild_id}/widget.png?style=      public; image/png
//	GET    /guilds/{guild_id}/welcome-screen
//	PATCH  /guilds/{guild_id}/welcome-screen         {enabled?, welcome_channels?, description?}
//	GET    /guilds/{guild_id}/onboarding
//	PUT    /guilds/{guild_id}/onboarding             {prompts?, default_channel_ids?, enabled?, mode?}
//	GET    /guilds/{guild_id}/prune?days=&include_roles=
//	POST   /guilds/{guild_id}/prune                  {days?, compute_prune_count?, include_roles?}
//	GET    /guilds/{guild_id}/vanity-url
//	GET    /guilds/{guild_id}/integrations
//	DELETE /guilds/{guild_id}/integrations/{integration_id} → 204
//	GET    /guilds/{guild_id}/templates
//	POST   /guilds/{guild_id}/templates              {name, description?}
//	PUT    /guilds/{guild_id}/templates/{code}       sync
//	PATCH  /guilds/{guild_id}/templates/{code}       {name?, description?}
//	DELETE /guilds/{guild_id}/templates/{code}       → the template
//	GET    /guilds/templates/{code}                  public
//	POST   /guilds/templates/{code}                  {name, icon?} → 201 guild (Parley keeps Discord's deprecated route)
//	PUT    /guilds/{guild_id}/incident-actions       {invites_disabled_until?, dms_disabled_until?}
//	GET    /guilds/{guild_id}/new-member-welcome     → 204 (no server guide)
//	GET    /guilds/{guild_id}/regions
//	GET    /voice/regions
func (s *Server) adminRoutes() []*route {
	type widgetPNG struct {
		inGuild
		Style string `query:"style"`
	}
	type prune struct {
		inGuild
		Days         int    `query:"days" default:"7" min:"1" max:"30"`
		IncludeRoles string `query:"include_roles"`
	}
	type integration struct {
		inGuild
		IntegrationID snowflake.ID `path:"integration_id"`
	}
	type template struct {
		inGuild
		Code string `path:"code"`
	}
	type templateBody struct {
		template
		withBody[guilds.TemplateParams]
	}
	type templateCode struct {
		Code string `path:"code"`
	}
	type fromTemplate struct {
		templateCode
		withBody[guilds.CreateGuildFromTemplateParams]
	}
	return []*route{
		op("GET /guilds/{guild_id}/widget", "get_guild_widget_settings", anyone, func(c *call, p inGuild) (opcodes.WidgetSettings, error) {
			return s.svc.WidgetSettings(c.ctx, c.user, p.GuildID)
		}),
		op("PATCH /guilds/{guild_id}/widget", "update_guild_widget_settings", anyone, func(c *call, p guildBody[guilds.ModifyWidgetParams]) (opcodes.WidgetSettings, error) {
			return s.svc.ModifyWidget(c.ctx, c.user, p.GuildID, p.Body)
		}).audited(),
		op("GET /guilds/{guild_id}/widget.json", "get_guild_widget", public, func(c *call, p inGuild) (opcodes.Widget, error) {
			return s.svc.Widget(c.ctx, p.GuildID)
		}),
		op("GET /guilds/{guild_id}/widget.png", "get_guild_widget_png", public, func(c *call, p widgetPNG) (rawAnswer, error) {
			png, err := s.svc.WidgetPNG(c.ctx, p.GuildID, p.Style)
			return rawAnswer{"image/png", png}, err
		}),
		op("GET /guilds/{guild_id}/welcome-screen", "get_guild_welcome_screen", anyone, func(c *call, p inGuild) (opcodes.WelcomeScreen, error) {
			return s.svc.WelcomeScreen(c.ctx, c.user, p.GuildID)
		}),
		op("PATCH /guilds/{guild_id}/welcome-screen", "update_guild_welcome_screen", anyone, func(c *call, p guildBody[guilds.ModifyWelcomeScreenParams]) (opcodes.WelcomeScreen, error) {
			return s.svc.ModifyWelcomeScreen(c.ctx, c.user, p.GuildID, p.Body)
		}).audited(),
		op("GET /guilds/{guild_id}/onboarding", "get_guilds_onboarding", anyone, func(c *call, p inGuild) (opcodes.Onboarding, error) {
			return s.svc.Onboarding(c.ctx, c.user, p.GuildID)
		}),
		op("PUT /guilds/{guild_id}/onboarding", "put_guilds_onboarding", anyone, func(c *call, p guildBody[guilds.OnboardingParams]) (opcodes.Onboarding, error) {
			return s.svc.PutOnboarding(c.ctx, c.user, p.GuildID, p.Body)
		}).audited(),
		op("GET /guilds/{guild_id}/prune", "preview_prune_guild", anyone, func(c *call, p prune) (opcodes.Prune, error) {
			return s.svc.PruneCount(c.ctx, c.user, p.GuildID, p.Days, p.IncludeRoles)
		}),
		op("POST /guilds/{guild_id}/prune", "prune_guild", anyone, func(c *call, p guildBody[guilds.PruneParams]) (opcodes.Prune, error) {
			return s.svc.Prune(c.ctx, c.user, p.GuildID, p.Body)
		}).audited(),
		op("GET /guilds/{guild_id}/vanity-url", "get_guild_vanity_url", anyone, func(c *call, p inGuild) (opcodes.VanityURL, error) {
			return s.svc.VanityURL(c.ctx, c.user, p.GuildID)
		}),
		op("GET /guilds/{guild_id}/integrations", "list_guild_integrations", anyone, func(c *call, p inGuild) ([]opcodes.Integration, error) {
			return s.svc.Integrations(c.ctx, c.user, p.GuildID)
		}),
		do("DELETE /guilds/{guild_id}/integrations/{integration_id}", "delete_guild_integration", anyone, func(c *call, p integration) error {
			return s.svc.DeleteIntegration(c.ctx, c.user, p.GuildID, p.IntegrationID)
		}).audited(),
		op("GET /guilds/{guild_id}/templates", "list_guild_templates", anyone, func(c *call, p inGuild) ([]opcodes.Template, error) {
			return s.svc.Templates(c.ctx, c.user, p.GuildID)
		}),
		op("POST /guilds/{guild_id}/templates", "create_guild_template", anyone, func(c *call, p guildBody[guilds.TemplateParams]) (opcodes.Template, error) {
			return s.svc.CreateTemplate(c.ctx, c.user, p.GuildID, p.Body)
		}),
		op("PUT /guilds/{guild_id}/templates/{code}", "sync_guild_template", anyone, func(c *call, p template) (opcodes.Template, error) {
			return s.svc.SyncTemplate(c.ctx, c.user, p.GuildID, p.Code)
		}),
		op("PATCH /guilds/{guild_id}/templates/{code}", "update_guild_template", anyone, func(c *call, p templateBody) (opcodes.Template, error) {
			return s.svc.ModifyTemplate(c.ctx, c.user, p.GuildID, p.Code, p.Body)
		}),
		op("DELETE /guilds/{guild_id}/templates/{code}", "delete_guild_template", anyone, func(c *call, p template) (opcodes.Template, error) {
			return s.svc.DeleteTemplate(c.ctx, c.user, p.GuildID, p.Code)
		}),
		op("GET /guilds/templates/{code}", "get_guild_template", public, func(c *call, p templateCode) (opcodes.Template, error) {
			return s.svc.Template(c.ctx, p.Code)
		}),
		op("POST /guilds/templates/{code}", "", humans, func(c *call, p fromTemplate) (opcodes.Guild, error) {
			return s.svc.CreateGuildFromTemplate(c.ctx, c.user, p.Code, p.Body)
		}).created(),
		op("PUT /guilds/{guild_id}/incident-actions", "update_guild_incident_actions", anyone, func(c *call, p guildBody[guilds.IncidentActionsParams]) (opcodes.IncidentsData, error) {
			return s.svc.UpdateIncidentActions(c.ctx, c.user, p.GuildID, p.Body)
		}),
		op("GET /guilds/{guild_id}/new-member-welcome", "get_guild_new_member_welcome", anyone, func(c *call, p inGuild) (*opcodes.GuildHomeSettings, error) {
			return s.svc.NewMemberWelcome(c.ctx, c.user, p.GuildID)
		}),
		op("GET /guilds/{guild_id}/regions", "list_guild_voice_regions", anyone, func(c *call, p inGuild) ([]opcodes.VoiceRegion, error) {
			return s.svc.GuildVoiceRegions(c.ctx, c.user, p.GuildID)
		}),
		op("GET /voice/regions", "list_voice_regions", anyone, func(c *call, _ none) ([]opcodes.VoiceRegion, error) {
			return s.svc.VoiceRegions(c.ctx), nil
		}),
	}
}

// voiceRoutes are the voice state operations (stage channels: suppress and raised hands):
//
//	GET   /guilds/{guild_id}/voice-states/@me
//	PATCH /guilds/{guild_id}/voice-states/@me        {channel_id, suppress?, request_to_speak_timestamp?} → 204
//	GET   /guilds/{guild_id}/voice-states/{user_id}
//	PATCH /guilds/{guild_id}/voice-states/{user_id}  {channel_id, suppress?} → 204
func (s *Server) voiceRoutes() []*route {
	type user struct {
		inGuild
		UserID snowflake.ID `path:"user_id" unknown:"user"`
	}
	type userBody struct {
		user
		withBody[guilds.VoiceStateParams]
	}
	return []*route{
		op("GET /guilds/{guild_id}/voice-states/@me", "get_self_voice_state", anyone, func(c *call, p inGuild) (opcodes.VoiceState, error) {
			return s.svc.VoiceState(c.ctx, c.user, p.GuildID, c.user)
		}),
		do("PATCH /guilds/{guild_id}/voice-states/@me", "update_self_voice_state", anyone, func(c *call, p guildBody[guilds.VoiceStateParams]) error {
			return s.svc.ModifyVoiceState(c.ctx, c.user, p.GuildID, c.user, true, p.Body)
		}),
		op("GET /guilds/{guild_id}/voice-states/{user_id}", "get_voice_state", anyone, func(c *call, p user) (opcodes.VoiceState, error) {
			return s.svc.VoiceState(c.ctx, c.user, p.GuildID, p.UserID)
		}),
		do("PATCH /guilds/{guild_id}/voice-states/{user_id}", "update_voice_state", anyone, func(c *call, p userBody) error {
			return s.svc.ModifyVoiceState(c.ctx, c.user, p.GuildID, p.UserID, p.UserID == c.user, p.Body)
		}),
	}
}
