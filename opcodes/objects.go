package opcodes

import (
	"encoding/json"

	"github.com/parley-chat/parley/snowflake"
)

// User is Discord's user object.
type User struct {
	ID               snowflake.ID `json:"id"`
	Username         string       `json:"username"`
	Discriminator    string       `json:"discriminator"`
	GlobalName       *string      `json:"global_name"`
	Avatar           *string      `json:"avatar"`
	Bot              bool         `json:"bot,omitempty"`
	System           bool         `json:"system,omitempty"`
	Banner           *string      `json:"banner,omitempty"`
	AccentColor      *int         `json:"accent_color,omitempty"`
	PublicFlags      int          `json:"public_flags"`
	Flags            int          `json:"flags"`
	AvatarDecoration *struct{}    `json:"avatar_decoration_data"`
	// PrimaryGuild is the user's server tag (2025); Parley has none, so it is always null.
	PrimaryGuild *struct{} `json:"primary_guild"`
	// Private fields, only in GET /users/@me and READY.
	MFAEnabled *bool   `json:"mfa_enabled,omitempty"`
	Verified   *bool   `json:"verified,omitempty"`
	Email      *string `json:"email,omitempty"`
	Locale     string  `json:"locale,omitempty"`
}

// Application is Discord's application object as its owner and its bot see it.
type Application struct {
	ID                  snowflake.ID `json:"id"`
	Name                string       `json:"name"`
	Icon                *string      `json:"icon"`
	Description         string       `json:"description"`
	BotPublic           bool         `json:"bot_public"`
	BotRequireCodeGrant bool         `json:"bot_require_code_grant"`
	Bot                 *User        `json:"bot,omitempty"`
	Owner               *User        `json:"owner,omitempty"`
	VerifyKey           string       `json:"verify_key"`
	Team                *struct{}    `json:"team"`
	// Type is the application type; null for ordinary applications.
	Type  *int `json:"type"`
	Flags int  `json:"flags"`
	// FlagsNew is Flags as a string, for flags beyond 32 bits (2026).
	FlagsNew                       string        `json:"flags_new"`
	RPCOrigins                     []string      `json:"rpc_origins,omitempty"`
	RedirectURIs                   []string      `json:"redirect_uris"`
	InteractionsURL                *string       `json:"interactions_endpoint_url"`
	RoleConnectionsVerificationURL *string       `json:"role_connections_verification_url"`
	ApproxGuildCount               int           `json:"approximate_guild_count"`
	ApproxUserInstallCount         int           `json:"approximate_user_install_count"`
	ApproxUserAuthorizationCount   int           `json:"approximate_user_authorization_count"`
	ExplicitContentFilter          int           `json:"explicit_content_filter"`
	EligibleOAuth2Scopes           []string      `json:"eligible_oauth2_scopes"`
	GuildID                        *snowflake.ID `json:"guild_id,omitempty"`
}

// UnavailableGuild is a guild placeholder in READY and GUILD_DELETE.
type UnavailableGuild struct {
	ID          snowflake.ID `json:"id"`
	Unavailable bool         `json:"unavailable"`
}

// RoleColors is a role's colour set (2025). Clients such as oceanic.js crash without it.
type RoleColors struct {
	PrimaryColor   int  `json:"primary_color"`
	SecondaryColor *int `json:"secondary_color"`
	TertiaryColor  *int `json:"tertiary_color"`
}

// RoleTags marks managed roles.
type RoleTags struct {
	BotID *snowflake.ID `json:"bot_id,omitempty"`
}

// Role is Discord's role object.
type Role struct {
	ID           snowflake.ID `json:"id"`
	Name         string       `json:"name"`
	Description  *string      `json:"description"`
	Color        int          `json:"color"`
	Colors       RoleColors   `json:"colors"`
	Hoist        bool         `json:"hoist"`
	Icon         *string      `json:"icon"`
	UnicodeEmoji *string      `json:"unicode_emoji"`
	Position     int          `json:"position"`
	Permissions  Permissions  `json:"permissions"`
	Managed      bool         `json:"managed"`
	Mentionable  bool         `json:"mentionable"`
	Tags         *RoleTags    `json:"tags,omitempty"`
	Flags        int          `json:"flags"`
}

