package storagetest

import (
	"testing"
	"time"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

func thread(n int, guild, parent snowflake.ID, typ int, archived bool, archivedAt time.Time) storage.Channel {
	return storage.Channel{ID: sf(n), GuildID: guild, Type: typ, Name: "thread", ParentID: parent, OwnerID: sf(5),
		AppliedTags: sfs(70), Thread: &storage.ThreadMeta{Archived: archived, AutoArchiveDuration: 60,
			ArchiveTimestamp: archivedAt, Invitable: true, CreateTimestamp: at(0)}}
}

func channelIDs(cs []storage.Channel) []snowflake.ID {
	return idsOf(cs, func(c storage.Channel) snowflake.ID { return c.ID })
}

func testThreads(t *testing.T, s storage.Store) {
	ctx := t.Context()
	cs := s.Channels()
	g := sf(100)
	parent := storage.Channel{ID: sf(10), GuildID: g, Type: 15, Name: "forum",
		AvailableTags:        []storage.ForumTag{{ID: sf(70), Name: "bug", EmojiName: ptr("🐛")}},
		DefaultReactionEmoji: &storage.DefaultReaction{EmojiName: ptr("👍")}, DefaultSortOrder: ptr(1), DefaultForumLayout: 2,
		DefaultThreadRateLimitPerUser: 5, DefaultAutoArchiveDuration: 1440}
	noErr(t, cs.Create(ctx, parent), "create forum")
	got, err := cs.Get(ctx, parent.ID)
	noErr(t, err, "get forum")
	equal(t, "forum settings round-trip", got, parent)

	active := thread(20, g, parent.ID, 11, false, at(1))
	for _, c := range []storage.Channel{active,
		thread(21, g, parent.ID, 11, true, at(2)), thread(22, g, parent.ID, 11, true, at(3)), thread(23, g, parent.ID, 11, true, at(4)),
		thread(24, g, parent.ID, 12, true, at(5)), thread(25, g, parent.ID, 12, true, at(6)),
		thread(26, sf(200), sf(11), 11, false, at(1))} {
		noErr(t, cs.Create(ctx, c), "create thread")
	}
	got, err = cs.Get(ctx, active.ID)
	noErr(t, err, "get thread")
	equal(t, "thread round-trip", got, active)

	list, err := cs.ListByGuild(ctx, g)
	noErr(t, err, "list channels")
	equal(t, "guild channel list leaves threads out", channelIDs(list), sfs(10))
	list, err = cs.ListActiveThreads(ctx, g)
	noErr(t, err, "list active threads")
	equal(t, "active threads", channelIDs(list), sfs(20))

	page, more, err := cs.ListArchivedThreads(ctx, storage.ArchivedQuery{ParentID: parent.ID, Limit: 2})
	noErr(t, err, "archived public")
	equal(t, "archived public, newest archive first", channelIDs(page), sfs(23, 22))
	equal(t, "has more", more, true)
	page, more, err = cs.ListArchivedThreads(ctx, storage.ArchivedQuery{ParentID: parent.ID, Limit: 2, Before: at(3)})
	noErr(t, err, "archived public before")
	equal(t, "archived public before", channelIDs(page), sfs(21))
	equal(t, "no more", more, false)
	page, _, err = cs.ListArchivedThreads(ctx, storage.ArchivedQuery{ParentID: parent.ID, Private: true, Limit: 50})
	noErr(t, err, "archived private")
	equal(t, "archived private", channelIDs(page), sfs(25, 24))

	// Thread members keep the thread's member count.
	tm := s.ThreadMembers()
	m := storage.ThreadMember{ThreadID: sf(24), GuildID: g, UserID: sf(5), JoinTimestamp: at(7), Flags: 1}
	noErr(t, tm.Add(ctx, m), "add thread member")
	noErr(t, tm.Add(ctx, storage.ThreadMember{ThreadID: sf(24), GuildID: g, UserID: sf(3), JoinTimestamp: at(8)}), "add second")
	noErr(t, tm.Add(ctx, storage.ThreadMember{ThreadID: sf(20), GuildID: g, UserID: sf(5), JoinTimestamp: at(8)}), "add to other thread")
	wantErr(t, tm.Add(ctx, m), storage.ErrConflict, "add twice")
	wantErr(t, tm.Add(ctx, storage.ThreadMember{ThreadID: sf(10), GuildID: g, UserID: sf(5)}), storage.ErrNotFound, "add to a non-thread")
	gm, err := tm.Get(ctx, sf(24), sf(5))
	noErr(t, err, "get thread member")
	equal(t, "thread member round-trip", gm, m)
	members, err := tm.List(ctx, sf(24), 0, 0)
	noErr(t, err, "list thread members")
	equal(t, "thread members by user", idsOf(members, func(m storage.ThreadMember) snowflake.ID { return m.UserID }), sfs(3, 5))
	members, err = tm.List(ctx, sf(24), sf(3), 1)
	noErr(t, err, "list thread members after")
	equal(t, "thread members after", idsOf(members, func(m storage.ThreadMember) snowflake.ID { return m.UserID }), sfs(5))
	mine, err := tm.ListForUser(ctx, sf(5), sfs(20, 24, 25))
	noErr(t, err, "list for user")
	equal(t, "user's memberships", idsOf(mine, func(m storage.ThreadMember) snowflake.ID { return m.ThreadID }), sfs(20, 24))
	got, err = cs.Get(ctx, sf(24))
	noErr(t, err, "get thread with members")
	equal(t, "member count", got.MemberCount, 2)

	page, _, err = cs.ListArchivedThreads(ctx, storage.ArchivedQuery{ParentID: parent.ID, Private: true, JoinedBy: sf(5), Limit: 50})
	noErr(t, err, "joined private")
	equal(t, "joined private", channelIDs(page), sfs(24))
	page, _, err = cs.ListArchivedThreads(ctx, storage.ArchivedQuery{ParentID: parent.ID, Private: true, JoinedBy: sf(5), BeforeID: sf(24), Limit: 50})
	noErr(t, err, "joined private before")
	equal(t, "joined private before", len(page), 0)

	noErr(t, tm.Remove(ctx, sf(24), sf(3)), "remove thread member")
	wantErr(t, tm.Remove(ctx, sf(24), sf(3)), storage.ErrNotFound, "remove twice")
	got, _ = cs.Get(ctx, sf(24))
	equal(t, "member count after remove", got.MemberCount, 1)

	// Messages count in a thread, except the forum post's first (its ID is the thread's).
	ms := s.Messages()
	for _, id := range []snowflake.ID{active.ID, sf(30), sf(31)} {
		noErr(t, ms.Create(ctx, storage.Message{ID: id, ChannelID: active.ID, GuildID: g, AuthorID: sf(5), Content: "x"}), "create message")
	}
	noErr(t, ms.Create(ctx, storage.Message{ID: sf(32), ChannelID: parent.ID, GuildID: g, AuthorID: sf(5), Content: "x"}), "create parent message")
	noErr(t, ms.Delete(ctx, active.ID, sf(31)), "delete message")
	got, _ = cs.Get(ctx, active.ID)
	equal(t, "message_count", got.MessageCount, 1)
	equal(t, "total_message_sent", got.TotalMessageSent, 2)
	equal(t, "last message", got.LastMessageID, sf(31))
	// Update neither writes the counters nor moves them back.
	stale := active
	stale.Name = "renamed"
	noErr(t, cs.Update(ctx, stale), "update thread")
	got, _ = cs.Get(ctx, active.ID)
	equal(t, "counters survive update", [2]int{got.MessageCount, got.TotalMessageSent}, [2]int{1, 2})
	parentAfter, _ := cs.Get(ctx, parent.ID)
	equal(t, "parent not counted", parentAfter.MessageCount, 0)

	// Due threads: an hour after the later of the archive-state change and the last message.
	// The last message here is sf(31) (2015), so the archive timestamp decides.
	due, err := cs.ListDueThreads(ctx, at(1).Add(59*time.Minute), 10)
	noErr(t, err, "due early")
	equal(t, "none due before the hour", len(due), 0)
	due, err = cs.ListDueThreads(ctx, at(1).Add(time.Hour), 10)
	noErr(t, err, "due")
	equal(t, "both active threads due", sorted(channelIDs(due)), sfs(20, 26))
	due, err = cs.ListDueThreads(ctx, at(1).Add(time.Hour), 1)
	noErr(t, err, "due limited")
	equal(t, "limit", len(due), 1)
	recent := snowflake.FromTime(at(1).Add(30 * time.Minute))
	noErr(t, ms.Create(ctx, storage.Message{ID: recent, ChannelID: active.ID, GuildID: g, AuthorID: sf(5), Content: "x"}), "recent message")
	due, _ = cs.ListDueThreads(ctx, at(1).Add(time.Hour), 10)
	equal(t, "a recent message postpones", channelIDs(due), sfs(26))
	archived := active
	archived.Thread = &storage.ThreadMeta{Archived: true, AutoArchiveDuration: 60, ArchiveTimestamp: at(9)}
	noErr(t, cs.Update(ctx, archived), "archive thread")
	list, _ = cs.ListActiveThreads(ctx, g)
	equal(t, "archived thread leaves the active list", len(list), 0)

	// Deleting the parent deletes its threads, their messages and members.
	noErr(t, cs.Delete(ctx, parent.ID), "delete parent")
	_, err = cs.Get(ctx, active.ID)
	wantErr(t, err, storage.ErrNotFound, "thread of deleted parent")
	_, err = ms.Get(ctx, active.ID, sf(30))
	wantErr(t, err, storage.ErrNotFound, "message of deleted thread")
	_, err = tm.Get(ctx, sf(24), sf(5))
	wantErr(t, err, storage.ErrNotFound, "member of deleted thread")
	_, err = cs.Get(ctx, sf(26))
	noErr(t, err, "another guild's thread stays")
}
