package storagetest

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

func testMessages(t *testing.T, s storage.Store) {
	ctx := t.Context()
	m := s.Messages()
	ch, g := sf(1), sf(100)
	full := storage.Message{
		ID: sf(10), ChannelID: ch, GuildID: g, AuthorID: sf(5), Type: 19, Content: "hello <@1> & <b>",
		TTS: true, MentionEveryone: true, Mentions: sfs(5, 6), MentionRoles: sfs(7), WebhookID: sf(8), WebhookName: "hook",
		WebhookAvatar: ptr("av"), ApplicationID: sf(9), Flags: 4,
		Embeds:      json.RawMessage(`[ {"title": "a <b>",  "x":1} ]`),
		Attachments: json.RawMessage(`[]`),
		Nonce:       json.RawMessage(`"12345"`),
		Interaction: json.RawMessage(`{"m": {"id": "1"}}`),
		EditedAt:    ptr(at(3)),
		Reference:   &storage.MessageReference{Type: 0, MessageID: sf(3), ChannelID: ch, GuildID: g},
	}
	noErr(t, m.Create(ctx, full), "create message")
	wantErr(t, m.Create(ctx, full), storage.ErrConflict, "duplicate message")
	got, err := m.Get(ctx, ch, full.ID)
	noErr(t, err, "get message")
	equal(t, "message (raw JSON verbatim)", got, full)
	_, err = m.Get(ctx, sf(2), full.ID)
	wantErr(t, err, storage.ErrNotFound, "get message through another channel")

	full.Content, full.EditedAt, full.Components = "edited", ptr(at(4)), json.RawMessage(`[{"type":1}]`)
	noErr(t, m.Update(ctx, full), "update message")
	got, err = m.Get(ctx, ch, full.ID)
	noErr(t, err, "get updated message")
	equal(t, "updated message", got, full)
	wantErr(t, m.Update(ctx, newMessage(99, ch, g)), storage.ErrNotFound, "update unknown message")

	t.Run("GetMany", func(t *testing.T) {
		createMessages(t, s, ch, g, 60, 61, 62)
		createMessages(t, s, sf(2), g, 63)
		got, err := m.GetMany(ctx, ch, sfs(62, 60, 60, 63, 999))
		noErr(t, err, "get many messages")
		slices.SortFunc(got, func(a, b storage.Message) int { return cmp.Compare(a.ID, b.ID) })
		equal(t, "get many (unknown and other channels' IDs skipped)", got,
			[]storage.Message{newMessage(60, ch, g), newMessage(62, ch, g)})
		got, err = m.GetMany(ctx, ch, nil)
		noErr(t, err, "get many of none")
		equal(t, "get many of none", len(got), 0)
	})

	t.Run("CreateMovesLastMessage", func(t *testing.T) {
		c := newChannel(500, g, 0)
		noErr(t, s.Channels().Create(ctx, c), "create channel")
		createMessages(t, s, c.ID, g, 510)
		got, err := s.Channels().Get(ctx, c.ID)
		noErr(t, err, "get channel")
		equal(t, "last message after create", got.LastMessageID, sf(510))
		createMessages(t, s, c.ID, g, 505) // an older ID (another node's clock) does not move it back
		got, err = s.Channels().Get(ctx, c.ID)
		noErr(t, err, "get channel")
		equal(t, "last message only moves forward", got.LastMessageID, sf(510))
		wantErr(t, m.Create(ctx, newMessage(510, c.ID, g)), storage.ErrConflict, "duplicate message")
		got, err = s.Channels().Get(ctx, c.ID)
		noErr(t, err, "get channel")
		equal(t, "last message after a failed create", got.LastMessageID, sf(510))
	})

	t.Run("ListPinned", func(t *testing.T) {
		createMessages(t, s, ch, g, 20, 21, 22, 23, 24)
		pins := map[int]int{20: 3, 21: 1, 23: 2} // message -> pin time
		for n, p := range pins {
			msg := newMessage(n, ch, g)
			msg.Pinned, msg.PinnedAt = true, ptr(at(p))
			noErr(t, m.Update(ctx, msg), "pin")
		}
		tests := []struct {
			name   string
			before *time.Time
			limit  int
			want   []snowflake.ID
		}{
			{"all", nil, 0, sfs(20, 23, 21)},
			{"limit", nil, 2, sfs(20, 23)},
			{"before", ptr(at(3)), 0, sfs(23, 21)},
			{"before limit", ptr(at(3)), 1, sfs(23)},
			{"before first", ptr(at(1)), 0, nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				got, err := m.ListPinned(ctx, ch, tc.before, tc.limit)
				noErr(t, err, "list pinned")
				equal(t, "pinned", append([]snowflake.ID{}, msgIDs(got)...), append([]snowflake.ID{}, tc.want...))
			})
		}
	})

	t.Run("Delete", func(t *testing.T) {
		createMessages(t, s, ch, g, 30, 31, 32, 33)
		createMessages(t, s, sf(2), g, 34)
		for _, n := range []int{30, 31, 32, 34} {
			noErr(t, s.Reactions().Add(ctx, storage.Reaction{ChannelID: ch, MessageID: sf(n), EmojiKey: "x", EmojiName: "x", UserID: sf(1), CreatedAt: at(1)}), "add reaction")
		}
		noErr(t, m.Delete(ctx, ch, sf(30)), "delete message")
		wantErr(t, m.Delete(ctx, ch, sf(30)), storage.ErrNotFound, "delete message twice")
		wantErr(t, m.Delete(ctx, ch, sf(34)), storage.ErrNotFound, "delete message through another channel")

		deleted, err := m.DeleteMany(ctx, ch, sfs(31, 32, 34, 99))
		noErr(t, err, "delete many")
		equal(t, "deleted ids", sorted(deleted), sfs(31, 32))
		for _, n := range []int{30, 31, 32} {
			_, err := m.Get(ctx, ch, sf(n))
			wantErr(t, err, storage.ErrNotFound, "deleted message")
		}
		_, err = m.Get(ctx, sf(2), sf(34))
		noErr(t, err, "message of another channel survives")
		_, err = m.Get(ctx, ch, sf(33))
		noErr(t, err, "message not listed survives")
		rs, err := s.Reactions().ListForMessages(ctx, sfs(30, 31, 32, 34))
		noErr(t, err, "list reactions")
		equal(t, "reactions left", idsOf(rs, func(r storage.Reaction) snowflake.ID { return r.MessageID }), sfs(34))
	})

	t.Run("DeleteByAuthorSince", func(t *testing.T) {
		mk := func(n int, channel, guild, author snowflake.ID) {
			msg := newMessage(n, channel, guild)
			msg.AuthorID = author
			noErr(t, m.Create(ctx, msg), "create message")
		}
		spammer := sf(66)
		mk(40, sf(3), g, spammer)       // before since
		mk(41, sf(3), g, spammer)       // deleted
		mk(42, sf(4), g, spammer)       // deleted
		mk(43, sf(3), g, sf(5))         // other author
		mk(44, sf(5), sf(200), spammer) // other guild
		mk(45, sf(3), g, spammer)       // deleted
		noErr(t, s.Reactions().Add(ctx, storage.Reaction{ChannelID: sf(3), MessageID: sf(41), EmojiKey: "x", UserID: sf(1), CreatedAt: at(1)}), "add reaction")
		got, err := m.DeleteByAuthorSince(ctx, g, spammer, sf(41))
		noErr(t, err, "delete by author")
		for k := range got {
			got[k] = sorted(got[k])
		}
		equal(t, "deleted by channel", got, map[snowflake.ID][]snowflake.ID{sf(3): sfs(41, 45), sf(4): sfs(42)})
		for _, tc := range []struct {
			ch, id snowflake.ID
			gone   bool
		}{{sf(3), sf(40), false}, {sf(3), sf(41), true}, {sf(4), sf(42), true}, {sf(3), sf(43), false}, {sf(5), sf(44), false}, {sf(3), sf(45), true}} {
			_, err := m.Get(ctx, tc.ch, tc.id)
			if tc.gone {
				wantErr(t, err, storage.ErrNotFound, fmt.Sprint("message ", tc.id))
			} else {
				noErr(t, err, fmt.Sprint("message ", tc.id))
			}
		}
		rs, err := s.Reactions().ListForMessages(ctx, sfs(41))
		noErr(t, err, "list reactions")
		equal(t, "reactions of deleted message", len(rs), 0)
	})
}

