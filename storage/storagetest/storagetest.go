// Package storagetest is the conformance suite every storage backend must pass, so the
// domain can rely on the contract in package storage rather than on one implementation.
package storagetest

import (
	"cmp"
	"encoding/json"
	"errors"
	"fmt"
	"reflect"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// Run runs the suite. open must return an empty store for each call; Run closes every store
// it opens when that store's subtest ends, so open only has to clean up what lies beneath
// (a directory, a schema). Subtests run in parallel, each on its own store.
func Run(t *testing.T, open func(t *testing.T) storage.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(*testing.T, storage.Store)
	}{
		{"Users", testUsers},
		{"Applications", testApplications},
		{"Tokens", testTokens},
		{"Guilds", testGuilds},
		{"GuildDeleteCascade", testGuildDelete},
		{"Channels", testChannels},
		{"ChannelDeleteCascade", testChannelDelete},
		{"Roles", testRoles},
		{"Members", testMembers},
		{"Messages", testMessages},
		{"MessagePages", testMessagePages},
		{"MessagesConcurrent", testMessagesConcurrent},
		{"Reactions", testReactions},
		{"Bans", testBans},
		{"Invites", testInvites},
		{"Webhooks", testWebhooks},
		{"Emojis", testEmojis},
		{"Settings", testSettings},
		{"Attachments", testAttachments},
		{"AttachmentCascades", testAttachmentCascades},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("close: %v", err)
				}
			})
			tc.fn(t, s)
		})
	}
}

// ---- helpers ----

// base keeps test IDs in the realistic snowflake range (well above 32 bits).
const base = snowflake.ID(1) << 50

func sf(n int) snowflake.ID { return base + snowflake.ID(n) }

// at is a fixed instant with sub-microsecond precision, to prove times round-trip exactly.
func at(n int) time.Time {
	return time.Date(2025, 3, 4, 5, 6, 7, 123456789, time.UTC).Add(time.Duration(n) * time.Second)
}

func ptr[T any](v T) *T { return &v }

func noErr(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: unexpected error: %v", what, err)
	}
}

func wantErr(t *testing.T, err, want error, what string) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("%s: got error %v, want %v", what, err, want)
	}
}

func equal[T any](t *testing.T, what string, got, want T) {
	t.Helper()
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("%s:\n got  %+v\n want %+v", what, got, want)
	}
}

func idsOf[T any](xs []T, id func(T) snowflake.ID) []snowflake.ID {
	out := make([]snowflake.ID, 0, len(xs))
	for _, x := range xs {
		out = append(out, id(x))
	}
	return out
}

func msgIDs(ms []storage.Message) []snowflake.ID {
	return idsOf(ms, func(m storage.Message) snowflake.ID { return m.ID })
}

func sfs(ns ...int) []snowflake.ID {
	out := make([]snowflake.ID, 0, len(ns))
	for _, n := range ns {
		out = append(out, sf(n))
	}
	return out
}

func sorted(ids []snowflake.ID) []snowflake.ID {
	s := slices.Clone(ids)
	slices.Sort(s)
	return s
}

func human(n int, name string) storage.User {
	return storage.User{ID: sf(n), Username: name, Discriminator: "0", PasswordHash: "hash", Email: ptr(name + "@example.com"), CreatedAt: at(n)}
}

func newGuild(n int, owner snowflake.ID) storage.Guild {
	return storage.Guild{ID: sf(n), Name: fmt.Sprintf("guild %d", n), OwnerID: owner, PreferredLocale: "en-US",
		Features: []string{"COMMUNITY"}, CreatedAt: at(n)}
}

func newChannel(n int, guild snowflake.ID, pos int) storage.Channel {
	return storage.Channel{ID: sf(n), GuildID: guild, Type: 0, Name: fmt.Sprintf("chan-%d", n), Position: pos,
		Overwrites: []storage.Overwrite{{ID: guild, Type: 0, Allow: 1 << 40, Deny: 3}}}
}

func newMessage(n int, channel, guild snowflake.ID) storage.Message {
	return storage.Message{ID: sf(n), ChannelID: channel, GuildID: guild, AuthorID: sf(1), Content: fmt.Sprintf("msg %d", n)}
}

// newAttachment is attachment n of a message, with a little binary data.
func newAttachment(n int, channel, message snowflake.ID) storage.Attachment {
	data := []byte{0x89, 'P', 'N', 'G', 0, byte(n), 0xff}
	return storage.Attachment{ID: sf(n), ChannelID: channel, MessageID: message, Filename: fmt.Sprintf("file-%d.png", n),
		ContentType: "image/png", Size: len(data), Data: data}
}

// attachmentGone fails unless the attachment's presence is as wanted.
func attachmentGone(t *testing.T, s storage.Store, channel, id snowflake.ID, gone bool, what string) {
	t.Helper()
	_, err := s.Attachments().Get(t.Context(), channel, id)
	if gone {
		wantErr(t, err, storage.ErrNotFound, what)
	} else {
		noErr(t, err, what)
	}
}

func createMessages(t *testing.T, s storage.Store, channel, guild snowflake.ID, ns ...int) {
	t.Helper()
	for _, n := range ns {
		noErr(t, s.Messages().Create(t.Context(), newMessage(n, channel, guild)), "create message")
	}
}

// ---- users ----

