package storagetest

import (
	"testing"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

func testEmojis(t *testing.T, s storage.Store) {
	ctx := t.Context()
	es := s.Emojis()
	g := sf(100)
	e := storage.Emoji{ID: sf(2), GuildID: g, Name: "party", Roles: sfs(7), CreatorID: sf(5), Animated: true, Available: true, Image: []byte{0x89, 'P', 'N', 'G', 0}}
	for _, x := range []storage.Emoji{e, {ID: sf(1), GuildID: g, Name: "a", Image: []byte{1}}, {ID: sf(3), GuildID: sf(200), Name: "b", Image: []byte{2}}} {
		noErr(t, es.Create(ctx, x), "create emoji")
	}
	wantErr(t, es.Create(ctx, e), storage.ErrConflict, "duplicate emoji")
	got, err := es.Get(ctx, g, e.ID)
	noErr(t, err, "get emoji")
	equal(t, "emoji", got, e)
	_, err = es.Get(ctx, sf(200), e.ID)
	wantErr(t, err, storage.ErrNotFound, "get emoji through another guild")
	got, err = es.GetByID(ctx, e.ID)
	noErr(t, err, "get emoji by id")
	equal(t, "emoji by id", got, e)
	_, err = es.GetByID(ctx, sf(99))
	wantErr(t, err, storage.ErrNotFound, "get unknown emoji by id")

	list, err := es.ListByGuild(ctx, g)
	noErr(t, err, "list emojis")
	equal(t, "emoji ids", idsOf(list, func(e storage.Emoji) snowflake.ID { return e.ID }), sfs(1, 2))
	for _, x := range list {
		if x.Image != nil {
			t.Fatalf("ListByGuild: got image for %d, want none", x.ID)
		}
	}
	listed := list[1]
	listed.Name, listed.Roles = "renamed", nil
	noErr(t, es.Update(ctx, listed), "update listed emoji (no image)")
	got, err = es.Get(ctx, g, e.ID)
	noErr(t, err, "get updated emoji")
	e.Name, e.Roles = "renamed", nil
	equal(t, "updated emoji keeps image", got, e)
	wantErr(t, es.Update(ctx, storage.Emoji{ID: sf(99), GuildID: g}), storage.ErrNotFound, "update unknown emoji")

	noErr(t, es.Delete(ctx, g, e.ID), "delete emoji")
	_, err = es.Get(ctx, g, e.ID)
	wantErr(t, err, storage.ErrNotFound, "deleted emoji")
	wantErr(t, es.Delete(ctx, g, e.ID), storage.ErrNotFound, "delete emoji twice")
}
