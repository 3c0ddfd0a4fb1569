package opcodes

import (
	"encoding/json"

	"github.com/parley-chat/parley/snowflake"
)

// InteractionType says what a user did to start an interaction.
type InteractionType int

// Interaction types. Parley mints application commands only so far.
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
	// CallbackChannelMessageWithSource replies with a message.
	CallbackChannelMessageWithSource InteractionCallbackType = 4
	// CallbackDeferredChannelMessageWithSource shows a loading message to edit later.
	CallbackDeferredChannelMessageWithSource InteractionCallbackType = 5
)

// MessageChatInputCommand is the type of a reply to a slash command.
const MessageChatInputCommand MessageType = 20

// Message flags set by interaction responses.
const (
	// MessageFlagEphemeral: only the invoking user sees the message.
	MessageFlagEphemeral = 1 << 6
	// MessageFlagLoading: a deferred response, waiting for its edit.
	MessageFlagLoading = 1 << 7
)

// EventInteractionCreate is sent to the application's bot when a user invokes one of its
// commands; d is an Interaction. No intent gates it.
const EventInteractionCreate EventName = "INTERACTION_CREATE"

// Interaction is Discord's interaction object, as the bot receives it in INTERACTION_CREATE.
type Interaction struct {
	ID            snowflake.ID     `json:"id"`
	ApplicationID snowflake.ID     `json:"application_id"`
	Type          InteractionType  `json:"type"`
	Data          *InteractionData `json:"data,omitempty"`
	GuildID       snowflake.ID     `json:"guild_id,omitzero"`
	// Channel is the partial channel the interaction was sent from.
	Channel   *Channel     `json:"channel,omitempty"`
	ChannelID snowflake.ID `json:"channel_id,omitzero"`
	// Member is the invoking member (with permissions) in a guild; User is set in DMs.
	Member  *Member `json:"member,omitempty"`
	User    *User   `json:"user,omitempty"`
	Token   string  `json:"token"`
	Version int     `json:"version"`
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

// InteractionData is an application command interaction's data.
type InteractionData struct {
	ID       snowflake.ID        `json:"id"`
	Name     string              `json:"name"`
	Type     CommandType         `json:"type"`
	Resolved *Resolved           `json:"resolved,omitempty"`
	Options  []InteractionOption `json:"options,omitempty"`
	GuildID  snowflake.ID        `json:"guild_id,omitzero"`
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
}

// MessageInteractionMetadata is a reply's interaction_metadata: which interaction it answers.
type MessageInteractionMetadata struct {
	ID                           snowflake.ID                     `json:"id"`
	Type                         InteractionType                  `json:"type"`
	User                         User                             `json:"user"`
	AuthorizingIntegrationOwners map[IntegrationType]snowflake.ID `json:"authorizing_integration_owners"`
	Name                         string                           `json:"name,omitempty"`
	CommandType                  CommandType                      `json:"command_type,omitzero"`
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
