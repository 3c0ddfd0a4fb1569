package storagetest

import (
	"testing"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

func testUsers(t *testing.T, s storage.Store) {
	ctx := t.Context()
	us := s.Users()
	alice := human(1, "Alice")
	alice.GlobalName = ptr("Alice A.")
	noErr(t, us.Create(ctx, alice), "create alice")

	got, err := us.Get(ctx, alice.ID)
	noErr(t, err, "get alice")
	equal(t, "get alice", got, alice)

	got, err = us.GetByUsername(ctx, "aLiCe")
	noErr(t, err, "get by username")
	equal(t, "get by username", got, alice)

	wantErr(t, us.Create(ctx, human(2, "ALICE")), storage.ErrConflict, "human with same name")
	wantErr(t, us.Create(ctx, human(1, "someone")), storage.ErrConflict, "duplicate id")

	bot1 := storage.User{ID: sf(3), Username: "alice", Discriminator: "1234", Bot: true, CreatedAt: at(3)}
	bot2 := storage.User{ID: sf(4), Username: "Alice", Discriminator: "5678", Bot: true, CreatedAt: at(4)}
	noErr(t, us.Create(ctx, bot1), "bot sharing a human's name")
	noErr(t, us.Create(ctx, bot2), "second bot with the same name")

	got, err = us.GetByUsername(ctx, "alice")
	noErr(t, err, "get by username with bots around")
	equal(t, "username lookup ignores bots", got.ID, alice.ID)
	_, err = us.GetByUsername(ctx, "nobody")
	wantErr(t, err, storage.ErrNotFound, "get by unknown username")
	_, err = us.Get(ctx, sf(99))
	wantErr(t, err, storage.ErrNotFound, "get unknown user")

	many, err := us.GetMany(ctx, []snowflake.ID{sf(3), sf(1), sf(99), sf(1)})
	noErr(t, err, "get many")
	equal(t, "get many ids", sorted(idsOf(many, func(u storage.User) snowflake.ID { return u.ID })), sfs(1, 3))
	many, err = us.GetMany(ctx, nil)
	noErr(t, err, "get many of nothing")
	equal(t, "get many of nothing", len(many), 0)

	noErr(t, us.Create(ctx, human(5, "bob")), "create bob")
	upd := alice
	upd.Username = "Alicia"
	upd.Avatar = ptr("abc")
	upd.Flags = 64
	upd.CreatedAt = at(500) // must be ignored
	noErr(t, us.Update(ctx, upd), "update alice")
	got, err = us.Get(ctx, alice.ID)
	noErr(t, err, "get updated alice")
	upd.CreatedAt = alice.CreatedAt
	equal(t, "updated alice", got, upd)
	noErr(t, us.Create(ctx, human(6, "alice")), "old name is free after rename")

	upd.Username = "BOB"
	wantErr(t, us.Update(ctx, upd), storage.ErrConflict, "rename onto another human")
	wantErr(t, us.Update(ctx, human(98, "ghost")), storage.ErrNotFound, "update unknown user")
}
