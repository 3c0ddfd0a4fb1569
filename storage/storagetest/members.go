package storagetest

import (
	"testing"
	"time"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

func testMembers(t *testing.T, s storage.Store) {
	ctx := t.Context()
	ms := s.Members()
	g := sf(100)
	names := map[int]string{1: "Zed", 2: "ann", 3: "Anna", 4: "bob", 5: "carl", 6: "a_b", 7: "axb"}
	for n, name := range names {
		noErr(t, s.Users().Create(ctx, human(n, name)), "create user")
	}
	nicks := map[int]*string{4: ptr("ANNIE"), 5: ptr("Ünïcode")}
	for _, n := range []int{5, 1, 3, 2, 4, 6, 7} {
		m := storage.Member{GuildID: g, UserID: sf(n), Nick: nicks[n], Roles: sfs(50), JoinedAt: at(n), Pending: n == 2,
			CommunicationDisabledUntil: map[bool]*time.Time{true: ptr(at(9))}[n == 3]}
		noErr(t, ms.Add(ctx, m), "add member")
	}
	noErr(t, ms.Add(ctx, storage.Member{GuildID: sf(200), UserID: sf(2), JoinedAt: at(1)}), "add member elsewhere")
	wantErr(t, ms.Add(ctx, storage.Member{GuildID: g, UserID: sf(1), JoinedAt: at(1)}), storage.ErrConflict, "add member twice")

	got, err := ms.Get(ctx, g, sf(3))
	noErr(t, err, "get member")
	equal(t, "get member", got, storage.Member{GuildID: g, UserID: sf(3), Roles: sfs(50), JoinedAt: at(3), CommunicationDisabledUntil: ptr(at(9))})
	_, err = ms.Get(ctx, g, sf(99))
	wantErr(t, err, storage.ErrNotFound, "get unknown member")

	memberIDs := func(ms []storage.Member) []snowflake.ID {
		return idsOf(ms, func(m storage.Member) snowflake.ID { return m.UserID })
	}
	t.Run("List", func(t *testing.T) {
		tests := []struct {
			name         string
			after, limit int
			want         []snowflake.ID
		}{
			{"all", 0, 0, sfs(1, 2, 3, 4, 5, 6, 7)},
			{"limit", 0, 3, sfs(1, 2, 3)},
			{"after", 3, 0, sfs(4, 5, 6, 7)},
			{"after limit", 2, 2, sfs(3, 4)},
			{"after last", 7, 10, nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				var after snowflake.ID
				if tc.after != 0 {
					after = sf(tc.after)
				}
				got, err := ms.List(ctx, g, after, tc.limit)
				noErr(t, err, "list members")
				equal(t, "member ids", append([]snowflake.ID{}, memberIDs(got)...), append([]snowflake.ID{}, tc.want...))
			})
		}
	})

	t.Run("Search", func(t *testing.T) {
		tests := []struct {
			query string
			limit int
			want  []snowflake.ID
		}{
			{"an", 10, sfs(2, 3, 4)}, // usernames ann, Anna; nick ANNIE
			{"AN", 10, sfs(2, 3, 4)},
			{"an", 2, sfs(2, 3)},
			{"anna", 10, sfs(3)},
			{"z", 10, sfs(1)},
			{"ün", 10, sfs(5)}, // non-ASCII case folding
			{"a_", 10, sfs(6)}, // LIKE wildcards are literal
			{"nn", 10, nil},    // prefix, not substring
			{"bob", 10, sfs(4)},
		}
		for _, tc := range tests {
			t.Run(tc.query, func(t *testing.T) {
				got, err := ms.Search(ctx, g, tc.query, tc.limit)
				noErr(t, err, "search members")
				equal(t, "search "+tc.query, append([]snowflake.ID{}, memberIDs(got)...), append([]snowflake.ID{}, tc.want...))
			})
		}
	})

	many, err := ms.GetMany(ctx, g, sfs(7, 1, 99))
	noErr(t, err, "get many members")
	equal(t, "get many", sorted(memberIDs(many)), sfs(1, 7))
	n, err := ms.Count(ctx, g)
	noErr(t, err, "count")
	equal(t, "count", n, 7)

	upd := storage.Member{GuildID: g, UserID: sf(1), Nick: ptr("Nick"), Roles: sfs(51, 52), JoinedAt: at(1), Deaf: true, Mute: true, Flags: 2}
	noErr(t, ms.Update(ctx, upd), "update member")
	got, err = ms.Get(ctx, g, sf(1))
	noErr(t, err, "get updated member")
	equal(t, "updated member", got, upd)
	found, err := ms.Search(ctx, g, "nic", 10)
	noErr(t, err, "search new nick")
	equal(t, "search new nick", memberIDs(found), sfs(1))
	wantErr(t, ms.Update(ctx, storage.Member{GuildID: g, UserID: sf(99)}), storage.ErrNotFound, "update unknown member")

	noErr(t, ms.Remove(ctx, g, sf(1)), "remove member")
	_, err = ms.Get(ctx, g, sf(1))
	wantErr(t, err, storage.ErrNotFound, "removed member")
	wantErr(t, ms.Remove(ctx, g, sf(1)), storage.ErrNotFound, "remove twice")
	n, err = ms.Count(ctx, g)
	noErr(t, err, "count")
	equal(t, "count after remove", n, 6)
}
