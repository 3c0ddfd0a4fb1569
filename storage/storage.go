// Package storage is Parley's persistence contract: record types, one small interface per
// aggregate, and sentinel errors. Backends (storage/embedded, storage/postgres) implement Store;
// storage/storagetest holds the conformance suite both must pass.
//
// Records are plain data. Validation and permissions belong to the domain (package guilds);
// a backend only guarantees atomicity of each call, the uniqueness constraints documented on
// each method, and the orderings documented on each list.
package storage

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"github.com/parley-chat/parley/snowflake"
)

// Sentinel errors every backend returns (possibly wrapped).
var (
	// ErrNotFound reports a missing record.
	ErrNotFound = errors.New("storage: not found")
	// ErrConflict reports a uniqueness violation (duplicate username, code, reaction, ...).
	ErrConflict = errors.New("storage: conflict")
	// ErrUnavailable reports that the backend cannot serve the call right now: the database
	// cannot be reached, its pool is exhausted, or its disk is full. It is an outage, not a
	// bug, so callers answer 503 with Retry-After and retry later; nothing was written. The
	// driver's error stays wrapped beside it for logs.
	ErrUnavailable = errors.New("storage: unavailable")
)

// Store is a complete backend.
type Store interface {
	Users() UserStore
	Applications() ApplicationStore
	Tokens() TokenStore
	Guilds() GuildStore
	Channels() ChannelStore
	Roles() RoleStore
	Members() MemberStore
	Messages() MessageStore
	Reactions() ReactionStore
	Bans() BanStore
	Invites() InviteStore
	Webhooks() WebhookStore
	Emojis() EmojiStore
	Settings() SettingStore
	Attachments() AttachmentStore
	Commands() CommandStore
	AuditLog() AuditLogStore
	AutoModRules() AutoModRuleStore
	GuildConfigs() GuildConfigStore
	Templates() TemplateStore
	VoiceStates() VoiceStateStore
	Activity() ActivityStore
	ThreadMembers() ThreadMemberStore
	Interactions() InteractionStore
	ScheduledEvents() ScheduledEventStore
	Stickers() StickerStore
	// ApplicationEmojis holds an application's own emojis under the same contract as
	// Emojis, with the application's ID where a guild emoji has its guild's.
	ApplicationEmojis() EmojiStore
	StageInstances() StageInstanceStore
	Sounds() SoundStore
	Images() ImageStore
	// Close releases the backend's resources.
	Close() error
}

// Pinger is implemented by stores that can check their backend with one cheap round trip,
// for readiness probes (both backends do).
type Pinger interface {
	Ping(ctx context.Context) error
}

// Observer receives the duration and outcome of every backend call: op is "exec", "query",
// "query_row" or "tx" (a whole transaction). err is nil for ErrNotFound and ErrConflict,
// which are answers rather than failures. It must be cheap and safe for concurrent use.
// Stores that support it have an Observe(Observer) method, which must be called before the
// store is used; cmd wires it to metrics, so storage imports no metrics package.
type Observer func(op string, elapsed time.Duration, err error)

// User is a human or bot account.
type User struct {
	ID            snowflake.ID
	Username      string // unique among humans, case-insensitively; bots may share names
	Discriminator string // "0" for humans, a 4-digit tag for bots
	GlobalName    *string
	Avatar        *string
	Bot           bool
	Email         *string
	PasswordHash  string // empty for bots
	Flags         int
	CreatedAt     time.Time
}

// UserStore persists users.
type UserStore interface {
	// Create inserts u; ErrConflict if a human with the same username (case-insensitive) exists.
	Create(ctx context.Context, u User) error
	Get(ctx context.Context, id snowflake.ID) (User, error)
	// GetByUsername finds a human by username, case-insensitively.
	GetByUsername(ctx context.Context, username string) (User, error)
	// GetMany returns the users that exist among ids, in no particular order.
	GetMany(ctx context.Context, ids []snowflake.ID) ([]User, error)
	// Update replaces every field but ID and CreatedAt; ErrConflict as in Create;
	// ErrNotFound if the user does not exist (every Update and Delete below likewise).
	Update(ctx context.Context, u User) error
}

// Application is a developer application; its bot user has the same ID.
type Application struct {
	ID                  snowflake.ID
	OwnerID             snowflake.ID
	Name                string
	Description         string
	Icon                *string
	Flags               int
	BotPublic           bool
	BotRequireCodeGrant bool
	// VerifyKey is unused: the verify key is the ApplicationKey's public half (older records
	// carry a derived identifier here, ignored).
	VerifyKey string
	// BotTokenIssued is the issue stamp embedded in the current bot token; 0 means no bot
	// token. A token with another stamp is revoked.
	BotTokenIssued int64
	// InteractionsEndpointURL, when set, receives the application's interactions as signed
	// HTTP POSTs instead of its bot's gateway sessions.
	InteractionsEndpointURL string
	CreatedAt               time.Time
}

// ApplicationKey is an application's Ed25519 key pair: Parley signs the interactions it POSTs
// to the application's endpoint with PrivateKey, and the endpoint checks them with PublicKey
// (the application object's verify_key).
type ApplicationKey struct {
	ApplicationID snowflake.ID
	PublicKey     []byte // ed25519.PublicKeySize bytes
	PrivateKey    []byte // the ed25519.SeedSize-byte seed
	CreatedAt     time.Time
}

// ApplicationStore persists applications.
type ApplicationStore interface {
	Create(ctx context.Context, a Application) error
	Get(ctx context.Context, id snowflake.ID) (Application, error)
	// ListByOwner returns an owner's applications in ID order.
	ListByOwner(ctx context.Context, ownerID snowflake.ID) ([]Application, error)
	// Update replaces every field but ID, OwnerID and CreatedAt.
	Update(ctx context.Context, a Application) error
	// Key returns an application's signing key pair; ErrNotFound if it has none yet.
	Key(ctx context.Context, appID snowflake.ID) (ApplicationKey, error)
	// PutKeyIfAbsent stores k unless k.ApplicationID already has a key, and returns the key
	// stored: the first one written wins, so concurrent first uses agree on one key.
	PutKeyIfAbsent(ctx context.Context, k ApplicationKey) (ApplicationKey, error)
}