// Emoji is Discord's guild emoji object.
type Emoji struct {
	ID            *snowflake.ID  `json:"id"`
	Name          *string        `json:"name"`
	Roles         []snowflake.ID `json:"roles"`
	User          *User          `json:"user,omitempty"`
	RequireColons *bool          `json:"require_colons,omitempty"`
	Managed       *bool          `json:"managed,omitempty"`
	Animated      *bool          `json:"animated,omitempty"`
	Available     *bool          `json:"available,omitempty"`
}

// PartialEmoji is the emoji of a reaction: a unicode emoji has a null ID.
type PartialEmoji struct {
	ID       *snowflake.ID `json:"id"`
	Name     *string       `json:"name"`
	Animated bool          `json:"animated,omitempty"`
}

// Member is Discord's guild member object. User is nil inside MESSAGE_CREATE's member.
type Member struct {
	User                       *User          `json:"user,omitempty"`
	Nick                       *string        `json:"nick"`
	Avatar                     *string        `json:"avatar"`
	Banner                     *string        `json:"banner"`
	Roles                      []snowflake.ID `json:"roles"`
	JoinedAt                   Timestamp      `json:"joined_at"`
	PremiumSince               *Timestamp     `json:"premium_since"`
	Deaf                       bool           `json:"deaf"`
	Mute                       bool           `json:"mute"`
	Flags                      int            `json:"flags"`
	Pending                    bool           `json:"pending"`
	CommunicationDisabledUntil *Timestamp     `json:"communication_disabled_until"`
	AvatarDecoration           *struct{}      `json:"avatar_decoration_data"`
	Permissions                *Permissions   `json:"permissions,omitempty"`
	GuildID                    snowflake.ID   `json:"guild_id,omitempty"`
}

// Ban is Discord's ban object.
type Ban struct {
	Reason *string `json:"reason"`
	User   User    `json:"user"`
}

// Overwrite is a channel permission overwrite. Type 0 is a role, 1 a member.
type Overwrite struct {
	ID    snowflake.ID `json:"id"`
	Type  int          `json:"type"`
	Allow Permissions  `json:"allow"`
	Deny  Permissions  `json:"deny"`
}

// Overwrite types.
const (
	OverwriteRole   = 0
	OverwriteMember = 1
)

// ChannelType is a channel's type.
type ChannelType int

// Channel types.
const (
	ChannelGuildText          ChannelType = 0
	ChannelDM                 ChannelType = 1
	ChannelGuildVoice         ChannelType = 2
	ChannelGroupDM            ChannelType = 3
	ChannelGuildCategory      ChannelType = 4
	ChannelGuildAnnouncement  ChannelType = 5
	ChannelAnnouncementThread ChannelType = 10
	ChannelPublicThread       ChannelType = 11
	ChannelPrivateThread      ChannelType = 12
	ChannelGuildStageVoice    ChannelType = 13
	ChannelGuildDirectory     ChannelType = 14
	ChannelGuildForum         ChannelType = 15
	ChannelGuildMedia         ChannelType = 16
)

// Channel is Discord's channel object. Guild channels and DMs share it; the fields that only
// one kind has are omitempty.
type Channel struct {
	ID                   snowflake.ID  `json:"id"`
	Type                 ChannelType   `json:"type"`
	GuildID              *snowflake.ID `json:"guild_id,omitempty"`
	Position             *int          `json:"position,omitempty"`
	PermissionOverwrites []Overwrite   `json:"permission_overwrites,omitempty"`
	Name                 *string       `json:"name,omitempty"`
	Topic                *string       `json:"topic,omitempty"`
	NSFW                 *bool         `json:"nsfw,omitempty"`
	LastMessageID        *snowflake.ID `json:"last_message_id"`
	Bitrate              *int          `json:"bitrate,omitempty"`
	UserLimit            *int          `json:"user_limit,omitempty"`
	RateLimitPerUser     *int          `json:"rate_limit_per_user,omitempty"`
	Recipients           []User        `json:"recipients,omitempty"`
	OwnerID              *snowflake.ID `json:"owner_id,omitempty"`
	ParentID             *snowflake.ID `json:"parent_id,omitempty"`
	LastPinTimestamp     *Timestamp    `json:"last_pin_timestamp,omitempty"`
	RTCRegion            *string       `json:"rtc_region,omitempty"`
	Flags                int           `json:"flags"`
	// Thread fields (types 10, 11, 12).
	ThreadMetadata   *ThreadMetadata `json:"thread_metadata,omitempty"`
	MessageCount     *int            `json:"message_count,omitempty"`
	MemberCount      *int            `json:"member_count,omitempty"`
	TotalMessageSent *int            `json:"total_message_sent,omitempty"`
	AppliedTags      []snowflake.ID  `json:"applied_tags,omitempty"`
	// Member is the caller's thread member, where Discord includes it.
	Member *ThreadMember `json:"member,omitempty"`
	// NewlyCreated is THREAD_CREATE's flag for a thread that was just made.
	NewlyCreated *bool `json:"newly_created,omitempty"`
	// Forum and media fields (types 15, 16); DefaultAutoArchiveDuration also on text channels.
	AvailableTags                 []ForumTag       `json:"available_tags,omitempty"`
	DefaultReactionEmoji          *DefaultReaction `json:"default_reaction_emoji,omitempty"`
	DefaultSortOrder              *int             `json:"default_sort_order,omitempty"`
	DefaultForumLayout            *int             `json:"default_forum_layout,omitempty"`
	DefaultThreadRateLimitPerUser *int             `json:"default_thread_rate_limit_per_user,omitempty"`
	DefaultAutoArchiveDuration    *int             `json:"default_auto_archive_duration,omitempty"`
}

