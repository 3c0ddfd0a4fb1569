package opcodes

import "github.com/parley-chat/parley/snowflake"

// Thread event names. Discord sends all of them under the GUILDS intent; THREAD_MEMBERS_UPDATE
// about other users additionally needs GUILD_MEMBERS (see EventIntent and the gateway).
const (
	EventThreadCreate        EventName = "THREAD_CREATE"
	EventThreadUpdate        EventName = "THREAD_UPDATE"
	EventThreadDelete        EventName = "THREAD_DELETE"
	EventThreadListSync      EventName = "THREAD_LIST_SYNC"
	EventThreadMemberUpdate  EventName = "THREAD_MEMBER_UPDATE"
	EventThreadMembersUpdate EventName = "THREAD_MEMBERS_UPDATE"
)

// Message types of thread creation: the notice in the parent (18) and the starter message
// copied into a thread started from a message (21).
const (
	MessageThreadCreated        MessageType = 18
	MessageThreadStarterMessage MessageType = 21
)

// Channel flags Discord documents for threads and forums.
const (
	// ChannelFlagPinned marks a forum or media post pinned to the top of its channel.
	ChannelFlagPinned = 1 << 1
	// ChannelFlagRequireTag makes a forum or media channel refuse posts without a tag.
	ChannelFlagRequireTag = 1 << 4
	// ChannelFlagHideMediaDownloadOptions is a media channel's option.
	ChannelFlagHideMediaDownloadOptions = 1 << 15
)

// ThreadMetadata is a thread channel's thread_metadata.
type ThreadMetadata struct {
	Archived            bool       `json:"archived"`
	AutoArchiveDuration int        `json:"auto_archive_duration"`
	ArchiveTimestamp    Timestamp  `json:"archive_timestamp"`
	Locked              bool       `json:"locked"`
	Invitable           *bool      `json:"invitable,omitempty"`
	CreateTimestamp     *Timestamp `json:"create_timestamp,omitempty"`
}

// ThreadMember is one user's membership of a thread; ID is the thread. Member is set only
// where Discord documents it (with_member=true, THREAD_MEMBERS_UPDATE's added members).
type ThreadMember struct {
	ID            snowflake.ID `json:"id"`
	UserID        snowflake.ID `json:"user_id"`
	JoinTimestamp Timestamp    `json:"join_timestamp"`
	Flags         int          `json:"flags"`
	Member        *Member      `json:"member,omitempty"`
}

// ForumTag is one of a forum or media channel's available_tags.
type ForumTag struct {
	ID        snowflake.ID  `json:"id"`
	Name      string        `json:"name"`
	Moderated bool          `json:"moderated"`
	EmojiID   *snowflake.ID `json:"emoji_id"`
	EmojiName *string       `json:"emoji_name"`
}

// DefaultReaction is a forum or media channel's default_reaction_emoji.
type DefaultReaction struct {
	EmojiID   *snowflake.ID `json:"emoji_id"`
	EmojiName *string       `json:"emoji_name"`
}

// ThreadList is the answer of the archived-thread lists and GET /guilds/{id}/threads/active:
// the threads, the caller's thread members among them, and whether more pages exist.
type ThreadList struct {
	Threads []Channel      `json:"threads"`
	Members []ThreadMember `json:"members"`
	HasMore bool           `json:"has_more"`
}

// ThreadDelete is THREAD_DELETE's d.
type ThreadDelete struct {
	ID       snowflake.ID `json:"id"`
	GuildID  snowflake.ID `json:"guild_id"`
	ParentID snowflake.ID `json:"parent_id"`
	Type     ChannelType  `json:"type"`
}

// ThreadMemberUpdate is THREAD_MEMBER_UPDATE's d: the member with the guild's ID.
type ThreadMemberUpdate struct {
	ThreadMember
	GuildID snowflake.ID `json:"guild_id"`
}

// ThreadMembersUpdate is THREAD_MEMBERS_UPDATE's d.
type ThreadMembersUpdate struct {
	ID               snowflake.ID       `json:"id"`
	GuildID          snowflake.ID       `json:"guild_id"`
	MemberCount      int                `json:"member_count"`
	AddedMembers     []ThreadMemberFull `json:"added_members,omitempty"`
	RemovedMemberIDs []snowflake.ID     `json:"removed_member_ids,omitempty"`
}

// ThreadMemberFull is a thread member with its guild member and presence, as
// THREAD_MEMBERS_UPDATE's added_members carry it.
type ThreadMemberFull struct {
	ThreadMember
	Presence *Presence `json:"presence"`
}

// ThreadListSync is THREAD_LIST_SYNC's d: the active threads of channel_ids (all the guild's
// when absent) that the user can now see, and the user's memberships among them. Discord
// sends it to a user who gains VIEW_CHANNEL on a channel with active threads (a role or
// overwrite change). Parley does not produce it yet: its clients get the threads from
// GUILD_CREATE and GET /guilds/{id}/threads/active.
type ThreadListSync struct {
	GuildID    snowflake.ID   `json:"guild_id"`
	ChannelIDs []snowflake.ID `json:"channel_ids,omitempty"`
	Threads    []Channel      `json:"threads"`
	Members    []ThreadMember `json:"members"`
}
