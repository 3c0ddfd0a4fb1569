package storagetest

import (
	"encoding/json"
	"testing"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

func testGuildConfigs(t *testing.T, s storage.Store) {
	ctx := t.Context()
	cs := s.GuildConfigs()
	_, err := cs.Get(ctx, sf(1), "widget")
	wantErr(t, err, storage.ErrNotFound, "config never written")
	noErr(t, cs.Put(ctx, sf(1), "widget", []byte(`{"enabled":true}`)), "put config")
	noErr(t, cs.Put(ctx, sf(1), "welcome", []byte(`{"a":1}`)), "put other kind")
	noErr(t, cs.Put(ctx, sf(2), "widget", []byte(`{"other":1}`)), "put other guild")
	noErr(t, cs.Put(ctx, sf(1), "widget", []byte(`{"enabled":false}`)), "replace config")
	got, err := cs.Get(ctx, sf(1), "widget")
	noErr(t, err, "get config")
	equal(t, "replaced config", string(got), `{"enabled":false}`)
	got, err = cs.Get(ctx, sf(1), "welcome")
	noErr(t, err, "get other kind")
	equal(t, "other kind", string(got), `{"a":1}`)
}

func testTemplates(t *testing.T, s storage.Store) {
	ctx := t.Context()
	ts := s.Templates()
	tpl := storage.Template{Code: "abcDEF", GuildID: sf(1), Name: "tpl", Description: ptr("d"), CreatorID: sf(5),
		CreatedAt: at(1), UpdatedAt: at(1), Source: json.RawMessage(`{"name":"g"}`)}
	other := storage.Template{Code: "zzz", GuildID: sf(1), Name: "second", CreatorID: sf(5), CreatedAt: at(2), UpdatedAt: at(2), Source: json.RawMessage(`{}`)}
	noErr(t, ts.Create(ctx, tpl), "create template")
	noErr(t, ts.Create(ctx, other), "create second template")
	noErr(t, ts.Create(ctx, storage.Template{Code: "elsewhere", GuildID: sf(2), CreatedAt: at(0), Source: json.RawMessage(`{}`)}), "create in other guild")
	wantErr(t, ts.Create(ctx, tpl), storage.ErrConflict, "duplicate code")
	got, err := ts.Get(ctx, "abcDEF")
	noErr(t, err, "get template")
	equal(t, "template", got, tpl)
	_, err = ts.Get(ctx, "abcdef")
	wantErr(t, err, storage.ErrNotFound, "codes are case-sensitive")
	list, err := ts.ListByGuild(ctx, sf(1))
	noErr(t, err, "list templates")
	if len(list) != 2 || list[0].Code != "abcDEF" || list[1].Code != "zzz" {
		t.Fatalf("list: %+v", list)
	}
	used, err := ts.Use(ctx, "abcDEF")
	noErr(t, err, "use template")
	equal(t, "usage count", used.UsageCount, 1)
	_, err = ts.Use(ctx, "nope")
	wantErr(t, err, storage.ErrNotFound, "use unknown template")

	upd := tpl
	upd.Name, upd.Description, upd.UpdatedAt, upd.Source = "renamed", nil, at(9), json.RawMessage(`{"name":"h"}`)
	upd.GuildID, upd.CreatorID, upd.CreatedAt, upd.UsageCount = sf(77), sf(78), at(99), 40 // ignored
	noErr(t, ts.Update(ctx, upd), "update template")
	got, err = ts.Get(ctx, "abcDEF")
	noErr(t, err, "get updated template")
	want := tpl
	want.Name, want.Description, want.UpdatedAt, want.Source, want.UsageCount = "renamed", nil, at(9), json.RawMessage(`{"name":"h"}`), 1
	equal(t, "updated template", got, want)
	wantErr(t, ts.Update(ctx, storage.Template{Code: "nope"}), storage.ErrNotFound, "update unknown template")

	noErr(t, ts.Delete(ctx, "abcDEF"), "delete template")
	_, err = ts.Get(ctx, "abcDEF")
	wantErr(t, err, storage.ErrNotFound, "deleted template")
	wantErr(t, ts.Delete(ctx, "abcDEF"), storage.ErrNotFound, "delete twice")
}

func testVoiceStates(t *testing.T, s storage.Store) {
	ctx := t.Context()
	vs := s.VoiceStates()
	g, ch, ch2 := sf(1), sf(10), sf(11)
	a := storage.VoiceState{GuildID: g, UserID: sf(100), ChannelID: ch, SessionID: "s1", Node: 3, SelfMute: true, RequestToSpeak: ptr(at(1))}
	b := storage.VoiceState{GuildID: g, UserID: sf(101), ChannelID: ch, SessionID: "s2", Node: 4, SelfDeaf: true, Suppress: true}
	noErr(t, vs.Put(ctx, a, 2), "put a")
	noErr(t, vs.Put(ctx, b, 2), "put b")
	// Full: a third user may not join a channel limited to 2, but a member may update theirs.
	c := storage.VoiceState{GuildID: g, UserID: sf(102), ChannelID: ch, SessionID: "s1", Node: 3}
	wantErr(t, vs.Put(ctx, c, 2), storage.ErrConflict, "put into full channel")
	_, err := vs.Get(ctx, g, c.UserID)
	wantErr(t, err, storage.ErrNotFound, "refused state written")
	a.SelfVideo = true
	noErr(t, vs.Put(ctx, a, 2), "update a in full channel")
	noErr(t, vs.Put(ctx, c, 0), "no limit")
	got, err := vs.Get(ctx, g, a.UserID)
	noErr(t, err, "get a")
	equal(t, "voice state", got, a)
	// Moving replaces: one state per (guild, user).
	c.ChannelID = ch2
	noErr(t, vs.Put(ctx, c, 1), "move c")
	list, err := vs.ListByGuild(ctx, g)
	noErr(t, err, "list voice states")
	equal(t, "list", idsOf(list, func(v storage.VoiceState) snowflake.ID { return v.UserID }), sfs(100, 101, 102))
	equal(t, "moved", list[2].ChannelID, ch2)
	noErr(t, vs.Put(ctx, storage.VoiceState{GuildID: sf(2), UserID: sf(100), ChannelID: sf(20), SessionID: "s1", Node: 3}, 0), "put other guild")

	gone, err := vs.DeleteSession(ctx, "s1")
	noErr(t, err, "delete session")
	equal(t, "session's states", sorted(idsOf(gone, func(v storage.VoiceState) snowflake.ID { return v.UserID })), sfs(100, 100, 102))
	gone, err = vs.DeleteSession(ctx, "s1")
	noErr(t, err, "delete session twice")
	equal(t, "second delete", len(gone), 0)

	noErr(t, vs.Put(ctx, a, 0), "put a again")
	gone, err = vs.DeleteNode(ctx, 4)
	noErr(t, err, "delete node")
	equal(t, "node's states", idsOf(gone, func(v storage.VoiceState) snowflake.ID { return v.UserID }), sfs(101))
	gone, err = vs.DeleteChannel(ctx, ch)
	noErr(t, err, "delete channel")
	equal(t, "channel's states", idsOf(gone, func(v storage.VoiceState) snowflake.ID { return v.UserID }), sfs(100))
	noErr(t, vs.Put(ctx, a, 0), "put a once more")
	noErr(t, vs.Delete(ctx, g, a.UserID), "delete a")
	wantErr(t, vs.Delete(ctx, g, a.UserID), storage.ErrNotFound, "delete a twice")
}

func testActivity(t *testing.T, s storage.Store) {
	ctx := t.Context()
	g := seedGuild(t, s, 100, sf(1), sf(2))
	ch := g.Channels[0].ID
	for _, m := range []storage.Message{
		{ID: sf(1000), ChannelID: ch, GuildID: g.Guild.ID, AuthorID: sf(7)},
		{ID: sf(2000), ChannelID: ch, GuildID: g.Guild.ID, AuthorID: sf(8)},
		{ID: sf(2001), ChannelID: ch, GuildID: g.Guild.ID, AuthorID: sf(8)},
		{ID: sf(3000), ChannelID: ch, GuildID: g.Guild.ID, AuthorID: sf(9)},
	} {
		noErr(t, s.Messages().Create(ctx, m), "create message")
	}
	ids, err := s.Activity().ActiveAuthors(ctx, g.Guild.ID, sf(2000))
	noErr(t, err, "active authors")
	equal(t, "active authors", sorted(ids), sfs(8, 9))
	ids, err = s.Activity().ActiveAuthors(ctx, sf(555), 0)
	noErr(t, err, "active authors of another guild")
	equal(t, "other guild", len(ids), 0)
}
