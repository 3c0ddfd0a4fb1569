package opcodes

import "github.com/parley-chat/parley/snowflake"

// Shapes of the guild administration surface: widget, welcome screen, onboarding, prune,
// vanity URL, integrations, templates, incident actions and voice regions.

// WidgetSettings is GET/PATCH /guilds/{id}/widget.
type WidgetSettings struct {
	Enabled   bool          `json:"enabled"`
	ChannelID *snowflake.ID `json:"channel_id"`
}

// Widget is the public GET /guilds/{id}/widget.json.
type Widget struct {
	ID            snowflake.ID    `json:"id"`
	Name          string          `json:"name"`
	InstantInvite *string         `json:"instant_invite"`
	Channels      []WidgetChannel `json:"channels"`
	Members       []WidgetMember  `json:"members"`
	PresenceCount int             `json:"presence_count"`
}

// WidgetChannel is a voice channel the widget shows.
type WidgetChannel struct {
	ID       snowflake.ID `json:"id"`
	Name     string       `json:"name"`
	Position int          `json:"position"`
}

// WidgetMember is an anonymised online member: Discord numbers them instead of exposing IDs.
type WidgetMember struct {
	ID            string        `json:"id"`
	Username      string        `json:"username"`
	Discriminator string        `json:"discriminator"`
	Avatar        *string       `json:"avatar"`
	Status        string        `json:"status"`
	AvatarURL     string        `json:"avatar_url"`
	ChannelID     *snowflake.ID `json:"channel_id,omitempty"`
	Deaf          bool          `json:"deaf"`
	Mute          bool          `json:"mute"`
	SelfDeaf      bool          `json:"self_deaf"`
	SelfMute      bool          `json:"self_mute"`
	Suppress      bool          `json:"suppress"`
}

// WelcomeScreen is a guild's welcome screen.
type WelcomeScreen struct {
	Description     *string                `json:"description"`
	WelcomeChannels []WelcomeScreenChannel `json:"welcome_channels"`
}

// WelcomeScreenChannel is one channel the welcome screen recommends.
type WelcomeScreenChannel struct {
	ChannelID   snowflake.ID  `json:"channel_id"`
	Description string        `json:"description"`
	EmojiID     *snowflake.ID `json:"emoji_id"`
	EmojiName   *string       `json:"emoji_name"`
}

// Onboarding is a guild's onboarding flow.
type Onboarding struct {
	GuildID           snowflake.ID       `json:"guild_id"`
	Prompts           []OnboardingPrompt `json:"prompts"`
	DefaultChannelIDs []snowflake.ID     `json:"default_channel_ids"`
	Enabled           bool               `json:"enabled"`
	Mode              int                `json:"mode"`
}

// OnboardingPrompt is one question of the onboarding flow.
type OnboardingPrompt struct {
	ID           snowflake.ID       `json:"id"`
	Type         int                `json:"type"`
	Options      []OnboardingOption `json:"options"`
	Title        string             `json:"title"`
	SingleSelect bool               `json:"single_select"`
	Required     bool               `json:"required"`
	InOnboarding bool               `json:"in_onboarding"`
}

// OnboardingOption is one answer of a prompt: the roles and channels it grants.
type OnboardingOption struct {
	ID          snowflake.ID    `json:"id"`
	ChannelIDs  []snowflake.ID  `json:"channel_ids"`
	RoleIDs     []snowflake.ID  `json:"role_ids"`
	Emoji       OnboardingEmoji `json:"emoji"`
	Title       string          `json:"title"`
	Description string          `json:"description"`
}

// OnboardingEmoji is an option's emoji.
type OnboardingEmoji struct {
	ID       *snowflake.ID `json:"id"`
	Name     *string       `json:"name"`
	Animated bool          `json:"animated"`
}

// Prune is GET/POST /guilds/{id}/prune: the number of members pruned (or that would be);
// null when POST asked not to compute it.
type Prune struct {
	Pruned *int `json:"pruned"`
}

// VanityURL is GET /guilds/{id}/vanity-url.
type VanityURL struct {
	Code *string `json:"code"`
	Uses int     `json:"uses"`
}

// Integration is a guild integration. Parley's only kind is "discord": an application whose
// bot was added to the guild.
type Integration struct {
	ID          snowflake.ID            `json:"id"`
	Name        string                  `json:"name"`
	Type        string                  `json:"type"`
	Enabled     bool                    `json:"enabled"`
	Account     IntegrationAccount      `json:"account"`
	Application *IntegrationApplication `json:"application,omitempty"`
	Scopes      []string                `json:"scopes"`
	User        *User                   `json:"user,omitempty"`
	GuildID     snowflake.ID            `json:"guild_id,omitempty"`
}

// IntegrationAccount is the integration's account: for a bot, the application.
type IntegrationAccount struct {
	ID   string `json:"id"`
	Name string `json:"name"`
}

// IntegrationApplication is the application behind a "discord" integration.
type IntegrationApplication struct {
	ID          snowflake.ID `json:"id"`
	Name        string       `json:"name"`
	Icon        *string      `json:"icon"`
	Description string       `json:"description"`
	Type        *int         `json:"type"`
	Bot         *User        `json:"bot,omitempty"`
}

// IntegrationDelete is INTEGRATION_DELETE's d.
type IntegrationDelete struct {
	ID            snowflake.ID  `json:"id"`
	GuildID       snowflake.ID  `json:"guild_id"`
	ApplicationID *snowflake.ID `json:"application_id,omitempty"`
}

