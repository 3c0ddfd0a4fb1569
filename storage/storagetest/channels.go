package storagetest

import (
	"fmt"
	"testing"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

func testChannels(t *testing.T, s storage.Store) {
	ctx := t.Context()
	cs := s.Channels()
	g := sf(100)
	// (position, id) ordering with a tie on position.
	c3 := newChannel(3, g, 1)
	c1 := newChannel(1, g, 2)
	c2 := newChannel(2, g, 1)
	c2.Topic, c2.NSFW, c2.ParentID, c2.LastPinAt = ptr("topic"), true, sf(9), ptr(at(1))
	for _, c := range []storage.Channel{c1, c2, c3, newChannel(4, sf(200), 0)} {
		noErr(t, cs.Create(ctx, c), "create channel")
	}
	wantErr(t, cs.Create(ctx, c1), storage.ErrConflict, "duplicate channel")

	got, err := cs.Get(ctx, c2.ID)
	noErr(t, err, "get channel")
	equal(t, "get channel", got, c2)
	_, err = cs.Get(ctx, sf(99))
	wantErr(t, err, storage.ErrNotFound, "get unknown channel")

	list, err := cs.ListByGuild(ctx, g)
	noErr(t, err, "list channels")
	equal(t, "channel order", idsOf(list, func(c storage.Channel) snowflake.ID { return c.ID }), sfs(2, 3, 1))

	upd := c1
	upd.Name, upd.Topic, upd.GuildID, upd.Overwrites = "renamed", ptr("t"), sf(555), nil
	noErr(t, cs.Update(ctx, upd), "update channel")
	got, err = cs.Get(ctx, c1.ID)
	noErr(t, err, "get updated channel")
	upd.GuildID = g // GuildID is kept
	equal(t, "updated channel", got, upd)
	wantErr(t, cs.Update(ctx, newChannel(99, g, 0)), storage.ErrNotFound, "update unknown channel")

	noErr(t, cs.UpdatePositions(ctx, g, map[snowflake.ID]int{sf(1): 0, sf(2): 5, sf(3): 3}), "update positions")
	list, err = cs.ListByGuild(ctx, g)
	noErr(t, err, "list after reorder")
	equal(t, "order after reorder", idsOf(list, func(c storage.Channel) snowflake.ID { return c.ID }), sfs(1, 3, 2))
	if err := cs.UpdatePositions(ctx, g, map[snowflake.ID]int{sf(1): 9, sf(4): 9}); err == nil {
		t.Fatalf("update positions with a foreign channel: got nil error, want one")
	}
	got, err = cs.Get(ctx, sf(1))
	noErr(t, err, "get after failed reorder")
	equal(t, "position after failed reorder", got.Position, 0)

	t.Run("FindDM", func(t *testing.T) {
		dm := storage.Channel{ID: sf(10), Type: 1, Recipients: sfs(21, 20)}
		group := storage.Channel{ID: sf(11), Type: 3, Recipients: sfs(20, 22)}
		noErr(t, cs.Create(ctx, dm), "create dm")
		noErr(t, cs.Create(ctx, group), "create group dm")
		for _, pair := range [][2]int{{20, 21}, {21, 20}} {
			got, err := cs.FindDM(ctx, sf(pair[0]), sf(pair[1]))
			noErr(t, err, "find dm")
			equal(t, "find dm", got, dm)
		}
		_, err := cs.FindDM(ctx, sf(20), sf(22))
		wantErr(t, err, storage.ErrNotFound, "find dm matching only a group dm")
		_, err = cs.FindDM(ctx, sf(20), sf(23))
		wantErr(t, err, storage.ErrNotFound, "find unknown dm")
	})

	t.Run("SetLastMessage", func(t *testing.T) {
		noErr(t, cs.SetLastMessage(ctx, sf(3), sf(50)), "set last message")
		noErr(t, cs.SetLastMessage(ctx, sf(3), sf(40)), "set older last message")
		got, err := cs.Get(ctx, sf(3))
		noErr(t, err, "get channel")
		equal(t, "last message only moves forward", got.LastMessageID, sf(50))
		noErr(t, cs.SetLastMessage(ctx, sf(3), sf(60)), "set newer last message")
		got, err = cs.Get(ctx, sf(3))
		noErr(t, err, "get channel")
		equal(t, "last message", got.LastMessageID, sf(60))
		wantErr(t, cs.SetLastMessage(ctx, sf(99), sf(60)), storage.ErrNotFound, "set last message of unknown channel")

		stale := got
		stale.LastMessageID = sf(1)
		stale.Name = "renamed"
		noErr(t, cs.Update(ctx, stale), "update from a stale copy")
		got, err = cs.Get(ctx, sf(3))
		noErr(t, err, "get channel")
		equal(t, "name after update", got.Name, "renamed")
		equal(t, "last message after a stale update", got.LastMessageID, sf(60))
	})
}

func testChannelDelete(t *testing.T, s storage.Store) {
	ctx := t.Context()
	g := sf(100)
	for _, n := range []int{1, 2} {
		ch := sf(n)
		noErr(t, s.Channels().Create(ctx, newChannel(n, g, 0)), "create channel")
		createMessages(t, s, ch, g, n*10, n*10+1)
		noErr(t, s.Reactions().Add(ctx, storage.Reaction{ChannelID: ch, MessageID: sf(n * 10), EmojiKey: "x", EmojiName: "x", UserID: sf(5), CreatedAt: at(1)}), "add reaction")
		noErr(t, s.Invites().Create(ctx, storage.Invite{Code: fmt.Sprint("c", n), GuildID: g, ChannelID: ch, CreatedAt: at(1)}), "create invite")
		noErr(t, s.Webhooks().Create(ctx, storage.Webhook{ID: sf(n + 50), GuildID: g, ChannelID: ch, Token: "t"}), "create webhook")
		noErr(t, s.Attachments().Put(ctx, newAttachment(n+60, ch, sf(n*10))), "put attachment")
		noErr(t, s.VoiceStates().Put(ctx, storage.VoiceState{GuildID: g, UserID: sf(n + 70), ChannelID: ch, SessionID: "s"}, 0), "put voice state")
	}
	noErr(t, s.Channels().Delete(ctx, sf(1)), "delete channel")
	vs, err := s.VoiceStates().ListByGuild(ctx, g)
	noErr(t, err, "list voice states")
	equal(t, "voice states left", idsOf(vs, func(v storage.VoiceState) snowflake.ID { return v.UserID }), sfs(72))
	wantErr(t, s.Channels().Delete(ctx, sf(1)), storage.ErrNotFound, "delete channel twice")

	_, err = s.Channels().Get(ctx, sf(1))
	wantErr(t, err, storage.ErrNotFound, "deleted channel")
	ms, err := s.Messages().List(ctx, sf(1), storage.Page{Limit: 100})
	noErr(t, err, "list messages")
	equal(t, "messages of deleted channel", len(ms), 0)
	rs, err := s.Reactions().ListForMessages(ctx, sfs(10, 20))
	noErr(t, err, "list reactions")
	equal(t, "reactions left", idsOf(rs, func(r storage.Reaction) snowflake.ID { return r.MessageID }), sfs(20))
	_, err = s.Invites().Get(ctx, "c1")
	wantErr(t, err, storage.ErrNotFound, "invite of deleted channel")
	_, err = s.Webhooks().Get(ctx, sf(51))
	wantErr(t, err, storage.ErrNotFound, "webhook of deleted channel")
	attachmentGone(t, s, sf(1), sf(61), true, "attachment of deleted channel")
	attachmentGone(t, s, sf(2), sf(62), false, "other channel's attachment")

	ms, err = s.Messages().List(ctx, sf(2), storage.Page{Limit: 100})
	noErr(t, err, "list other channel")
	equal(t, "other channel's messages", msgIDs(ms), sfs(21, 20))
	_, err = s.Invites().Get(ctx, "c2")
	noErr(t, err, "other channel's invite")
	_, err = s.Webhooks().Get(ctx, sf(52))
	noErr(t, err, "other channel's webhook")
}