// Attachment is Discord's attachment object.
type Attachment struct {
	ID          snowflake.ID `json:"id"`
	Filename    string       `json:"filename"`
	Description *string      `json:"description,omitempty"`
	ContentType *string      `json:"content_type,omitempty"`
	Size        int          `json:"size"`
	URL         string       `json:"url"`
	ProxyURL    string       `json:"proxy_url"`
	Height      *int         `json:"height,omitempty"`
	Width       *int         `json:"width,omitempty"`
}

// EmbedFooter is an embed's footer.
type EmbedFooter struct {
	Text         string `json:"text"`
	IconURL      string `json:"icon_url,omitempty"`
	ProxyIconURL string `json:"proxy_icon_url,omitempty"`
}

// EmbedMedia is an embed's image, thumbnail or video.
type EmbedMedia struct {
	URL      string `json:"url"`
	ProxyURL string `json:"proxy_url,omitempty"`
	Height   int    `json:"height,omitempty"`
	Width    int    `json:"width,omitempty"`
}

// EmbedProvider is an embed's provider.
type EmbedProvider struct {
	Name string `json:"name,omitempty"`
	URL  string `json:"url,omitempty"`
}

// EmbedAuthor is an embed's author.
type EmbedAuthor struct {
	Name         string `json:"name"`
	URL          string `json:"url,omitempty"`
	IconURL      string `json:"icon_url,omitempty"`
	ProxyIconURL string `json:"proxy_icon_url,omitempty"`
}

// EmbedField is one of an embed's fields.
type EmbedField struct {
	Name   string `json:"name"`
	Value  string `json:"value"`
	Inline bool   `json:"inline"`
}

// Embed is Discord's embed object.
type Embed struct {
	Title       string         `json:"title,omitempty"`
	Type        string         `json:"type,omitempty"`
	Description string         `json:"description,omitempty"`
	URL         string         `json:"url,omitempty"`
	Timestamp   *Timestamp     `json:"timestamp,omitempty"`
	Color       *int           `json:"color,omitempty"`
	Footer      *EmbedFooter   `json:"footer,omitempty"`
	Image       *EmbedMedia    `json:"image,omitempty"`
	Thumbnail   *EmbedMedia    `json:"thumbnail,omitempty"`
	Video       *EmbedMedia    `json:"video,omitempty"`
	Provider    *EmbedProvider `json:"provider,omitempty"`
	Author      *EmbedAuthor   `json:"author,omitempty"`
	Fields      []EmbedField   `json:"fields,omitempty"`
}

// ReactionCountDetails splits a reaction count into normal and burst.
type ReactionCountDetails struct {
	Burst  int `json:"burst"`
	Normal int `json:"normal"`
}

// Reaction is a message's reaction summary.
type Reaction struct {
	Count        int                  `json:"count"`
	CountDetails ReactionCountDetails `json:"count_details"`
	Me           bool                 `json:"me"`
	MeBurst      bool                 `json:"me_burst"`
	Emoji        PartialEmoji         `json:"emoji"`
	BurstColors  []string             `json:"burst_colors"`
}

// MessageReference points at another message (replies, crossposts).
type MessageReference struct {
	Type            *int          `json:"type,omitempty"`
	MessageID       *snowflake.ID `json:"message_id,omitempty"`
	ChannelID       *snowflake.ID `json:"channel_id,omitempty"`
	GuildID         *snowflake.ID `json:"guild_id,omitempty"`
	FailIfNotExists *bool         `json:"fail_if_not_exists,omitempty"`
}

