package guilds

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"sync"
	"time"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// Interaction errors.
var (
	// ErrUnknownInteraction: no live interaction with that ID and token, or its 3-second
	// response window has passed (10062).
	ErrUnknownInteraction = errors.New("guilds: unknown interaction")
	// ErrInteractionAcknowledged: the interaction already has its initial response (40060).
	ErrInteractionAcknowledged = errors.New("guilds: interaction has already been acknowledged")
)

const (
	// interactionCallbackWindow is how long an application has for its initial response.
	interactionCallbackWindow = 3 * time.Second
	// interactionTTL is how long the token stays valid (for follow-ups, once they exist).
	interactionTTL = 15 * time.Minute
)

// InteractionParams is POST /interactions: a user invoking an application command, as
// Discord's client sends it.
type InteractionParams struct {
	Type          opcodes.InteractionType `json:"type"`
	ApplicationID snowflake.ID            `json:"application_id"`
	GuildID       snowflake.ID            `json:"guild_id"`
	ChannelID     snowflake.ID            `json:"channel_id"`
	SessionID     string                  `json:"session_id"`
	Nonce         string                  `json:"nonce"`
	Data          InteractionDataParams   `json:"data"`
}

// InteractionDataParams names the invoked command and the options the user filled in.
type InteractionDataParams struct {
	ID      snowflake.ID                `json:"id"`
	Name    string                      `json:"name"`
	Type    opcodes.CommandType         `json:"type"`
	Version snowflake.ID                `json:"version"`
	Options []opcodes.InteractionOption `json:"options"`
}

// InteractionCallbackParams is POST /interactions/{id}/{token}/callback.
type InteractionCallbackParams struct {
	Type opcodes.InteractionCallbackType `json:"type"`
	Data *MessageParams                  `json:"data"`
}

// interaction is what the callback needs of a minted interaction.
type interaction struct {
	id, appID, guildID, channelID, userID snowflake.ID
	token                                 string
	name                                  string
	created                               time.Time
	acked                                 bool
	responseID                            snowflake.ID
}

// interactionStore keeps live interactions in memory, per node: a callback must reach the
// node that minted the interaction (a multi-node deployment needs a shared store, not built
// yet). Entries live interactionTTL.
type interactionStore struct {
	mu   sync.Mutex
	byID map[snowflake.ID]*interaction
}

func (st *interactionStore) put(it *interaction, now time.Time) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if st.byID == nil {
		st.byID = map[snowflake.ID]*interaction{}
	}
	for id, x := range st.byID {
		if now.Sub(x.created) > interactionTTL {
			delete(st.byID, id)
		}
	}
	st.byID[it.id] = it
}

// claim marks the interaction acknowledged if id and token match and it is within its
// callback window; the caller gets a copy.
func (st *interactionStore) claim(id snowflake.ID, token string, now time.Time) (interaction, error) {
	st.mu.Lock()
	defer st.mu.Unlock()
	it, ok := st.byID[id]
	if !ok || subtle.ConstantTimeCompare([]byte(it.token), []byte(token)) != 1 {
		return interaction{}, ErrUnknownInteraction
	}
	if it.acked {
		return interaction{}, ErrInteractionAcknowledged
	}
	if now.Sub(it.created) > interactionCallbackWindow {
		return interaction{}, ErrUnknownInteraction
	}
	it.acked = true
	return *it, nil
}

// release undoes a claim whose response failed, so that the application may retry.
func (st *interactionStore) release(id snowflake.ID) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if it, ok := st.byID[id]; ok {
		it.acked = false
	}
}

func (st *interactionStore) setResponse(id, messageID snowflake.ID) {
	st.mu.Lock()
	defer st.mu.Unlock()
	if it, ok := st.byID[id]; ok {
		it.responseID = messageID
	}
}

func newInteractionToken() string {
	var b [48]byte
	_, _ = rand.Read(b[:]) // crypto/rand.Read never fails
	return base64.RawURLEncoding.EncodeToString(b[:])
}