// RefreshToken is one link of a refresh-token rotation chain (family).
type RefreshToken struct {
	ID        string // opaque, unique
	UserID    snowflake.ID
	FamilyID  string
	ExpiresAt time.Time
	// UsedAt is set when the token was exchanged; presenting it again is reuse.
	UsedAt *time.Time
	// Revoked marks the token dead (family revoked, logout).
	Revoked bool
}

// TokenStore persists refresh tokens.
type TokenStore interface {
	Create(ctx context.Context, t RefreshToken) error
	Get(ctx context.Context, id string) (RefreshToken, error)
	// MarkUsed sets UsedAt if it is still nil and reports whether this call set it, so two
	// concurrent exchanges of one token cannot both succeed.
	MarkUsed(ctx context.Context, id string, at time.Time) (bool, error)
	// RevokeFamily revokes every token of a family.
	RevokeFamily(ctx context.Context, familyID string) error
	// FamilyRevoked reports whether any token of a family is revoked: access tokens carry
	// their family, and a revoked family's access tokens stop working before they expire.
	// An unknown family is not revoked.
	FamilyRevoked(ctx context.Context, familyID string) (bool, error)
}

// Guild is a guild's own row. Roles, channels and members live in their stores.
type Guild struct {
	ID                          snowflake.ID
	Name                        string
	OwnerID                     snowflake.ID
	Icon                        *string
	Description                 *string
	VerificationLevel           int
	DefaultMessageNotifications int
	ExplicitContentFilter       int
	AFKChannelID                snowflake.ID
	AFKTimeout                  int
	SystemChannelID             snowflake.ID
	SystemChannelFlags          int
	RulesChannelID              snowflake.ID
	PublicUpdatesChannelID      snowflake.ID
	PreferredLocale             string
	Features                    []string
	PremiumProgressBarEnabled   bool
	CreatedAt                   time.Time
}

// NewGuild is everything a new guild starts with, written in one transaction.
type NewGuild struct {
	Guild    Guild
	Roles    []Role
	Channels []Channel
	Members  []Member
}

// GuildStore persists guilds.
type GuildStore interface {
	// Create writes the guild with its roles, channels and members atomically.
	Create(ctx context.Context, g NewGuild) error
	Get(ctx context.Context, id snowflake.ID) (Guild, error)
	// ListForUser returns the guilds userID is a member of, in ID order, with IDs strictly
	// between after and before (zero means unbounded), at most limit (0 = all).
	ListForUser(ctx context.Context, userID, before, after snowflake.ID, limit int) ([]Guild, error)
	Update(ctx context.Context, g Guild) error
	// Delete removes the guild and everything in it (roles, channels, messages, reactions,
	// attachments, members, bans, invites, webhooks, emojis, commands, configs, templates,
	// voice states, scheduled events and their subscribers, stickers, stage instances,
	// soundboard sounds) atomically.
	Delete(ctx context.Context, id snowflake.ID) error
}

// Overwrite is a channel permission overwrite; Type 0 = role, 1 = member.
type Overwrite struct {
	ID    snowflake.ID `json:"id"`
	Type  int          `json:"type"`
	Allow uint64       `json:"allow"`
	Deny  uint64       `json:"deny"`
}

// Channel is a guild channel or a DM. GuildID is zero for DMs.
type Channel struct {
	ID               snowflake.ID
	GuildID          snowflake.ID
	Type             int
	Name             string
	Position         int
	Topic            *string
	NSFW             bool
	ParentID         snowflake.ID
	RateLimitPerUser int
	Bitrate          int
	UserLimit        int
	Overwrites       []Overwrite
	Recipients       []snowflake.ID // DMs: the participants
	LastMessageID    snowflake.ID
	LastPinAt        *time.Time
	Flags            int
	// OwnerID is a thread's creator.
	OwnerID snowflake.ID
	// Thread is set on threads (types 10, 11, 12), whose ParentID is the channel they belong
	// to. Threads are kept out of ListByGuild; ListActiveThreads and ListArchivedThreads list them.
	Thread *ThreadMeta
	// MessageCount and TotalMessageSent are maintained by the backend as messages are created
	// (and MessageCount as they are deleted) in a thread, not counting a forum post's first
	// message; MemberCount by ThreadMemberStore. Update does not write them.
	MessageCount     int
	TotalMessageSent int
	MemberCount      int
	// AppliedTags are a forum or media post's tags.
	AppliedTags []snowflake.ID
	// Forum and media channel settings; DefaultAutoArchiveDuration also on text channels.
	AvailableTags                 []ForumTag
	DefaultReactionEmoji          *DefaultReaction
	DefaultSortOrder              *int
	DefaultForumLayout            int
	DefaultThreadRateLimitPerUser int
	DefaultAutoArchiveDuration    int
}

// ThreadMeta is a thread's archive state.
type ThreadMeta struct {
	Archived bool
	// AutoArchiveDuration is in minutes (60, 1440, 4320 or 10080).
	AutoArchiveDuration int
	// ArchiveTimestamp is when the archive state last changed (creation counts). A thread
	// is due for auto-archiving AutoArchiveDuration after the later of this and its last
	// message.
	ArchiveTimestamp time.Time
	Locked           bool
	Invitable        bool
	CreateTimestamp  time.Time
}

// ForumTag is one of a forum's available tags.
type ForumTag struct {
	ID        snowflake.ID `json:"id"`
	Name      string       `json:"name"`
	Moderated bool         `json:"moderated"`
	EmojiID   snowflake.ID `json:"emoji_id"`
	EmojiName *string      `json:"emoji_name"`
}

// DefaultReaction is a forum's default reaction emoji.
type DefaultReaction struct {
	EmojiID   snowflake.ID `json:"emoji_id"`
	EmojiName *string      `json:"emoji_name"`
}

// ArchivedQuery selects archived threads of one parent channel, most recently archived
// first. Private selects type 12 threads, else types 10 and 11. With JoinedBy set, only
// private threads that user is a member of, ordered by ID descending, with ID < BeforeID.
// Without it, archived before Before when Before is non-zero. Limit is 1–100.
type ArchivedQuery struct {
	ParentID snowflake.ID
	Private  bool
	JoinedBy snowflake.ID
	Before   time.Time
	BeforeID snowflake.ID
	Limit    int
}

