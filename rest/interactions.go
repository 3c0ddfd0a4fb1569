package rest

import (
	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// interactionRoutes: users invoking application commands, and the application's answer.
//
//	POST /interactions                                        (users; bots get 20001) {type: 2, application_id,
//	     guild_id, channel_id, data: {id, name, type, options}} → 204, INTERACTION_CREATE to the app's bot
//	POST /interactions/{interaction_id}/{interaction_token}/callback  (no auth: the token is the credential)
//	     {type: 4|5, data?} ?with_response → callback object (with_response=true) or 204; once, within 3 s
//	PATCH /webhooks/{application_id}/{interaction_token}/messages/@original  (no auth) edit the reply, 15 min;
//	     clears LOADING. Only interaction tokens: plain webhooks' @original is not implemented.
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
		AppID snowflake.ID `path:"webhook_id"`
		Token string       `path:"webhook_token"`
		withBody[guilds.EditMessageParams]
	}
	return []*route{
		do("POST /interactions", "", humans, func(c *call, p withBody[guilds.InteractionParams]) error {
			return s.svc.CreateInteraction(c.ctx, c.user, p.Body)
		}),
		op("POST /interactions/{interaction_id}/{interaction_token}/callback", "create_interaction_response", public, func(c *call, p callback) (*opcodes.InteractionCallbackResponse, error) {
			return s.svc.InteractionCallback(c.ctx, p.ID, p.Token, p.Body, p.WithResponse)
		}),
		op("PATCH /webhooks/{webhook_id}/{webhook_token}/messages/@original", "update_original_webhook_message", public, func(c *call, p original) (opcodes.Message, error) {
			return s.svc.EditOriginalInteractionResponse(c.ctx, p.AppID, p.Token, p.Body)
		}),
	}
}