func testUsers(t *testing.T, s storage.Store) {
	ctx := t.Context()
	us := s.Users()
	alice := human(1, "Alice")
	alice.GlobalName = ptr("Alice A.")
	noErr(t, us.Create(ctx, alice), "create alice")

	got, err := us.Get(ctx, alice.ID)
	noErr(t, err, "get alice")
	equal(t, "get alice", got, alice)

	got, err = us.GetByUsername(ctx, "aLiCe")
	noErr(t, err, "get by username")
	equal(t, "get by username", got, alice)

	wantErr(t, us.Create(ctx, human(2, "ALICE")), storage.ErrConflict, "human with same name")
	wantErr(t, us.Create(ctx, human(1, "someone")), storage.ErrConflict, "duplicate id")

	bot1 := storage.User{ID: sf(3), Username: "alice", Discriminator: "1234", Bot: true, CreatedAt: at(3)}
	bot2 := storage.User{ID: sf(4), Username: "Alice", Discriminator: "5678", Bot: true, CreatedAt: at(4)}
	noErr(t, us.Create(ctx, bot1), "bot sharing a human's name")
	noErr(t, us.Create(ctx, bot2), "second bot with the same name")

	got, err = us.GetByUsername(ctx, "alice")
	noErr(t, err, "get by username with bots around")
	equal(t, "username lookup ignores bots", got.ID, alice.ID)
	_, err = us.GetByUsername(ctx, "nobody")
	wantErr(t, err, storage.ErrNotFound, "get by unknown username")
	_, err = us.Get(ctx, sf(99))
	wantErr(t, err, storage.ErrNotFound, "get unknown user")

	many, err := us.GetMany(ctx, []snowflake.ID{sf(3), sf(1), sf(99), sf(1)})
	noErr(t, err, "get many")
	equal(t, "get many ids", sorted(idsOf(many, func(u storage.User) snowflake.ID { return u.ID })), sfs(1, 3))
	many, err = us.GetMany(ctx, nil)
	noErr(t, err, "get many of nothing")
	equal(t, "get many of nothing", len(many), 0)

	noErr(t, us.Create(ctx, human(5, "bob")), "create bob")
	upd := alice
	upd.Username = "Alicia"
	upd.Avatar = ptr("abc")
	upd.Flags = 64
	upd.CreatedAt = at(500) // must be ignored
	noErr(t, us.Update(ctx, upd), "update alice")
	got, err = us.Get(ctx, alice.ID)
	noErr(t, err, "get updated alice")
	upd.CreatedAt = alice.CreatedAt
	equal(t, "updated alice", got, upd)
	noErr(t, us.Create(ctx, human(6, "alice")), "old name is free after rename")

	upd.Username = "BOB"
	wantErr(t, us.Update(ctx, upd), storage.ErrConflict, "rename onto another human")
	wantErr(t, us.Update(ctx, human(98, "ghost")), storage.ErrNotFound, "update unknown user")
}

// ---- applications ----

func testApplications(t *testing.T, s storage.Store) {
	ctx := t.Context()
	as := s.Applications()
	for _, n := range []int{13, 11, 12} {
		a := storage.Application{ID: sf(n), OwnerID: sf(1), Name: fmt.Sprintf("app %d", n), VerifyKey: "k", BotPublic: true, CreatedAt: at(n)}
		noErr(t, as.Create(ctx, a), "create application")
	}
	noErr(t, as.Create(ctx, storage.Application{ID: sf(20), OwnerID: sf(2), Name: "other", CreatedAt: at(20)}), "create other owner's app")
	wantErr(t, as.Create(ctx, storage.Application{ID: sf(11), OwnerID: sf(2)}), storage.ErrConflict, "duplicate application id")

	list, err := as.ListByOwner(ctx, sf(1))
	noErr(t, err, "list by owner")
	equal(t, "list by owner order", idsOf(list, func(a storage.Application) snowflake.ID { return a.ID }), sfs(11, 12, 13))

	a, err := as.Get(ctx, sf(12))
	noErr(t, err, "get application")
	want := a
	a.Name, a.Description, a.Icon, a.BotTokenIssued, a.Flags = "renamed", "desc", ptr("icon"), 42, 8
	a.OwnerID, a.CreatedAt = sf(2), at(999) // both must be ignored
	noErr(t, as.Update(ctx, a), "update application")
	got, err := as.Get(ctx, sf(12))
	noErr(t, err, "get updated application")
	want.Name, want.Description, want.Icon, want.BotTokenIssued, want.Flags = "renamed", "desc", ptr("icon"), 42, 8
	equal(t, "updated application", got, want)

	_, err = as.Get(ctx, sf(99))
	wantErr(t, err, storage.ErrNotFound, "get unknown application")
	wantErr(t, as.Update(ctx, storage.Application{ID: sf(99)}), storage.ErrNotFound, "update unknown application")
}

// ---- tokens ----

func testTokens(t *testing.T, s storage.Store) {
	ctx := t.Context()
	ts := s.Tokens()
	tok := storage.RefreshToken{ID: "t1", UserID: sf(1), FamilyID: "f1", ExpiresAt: at(100)}
	noErr(t, ts.Create(ctx, tok), "create token")
	noErr(t, ts.Create(ctx, storage.RefreshToken{ID: "t2", UserID: sf(1), FamilyID: "f1", ExpiresAt: at(100)}), "create t2")
	noErr(t, ts.Create(ctx, storage.RefreshToken{ID: "t3", UserID: sf(1), FamilyID: "f2", ExpiresAt: at(100)}), "create t3")
	wantErr(t, ts.Create(ctx, tok), storage.ErrConflict, "duplicate token")

	got, err := ts.Get(ctx, "t1")
	noErr(t, err, "get token")
	equal(t, "get token", got, tok)
	_, err = ts.Get(ctx, "nope")
	wantErr(t, err, storage.ErrNotFound, "get unknown token")

	t.Run("MarkUsedConcurrent", func(t *testing.T) {
		const n = 8
		var wg sync.WaitGroup
		results := make([]bool, n)
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() { results[i], errs[i] = ts.MarkUsed(ctx, "t1", at(i)) })
		}
		wg.Wait()
		wins := 0
		for i := range n {
			noErr(t, errs[i], "mark used")
			if results[i] {
				wins++
			}
		}
		equal(t, "winners", wins, 1)
		got, err := ts.Get(ctx, "t1")
		noErr(t, err, "get used token")
		if got.UsedAt == nil {
			t.Fatalf("UsedAt: got nil, want set")
		}
		ok, err := ts.MarkUsed(ctx, "t1", at(50))
		noErr(t, err, "mark used again")
		equal(t, "mark used again", ok, false)
		_, err = ts.MarkUsed(ctx, "nope", at(1))
		wantErr(t, err, storage.ErrNotFound, "mark unknown token")
	})

	noErr(t, ts.RevokeFamily(ctx, "f1"), "revoke family")
	for id, want := range map[string]bool{"t1": true, "t2": true, "t3": false} {
		got, err := ts.Get(ctx, id)
		noErr(t, err, "get after revoke")
		equal(t, "revoked "+id, got.Revoked, want)
	}
}

// ---- guilds ----