// ThreadMember is a user's membership of a thread.
type ThreadMember struct {
	ThreadID      snowflake.ID
	GuildID       snowflake.ID
	UserID        snowflake.ID
	JoinTimestamp time.Time
	Flags         int
}

// ThreadMemberStore persists thread memberships; each write keeps the thread's MemberCount.
type ThreadMemberStore interface {
	// Add inserts m; ErrConflict if the user is already a member; ErrNotFound if the thread
	// does not exist.
	Add(ctx context.Context, m ThreadMember) error
	Get(ctx context.Context, threadID, userID snowflake.ID) (ThreadMember, error)
	// List returns a thread's members ordered by user ID with user ID > after, at most limit
	// (0 = all).
	List(ctx context.Context, threadID, after snowflake.ID, limit int) ([]ThreadMember, error)
	// ListForUser returns userID's memberships among threadIDs.
	ListForUser(ctx context.Context, userID snowflake.ID, threadIDs []snowflake.ID) ([]ThreadMember, error)
	// Remove deletes one membership; ErrNotFound if absent.
	Remove(ctx context.Context, threadID, userID snowflake.ID) error
}

// ChannelStore persists channels.
type ChannelStore interface {
	Create(ctx context.Context, c Channel) error
	Get(ctx context.Context, id snowflake.ID) (Channel, error)
	// ListByGuild returns a guild's channels ordered by (position, id).
	ListByGuild(ctx context.Context, guildID snowflake.ID) ([]Channel, error)
	// Update replaces every field but ID, GuildID and LastMessageID (which only
	// SetLastMessage and MessageStore.Create move, forward, so a stale copy cannot move it back).
	Update(ctx context.Context, c Channel) error
	// UpdatePositions sets the positions of several channels of one guild atomically.
	UpdatePositions(ctx context.Context, guildID snowflake.ID, positions map[snowflake.ID]int) error
	// Delete removes the channel with its messages, reactions, attachments, invites,
	// webhooks, voice states, thread members and threads (with theirs) atomically.
	Delete(ctx context.Context, id snowflake.ID) error
	// FindDM returns the DM channel whose recipients are exactly {a, b}.
	FindDM(ctx context.Context, a, b snowflake.ID) (Channel, error)
	// SetLastMessage records the newest message ID (only ever moves forward).
	SetLastMessage(ctx context.Context, channelID, messageID snowflake.ID) error
	// ListActiveThreads returns a guild's unarchived threads in ID order.
	ListActiveThreads(ctx context.Context, guildID snowflake.ID) ([]Channel, error)
	// ListArchivedThreads returns a page of archived threads (see ArchivedQuery) and whether
	// more follow it.
	ListArchivedThreads(ctx context.Context, q ArchivedQuery) ([]Channel, bool, error)
	// ListDueThreads returns at most limit unarchived threads whose auto-archive time
	// (ThreadMeta) is at or before now, the most overdue first.
	ListDueThreads(ctx context.Context, now time.Time, limit int) ([]Channel, error)
}

// RoleColors is a role's colour set.
type RoleColors struct {
	Primary   int  `json:"primary"`
	Secondary *int `json:"secondary"`
	Tertiary  *int `json:"tertiary"`
}

// Role is a guild role. The @everyone role's ID equals its guild's ID.
type Role struct {
	ID           snowflake.ID
	GuildID      snowflake.ID
	Name         string
	Colors       RoleColors
	Hoist        bool
	Icon         *string
	UnicodeEmoji *string
	Position     int
	Permissions  uint64
	Managed      bool
	Mentionable  bool
	BotID        snowflake.ID // set for a bot's managed role
	Flags        int
}

// RoleStore persists roles.
type RoleStore interface {
	Create(ctx context.Context, r Role) error
	Get(ctx context.Context, guildID, id snowflake.ID) (Role, error)
	// ListByGuild returns a guild's roles ordered by (position, id).
	ListByGuild(ctx context.Context, guildID snowflake.ID) ([]Role, error)
	Update(ctx context.Context, r Role) error
	// UpdatePositions sets several roles' positions atomically.
	UpdatePositions(ctx context.Context, guildID snowflake.ID, positions map[snowflake.ID]int) error
	// Delete removes the role and takes it off every member atomically.
	Delete(ctx context.Context, guildID, id snowflake.ID) error
}

// Member is a user's membership of a guild.
type Member struct {
	GuildID                    snowflake.ID
	UserID                     snowflake.ID
	Nick                       *string
	Avatar                     *string
	Roles                      []snowflake.ID // never includes @everyone
	JoinedAt                   time.Time
	Deaf                       bool
	Mute                       bool
	Pending                    bool
	Flags                      int
	CommunicationDisabledUntil *time.Time
}

// MemberStore persists memberships.
type MemberStore interface {
	// Add inserts m; ErrConflict if the user is already a member.
	Add(ctx context.Context, m Member) error
	Get(ctx context.Context, guildID, userID snowflake.ID) (Member, error)
	// List returns members ordered by user ID with user ID > after, at most limit (0 = all).
	List(ctx context.Context, guildID, after snowflake.ID, limit int) ([]Member, error)
	// Search returns members whose username or nick starts with query (case-insensitive),
	// ordered by user ID, at most limit.
	Search(ctx context.Context, guildID snowflake.ID, query string, limit int) ([]Member, error)
	// GetMany returns the members among userIDs that exist.
	GetMany(ctx context.Context, guildID snowflake.ID, userIDs []snowflake.ID) ([]Member, error)
	Count(ctx context.Context, guildID snowflake.ID) (int, error)
	Update(ctx context.Context, m Member) error
	Remove(ctx context.Context, guildID, userID snowflake.ID) error
}

// MessageReference is a reply or crosspost pointer.
type MessageReference struct {
	Type      int          `json:"type"`
	MessageID snowflake.ID `json:"message_id"`
	ChannelID snowflake.ID `json:"channel_id"`
	GuildID   snowflake.ID `json:"guild_id"`
}