// GuildIntegrationsUpdate is GUILD_INTEGRATIONS_UPDATE's d.
type GuildIntegrationsUpdate struct {
	GuildID snowflake.ID `json:"guild_id"`
}

// Template is a guild template.
type Template struct {
	Code                  string        `json:"code"`
	Name                  string        `json:"name"`
	Description           *string       `json:"description"`
	UsageCount            int           `json:"usage_count"`
	CreatorID             snowflake.ID  `json:"creator_id"`
	Creator               *User         `json:"creator"`
	CreatedAt             Timestamp     `json:"created_at"`
	UpdatedAt             Timestamp     `json:"updated_at"`
	SourceGuildID         snowflake.ID  `json:"source_guild_id"`
	SerializedSourceGuild TemplateGuild `json:"serialized_source_guild"`
	IsDirty               *bool         `json:"is_dirty"`
}

// TemplateGuild is a template's snapshot of its guild. Roles and channels carry small
// integer IDs local to the snapshot (the @everyone role is 0), as Discord's do.
type TemplateGuild struct {
	Name                        string            `json:"name"`
	Description                 *string           `json:"description"`
	Region                      *string           `json:"region"`
	VerificationLevel           int               `json:"verification_level"`
	DefaultMessageNotifications int               `json:"default_message_notifications"`
	ExplicitContentFilter       int               `json:"explicit_content_filter"`
	PreferredLocale             string            `json:"preferred_locale"`
	AFKChannelID                *snowflake.ID     `json:"afk_channel_id"`
	AFKTimeout                  int               `json:"afk_timeout"`
	SystemChannelID             *snowflake.ID     `json:"system_channel_id"`
	SystemChannelFlags          int               `json:"system_channel_flags"`
	Roles                       []TemplateRole    `json:"roles"`
	Channels                    []TemplateChannel `json:"channels"`
}

// TemplateRole is a role in a template snapshot.
type TemplateRole struct {
	ID           int                 `json:"id"`
	Name         string              `json:"name"`
	Permissions  Permissions         `json:"permissions"`
	Color        int                 `json:"color"`
	Colors       *TemplateRoleColors `json:"colors"`
	Hoist        bool                `json:"hoist"`
	Mentionable  bool                `json:"mentionable"`
	Icon         *string             `json:"icon"`
	UnicodeEmoji *string             `json:"unicode_emoji"`
}

// TemplateChannel is a channel in a template snapshot.
type TemplateChannel struct {
	ID                            int                 `json:"id"`
	Type                          ChannelType         `json:"type"`
	Name                          string              `json:"name"`
	Position                      int                 `json:"position"`
	Topic                         *string             `json:"topic"`
	Bitrate                       int                 `json:"bitrate"`
	UserLimit                     int                 `json:"user_limit"`
	NSFW                          bool                `json:"nsfw"`
	RateLimitPerUser              int                 `json:"rate_limit_per_user"`
	ParentID                      *snowflake.ID       `json:"parent_id"`
	DefaultAutoArchiveDuration    *int                `json:"default_auto_archive_duration"`
	PermissionOverwrites          []TemplateOverwrite `json:"permission_overwrites"`
	AvailableTags                 []any               `json:"available_tags"`
	Template                      string              `json:"template"`
	DefaultReactionEmoji          *struct{}           `json:"default_reaction_emoji"`
	DefaultThreadRateLimitPerUser *int                `json:"default_thread_rate_limit_per_user"`
	DefaultSortOrder              *int                `json:"default_sort_order"`
	DefaultForumLayout            *int                `json:"default_forum_layout"`
	DefaultTagSetting             *string             `json:"default_tag_setting"`
	ThemeColor                    *int                `json:"theme_color"`
}

// TemplateRoleColors is a snapshot role's colour set.
type TemplateRoleColors struct {
	Primary   int  `json:"primary_color"`
	Secondary *int `json:"secondary_color"`
	Tertiary  *int `json:"tertiary_color"`
}

// TemplateOverwrite is a role overwrite in a template snapshot; ID is the snapshot role ID
// (a small number, written as a snowflake).
type TemplateOverwrite struct {
	ID    snowflake.ID `json:"id"`
	Type  int          `json:"type"`
	Allow Permissions  `json:"allow"`
	Deny  Permissions  `json:"deny"`
}

// IncidentsData is PUT /guilds/{id}/incident-actions' answer.
type IncidentsData struct {
	InvitesDisabledUntil *Timestamp `json:"invites_disabled_until"`
	DMsDisabledUntil     *Timestamp `json:"dms_disabled_until"`
}

// VoiceRegion is a voice region.
type VoiceRegion struct {
	ID         string `json:"id"`
	Name       string `json:"name"`
	Optimal    bool   `json:"optimal"`
	Deprecated bool   `json:"deprecated"`
	Custom     bool   `json:"custom"`
}

// VoiceServerUpdate is VOICE_SERVER_UPDATE's d. Endpoint is null while no voice server is
// available, which voice libraries take as "wait" or fail on at once, instead of timing out.
type VoiceServerUpdate struct {
	Token    string       `json:"token"`
	GuildID  snowflake.ID `json:"guild_id"`
	Endpoint *string      `json:"endpoint"`
}

// GuildHomeSettings is GET /guilds/{id}/new-member-welcome when a guild has set up its home
// (welcome message, new member actions, resource channels).
type GuildHomeSettings struct {
	GuildID          snowflake.ID `json:"guild_id"`
	Enabled          bool         `json:"enabled"`
	NewMemberActions []any        `json:"new_member_actions"`
	ResourceChannels []any        `json:"resource_channels"`
}