func seedGuild(t *testing.T, s storage.Store, n int, owner snowflake.ID, members ...snowflake.ID) storage.NewGuild {
	t.Helper()
	g := newGuild(n, owner)
	ng := storage.NewGuild{
		Guild: g,
		Roles: []storage.Role{{ID: g.ID, GuildID: g.ID, Name: "@everyone", Permissions: 1<<41 | 1}},
		Channels: []storage.Channel{
			newChannel(n+1, g.ID, 0),
			newChannel(n+2, g.ID, 1),
		},
	}
	for _, m := range append([]snowflake.ID{owner}, members...) {
		ng.Members = append(ng.Members, storage.Member{GuildID: g.ID, UserID: m, JoinedAt: at(n), Roles: []snowflake.ID{}})
	}
	noErr(t, s.Guilds().Create(t.Context(), ng), "create guild")
	return ng
}

func testGuilds(t *testing.T, s storage.Store) {
	ctx := t.Context()
	gs := s.Guilds()
	ng := seedGuild(t, s, 100, sf(1), sf(2))

	got, err := gs.Get(ctx, ng.Guild.ID)
	noErr(t, err, "get guild")
	equal(t, "get guild", got, ng.Guild)
	roles, err := s.Roles().ListByGuild(ctx, ng.Guild.ID)
	noErr(t, err, "list roles")
	equal(t, "roles written with guild", roles, ng.Roles)
	chans, err := s.Channels().ListByGuild(ctx, ng.Guild.ID)
	noErr(t, err, "list channels")
	equal(t, "channels written with guild", chans, ng.Channels)
	count, err := s.Members().Count(ctx, ng.Guild.ID)
	noErr(t, err, "count members")
	equal(t, "members written with guild", count, 2)

	wantErr(t, gs.Create(ctx, ng), storage.ErrConflict, "duplicate guild")

	t.Run("CreateIsAtomic", func(t *testing.T) {
		bad := storage.NewGuild{
			Guild:    newGuild(200, sf(1)),
			Channels: []storage.Channel{newChannel(201, sf(200), 0)},
			Members: []storage.Member{
				{GuildID: sf(200), UserID: sf(1), JoinedAt: at(1)},
				{GuildID: sf(200), UserID: sf(1), JoinedAt: at(1)}, // duplicate: must abort all
			},
		}
		wantErr(t, gs.Create(ctx, bad), storage.ErrConflict, "create with duplicate member")
		_, err := gs.Get(ctx, sf(200))
		wantErr(t, err, storage.ErrNotFound, "guild of failed create")
		_, err = s.Channels().Get(ctx, sf(201))
		wantErr(t, err, storage.ErrNotFound, "channel of failed create")
		n, err := s.Members().Count(ctx, sf(200))
		noErr(t, err, "count")
		equal(t, "members of failed create", n, 0)
	})

	t.Run("ListForUser", func(t *testing.T) {
		for _, n := range []int{1040, 1010, 1030, 1020, 1050} {
			seedGuild(t, s, n, sf(7))
		}
		seedGuild(t, s, 1060, sf(8)) // not user 7's
		tests := []struct {
			name                 string
			before, after, limit int
			want                 []snowflake.ID
		}{
			{"all", 0, 0, 0, sfs(1010, 1020, 1030, 1040, 1050)},
			{"limit", 0, 0, 2, sfs(1010, 1020)},
			{"after", 0, 1020, 0, sfs(1030, 1040, 1050)},
			{"after limit", 0, 1010, 2, sfs(1020, 1030)},
			{"before", 1030, 0, 0, sfs(1010, 1020)},
			{"between", 1050, 1010, 0, sfs(1020, 1030, 1040)},
			{"after last", 0, 1050, 0, nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				var before, after snowflake.ID
				if tc.before != 0 {
					before = sf(tc.before)
				}
				if tc.after != 0 {
					after = sf(tc.after)
				}
				got, err := gs.ListForUser(ctx, sf(7), before, after, tc.limit)
				noErr(t, err, "list for user")
				equal(t, "guild ids", idsOf(got, func(g storage.Guild) snowflake.ID { return g.ID }), append([]snowflake.ID{}, tc.want...))
			})
		}
	})

	upd := ng.Guild
	upd.Name, upd.Description, upd.OwnerID, upd.AFKChannelID, upd.Features = "renamed", ptr("d"), sf(2), sf(101), []string{"A", "B"}
	noErr(t, gs.Update(ctx, upd), "update guild")
	got, err = gs.Get(ctx, upd.ID)
	noErr(t, err, "get updated guild")
	equal(t, "updated guild", got, upd)
	wantErr(t, gs.Update(ctx, newGuild(999, sf(1))), storage.ErrNotFound, "update unknown guild")
	wantErr(t, gs.Delete(ctx, sf(999)), storage.ErrNotFound, "delete unknown guild")
}