// Message is a channel message. Embeds, Attachments, Components and Nonce are stored as the
// JSON the domain produced, verbatim.
type Message struct {
	ID              snowflake.ID
	ChannelID       snowflake.ID
	GuildID         snowflake.ID
	AuthorID        snowflake.ID
	WebhookID       snowflake.ID
	WebhookName     string
	WebhookAvatar   *string
	ApplicationID   snowflake.ID
	Type            int
	Content         string
	TTS             bool
	MentionEveryone bool
	Mentions        []snowflake.ID
	MentionRoles    []snowflake.ID
	Embeds          json.RawMessage
	Attachments     json.RawMessage
	Components      json.RawMessage
	Nonce           json.RawMessage
	Flags           int
	Pinned          bool
	PinnedAt        *time.Time
	EditedAt        *time.Time
	Reference       *MessageReference
	// Interaction is the domain's JSON of what an interaction response carries
	// (interaction_metadata and the deprecated interaction), stored verbatim.
	Interaction json.RawMessage
}

// Page selects messages by keyset: at most one of Before, After, Around is non-zero.
// Limit is 1–100.
type Page struct {
	Before, After, Around snowflake.ID
	Limit                 int
}

// MessageStore persists messages.
type MessageStore interface {
	// Create inserts m and, atomically with it, advances the channel's LastMessageID to
	// m.ID (forward only, as SetLastMessage; a missing channel is not an error). ErrConflict on
	// a duplicate ID.
	Create(ctx context.Context, m Message) error
	Get(ctx context.Context, channelID, id snowflake.ID) (Message, error)
	// GetMany returns the messages of one channel with the given IDs, in no particular order;
	// unknown IDs (and IDs of other channels' messages) are skipped.
	GetMany(ctx context.Context, channelID snowflake.ID, ids []snowflake.ID) ([]Message, error)
	// List returns a page of a channel's messages, newest first. With After it returns the
	// oldest Limit messages newer than After (still newest first); with Around, up to Limit
	// messages centred on Around (Around included if it exists), newest first.
	List(ctx context.Context, channelID snowflake.ID, p Page) ([]Message, error)
	// ListPinned returns pinned messages, most recently pinned first, pinned before
	// `before` when it is non-nil, at most limit (0 = all).
	ListPinned(ctx context.Context, channelID snowflake.ID, before *time.Time, limit int) ([]Message, error)
	Update(ctx context.Context, m Message) error
	// Delete removes the message with its reactions and attachments atomically.
	Delete(ctx context.Context, channelID, id snowflake.ID) error
	// DeleteMany removes messages of one channel with their reactions and attachments
	// atomically, returning the IDs that existed.
	DeleteMany(ctx context.Context, channelID snowflake.ID, ids []snowflake.ID) ([]snowflake.ID, error)
	// DeleteByAuthorSince removes a user's messages in a guild with ID >= since (with their
	// reactions and attachments), returning them grouped by channel (for bans with
	// delete_message_seconds).
	DeleteByAuthorSince(ctx context.Context, guildID, authorID, since snowflake.ID) (map[snowflake.ID][]snowflake.ID, error)
}

// Reaction is one user's reaction. EmojiKey identifies the emoji: the unicode text, or the
// custom emoji's ID in decimal.
type Reaction struct {
	ChannelID     snowflake.ID
	MessageID     snowflake.ID
	EmojiKey      string
	EmojiID       snowflake.ID
	EmojiName     string
	EmojiAnimated bool
	UserID        snowflake.ID
	Burst         bool
	CreatedAt     time.Time
}

// ReactionStore persists reactions.
type ReactionStore interface {
	// Add inserts r; ErrConflict if the user already reacted with that emoji.
	Add(ctx context.Context, r Reaction) error
	// Remove deletes one user's reaction; ErrNotFound if absent.
	Remove(ctx context.Context, messageID snowflake.ID, emojiKey string, userID snowflake.ID) error
	// RemoveAll deletes every reaction on a message.
	RemoveAll(ctx context.Context, messageID snowflake.ID) error
	// RemoveEmoji deletes every reaction with one emoji; ErrNotFound if there were none.
	RemoveEmoji(ctx context.Context, messageID snowflake.ID, emojiKey string) error
	// ListForMessages returns every reaction on the given messages, ordered by
	// (message, first reaction time of the emoji, user reaction time).
	ListForMessages(ctx context.Context, messageIDs []snowflake.ID) ([]Reaction, error)
	// ListUsers returns the user IDs that reacted with emojiKey (burst or not), ordered by
	// user ID, user ID > after, at most limit.
	ListUsers(ctx context.Context, messageID snowflake.ID, emojiKey string, burst bool, after snowflake.ID, limit int) ([]snowflake.ID, error)
}

// Ban is a guild ban.
type Ban struct {
	GuildID snowflake.ID
	UserID  snowflake.ID
	Reason  *string
}

// BanStore persists bans.
type BanStore interface {
	// Create inserts b, replacing the reason of an existing ban.
	Create(ctx context.Context, b Ban) error
	Get(ctx context.Context, guildID, userID snowflake.ID) (Ban, error)
	// List returns bans ordered by user ID, strictly between after and before (zero =
	// unbounded), at most limit; with only before, the last limit before it.
	List(ctx context.Context, guildID, before, after snowflake.ID, limit int) ([]Ban, error)
	Delete(ctx context.Context, guildID, userID snowflake.ID) error
}

// Invite is a guild invite.
type Invite struct {
	Code      string
	GuildID   snowflake.ID
	ChannelID snowflake.ID
	InviterID snowflake.ID
	MaxAge    int // seconds, 0 = never expires
	MaxUses   int // 0 = unlimited
	Uses      int
	Temporary bool
	CreatedAt time.Time
}

// InviteStore persists invites.
type InviteStore interface {
	// Create inserts i; ErrConflict on a duplicate code.
	Create(ctx context.Context, i Invite) error
	Get(ctx context.Context, code string) (Invite, error)
	ListByGuild(ctx context.Context, guildID snowflake.ID) ([]Invite, error)
	ListByChannel(ctx context.Context, channelID snowflake.ID) ([]Invite, error)
	// Use increments Uses if the invite still has uses left (MaxUses 0 = unlimited) and
	// returns the updated invite; ErrNotFound if it is gone or used up.
	Use(ctx context.Context, code string) (Invite, error)
	Delete(ctx context.Context, code string) error
}

