package storagetest

import (
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/parley-chat/parley/storage"
)

func testInvites(t *testing.T, s storage.Store) {
	ctx := t.Context()
	is := s.Invites()
	g := sf(100)
	inv := storage.Invite{Code: "abc", GuildID: g, ChannelID: sf(1), InviterID: sf(5), MaxAge: 3600, MaxUses: 2, Temporary: true, CreatedAt: at(1)}
	noErr(t, is.Create(ctx, inv), "create invite")
	noErr(t, is.Create(ctx, storage.Invite{Code: "def", GuildID: g, ChannelID: sf(2), CreatedAt: at(2)}), "create invite 2")
	noErr(t, is.Create(ctx, storage.Invite{Code: "ghi", GuildID: sf(200), ChannelID: sf(3), CreatedAt: at(3)}), "create invite 3")
	wantErr(t, is.Create(ctx, inv), storage.ErrConflict, "duplicate code")

	got, err := is.Get(ctx, "abc")
	noErr(t, err, "get invite")
	equal(t, "invite", got, inv)
	_, err = is.Get(ctx, "zzz")
	wantErr(t, err, storage.ErrNotFound, "get unknown invite")
	codes := func(is []storage.Invite) []string {
		var out []string
		for _, i := range is {
			out = append(out, i.Code)
		}
		slices.Sort(out)
		return out
	}
	list, err := is.ListByGuild(ctx, g)
	noErr(t, err, "list by guild")
	equal(t, "guild invites", codes(list), []string{"abc", "def"})
	list, err = is.ListByChannel(ctx, sf(2))
	noErr(t, err, "list by channel")
	equal(t, "channel invites", codes(list), []string{"def"})

	for want := 1; want <= 2; want++ {
		got, err := is.Use(ctx, "abc")
		noErr(t, err, "use invite")
		equal(t, "uses", got.Uses, want)
		equal(t, "code", got.Code, "abc")
	}
	_, err = is.Use(ctx, "abc")
	wantErr(t, err, storage.ErrNotFound, "use exhausted invite")
	got, err = is.Get(ctx, "abc")
	noErr(t, err, "get exhausted invite")
	equal(t, "uses after exhaustion", got.Uses, 2)
	_, err = is.Use(ctx, "zzz")
	wantErr(t, err, storage.ErrNotFound, "use unknown invite")

	t.Run("UseConcurrent", func(t *testing.T) {
		noErr(t, is.Create(ctx, storage.Invite{Code: "race", GuildID: g, ChannelID: sf(1), MaxUses: 3, CreatedAt: at(1)}), "create")
		var wg sync.WaitGroup
		var mu sync.Mutex
		ok, gone := 0, 0
		for range 8 {
			wg.Go(func() {
				_, err := is.Use(ctx, "race")
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					ok++
				case errors.Is(err, storage.ErrNotFound):
					gone++
				default:
					t.Errorf("use: %v", err)
				}
			})
		}
		wg.Wait()
		equal(t, "successful uses", ok, 3)
		equal(t, "refused uses", gone, 5)
	})

	for range 5 {
		_, err := is.Use(ctx, "def") // unlimited
		noErr(t, err, "use unlimited invite")
	}
	noErr(t, is.Delete(ctx, "def"), "delete invite")
	_, err = is.Get(ctx, "def")
	wantErr(t, err, storage.ErrNotFound, "deleted invite")
	wantErr(t, is.Delete(ctx, "def"), storage.ErrNotFound, "delete invite twice")
	_, err = is.Use(ctx, "def")
	wantErr(t, err, storage.ErrNotFound, "use deleted invite")
}