// CreateInteraction is POST /interactions: actor invokes a chat-input command in a guild
// channel. The command must exist for the guild (guild or global), the application's bot must
// be in the guild, actor must see the channel and hold the command's
// default_member_permissions, and the options must match the definition. The application's
// bot sessions then receive INTERACTION_CREATE.
func (s *Service) CreateInteraction(ctx context.Context, actor snowflake.ID, p InteractionParams) error {
	var v validator
	if p.Type != opcodes.InteractionApplicationCommand {
		v.add("type", "BASE_TYPE_CHOICES", "Value must be one of (2,).")
	}
	if p.Data.Type != 0 && p.Data.Type != opcodes.CommandChatInput {
		v.add("data.type", "BASE_TYPE_CHOICES", "Value must be one of (1,).")
	}
	if p.GuildID == 0 {
		// Commands in DMs and private channels are not supported yet.
		v.required("guild_id")
	}
	if p.ApplicationID == 0 {
		v.required("application_id")
	}
	if err := v.err(); err != nil {
		return err
	}
	u, err := s.getUser(ctx, actor)
	if err != nil {
		return notFound(err, ErrUnauthorized, "load actor")
	}
	if u.Bot {
		return ErrBotsForbidden
	}
	app, err := s.getApplication(ctx, p.ApplicationID)
	if err != nil {
		return notFound(err, ErrUnknownApplication, "load application")
	}
	ch, perms, err := s.channelAccess(ctx, actor, p.ChannelID)
	if err != nil {
		return err
	}
	if ch.GuildID != p.GuildID {
		return ErrUnknownChannel
	}
	if _, err := s.store.Members().Get(ctx, p.GuildID, p.ApplicationID); err != nil {
		// The application's bot is not in the guild: its commands are not there.
		return notFound(err, ErrUnknownCommand, "load bot member")
	}
	cmd, err := s.store.Commands().Get(ctx, p.ApplicationID, p.GuildID, p.Data.ID)
	if errors.Is(err, storage.ErrNotFound) {
		cmd, err = s.store.Commands().Get(ctx, p.ApplicationID, 0, p.Data.ID)
	}
	if err != nil {
		return notFound(err, ErrUnknownCommand, "load command")
	}
	def, err := decodeCommand(cmd)
	if err != nil {
		return err
	}
	if def.Type != opcodes.CommandChatInput || (p.Data.Name != "" && p.Data.Name != def.Name) {
		return ErrUnknownCommand
	}
	if dp := def.DefaultMemberPermissions; dp != nil && !perms.Has(opcodes.PermAdministrator) && !perms.Has(*dp) {
		return ErrMissingPermissions
	}
	if dp := def.DefaultMemberPermissions; dp != nil && *dp == 0 && !perms.Has(opcodes.PermAdministrator) {
		return ErrMissingPermissions
	}
	resolved := &opcodes.Resolved{}
	if err := s.checkInteractionOptions(ctx, &v, "data.options", p.GuildID, def.Options, p.Data.Options, resolved); err != nil {
		return err
	}
	if err := v.err(); err != nil {
		return err
	}
	appPerms, err := s.ChannelPermissions(ctx, p.GuildID, ch.ID, p.ApplicationID)
	if err != nil {
		return err
	}
	g, err := s.store.Guilds().Get(ctx, p.GuildID)
	if err != nil {
		return notFound(err, ErrUnknownGuild, "load guild")
	}
	m, err := s.store.Members().Get(ctx, p.GuildID, actor)
	if err != nil {
		return notFound(err, ErrMissingAccess, "load member")
	}
	it := &interaction{id: s.ids.Next(), appID: p.ApplicationID, guildID: p.GuildID, channelID: ch.ID,
		userID: actor, token: newInteractionToken(), name: def.Name, created: s.now()}
	member := memberShape(m, &u)
	member.Permissions = &perms
	partial := channelShape(ch)
	owners := map[opcodes.IntegrationType]snowflake.ID{opcodes.IntegrationGuildInstall: p.GuildID}
	out := opcodes.Interaction{
		ID: it.id, ApplicationID: p.ApplicationID, Type: opcodes.InteractionApplicationCommand,
		Data: &opcodes.InteractionData{ID: cmd.ID, Name: def.Name, Type: def.Type,
			Options: p.Data.Options, GuildID: cmd.GuildID},
		GuildID: p.GuildID, ChannelID: ch.ID, Channel: &partial, Member: &member,
		Token: it.token, Version: 1, AppPermissions: appPerms,
		Locale: userLocale(u), GuildLocale: g.PreferredLocale,
		Entitlements: []json.RawMessage{}, AuthorizingIntegrationOwners: owners,
		Context: opcodes.ContextGuild, AttachmentSizeLimit: int64(s.maxFile),
	}
	if len(resolved.Users)+len(resolved.Roles)+len(resolved.Channels) > 0 {
		out.Data.Resolved = resolved
	}
	s.interactions.put(it, it.created)
	s.deliverInteraction(ctx, app, it, out)
	return nil
}