// Webhook is a channel webhook.
type Webhook struct {
	ID            snowflake.ID
	Type          int
	GuildID       snowflake.ID
	ChannelID     snowflake.ID
	CreatorID     snowflake.ID
	Name          string
	Avatar        *string
	Token         string
	ApplicationID snowflake.ID
}

// WebhookStore persists webhooks.
type WebhookStore interface {
	Create(ctx context.Context, w Webhook) error
	Get(ctx context.Context, id snowflake.ID) (Webhook, error)
	ListByChannel(ctx context.Context, channelID snowflake.ID) ([]Webhook, error)
	ListByGuild(ctx context.Context, guildID snowflake.ID) ([]Webhook, error)
	Update(ctx context.Context, w Webhook) error
	Delete(ctx context.Context, id snowflake.ID) error
}

// Emoji is a custom guild emoji; Image is the decoded image bytes.
type Emoji struct {
	ID        snowflake.ID
	GuildID   snowflake.ID
	Name      string
	Roles     []snowflake.ID
	CreatorID snowflake.ID
	Animated  bool
	Available bool
	Image     []byte
}

// EmojiStore persists custom emojis.
type EmojiStore interface {
	Create(ctx context.Context, e Emoji) error
	Get(ctx context.Context, guildID, id snowflake.ID) (Emoji, error)
	// GetByID returns an emoji by ID alone, with Image: the CDN path names no guild.
	GetByID(ctx context.Context, id snowflake.ID) (Emoji, error)
	// ListByGuild returns a guild's emojis in ID order, without Image.
	ListByGuild(ctx context.Context, guildID snowflake.ID) ([]Emoji, error)
	// Update replaces name, roles and availability; a nil Image keeps the stored image,
	// because ListByGuild returns emojis without it.
	Update(ctx context.Context, e Emoji) error
	Delete(ctx context.Context, guildID, id snowflake.ID) error
}

// Attachment is a file uploaded with a message: the bytes and what the CDN route needs to
// serve them. The attachment's other metadata (description, image size) lives in the
// message's Attachments JSON.
type Attachment struct {
	ID          snowflake.ID
	ChannelID   snowflake.ID
	MessageID   snowflake.ID
	Filename    string
	ContentType string
	Size        int // len(Data); Get fills it from the stored row
	Data        []byte
}

// AttachmentStore persists uploaded files. Rows go away with their message (MessageStore's
// deletes), channel (ChannelStore.Delete) or guild (GuildStore.Delete), in the same
// transaction.
type AttachmentStore interface {
	// Put inserts the attachments atomically; ErrConflict on a duplicate ID. The message
	// need not exist yet: the domain writes files before the message that lists them.
	Put(ctx context.Context, as ...Attachment) error
	// Get returns one attachment with its data; ErrNotFound unless it exists in channelID.
	Get(ctx context.Context, channelID, id snowflake.ID) (Attachment, error)
	// Delete removes the given attachments of one message (IDs of other messages and
	// unknown IDs are skipped).
	Delete(ctx context.Context, messageID snowflake.ID, ids []snowflake.ID) error
	// DeleteByMessage removes every attachment of a message.
	DeleteByMessage(ctx context.Context, messageID snowflake.ID) error
}

// SettingStore is a small key/value store for server-wide values such as the token-signing
// secret.
type SettingStore interface {
	// Get returns ErrNotFound for a missing key.
	Get(ctx context.Context, key string) ([]byte, error)
	// PutIfAbsent stores value unless key exists, and returns the stored value either way, so
	// two nodes starting together agree on one secret.
	PutIfAbsent(ctx context.Context, key string, value []byte) ([]byte, error)
}

// Command is an application command, global (GuildID zero) or of one guild. Type and Name
// are columns because they make a command unique within its scope; everything else Discord
// defines (description, options, localizations, permissions defaults, contexts) is Data, the
// JSON the domain produced, stored verbatim.
type Command struct {
	ID            snowflake.ID
	ApplicationID snowflake.ID
	GuildID       snowflake.ID
	Type          int
	Name          string
	// Version changes on every edit (a fresh snowflake), so clients can tell a stale copy.
	Version snowflake.ID
	Data    json.RawMessage
}

// CommandPermission is one overwrite of who may use a command: a role, user or channel
// (Type 1, 2, 3) allowed or denied.
type CommandPermission struct {
	ID         snowflake.ID `json:"id"`
	Type       int          `json:"type"`
	Permission bool         `json:"permission"`
}

// CommandPermissions is the overwrite set of one command in one guild. CommandID may equal
// ApplicationID: then the set applies to all of the application's commands there.
type CommandPermissions struct {
	ApplicationID snowflake.ID
	GuildID       snowflake.ID
	CommandID     snowflake.ID
	Permissions   []CommandPermission
}

// CommandStore persists application commands, their per-guild permissions and the guilds an
// application was installed in with the applications.commands scope alone (without its bot).
// A command's scope is (ApplicationID, GuildID); GuildID zero is global. Commands, permissions
// and installs of a guild go away with it (GuildStore.Delete).
type CommandStore interface {
	// Create inserts c; ErrConflict if its scope already has a command of that type and name.
	Create(ctx context.Context, c Command) error
	// Get returns one command of a scope; ErrNotFound if the scope has no such command.
	Get(ctx context.Context, appID, guildID, id snowflake.ID) (Command, error)
	// List returns a scope's commands in ID order.
	List(ctx context.Context, appID, guildID snowflake.ID) ([]Command, error)
	// Update replaces Type, Name, Version and Data; ErrConflict as in Create, ErrNotFound if
	// the scope has no command with c.ID.
	Update(ctx context.Context, c Command) error
	// Delete removes a command with its permissions in every guild.
	Delete(ctx context.Context, appID, guildID, id snowflake.ID) error
	// Replace makes cmds the scope's whole command set atomically: commands whose ID is not in
	// cmds are deleted (with their permissions), the others updated or inserted. ErrConflict
	// if two of cmds share type and name; then nothing changes.
	Replace(ctx context.Context, appID, guildID snowflake.ID, cmds []Command) error
	// PutPermissions replaces one command's overwrite set in a guild; an empty set removes it.
	PutPermissions(ctx context.Context, p CommandPermissions) error
	// GetPermissions returns one command's overwrite set; ErrNotFound if it has none.
	GetPermissions(ctx context.Context, appID, guildID, commandID snowflake.ID) (CommandPermissions, error)
	// ListPermissions returns an application's overwrite sets in a guild, in command ID order.
	ListPermissions(ctx context.Context, appID, guildID snowflake.ID) ([]CommandPermissions, error)
	// Install records that the application was authorized in the guild with the
	// applications.commands scope; installing twice is not an error.
	Install(ctx context.Context, appID, guildID snowflake.ID) error
	// Installed reports whether Install was called for the application and guild (and the
	// guild was not deleted since).
	Installed(ctx context.Context, appID, guildID snowflake.ID) (bool, error)
}

