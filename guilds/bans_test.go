package guilds_test

import (
	"slices"
	"testing"
	"time"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

func TestBanLifecycle(t *testing.T) {
	f := newFixture(t)
	m := f.member("troll")
	other := bwChannel(f, "other", opcodes.ChannelGuildText)
	g1 := bwPost(f, m, f.chID, "spam one")
	g2 := bwPost(f, m, f.chID, "spam two")
	o1 := bwPost(f, m, other, "spam three")
	kept := bwPost(f, f.owner, f.chID, "owner's message stays")
	inv, err := f.svc.CreateInvite(f.ctx, f.owner, f.chID, guilds.InviteParams{})
	if err != nil {
		t.Fatal(err)
	}

	reason := "spamming"
	mark := bwMark(f)
	if err := f.svc.CreateBan(f.ctx, f.owner, f.guild.ID, m, 3600, &reason); err != nil {
		t.Fatalf("CreateBan: %v", err)
	}

	// Events: GUILD_BAN_ADD (to BAN_MEMBERS holders, Subject drops the guild from the
	// banned user's sessions), GUILD_MEMBER_REMOVE, then one deletion event per channel.
	all := bwEventsSince(f, mark, "")
	names := make([]opcodes.EventName, len(all))
	for i, ev := range all {
		names[i] = ev.Name
	}
	if len(names) < 2 || names[0] != opcodes.EventGuildBanAdd || names[1] != opcodes.EventGuildMemberRemove {
		t.Fatalf("event order = %v, want GUILD_BAN_ADD, GUILD_MEMBER_REMOVE first", names)
	}
	add := bwOneEvent(t, f, mark, opcodes.EventGuildBanAdd)
	if add.GuildID != f.guild.ID || add.Perm != opcodes.PermBanMembers || add.Subject != m || add.ChannelID != 0 {
		t.Fatalf("GUILD_BAN_ADD scope = %+v", add)
	}
	if d := eventData[opcodes.GuildBanEvent](t, add); d.GuildID != f.guild.ID || d.User.ID != m {
		t.Fatalf("GUILD_BAN_ADD data = %#v", add.Data)
	}
	rm := bwOneEvent(t, f, mark, opcodes.EventGuildMemberRemove)
	if rm.Subject != m || rm.GuildID != f.guild.ID {
		t.Fatalf("GUILD_MEMBER_REMOVE = %+v", rm)
	}
	bulk := bwOneEvent(t, f, mark, opcodes.EventMessageDeleteBulk)
	bd := eventData[opcodes.MessageDeleteBulk](t, bulk)
	if bulk.GuildID != f.guild.ID || bulk.ChannelID != f.chID || bd.ChannelID != f.chID ||
		!slices.Equal(bd.IDs, []snowflake.ID{g1, g2}) || bd.GuildID == nil || *bd.GuildID != f.guild.ID {
		t.Fatalf("MESSAGE_DELETE_BULK = %+v / %+v", bulk, bd)
	}
	one := bwOneEvent(t, f, mark, opcodes.EventMessageDelete)
	od := eventData[opcodes.MessageDelete](t, one)
	if one.ChannelID != other || od.ID != o1 || od.ChannelID != other {
		t.Fatalf("MESSAGE_DELETE = %+v / %+v", one, od)
	}
	if _, err := f.svc.Message(f.ctx, f.owner, f.chID, g1); err == nil {
		t.Fatal("banned user's message still readable")
	}
	if _, err := f.svc.Message(f.ctx, f.owner, f.chID, kept); err != nil {
		t.Fatalf("owner's message gone: %v", err)
	}

	_, err = f.svc.Member(f.ctx, f.owner, f.guild.ID, m)
	wantErr(t, err, guilds.ErrUnknownMember)
	ban, err := f.svc.Ban(f.ctx, f.owner, f.guild.ID, m)
	if err != nil || ban.User.ID != m || ban.Reason == nil || *ban.Reason != reason {
		t.Fatalf("Ban = %+v, %v", ban, err)
	}
	bans, err := f.svc.Bans(f.ctx, f.owner, f.guild.ID, 0, 0, 1000)
	if err != nil || len(bans) != 1 || bans[0].User.ID != m {
		t.Fatalf("Bans = %+v, %v", bans, err)
	}

	// A banned user cannot rejoin.
	_, err = f.svc.AcceptInvite(f.ctx, m, inv.Code)
	wantErr(t, err, guilds.ErrBanned)

	// Banning again updates the reason without a second GUILD_BAN_ADD.
	reason2 := "still spamming"
	mark = bwMark(f)
	if err := f.svc.CreateBan(f.ctx, f.owner, f.guild.ID, m, 0, &reason2); err != nil {
		t.Fatalf("re-ban: %v", err)
	}
	bwNoEvents(t, f, mark)
	if ban, _ := f.svc.Ban(f.ctx, f.owner, f.guild.ID, m); ban.Reason == nil || *ban.Reason != reason2 {
		t.Fatalf("reason after re-ban = %v", ban.Reason)
	}

	mark = bwMark(f)
	if err := f.svc.RemoveBan(f.ctx, f.owner, f.guild.ID, m); err != nil {
		t.Fatalf("RemoveBan: %v", err)
	}
	ev := bwOneEvent(t, f, mark, opcodes.EventGuildBanRemove)
	if ev.GuildID != f.guild.ID || ev.Perm != opcodes.PermBanMembers || eventData[opcodes.GuildBanEvent](t, ev).User.ID != m {
		t.Fatalf("GUILD_BAN_REMOVE = %+v", ev)
	}
	_, err = f.svc.Ban(f.ctx, f.owner, f.guild.ID, m)
	wantErr(t, err, guilds.ErrUnknownBan)
	wantErr(t, f.svc.RemoveBan(f.ctx, f.owner, f.guild.ID, m), guilds.ErrUnknownBan)
	if _, err := f.svc.AcceptInvite(f.ctx, m, inv.Code); err != nil {
		t.Fatalf("rejoin after unban: %v", err)
	}
}

func TestBanDeleteWindow(t *testing.T) {
	f, clock := bwClockFixture(t)
	m := f.member("chatty")
	old := bwPost(f, m, f.chID, "two hours ago")
	clock.advance(2 * time.Hour)

	// The message is older than the hour being purged, so it stays; nothing is published.
	mark := bwMark(f)
	if err := f.svc.CreateBan(f.ctx, f.owner, f.guild.ID, m, 3600, nil); err != nil {
		t.Fatalf("CreateBan: %v", err)
	}
	if evs := bwEventsSince(f, mark, opcodes.EventMessageDelete); len(evs) != 0 {
		t.Fatalf("MESSAGE_DELETE = %+v, want none", evs)
	}
	if _, err := f.svc.Message(f.ctx, f.owner, f.chID, old); err != nil {
		t.Fatalf("old message deleted: %v", err)
	}
	// Seven days covers it.
	mark = bwMark(f)
	if err := f.svc.CreateBan(f.ctx, f.owner, f.guild.ID, m, 604800, nil); err != nil {
		t.Fatalf("CreateBan: %v", err)
	}
	if ev := bwOneEvent(t, f, mark, opcodes.EventMessageDelete); eventData[opcodes.MessageDelete](t, ev).ID != old {
		t.Fatalf("MESSAGE_DELETE = %+v", ev)
	}
}

func TestBanPermissions(t *testing.T) {
	f := newFixture(t)
	outsider := f.user("outsider")
	plain := f.member("plain")
	mod := f.member("mod")
	mod2 := f.member("mod2")
	victim := f.member("victim")
	stranger := f.user("stranger") // not a member: can be banned pre-emptively
	bwRole(f, opcodes.PermBanMembers, mod, mod2)
	botID, _ := f.bot("Banhammer", opcodes.PermBanMembers)
	victim2 := f.member("victim2")

	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"outsider lists bans", func() error { _, err := f.svc.Bans(f.ctx, outsider, f.guild.ID, 0, 0, 10); return err }, guilds.ErrUnknownGuild},
		{"member lists bans", func() error { _, err := f.svc.Bans(f.ctx, plain, f.guild.ID, 0, 0, 10); return err }, guilds.ErrMissingPermissions},
		{"member gets ban", func() error { _, err := f.svc.Ban(f.ctx, plain, f.guild.ID, victim); return err }, guilds.ErrMissingPermissions},
		{"member bans", func() error { return f.svc.CreateBan(f.ctx, plain, f.guild.ID, victim, 0, nil) }, guilds.ErrMissingPermissions},
		{"outsider bans", func() error { return f.svc.CreateBan(f.ctx, outsider, f.guild.ID, victim, 0, nil) }, guilds.ErrUnknownGuild},
		{"member unbans", func() error { return f.svc.RemoveBan(f.ctx, plain, f.guild.ID, victim) }, guilds.ErrMissingPermissions},
		{"mod bans owner", func() error { return f.svc.CreateBan(f.ctx, mod, f.guild.ID, f.owner, 0, nil) }, guilds.ErrMissingPermissions},
		{"mod bans self", func() error { return f.svc.CreateBan(f.ctx, mod, f.guild.ID, mod, 0, nil) }, guilds.ErrMissingPermissions},
		{"owner bans self", func() error { return f.svc.CreateBan(f.ctx, f.owner, f.guild.ID, f.owner, 0, nil) }, guilds.ErrMissingPermissions},
		{"mod bans equal rank", func() error { return f.svc.CreateBan(f.ctx, mod, f.guild.ID, mod2, 0, nil) }, guilds.ErrMissingPermissions},
		{"mod bans unknown user", func() error { return f.svc.CreateBan(f.ctx, mod, f.guild.ID, 424242, 0, nil) }, guilds.ErrUnknownUser},
		{"mod gets missing ban", func() error { _, err := f.svc.Ban(f.ctx, mod, f.guild.ID, plain); return err }, guilds.ErrUnknownBan},
		{"mod bulk-bans without MANAGE_GUILD", func() error {
			_, err := f.svc.BulkBan(f.ctx, mod, f.guild.ID, []snowflake.ID{victim}, 0)
			return err
		}, guilds.ErrMissingPermissions},
		{"mod bans lower member", func() error { return f.svc.CreateBan(f.ctx, mod, f.guild.ID, victim, 0, nil) }, nil},
		{"mod bans non-member", func() error { return f.svc.CreateBan(f.ctx, mod, f.guild.ID, stranger, 0, nil) }, nil},
		{"bot with BAN_MEMBERS bans member", func() error { return f.svc.CreateBan(f.ctx, botID, f.guild.ID, victim2, 0, nil) }, nil},
		{"mod unbans", func() error { return f.svc.RemoveBan(f.ctx, mod, f.guild.ID, stranger) }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mark := bwMark(f)
			err := tt.call()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
				return
			}
			wantErr(t, err, tt.want)
			bwNoEvents(t, f, mark)
		})
	}
}

