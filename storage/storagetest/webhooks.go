package storagetest

import (
	"testing"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

func testWebhooks(t *testing.T, s storage.Store) {
	ctx := t.Context()
	ws := s.Webhooks()
	g := sf(100)
	w := storage.Webhook{ID: sf(3), Type: 1, GuildID: g, ChannelID: sf(1), CreatorID: sf(5), Name: "hook", Avatar: ptr("a"), Token: "secret", ApplicationID: sf(6)}
	for _, x := range []storage.Webhook{w, {ID: sf(2), GuildID: g, ChannelID: sf(2), Token: "t"}, {ID: sf(1), GuildID: g, ChannelID: sf(1), Token: "t"}, {ID: sf(4), GuildID: sf(200), ChannelID: sf(9)}} {
		noErr(t, ws.Create(ctx, x), "create webhook")
	}
	wantErr(t, ws.Create(ctx, w), storage.ErrConflict, "duplicate webhook")
	got, err := ws.Get(ctx, w.ID)
	noErr(t, err, "get webhook")
	equal(t, "webhook", got, w)
	hookIDs := func(ws []storage.Webhook) []snowflake.ID {
		return idsOf(ws, func(w storage.Webhook) snowflake.ID { return w.ID })
	}
	list, err := ws.ListByChannel(ctx, sf(1))
	noErr(t, err, "list by channel")
	equal(t, "channel webhooks", hookIDs(list), sfs(1, 3))
	list, err = ws.ListByGuild(ctx, g)
	noErr(t, err, "list by guild")
	equal(t, "guild webhooks", hookIDs(list), sfs(1, 2, 3))

	w.Name, w.ChannelID, w.Avatar = "moved", sf(2), nil
	noErr(t, ws.Update(ctx, w), "update webhook")
	got, err = ws.Get(ctx, w.ID)
	noErr(t, err, "get updated webhook")
	equal(t, "updated webhook", got, w)
	list, err = ws.ListByChannel(ctx, sf(2))
	noErr(t, err, "list by new channel")
	equal(t, "webhooks of new channel", hookIDs(list), sfs(2, 3))
	wantErr(t, ws.Update(ctx, storage.Webhook{ID: sf(99)}), storage.ErrNotFound, "update unknown webhook")

	noErr(t, ws.Delete(ctx, w.ID), "delete webhook")
	_, err = ws.Get(ctx, w.ID)
	wantErr(t, err, storage.ErrNotFound, "deleted webhook")
	wantErr(t, ws.Delete(ctx, w.ID), storage.ErrNotFound, "delete webhook twice")
}