// AuditLogEntry is one moderating action in a guild's audit log. ID is a snowflake minted when
// the action happened, so it orders entries and dates them (retention cuts by it). Changes and
// Options are the JSON the domain produced (Discord's changes array and options object),
// stored verbatim; a zero UserID or TargetID is Discord's null.
type AuditLogEntry struct {
	ID         snowflake.ID
	GuildID    snowflake.ID
	ActionType int
	UserID     snowflake.ID
	TargetID   snowflake.ID
	Changes    json.RawMessage
	Options    json.RawMessage
	Reason     *string
}

// AuditLogQuery selects entries of one guild. Zero fields do not filter. Before and After are
// exclusive entry-ID bounds; Limit is 1–100.
type AuditLogQuery struct {
	UserID     snowflake.ID
	TargetID   snowflake.ID
	ActionType int
	Before     snowflake.ID
	After      snowflake.ID
	Limit      int
}

// AuditLogStore persists audit log entries. Entries go away with their guild
// (GuildStore.Delete) and with DeleteBefore (retention).
type AuditLogStore interface {
	// Create inserts e; ErrConflict on a duplicate ID.
	Create(ctx context.Context, e AuditLogEntry) error
	// List returns the entries matching q, newest first. With After and no Before it returns
	// the oldest Limit entries newer than After (still newest first), as MessageStore.List.
	List(ctx context.Context, guildID snowflake.ID, q AuditLogQuery) ([]AuditLogEntry, error)
	// Update replaces Changes, Options and Reason of an entry (Discord coalesces repeated
	// message deletes into one entry whose count grows); ErrNotFound if it does not exist.
	Update(ctx context.Context, e AuditLogEntry) error
	// DeleteBefore removes every guild's entries with ID < cutoff and reports how many.
	DeleteBefore(ctx context.Context, cutoff snowflake.ID) (int64, error)
}

// AutoModRule is a guild's auto moderation rule. TriggerType is a column because Discord caps
// the rules of each type per guild; everything else (name, event type, trigger metadata,
// actions, enabled, exemptions) is Data, the JSON the domain produced, stored verbatim.
type AutoModRule struct {
	ID          snowflake.ID
	GuildID     snowflake.ID
	CreatorID   snowflake.ID
	TriggerType int
	Data        json.RawMessage
}

// AutoModRuleStore persists auto moderation rules. Rules go away with their guild
// (GuildStore.Delete).
type AutoModRuleStore interface {
	// Create inserts r unless the guild already has maxOfType rules of r.TriggerType
	// (ErrConflict then, and on a duplicate ID). The check and the insert are one statement.
	Create(ctx context.Context, r AutoModRule, maxOfType int) error
	// Get returns one rule of a guild; ErrNotFound if the guild has no such rule.
	Get(ctx context.Context, guildID, id snowflake.ID) (AutoModRule, error)
	// List returns a guild's rules in ID order.
	List(ctx context.Context, guildID snowflake.ID) ([]AutoModRule, error)
	// Update replaces Data (ID, GuildID, CreatorID and TriggerType never change).
	Update(ctx context.Context, r AutoModRule) error
	// Delete removes a rule.
	Delete(ctx context.Context, guildID, id snowflake.ID) error
}

// GuildConfigStore keeps a guild's small administrative documents, one per kind (widget
// settings, welcome screen, onboarding, incident actions): each is read and replaced whole,
// and the domain owns its shape. They go with the guild when it is deleted.
type GuildConfigStore interface {
	// Get returns the guild's document of kind; ErrNotFound if none was ever written.
	Get(ctx context.Context, guildID snowflake.ID, kind string) ([]byte, error)
	// Put writes the guild's document of kind, replacing any earlier one.
	Put(ctx context.Context, guildID snowflake.ID, kind string, data []byte) error
}

// Template is a guild template: a snapshot of a guild's settings, roles and channels that
// new guilds are created from. Source is the snapshot in the domain's JSON shape.
type Template struct {
	Code        string
	GuildID     snowflake.ID
	Name        string
	Description *string
	UsageCount  int
	CreatorID   snowflake.ID
	CreatedAt   time.Time
	UpdatedAt   time.Time
	Source      json.RawMessage
}

// TemplateStore persists guild templates.
type TemplateStore interface {
	// Create inserts t; ErrConflict if its code is taken.
	Create(ctx context.Context, t Template) error
	Get(ctx context.Context, code string) (Template, error)
	// ListByGuild returns the guild's templates ordered by creation time.
	ListByGuild(ctx context.Context, guildID snowflake.ID) ([]Template, error)
	// Update replaces every field but Code, GuildID, CreatorID, CreatedAt and UsageCount
	// (which only Use moves).
	Update(ctx context.Context, t Template) error
	// Use adds one to the usage count atomically and returns the template after it.
	Use(ctx context.Context, code string) (Template, error)
	Delete(ctx context.Context, code string) error
}

// VoiceState is a user's connection to a voice channel of a guild (at most one per guild).
// SessionID is the gateway session that joined; Node is the snowflake node (worker<<5 |
// process) whose gateway holds that session, so a restarted node drops what it left behind.
// Server mute and deafen live on the Member.
type VoiceState struct {
	GuildID        snowflake.ID
	UserID         snowflake.ID
	ChannelID      snowflake.ID
	SessionID      string
	Node           int
	SelfMute       bool
	SelfDeaf       bool
	SelfStream     bool
	SelfVideo      bool
	Suppress       bool
	RequestToSpeak *time.Time
}

