package storagetest

import (
	"testing"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

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