func TestBannedBotCannotBeReauthorized(t *testing.T) {
	f := newFixture(t)
	botID, _ := f.bot("Naughty", 0)
	if err := f.svc.CreateBan(f.ctx, f.owner, f.guild.ID, botID, 0, nil); err != nil {
		t.Fatalf("ban bot: %v", err)
	}
	err := f.svc.AuthorizeBot(f.ctx, f.owner, botID, guilds.AuthorizeBotParams{GuildID: f.guild.ID, Authorize: true})
	wantErr(t, err, guilds.ErrBanned)
}

func TestBanValidation(t *testing.T) {
	f := newFixture(t)
	m := f.member("mm")
	many := make([]snowflake.ID, 201)
	for i := range many {
		many[i] = snowflake.ID(1000 + i)
	}
	tests := []struct {
		name  string
		call  func() error
		field string
	}{
		{"negative delete seconds", func() error { return f.svc.CreateBan(f.ctx, f.owner, f.guild.ID, m, -1, nil) }, "delete_message_seconds"},
		{"delete seconds over 7 days", func() error { return f.svc.CreateBan(f.ctx, f.owner, f.guild.ID, m, 604801, nil) }, "delete_message_seconds"},
		{"limit 0", func() error { _, err := f.svc.Bans(f.ctx, f.owner, f.guild.ID, 0, 0, 0); return err }, "limit"},
		{"limit 1001", func() error { _, err := f.svc.Bans(f.ctx, f.owner, f.guild.ID, 0, 0, 1001); return err }, "limit"},
		{"bulk ban nobody", func() error { _, err := f.svc.BulkBan(f.ctx, f.owner, f.guild.ID, nil, 0); return err }, "user_ids"},
		{"bulk ban 201", func() error { _, err := f.svc.BulkBan(f.ctx, f.owner, f.guild.ID, many, 0); return err }, "user_ids"},
		{"bulk ban delete seconds", func() error {
			_, err := f.svc.BulkBan(f.ctx, f.owner, f.guild.ID, []snowflake.ID{m}, 604801)
			return err
		}, "delete_message_seconds"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mark := bwMark(f)
			wantValidation(t, tt.call(), tt.field)
			bwNoEvents(t, f, mark)
		})
	}
	// Limits at the bounds are fine.
	if err := f.svc.CreateBan(f.ctx, f.owner, f.guild.ID, m, 604800, nil); err != nil {
		t.Fatalf("delete seconds 604800: %v", err)
	}
	if _, err := f.svc.Bans(f.ctx, f.owner, f.guild.ID, 0, 0, 1); err != nil {
		t.Fatalf("limit 1: %v", err)
	}
}

