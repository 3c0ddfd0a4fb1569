package rest

import (
	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// webhookRoutes:
//
//	POST   /channels/{channel_id}/webhooks           {name, avatar?}
//	GET    /channels/{channel_id}/webhooks
//	GET    /guilds/{guild_id}/webhooks
//	GET    /webhooks/{webhook_id}                    (MANAGE_WEBHOOKS)
//	PATCH  /webhooks/{webhook_id}                    {name?, avatar?, channel_id?}
//	DELETE /webhooks/{webhook_id}                    → 204
//	GET    /webhooks/{webhook_id}/{webhook_token}    (no auth)
//	PATCH  /webhooks/{webhook_id}/{webhook_token}    (no auth) {name?, avatar?}
//	DELETE /webhooks/{webhook_id}/{webhook_token}    (no auth) → 204
//	POST   /webhooks/{webhook_id}/{webhook_token}    (no auth) ?wait ?with_components → message (wait=true) or 204
func (s *Server) webhookRoutes() []*route {
	type webhook struct {
		ID snowflake.ID `path:"webhook_id"`
	}
	type webhookBody struct {
		webhook
		withBody[guilds.ModifyWebhookParams]
	}
	type withToken struct {
		webhook
		Token string `path:"webhook_token"`
	}
	type withTokenBody struct {
		withToken
		withBody[guilds.ModifyWebhookParams]
	}
	type execute struct {
		withToken
		Wait           bool `query:"wait"`
		WithComponents bool `query:"with_components"`
		withBody[guilds.ExecuteWebhookParams]
	}
	return []*route{
		op("POST /channels/{channel_id}/webhooks", "create_webhook", anyone, func(c *call, p channelBody[guilds.WebhookParams]) (opcodes.Webhook, error) {
			return s.svc.CreateWebhook(c.ctx, c.user, p.ChannelID, p.Body)
		}).audited(),
		op("GET /channels/{channel_id}/webhooks", "list_channel_webhooks", anyone, func(c *call, p inChannel) ([]opcodes.Webhook, error) {
			return s.svc.ChannelWebhooks(c.ctx, c.user, p.ChannelID)
		}),
		op("GET /guilds/{guild_id}/webhooks", "get_guild_webhooks", anyone, func(c *call, p inGuild) ([]opcodes.Webhook, error) {
			return s.svc.GuildWebhooks(c.ctx, c.user, p.GuildID)
		}),
		op("GET /webhooks/{webhook_id}", "get_webhook", anyone, func(c *call, p webhook) (opcodes.Webhook, error) {
			return s.svc.Webhook(c.ctx, c.user, p.ID)
		}),
		op("PATCH /webhooks/{webhook_id}", "update_webhook", anyone, func(c *call, p webhookBody) (opcodes.Webhook, error) {
			return s.svc.ModifyWebhook(c.ctx, c.user, p.ID, p.Body)
		}).audited(),
		do("DELETE /webhooks/{webhook_id}", "delete_webhook", anyone, func(c *call, p webhook) error {
			return s.svc.DeleteWebhook(c.ctx, c.user, p.ID)
		}).audited(),
		op("GET /webhooks/{webhook_id}/{webhook_token}", "get_webhook_by_token", public, func(c *call, p withToken) (opcodes.Webhook, error) {
			return s.svc.WebhookWithToken(c.ctx, p.ID, p.Token)
		}),
		op("PATCH /webhooks/{webhook_id}/{webhook_token}", "update_webhook_by_token", public, func(c *call, p withTokenBody) (opcodes.Webhook, error) {
			p.Body.ChannelID = nil // only bot-authenticated edits may move a webhook
			return s.svc.ModifyWebhookWithToken(c.ctx, p.ID, p.Token, p.Body)
		}),
		do("DELETE /webhooks/{webhook_id}/{webhook_token}", "delete_webhook_by_token", public, func(c *call, p withToken) error {
			return s.svc.DeleteWebhookWithToken(c.ctx, p.ID, p.Token)
		}),
		// Without ?wait=true Discord answers 204: the nil result.
		op("POST /webhooks/{webhook_id}/{webhook_token}", "execute_webhook", public, func(c *call, p execute) (*opcodes.Message, error) {
			p.Body.WithComponents = p.WithComponents
			m, err := s.svc.ExecuteWebhook(c.ctx, p.ID, p.Token, p.Body)
			if err != nil || !p.Wait {
				return nil, err
			}
			return &m, nil
		}).withUploads(),
	}
}
