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
	a.OwnerID, a.CreatedAt = sf(2), at(999) // both must be ignored
	noErr(t, as.Update(ctx, a), "update application")
	got, err := as.Get(ctx, sf(12))
	noErr(t, err, "get updated application")
	want.Name, want.Description, want.Icon, want.BotTokenIssued, want.Flags = "renamed", "desc", ptr("icon"), 42, 8
	equal(t, "updated application", got, want)

	_, err = as.Get(ctx, sf(99))
	wantErr(t, err, storage.ErrNotFound, "get unknown application")
	wantErr(t, as.Update(ctx, storage.Application{ID: sf(99)}), storage.ErrNotFound, "update unknown application")
}
