package guilds_test

import (
	"regexp"
	"testing"
	"time"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

var bwInviteCode = regexp.MustCompile(`^[A-Za-z0-9]{8}$`)

func bwInt(n int) *int { return &n }

func TestCreateInviteShapeAndEvent(t *testing.T) {
	f := newFixture(t)
	mark := bwMark(f)
	inv, err := f.svc.CreateInvite(f.ctx, f.owner, f.chID, guilds.InviteParams{})
	if err != nil {
		t.Fatalf("CreateInvite: %v", err)
	}
	if !bwInviteCode.MatchString(inv.Code) || inv.Type != 0 {
		t.Fatalf("code/type = %q/%d", inv.Code, inv.Type)
	}
	if inv.Guild == nil || inv.Guild.ID != f.guild.ID || inv.Guild.Name != f.guild.Name || inv.Guild.Features == nil {
		t.Fatalf("guild = %+v", inv.Guild)
	}
	if inv.Channel == nil || inv.Channel.ID != f.chID || *inv.Channel.Name != "general" || inv.Channel.Type != opcodes.ChannelGuildText {
		t.Fatalf("channel = %+v", inv.Channel)
	}
	if inv.Inviter == nil || inv.Inviter.ID != f.owner {
		t.Fatalf("inviter = %+v", inv.Inviter)
	}
	if inv.Uses == nil || *inv.Uses != 0 || *inv.MaxUses != 0 || *inv.MaxAge != 86400 || *inv.Temporary || inv.CreatedAt == nil {
		t.Fatalf("metadata = %+v", inv)
	}
	if inv.ExpiresAt == nil || !inv.ExpiresAt.Equal(inv.CreatedAt.Add(24*time.Hour)) {
		t.Fatalf("expires_at = %v, created_at = %v", inv.ExpiresAt, inv.CreatedAt)
	}
	ev := bwOneEvent(t, f, mark, opcodes.EventInviteCreate)
	if ev.GuildID != f.guild.ID || ev.ChannelID != f.chID || ev.Perm != opcodes.PermManageChannels {
		t.Fatalf("INVITE_CREATE scope = %+v", ev)
	}
	d := eventData[opcodes.InviteCreate](t, ev)
	if d.Code != inv.Code || d.ChannelID != f.chID || *d.GuildID != f.guild.ID || d.MaxAge != 86400 || d.Inviter.ID != f.owner {
		t.Fatalf("INVITE_CREATE data = %+v", d)
	}

	// Without unique, the same settings give back the same live invite and publish nothing.
	mark = bwMark(f)
	again, err := f.svc.CreateInvite(f.ctx, f.owner, f.chID, guilds.InviteParams{})
	if err != nil || again.Code != inv.Code {
		t.Fatalf("reused invite = %q, %v; want %q", again.Code, err, inv.Code)
	}
	bwNoEvents(t, f, mark)
	uniq, err := f.svc.CreateInvite(f.ctx, f.owner, f.chID, guilds.InviteParams{Unique: true})
	if err != nil || uniq.Code == inv.Code {
		t.Fatalf("unique invite = %q, %v", uniq.Code, err)
	}
	diff, err := f.svc.CreateInvite(f.ctx, f.owner, f.chID, guilds.InviteParams{MaxUses: bwInt(5)})
	if err != nil || diff.Code == inv.Code || *diff.MaxUses != 5 {
		t.Fatalf("invite with other settings = %+v, %v", diff, err)
	}

	never, err := f.svc.CreateInvite(f.ctx, f.owner, f.chID, guilds.InviteParams{MaxAge: bwInt(0), Temporary: true})
	if err != nil || never.ExpiresAt != nil || *never.MaxAge != 0 || !*never.Temporary {
		t.Fatalf("permanent invite = %+v, %v", never, err)
	}
}

func TestInviteValidationAndPermissions(t *testing.T) {
	f := newFixture(t)
	outsider := f.user("outsider")
	plain := f.member("plain")
	category := bwChannel(f, "cat", opcodes.ChannelGuildCategory)
	dm, err := f.svc.CreateDM(f.ctx, f.owner, plain)
	if err != nil {
		t.Fatal(err)
	}
	inv, err := f.svc.CreateInvite(f.ctx, f.owner, f.chID, guilds.InviteParams{})
	if err != nil {
		t.Fatal(err)
	}

	valid := []struct {
		name  string
		p     guilds.InviteParams
		ch    snowflake.ID
		field string
	}{
		{"max_age negative", guilds.InviteParams{MaxAge: bwInt(-1)}, 0, "max_age"},
		{"max_age over 7 days", guilds.InviteParams{MaxAge: bwInt(604801)}, 0, "max_age"},
		{"max_uses negative", guilds.InviteParams{MaxUses: bwInt(-1)}, 0, "max_uses"},
		{"max_uses over 100", guilds.InviteParams{MaxUses: bwInt(101)}, 0, "max_uses"},
	}
	for name, ch := range map[string]snowflake.ID{"category": category, "DM": dm.ID} {
		mark := bwMark(f)
		_, err := f.svc.CreateInvite(f.ctx, f.owner, ch, guilds.InviteParams{})
		if err != guilds.ErrInvalidChannelType {
			t.Errorf("invite to a %s: err = %v, want ErrInvalidChannelType", name, err)
		}
		bwNoEvents(t, f, mark)
	}
	for _, tt := range valid {
		t.Run(tt.name, func(t *testing.T) {
			ch := f.chID
			if tt.ch != 0 {
				ch = tt.ch
			}
			mark := bwMark(f)
			_, err := f.svc.CreateInvite(f.ctx, f.owner, ch, tt.p)
			wantValidation(t, err, tt.field)
			bwNoEvents(t, f, mark)
		})
	}
	// The bounds themselves are accepted.
	if _, err := f.svc.CreateInvite(f.ctx, f.owner, f.chID, guilds.InviteParams{MaxAge: bwInt(604800), MaxUses: bwInt(100)}); err != nil {
		t.Fatalf("bounds: %v", err)
	}

	perms := []struct {
		name string
		call func() error
		want error
	}{
		{"outsider creates", func() error {
			_, err := f.svc.CreateInvite(f.ctx, outsider, f.chID, guilds.InviteParams{})
			return err
		}, guilds.ErrMissingAccess},
		{"unknown channel", func() error {
			_, err := f.svc.CreateInvite(f.ctx, f.owner, 12345, guilds.InviteParams{})
			return err
		}, guilds.ErrUnknownChannel},
		{"member lists channel invites", func() error { _, err := f.svc.ChannelInvites(f.ctx, plain, f.chID); return err }, guilds.ErrMissingPermissions},
		{"member lists guild invites", func() error { _, err := f.svc.GuildInvites(f.ctx, plain, f.guild.ID); return err }, guilds.ErrMissingPermissions},
		{"outsider lists guild invites", func() error { _, err := f.svc.GuildInvites(f.ctx, outsider, f.guild.ID); return err }, guilds.ErrUnknownGuild},
		{"member deletes", func() error { _, err := f.svc.DeleteInvite(f.ctx, plain, inv.Code); return err }, guilds.ErrMissingPermissions},
		{"outsider deletes", func() error { _, err := f.svc.DeleteInvite(f.ctx, outsider, inv.Code); return err }, guilds.ErrMissingPermissions},
		{"delete unknown", func() error { _, err := f.svc.DeleteInvite(f.ctx, f.owner, "nope1234"); return err }, guilds.ErrUnknownInvite},
		{"get unknown", func() error { _, err := f.svc.Invite(f.ctx, "nope1234", false); return err }, guilds.ErrUnknownInvite},
		{"accept unknown", func() error { _, err := f.svc.AcceptInvite(f.ctx, outsider, "nope1234"); return err }, guilds.ErrUnknownInvite},
	}
	for _, tt := range perms {
		t.Run(tt.name, func(t *testing.T) {
			mark := bwMark(f)
			wantErr(t, tt.call(), tt.want)
			bwNoEvents(t, f, mark)
		})
	}

	// Without CREATE_INSTANT_INVITE on @everyone a plain member cannot invite.
	bwEveryone(f, opcodes.PermDefaultEveryone&^opcodes.PermCreateInstantInvite)
	_, err = f.svc.CreateInvite(f.ctx, plain, f.chID, guilds.InviteParams{})
	wantErr(t, err, guilds.ErrMissingPermissions)
}

func TestInviteListsAndDelete(t *testing.T) {
	f := newFixture(t)
	other := bwChannel(f, "other", opcodes.ChannelGuildText)
	a, err := f.svc.CreateInvite(f.ctx, f.owner, f.chID, guilds.InviteParams{})
	if err != nil {
		t.Fatal(err)
	}
	b, err := f.svc.CreateInvite(f.ctx, f.owner, other, guilds.InviteParams{MaxUses: bwInt(3)})
	if err != nil {
		t.Fatal(err)
	}
	chInvs, err := f.svc.ChannelInvites(f.ctx, f.owner, other)
	if err != nil || len(chInvs) != 1 || chInvs[0].Code != b.Code || chInvs[0].MaxUses == nil || *chInvs[0].MaxUses != 3 {
		t.Fatalf("ChannelInvites = %+v, %v", chInvs, err)
	}
	gInvs, err := f.svc.GuildInvites(f.ctx, f.owner, f.guild.ID)
	if err != nil || len(gInvs) != 2 || gInvs[0].Uses == nil || gInvs[0].CreatedAt == nil {
		t.Fatalf("GuildInvites = %+v, %v", gInvs, err)
	}

	// MANAGE_CHANNELS (here through a role) is enough to delete an invite.
	mod := f.member("chanmod")
	bwRole(f, opcodes.PermManageChannels, mod)
	mark := bwMark(f)
	out, err := f.svc.DeleteInvite(f.ctx, mod, b.Code)
	if err != nil || out.Code != b.Code || out.Uses != nil {
		t.Fatalf("DeleteInvite = %+v, %v", out, err)
	}
	ev := bwOneEvent(t, f, mark, opcodes.EventInviteDelete)
	if ev.GuildID != f.guild.ID || ev.ChannelID != other || ev.Perm != opcodes.PermManageChannels {
		t.Fatalf("INVITE_DELETE scope = %+v", ev)
	}
	if d := eventData[opcodes.InviteDelete](t, ev); d.Code != b.Code || d.ChannelID != other || *d.GuildID != f.guild.ID {
		t.Fatalf("INVITE_DELETE data = %+v", d)
	}
	_, err = f.svc.Invite(f.ctx, b.Code, false)
	wantErr(t, err, guilds.ErrUnknownInvite)
	_, err = f.svc.DeleteInvite(f.ctx, mod, b.Code)
	wantErr(t, err, guilds.ErrUnknownInvite)

	// MANAGE_GUILD alone is enough too.
	admin := f.member("guildmod")
	bwRole(f, opcodes.PermManageGuild, admin)
	if _, err := f.svc.DeleteInvite(f.ctx, admin, a.Code); err != nil {
		t.Fatalf("DeleteInvite with MANAGE_GUILD: %v", err)
	}
}

func TestGetInvite(t *testing.T) {
	f, clock := bwClockFixture(t)
	f.member("joiner")
	inv, err := f.svc.CreateInvite(f.ctx, f.owner, f.chID, guilds.InviteParams{MaxAge: bwInt(60)})
	if err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.Invite(f.ctx, inv.Code, false)
	if err != nil {
		t.Fatalf("Invite: %v", err)
	}
	if got.Code != inv.Code || got.Guild.ID != f.guild.ID || got.Channel.ID != f.chID || got.Inviter.ID != f.owner || got.ExpiresAt == nil {
		t.Fatalf("invite = %+v", got)
	}
	if got.Uses != nil || got.MaxAge != nil || got.CreatedAt != nil || got.ApproximateMemberCount != nil {
		t.Fatalf("public invite has metadata or counts: %+v", got)
	}
	counted, err := f.svc.Invite(f.ctx, inv.Code, true)
	if err != nil || counted.ApproximateMemberCount == nil || *counted.ApproximateMemberCount != 2 || counted.ApproximatePresenceCount == nil {
		t.Fatalf("with counts = %+v, %v", counted, err)
	}

	clock.advance(61 * time.Second)
	_, err = f.svc.Invite(f.ctx, inv.Code, false)
	wantErr(t, err, guilds.ErrUnknownInvite)
	_, err = f.svc.AcceptInvite(f.ctx, f.user("late"), inv.Code)
	wantErr(t, err, guilds.ErrUnknownInvite)
	if list, err := f.svc.GuildInvites(f.ctx, f.owner, f.guild.ID); err != nil {
		t.Fatal(err)
	} else {
		for _, i := range list {
			if i.Code == inv.Code {
				t.Fatalf("expired invite listed: %+v", i)
			}
		}
	}
}

func TestAcceptInvite(t *testing.T) {
	f := newFixture(t)
	inv, err := f.svc.CreateInvite(f.ctx, f.owner, f.chID, guilds.InviteParams{MaxUses: bwInt(2)})
	if err != nil {
		t.Fatal(err)
	}
	alice := f.user("alice")
	mark := bwMark(f)
	got, err := f.svc.AcceptInvite(f.ctx, alice, inv.Code)
	if err != nil || got.Code != inv.Code || got.Guild.ID != f.guild.ID {
		t.Fatalf("AcceptInvite = %+v, %v", got, err)
	}
	add := bwOneEvent(t, f, mark, opcodes.EventGuildMemberAdd)
	if add.Subject != alice || add.GuildID != f.guild.ID {
		t.Fatalf("GUILD_MEMBER_ADD = %+v", add)
	}
	if _, err := f.svc.Member(f.ctx, f.owner, f.guild.ID, alice); err != nil {
		t.Fatalf("alice not a member: %v", err)
	}

	// Accepting again as a member spends no use and publishes nothing.
	mark = bwMark(f)
	if _, err := f.svc.AcceptInvite(f.ctx, alice, inv.Code); err != nil {
		t.Fatalf("re-accept: %v", err)
	}
	bwNoEvents(t, f, mark)
	list, _ := f.svc.ChannelInvites(f.ctx, f.owner, f.chID)
	if len(list) != 1 || *list[0].Uses != 1 {
		t.Fatalf("uses after re-accept = %+v", list)
	}

	// Bots cannot accept invites; banned users cannot either, and spend no use.
	botID, _ := f.bot("Robo", 0)
	_, err = f.svc.AcceptInvite(f.ctx, botID, inv.Code)
	wantErr(t, err, guilds.ErrBotsForbidden)
	banned := f.user("banned")
	if err := f.svc.CreateBan(f.ctx, f.owner, f.guild.ID, banned, 0, nil); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.AcceptInvite(f.ctx, banned, inv.Code)
	wantErr(t, err, guilds.ErrBanned)

	// The last use deletes the invite (INVITE_DELETE), so the next user finds nothing.
	bob := f.user("bob")
	mark = bwMark(f)
	if _, err := f.svc.AcceptInvite(f.ctx, bob, inv.Code); err != nil {
		t.Fatalf("bob accept: %v", err)
	}
	bwOneEvent(t, f, mark, opcodes.EventGuildMemberAdd)
	if ev := bwOneEvent(t, f, mark, opcodes.EventInviteDelete); eventData[opcodes.InviteDelete](t, ev).Code != inv.Code {
		t.Fatalf("INVITE_DELETE = %+v", ev)
	}
	_, err = f.svc.AcceptInvite(f.ctx, f.user("carol"), inv.Code)
	wantErr(t, err, guilds.ErrUnknownInvite)
}