// publishInteraction sends INTERACTION_CREATE to the application's bot sessions.
func (s *Service) publishInteraction(ctx context.Context, out opcodes.Interaction) {
	s.publish(ctx, events.Event{Name: opcodes.EventInteractionCreate, UserIDs: []snowflake.ID{out.ApplicationID}}, out)
}

// userLocale is the invoking user's client locale; Parley stores none, so en-US.
func userLocale(storage.User) string { return "en-US" }

// checkInteractionOptions matches the user's options against the command's definition
// (names, types, required, value types) and fills resolved for user, channel and role values.
func (s *Service) checkInteractionOptions(ctx context.Context, v *validator, field string, guildID snowflake.ID, defs []opcodes.CommandOption, got []opcodes.InteractionOption, resolved *opcodes.Resolved) error {
	seen := map[string]bool{}
	for i, o := range got {
		f := fmt.Sprintf("%s.%d", field, i)
		var d *opcodes.CommandOption
		for j := range defs {
			if defs[j].Name == o.Name {
				d = &defs[j]
			}
		}
		if d == nil || seen[o.Name] {
			v.add(f+".name", "APPLICATION_COMMAND_OPTION_UNKNOWN", "Unknown option")
			continue
		}
		seen[o.Name] = true
		if o.Type != d.Type {
			v.add(f+".type", "APPLICATION_COMMAND_OPTION_TYPE_INVALID", fmt.Sprintf("Option type must be %d.", d.Type))
			continue
		}
		if d.Type == opcodes.OptionSubCommand || d.Type == opcodes.OptionSubCommandGroup {
			if len(got) != 1 {
				v.add(field, "APPLICATION_COMMAND_OPTIONS_TYPE_INVALID", "Exactly one subcommand must be given.")
			}
			if err := s.checkInteractionOptions(ctx, v, f+".options", guildID, d.Options, o.Options, resolved); err != nil {
				return err
			}
			continue
		}
		if err := s.checkOptionValue(ctx, v, f+".value", guildID, d, o.Value, resolved); err != nil {
			return err
		}
	}
	for _, d := range defs {
		if d.Type == opcodes.OptionSubCommand || d.Type == opcodes.OptionSubCommandGroup {
			if len(got) == 0 {
				v.add(field, "BASE_TYPE_REQUIRED", "This field is required")
				return nil
			}
			continue
		}
		if d.Required && !seen[d.Name] {
			v.add(field, "APPLICATION_COMMAND_OPTION_REQUIRED", fmt.Sprintf("Option %q is required.", d.Name))
		}
	}
	return nil
}

// checkOptionValue checks one value against its option's type and constraints.
func (s *Service) checkOptionValue(ctx context.Context, v *validator, f string, guildID snowflake.ID, d *opcodes.CommandOption, raw json.RawMessage, resolved *opcodes.Resolved) error {
	bad := func(msg string) { v.add(f, "APPLICATION_COMMAND_OPTION_VALUE_INVALID", msg) }
	switch d.Type {
	case opcodes.OptionString:
		var x string
		if json.Unmarshal(raw, &x) != nil {
			bad("Value must be a string.")
			return nil
		}
		n := len([]rune(x))
		if (d.MinLength != nil && n < *d.MinLength) || (d.MaxLength != nil && n > *d.MaxLength) || n > 6000 {
			bad("Value has the wrong length.")
		}
	case opcodes.OptionInteger, opcodes.OptionNumber:
		var x float64
		if json.Unmarshal(raw, &x) != nil || math.IsNaN(x) {
			bad("Value must be a number.")
			return nil
		}
		if d.Type == opcodes.OptionInteger && (x != math.Trunc(x) || math.Abs(x) > 1<<53) {
			bad("Value must be an integer.")
			return nil
		}
		if (d.MinValue != nil && x < *d.MinValue) || (d.MaxValue != nil && x > *d.MaxValue) {
			bad("Value is out of range.")
		}
	case opcodes.OptionBoolean:
		var x bool
		if json.Unmarshal(raw, &x) != nil {
			bad("Value must be a boolean.")
		}
		return nil
	case opcodes.OptionUser, opcodes.OptionChannel, opcodes.OptionRole, opcodes.OptionMentionable:
		var x snowflake.ID
		if json.Unmarshal(raw, &x) != nil || x == 0 {
			bad("Value must be a snowflake.")
			return nil
		}
		return s.resolveOption(ctx, v, f, guildID, d, x, resolved)
	default:
		bad("Option type is not supported.")
		return nil
	}
	if len(d.Choices) > 0 {
		ok := false
		for _, c := range d.Choices {
			var a, b any
			if json.Unmarshal(c.Value, &a) == nil && json.Unmarshal(raw, &b) == nil && a == b {
				ok = true
			}
		}
		if !ok {
			bad("Value must be one of the option's choices.")
		}
	}
	return nil
}