func TestBansPaging(t *testing.T) {
	f := newFixture(t)
	var ids []snowflake.ID
	for _, name := range []string{"a1", "a2", "a3", "a4"} {
		id := f.user(name)
		ids = append(ids, id)
		if err := f.svc.CreateBan(f.ctx, f.owner, f.guild.ID, id, 0, nil); err != nil {
			t.Fatal(err)
		}
	}
	userIDs := func(bs []opcodes.Ban) []snowflake.ID {
		out := make([]snowflake.ID, len(bs))
		for i, b := range bs {
			out[i] = b.User.ID
		}
		return out
	}
	tests := []struct {
		name          string
		before, after snowflake.ID
		limit         int
		want          []snowflake.ID
	}{
		{"first page", 0, 0, 2, ids[:2]},
		{"after", 0, ids[0], 2, ids[1:3]},
		{"before takes the last ones", ids[3], 0, 2, ids[1:3]},
		{"between", ids[3], ids[0], 10, ids[1:3]},
		{"all", 0, 0, 1000, ids},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			bs, err := f.svc.Bans(f.ctx, f.owner, f.guild.ID, tt.before, tt.after, tt.limit)
			if err != nil {
				t.Fatal(err)
			}
			if got := userIDs(bs); !slices.Equal(got, tt.want) {
				t.Fatalf("bans = %v, want %v", got, tt.want)
			}
		})
	}
}