func testGuildDelete(t *testing.T, s storage.Store) {
	ctx := t.Context()
	doomed := seedGuild(t, s, 100, sf(1), sf(2))
	kept := seedGuild(t, s, 300, sf(1), sf(2))
	for _, ng := range []storage.NewGuild{doomed, kept} {
		g := ng.Guild.ID
		ch := ng.Channels[0].ID
		n := int(g - base)
		createMessages(t, s, ch, g, n+10, n+11)
		noErr(t, s.Reactions().Add(ctx, storage.Reaction{ChannelID: ch, MessageID: sf(n + 10), EmojiKey: "👍", EmojiName: "👍", UserID: sf(2), CreatedAt: at(1)}), "add reaction")
		noErr(t, s.Roles().Create(ctx, storage.Role{ID: sf(n + 20), GuildID: g, Name: "mod"}), "create role")
		noErr(t, s.Bans().Create(ctx, storage.Ban{GuildID: g, UserID: sf(9)}), "create ban")
		noErr(t, s.Invites().Create(ctx, storage.Invite{Code: fmt.Sprintf("inv%d", n), GuildID: g, ChannelID: ch, CreatedAt: at(1)}), "create invite")
		noErr(t, s.Webhooks().Create(ctx, storage.Webhook{ID: sf(n + 30), GuildID: g, ChannelID: ch, Name: "hook", Token: "tok"}), "create webhook")
		noErr(t, s.Emojis().Create(ctx, storage.Emoji{ID: sf(n + 40), GuildID: g, Name: "e", Available: true, Image: []byte{1, 2}}), "create emoji")
		noErr(t, s.Attachments().Put(ctx, newAttachment(n+50, ch, sf(n+10))), "put attachment")
	}
	// A DM is nobody's guild and must survive.
	dm := storage.Channel{ID: sf(900), Type: 1, Recipients: sfs(1, 2)}
	noErr(t, s.Channels().Create(ctx, dm), "create dm")
	createMessages(t, s, dm.ID, 0, 901)

	noErr(t, s.Guilds().Delete(ctx, doomed.Guild.ID), "delete guild")

	check := func(ng storage.NewGuild, gone bool) {
		t.Helper()
		g := ng.Guild.ID
		ch := ng.Channels[0].ID
		n := int(g - base)
		expect := func(what string, err error) {
			t.Helper()
			if gone {
				wantErr(t, err, storage.ErrNotFound, what)
			} else {
				noErr(t, err, what)
			}
		}
		count := func(what string, got int, err error) {
			t.Helper()
			noErr(t, err, what)
			want := 1
			if gone {
				want = 0
			}
			if (got == 0) != (want == 0) {
				t.Fatalf("%s: got %d, want %s", what, got, map[bool]string{true: "0", false: "some"}[gone])
			}
		}
		_, err := s.Guilds().Get(ctx, g)
		expect("guild", err)
		_, err = s.Channels().Get(ctx, ch)
		expect("channel", err)
		_, err = s.Messages().Get(ctx, ch, sf(n+10))
		expect("message", err)
		_, err = s.Roles().Get(ctx, g, sf(n+20))
		expect("role", err)
		_, err = s.Members().Get(ctx, g, sf(2))
		expect("member", err)
		_, err = s.Bans().Get(ctx, g, sf(9))
		expect("ban", err)
		_, err = s.Invites().Get(ctx, fmt.Sprintf("inv%d", n))
		expect("invite", err)
		_, err = s.Webhooks().Get(ctx, sf(n+30))
		expect("webhook", err)
		_, err = s.Emojis().Get(ctx, g, sf(n+40))
		expect("emoji", err)
		_, err = s.Attachments().Get(ctx, ch, sf(n+50))
		expect("attachment", err)
		rs, err := s.Reactions().ListForMessages(ctx, []snowflake.ID{sf(n + 10)})
		count("reactions", len(rs), err)
		gl, err := s.Guilds().ListForUser(ctx, sf(2), g+1, g-1, 0)
		count("guilds for user", len(gl), err)
	}
	check(doomed, true)
	check(kept, false)
	if _, err := s.Messages().Get(ctx, dm.ID, sf(901)); err != nil {
		t.Fatalf("dm message after guild delete: %v", err)
	}
}

// ---- channels ----

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
	}
	noErr(t, s.Channels().Delete(ctx, sf(1)), "delete channel")
	wantErr(t, s.Channels().Delete(ctx, sf(1)), storage.ErrNotFound, "delete channel twice")

	_, err := s.Channels().Get(ctx, sf(1))
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

// ---- roles ----

func testRoles(t *testing.T, s storage.Store) {
	ctx := t.Context()
	rs := s.Roles()
	g := sf(100)
	everyone := storage.Role{ID: g, GuildID: g, Name: "@everyone", Permissions: 1<<63 | 1<<40 | 7}
	mod := storage.Role{ID: sf(2), GuildID: g, Name: "mod", Position: 2, Hoist: true, Colors: storage.RoleColors{Primary: 0xff, Secondary: ptr(3)}, Icon: ptr("i")}
	admin := storage.Role{ID: sf(1), GuildID: g, Name: "admin", Position: 2, Managed: true, BotID: sf(77)}
	for _, r := range []storage.Role{everyone, mod, admin, {ID: sf(3), GuildID: sf(200), Name: "elsewhere"}} {
		noErr(t, rs.Create(ctx, r), "create role")
	}
	wantErr(t, rs.Create(ctx, mod), storage.ErrConflict, "duplicate role")

	got, err := rs.Get(ctx, g, mod.ID)
	noErr(t, err, "get role")
	equal(t, "get role", got, mod)
	got, err = rs.Get(ctx, g, everyone.ID)
	noErr(t, err, "get everyone")
	equal(t, "permissions round-trip all 64 bits", got.Permissions, everyone.Permissions)
	_, err = rs.Get(ctx, sf(200), mod.ID)
	wantErr(t, err, storage.ErrNotFound, "get role through the wrong guild")

	list, err := rs.ListByGuild(ctx, g)
	noErr(t, err, "list roles")
	equal(t, "role order", idsOf(list, func(r storage.Role) snowflake.ID { return r.ID }), []snowflake.ID{g, sf(1), sf(2)})

	mod.Name, mod.Mentionable, mod.Permissions = "moderator", true, 8
	noErr(t, rs.Update(ctx, mod), "update role")
	got, err = rs.Get(ctx, g, mod.ID)
	noErr(t, err, "get updated role")
	equal(t, "updated role", got, mod)
	wantErr(t, rs.Update(ctx, storage.Role{ID: sf(99), GuildID: g}), storage.ErrNotFound, "update unknown role")

	noErr(t, rs.UpdatePositions(ctx, g, map[snowflake.ID]int{sf(1): 5, sf(2): 1}), "update role positions")
	list, err = rs.ListByGuild(ctx, g)
	noErr(t, err, "list roles")
	equal(t, "role order after reorder", idsOf(list, func(r storage.Role) snowflake.ID { return r.ID }), []snowflake.ID{g, sf(2), sf(1)})

	t.Run("DeleteStripsMembers", func(t *testing.T) {
		ms := s.Members()
		withBoth := storage.Member{GuildID: g, UserID: sf(10), Roles: sfs(1, 2), JoinedAt: at(1), Nick: ptr("x")}
		withMod := storage.Member{GuildID: g, UserID: sf(11), Roles: sfs(2), JoinedAt: at(1)}
		without := storage.Member{GuildID: g, UserID: sf(12), Roles: sfs(1), JoinedAt: at(1)}
		other := storage.Member{GuildID: sf(200), UserID: sf(10), Roles: sfs(2), JoinedAt: at(1)}
		for _, m := range []storage.Member{withBoth, withMod, without, other} {
			noErr(t, ms.Add(ctx, m), "add member")
		}
		noErr(t, rs.Delete(ctx, g, sf(2)), "delete role")
		_, err := rs.Get(ctx, g, sf(2))
		wantErr(t, err, storage.ErrNotFound, "deleted role")
		for _, tc := range []struct {
			guild, user snowflake.ID
			want        []snowflake.ID
		}{{g, sf(10), sfs(1)}, {g, sf(11), sfs()}, {g, sf(12), sfs(1)}, {sf(200), sf(10), sfs(2)}} {
			m, err := ms.Get(ctx, tc.guild, tc.user)
			noErr(t, err, "get member")
			equal(t, fmt.Sprintf("roles of %d in %d", tc.user, tc.guild), append([]snowflake.ID{}, m.Roles...), tc.want)
		}
		wantErr(t, rs.Delete(ctx, g, sf(2)), storage.ErrNotFound, "delete role twice")
	})
}

