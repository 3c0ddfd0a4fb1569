package rest

import (
	"fmt"

	"github.com/parley-chat/parley/guilds"
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
//	POST   /webhooks/{webhook_id}/{webhook_token}    (no auth) ?wait → message (wait=true) or 204
func (s *Server) webhookRoutes() {
	s.handle("POST", "/channels/{channel_id}/webhooks", anyone, func(r *request) error {
		cid, err := r.pathID("channel_id", guilds.ErrUnknownChannel)
		if err != nil {
			return err
		}
		var p guilds.WebhookParams
		if err := r.decode(&p); err != nil {
			return err
		}
		w, err := s.svc.CreateWebhook(r.ctx, r.id.UserID, cid, p)
		if err != nil {
			return fmt.Errorf("create webhook: %w", err)
		}
		return r.ok(w)
	})
	s.handle("GET", "/channels/{channel_id}/webhooks", anyone, func(r *request) error {
		cid, err := r.pathID("channel_id", guilds.ErrUnknownChannel)
		if err != nil {
			return err
		}
		ws, err := s.svc.ChannelWebhooks(r.ctx, r.id.UserID, cid)
		if err != nil {
			return fmt.Errorf("channel webhooks: %w", err)
		}
		return r.ok(ws)
	})
	s.handle("GET", "/guilds/{guild_id}/webhooks", anyone, func(r *request) error {
		gid, err := r.pathID("guild_id", guilds.ErrUnknownGuild)
		if err != nil {
			return err
		}
		ws, err := s.svc.GuildWebhooks(r.ctx, r.id.UserID, gid)
		if err != nil {
			return fmt.Errorf("guild webhooks: %w", err)
		}
		return r.ok(ws)
	})
	s.handle("GET", "/webhooks/{webhook_id}", anyone, func(r *request) error {
		id, err := r.webhookID()
		if err != nil {
			return err
		}
		w, err := s.svc.Webhook(r.ctx, r.id.UserID, id)
		if err != nil {
			return fmt.Errorf("get webhook: %w", err)
		}
		return r.ok(w)
	})
	s.handle("PATCH", "/webhooks/{webhook_id}", anyone, func(r *request) error {
		id, err := r.webhookID()
		if err != nil {
			return err
		}
		var p guilds.ModifyWebhookParams
		if err := r.decode(&p); err != nil {
			return err
		}
		w, err := s.svc.ModifyWebhook(r.ctx, r.id.UserID, id, p)
		if err != nil {
			return fmt.Errorf("modify webhook: %w", err)
		}
		return r.ok(w)
	})
	s.handle("DELETE", "/webhooks/{webhook_id}", anyone, func(r *request) error {
		id, err := r.webhookID()
		if err != nil {
			return err
		}
		if err := s.svc.DeleteWebhook(r.ctx, r.id.UserID, id); err != nil {
			return fmt.Errorf("delete webhook: %w", err)
		}
		return r.noContent()
	})
	s.handle("GET", "/webhooks/{webhook_id}/{webhook_token}", public, func(r *request) error {
		id, err := r.webhookID()
		if err != nil {
			return err
		}
		w, err := s.svc.WebhookWithToken(r.ctx, id, r.pathString("webhook_token"))
		if err != nil {
			return fmt.Errorf("get webhook with token: %w", err)
		}
		return r.ok(w)
	})
	s.handle("PATCH", "/webhooks/{webhook_id}/{webhook_token}", public, func(r *request) error {
		id, err := r.webhookID()
		if err != nil {
			return err
		}
		var p guilds.ModifyWebhookParams
		if err := r.decode(&p); err != nil {
			return err
		}
		p.ChannelID = nil // only bot-authenticated edits may move a webhook
		w, err := s.svc.ModifyWebhookWithToken(r.ctx, id, r.pathString("webhook_token"), p)
		if err != nil {
			return fmt.Errorf("modify webhook with token: %w", err)
		}
		return r.ok(w)
	})
	s.handle("DELETE", "/webhooks/{webhook_id}/{webhook_token}", public, func(r *request) error {
		id, err := r.webhookID()
		if err != nil {
			return err
		}
		if err := s.svc.DeleteWebhookWithToken(r.ctx, id, r.pathString("webhook_token")); err != nil {
			return fmt.Errorf("delete webhook with token: %w", err)
		}
		return r.noContent()
	})
	s.handle("POST", "/webhooks/{webhook_id}/{webhook_token}", public, func(r *request) error {
		id, err := r.webhookID()
		if err != nil {
			return err
		}
		wait, err := r.queryBool("wait")
		if err != nil {
			return err
		}
		var p guilds.ExecuteWebhookParams
		if err := r.decode(&p); err != nil {
			return err
		}
		if p.Files, err = r.files(); err != nil {
			return err
		}
		m, err := s.svc.ExecuteWebhook(r.ctx, id, r.pathString("webhook_token"), p)
		if err != nil {
			return fmt.Errorf("execute webhook: %w", err)
		}
		if !wait {
			return r.noContent()
		}
		return r.ok(m)
	})
}

func (r *request) webhookID() (snowflake.ID, error) {
	return r.pathID("webhook_id", guilds.ErrUnknownWebhook)
}