func TestBulkBan(t *testing.T) {
	f := newFixture(t)
	m1 := f.member("m1")
	m2 := f.member("m2")
	stranger := f.user("stranger")
	post := bwPost(f, m1, f.chID, "bye")

	mark := bwMark(f)
	res, err := f.svc.BulkBan(f.ctx, f.owner, f.guild.ID, []snowflake.ID{m1, m2, f.owner, 999999, stranger, m1}, 3600)
	if err != nil {
		t.Fatalf("BulkBan: %v", err)
	}
	if !slices.Equal(res.BannedUsers, []snowflake.ID{m1, m2, stranger}) || !slices.Equal(res.FailedUsers, []snowflake.ID{f.owner, 999999}) {
		t.Fatalf("result = %+v", res)
	}
	adds := bwEventsSince(f, mark, opcodes.EventGuildBanAdd)
	if len(adds) != 3 {
		t.Fatalf("GUILD_BAN_ADD = %d events, want 3", len(adds))
	}
	for _, ev := range adds {
		if ev.Perm != opcodes.PermBanMembers || ev.GuildID != f.guild.ID || ev.Subject == 0 {
			t.Fatalf("GUILD_BAN_ADD scope = %+v", ev)
		}
	}
	if rms := bwEventsSince(f, mark, opcodes.EventGuildMemberRemove); len(rms) != 2 {
		t.Fatalf("GUILD_MEMBER_REMOVE = %d events, want 2", len(rms))
	}
	if ev := bwOneEvent(t, f, mark, opcodes.EventMessageDelete); eventData[opcodes.MessageDelete](t, ev).ID != post {
		t.Fatalf("MESSAGE_DELETE = %+v", ev)
	}

	// Already banned users fail; an empty result is still an answer for the caller to map.
	mark = bwMark(f)
	res, err = f.svc.BulkBan(f.ctx, f.owner, f.guild.ID, []snowflake.ID{m1}, 0)
	if err != nil || len(res.BannedUsers) != 0 || !slices.Equal(res.FailedUsers, []snowflake.ID{m1}) {
		t.Fatalf("second BulkBan = %+v, %v", res, err)
	}
	bwNoEvents(t, f, mark)

	// A moderator with both permissions cannot bulk-ban those at or above them.
	mod := f.member("mod")
	peer := f.member("peer")
	low := f.member("low")
	bwRole(f, opcodes.PermBanMembers|opcodes.PermManageGuild, mod, peer)
	res, err = f.svc.BulkBan(f.ctx, mod, f.guild.ID, []snowflake.ID{peer, low, mod}, 0)
	if err != nil || !slices.Equal(res.BannedUsers, []snowflake.ID{low}) || !slices.Equal(res.FailedUsers, []snowflake.ID{peer, mod}) {
		t.Fatalf("mod BulkBan = %+v, %v", res, err)
	}
}
