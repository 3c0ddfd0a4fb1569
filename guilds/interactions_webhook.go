package guilds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// ixMessage is a message an interaction's webhook may read, edit or delete: in the
// channel's history, or ephemeral (eph set), kept beside its interaction.
type ixMessage struct {
	m   storage.Message
	eph *storage.InteractionMessage
}

// putEphemeral stores an ephemeral message beside its interaction.
func (s *Service) putEphemeral(ctx context.Context, ref ephemeralRef, m storage.Message) error {
	data, err := json.Marshal(m)
	if err != nil {
		return fmt.Errorf("encode ephemeral message: %w", err)
	}
	err = s.store.Interactions().PutMessage(ctx, storage.InteractionMessage{ID: m.ID, InteractionID: ref.interactionID,
		UserID: ref.userID, ExpiresAt: ref.expires, Data: data})
	if err != nil {
		return fmt.Errorf("store ephemeral message: %w", err)
	}
	return nil
}

// decodeEphemeral reads a stored ephemeral message; JSON nulls become absent raw fields, as
// the message store gives them.
func decodeEphemeral(em storage.InteractionMessage) (storage.Message, error) {
	var m storage.Message
	if err := json.Unmarshal(em.Data, &m); err != nil {
		return m, fmt.Errorf("decode ephemeral message: %w", err)
	}
	for _, r := range []*json.RawMessage{&m.Embeds, &m.Attachments, &m.Components, &m.Nonce, &m.Interaction} {
		if string(*r) == "null" {
			*r = nil
		}
	}
	return m, nil
}

// publishEphemeral sends a MESSAGE_CREATE or MESSAGE_UPDATE of an ephemeral message to the
// invoker's sessions only.
func (s *Service) publishEphemeral(ctx context.Context, name opcodes.EventName, ch storage.Channel, userID snowflake.ID, out opcodes.Message) {
	d := out
	ct := opcodes.ChannelType(ch.Type)
	d.ChannelType = &ct
	d.GuildID = ptrID(ch.GuildID)
	s.publish(ctx, events.Event{Name: name, GuildID: ch.GuildID, UserIDs: []snowflake.ID{userID}}, d)
}

// interactionMessage finds a message of the interaction: its initial response (id 0, Discord's
// @original; for a click answered with 6 or 7, the component's message) or a follow-up. Any
// other message is 10008 Unknown Message.
func (s *Service) interactionMessage(ctx context.Context, it interaction, id snowflake.ID) (ixMessage, error) {
	original := id == 0 || id == it.ResponseMessageID
	if id == 0 {
		if it.ResponseMessageID == 0 {
			return ixMessage{}, ErrUnknownMessage
		}
		id = it.ResponseMessageID
	}
	em, err := s.store.Interactions().GetMessage(ctx, id, s.now())
	switch {
	case err == nil:
		if !original && em.InteractionID != it.ID {
			return ixMessage{}, ErrUnknownMessage
		}
		m, err := decodeEphemeral(em)
		if err != nil {
			return ixMessage{}, err
		}
		return ixMessage{m: m, eph: &em}, nil
	case !errors.Is(err, storage.ErrNotFound):
		return ixMessage{}, fmt.Errorf("load ephemeral message: %w", err)
	}
	m, err := s.store.Messages().Get(ctx, it.ChannelID, id)
	if err != nil {
		return ixMessage{}, notFound(err, ErrUnknownMessage, "load message")
	}
	if !original {
		var si storedInteraction
		if len(m.Interaction) == 0 || json.Unmarshal(m.Interaction, &si) != nil || si.Meta == nil || si.Meta.ID != it.ID {
			return ixMessage{}, ErrUnknownMessage
		}
	}
	return ixMessage{m: m}, nil
}

// editIxMessage edits a message through the interaction webhook (the application's own, so
// every field may change); a deferred message loses LOADING.
func (s *Service) editIxMessage(ctx context.Context, it interaction, x ixMessage, p EditMessageParams) (opcodes.Message, error) {
	ch, err := s.store.Channels().Get(ctx, x.m.ChannelID)
	if err != nil {
		return opcodes.Message{}, notFound(err, ErrUnknownMessage, "load channel")
	}
	x.m.Flags &^= opcodes.MessageFlagLoading
	a := author{userID: it.ApplicationID, webhookID: it.ApplicationID, applicationID: it.ApplicationID, perms: webhookPerms}
	if x.eph != nil {
		exp := x.eph.ExpiresAt
		if it.ExpiresAt.After(exp) {
			exp = it.ExpiresAt
		}
		a.reply = &interactionReply{ephemeral: true, eph: ephemeralRef{interactionID: x.eph.InteractionID, userID: x.eph.UserID, expires: exp}}
	}
	return s.editMessage(ctx, ch, x.m, a, true, p)
}

