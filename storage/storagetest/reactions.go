package storagetest

import (
	"testing"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

func testReactions(t *testing.T, s storage.Store) {
	ctx := t.Context()
	rs := s.Reactions()
	ch := sf(1)
	r := func(msg int, key string, user, ts int, burst bool) storage.Reaction {
		x := storage.Reaction{ChannelID: ch, MessageID: sf(msg), EmojiKey: key, EmojiName: key, UserID: sf(user), Burst: burst, CreatedAt: at(ts)}
		if key == "custom" {
			x.EmojiKey, x.EmojiID, x.EmojiName, x.EmojiAnimated = sf(77).String(), sf(77), "party", true
		}
		return x
	}
	add := []storage.Reaction{
		r(10, "b", 1, 5, false), // emoji b first seen at 5
		r(10, "a", 2, 6, false), // emoji a first seen at 6
		r(10, "b", 3, 7, true),
		r(10, "a", 1, 8, false),
		r(10, "b", 4, 4, false), // moves b's first time to 4
		r(9, "custom", 1, 9, false),
		r(11, "a", 1, 1, false),
	}
	for _, x := range add {
		noErr(t, rs.Add(ctx, x), "add reaction")
	}
	wantErr(t, rs.Add(ctx, r(10, "b", 1, 50, false)), storage.ErrConflict, "same user, same emoji")

	got, err := rs.ListForMessages(ctx, sfs(11, 10, 9))
	noErr(t, err, "list for messages")
	want := []storage.Reaction{add[5], add[4], add[0], add[2], add[1], add[3], add[6]}
	equal(t, "reaction order", got, want)

	t.Run("ListUsers", func(t *testing.T) {
		for u := 20; u < 25; u++ {
			noErr(t, rs.Add(ctx, r(12, "z", u, u, u%2 == 0)), "add")
		}
		tests := []struct {
			name         string
			burst        bool
			after, limit int
			want         []snowflake.ID
		}{
			{"normal", false, 0, 0, sfs(21, 23)},
			{"burst", true, 0, 0, sfs(20, 22, 24)},
			{"burst after", true, 20, 0, sfs(22, 24)},
			{"burst after limit", true, 20, 1, sfs(22)},
			{"after all", true, 24, 10, nil},
		}
		for _, tc := range tests {
			t.Run(tc.name, func(t *testing.T) {
				var after snowflake.ID
				if tc.after != 0 {
					after = sf(tc.after)
				}
				got, err := rs.ListUsers(ctx, sf(12), "z", tc.burst, after, tc.limit)
				noErr(t, err, "list users")
				equal(t, "users", append([]snowflake.ID{}, got...), append([]snowflake.ID{}, tc.want...))
			})
		}
	})

	noErr(t, rs.Remove(ctx, sf(10), "b", sf(1)), "remove reaction")
	wantErr(t, rs.Remove(ctx, sf(10), "b", sf(1)), storage.ErrNotFound, "remove reaction twice")
	noErr(t, rs.RemoveEmoji(ctx, sf(10), "a"), "remove emoji")
	wantErr(t, rs.RemoveEmoji(ctx, sf(10), "a"), storage.ErrNotFound, "remove emoji twice")
	got, err = rs.ListForMessages(ctx, sfs(10))
	noErr(t, err, "list")
	equal(t, "left on message", got, []storage.Reaction{add[4], add[2]})
	noErr(t, rs.RemoveAll(ctx, sf(10)), "remove all")
	got, err = rs.ListForMessages(ctx, sfs(10, 11))
	noErr(t, err, "list")
	equal(t, "after remove all", got, []storage.Reaction{add[6]})
}
