package guilds

import (
	"testing"
	"time"

	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

func TestChannelPermissions(t *testing.T) {
	const (
		guild   snowflake.ID = 100
		owner   snowflake.ID = 1
		user    snowflake.ID = 2
		roleA   snowflake.ID = 201
		roleB   snowflake.ID = 202
		roleAdm snowflake.ID = 203
	)
	view, send, history := opcodes.PermViewChannel, opcodes.PermSendMessages, opcodes.PermReadMessageHistory
	everyone := view | send | history | opcodes.PermAddReactions
	rolePerms := map[snowflake.ID]opcodes.Permissions{
		guild:   everyone,
		roleA:   opcodes.PermManageMessages,
		roleB:   0,
		roleAdm: opcodes.PermAdministrator,
	}
	now := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	ow := func(id snowflake.ID, typ int, allow, deny opcodes.Permissions) storage.Overwrite {
		return storage.Overwrite{ID: id, Type: typ, Allow: uint64(allow), Deny: uint64(deny)}
	}
	tests := []struct {
		name     string
		userID   snowflake.ID
		roles    []snowflake.ID
		ows      []storage.Overwrite
		timedOut time.Time
		want     opcodes.Permissions
	}{
		{"owner has everything even when denied", owner, nil,
			[]storage.Overwrite{ow(guild, 0, 0, view)}, time.Time{}, opcodes.PermAll},
		{"plain member gets @everyone", user, nil, nil, time.Time{}, everyone},
		{"roles add to @everyone", user, []snowflake.ID{roleA}, nil, time.Time{}, everyone | opcodes.PermManageMessages},
		{"administrator role overrides every overwrite", user, []snowflake.ID{roleAdm},
			[]storage.Overwrite{ow(guild, 0, 0, view), ow(user, 1, 0, view)}, time.Time{}, opcodes.PermAll},
		{"@everyone overwrite denies send", user, nil,
			[]storage.Overwrite{ow(guild, 0, 0, send)}, time.Time{}, everyone &^ send},
		{"role overwrite allow beats @everyone deny", user, []snowflake.ID{roleB},
			[]storage.Overwrite{ow(guild, 0, 0, send), ow(roleB, 0, send, 0)}, time.Time{}, everyone},
		{"role allow beats another role's deny", user, []snowflake.ID{roleA, roleB},
			[]storage.Overwrite{ow(roleA, 0, 0, send), ow(roleB, 0, send, 0)}, time.Time{}, everyone | opcodes.PermManageMessages},
		{"member deny beats role allow", user, []snowflake.ID{roleB},
			[]storage.Overwrite{ow(roleB, 0, send, 0), ow(user, 1, 0, send)}, time.Time{}, everyone &^ send},
		{"member allow beats @everyone and role deny", user, []snowflake.ID{roleB},
			[]storage.Overwrite{ow(guild, 0, 0, send), ow(roleB, 0, 0, send), ow(user, 1, send, 0)}, time.Time{}, everyone},
		{"overwrite for a role the user lacks is ignored", user, nil,
			[]storage.Overwrite{ow(roleA, 0, opcodes.PermManageChannels, 0)}, time.Time{}, everyone},
		{"no VIEW_CHANNEL means nothing", user, nil,
			[]storage.Overwrite{ow(guild, 0, 0, view)}, time.Time{}, 0},
		{"member overwrite typed as role is not applied to the member", user, nil,
			[]storage.Overwrite{ow(user, 0, 0, send)}, time.Time{}, everyone},
		{"timed out keeps only view and history", user, []snowflake.ID{roleA}, nil,
			now.Add(time.Hour), view | history},
		{"expired timeout is ignored", user, nil, nil, now.Add(-time.Hour), everyone},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := PermissionState{OwnerID: owner, GuildID: guild, RolePerms: rolePerms, MemberRoles: tt.roles, TimedOutUntil: tt.timedOut}
			got := ChannelPermissions(st, tt.userID, tt.ows, now)
			if got != tt.want {
				t.Errorf("got %d, want %d (missing %d, extra %d)", got, tt.want, tt.want&^got, got&^tt.want)
			}
		})
	}
}

func TestBasePermissions(t *testing.T) {
	st := PermissionState{OwnerID: 1, GuildID: 9, RolePerms: map[snowflake.ID]opcodes.Permissions{
		9: opcodes.PermViewChannel, 10: opcodes.PermKickMembers,
	}}
	if got := BasePermissions(st, 1); got != opcodes.PermAll {
		t.Errorf("owner: got %d, want all", got)
	}
	st.MemberRoles = []snowflake.ID{10}
	if got, want := BasePermissions(st, 2), opcodes.PermViewChannel|opcodes.PermKickMembers; got != want {
		t.Errorf("member: got %d, want %d", got, want)
	}
	st.MemberRoles = []snowflake.ID{404} // deleted role
	if got := BasePermissions(st, 2); got != opcodes.PermViewChannel {
		t.Errorf("unknown role: got %d", got)
	}
}

func TestPermAllMatchesDiscord(t *testing.T) {
	var all opcodes.Permissions
	for bit := 0; bit <= 52; bit++ {
		if bit == 47 { // unassigned
			continue
		}
		all |= 1 << bit
	}
	if all != opcodes.PermAll {
		t.Fatalf("PermAll = %d, want %d", opcodes.PermAll, all)
	}
}

// TestChannelPermissionsAllocs guards the gateway's per-recipient check: no allocation.
func TestChannelPermissionsAllocs(t *testing.T) {
	st := PermissionState{OwnerID: 1, GuildID: 9, RolePerms: map[snowflake.ID]opcodes.Permissions{
		9: opcodes.PermDefaultEveryone, 10: opcodes.PermKickMembers,
	}, MemberRoles: []snowflake.ID{10}}
	ows := []storage.Overwrite{
		{ID: 9, Type: 0, Deny: uint64(opcodes.PermSendMessages)},
		{ID: 10, Type: 0, Allow: uint64(opcodes.PermSendMessages)},
		{ID: 2, Type: 1, Deny: uint64(opcodes.PermAddReactions)},
	}
	now := time.Now()
	var got opcodes.Permissions
	if n := testing.AllocsPerRun(100, func() { got = ChannelPermissions(st, 2, ows, now) }); n != 0 {
		t.Fatalf("ChannelPermissions allocates %v times per call, want 0", n)
	}
	want := (opcodes.PermDefaultEveryone | opcodes.PermKickMembers) &^ opcodes.PermAddReactions
	if got != want {
		t.Fatalf("got %d, want %d", got, want)
	}
}

func BenchmarkChannelPermissions(b *testing.B) {
	st := PermissionState{OwnerID: 1, GuildID: 9, RolePerms: map[snowflake.ID]opcodes.Permissions{
		9: opcodes.PermDefaultEveryone, 10: 0, 11: 0,
	}, MemberRoles: []snowflake.ID{10, 11}}
	ows := []storage.Overwrite{{ID: 9, Type: 0}, {ID: 10, Type: 0}, {ID: 11, Type: 0}, {ID: 2, Type: 1}}
	now := time.Now()
	for b.Loop() {
		ChannelPermissions(st, 2, ows, now)
	}
}