// ---- members ----

func testMembers(t *testing.T, s storage.Store) {
	ctx := t.Context()
	ms := s.Members()
	g := sf(100)
	names := map[int]string{1: "Zed", 2: "ann", 3: "Anna", 4: "bob", 5: "carl", 6: "a_b", 7: "axb"}
	for n, name := range names {
		noErr(t, s.Users().Create(ctx, human(n, name)), "create user")
	}
	nicks := map[int]*string{4: ptr("ANNIE"), 5: ptr("Ünïcode")}
	for _, n := range []int{5, 1, 3, 2, 4, 6, 7} {
		m := storage.Member{GuildID: g, UserID: sf(n), Nick: nicks[n], Roles: sfs(50), JoinedAt: at(n), Pending: n == 2,
			CommunicationDisabledUntil: map[bool]*time.Time{true: ptr(at(9))}[n == 3]}
		noErr(t, ms.Add(ctx, m), "add member")
	}
	noErr(t, ms.Add(ctx, storage.Member{GuildID: sf(200), UserID: sf(2), JoinedAt: at(1)}), "add member elsewhere")
	wantErr(t, ms.Add(ctx, storage.Member{GuildID: g, UserID: sf(1), JoinedAt: at(1)}), storage.ErrConflict, "add member twice")

	got, err := ms.Get(ctx, g, sf(3))
	noErr(t, err, "get member")
	equal(t, "get member", got, storage.Member{GuildID: g, UserID: sf(3), Roles: sfs(50), JoinedAt: at(3), CommunicationDisabledUntil: ptr(at(9))})
	_, err = ms.Get(ctx, g, sf(99))
	wantErr(t, err, storage.ErrNotFound, "get unknown member")

	memberIDs := func(ms []storage.Member) []snowflake.ID {
		return idsOf(ms, func(m storage.Member) snowflake.ID { return m.UserID })
	}
	t.Run("List", func(t *testing.T) {
		tests := []struct {
			name         string
			after, limit int
			want         []snowflake.ID
		}{
			{"all", 0, 0, sfs(1, 2, 3, 4, 5, 6, 7)},
			{"limit", 0, 3, sfs(1, 2, 3)},
			{"after", 3, 0, sfs(4, 5, 6, 7)},
			{"after limit", 2, 2, sfs(3, 4)},
			{"after last", 7, 10, nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				var after snowflake.ID
				if tc.after != 0 {
					after = sf(tc.after)
				}
				got, err := ms.List(ctx, g, after, tc.limit)
				noErr(t, err, "list members")
				equal(t, "member ids", append([]snowflake.ID{}, memberIDs(got)...), append([]snowflake.ID{}, tc.want...))
			})
		}
	})

	t.Run("Search", func(t *testing.T) {
		tests := []struct {
			query string
			limit int
			want  []snowflake.ID
		}{
			{"an", 10, sfs(2, 3, 4)}, // usernames ann, Anna; nick ANNIE
			{"AN", 10, sfs(2, 3, 4)},
			{"an", 2, sfs(2, 3)},
			{"anna", 10, sfs(3)},
			{"z", 10, sfs(1)},
			{"ün", 10, sfs(5)}, // non-ASCII case folding
			{"a_", 10, sfs(6)}, // LIKE wildcards are literal
			{"nn", 10, nil},    // prefix, not substring
			{"bob", 10, sfs(4)},
		}
		for _, tc := range tests {
			t.Run(tc.query, func(t *testing.T) {
				got, err := ms.Search(ctx, g, tc.query, tc.limit)
				noErr(t, err, "search members")
				equal(t, "search "+tc.query, append([]snowflake.ID{}, memberIDs(got)...), append([]snowflake.ID{}, tc.want...))
			})
		}
	})

	many, err := ms.GetMany(ctx, g, sfs(7, 1, 99))
	noErr(t, err, "get many members")
	equal(t, "get many", sorted(memberIDs(many)), sfs(1, 7))
	n, err := ms.Count(ctx, g)
	noErr(t, err, "count")
	equal(t, "count", n, 7)

	upd := storage.Member{GuildID: g, UserID: sf(1), Nick: ptr("Nick"), Roles: sfs(51, 52), JoinedAt: at(1), Deaf: true, Mute: true, Flags: 2}
	noErr(t, ms.Update(ctx, upd), "update member")
	got, err = ms.Get(ctx, g, sf(1))
	noErr(t, err, "get updated member")
	equal(t, "updated member", got, upd)
	found, err := ms.Search(ctx, g, "nic", 10)
	noErr(t, err, "search new nick")
	equal(t, "search new nick", memberIDs(found), sfs(1))
	wantErr(t, ms.Update(ctx, storage.Member{GuildID: g, UserID: sf(99)}), storage.ErrNotFound, "update unknown member")

	noErr(t, ms.Remove(ctx, g, sf(1)), "remove member")
	_, err = ms.Get(ctx, g, sf(1))
	wantErr(t, err, storage.ErrNotFound, "removed member")
	wantErr(t, ms.Remove(ctx, g, sf(1)), storage.ErrNotFound, "remove twice")
	n, err = ms.Count(ctx, g)
	noErr(t, err, "count")
	equal(t, "count after remove", n, 6)
}

// ---- messages ----

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

// ---- reactions ----

