package opcodes

import (
	"encoding/json"

	"github.com/parley-chat/parley/snowflake"
)

// InteractionType says what a user did to start an interaction.
type InteractionType int

// Interaction types.
const (
	InteractionPing                           InteractionType = 1
	InteractionApplicationCommand             InteractionType = 2
	InteractionMessageComponent               InteractionType = 3
	InteractionApplicationCommandAutocomplete InteractionType = 4
	InteractionModalSubmit                    InteractionType = 5
)

// InteractionCallbackType is how an application answers an interaction.
type InteractionCallbackType int

// Interaction callback types Parley handles.
const (
	// CallbackPong answers a PING (HTTP bots' endpoint check).
	CallbackPong InteractionCallbackType = 1
	// CallbackChannelMessageWithSource replies with a message.
	CallbackChannelMessageWithSource InteractionCallbackType = 4
	// CallbackDeferredChannelMessageWithSource shows a loading message to edit later.
	CallbackDeferredChannelMessageWithSource InteractionCallbackType = 5
	// CallbackDeferredUpdateMessage acknowledges a component click; the message is edited later.
	CallbackDeferredUpdateMessage InteractionCallbackType = 6
	// CallbackUpdateMessage edits the message the component is on.
	CallbackUpdateMessage InteractionCallbackType = 7
	// CallbackAutocompleteResult answers an autocomplete interaction with choices.
	CallbackAutocompleteResult InteractionCallbackType = 8
	// CallbackModal opens a modal for the user.
	CallbackModal InteractionCallbackType = 9
)

// Message types of interaction responses.
const (
	// MessageChatInputCommand is the type of a reply to a slash command.
	MessageChatInputCommand MessageType = 20
	// MessageContextMenuCommand is the type of a reply to a user or message command.
	MessageContextMenuCommand MessageType = 23
)

// Message flags set by interaction responses.
const (
	// MessageFlagEphemeral: only the invoking user sees the message.
	MessageFlagEphemeral = 1 << 6
	// MessageFlagLoading: a deferred response, waiting for its edit.
	MessageFlagLoading = 1 << 7
)

// EventInteractionCreate is sent to the application's bot when a user invokes one of its
// commands; d is an Interaction. The invoker's own sessions get it too, as the Discord client
// does, with d an InteractionAck. No intent gates it.
const EventInteractionCreate EventName = "INTERACTION_CREATE"

// User-side interaction events: Discord's client learns from them how its interaction went.
// They go to the invoking user's sessions only, and no intent gates them.
const (
	// EventInteractionSuccess: the application acknowledged the interaction; d is an
	// InteractionAck.
	EventInteractionSuccess EventName = "INTERACTION_SUCCESS"
	// EventInteractionFailure: no acknowledgement within 3 seconds; d is an InteractionAck.
	EventInteractionFailure EventName = "INTERACTION_FAILURE"
	// EventInteractionModalCreate: the application answered with a modal; d is an
	// InteractionModalCreate.
	EventInteractionModalCreate EventName = "INTERACTION_MODAL_CREATE"
	// EventApplicationCommandAutocompleteResponse carries an autocomplete answer's choices;
	// d is an AutocompleteResponse.
	EventApplicationCommandAutocompleteResponse EventName = "APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE"
)

// InteractionAck is d of the user-side INTERACTION_CREATE, INTERACTION_SUCCESS and
// INTERACTION_FAILURE: which of the client's requests (nonce) became which interaction.
type InteractionAck struct {
	ID    snowflake.ID `json:"id"`
	Nonce string       `json:"nonce,omitempty"`
}

// InteractionModalCreate is d of INTERACTION_MODAL_CREATE: the modal to show. ID is the
// interaction that opened it; the submission (type 5) names it as data.id.
type InteractionModalCreate struct {
	ID          snowflake.ID      `json:"id"`
	Nonce       string            `json:"nonce,omitempty"`
	ChannelID   snowflake.ID      `json:"channel_id"`
	CustomID    string            `json:"custom_id"`
	Title       string            `json:"title"`
	Components  []json.RawMessage `json:"components"`
	Application PartialApp        `json:"application"`
}

// PartialApp is the application part of INTERACTION_MODAL_CREATE.
type PartialApp struct {
	ID   snowflake.ID `json:"id"`
	Name string       `json:"name"`
	Icon *string      `json:"icon"`
	Bot  *User        `json:"bot,omitempty"`
}

// AutocompleteResponse is d of APPLICATION_COMMAND_AUTOCOMPLETE_RESPONSE.
type AutocompleteResponse struct {
	Nonce   string          `json:"nonce,omitempty"`
	Choices []CommandChoice `json:"choices"`
}

// Interaction is Discord's interaction object, as the bot receives it in INTERACTION_CREATE.
type Interaction struct {
	ID            snowflake.ID     `json:"id"`
	ApplicationID snowflake.ID     `json:"application_id"`
	Type          InteractionType  `json:"type"`
	Data          *InteractionData `json:"data,omitempty"`
	// Guild is the partial guild (id, features, locale) of a guild interaction.
	Guild   *InteractionGuild `json:"guild,omitempty"`
	GuildID snowflake.ID      `json:"guild_id,omitzero"`
	// Channel is the partial channel the interaction was sent from.
	Channel   *Channel     `json:"channel,omitempty"`
	ChannelID snowflake.ID `json:"channel_id,omitzero"`
	// Member is the invoking member (with permissions) in a guild; User is set in DMs.
	Member  *Member `json:"member,omitempty"`
	User    *User   `json:"user,omitempty"`
	Token   string  `json:"token"`
	Version int     `json:"version"`
	// Message is the message a component was clicked on (type 3, and 5 from a component).
	Message *Message `json:"message,omitempty"`
	// AppPermissions are the bot's permissions in the channel.
	AppPermissions Permissions `json:"app_permissions"`
	Locale         string      `json:"locale,omitempty"`
	GuildLocale    string      `json:"guild_locale,omitempty"`
	// Entitlements is always empty: Parley has no monetization.
	Entitlements                 []json.RawMessage                `json:"entitlements"`
	AuthorizingIntegrationOwners map[IntegrationType]snowflake.ID `json:"authorizing_integration_owners"`
	Context                      InteractionContextType           `json:"context"`
	AttachmentSizeLimit          int64                            `json:"attachment_size_limit"`
}

