package guilds_test

import (
	"errors"
	"sync"
	"testing"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

func chat(name string) guilds.CommandParams {
	return guilds.CommandParams{Name: name, Description: "does " + name}
}

func TestCommandVersionsAndOverwrite(t *testing.T) {
	f := newFixture(t)
	app, _ := f.bot("cmdbot", 0)
	g := f.guild.ID
	a, created, err := f.svc.CreateCommand(f.ctx, app, app, g, chat("alpha"))
	if err != nil || !created || a.Version == 0 {
		t.Fatalf("create = %+v, %v, %v", a, created, err)
	}
	b, _, err := f.svc.CreateCommand(f.ctx, app, app, g, chat("beta"))
	if err != nil {
		t.Fatal(err)
	}
	desc := "changed"
	edited, err := f.svc.ModifyCommand(f.ctx, app, app, g, a.ID, guilds.ModifyCommandParams{Description: &desc})
	if err != nil || edited.Version == a.Version || edited.Description != "changed" {
		t.Fatalf("modify = %+v, %v", edited, err)
	}
	// Overwrite: beta unchanged keeps its version, alpha edited back gets a new one, gamma is
	// new, and a command not in the set is gone.
	set, err := f.svc.OverwriteCommands(f.ctx, app, app, g, []guilds.CommandParams{chat("beta"), chat("alpha"), chat("gamma")})
	if err != nil {
		t.Fatal(err)
	}
	if set[0].ID != b.ID || set[0].Version != b.Version || set[1].ID != a.ID || set[1].Version == edited.Version || set[2].ID == 0 {
		t.Fatalf("overwrite = %+v (alpha %v/%v, beta %v/%v)", set, a.ID, edited.Version, b.ID, b.Version)
	}
	// A rename by id keeps the ID.
	renamed := chat("delta")
	renamed.ID = set[2].ID
	set2, err := f.svc.OverwriteCommands(f.ctx, app, app, g, []guilds.CommandParams{renamed})
	if err != nil || len(set2) != 1 || set2[0].ID != set[2].ID || set2[0].Name != "delta" {
		t.Fatalf("rename by id = %+v, %v", set2, err)
	}
	if _, err := f.svc.Command(f.ctx, app, app, g, a.ID); !errors.Is(err, guilds.ErrUnknownCommand) {
		t.Fatalf("dropped command: %v", err)
	}
}

func TestCommandConcurrentCreateSameName(t *testing.T) {
	f := newFixture(t)
	app, _ := f.bot("cmdbot", 0)
	var wg sync.WaitGroup
	ids := make([]snowflake.ID, 8)
	errs := make([]error, len(ids))
	for i := range ids {
		wg.Go(func() {
			c, _, err := f.svc.CreateCommand(f.ctx, app, app, 0, chat("same"))
			ids[i], errs[i] = c.ID, err
		})
	}
	wg.Wait()
	for i := range ids {
		if errs[i] != nil || ids[i] != ids[0] {
			t.Fatalf("create %d = %v, %v; want one command %v", i, ids[i], errs[i], ids[0])
		}
	}
	list, err := f.svc.Commands(f.ctx, app, app, 0, false)
	if err != nil || len(list) != 1 {
		t.Fatalf("list = %v, %v", list, err)
	}
}

func TestCommandPermissionsEvent(t *testing.T) {
	f := newFixture(t)
	app, _ := f.bot("cmdbot", 0)
	c, _, err := f.svc.CreateCommand(f.ctx, app, app, f.guild.ID, chat("mod"))
	if err != nil {
		t.Fatal(err)
	}
	mark := bwMark(f)
	ps := []opcodes.CommandPermission{{ID: f.guild.ID, Type: opcodes.CommandPermissionRole, Permission: false}}
	if _, err := f.svc.EditCommandPermissions(f.ctx, f.owner, app, f.guild.ID, c.ID, guilds.EditCommandPermissionsParams{Permissions: ps}); err != nil {
		t.Fatal(err)
	}
	evs := bwEventsSince(f, mark, opcodes.EventApplicationCommandPermissionsUpdate)
	if len(evs) != 1 || evs[0].GuildID != f.guild.ID || len(evs[0].UserIDs) != 1 || evs[0].UserIDs[0] != app {
		t.Fatalf("events = %+v, want one to the bot %v in the guild", evs, app)
	}
	d := eventData[opcodes.GuildCommandPermissions](t, evs[0])
	if d.ID != c.ID || d.ApplicationID != app || d.GuildID != f.guild.ID || len(d.Permissions) != 1 {
		t.Fatalf("d = %+v", d)
	}
	// Failed edits publish nothing.
	mark = bwMark(f)
	_, err = f.svc.EditCommandPermissions(f.ctx, app, app, f.guild.ID, c.ID, guilds.EditCommandPermissionsParams{Permissions: ps})
	wantErr(t, err, guilds.ErrBotsForbidden)
	if evs := bwEventsSince(f, mark, ""); len(evs) != 0 {
		t.Fatalf("failed edit published %+v", evs)
	}
	// A guild without the application.
	other, err := f.svc.CreateGuild(f.ctx, f.owner, guilds.CreateGuildParams{Name: "Other"})
	if err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.EditCommandPermissions(f.ctx, f.owner, app, other.ID, app, guilds.EditCommandPermissionsParams{Permissions: ps})
	wantErr(t, err, guilds.ErrMissingAccess)
	_, err = f.svc.EditCommandPermissions(f.ctx, f.owner, 12345, f.guild.ID, app, guilds.EditCommandPermissionsParams{})
	wantErr(t, err, guilds.ErrUnknownApplication)
}

func TestGuildDeleteRemovesCommands(t *testing.T) {
	f := newFixture(t)
	app, _ := f.bot("cmdbot", 0)
	if _, _, err := f.svc.CreateCommand(f.ctx, app, app, f.guild.ID, chat("gone")); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.CreateCommand(f.ctx, app, app, 0, chat("stays")); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DeleteGuild(f.ctx, f.owner, f.guild.ID); err != nil {
		t.Fatal(err)
	}
	_, err := f.svc.Commands(f.ctx, app, app, f.guild.ID, false)
	wantErr(t, err, guilds.ErrMissingAccess)
	list, err := f.svc.Commands(f.ctx, app, app, 0, false)
	if err != nil || len(list) != 1 {
		t.Fatalf("global commands = %v, %v", list, err)
	}
}

func TestAuthorizeCommandsScope(t *testing.T) {
	f := newFixture(t)
	app, err := f.svc.CreateApplication(f.ctx, f.owner, guilds.CreateApplicationParams{Name: "scoped"})
	if err != nil {
		t.Fatal(err)
	}
	_, _, err = f.svc.CreateCommand(f.ctx, app.ID, app.ID, f.guild.ID, chat("x"))
	wantErr(t, err, guilds.ErrMissingAccess)
	member := f.member("helper")
	p := guilds.AuthorizeBotParams{GuildID: f.guild.ID, Authorize: true, Scope: guilds.ScopeApplicationCommands}
	wantErr(t, f.svc.AuthorizeBot(f.ctx, member, app.ID, p), guilds.ErrMissingPermissions)
	bad := p
	bad.Scope = "identify email"
	wantValidation(t, f.svc.AuthorizeBot(f.ctx, f.owner, app.ID, bad), "scope")
	if err := f.svc.AuthorizeBot(f.ctx, f.owner, app.ID, p); err != nil {
		t.Fatal(err)
	}
	if _, _, err := f.svc.CreateCommand(f.ctx, app.ID, app.ID, f.guild.ID, chat("x")); err != nil {
		t.Fatalf("after applications.commands: %v", err)
	}
	if _, err := f.svc.Member(f.ctx, f.owner, f.guild.ID, app.ID); !errors.Is(err, guilds.ErrUnknownMember) {
		t.Fatalf("commands scope alone added the bot: %v", err)
	}
}
