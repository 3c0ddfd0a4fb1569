package guilds

import (
	"context"

	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// The webhook message routes, GET/PATCH/DELETE /webhooks/{webhook_id}/{webhook_token}/messages/
// {message_id} and …/@original, serve two kinds of token: an interaction's (webhook_id is the
// application) and a channel webhook's. This file is the one place that tells them apart;
// messageID 0 means @original, which only interactions have.
//
// Channel webhooks' own message routes are not implemented here (another change brings
// them): their tokens get 10015 Unknown Webhook from channelWebhookMessage* below.

// WebhookMessage is GET /webhooks/{webhook_id}/{webhook_token}/messages/{message_id} (and
// @original, messageID 0).
func (s *Service) WebhookMessage(ctx context.Context, webhookID snowflake.ID, token string, messageID snowflake.ID) (opcodes.Message, error) {
	it, ok, err := s.liveInteraction(ctx, webhookID, token)
	if err != nil {
		return opcodes.Message{}, err
	}
	if ok {
		return s.interactionWebhookMessage(ctx, it, messageID)
	}
	return opcodes.Message{}, s.channelWebhookMessage(messageID)
}

// EditWebhookMessage is PATCH /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}
// (and @original, messageID 0).
func (s *Service) EditWebhookMessage(ctx context.Context, webhookID snowflake.ID, token string, messageID snowflake.ID, p EditMessageParams) (opcodes.Message, error) {
	it, ok, err := s.liveInteraction(ctx, webhookID, token)
	if err != nil {
		return opcodes.Message{}, err
	}
	if ok {
		return s.editInteractionWebhookMessage(ctx, it, messageID, p)
	}
	return opcodes.Message{}, s.channelWebhookMessage(messageID)
}

// DeleteWebhookMessage is DELETE /webhooks/{webhook_id}/{webhook_token}/messages/{message_id}
// (and @original, messageID 0).
func (s *Service) DeleteWebhookMessage(ctx context.Context, webhookID snowflake.ID, token string, messageID snowflake.ID) error {
	it, ok, err := s.liveInteraction(ctx, webhookID, token)
	if err != nil {
		return err
	}
	if ok {
		return s.deleteInteractionWebhookMessage(ctx, it, messageID)
	}
	return s.channelWebhookMessage(messageID)
}

// channelWebhookMessage answers for a token that is no live interaction's: an expired
// interaction token, or a channel webhook's, whose message routes are not here yet.
func (s *Service) channelWebhookMessage(snowflake.ID) error { return ErrUnknownWebhook }
