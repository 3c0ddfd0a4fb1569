package opcodes

import (
	"encoding/json"

	"github.com/parley-chat/parley/snowflake"
)

// Scheduled event entity types, statuses and privacy level.
const (
	EntityStageInstance = 1
	EntityVoice         = 2
	EntityExternal      = 3

	EventStatusScheduled = 1
	EventStatusActive    = 2
	EventStatusCompleted = 3
	EventStatusCanceled  = 4

	EventPrivacyGuildOnly = 2
)

// ScheduledEvent is Discord's guild scheduled event object.
type ScheduledEvent struct {
	ID                 snowflake.ID         `json:"id"`
	GuildID            snowflake.ID         `json:"guild_id"`
	ChannelID          *snowflake.ID        `json:"channel_id"`
	CreatorID          *snowflake.ID        `json:"creator_id"`
	Creator            *User                `json:"creator,omitempty"`
	Name               string               `json:"name"`
	Description        *string              `json:"description"`
	Image              *string              `json:"image"`
	ScheduledStartTime Timestamp            `json:"scheduled_start_time"`
	ScheduledEndTime   *Timestamp           `json:"scheduled_end_time"`
	Status             int                  `json:"status"`
	EntityType         int                  `json:"entity_type"`
	EntityID           *snowflake.ID        `json:"entity_id"`
	EntityMetadata     *EntityMetadata      `json:"entity_metadata"`
	RecurrenceRule     json.RawMessage      `json:"recurrence_rule"`
	PrivacyLevel       int                  `json:"privacy_level"`
	UserCount          *int                 `json:"user_count,omitempty"`
	Exceptions         []ScheduledException `json:"guild_scheduled_event_exceptions"`
}

// EntityMetadata is a scheduled event's entity_metadata: the location of an external event
// (null for stage and voice events).
type EntityMetadata struct {
	Location string `json:"location"`
}

// ScheduledException is one changed or canceled occurrence of a recurring event.
type ScheduledException struct {
	EventID            snowflake.ID `json:"event_id"`
	EventExceptionID   snowflake.ID `json:"event_exception_id"`
	ScheduledStartTime *Timestamp   `json:"scheduled_start_time"`
	ScheduledEndTime   *Timestamp   `json:"scheduled_end_time"`
	IsCanceled         bool         `json:"is_canceled"`
}

// ScheduledEventUser is one subscriber of GET .../scheduled-events/{id}/users.
type ScheduledEventUser struct {
	GuildScheduledEventID snowflake.ID `json:"guild_scheduled_event_id"`
	// ExceptionID is set on the exception users list.
	ExceptionID *snowflake.ID `json:"guild_scheduled_event_exception_id,omitempty"`
	UserID      snowflake.ID  `json:"user_id"`
	User        User          `json:"user"`
	Member      *Member       `json:"member,omitempty"`
	// Response is 1, INTERESTED: Parley records interest only.
	Response int `json:"response"`
}

// ScheduledEventUserCounts is GET .../users/counts.
type ScheduledEventUserCounts struct {
	Count           int                  `json:"guild_scheduled_event_count"`
	ExceptionCounts map[snowflake.ID]int `json:"guild_scheduled_event_exception_counts"`
}

// ScheduledEventUserEvent is GUILD_SCHEDULED_EVENT_USER_ADD and _REMOVE.
type ScheduledEventUserEvent struct {
	GuildScheduledEventID snowflake.ID `json:"guild_scheduled_event_id"`
	UserID                snowflake.ID `json:"user_id"`
	GuildID               snowflake.ID `json:"guild_id"`
	// ExceptionID is the occurrence the user subscribed to, when it is not the whole series.
	ExceptionID *snowflake.ID `json:"guild_scheduled_event_exception_id,omitempty"`
}

// StageInstance is Discord's stage instance object.
type StageInstance struct {
	ID                    snowflake.ID  `json:"id"`
	GuildID               snowflake.ID  `json:"guild_id"`
	ChannelID             snowflake.ID  `json:"channel_id"`
	Topic                 string        `json:"topic"`
	PrivacyLevel          int           `json:"privacy_level"`
	DiscoverableDisabled  bool          `json:"discoverable_disabled"`
	GuildScheduledEventID *snowflake.ID `json:"guild_scheduled_event_id"`
}

// SoundboardSound is Discord's soundboard sound object.
type SoundboardSound struct {
	Name      string        `json:"name"`
	SoundID   snowflake.ID  `json:"sound_id"`
	Volume    float64       `json:"volume"`
	EmojiID   *snowflake.ID `json:"emoji_id"`
	EmojiName *string       `json:"emoji_name"`
	GuildID   *snowflake.ID `json:"guild_id,omitempty"`
	Available bool          `json:"available"`
	User      *User         `json:"user,omitempty"`
}

// SoundboardSounds is GET /guilds/{id}/soundboard-sounds and the SOUNDBOARD_SOUNDS and
// GUILD_SOUNDBOARD_SOUNDS_UPDATE dispatches (the list endpoint's key is items).
type SoundboardSounds struct {
	Items []SoundboardSound `json:"items"`
}

// GuildSoundboardSounds is SOUNDBOARD_SOUNDS and GUILD_SOUNDBOARD_SOUNDS_UPDATE.
type GuildSoundboardSounds struct {
	SoundboardSounds []SoundboardSound `json:"soundboard_sounds"`
	GuildID          snowflake.ID      `json:"guild_id"`
}

// SoundboardSoundDelete is GUILD_SOUNDBOARD_SOUND_DELETE.
type SoundboardSoundDelete struct {
	SoundID snowflake.ID `json:"sound_id"`
	GuildID snowflake.ID `json:"guild_id"`
}

// GuildStickersUpdate is GUILD_STICKERS_UPDATE; Stickers is the full list.
type GuildStickersUpdate struct {
	GuildID  snowflake.ID `json:"guild_id"`
	Stickers []Sticker    `json:"stickers"`
}

// ApplicationEmojis is GET /applications/{id}/emojis.
type ApplicationEmojis struct {
	Items []Emoji `json:"items"`
}
