package opcodes

import (
	"encoding/json"

	"github.com/parley-chat/parley/snowflake"
)

// CommandType is an application command's type: where a user finds it.
type CommandType int

// Application command types.
const (
	// CommandChatInput is a slash command, typed after "/".
	CommandChatInput CommandType = 1
	// CommandUser is in a user's context menu.
	CommandUser CommandType = 2
	// CommandMessage is in a message's context menu.
	CommandMessage CommandType = 3
	// CommandPrimaryEntryPoint launches an application's main experience (an Activity).
	CommandPrimaryEntryPoint CommandType = 4
)

// CommandOptionType is an application command option's type: what the user supplies.
type CommandOptionType int

// Application command option types.
const (
	OptionSubCommand      CommandOptionType = 1
	OptionSubCommandGroup CommandOptionType = 2
	OptionString          CommandOptionType = 3
	// OptionInteger is any integer between -2^53 and 2^53.
	OptionInteger     CommandOptionType = 4
	OptionBoolean     CommandOptionType = 5
	OptionUser        CommandOptionType = 6
	OptionChannel     CommandOptionType = 7
	OptionRole        CommandOptionType = 8
	OptionMentionable CommandOptionType = 9
	// OptionNumber is any double between -2^53 and 2^53.
	OptionNumber     CommandOptionType = 10
	OptionAttachment CommandOptionType = 11
)

// CommandPermissionType says what a command permission overwrite's ID is.
type CommandPermissionType int

// Application command permission types.
const (
	CommandPermissionRole    CommandPermissionType = 1
	CommandPermissionUser    CommandPermissionType = 2
	CommandPermissionChannel CommandPermissionType = 3
)

// EntryPointHandler says who handles a PRIMARY_ENTRY_POINT command.
type EntryPointHandler int

// Entry point command handler types.
const (
	// HandlerApp: the application receives the interaction and responds.
	HandlerApp EntryPointHandler = 1
	// HandlerDiscordLaunchActivity: Discord launches the Activity itself.
	HandlerDiscordLaunchActivity EntryPointHandler = 2
)

// InteractionContextType is where a command can be used (the contexts field).
type InteractionContextType int

// Interaction context types.
const (
	ContextGuild          InteractionContextType = 0
	ContextBotDM          InteractionContextType = 1
	ContextPrivateChannel InteractionContextType = 2
)

// IntegrationType is how an application is installed (the integration_types field).
type IntegrationType int

// Application integration types.
const (
	IntegrationGuildInstall IntegrationType = 0
	IntegrationUserInstall  IntegrationType = 1
)

// EventApplicationCommandPermissionsUpdate is sent to an application's bot when its
// commands' permissions in a guild change; d is a GuildCommandPermissions.
const EventApplicationCommandPermissionsUpdate EventName = "APPLICATION_COMMAND_PERMISSIONS_UPDATE"

// Localizations maps a locale ("de", "en-US") to a translated name or description. Shapes
// hold a *Localizations so that a field is absent (nil pointer, a list without
// with_localizations), null (pointer to a nil map) or an object, as Discord sends it.
type Localizations map[string]string

// ApplicationCommand is Discord's application command object.
type ApplicationCommand struct {
	ID            snowflake.ID `json:"id"`
	Type          CommandType  `json:"type"`
	ApplicationID snowflake.ID `json:"application_id"`
	// GuildID is set on guild commands only.
	GuildID                  snowflake.ID    `json:"guild_id,omitzero"`
	Name                     string          `json:"name"`
	NameLocalizations        *Localizations  `json:"name_localizations,omitempty"`
	Description              string          `json:"description"`
	DescriptionLocalizations *Localizations  `json:"description_localizations,omitempty"`
	Options                  []CommandOption `json:"options,omitempty"`
	// DefaultMemberPermissions is null when everyone may use the command, "0" for admins only.
	DefaultMemberPermissions *Permissions `json:"default_member_permissions"`
	// DMPermission is the deprecated form of contexts; global commands only.
	DMPermission *bool `json:"dm_permission,omitempty"`
	NSFW         bool  `json:"nsfw"`
	// IntegrationTypes defaults to [GUILD_INSTALL].
	IntegrationTypes []IntegrationType `json:"integration_types"`
	// Contexts is null unless set.
	Contexts []InteractionContextType `json:"contexts"`
	// Version changes on every update of the command.
	Version snowflake.ID `json:"version"`
	// Handler is set on PRIMARY_ENTRY_POINT commands only.
	Handler EntryPointHandler `json:"handler,omitzero"`
}

// CommandOption is one parameter of a chat-input command (or a subcommand or group). Fields
// that do not apply to the option's type are omitted, as Discord omits them.
type CommandOption struct {
	Type                     CommandOptionType `json:"type"`
	Name                     string            `json:"name"`
	NameLocalizations        *Localizations    `json:"name_localizations,omitempty"`
	Description              string            `json:"description"`
	DescriptionLocalizations *Localizations    `json:"description_localizations,omitempty"`
	Required                 bool              `json:"required,omitempty"`
	Choices                  []CommandChoice   `json:"choices,omitempty"`
	Options                  []CommandOption   `json:"options,omitempty"`
	ChannelTypes             []ChannelType     `json:"channel_types,omitempty"`
	MinValue                 *float64          `json:"min_value,omitempty"`
	MaxValue                 *float64          `json:"max_value,omitempty"`
	MinLength                *int              `json:"min_length,omitempty"`
	MaxLength                *int              `json:"max_length,omitempty"`
	Autocomplete             bool              `json:"autocomplete,omitempty"`
}

// CommandChoice is one of an option's predefined values. Value is a JSON string, integer or
// number, matching the option's type.
type CommandChoice struct {
	Name              string          `json:"name"`
	NameLocalizations *Localizations  `json:"name_localizations,omitempty"`
	Value             json.RawMessage `json:"value"`
}

// CommandPermission is one overwrite of who may use a command in a guild. For roles the
// guild's ID means @everyone; for channels guild ID − 1 means every channel.
type CommandPermission struct {
	ID         snowflake.ID          `json:"id"`
	Type       CommandPermissionType `json:"type"`
	Permission bool                  `json:"permission"`
}

// GuildCommandPermissions is a command's overwrites in one guild; ID equal to ApplicationID
// means the overwrites apply to all of the application's commands there.
type GuildCommandPermissions struct {
	ID            snowflake.ID        `json:"id"`
	ApplicationID snowflake.ID        `json:"application_id"`
	GuildID       snowflake.ID        `json:"guild_id"`
	Permissions   []CommandPermission `json:"permissions"`
}