// VoiceStateStore persists voice states, keyed by (guild, user).
type VoiceStateStore interface {
	// Put creates or replaces the user's voice state in the guild. With userLimit > 0 it
	// answers ErrConflict, writing nothing, when v's channel already holds userLimit other users.
	Put(ctx context.Context, v VoiceState, userLimit int) error
	Get(ctx context.Context, guildID, userID snowflake.ID) (VoiceState, error)
	// ListByGuild returns the guild's voice states ordered by user ID.
	ListByGuild(ctx context.Context, guildID snowflake.ID) ([]VoiceState, error)
	// Delete removes the user's voice state in the guild.
	Delete(ctx context.Context, guildID, userID snowflake.ID) error
	// DeleteSession removes every voice state joined by a gateway session and returns them.
	DeleteSession(ctx context.Context, sessionID string) ([]VoiceState, error)
	// DeleteNode removes every voice state held by a node's sessions and returns them.
	DeleteNode(ctx context.Context, node int) ([]VoiceState, error)
	// DeleteChannel removes every voice state in a channel and returns them.
	DeleteChannel(ctx context.Context, channelID snowflake.ID) ([]VoiceState, error)
}

// ActivityStore answers what the domain asks about members' activity (guild prune).
type ActivityStore interface {
	// ActiveAuthors returns the users who posted a message in the guild with an ID of at
	// least since (a snowflake made from a time), in no particular order.
	ActiveAuthors(ctx context.Context, guildID, since snowflake.ID) ([]snowflake.ID, error)
}

// Interaction is a live interaction: what a callback, a follow-up or an edit through the
// interaction webhook needs, on whichever node it arrives. The token itself is never
// stored, only its SHA-256 (TokenHash), so a read of the table cannot answer for a bot.
type Interaction struct {
	ID            snowflake.ID
	ApplicationID snowflake.ID
	Type          int
	GuildID       snowflake.ID
	ChannelID     snowflake.ID
	UserID        snowflake.ID
	TokenHash     []byte
	CreatedAt     time.Time
	// ExpiresAt ends the token's life (Discord: 15 minutes after creation).
	ExpiresAt time.Time
	// Acknowledged is set by Acknowledge only, once: the initial response was accepted.
	Acknowledged bool
	// ResponseType is the callback type of the initial response (0 until acknowledged).
	ResponseType int
	// ResponseMessageID is the message the initial response created or edited, if any.
	ResponseMessageID snowflake.ID
	// Data is the domain's JSON document (command, component message, nonce, ...), stored
	// verbatim.
	Data json.RawMessage
}

// InteractionMessage is a message only the invoking user sees (EPHEMERAL): it is never in
// the channel's history, so it lives beside its interaction, editable and deletable through
// the interaction webhook until ExpiresAt. Data is the domain's JSON of the message.
type InteractionMessage struct {
	ID            snowflake.ID
	InteractionID snowflake.ID
	UserID        snowflake.ID
	ExpiresAt     time.Time
	Data          json.RawMessage
}

// InteractionStore persists live interactions and their ephemeral messages, so that every
// node of a cluster can answer for any of them, and the "only once, within 3 seconds" rule
// of the initial response holds across nodes (Acknowledge is one conditional update).
type InteractionStore interface {
	// Create inserts it; ErrConflict on a duplicate ID or token hash.
	Create(ctx context.Context, it Interaction) error
	// Get returns an interaction by ID; ErrNotFound if absent (expired rows may still be
	// returned until DeleteExpired removes them: the caller checks ExpiresAt).
	Get(ctx context.Context, id snowflake.ID) (Interaction, error)
	// GetByToken returns the application's interaction with that token hash that has not
	// expired at now; ErrNotFound otherwise.
	GetByToken(ctx context.Context, appID snowflake.ID, tokenHash []byte, now time.Time) (Interaction, error)
	// Acknowledge marks the interaction answered with responseType if the token hash
	// matches, it is not acknowledged yet and it was created at or after notBefore, in one
	// conditional update, and returns it. ErrConflict if it was already acknowledged;
	// ErrNotFound if there is no such interaction, the hash differs or it is too old.
	Acknowledge(ctx context.Context, id snowflake.ID, tokenHash []byte, notBefore time.Time, responseType int) (Interaction, error)
	// Release undoes an Acknowledge whose response could not be made, so the application
	// may try again; ErrNotFound if absent.
	Release(ctx context.Context, id snowflake.ID) error
	// SetResponse records the message of the initial response; ErrNotFound if absent.
	SetResponse(ctx context.Context, id, messageID snowflake.ID) error
	// SetData replaces the domain's document (a modal's definition, once the response opened
	// one); ErrNotFound if absent.
	SetData(ctx context.Context, id snowflake.ID, data json.RawMessage) error
	// PutMessage inserts or replaces an ephemeral message.
	PutMessage(ctx context.Context, m InteractionMessage) error
	// GetMessage returns an ephemeral message that has not expired at now; ErrNotFound
	// otherwise.
	GetMessage(ctx context.Context, id snowflake.ID, now time.Time) (InteractionMessage, error)
	// DeleteMessage removes an ephemeral message; ErrNotFound if absent.
	DeleteMessage(ctx context.Context, id snowflake.ID) error
	// DeleteExpired removes at most limit interactions and at most limit ephemeral messages
	// that expired at or before now, oldest first, and reports how many rows went: a bounded
	// clean-up the domain can run on every new interaction.
	DeleteExpired(ctx context.Context, now time.Time, limit int) (int, error)
}

// ScheduledEvent is a guild scheduled event. Exceptions (changed or canceled occurrences of
// a recurring event) and the recurrence rule live in the record; subscribers live beside it
// (ScheduledEventStore.AddUser) because they are many and change often.
type ScheduledEvent struct {
	ID           snowflake.ID
	GuildID      snowflake.ID
	ChannelID    snowflake.ID // zero for external events
	CreatorID    snowflake.ID
	Name         string
	Description  *string
	Image        *string // cover image hash; the bytes are in ImageStore
	Start        time.Time
	End          *time.Time
	PrivacyLevel int
	Status       int
	EntityType   int
	EntityID     snowflake.ID
	Location     string // entity_metadata.location of external events
	// Recurrence is the recurrence rule as the domain encoded it; nil for none.
	Recurrence json.RawMessage
	Exceptions []ScheduledEventException
}