// MessageType is a message's type.
type MessageType int

// Message types Parley produces.
const (
	MessageDefault              MessageType = 0
	MessageChannelPinnedMessage MessageType = 6
	MessageUserJoin             MessageType = 7
	MessageReply                MessageType = 19
)

// Message flags.
const (
	MessageFlagCrossposted          = 1 << 0
	MessageFlagIsCrosspost          = 1 << 1
	MessageFlagSuppressEmbeds       = 1 << 2
	MessageFlagSuppressNotification = 1 << 12
	MessageFlagIsVoiceMessage       = 1 << 13
	MessageFlagIsComponentsV2       = 1 << 15
)

// Message is Discord's message object, with the gateway's guild_id, member and channel_type
// extras (omitted in REST answers).
type Message struct {
	ID                snowflake.ID      `json:"id"`
	ChannelID         snowflake.ID      `json:"channel_id"`
	Author            User              `json:"author"`
	Content           string            `json:"content"`
	Timestamp         Timestamp         `json:"timestamp"`
	EditedTimestamp   *Timestamp        `json:"edited_timestamp"`
	TTS               bool              `json:"tts"`
	MentionEveryone   bool              `json:"mention_everyone"`
	Mentions          []User            `json:"mentions"`
	MentionRoles      []snowflake.ID    `json:"mention_roles"`
	Attachments       []Attachment      `json:"attachments"`
	Embeds            []Embed           `json:"embeds"`
	Reactions         []Reaction        `json:"reactions,omitempty"`
	Nonce             json.RawMessage   `json:"nonce,omitempty"`
	Pinned            bool              `json:"pinned"`
	WebhookID         *snowflake.ID     `json:"webhook_id,omitempty"`
	Type              MessageType       `json:"type"`
	Flags             int               `json:"flags"`
	MessageReference  *MessageReference `json:"message_reference,omitempty"`
	ReferencedMessage *Message          `json:"referenced_message,omitempty"`
	Components        []json.RawMessage `json:"components"`
	Poll              json.RawMessage   `json:"poll,omitempty"`
	GuildID           *snowflake.ID     `json:"guild_id,omitempty"`
	Member            *Member           `json:"member,omitempty"`
	ChannelType       *ChannelType      `json:"channel_type,omitempty"`
	// ApplicationID is set on interaction replies (and messages of application webhooks).
	ApplicationID       *snowflake.ID               `json:"application_id,omitempty"`
	InteractionMetadata *MessageInteractionMetadata `json:"interaction_metadata,omitempty"`
	// Interaction is the deprecated form of InteractionMetadata.
	Interaction *MessageInteraction `json:"interaction,omitempty"`
	// Thread is the thread started from this message, if any.
	Thread *Channel `json:"thread,omitempty"`
	// Position is a message's index in its thread, for messages sent in threads.
	Position *int `json:"position,omitempty"`
}