// editInteractionMessage is the UPDATE_MESSAGE callback's edit of the component's message.
func (s *Service) editInteractionMessage(ctx context.Context, it interaction, msgID snowflake.ID, p EditMessageParams) (opcodes.Message, error) {
	x, err := s.interactionMessage(ctx, it, msgID)
	if errors.Is(err, ErrUnknownMessage) {
		// The component's message belongs to an earlier interaction (or none): load it as is.
		x, err = s.componentTarget(ctx, it, msgID)
	}
	if err != nil {
		return opcodes.Message{}, err
	}
	return s.editIxMessage(ctx, it, x, p)
}

// componentTarget loads the message a component interaction was on.
func (s *Service) componentTarget(ctx context.Context, it interaction, id snowflake.ID) (ixMessage, error) {
	if it.doc.MessageEphemeral {
		em, err := s.store.Interactions().GetMessage(ctx, id, s.now())
		if err != nil {
			return ixMessage{}, notFound(err, ErrUnknownMessage, "load ephemeral message")
		}
		m, err := decodeEphemeral(em)
		return ixMessage{m: m, eph: &em}, err
	}
	m, err := s.store.Messages().Get(ctx, it.ChannelID, id)
	if err != nil {
		return ixMessage{}, notFound(err, ErrUnknownMessage, "load message")
	}
	return ixMessage{m: m}, nil
}

// followUp is POST /webhooks/{application_id}/{interaction_token}: another message, for 15
// minutes and only once the interaction has its initial response (before, Discord answers
// 10015 Unknown Webhook). EPHEMERAL is allowed. The first follow-up of a deferred response
// that is still loading edits that message, as on Discord.
func (s *Service) followUp(ctx context.Context, it interaction, p MessageParams) (opcodes.Message, error) {
	if !it.Acknowledged || it.ResponseType == responseFailed {
		return opcodes.Message{}, ErrUnknownWebhook
	}
	if it.ResponseType == int(opcodes.CallbackDeferredChannelMessageWithSource) && it.ResponseMessageID != 0 {
		x, err := s.interactionMessage(ctx, it, 0)
		if err != nil && !errors.Is(err, ErrUnknownMessage) {
			return opcodes.Message{}, err
		}
		if err == nil && x.m.Flags&opcodes.MessageFlagLoading != 0 {
			edit := EditMessageParams{Content: &p.Content, Embeds: &p.Embeds, Components: p.Components,
				AllowedMentions: p.AllowedMentions, Files: p.Files}
			if p.Embeds == nil {
				edit.Embeds = nil
				if p.Embed != nil {
					edit.Embeds = &[]opcodes.Embed{*p.Embed}
				}
			}
			if p.Attachments != nil {
				edit.Attachments = &p.Attachments
			}
			return s.editIxMessage(ctx, it, x, edit)
		}
	}
	return s.respond(ctx, it, opcodes.CallbackChannelMessageWithSource, p, true)
}

// interactionWebhookMessage is GET …/messages/{id|@original} for an interaction token.
func (s *Service) interactionWebhookMessage(ctx context.Context, it interaction, id snowflake.ID) (opcodes.Message, error) {
	x, err := s.interactionMessage(ctx, it, id)
	if err != nil {
		return opcodes.Message{}, err
	}
	out, err := s.messageShapes(ctx, it.ApplicationID, []storage.Message{x.m}, true)
	if err != nil {
		return opcodes.Message{}, err
	}
	return out[0], nil
}

// editInteractionWebhookMessage is PATCH …/messages/{id|@original} for an interaction token.
func (s *Service) editInteractionWebhookMessage(ctx context.Context, it interaction, id snowflake.ID, p EditMessageParams) (opcodes.Message, error) {
	x, err := s.interactionMessage(ctx, it, id)
	if err != nil {
		return opcodes.Message{}, err
	}
	return s.editIxMessage(ctx, it, x, p)
}

// deleteInteractionWebhookMessage is DELETE …/messages/{id|@original} for an interaction
// token: a message in history goes as any deleted message; an ephemeral one disappears
// from the invoker's client (MESSAGE_DELETE to them alone).
func (s *Service) deleteInteractionWebhookMessage(ctx context.Context, it interaction, id snowflake.ID) error {
	x, err := s.interactionMessage(ctx, it, id)
	if err != nil {
		return err
	}
	ch, err := s.store.Channels().Get(ctx, x.m.ChannelID)
	if err != nil {
		return notFound(err, ErrUnknownMessage, "load channel")
	}
	if x.eph == nil {
		return s.deleteMessage(ctx, ch, x.m.ID)
	}
	if err := s.store.Interactions().DeleteMessage(ctx, x.m.ID); err != nil {
		return notFound(err, ErrUnknownMessage, "delete ephemeral message")
	}
	s.publish(ctx, events.Event{Name: opcodes.EventMessageDelete, GuildID: ch.GuildID, UserIDs: []snowflake.ID{x.eph.UserID}},
		opcodes.MessageDelete{ID: x.m.ID, ChannelID: ch.ID, GuildID: ptrID(ch.GuildID)})
	return nil
}
