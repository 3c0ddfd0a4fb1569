package guilds_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// bwEmojisUpdate asserts one GUILD_EMOJIS_UPDATE after mark carrying wantNames, in order.
func bwEmojisUpdate(t *testing.T, f *fixture, mark int, wantNames ...string) {
	t.Helper()
	ev := bwOneEvent(t, f, mark, opcodes.EventGuildEmojisUpdate)
	d := eventData[opcodes.GuildEmojisUpdate](t, ev)
	if ev.GuildID != f.guild.ID || ev.ChannelID != 0 || ev.Perm != 0 || d.GuildID != f.guild.ID {
		t.Fatalf("GUILD_EMOJIS_UPDATE scope = %+v", ev)
	}
	var names []string
	for _, e := range d.Emojis {
		names = append(names, *e.Name)
	}
	if !slices.Equal(names, wantNames) {
		t.Fatalf("GUILD_EMOJIS_UPDATE emojis = %v, want %v", names, wantNames)
	}
}

func TestEmojiLifecycle(t *testing.T) {
	f := newFixture(t)
	mark := bwMark(f)
	e, err := f.svc.CreateEmoji(f.ctx, f.owner, f.guild.ID, guilds.EmojiParams{Name: "party_parrot", Image: bwPNG()})
	if err != nil {
		t.Fatalf("CreateEmoji: %v", err)
	}
	if e.ID == nil || *e.Name != "party_parrot" || *e.Animated || !*e.Available || !*e.RequireColons || *e.Managed ||
		e.Roles == nil || len(e.Roles) != 0 || e.User == nil || e.User.ID != f.owner {
		t.Fatalf("emoji = %+v", e)
	}
	bwEmojisUpdate(t, f, mark, "party_parrot")

	mark = bwMark(f)
	anim, err := f.svc.CreateEmoji(f.ctx, f.owner, f.guild.ID, guilds.EmojiParams{Name: "dance", Image: bwGIF()})
	if err != nil || !*anim.Animated {
		t.Fatalf("animated emoji = %+v, %v", anim, err)
	}
	bwEmojisUpdate(t, f, mark, "party_parrot", "dance")

	list, err := f.svc.Emojis(f.ctx, f.owner, f.guild.ID)
	if err != nil || len(list) != 2 || list[0].User == nil {
		t.Fatalf("Emojis = %+v, %v", list, err)
	}
	g, err := f.svc.Guild(f.ctx, f.owner, f.guild.ID, false)
	if err != nil || len(g.Emojis) != 2 {
		t.Fatalf("guild emojis = %+v, %v", g.Emojis, err)
	}

	role := bwRole(f, 0)
	name := "parrot"
	roles := []snowflake.ID{role}
	mark = bwMark(f)
	mod, err := f.svc.ModifyEmoji(f.ctx, f.owner, f.guild.ID, *e.ID, guilds.ModifyEmojiParams{Name: &name, Roles: &roles})
	if err != nil || *mod.Name != name || !slices.Equal(mod.Roles, roles) || mod.User == nil {
		t.Fatalf("ModifyEmoji = %+v, %v", mod, err)
	}
	bwEmojisUpdate(t, f, mark, "parrot", "dance")
	got, err := f.svc.Emoji(f.ctx, f.owner, f.guild.ID, *e.ID)
	if err != nil || *got.Name != name || !slices.Equal(got.Roles, roles) {
		t.Fatalf("Emoji after modify = %+v, %v", got, err)
	}

	mark = bwMark(f)
	if err := f.svc.DeleteEmoji(f.ctx, f.owner, f.guild.ID, *e.ID); err != nil {
		t.Fatalf("DeleteEmoji: %v", err)
	}
	bwEmojisUpdate(t, f, mark, "dance")
	_, err = f.svc.Emoji(f.ctx, f.owner, f.guild.ID, *e.ID)
	wantErr(t, err, guilds.ErrUnknownEmoji)
	wantErr(t, f.svc.DeleteEmoji(f.ctx, f.owner, f.guild.ID, *e.ID), guilds.ErrUnknownEmoji)
}