func testReactions(t *testing.T, s storage.Store) {
	ctx := t.Context()
	rs := s.Reactions()
	ch := sf(1)
	r := func(msg int, key string, user, ts int, burst bool) storage.Reaction {
		x := storage.Reaction{ChannelID: ch, MessageID: sf(msg), EmojiKey: key, EmojiName: key, UserID: sf(user), Burst: burst, CreatedAt: at(ts)}
		if key == "custom" {
			x.EmojiKey, x.EmojiID, x.EmojiName, x.EmojiAnimated = sf(77).String(), sf(77), "party", true
		}
		return x
	}
	add := []storage.Reaction{
		r(10, "b", 1, 5, false), // emoji b first seen at 5
		r(10, "a", 2, 6, false), // emoji a first seen at 6
		r(10, "b", 3, 7, true),
		r(10, "a", 1, 8, false),
		r(10, "b", 4, 4, false), // moves b's first time to 4
		r(9, "custom", 1, 9, false),
		r(11, "a", 1, 1, false),
	}
	for _, x := range add {
		noErr(t, rs.Add(ctx, x), "add reaction")
	}
	wantErr(t, rs.Add(ctx, r(10, "b", 1, 50, false)), storage.ErrConflict, "same user, same emoji")

	got, err := rs.ListForMessages(ctx, sfs(11, 10, 9))
	noErr(t, err, "list for messages")
	want := []storage.Reaction{add[5], add[4], add[0], add[2], add[1], add[3], add[6]}
	equal(t, "reaction order", got, want)

	t.Run("ListUsers", func(t *testing.T) {
		for u := 20; u < 25; u++ {
			noErr(t, rs.Add(ctx, r(12, "z", u, u, u%2 == 0)), "add")
		}
		tests := []struct {
			name         string
			burst        bool
			after, limit int
			want         []snowflake.ID
		}{
			{"normal", false, 0, 0, sfs(21, 23)},
			{"burst", true, 0, 0, sfs(20, 22, 24)},
			{"burst after", true, 20, 0, sfs(22, 24)},
			{"burst after limit", true, 20, 1, sfs(22)},
			{"after all", true, 24, 10, nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				var after snowflake.ID
				if tc.after != 0 {
					after = sf(tc.after)
				}
				got, err := rs.ListUsers(ctx, sf(12), "z", tc.burst, after, tc.limit)
				noErr(t, err, "list users")
				equal(t, "users", append([]snowflake.ID{}, got...), append([]snowflake.ID{}, tc.want...))
			})
		}
	})

	noErr(t, rs.Remove(ctx, sf(10), "b", sf(1)), "remove reaction")
	wantErr(t, rs.Remove(ctx, sf(10), "b", sf(1)), storage.ErrNotFound, "remove reaction twice")
	noErr(t, rs.RemoveEmoji(ctx, sf(10), "a"), "remove emoji")
	wantErr(t, rs.RemoveEmoji(ctx, sf(10), "a"), storage.ErrNotFound, "remove emoji twice")
	got, err = rs.ListForMessages(ctx, sfs(10))
	noErr(t, err, "list")
	equal(t, "left on message", got, []storage.Reaction{add[4], add[2]})
	noErr(t, rs.RemoveAll(ctx, sf(10)), "remove all")
	got, err = rs.ListForMessages(ctx, sfs(10, 11))
	noErr(t, err, "list")
	equal(t, "after remove all", got, []storage.Reaction{add[6]})
}

// ---- bans ----

func testBans(t *testing.T, s storage.Store) {
	ctx := t.Context()
	bs := s.Bans()
	g := sf(100)
	for _, n := range []int{5, 1, 3, 2, 4} {
		noErr(t, bs.Create(ctx, storage.Ban{GuildID: g, UserID: sf(n)}), "create ban")
	}
	noErr(t, bs.Create(ctx, storage.Ban{GuildID: sf(200), UserID: sf(9)}), "ban elsewhere")
	noErr(t, bs.Create(ctx, storage.Ban{GuildID: g, UserID: sf(3), Reason: ptr("spam")}), "re-ban replaces reason")
	got, err := bs.Get(ctx, g, sf(3))
	noErr(t, err, "get ban")
	equal(t, "ban", got, storage.Ban{GuildID: g, UserID: sf(3), Reason: ptr("spam")})
	_, err = bs.Get(ctx, g, sf(9))
	wantErr(t, err, storage.ErrNotFound, "get ban from another guild")

	tests := []struct {
		name                 string
		before, after, limit int
		want                 []snowflake.ID
	}{
		{"all", 0, 0, 0, sfs(1, 2, 3, 4, 5)},
		{"limit", 0, 0, 2, sfs(1, 2)},
		{"after", 0, 2, 0, sfs(3, 4, 5)},
		{"after limit", 0, 1, 2, sfs(2, 3)},
		{"before takes the last ones", 5, 0, 2, sfs(3, 4)},
		{"before all", 4, 0, 0, sfs(1, 2, 3)},
		{"between", 5, 1, 0, sfs(2, 3, 4)},
		{"between limit", 5, 1, 2, sfs(2, 3)},
		{"before first", 1, 0, 10, nil},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			var before, after snowflake.ID
			if tc.before != 0 {
				before = sf(tc.before)
			}
			if tc.after != 0 {
				after = sf(tc.after)
			}
			got, err := bs.List(ctx, g, before, after, tc.limit)
			noErr(t, err, "list bans")
			equal(t, "bans", append([]snowflake.ID{}, idsOf(got, func(b storage.Ban) snowflake.ID { return b.UserID })...), append([]snowflake.ID{}, tc.want...))
		})
	}
	noErr(t, bs.Delete(ctx, g, sf(3)), "delete ban")
	_, err = bs.Get(ctx, g, sf(3))
	wantErr(t, err, storage.ErrNotFound, "deleted ban")
	wantErr(t, bs.Delete(ctx, g, sf(3)), storage.ErrNotFound, "delete ban twice")
}

// ---- invites ----

