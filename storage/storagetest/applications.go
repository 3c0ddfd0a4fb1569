package storagetest

import (
	"fmt"
	"testing"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

func testApplications(t *testing.T, s storage.Store) {
	ctx := t.Context()
	as := s.Applications()
	for _, n := range []int{13, 11, 12} {
		a := storage.Application{ID: sf(n), OwnerID: sf(1), Name: fmt.Sprintf("app %d", n), VerifyKey: "k", BotPublic: true, CreatedAt: at(n)}
		noErr(t, as.Create(ctx, a), "create application")
	}
	noErr(t, as.Create(ctx, storage.Application{ID: sf(20), OwnerID: sf(2), Name: "other", CreatedAt: at(20)}), "create other owner's app")
	wantErr(t, as.Create(ctx, storage.Application{ID: sf(11), OwnerID: sf(2)}), storage.ErrConflict, "duplicate application id")

	list, err := as.ListByOwner(ctx, sf(1))
	noErr(t, err, "list by owner")
	equal(t, "list by owner order", idsOf(list, func(a storage.Application) snowflake.ID { return a.ID }), sfs(11, 12, 13))

	a, err := as.Get(ctx, sf(12))
	noErr(t, err, "get application")
	want := a
	a.Name, a.Description, a.Icon, a.BotTokenIssued, a.Flags = "renamed", "desc", ptr("icon"), 42, 8
	a.InteractionsEndpointURL = "https://bot.example/interactions"
	a.OwnerID, a.CreatedAt = sf(2), at(999) // both must be ignored
	noErr(t, as.Update(ctx, a), "update application")
	got, err := as.Get(ctx, sf(12))
	noErr(t, err, "get updated application")
	want.Name, want.Description, want.Icon, want.BotTokenIssued, want.Flags = "renamed", "desc", ptr("icon"), 42, 8
	want.InteractionsEndpointURL = "https://bot.example/interactions"
	equal(t, "updated application", got, want)

	_, err = as.Get(ctx, sf(99))
	wantErr(t, err, storage.ErrNotFound, "get unknown application")
	wantErr(t, as.Update(ctx, storage.Application{ID: sf(99)}), storage.ErrNotFound, "update unknown application")
}

func testApplicationKeys(t *testing.T, s storage.Store) {
	ctx := t.Context()
	as := s.Applications()
	noErr(t, as.Create(ctx, storage.Application{ID: sf(31), OwnerID: sf(1), Name: "keyed", CreatedAt: at(31)}), "create application")
	_, err := as.Key(ctx, sf(31))
	wantErr(t, err, storage.ErrNotFound, "key before any is stored")

	first := storage.ApplicationKey{ApplicationID: sf(31), PublicKey: bytesOf(32, 1), PrivateKey: bytesOf(32, 2), CreatedAt: at(40)}
	got, err := as.PutKeyIfAbsent(ctx, first)
	noErr(t, err, "put first key")
	equal(t, "first key stored", got, first)

	second := storage.ApplicationKey{ApplicationID: sf(31), PublicKey: bytesOf(32, 3), PrivateKey: bytesOf(32, 4), CreatedAt: at(41)}
	got, err = as.PutKeyIfAbsent(ctx, second)
	noErr(t, err, "put second key")
	equal(t, "a second put keeps the first key", got, first)
	got, err = as.Key(ctx, sf(31))
	noErr(t, err, "get key")
	equal(t, "key read back", got, first)

	other := storage.ApplicationKey{ApplicationID: sf(32), PublicKey: bytesOf(32, 5), PrivateKey: bytesOf(32, 6), CreatedAt: at(42)}
	got, err = as.PutKeyIfAbsent(ctx, other)
	noErr(t, err, "put another application's key")
	equal(t, "keys are per application", got, other)
	got, err = as.Key(ctx, sf(31))
	noErr(t, err, "get first application's key again")
	equal(t, "first application's key unchanged", got, first)
}

// bytesOf is n bytes counting up from start, so that two keys differ in every byte.
func bytesOf(n int, start byte) []byte {
	b := make([]byte, n)
	for i := range b {
		b[i] = start + byte(i)
	}
	return b
}
