package guilds

import (
	"context"
	"crypto/subtle"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// InteractionCallbackParams is POST /interactions/{id}/{token}/callback. Files are a
// multipart request's uploads for the response message.
type InteractionCallbackParams struct {
	Type  opcodes.InteractionCallbackType `json:"type"`
	Data  *InteractionCallbackData        `json:"data"`
	Files []File                          `json:"-"`
}

// InteractionCallbackData is a callback's data: a message (types 4, 7; flags only for 5),
// autocomplete choices (8) or a modal (9: custom_id, title, components).
type InteractionCallbackData struct {
	MessageParams
	Choices  []opcodes.CommandChoice `json:"choices"`
	CustomID string                  `json:"custom_id"`
	Title    string                  `json:"title"`
}

// allowedCallbacks are the response types Discord accepts for each interaction type. A
// modal submission may update a message (6, 7) only if the modal came from a component.
var allowedCallbacks = map[opcodes.InteractionType][]opcodes.InteractionCallbackType{
	opcodes.InteractionPing: {opcodes.CallbackPong},
	opcodes.InteractionApplicationCommand: {opcodes.CallbackChannelMessageWithSource,
		opcodes.CallbackDeferredChannelMessageWithSource, opcodes.CallbackModal},
	opcodes.InteractionMessageComponent: {opcodes.CallbackChannelMessageWithSource, opcodes.CallbackDeferredChannelMessageWithSource,
		opcodes.CallbackDeferredUpdateMessage, opcodes.CallbackUpdateMessage, opcodes.CallbackModal},
	opcodes.InteractionApplicationCommandAutocomplete: {opcodes.CallbackAutocompleteResult},
	opcodes.InteractionModalSubmit: {opcodes.CallbackChannelMessageWithSource, opcodes.CallbackDeferredChannelMessageWithSource,
		opcodes.CallbackDeferredUpdateMessage, opcodes.CallbackUpdateMessage},
}

// InteractionCallback is POST /interactions/{id}/{token}/callback: the application's initial
// response, once (40060), within 3 seconds of the interaction (10062 after), of a type the
// interaction allows (50035 on type otherwise). It is a plain method, not tied to HTTP, so an
// HTTP bot's endpoint answer can be fed to it too.
//
//   - 4 posts the reply (type 20 for a chat-input command, 23 for a context menu, 19 replying
//     to the component's message for a click), 5 the same as a LOADING message to edit later;
//     with EPHEMERAL either goes to the invoker alone;
//   - 6 acknowledges a click (the component's message becomes @original), 7 edits that message;
//   - 8 sends autocomplete choices (≤ 25, names 1–100) to the invoker;
//   - 9 opens a modal (custom_id 1–100, title 1–45, 1–5 components) on the invoker's client.
//
// The invoker's sessions get INTERACTION_SUCCESS (all but 8). withResponse returns the
// callback object (Discord's ?with_response=true); otherwise the answer is nil (204).
func (s *Service) InteractionCallback(ctx context.Context, id snowflake.ID, token string, p InteractionCallbackParams, withResponse bool) (*opcodes.InteractionCallbackResponse, error) {
	var v validator
	var data InteractionCallbackData
	if p.Data != nil {
		data = *p.Data
	}
	data.Files = append(data.Files, p.Files...)
	switch p.Type {
	case opcodes.CallbackPong, opcodes.CallbackChannelMessageWithSource, opcodes.CallbackDeferredChannelMessageWithSource,
		opcodes.CallbackDeferredUpdateMessage, opcodes.CallbackUpdateMessage, opcodes.CallbackAutocompleteResult, opcodes.CallbackModal:
	default:
		v.add("type", "BASE_TYPE_CHOICES", "Value must be one of (1, 4, 5, 6, 7, 8, 9).")
		return nil, v.err()
	}
	st, err := s.store.Interactions().Get(ctx, id)
	if err != nil {
		return nil, notFound(err, ErrUnknownInteraction, "load interaction")
	}
	hash := hashToken(token)
	if subtle.ConstantTimeCompare(hash, st.TokenHash) != 1 {
		return nil, ErrUnknownInteraction
	}
	it, err := decodeInteraction(st)
	if err != nil {
		return nil, err
	}
	allowed := allowedCallbacks[opcodes.InteractionType(it.Type)]
	fromMessage := it.doc.MessageID != 0
	if !containsCallback(allowed, p.Type) || ((p.Type == opcodes.CallbackDeferredUpdateMessage || p.Type == opcodes.CallbackUpdateMessage) && !fromMessage) {
		v.add("type", "INTERACTION_CALLBACK_TYPE_INVALID", fmt.Sprintf("Interaction callback type %d is not valid for this interaction.", p.Type))
		return nil, v.err()
	}
	var modal *modalDoc
	switch p.Type {
	case opcodes.CallbackAutocompleteResult:
		checkChoices(&v, data.Choices)
	case opcodes.CallbackModal:
		modal = checkModal(&v, &data)
	case opcodes.CallbackChannelMessageWithSource, opcodes.CallbackDeferredChannelMessageWithSource, opcodes.CallbackUpdateMessage:
		const callbackFlags = opcodes.MessageFlagEphemeral | opcodes.MessageFlagSuppressEmbeds | opcodes.MessageFlagSuppressNotification | flagComponentsV2
		if data.Flags&^callbackFlags != 0 {
			v.add("data.flags", "MESSAGE_FLAGS_INVALID", "Invalid message flags")
		}
		if p.Type == opcodes.CallbackUpdateMessage && data.Flags&opcodes.MessageFlagEphemeral != 0 {
			v.add("data.flags", "MESSAGE_FLAGS_INVALID", "An update cannot make a message ephemeral.")
		}
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	acked, err := s.store.Interactions().Acknowledge(ctx, id, hash, s.now().Add(-interactionCallbackWindow), int(p.Type))
	switch {
	case errors.Is(err, storage.ErrConflict):
		if cur, gerr := s.store.Interactions().Get(ctx, id); gerr == nil && cur.ResponseType == responseFailed {
			return nil, ErrUnknownInteraction // the 3 seconds ran out: the failure timer claimed it
		}
		return nil, ErrInteractionAcknowledged
	case errors.Is(err, storage.ErrNotFound):
		return nil, ErrUnknownInteraction
	case err != nil:
		return nil, fmt.Errorf("acknowledge interaction: %w", err)
	}
	it.Interaction = acked
	res, err := s.performCallback(ctx, &it, p.Type, data, modal)
	if err != nil {
		if rerr := s.store.Interactions().Release(context.WithoutCancel(ctx), id); rerr != nil {
			s.log.WarnContext(ctx, "release interaction", "interaction_id", id, "err", rerr)
		}
		return nil, err
	}
	if p.Type != opcodes.CallbackAutocompleteResult && p.Type != opcodes.CallbackPong {
		s.publish(ctx, events.Event{Name: opcodes.EventInteractionSuccess, UserIDs: []snowflake.ID{it.UserID}},
			opcodes.InteractionAck{ID: it.ID, Nonce: it.doc.Nonce})
	}
	if !withResponse {
		return nil, nil
	}
	return res, nil
}

func containsCallback(ts []opcodes.InteractionCallbackType, t opcodes.InteractionCallbackType) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

// checkChoices applies Discord's autocomplete result limits: at most 25 choices, names of
// 1–100 characters, string values of at most 100, numeric values numbers.
func checkChoices(v *validator, cs []opcodes.CommandChoice) {
	if len(cs) > 25 {
		v.add("data.choices", "BASE_TYPE_MAX_LENGTH", "Must be 25 or fewer in length.")
		return
	}
	for i, c := range cs {
		f := fmt.Sprintf("data.choices.%d", i)
		v.length(f+".name", c.Name, 1, 100)
		var str string
		var num float64
		switch {
		case json.Unmarshal(c.Value, &str) == nil:
			if len([]rune(str)) > 100 {
				v.add(f+".value", "BASE_TYPE_MAX_LENGTH", "Must be 100 or fewer in length.")
			}
		case json.Unmarshal(c.Value, &num) == nil:
		default:
			v.add(f+".value", "BASE_TYPE_REQUIRED", "This field is required")
		}
	}
}

// checkModal applies a modal's limits (custom_id 1–100, title 1–45, 1–5 top-level
// components, each input with a custom_id of 1–100) and returns what a submission must
// match. It checks the modal's frame, not every component field.
func checkModal(v *validator, d *InteractionCallbackData) *modalDoc {
	d.Components = validateModal(v, "data", d.CustomID, d.Title, d.Components)
	m := &modalDoc{CustomID: d.CustomID}
	walkComponents(rawComponents(d.Components), 0, func(c componentNode) {
		switch c.Type {
		case componentActionRow, componentLabel:
			return
		}
		if c.CustomID == "" && c.Type != 10 { // 10: text display, which has none
			v.add("data.components", "BASE_TYPE_REQUIRED", "Every modal input needs a custom_id.")
			return
		}
		if len(c.CustomID) > 100 {
			v.add("data.components", "BASE_TYPE_MAX_LENGTH", "custom_id must be 100 or fewer in length.")
		}
		if c.CustomID != "" {
			m.Inputs = append(m.Inputs, c.CustomID)
		}
	})
	return m
}

// performCallback does what an acknowledged callback asks and returns the callback object.
func (s *Service) performCallback(ctx context.Context, it *interaction, t opcodes.InteractionCallbackType, data InteractionCallbackData, modal *modalDoc) (*opcodes.InteractionCallbackResponse, error) {
	res := &opcodes.InteractionCallbackResponse{Interaction: opcodes.InteractionCallback{ID: it.ID, Type: opcodes.InteractionType(it.Type)}}
	switch t {
	case opcodes.CallbackPong:
		return res, nil
	case opcodes.CallbackAutocompleteResult:
		choices := data.Choices
		if choices == nil {
			choices = []opcodes.CommandChoice{}
		}
		s.publish(ctx, events.Event{Name: opcodes.EventApplicationCommandAutocompleteResponse, UserIDs: []snowflake.ID{it.UserID}},
			opcodes.AutocompleteResponse{Nonce: it.doc.Nonce, Choices: choices})
		return res, nil // Discord's callback object has a resource only for messages and activities
	case opcodes.CallbackModal:
		it.doc.Modal = modal
		if err := s.saveDoc(ctx, it); err != nil {
			return nil, err
		}
		app, err := s.getApplication(ctx, it.ApplicationID)
		if err != nil {
			return nil, notFound(err, ErrUnknownApplication, "load application")
		}
		d := opcodes.InteractionModalCreate{ID: it.ID, Nonce: it.doc.Nonce, ChannelID: it.ChannelID, CustomID: data.CustomID,
			Title: data.Title, Components: rawComponents(data.Components), Application: opcodes.PartialApp{ID: app.ID, Name: app.Name, Icon: app.Icon}}
		s.publish(ctx, events.Event{Name: opcodes.EventInteractionModalCreate, UserIDs: []snowflake.ID{it.UserID}}, d)
		return res, nil
	case opcodes.CallbackDeferredUpdateMessage:
		if err := s.store.Interactions().SetResponse(ctx, it.ID, it.doc.MessageID); err != nil {
			return nil, fmt.Errorf("record response: %w", err)
		}
		res.Interaction.ResponseMessageID = it.doc.MessageID
		res.Interaction.ResponseMessageEphemeral = it.doc.MessageEphemeral
		return res, nil
	case opcodes.CallbackUpdateMessage:
		// Fields the update carries replace the message's; absent ones stay (content is
		// indistinguishable from an empty string, so an empty content keeps the old one).
		edit := EditMessageParams{Components: data.Components, AllowedMentions: data.AllowedMentions, Files: data.Files}
		if data.Content != "" {
			edit.Content = &data.Content
		}
		if data.Embeds != nil {
			edit.Embeds = &data.Embeds
		} else if data.Embed != nil {
			edit.Embeds = &[]opcodes.Embed{*data.Embed}
		}
		if data.Attachments != nil {
			edit.Attachments = &data.Attachments
		}
		m, err := s.editInteractionMessage(ctx, *it, it.doc.MessageID, edit)
		if err != nil {
			return nil, err
		}
		if err := s.store.Interactions().SetResponse(ctx, it.ID, m.ID); err != nil {
			return nil, fmt.Errorf("record response: %w", err)
		}
		res.Interaction.ResponseMessageID, res.Interaction.ResponseMessageEphemeral = m.ID, it.doc.MessageEphemeral
		res.Resource = &opcodes.CallbackResource{Type: t, Message: &m}
		return res, nil
	}
	// 4 and 5: the reply message.
	it.doc.Ephemeral = data.Flags&opcodes.MessageFlagEphemeral != 0
	if it.doc.Ephemeral {
		if err := s.saveDoc(ctx, it); err != nil {
			return nil, err
		}
	}
	m, err := s.respond(ctx, *it, t, data.MessageParams, false)
	if err != nil {
		return nil, err
	}
	if err := s.store.Interactions().SetResponse(ctx, it.ID, m.ID); err != nil {
		return nil, fmt.Errorf("record response: %w", err)
	}
	res.Interaction.ResponseMessageID = m.ID
	res.Interaction.ResponseMessageLoading = m.Flags&opcodes.MessageFlagLoading != 0
	res.Interaction.ResponseMessageEphemeral = it.doc.Ephemeral
	res.Resource = &opcodes.CallbackResource{Type: t, Message: &m}
	return res, nil
}

// saveDoc writes the interaction's document back (after a callback changed it).
func (s *Service) saveDoc(ctx context.Context, it *interaction) error {
	d, err := json.Marshal(it.doc)
	if err != nil {
		return fmt.Errorf("encode interaction: %w", err)
	}
	if err := s.store.Interactions().SetData(ctx, it.ID, d); err != nil {
		return fmt.Errorf("store interaction: %w", err)
	}
	it.Data = d
	return nil
}

// respond posts a message answering the interaction: the initial response (followUp false)
// or a follow-up. Its type is 20 or 23 for commands and 19 (replying to the component's
// message) for clicks; follow-ups reply (19) to the initial response when it is in the
// channel's history. Ephemeral messages (the flag, or a deferral that was ephemeral) are
// kept beside the interaction and reach the invoker alone.
func (s *Service) respond(ctx context.Context, it interaction, t opcodes.InteractionCallbackType, msg MessageParams, followUp bool) (opcodes.Message, error) {
	ch, err := s.store.Channels().Get(ctx, it.ChannelID)
	if err != nil {
		return opcodes.Message{}, notFound(err, ErrUnknownChannel, "load channel")
	}
	u, err := s.getUser(ctx, it.UserID)
	if err != nil {
		return opcodes.Message{}, notFound(err, ErrUnknownUser, "load invoker")
	}
	us := userShape(u)
	reply := &interactionReply{
		meta:    it.metadata(us),
		legacy:  opcodes.MessageInteraction{ID: it.ID, Type: opcodes.InteractionType(it.Type), Name: it.doc.Name, User: us},
		msgType: opcodes.MessageChatInputCommand,
	}
	switch {
	case it.doc.CommandType == opcodes.CommandUser || it.doc.CommandType == opcodes.CommandMessage:
		reply.msgType = opcodes.MessageContextMenuCommand
	case it.doc.CommandType == 0 && it.doc.Triggering != nil && it.doc.Triggering.CommandType != 0 && it.doc.MessageID == 0:
		// A modal opened by a command: its reply is typed like the command's.
		reply.msgType = opcodes.MessageChatInputCommand
		if ct := it.doc.Triggering.CommandType; ct == opcodes.CommandUser || ct == opcodes.CommandMessage {
			reply.msgType = opcodes.MessageContextMenuCommand
		}
	case it.doc.MessageID != 0:
		reply.msgType = opcodes.MessageReply
		if !it.doc.MessageEphemeral {
			reply.reference = &storage.MessageReference{MessageID: it.doc.MessageID, ChannelID: ch.ID, GuildID: ch.GuildID}
		}
	}
	ephemeral := msg.Flags&opcodes.MessageFlagEphemeral != 0
	if followUp {
		reply.meta.OriginalResponseMessageID = it.ResponseMessageID
		if it.ResponseMessageID != 0 && !it.doc.Ephemeral && it.ResponseType != int(opcodes.CallbackDeferredUpdateMessage) {
			reply.msgType = opcodes.MessageReply
			reply.reference = &storage.MessageReference{MessageID: it.ResponseMessageID, ChannelID: ch.ID, GuildID: ch.GuildID}
		}
	} else if it.doc.Ephemeral {
		ephemeral = true
	}
	if t == opcodes.CallbackDeferredChannelMessageWithSource {
		// A deferred response's data may only carry flags; the content comes with the edit.
		reply.deferred, reply.flags = true, opcodes.MessageFlagLoading
		msg = MessageParams{Flags: msg.Flags}
	}
	if ephemeral {
		msg.Flags |= opcodes.MessageFlagEphemeral
		reply.ephemeral = true
		reply.eph = ephemeralRef{interactionID: it.ID, userID: it.UserID, expires: it.ExpiresAt}
	}
	return s.createMessage(ctx, ch, author{
		userID:        it.ApplicationID,
		webhookID:     it.ApplicationID,
		applicationID: it.ApplicationID,
		perms:         webhookPerms,
		reply:         reply,
	}, msg)
}