// Guild is Discord's guild object.
type Guild struct {
	ID                          snowflake.ID  `json:"id"`
	Name                        string        `json:"name"`
	Icon                        *string       `json:"icon"`
	IconHash                    *string       `json:"icon_hash,omitempty"`
	HomeHeader                  *string       `json:"home_header"`
	Splash                      *string       `json:"splash"`
	DiscoverySplash             *string       `json:"discovery_splash"`
	Owner                       *bool         `json:"owner,omitempty"`
	OwnerID                     snowflake.ID  `json:"owner_id"`
	Permissions                 *Permissions  `json:"permissions,omitempty"`
	Region                      *string       `json:"region,omitempty"`
	AFKChannelID                *snowflake.ID `json:"afk_channel_id"`
	AFKTimeout                  int           `json:"afk_timeout"`
	WidgetEnabled               bool          `json:"widget_enabled"`
	WidgetChannelID             *snowflake.ID `json:"widget_channel_id"`
	VerificationLevel           int           `json:"verification_level"`
	DefaultMessageNotifications int           `json:"default_message_notifications"`
	ExplicitContentFilter       int           `json:"explicit_content_filter"`
	Roles                       []Role        `json:"roles"`
	Emojis                      []Emoji       `json:"emojis"`
	Features                    []string      `json:"features"`
	MFALevel                    int           `json:"mfa_level"`
	ApplicationID               *snowflake.ID `json:"application_id"`
	SystemChannelID             *snowflake.ID `json:"system_channel_id"`
	SystemChannelFlags          int           `json:"system_channel_flags"`
	RulesChannelID              *snowflake.ID `json:"rules_channel_id"`
	MaxPresences                *int          `json:"max_presences"`
	MaxMembers                  int           `json:"max_members"`
	VanityURLCode               *string       `json:"vanity_url_code"`
	Description                 *string       `json:"description"`
	Banner                      *string       `json:"banner"`
	PremiumTier                 int           `json:"premium_tier"`
	PremiumSubscriptionCount    int           `json:"premium_subscription_count"`
	PreferredLocale             string        `json:"preferred_locale"`
	PublicUpdatesChannelID      *snowflake.ID `json:"public_updates_channel_id"`
	MaxVideoChannelUsers        int           `json:"max_video_channel_users"`
	MaxStageVideoChannelUsers   int           `json:"max_stage_video_channel_users"`
	ApproximateMemberCount      *int          `json:"approximate_member_count,omitempty"`
	ApproximatePresenceCount    *int          `json:"approximate_presence_count,omitempty"`
	NSFWLevel                   int           `json:"nsfw_level"`
	NSFW                        bool          `json:"nsfw"`
	Stickers                    []Sticker     `json:"stickers"`
	PremiumProgressBarEnabled   bool          `json:"premium_progress_bar_enabled"`
	SafetyAlertsChannelID       *snowflake.ID `json:"safety_alerts_channel_id"`
	IncidentsData               *struct{}     `json:"incidents_data"`
}

// GuildCreate is the GUILD_CREATE dispatch: the guild plus the gateway-only extras.
type GuildCreate struct {
	Guild
	JoinedAt             Timestamp         `json:"joined_at"`
	Large                bool              `json:"large"`
	Unavailable          bool              `json:"unavailable"`
	MemberCount          int               `json:"member_count"`
	VoiceStates          []VoiceState      `json:"voice_states"`
	Members              []Member          `json:"members"`
	Channels             []Channel         `json:"channels"`
	Threads              []Channel         `json:"threads"`
	Presences            []Presence        `json:"presences"`
	StageInstances       []StageInstance   `json:"stage_instances"`
	GuildScheduledEvents []ScheduledEvent  `json:"guild_scheduled_events"`
	SoundboardSounds     []SoundboardSound `json:"soundboard_sounds"`
}

// GuildPreview is GET /guilds/{id}/preview.
type GuildPreview struct {
	ID                       snowflake.ID `json:"id"`
	Name                     string       `json:"name"`
	Icon                     *string      `json:"icon"`
	Splash                   *string      `json:"splash"`
	DiscoverySplash          *string      `json:"discovery_splash"`
	HomeHeader               *string      `json:"home_header"`
	Emojis                   []Emoji      `json:"emojis"`
	Features                 []string     `json:"features"`
	ApproximateMemberCount   int          `json:"approximate_member_count"`
	ApproximatePresenceCount int          `json:"approximate_presence_count"`
	Description              *string      `json:"description"`
	Stickers                 []Sticker    `json:"stickers"`
}

// Sticker is Discord's sticker object. Parley's stickers are all guild stickers (type 2):
// it has no Nitro packs, so the standard-sticker fields (pack_id, sort_value) never appear.
type Sticker struct {
	ID          snowflake.ID  `json:"id"`
	Name        string        `json:"name"`
	Description *string       `json:"description"`
	Tags        string        `json:"tags"`
	Type        int           `json:"type"`
	FormatType  int           `json:"format_type"`
	Available   bool          `json:"available"`
	GuildID     *snowflake.ID `json:"guild_id,omitempty"`
	User        *User         `json:"user,omitempty"`
}

// StickerItem is a message's sticker_items entry: the smallest sticker shape.
type StickerItem struct {
	ID         snowflake.ID `json:"id"`
	Name       string       `json:"name"`
	FormatType int          `json:"format_type"`
}

// Sticker format types.
const (
	StickerFormatPNG    = 1
	StickerFormatAPNG   = 2
	StickerFormatLottie = 3
	StickerFormatGIF    = 4
)

// StickerTypeGuild is a sticker uploaded to a guild.
const StickerTypeGuild = 2