func TestEmojiValidation(t *testing.T) {
	f := newFixture(t)
	ok := bwPNG()
	tests := []struct {
		name  string
		p     guilds.EmojiParams
		field string
		code  string
	}{
		{"short name", guilds.EmojiParams{Name: "a", Image: ok}, "name", "BASE_TYPE_BAD_LENGTH"},
		{"long name", guilds.EmojiParams{Name: strings.Repeat("a", 33), Image: ok}, "name", "BASE_TYPE_BAD_LENGTH"},
		{"dash in name", guilds.EmojiParams{Name: "bad-name", Image: ok}, "name", "STRING_TYPE_REGEX"},
		{"accent in name", guilds.EmojiParams{Name: "héllo", Image: ok}, "name", "STRING_TYPE_REGEX"},
		{"no image", guilds.EmojiParams{Name: "fine"}, "image", "BASE_TYPE_REQUIRED"},
		{"not an image", guilds.EmojiParams{Name: "fine", Image: "data:text/plain;base64,AAAA"}, "image", "IMAGE_INVALID"},
		{"not base64", guilds.EmojiParams{Name: "fine", Image: "data:image/png;base64,!!!"}, "image", "IMAGE_INVALID"},
		{"over 256 KiB", guilds.EmojiParams{Name: "fine", Image: bwImage("image/png", 256*1024+1)}, "image", "BINARY_TYPE_MAX_SIZE"},
		{"unknown role", guilds.EmojiParams{Name: "fine", Image: ok, Roles: []snowflake.ID{5555}}, "roles", "ROLE_INVALID"},
		{"@everyone role", guilds.EmojiParams{Name: "fine", Image: ok, Roles: []snowflake.ID{f.guild.ID}}, "roles", "ROLE_INVALID"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mark := bwMark(f)
			_, err := f.svc.CreateEmoji(f.ctx, f.owner, f.guild.ID, tt.p)
			wantValidation(t, err, tt.field)
			if ve := err.(*guilds.ValidationError); ve.Fields[tt.field][0].Code != tt.code {
				t.Fatalf("code = %q, want %q", ve.Fields[tt.field][0].Code, tt.code)
			}
			bwNoEvents(t, f, mark)
		})
	}
	// Exactly 256 KiB and 32 characters are accepted.
	if _, err := f.svc.CreateEmoji(f.ctx, f.owner, f.guild.ID, guilds.EmojiParams{Name: strings.Repeat("b", 32), Image: bwImage("image/png", 256*1024)}); err != nil {
		t.Fatalf("bounds: %v", err)
	}
	e, err := f.svc.CreateEmoji(f.ctx, f.owner, f.guild.ID, guilds.EmojiParams{Name: "ok_2", Image: ok})
	if err != nil {
		t.Fatal(err)
	}
	bad := "no spaces"
	_, err = f.svc.ModifyEmoji(f.ctx, f.owner, f.guild.ID, *e.ID, guilds.ModifyEmojiParams{Name: &bad})
	wantValidation(t, err, "name")
	badRoles := []snowflake.ID{1}
	_, err = f.svc.ModifyEmoji(f.ctx, f.owner, f.guild.ID, *e.ID, guilds.ModifyEmojiParams{Roles: &badRoles})
	wantValidation(t, err, "roles")
}

func TestEmojiLimit(t *testing.T) {
	f := newFixture(t)
	for i := range 50 {
		if _, err := f.svc.CreateEmoji(f.ctx, f.owner, f.guild.ID, guilds.EmojiParams{Name: fmt.Sprintf("static_%d", i), Image: bwPNG()}); err != nil {
			t.Fatalf("emoji %d: %v", i, err)
		}
	}
	mark := bwMark(f)
	_, err := f.svc.CreateEmoji(f.ctx, f.owner, f.guild.ID, guilds.EmojiParams{Name: "one_too_many", Image: bwPNG()})
	wantErr(t, err, guilds.ErrMaxEmojis)
	bwNoEvents(t, f, mark)
	// Animated emojis have their own 50.
	if _, err := f.svc.CreateEmoji(f.ctx, f.owner, f.guild.ID, guilds.EmojiParams{Name: "animated_ok", Image: bwGIF()}); err != nil {
		t.Fatalf("animated emoji at the static limit: %v", err)
	}
}