func testMessagePages(t *testing.T, s storage.Store) {
	ctx := t.Context()
	ch, other := sf(1), sf(2)
	// Messages 10..29 in ch, interleaved with messages in another channel.
	for n := 10; n < 30; n++ {
		createMessages(t, s, ch, 0, n)
		createMessages(t, s, other, 0, n+100)
	}
	rng := func(from, to int) []snowflake.ID { // newest first, inclusive
		var out []snowflake.ID
		for n := from; n >= to; n-- {
			out = append(out, sf(n))
		}
		return out
	}
	tests := []struct {
		name string
		page storage.Page
		want []snowflake.ID
	}{
		{"latest", storage.Page{Limit: 5}, rng(29, 25)},
		{"latest all", storage.Page{Limit: 100}, rng(29, 10)},
		{"limit 1", storage.Page{Limit: 1}, rng(29, 29)},
		{"before", storage.Page{Before: sf(20), Limit: 3}, rng(19, 17)},
		{"before near start", storage.Page{Before: sf(12), Limit: 50}, rng(11, 10)},
		{"before first", storage.Page{Before: sf(10), Limit: 50}, nil},
		{"before missing id", storage.Page{Before: sf(50), Limit: 2}, rng(29, 28)},
		{"after", storage.Page{After: sf(20), Limit: 3}, rng(23, 21)},
		{"after near end", storage.Page{After: sf(27), Limit: 50}, rng(29, 28)},
		{"after last", storage.Page{After: sf(29), Limit: 50}, nil},
		{"after zero-ish", storage.Page{After: sf(1), Limit: 2}, rng(11, 10)},
		{"around even", storage.Page{Around: sf(20), Limit: 4}, rng(21, 18)},
		{"around odd", storage.Page{Around: sf(20), Limit: 5}, rng(22, 18)},
		{"around limit 1", storage.Page{Around: sf(20), Limit: 1}, rng(20, 20)},
		{"around first", storage.Page{Around: sf(10), Limit: 4}, rng(11, 10)},
		{"around last", storage.Page{Around: sf(29), Limit: 4}, rng(29, 27)},
		{"around big", storage.Page{Around: sf(20), Limit: 100}, rng(29, 10)},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			got, err := s.Messages().List(ctx, ch, tc.page)
			noErr(t, err, "list messages")
			equal(t, "page", append([]snowflake.ID{}, msgIDs(got)...), append([]snowflake.ID{}, tc.want...))
			if len(tc.want) > 0 && tc.page.Around != 0 && tc.page.Limit > 1 {
				if !slices.Contains(msgIDs(got), tc.page.Around) {
					t.Fatalf("around page lacks its centre %d", tc.page.Around)
				}
			}
		})
	}
	t.Run("around missing centre", func(t *testing.T) {
		// Around an ID with no message: still the neighbourhood, centre absent.
		createMessages(t, s, sf(3), 0, 1, 2, 4, 5)
		got, err := s.Messages().List(ctx, sf(3), storage.Page{Around: sf(3), Limit: 4})
		noErr(t, err, "list around")
		equal(t, "page", msgIDs(got), sfs(5, 4, 2, 1))
	})
	t.Run("limit capped at 100", func(t *testing.T) {
		for n := 200; n < 310; n++ {
			createMessages(t, s, sf(4), 0, n)
		}
		got, err := s.Messages().List(ctx, sf(4), storage.Page{Limit: 1000})
		noErr(t, err, "list")
		equal(t, "page size", len(got), 100)
	})
}

func testMessagesConcurrent(t *testing.T, s storage.Store) {
	ctx := t.Context()
	const writers, each = 4, 25
	var wg sync.WaitGroup
	errs := make(chan error, writers*each)
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				n := 1000 + i*writers + w
				if err := s.Messages().Create(ctx, newMessage(n, sf(1), sf(100))); err != nil {
					errs <- err
				}
				if err := s.Channels().SetLastMessage(ctx, sf(1), sf(n)); err != nil && !errors.Is(err, storage.ErrNotFound) {
					errs <- err
				}
			}
		})
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatalf("concurrent create: %v", err)
	}
	got, err := s.Messages().List(ctx, sf(1), storage.Page{Limit: 100})
	noErr(t, err, "list")
	var want []snowflake.ID
	for n := 1000 + writers*each - 1; n >= 1000; n-- {
		want = append(want, sf(n))
	}
	equal(t, "all concurrent messages, newest first", msgIDs(got), want)
}