// ScheduledEventException overrides or cancels one occurrence of a recurring event; ID is
// the snowflake of the occurrence's original start time, as Discord mints it.
type ScheduledEventException struct {
	ID       snowflake.ID
	Start    *time.Time
	End      *time.Time
	Canceled bool
}

// ScheduledEventStore persists scheduled events and who is interested in them.
type ScheduledEventStore interface {
	Create(ctx context.Context, e ScheduledEvent) error
	// Get returns one event of a guild; ErrNotFound if the guild has no such event.
	Get(ctx context.Context, guildID, id snowflake.ID) (ScheduledEvent, error)
	// ListByGuild returns a guild's events in ID order.
	ListByGuild(ctx context.Context, guildID snowflake.ID) ([]ScheduledEvent, error)
	// Update replaces everything but ID and GuildID.
	Update(ctx context.Context, e ScheduledEvent) error
	// Delete removes the event with its subscribers.
	Delete(ctx context.Context, guildID, id snowflake.ID) error
	// AddUser records userID's interest in the event (exceptionID zero: the whole series);
	// ErrConflict if it was already recorded.
	AddUser(ctx context.Context, eventID, exceptionID, userID snowflake.ID) error
	// RemoveUser removes it; ErrNotFound if there was none.
	RemoveUser(ctx context.Context, eventID, exceptionID, userID snowflake.ID) error
	// ListUsers returns the interested users of (eventID, exceptionID) in user ID order,
	// strictly between after and before (zero: unbounded), at most limit; with before set
	// and after zero it returns the limit users just below before, still in ascending order.
	ListUsers(ctx context.Context, eventID, exceptionID, before, after snowflake.ID, limit int) ([]snowflake.ID, error)
	// CountUsers returns how many users are interested in each of the events' series
	// (exception zero) and exceptions: counts[eventID][exceptionID]. Absent means none.
	CountUsers(ctx context.Context, eventIDs []snowflake.ID) (map[snowflake.ID]map[snowflake.ID]int, error)
	// DeleteUsers removes every subscription of userID in the guild (the member left).
	DeleteUsers(ctx context.Context, guildID, userID snowflake.ID) error
}

// Sticker is a guild sticker; Image is the uploaded PNG, APNG, GIF or Lottie JSON.
type Sticker struct {
	ID          snowflake.ID
	GuildID     snowflake.ID
	Name        string
	Description string
	Tags        string
	FormatType  int
	Available   bool
	CreatorID   snowflake.ID
	Image       []byte `json:"-"`
}

// StickerStore persists guild stickers.
type StickerStore interface {
	Create(ctx context.Context, st Sticker) error
	// Get returns a sticker by ID alone (GET /stickers/{id} does not name the guild), with
	// Image.
	Get(ctx context.Context, id snowflake.ID) (Sticker, error)
	// ListByGuild returns a guild's stickers in ID order, without Image.
	ListByGuild(ctx context.Context, guildID snowflake.ID) ([]Sticker, error)
	// Update replaces name, description, tags and availability; the image never changes.
	Update(ctx context.Context, st Sticker) error
	Delete(ctx context.Context, guildID, id snowflake.ID) error
}

// StageInstance is the live stage in a stage channel; a channel has at most one.
type StageInstance struct {
	ID                   snowflake.ID
	GuildID              snowflake.ID
	ChannelID            snowflake.ID
	Topic                string
	PrivacyLevel         int
	ScheduledEventID     snowflake.ID
	DiscoverableDisabled bool
}

// StageInstanceStore persists stage instances, keyed by their channel.
type StageInstanceStore interface {
	// Create inserts si; ErrConflict if its channel already has one.
	Create(ctx context.Context, si StageInstance) error
	Get(ctx context.Context, channelID snowflake.ID) (StageInstance, error)
	// ListByGuild returns a guild's stage instances in ID order.
	ListByGuild(ctx context.Context, guildID snowflake.ID) ([]StageInstance, error)
	// Update replaces topic, privacy level and the scheduled event.
	Update(ctx context.Context, si StageInstance) error
	Delete(ctx context.Context, channelID snowflake.ID) error
}

// Sound is a guild soundboard sound; Data is the MP3 or Ogg file.
type Sound struct {
	ID        snowflake.ID
	GuildID   snowflake.ID
	Name      string
	Volume    float64
	EmojiID   snowflake.ID
	EmojiName *string
	Available bool
	CreatorID snowflake.ID
	Data      []byte `json:"-"`
}

// SoundStore persists soundboard sounds.
type SoundStore interface {
	Create(ctx context.Context, snd Sound) error
	// Get returns one sound of a guild, with Data.
	Get(ctx context.Context, guildID, id snowflake.ID) (Sound, error)
	// GetByID returns a sound by ID alone, with Data: the CDN path names no guild.
	GetByID(ctx context.Context, id snowflake.ID) (Sound, error)
	// ListByGuild returns a guild's sounds in ID order, without Data.
	ListByGuild(ctx context.Context, guildID snowflake.ID) ([]Sound, error)
	// Update replaces name, volume, emoji and availability; the file never changes.
	Update(ctx context.Context, snd Sound) error
	Delete(ctx context.Context, guildID, id snowflake.ID) error
}

// Image is an uploaded picture whose record keeps only a hash (avatars, guild icons, scheduled
// event covers): the CDN route finds the bytes by what its path names.
type Image struct {
	Kind    string // the CDN path segment: "avatars", "icons", "guild-events", ...
	OwnerID snowflake.ID
	Hash    string
	Data    []byte
}

// ImageStore persists the bytes behind image hashes.
type ImageStore interface {
	// Put stores img; storing the same (Kind, OwnerID, Hash) again is not an error.
	Put(ctx context.Context, img Image) error
	// Get returns ErrNotFound unless that image was put.
	Get(ctx context.Context, kind string, ownerID snowflake.ID, hash string) (Image, error)
}