// resolveOption checks that a user, channel or role value exists (in the guild) and adds it
// to resolved.
func (s *Service) resolveOption(ctx context.Context, v *validator, f string, guildID snowflake.ID, d *opcodes.CommandOption, id snowflake.ID, resolved *opcodes.Resolved) error {
	if d.Type == opcodes.OptionUser || d.Type == opcodes.OptionMentionable {
		u, err := s.getUser(ctx, id)
		if err == nil {
			if resolved.Users == nil {
				resolved.Users = map[snowflake.ID]opcodes.User{}
			}
			resolved.Users[id] = userShape(u)
			if m, err := s.store.Members().Get(ctx, guildID, id); err == nil {
				ms := memberShape(m, nil)
				if resolved.Members == nil {
					resolved.Members = map[snowflake.ID]opcodes.Member{}
				}
				resolved.Members[id] = ms
			} else if !errors.Is(err, storage.ErrNotFound) {
				return fmt.Errorf("load member: %w", err)
			}
			return nil
		} else if !errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("load user: %w", err)
		}
		if d.Type == opcodes.OptionUser {
			v.add(f, "APPLICATION_COMMAND_OPTION_VALUE_INVALID", "Unknown user.")
			return nil
		}
	}
	if d.Type == opcodes.OptionRole || d.Type == opcodes.OptionMentionable {
		r, err := s.store.Roles().Get(ctx, guildID, id)
		if err == nil {
			if resolved.Roles == nil {
				resolved.Roles = map[snowflake.ID]opcodes.Role{}
			}
			resolved.Roles[id] = roleShape(r)
			return nil
		} else if !errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("load role: %w", err)
		}
		v.add(f, "APPLICATION_COMMAND_OPTION_VALUE_INVALID", "Unknown role.")
		return nil
	}
	ch, err := s.store.Channels().Get(ctx, id)
	if err != nil && !errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("load channel: %w", err)
	}
	if err != nil || ch.GuildID != guildID || (len(d.ChannelTypes) > 0 && !containsType(d.ChannelTypes, opcodes.ChannelType(ch.Type))) {
		v.add(f, "APPLICATION_COMMAND_OPTION_VALUE_INVALID", "Unknown channel.")
		return nil
	}
	if resolved.Channels == nil {
		resolved.Channels = map[snowflake.ID]opcodes.Channel{}
	}
	resolved.Channels[id] = channelShape(ch)
	return nil
}

func containsType(ts []opcodes.ChannelType, t opcodes.ChannelType) bool {
	for _, x := range ts {
		if x == t {
			return true
		}
	}
	return false
}

