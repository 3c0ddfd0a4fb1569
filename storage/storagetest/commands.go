package storagetest

import (
	"encoding/json"
	"fmt"
	"testing"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

func newCommand(n int, app, guild snowflake.ID, typ int, name string) storage.Command {
	return storage.Command{ID: sf(n), ApplicationID: app, GuildID: guild, Type: typ, Name: name, Version: sf(n),
		Data: json.RawMessage(fmt.Sprintf(`{"description":"command %d"}`, n))}
}

func cmdIDs(cs []storage.Command) []snowflake.ID {
	return idsOf(cs, func(c storage.Command) snowflake.ID { return c.ID })
}

func testCommands(t *testing.T, s storage.Store) {
	ctx := t.Context()
	cs := s.Commands()
	app, other, guild := sf(1), sf(2), sf(10)

	global := newCommand(100, app, 0, 1, "ping")
	noErr(t, cs.Create(ctx, global), "create global")
	got, err := cs.Get(ctx, app, 0, global.ID)
	noErr(t, err, "get global")
	equal(t, "global round trip", got, global)

	// Same name, other type, other scope, other application: all allowed.
	noErr(t, cs.Create(ctx, newCommand(101, app, 0, 2, "ping")), "same name, user type")
	noErr(t, cs.Create(ctx, newCommand(102, app, guild, 1, "ping")), "same name, guild scope")
	noErr(t, cs.Create(ctx, newCommand(103, other, 0, 1, "ping")), "same name, other app")
	wantErr(t, cs.Create(ctx, newCommand(104, app, 0, 1, "ping")), storage.ErrConflict, "duplicate name in scope")

	// Get checks the scope, not only the ID.
	_, err = cs.Get(ctx, app, guild, global.ID)
	wantErr(t, err, storage.ErrNotFound, "global command read as guild command")
	_, err = cs.Get(ctx, other, 0, global.ID)
	wantErr(t, err, storage.ErrNotFound, "command of another application")

	list, err := cs.List(ctx, app, 0)
	noErr(t, err, "list global")
	equal(t, "global list", cmdIDs(list), sfs(100, 101))
	list, err = cs.List(ctx, app, guild)
	noErr(t, err, "list guild")
	equal(t, "guild list", cmdIDs(list), sfs(102))

	t.Run("Update", func(t *testing.T) {
		c := newCommand(110, app, 0, 1, "echo")
		noErr(t, cs.Create(ctx, c), "create")
		c.Name, c.Version, c.Data = "echo2", sf(111), json.RawMessage(`{"description":"edited"}`)
		noErr(t, cs.Update(ctx, c), "update")
		got, err := cs.Get(ctx, app, 0, c.ID)
		noErr(t, err, "get")
		equal(t, "updated", got, c)
		c.Name = "ping"
		wantErr(t, cs.Update(ctx, c), storage.ErrConflict, "rename onto an existing name")
		missing := newCommand(119, app, 0, 1, "nope")
		wantErr(t, cs.Update(ctx, missing), storage.ErrNotFound, "update missing")
		c.GuildID = guild
		wantErr(t, cs.Update(ctx, c), storage.ErrNotFound, "update in another scope")
	})

	t.Run("DeleteTakesPermissions", func(t *testing.T) {
		c := newCommand(120, app, guild, 1, "gone")
		noErr(t, cs.Create(ctx, c), "create")
		noErr(t, cs.PutPermissions(ctx, storage.CommandPermissions{ApplicationID: app, GuildID: guild, CommandID: c.ID,
			Permissions: []storage.CommandPermission{{ID: guild, Type: 1, Permission: false}}}), "put permissions")
		wantErr(t, cs.Delete(ctx, app, 0, c.ID), storage.ErrNotFound, "delete from the wrong scope")
		noErr(t, cs.Delete(ctx, app, guild, c.ID), "delete")
		wantErr(t, cs.Delete(ctx, app, guild, c.ID), storage.ErrNotFound, "delete twice")
		_, err := cs.GetPermissions(ctx, app, guild, c.ID)
		wantErr(t, err, storage.ErrNotFound, "permissions after delete")
	})

	t.Run("Replace", func(t *testing.T) {
		scope := sf(20)
		a, b := newCommand(130, app, scope, 1, "a"), newCommand(131, app, scope, 1, "b")
		noErr(t, cs.Replace(ctx, app, scope, []storage.Command{a, b}), "replace into empty scope")
		noErr(t, cs.PutPermissions(ctx, storage.CommandPermissions{ApplicationID: app, GuildID: scope, CommandID: b.ID,
			Permissions: []storage.CommandPermission{{ID: sf(5), Type: 2, Permission: true}}}), "permissions of b")
		// Keep a (edited), drop b, add c with b's old name.
		a.Version, a.Data = sf(132), json.RawMessage(`{"description":"a2"}`)
		c := newCommand(133, app, scope, 1, "b")
		noErr(t, cs.Replace(ctx, app, scope, []storage.Command{a, c}), "replace")
		list, err := cs.List(ctx, app, scope)
		noErr(t, err, "list")
		equal(t, "after replace", list, []storage.Command{a, c})
		_, err = cs.GetPermissions(ctx, app, scope, b.ID)
		wantErr(t, err, storage.ErrNotFound, "dropped command's permissions")

		dup := newCommand(134, app, scope, 1, "a")
		wantErr(t, cs.Replace(ctx, app, scope, []storage.Command{newCommand(135, app, scope, 1, "z"), dup, a}), storage.ErrConflict, "duplicate names")
		list, err = cs.List(ctx, app, scope)
		noErr(t, err, "list after failed replace")
		equal(t, "failed replace changes nothing", list, []storage.Command{a, c})

		// Swapping two kept commands' names is one consistent end state.
		a.Name, c.Name = "b", "a"
		noErr(t, cs.Replace(ctx, app, scope, []storage.Command{a, c}), "swap names")
		list, err = cs.List(ctx, app, scope)
		noErr(t, err, "list after swap")
		equal(t, "after swap", list, []storage.Command{a, c})

		noErr(t, cs.Replace(ctx, app, scope, nil), "replace with nothing")
		list, err = cs.List(ctx, app, scope)
		noErr(t, err, "list after clearing")
		equal(t, "cleared", len(list), 0)
		// Other scopes are untouched.
		list, err = cs.List(ctx, app, 0)
		noErr(t, err, "global list after guild replace")
		if len(list) == 0 {
			t.Fatal("replace in a guild removed global commands")
		}
	})

	t.Run("Permissions", func(t *testing.T) {
		p := storage.CommandPermissions{ApplicationID: app, GuildID: guild, CommandID: sf(102),
			Permissions: []storage.CommandPermission{{ID: sf(7), Type: 1, Permission: true}, {ID: sf(8), Type: 3, Permission: false}}}
		_, err := cs.GetPermissions(ctx, app, guild, p.CommandID)
		wantErr(t, err, storage.ErrNotFound, "none yet")
		noErr(t, cs.PutPermissions(ctx, p), "put")
		got, err := cs.GetPermissions(ctx, app, guild, p.CommandID)
		noErr(t, err, "get")
		equal(t, "round trip", got, p)
		p.Permissions = p.Permissions[:1]
		noErr(t, cs.PutPermissions(ctx, p), "replace")
		all := storage.CommandPermissions{ApplicationID: app, GuildID: guild, CommandID: app,
			Permissions: []storage.CommandPermission{{ID: guild, Type: 1, Permission: false}}}
		noErr(t, cs.PutPermissions(ctx, all), "application-wide")
		noErr(t, cs.PutPermissions(ctx, storage.CommandPermissions{ApplicationID: other, GuildID: guild, CommandID: sf(103),
			Permissions: []storage.CommandPermission{{ID: sf(9), Type: 2, Permission: true}}}), "other app")
		list, err := cs.ListPermissions(ctx, app, guild)
		noErr(t, err, "list")
		equal(t, "list", list, []storage.CommandPermissions{all, p})
		p.Permissions = nil
		noErr(t, cs.PutPermissions(ctx, p), "clear")
		_, err = cs.GetPermissions(ctx, app, guild, p.CommandID)
		wantErr(t, err, storage.ErrNotFound, "cleared")
	})

	t.Run("Installs", func(t *testing.T) {
		ok, err := cs.Installed(ctx, app, sf(30))
		noErr(t, err, "installed before")
		equal(t, "installed before", ok, false)
		noErr(t, cs.Install(ctx, app, sf(30)), "install")
		noErr(t, cs.Install(ctx, app, sf(30)), "install twice")
		ok, err = cs.Installed(ctx, app, sf(30))
		noErr(t, err, "installed")
		equal(t, "installed", ok, true)
		ok, err = cs.Installed(ctx, other, sf(30))
		noErr(t, err, "other app")
		equal(t, "other app installed", ok, false)
	})
}

// testCommandGuildCascade proves a guild's commands, permissions and installs go with it,
// while the application's global commands stay.
func testCommandGuildCascade(t *testing.T, s storage.Store) {
	ctx := t.Context()
	owner := human(1, "owner")
	noErr(t, s.Users().Create(ctx, owner), "create owner")
	g := seedGuild(t, s, 10, owner.ID)
	app, gid := sf(2), g.Guild.ID
	cs := s.Commands()
	noErr(t, cs.Create(ctx, newCommand(100, app, gid, 1, "guild")), "guild command")
	noErr(t, cs.Create(ctx, newCommand(101, app, 0, 1, "global")), "global command")
	noErr(t, cs.PutPermissions(ctx, storage.CommandPermissions{ApplicationID: app, GuildID: gid, CommandID: sf(101),
		Permissions: []storage.CommandPermission{{ID: gid, Type: 1, Permission: false}}}), "permissions")
	noErr(t, cs.Install(ctx, app, gid), "install")
	noErr(t, s.Guilds().Delete(ctx, gid), "delete guild")
	list, err := cs.List(ctx, app, gid)
	noErr(t, err, "list guild commands")
	equal(t, "guild commands after delete", len(list), 0)
	_, err = cs.GetPermissions(ctx, app, gid, sf(101))
	wantErr(t, err, storage.ErrNotFound, "permissions after delete")
	ok, err := cs.Installed(ctx, app, gid)
	noErr(t, err, "installed")
	equal(t, "installed after delete", ok, false)
	list, err = cs.List(ctx, app, 0)
	noErr(t, err, "list global")
	equal(t, "global commands stay", cmdIDs(list), sfs(101))
}