// StickerPack is a pack of standard stickers (Parley has none; the type exists for the
// list's shape).
type StickerPack struct {
	ID          snowflake.ID `json:"id"`
	SKUID       snowflake.ID `json:"sku_id"`
	Name        string       `json:"name"`
	Description *string      `json:"description"`
	Stickers    []Sticker    `json:"stickers"`
}

// StickerPacks is GET /sticker-packs.
type StickerPacks struct {
	StickerPacks []StickerPack `json:"sticker_packs"`
}

// VoiceState is Discord's voice state object.
type VoiceState struct {
	GuildID                 *snowflake.ID `json:"guild_id,omitempty"`
	ChannelID               *snowflake.ID `json:"channel_id"`
	UserID                  snowflake.ID  `json:"user_id"`
	Member                  *Member       `json:"member,omitempty"`
	SessionID               string        `json:"session_id"`
	Deaf                    bool          `json:"deaf"`
	Mute                    bool          `json:"mute"`
	SelfDeaf                bool          `json:"self_deaf"`
	SelfMute                bool          `json:"self_mute"`
	SelfStream              bool          `json:"self_stream"`
	SelfVideo               bool          `json:"self_video"`
	Suppress                bool          `json:"suppress"`
	RequestToSpeakTimestamp *Timestamp    `json:"request_to_speak_timestamp"`
}

// PartialGuild is the guild inside an invite and in GET /users/@me/guilds.
type PartialGuild struct {
	ID          snowflake.ID `json:"id"`
	Name        string       `json:"name"`
	Icon        *string      `json:"icon"`
	Banner      *string      `json:"banner"`
	Owner       *bool        `json:"owner,omitempty"`
	Permissions *Permissions `json:"permissions,omitempty"`
	Features    []string     `json:"features"`
	// Counts are sent by /users/@me/guilds?with_counts=true and by invites.
	ApproximateMemberCount   *int `json:"approximate_member_count,omitempty"`
	ApproximatePresenceCount *int `json:"approximate_presence_count,omitempty"`
}

// InviteGuild is the guild inside an invite.
type InviteGuild struct {
	ID                       snowflake.ID `json:"id"`
	Name                     string       `json:"name"`
	Splash                   *string      `json:"splash"`
	Banner                   *string      `json:"banner"`
	Description              *string      `json:"description"`
	Icon                     *string      `json:"icon"`
	Features                 []string     `json:"features"`
	VerificationLevel        int          `json:"verification_level"`
	VanityURLCode            *string      `json:"vanity_url_code"`
	NSFWLevel                int          `json:"nsfw_level"`
	NSFW                     bool         `json:"nsfw"`
	PremiumSubscriptionCount int          `json:"premium_subscription_count"`
}

// PartialChannel is the channel inside an invite.
type PartialChannel struct {
	ID   snowflake.ID `json:"id"`
	Name *string      `json:"name"`
	Type ChannelType  `json:"type"`
}

// Invite is Discord's invite object with its metadata.
type Invite struct {
	Type      int             `json:"type"`
	Code      string          `json:"code"`
	GuildID   *snowflake.ID   `json:"guild_id,omitempty"`
	Guild     *InviteGuild    `json:"guild,omitempty"`
	Channel   *PartialChannel `json:"channel"`
	Inviter   *User           `json:"inviter,omitempty"`
	ExpiresAt *Timestamp      `json:"expires_at"`
	// Metadata, present where Discord sends invite metadata.
	Uses      *int       `json:"uses,omitempty"`
	MaxUses   *int       `json:"max_uses,omitempty"`
	MaxAge    *int       `json:"max_age,omitempty"`
	Temporary *bool      `json:"temporary,omitempty"`
	CreatedAt *Timestamp `json:"created_at,omitempty"`
	// Counts, with with_counts=true.
	ApproximateMemberCount   *int `json:"approximate_member_count,omitempty"`
	ApproximatePresenceCount *int `json:"approximate_presence_count,omitempty"`
}

// Webhook is Discord's webhook object.
type Webhook struct {
	ID            snowflake.ID  `json:"id"`
	Type          int           `json:"type"`
	GuildID       *snowflake.ID `json:"guild_id"`
	ChannelID     *snowflake.ID `json:"channel_id"`
	User          *User         `json:"user,omitempty"`
	Name          *string       `json:"name"`
	Avatar        *string       `json:"avatar"`
	Token         string        `json:"token,omitempty"`
	ApplicationID *snowflake.ID `json:"application_id"`
	URL           string        `json:"url,omitempty"`
}