func testInvites(t *testing.T, s storage.Store) {
	ctx := t.Context()
	is := s.Invites()
	g := sf(100)
	inv := storage.Invite{Code: "abc", GuildID: g, ChannelID: sf(1), InviterID: sf(5), MaxAge: 3600, MaxUses: 2, Temporary: true, CreatedAt: at(1)}
	noErr(t, is.Create(ctx, inv), "create invite")
	noErr(t, is.Create(ctx, storage.Invite{Code: "def", GuildID: g, ChannelID: sf(2), CreatedAt: at(2)}), "create invite 2")
	noErr(t, is.Create(ctx, storage.Invite{Code: "ghi", GuildID: sf(200), ChannelID: sf(3), CreatedAt: at(3)}), "create invite 3")
	wantErr(t, is.Create(ctx, inv), storage.ErrConflict, "duplicate code")

	got, err := is.Get(ctx, "abc")
	noErr(t, err, "get invite")
	equal(t, "invite", got, inv)
	_, err = is.Get(ctx, "zzz")
	wantErr(t, err, storage.ErrNotFound, "get unknown invite")
	codes := func(is []storage.Invite) []string {
		var out []string
		for _, i := range is {
			out = append(out, i.Code)
		}
		slices.Sort(out)
		return out
	}
	list, err := is.ListByGuild(ctx, g)
	noErr(t, err, "list by guild")
	equal(t, "guild invites", codes(list), []string{"abc", "def"})
	list, err = is.ListByChannel(ctx, sf(2))
	noErr(t, err, "list by channel")
	equal(t, "channel invites", codes(list), []string{"def"})

	for want := 1; want <= 2; want++ {
		got, err := is.Use(ctx, "abc")
		noErr(t, err, "use invite")
		equal(t, "uses", got.Uses, want)
		equal(t, "code", got.Code, "abc")
	}
	_, err = is.Use(ctx, "abc")
	wantErr(t, err, storage.ErrNotFound, "use exhausted invite")
	got, err = is.Get(ctx, "abc")
	noErr(t, err, "get exhausted invite")
	equal(t, "uses after exhaustion", got.Uses, 2)
	_, err = is.Use(ctx, "zzz")
	wantErr(t, err, storage.ErrNotFound, "use unknown invite")

	t.Run("UseConcurrent", func(t *testing.T) {
		noErr(t, is.Create(ctx, storage.Invite{Code: "race", GuildID: g, ChannelID: sf(1), MaxUses: 3, CreatedAt: at(1)}), "create")
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, gone := 0, 0
		for range 8 {
			wg.Go(func() {
				_, err := is.Use(ctx, "race")
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, storage.ErrNotFound):
					gone++
				default:
					t.Errorf("use: %v", err)
				}
			})
		}
		wg.Wait()
		equal(t, "successful uses", ok, 3)
		equal(t, "refused uses", gone, 5)
	})

	for range 5 {
		_, err := is.Use(ctx, "def") // unlimited
		noErr(t, err, "use unlimited invite")
	}
	noErr(t, is.Delete(ctx, "def"), "delete invite")
	_, err = is.Get(ctx, "def")
	wantErr(t, err, storage.ErrNotFound, "deleted invite")
	wantErr(t, is.Delete(ctx, "def"), storage.ErrNotFound, "delete invite twice")
	_, err = is.Use(ctx, "def")
	wantErr(t, err, storage.ErrNotFound, "use deleted invite")
}

// ---- webhooks ----

func testWebhooks(t *testing.T, s storage.Store) {
	ctx := t.Context()
	ws := s.Webhooks()
	g := sf(100)
	w := storage.Webhook{ID: sf(3), Type: 1, GuildID: g, ChannelID: sf(1), CreatorID: sf(5), Name: "hook", Avatar: ptr("a"), Token: "secret", ApplicationID: sf(6)}
	for _, x := range []storage.Webhook{w, {ID: sf(2), GuildID: g, ChannelID: sf(2), Token: "t"}, {ID: sf(1), GuildID: g, ChannelID: sf(1), Token: "t"}, {ID: sf(4), GuildID: sf(200), ChannelID: sf(9)}} {
		noErr(t, ws.Create(ctx, x), "create webhook")
	}
	wantErr(t, ws.Create(ctx, w), storage.ErrConflict, "duplicate webhook")
	got, err := ws.Get(ctx, w.ID)
	noErr(t, err, "get webhook")
	equal(t, "webhook", got, w)
	hookIDs := func(ws []storage.Webhook) []snowflake.ID {
		return idsOf(ws, func(w storage.Webhook) snowflake.ID { return w.ID })
	}
	list, err := ws.ListByChannel(ctx, sf(1))
	noErr(t, err, "list by channel")
	equal(t, "channel webhooks", hookIDs(list), sfs(1, 3))
	list, err = ws.ListByGuild(ctx, g)
	noErr(t, err, "list by guild")
	equal(t, "guild webhooks", hookIDs(list), sfs(1, 2, 3))

	w.Name, w.ChannelID, w.Avatar = "moved", sf(2), nil
	noErr(t, ws.Update(ctx, w), "update webhook")
	got, err = ws.Get(ctx, w.ID)
	noErr(t, err, "get updated webhook")
	equal(t, "updated webhook", got, w)
	list, err = ws.ListByChannel(ctx, sf(2))
	noErr(t, err, "list by new channel")
	equal(t, "webhooks of new channel", hookIDs(list), sfs(2, 3))
	wantErr(t, ws.Update(ctx, storage.Webhook{ID: sf(99)}), storage.ErrNotFound, "update unknown webhook")

	noErr(t, ws.Delete(ctx, w.ID), "delete webhook")
	_, err = ws.Get(ctx, w.ID)
	wantErr(t, err, storage.ErrNotFound, "deleted webhook")
	wantErr(t, ws.Delete(ctx, w.ID), storage.ErrNotFound, "delete webhook twice")
}

// ---- emojis ----

func testEmojis(t *testing.T, s storage.Store) {
	ctx := t.Context()
	es := s.Emojis()
	g := sf(100)
	e := storage.Emoji{ID: sf(2), GuildID: g, Name: "party", Roles: sfs(7), CreatorID: sf(5), Animated: true, Available: true, Image: []byte{0x89, 'P', 'N', 'G', 0}}
	for _, x := range []storage.Emoji{e, {ID: sf(1), GuildID: g, Name: "a", Image: []byte{1}}, {ID: sf(3), GuildID: sf(200), Name: "b", Image: []byte{2}}} {
		noErr(t, es.Create(ctx, x), "create emoji")
	}
	wantErr(t, es.Create(ctx, e), storage.ErrConflict, "duplicate emoji")
	got, err := es.Get(ctx, g, e.ID)
	noErr(t, err, "get emoji")
	equal(t, "emoji", got, e)
	_, err = es.Get(ctx, sf(200), e.ID)
	wantErr(t, err, storage.ErrNotFound, "get emoji through another guild")

	list, err := es.ListByGuild(ctx, g)
	noErr(t, err, "list emojis")
	equal(t, "emoji ids", idsOf(list, func(e storage.Emoji) snowflake.ID { return e.ID }), sfs(1, 2))
	for _, x := range list {
		if x.Image != nil {
			t.Fatalf("ListByGuild: got image for %d, want none", x.ID)
		}
	}
	listed := list[1]
	listed.Name, listed.Roles = "renamed", nil
	noErr(t, es.Update(ctx, listed), "update listed emoji (no image)")
	got, err = es.Get(ctx, g, e.ID)
	noErr(t, err, "get updated emoji")
	e.Name, e.Roles = "renamed", nil
	equal(t, "updated emoji keeps image", got, e)
	wantErr(t, es.Update(ctx, storage.Emoji{ID: sf(99), GuildID: g}), storage.ErrNotFound, "update unknown emoji")

	noErr(t, es.Delete(ctx, g, e.ID), "delete emoji")
	_, err = es.Get(ctx, g, e.ID)
	wantErr(t, err, storage.ErrNotFound, "deleted emoji")
	wantErr(t, es.Delete(ctx, g, e.ID), storage.ErrNotFound, "delete emoji twice")
}