// InteractionCallback is POST /interactions/{id}/{token}/callback: the application's initial
// response, once, within 3 seconds of the interaction. Types 4 (a reply message) and 5 (a
// deferred reply: a LOADING message) post a CHAT_INPUT_COMMAND message in the interaction's
// channel, authored by the bot through the application's webhook, with MESSAGE_CREATE.
// withResponse returns the callback object (Discord's ?with_response=true); otherwise the
// answer is nil (204).
func (s *Service) InteractionCallback(ctx context.Context, id snowflake.ID, token string, p InteractionCallbackParams, withResponse bool) (*opcodes.InteractionCallbackResponse, error) {
	var v validator
	var msg MessageParams
	if p.Data != nil {
		msg = *p.Data
	}
	switch p.Type {
	case opcodes.CallbackChannelMessageWithSource, opcodes.CallbackDeferredChannelMessageWithSource:
	default:
		v.add("type", "BASE_TYPE_CHOICES", "Value must be one of (4, 5).")
	}
	if msg.Flags&opcodes.MessageFlagEphemeral != 0 {
		// Parley cannot yet deliver a message to the invoker alone.
		v.add("data.flags", "MESSAGE_FLAGS_INVALID", "Ephemeral responses are not supported by this server")
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	it, err := s.interactions.claim(id, token, s.now())
	if err != nil {
		return nil, err
	}
	m, err := s.respond(ctx, it, p.Type, msg)
	if err != nil {
		s.interactions.release(id)
		return nil, err
	}
	s.interactions.setResponse(id, m.ID)
	if !withResponse {
		return nil, nil
	}
	return &opcodes.InteractionCallbackResponse{
		Interaction: opcodes.InteractionCallback{ID: it.id, Type: opcodes.InteractionApplicationCommand,
			ResponseMessageID: m.ID, ResponseMessageLoading: m.Flags&opcodes.MessageFlagLoading != 0},
		Resource: &opcodes.CallbackResource{Type: p.Type, Message: &m},
	}, nil
}

// respond posts the reply message of a claimed interaction.
func (s *Service) respond(ctx context.Context, it interaction, t opcodes.InteractionCallbackType, msg MessageParams) (opcodes.Message, error) {
	ch, err := s.store.Channels().Get(ctx, it.channelID)
	if err != nil {
		return opcodes.Message{}, notFound(err, ErrUnknownChannel, "load channel")
	}
	u, err := s.getUser(ctx, it.userID)
	if err != nil {
		return opcodes.Message{}, notFound(err, ErrUnknownUser, "load invoker")
	}
	reply := &interactionReply{
		meta: opcodes.MessageInteractionMetadata{ID: it.id, Type: opcodes.InteractionApplicationCommand,
			User: userShape(u), Name: it.name, CommandType: opcodes.CommandChatInput,
			AuthorizingIntegrationOwners: map[opcodes.IntegrationType]snowflake.ID{opcodes.IntegrationGuildInstall: it.guildID}},
		legacy: opcodes.MessageInteraction{ID: it.id, Type: opcodes.InteractionApplicationCommand, Name: it.name, User: userShape(u)},
	}
	if t == opcodes.CallbackDeferredChannelMessageWithSource {
		// A deferred response's data may only carry flags; the content comes with the edit.
		reply.deferred, reply.flags = true, opcodes.MessageFlagLoading
		msg = MessageParams{Flags: msg.Flags}
	}
	return s.createMessage(ctx, ch, author{
		userID:        it.appID,
		webhookID:     it.appID,
		applicationID: it.appID,
		perms:         webhookPerms,
		reply:         reply,
	}, msg)
}

// byToken finds a live interaction (within interactionTTL) of appID by its token.
func (st *interactionStore) byToken(appID snowflake.ID, token string, now time.Time) (interaction, bool) {
	st.mu.Lock()
	defer st.mu.Unlock()
	for _, it := range st.byID {
		if it.appID == appID && subtle.ConstantTimeCompare([]byte(it.token), []byte(token)) == 1 && now.Sub(it.created) <= interactionTTL {
			return *it, true
		}
	}
	return interaction{}, false
}

// EditOriginalInteractionResponse is PATCH /webhooks/{application_id}/{interaction_token}/messages/@original:
// the application edits its initial reply (for 15 minutes); a deferred reply loses its
// LOADING flag. An unknown or expired token is Discord's 10015 Unknown Webhook; an
// interaction without a reply yet, 10008 Unknown Message.
func (s *Service) EditOriginalInteractionResponse(ctx context.Context, appID snowflake.ID, token string, p EditMessageParams) (opcodes.Message, error) {
	it, ok := s.interactions.byToken(appID, token, s.now())
	if !ok {
		return opcodes.Message{}, ErrUnknownWebhook
	}
	if it.responseID == 0 {
		return opcodes.Message{}, ErrUnknownMessage
	}
	ch, err := s.store.Channels().Get(ctx, it.channelID)
	if err != nil {
		return opcodes.Message{}, notFound(err, ErrUnknownMessage, "load channel")
	}
	m, err := s.store.Messages().Get(ctx, it.channelID, it.responseID)
	if err != nil {
		return opcodes.Message{}, notFound(err, ErrUnknownMessage, "load reply")
	}
	m.Flags &^= opcodes.MessageFlagLoading
	return s.editMessage(ctx, ch, m, author{userID: appID, webhookID: appID, applicationID: appID, perms: webhookPerms}, true, p)
}

// followUp is POST /webhooks/{application_id}/{interaction_token}: another reply message,
// for 15 minutes after the interaction and only once it has its initial response (before,
// Discord answers 10015 Unknown Webhook).
func (s *Service) followUp(ctx context.Context, it interaction, p MessageParams) (opcodes.Message, error) {
	if !it.acked {
		return opcodes.Message{}, ErrUnknownWebhook
	}
	if p.Flags&opcodes.MessageFlagEphemeral != 0 {
		var v validator
		v.add("flags", "MESSAGE_FLAGS_INVALID", "Ephemeral responses are not supported by this server")
		return opcodes.Message{}, v.err()
	}
	return s.respond(ctx, it, opcodes.CallbackChannelMessageWithSource, p)
}
