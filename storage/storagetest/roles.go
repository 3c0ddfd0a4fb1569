package storagetest

import (
	"fmt"
	"testing"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

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