// InteractionGuild is the partial guild of an interaction.
type InteractionGuild struct {
	ID       snowflake.ID `json:"id"`
	Features []string     `json:"features"`
	Locale   string       `json:"locale"`
}

// InteractionData is an interaction's data: a command's (id, name, type, options,
// target_id), a component's (custom_id, component_type, values) or a modal submission's
// (custom_id, components). Fields of the other kinds are omitted.
type InteractionData struct {
	ID       snowflake.ID        `json:"id,omitzero"`
	Name     string              `json:"name,omitempty"`
	Type     CommandType         `json:"type,omitzero"`
	Resolved *Resolved           `json:"resolved,omitempty"`
	Options  []InteractionOption `json:"options,omitempty"`
	GuildID  snowflake.ID        `json:"guild_id,omitzero"`
	// TargetID is the user or message a context-menu command was used on.
	TargetID      snowflake.ID      `json:"target_id,omitzero"`
	CustomID      string            `json:"custom_id,omitempty"`
	ComponentType int               `json:"component_type,omitzero"`
	Values        []string          `json:"values,omitempty"`
	Components    []json.RawMessage `json:"components,omitempty"`
}

// InteractionOption is one option the user filled in; Value is a JSON string, number or
// boolean (snowflakes as strings), Options a subcommand's own options.
type InteractionOption struct {
	Name    string              `json:"name"`
	Type    CommandOptionType   `json:"type"`
	Value   json.RawMessage     `json:"value,omitempty"`
	Options []InteractionOption `json:"options,omitempty"`
	Focused bool                `json:"focused,omitempty"`
}

// Resolved holds the full objects behind user, channel and role option values, by ID.
type Resolved struct {
	Users    map[snowflake.ID]User    `json:"users,omitempty"`
	Members  map[snowflake.ID]Member  `json:"members,omitempty"`
	Roles    map[snowflake.ID]Role    `json:"roles,omitempty"`
	Channels map[snowflake.ID]Channel `json:"channels,omitempty"`
	// Messages is the target of a message command.
	Messages map[snowflake.ID]Message `json:"messages,omitempty"`
	// Attachments are the files of attachment options.
	Attachments map[snowflake.ID]Attachment `json:"attachments,omitempty"`
}

// MessageInteractionMetadata is a reply's interaction_metadata: which interaction it answers.
type MessageInteractionMetadata struct {
	ID                           snowflake.ID                     `json:"id"`
	Type                         InteractionType                  `json:"type"`
	User                         User                             `json:"user"`
	AuthorizingIntegrationOwners map[IntegrationType]snowflake.ID `json:"authorizing_integration_owners"`
	Name                         string                           `json:"name,omitempty"`
	CommandType                  CommandType                      `json:"command_type,omitzero"`
	// OriginalResponseMessageID is set on follow-ups: the initial response's message.
	OriginalResponseMessageID snowflake.ID `json:"original_response_message_id,omitzero"`
	// InteractedMessageID is the message a component was on (type 3).
	InteractedMessageID snowflake.ID `json:"interacted_message_id,omitzero"`
	// TriggeringInteractionMetadata is the interaction that opened a modal (type 5).
	TriggeringInteractionMetadata *MessageInteractionMetadata `json:"triggering_interaction_metadata,omitempty"`
	// TargetUser / TargetMessageID: the target of a user or message command.
	TargetUser      *User        `json:"target_user,omitempty"`
	TargetMessageID snowflake.ID `json:"target_message_id,omitzero"`
}

// MessageInteraction is the deprecated interaction field of a reply, still read by libraries.
type MessageInteraction struct {
	ID   snowflake.ID    `json:"id"`
	Type InteractionType `json:"type"`
	Name string          `json:"name"`
	User User            `json:"user"`
}

// InteractionCallbackResponse is the body of a callback with ?with_response=true.
type InteractionCallbackResponse struct {
	Interaction InteractionCallback `json:"interaction"`
	Resource    *CallbackResource   `json:"resource,omitempty"`
}

// InteractionCallback describes the interaction a callback answered.
type InteractionCallback struct {
	ID                       snowflake.ID    `json:"id"`
	Type                     InteractionType `json:"type"`
	ActivityInstanceID       string          `json:"activity_instance_id,omitempty"`
	ResponseMessageID        snowflake.ID    `json:"response_message_id,omitzero"`
	ResponseMessageLoading   bool            `json:"response_message_loading"`
	ResponseMessageEphemeral bool            `json:"response_message_ephemeral"`
}

// CallbackResource is what a callback created: for types 4 and 5, the reply message.
type CallbackResource struct {
	Type    InteractionCallbackType `json:"type"`
	Message *Message                `json:"message,omitempty"`
}
