package rest

import (
	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// interactionRoutes: users invoking application commands, clicking components, asking for
// autocomplete and submitting modals, and the application's answers.
//
//	POST /interactions                                        (users; bots get 20001) JSON or multipart
//	     (payload_json + files[n] for attachment options) {type: 2|3|4|5, application_id, guild_id?,
//	     channel_id, session_id, nonce, message_id (3), data} → 204; INTERACTION_CREATE to the app's bot
//	POST /interactions/{interaction_id}/{interaction_token}/callback  (no auth: the token is the credential)
//	     {type: 1|4|5|6|7|8|9, data?} (JSON or multipart) ?with_response → callback object or 204;
//	     once (40060), within 3 s (10062)
//	GET|PATCH|DELETE /webhooks/{application_id}/{interaction_token}/messages/@original   (no auth, 15 min)
//	GET|PATCH|DELETE /webhooks/{application_id}/{interaction_token}/messages/{message_id} (no auth, 15 min)
//	     the domain tells interaction tokens from channel webhooks' (guilds/webhook_messages.go)
//	POST /webhooks/{application_id}/{interaction_token}  follow-up message (webhookRoutes' execute_webhook
//	     route; the domain tells interaction tokens from webhook tokens), after the initial response, 15 min
func (s *Server) interactionRoutes() []*route {
	type callback struct {
		ID           snowflake.ID `path:"interaction_id"`
		Token        string       `path:"interaction_token"`
		WithResponse bool         `query:"with_response"`
		withBody[guilds.InteractionCallbackParams]
	}
	type original struct {
		ID    snowflake.ID `path:"webhook_id"`
		Token string       `path:"webhook_token"`
	}
	type originalBody struct {
		original
		withBody[guilds.EditMessageParams]
	}
	type message struct {
		ID        snowflake.ID `path:"webhook_id"`
		Token     string       `path:"webhook_token"`
		MessageID snowflake.ID `path:"message_id"`
	}
	type messageBody struct {
		message
		withBody[guilds.EditMessageParams]
	}
	return []*route{
		do("POST /interactions", "", humans, func(c *call, p withBody[guilds.InteractionParams]) error {
			return s.svc.CreateInteraction(c.ctx, c.user, p.Body)
		}).withUploads(),
		op("POST /interactions/{interaction_id}/{interaction_token}/callback", "create_interaction_response", public, func(c *call, p callback) (*opcodes.InteractionCallbackResponse, error) {
			return s.svc.InteractionCallback(c.ctx, p.ID, p.Token, p.Body, p.WithResponse)
		}).withUploads(),
		op("GET /webhooks/{webhook_id}/{webhook_token}/messages/@original", "get_original_webhook_message", public, func(c *call, p original) (opcodes.Message, error) {
			return s.svc.WebhookMessage(c.ctx, p.ID, p.Token, 0)
		}),
		op("PATCH /webhooks/{webhook_id}/{webhook_token}/messages/@original", "update_original_webhook_message", public, func(c *call, p originalBody) (opcodes.Message, error) {
			return s.svc.EditWebhookMessage(c.ctx, p.ID, p.Token, 0, p.Body)
		}).withUploads(),
		do("DELETE /webhooks/{webhook_id}/{webhook_token}/messages/@original", "delete_original_webhook_message", public, func(c *call, p original) error {
			return s.svc.DeleteWebhookMessage(c.ctx, p.ID, p.Token, 0)
		}),
		op("GET /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", "get_webhook_message", public, func(c *call, p message) (opcodes.Message, error) {
			return s.svc.WebhookMessage(c.ctx, p.ID, p.Token, p.MessageID)
		}),
		op("PATCH /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", "update_webhook_message", public, func(c *call, p messageBody) (opcodes.Message, error) {
			return s.svc.EditWebhookMessage(c.ctx, p.ID, p.Token, p.MessageID, p.Body)
		}).withUploads(),
		do("DELETE /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}", "delete_webhook_message", public, func(c *call, p message) error {
			return s.svc.DeleteWebhookMessage(c.ctx, p.ID, p.Token, p.MessageID)
		}),
	}
}