// ---- settings ----

func testSettings(t *testing.T, s storage.Store) {
	ctx := t.Context()
	ss := s.Settings()
	_, err := ss.Get(ctx, "secret")
	wantErr(t, err, storage.ErrNotFound, "get missing setting")
	v, err := ss.PutIfAbsent(ctx, "secret", []byte("first"))
	noErr(t, err, "put")
	equal(t, "first put", string(v), "first")
	v, err = ss.PutIfAbsent(ctx, "secret", []byte("second"))
	noErr(t, err, "put again")
	equal(t, "second put returns the first value", string(v), "first")
	v, err = ss.Get(ctx, "secret")
	noErr(t, err, "get")
	equal(t, "stored", string(v), "first")

	t.Run("Concurrent", func(t *testing.T) {
		const n = 8
		var wg sync.WaitGroup
		got := make([]string, n)
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				v, err := ss.PutIfAbsent(ctx, "race", []byte(fmt.Sprint("value-", i)))
				got[i], errs[i] = string(v), err
			})
		}
		wg.Wait()
		for i := range n {
			noErr(t, errs[i], "put")
			equal(t, "every caller agrees", got[i], got[0])
		}
	})

	bin := []byte{0, 1, 2, 255}
	v, err = ss.PutIfAbsent(ctx, "bin", bin)
	noErr(t, err, "put binary")
	equal(t, "binary value", v, bin)
	v, err = ss.PutIfAbsent(ctx, "empty", []byte{})
	noErr(t, err, "put empty value")
	equal(t, "empty value length", len(v), 0)
}

// ---- attachments ----

func testAttachments(t *testing.T, s storage.Store) {
	ctx := t.Context()
	as := s.Attachments()
	ch, msg := sf(10), sf(20)
	a := newAttachment(1, ch, msg)
	empty := storage.Attachment{ID: sf(2), ChannelID: ch, MessageID: msg, Filename: "empty.txt", ContentType: "text/plain", Data: []byte{}}
	big := newAttachment(3, ch, msg)
	big.Data = make([]byte, 1<<20)
	for i := range big.Data {
		big.Data[i] = byte(i * 7)
	}
	big.Size = len(big.Data)
	noErr(t, as.Put(ctx, a, empty, big), "put attachments")
	noErr(t, as.Put(ctx), "put nothing")

	for _, tc := range []struct {
		name string
		want storage.Attachment
	}{{"binary", a}, {"empty", empty}, {"1 MiB", big}} {
		t.Run(tc.name, func(t *testing.T) {
			got, err := as.Get(ctx, ch, tc.want.ID)
			noErr(t, err, "get attachment")
			equal(t, "attachment", got, tc.want)
		})
	}
	_, err := as.Get(ctx, sf(11), a.ID)
	wantErr(t, err, storage.ErrNotFound, "get attachment through another channel")
	_, err = as.Get(ctx, ch, sf(99))
	wantErr(t, err, storage.ErrNotFound, "get unknown attachment")

	// Put is atomic: a duplicate aborts the whole batch.
	fresh := newAttachment(4, ch, msg)
	wantErr(t, as.Put(ctx, fresh, a), storage.ErrConflict, "put duplicate")
	attachmentGone(t, s, ch, fresh.ID, true, "attachment of a failed batch")

	// Delete only touches the given message's attachments.
	other := newAttachment(5, ch, sf(21))
	noErr(t, as.Put(ctx, other), "put other message's attachment")
	noErr(t, as.Delete(ctx, msg, []snowflake.ID{a.ID, other.ID, sf(98)}), "delete attachments")
	attachmentGone(t, s, ch, a.ID, true, "deleted attachment")
	attachmentGone(t, s, ch, other.ID, false, "other message's attachment")
	attachmentGone(t, s, ch, empty.ID, false, "attachment not listed")
	noErr(t, as.Delete(ctx, msg, nil), "delete none")

	noErr(t, as.DeleteByMessage(ctx, msg), "delete by message")
	attachmentGone(t, s, ch, empty.ID, true, "attachment after DeleteByMessage")
	attachmentGone(t, s, ch, big.ID, true, "attachment after DeleteByMessage")
	attachmentGone(t, s, ch, other.ID, false, "other message's attachment after DeleteByMessage")
}

// testAttachmentCascades checks that every message delete takes the message's files along.
func testAttachmentCascades(t *testing.T, s storage.Store) {
	ctx := t.Context()
	m := s.Messages()
	g, ch, ch2 := sf(100), sf(1), sf(2)
	createMessages(t, s, ch, g, 10, 11, 12, 13)
	createMessages(t, s, ch2, g, 14)
	for _, n := range []int{10, 11, 12, 13} {
		noErr(t, s.Attachments().Put(ctx, newAttachment(n+100, ch, sf(n))), "put attachment")
	}
	noErr(t, s.Attachments().Put(ctx, newAttachment(114, ch2, sf(14))), "put attachment")

	noErr(t, m.Delete(ctx, ch, sf(10)), "delete message")
	attachmentGone(t, s, ch, sf(110), true, "attachment of deleted message")
	attachmentGone(t, s, ch, sf(111), false, "attachment of another message")

	_, err := m.DeleteMany(ctx, ch, sfs(11, 12))
	noErr(t, err, "delete many")
	attachmentGone(t, s, ch, sf(111), true, "attachment of bulk-deleted message")
	attachmentGone(t, s, ch, sf(112), true, "attachment of bulk-deleted message")
	attachmentGone(t, s, ch, sf(113), false, "attachment of a message not bulk-deleted")

	_, err = m.DeleteByAuthorSince(ctx, g, sf(1), sf(13))
	noErr(t, err, "delete by author")
	attachmentGone(t, s, ch, sf(113), true, "attachment of a purged message")
	attachmentGone(t, s, ch2, sf(114), true, "attachment of a purged message in another channel")
}
