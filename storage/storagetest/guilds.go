package storagetest

import (
	"fmt"
	"testing"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

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
		noErr(t, s.AuditLog().Create(ctx, storage.AuditLogEntry{ID: sf(n + 60), GuildID: g, ActionType: 1}), "create audit entry")
		noErr(t, s.AutoModRules().Create(ctx, storage.AutoModRule{ID: sf(n + 70), GuildID: g, TriggerType: 1}, 6), "create automod rule")
		noErr(t, s.GuildConfigs().Put(ctx, g, "widget", []byte("{}")), "put guild config")
		noErr(t, s.Templates().Create(ctx, storage.Template{Code: fmt.Sprintf("tpl%d", n), GuildID: g, CreatedAt: at(1), Source: []byte("{}")}), "create template")
		noErr(t, s.VoiceStates().Put(ctx, storage.VoiceState{GuildID: g, UserID: sf(2), ChannelID: ch, SessionID: "s"}, 0), "put voice state")
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
		_, err = s.GuildConfigs().Get(ctx, g, "widget")
		expect("guild config", err)
		_, err = s.Templates().Get(ctx, fmt.Sprintf("tpl%d", n))
		expect("template", err)
		_, err = s.VoiceStates().Get(ctx, g, sf(2))
		expect("voice state", err)
		rs, err := s.Reactions().ListForMessages(ctx, []snowflake.ID{sf(n + 10)})
		count("reactions", len(rs), err)
		al, err := s.AuditLog().List(ctx, g, storage.AuditLogQuery{Limit: 10})
		count("audit log", len(al), err)
		_, err = s.AutoModRules().Get(ctx, g, sf(n+70))
		expect("automod rule", err)
		gl, err := s.Guilds().ListForUser(ctx, sf(2), g+1, g-1, 0)
		count("guilds for user", len(gl), err)
	}
	check(doomed, true)
	check(kept, false)
	if _, err := s.Messages().Get(ctx, dm.ID, sf(901)); err != nil {
		t.Fatalf("dm message after guild delete: %v", err)
	}
}