func TestEmojiPermissions(t *testing.T) {
	f := newFixture(t)
	outsider := f.user("outsider")
	creator := f.member("creator") // @everyone has CREATE_GUILD_EXPRESSIONS by default
	manager := f.member("manager")
	bwRole(f, opcodes.PermManageGuildExpressions, manager)
	ownerEmoji, err := f.svc.CreateEmoji(f.ctx, f.owner, f.guild.ID, guilds.EmojiParams{Name: "owners", Image: bwPNG()})
	if err != nil {
		t.Fatal(err)
	}
	own, err := f.svc.CreateEmoji(f.ctx, creator, f.guild.ID, guilds.EmojiParams{Name: "creators", Image: bwPNG()})
	if err != nil || own.User == nil || own.User.ID != creator {
		t.Fatalf("creator's emoji = %+v, %v", own, err)
	}
	name := "renamed"

	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"outsider lists", func() error { _, err := f.svc.Emojis(f.ctx, outsider, f.guild.ID); return err }, guilds.ErrUnknownGuild},
		{"outsider gets", func() error { _, err := f.svc.Emoji(f.ctx, outsider, f.guild.ID, *own.ID); return err }, guilds.ErrUnknownGuild},
		{"outsider creates", func() error {
			_, err := f.svc.CreateEmoji(f.ctx, outsider, f.guild.ID, guilds.EmojiParams{Name: "nope", Image: bwPNG()})
			return err
		}, guilds.ErrUnknownGuild},
		{"member gets unknown", func() error { _, err := f.svc.Emoji(f.ctx, creator, f.guild.ID, 8888); return err }, guilds.ErrUnknownEmoji},
		{"creator renames owner's", func() error {
			_, err := f.svc.ModifyEmoji(f.ctx, creator, f.guild.ID, *ownerEmoji.ID, guilds.ModifyEmojiParams{Name: &name})
			return err
		}, guilds.ErrMissingPermissions},
		{"creator deletes owner's", func() error { return f.svc.DeleteEmoji(f.ctx, creator, f.guild.ID, *ownerEmoji.ID) }, guilds.ErrMissingPermissions},
		{"creator renames own", func() error {
			_, err := f.svc.ModifyEmoji(f.ctx, creator, f.guild.ID, *own.ID, guilds.ModifyEmojiParams{Name: &name})
			return err
		}, nil},
		{"manager renames owner's", func() error {
			n := "managed_rename"
			_, err := f.svc.ModifyEmoji(f.ctx, manager, f.guild.ID, *ownerEmoji.ID, guilds.ModifyEmojiParams{Name: &n})
			return err
		}, nil},
		{"manager deletes creator's", func() error { return f.svc.DeleteEmoji(f.ctx, manager, f.guild.ID, *own.ID) }, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mark := bwMark(f)
			err := tt.call()
			if tt.want == nil {
				if err != nil {
					t.Fatalf("err = %v, want nil", err)
				}
				bwOneEvent(t, f, mark, opcodes.EventGuildEmojisUpdate)
				return
			}
			wantErr(t, err, tt.want)
			bwNoEvents(t, f, mark)
		})
	}

	// Without CREATE_GUILD_EXPRESSIONS a member cannot create emojis and sees them without
	// their creators.
	bwEveryone(f, opcodes.PermDefaultEveryone&^opcodes.PermCreateGuildExpressions)
	_, err = f.svc.CreateEmoji(f.ctx, creator, f.guild.ID, guilds.EmojiParams{Name: "nope", Image: bwPNG()})
	wantErr(t, err, guilds.ErrMissingPermissions)
	list, err := f.svc.Emojis(f.ctx, creator, f.guild.ID)
	if err != nil || len(list) == 0 {
		t.Fatalf("Emojis = %+v, %v", list, err)
	}
	for _, e := range list {
		if e.User != nil {
			t.Fatalf("emoji creator visible without expression permissions: %+v", e)
		}
	}
	if e, err := f.svc.Emoji(f.ctx, manager, f.guild.ID, *ownerEmoji.ID); err != nil || e.User == nil {
		t.Fatalf("manager sees creator = %+v, %v", e, err)
	}
}
