package storagetest

import (
	"encoding/json"
	"testing"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

func testScheduledEvents(t *testing.T, s storage.Store) {
	ctx := t.Context()
	es := s.ScheduledEvents()
	g := sf(100)
	end := at(60)
	e := storage.ScheduledEvent{ID: sf(2), GuildID: g, CreatorID: sf(5), Name: "launch", Description: ptr("party"),
		Image: ptr("abc"), Start: at(1), End: &end, PrivacyLevel: 2, Status: 1, EntityType: 3, Location: "park",
		Recurrence: json.RawMessage(`{"frequency":2}`),
		Exceptions: []storage.ScheduledEventException{{ID: sf(9), Start: ptr(at(2)), Canceled: true}}}
	for _, x := range []storage.ScheduledEvent{e, {ID: sf(1), GuildID: g, Name: "a", Start: at(0)}, {ID: sf(3), GuildID: sf(200), Name: "b", Start: at(0)}} {
		noErr(t, es.Create(ctx, x), "create event")
	}
	wantErr(t, es.Create(ctx, e), storage.ErrConflict, "duplicate event")
	got, err := es.Get(ctx, g, e.ID)
	noErr(t, err, "get event")
	equal(t, "event", got, e)
	_, err = es.Get(ctx, sf(200), e.ID)
	wantErr(t, err, storage.ErrNotFound, "event through another guild")
	got, err = es.Get(ctx, g, sf(1))
	noErr(t, err, "get plain event")
	equal(t, "event without recurrence", got, storage.ScheduledEvent{ID: sf(1), GuildID: g, Name: "a", Start: at(0)})
	list, err := es.ListByGuild(ctx, g)
	noErr(t, err, "list events")
	equal(t, "event ids", idsOf(list, func(e storage.ScheduledEvent) snowflake.ID { return e.ID }), sfs(1, 2))
	e.Status, e.Exceptions, e.End = 2, nil, nil
	noErr(t, es.Update(ctx, e), "update event")
	got, err = es.Get(ctx, g, e.ID)
	noErr(t, err, "get updated event")
	equal(t, "updated event", got, e)
	wantErr(t, es.Update(ctx, storage.ScheduledEvent{ID: sf(99), GuildID: g}), storage.ErrNotFound, "update unknown event")

	for _, u := range []int{30, 10, 20, 40} {
		noErr(t, es.AddUser(ctx, e.ID, 0, sf(u)), "add user")
	}
	noErr(t, es.AddUser(ctx, e.ID, sf(9), sf(10)), "add exception user")
	wantErr(t, es.AddUser(ctx, e.ID, 0, sf(10)), storage.ErrConflict, "add user twice")
	ids, err := es.ListUsers(ctx, e.ID, 0, 0, 0, 0)
	noErr(t, err, "list users")
	equal(t, "users", ids, sfs(10, 20, 30, 40))
	ids, err = es.ListUsers(ctx, e.ID, 0, 0, sf(10), 2)
	noErr(t, err, "list users after")
	equal(t, "users after", ids, sfs(20, 30))
	ids, err = es.ListUsers(ctx, e.ID, 0, sf(40), 0, 2)
	noErr(t, err, "list users before")
	equal(t, "users before", ids, sfs(20, 30))
	ids, err = es.ListUsers(ctx, e.ID, sf(9), 0, 0, 0)
	noErr(t, err, "list exception users")
	equal(t, "exception users", ids, sfs(10))
	counts, err := es.CountUsers(ctx, []snowflake.ID{e.ID, sf(1)})
	noErr(t, err, "count users")
	equal(t, "counts", counts, map[snowflake.ID]map[snowflake.ID]int{e.ID: {0: 4, sf(9): 1}})
	noErr(t, es.RemoveUser(ctx, e.ID, 0, sf(30)), "remove user")
	wantErr(t, es.RemoveUser(ctx, e.ID, 0, sf(30)), storage.ErrNotFound, "remove user twice")
	noErr(t, es.DeleteUsers(ctx, g, sf(10)), "delete member's subscriptions")
	ids, err = es.ListUsers(ctx, e.ID, 0, 0, 0, 0)
	noErr(t, err, "list users after removals")
	equal(t, "users after removals", ids, sfs(20, 40))

	noErr(t, es.Delete(ctx, g, e.ID), "delete event")
	_, err = es.Get(ctx, g, e.ID)
	wantErr(t, err, storage.ErrNotFound, "deleted event")
	counts, err = es.CountUsers(ctx, []snowflake.ID{e.ID})
	noErr(t, err, "count after delete")
	equal(t, "subscribers go with the event", len(counts), 0)
	wantErr(t, es.Delete(ctx, g, e.ID), storage.ErrNotFound, "delete event twice")
}

func testStickers(t *testing.T, s storage.Store) {
	ctx := t.Context()
	ss := s.Stickers()
	g := sf(100)
	st := storage.Sticker{ID: sf(2), GuildID: g, Name: "wave", Description: "hi", Tags: "wave", FormatType: 1,
		Available: true, CreatorID: sf(5), Image: []byte{0x89, 'P', 'N', 'G'}}
	for _, x := range []storage.Sticker{st, {ID: sf(1), GuildID: g, Name: "a", Image: []byte{1}}, {ID: sf(3), GuildID: sf(200), Name: "b", Image: []byte{2}}} {
		noErr(t, ss.Create(ctx, x), "create sticker")
	}
	wantErr(t, ss.Create(ctx, st), storage.ErrConflict, "duplicate sticker")
	got, err := ss.Get(ctx, st.ID)
	noErr(t, err, "get sticker")
	equal(t, "sticker", got, st)
	list, err := ss.ListByGuild(ctx, g)
	noErr(t, err, "list stickers")
	equal(t, "sticker ids", idsOf(list, func(x storage.Sticker) snowflake.ID { return x.ID }), sfs(1, 2))
	if list[1].Image != nil {
		t.Fatal("ListByGuild returned an image")
	}
	listed := list[1]
	listed.Name = "renamed"
	noErr(t, ss.Update(ctx, listed), "update listed sticker")
	got, err = ss.Get(ctx, st.ID)
	noErr(t, err, "get updated sticker")
	st.Name = "renamed"
	equal(t, "updated sticker keeps image", got, st)
	wantErr(t, ss.Update(ctx, storage.Sticker{ID: st.ID, GuildID: sf(200)}), storage.ErrNotFound, "update through another guild")
	wantErr(t, ss.Delete(ctx, sf(200), st.ID), storage.ErrNotFound, "delete through another guild")
	noErr(t, ss.Delete(ctx, g, st.ID), "delete sticker")
	_, err = ss.Get(ctx, st.ID)
	wantErr(t, err, storage.ErrNotFound, "deleted sticker")
}

func testApplicationEmojis(t *testing.T, s storage.Store) {
	ctx := t.Context()
	app := sf(100)
	e := storage.Emoji{ID: sf(2), GuildID: app, Name: "app", CreatorID: sf(5), Available: true, Image: []byte{1, 2}, Roles: []snowflake.ID{}}
	noErr(t, s.ApplicationEmojis().Create(ctx, e), "create app emoji")
	wantErr(t, s.ApplicationEmojis().Create(ctx, e), storage.ErrConflict, "duplicate app emoji")
	got, err := s.ApplicationEmojis().Get(ctx, app, e.ID)
	noErr(t, err, "get app emoji")
	equal(t, "app emoji", got, e)
	_, err = s.Emojis().Get(ctx, app, e.ID)
	wantErr(t, err, storage.ErrNotFound, "app emoji is not a guild emoji")
	list, err := s.ApplicationEmojis().ListByGuild(ctx, app)
	noErr(t, err, "list app emojis")
	equal(t, "app emoji count", len(list), 1)
	noErr(t, s.ApplicationEmojis().Delete(ctx, app, e.ID), "delete app emoji")
	wantErr(t, s.ApplicationEmojis().Delete(ctx, app, e.ID), storage.ErrNotFound, "delete app emoji twice")
}

func testStageInstances(t *testing.T, s storage.Store) {
	ctx := t.Context()
	si := s.StageInstances()
	g := sf(100)
	x := storage.StageInstance{ID: sf(2), GuildID: g, ChannelID: sf(10), Topic: "talk", PrivacyLevel: 2, ScheduledEventID: sf(7)}
	noErr(t, si.Create(ctx, x), "create stage")
	noErr(t, si.Create(ctx, storage.StageInstance{ID: sf(1), GuildID: g, ChannelID: sf(11), Topic: "b"}), "create second stage")
	wantErr(t, si.Create(ctx, storage.StageInstance{ID: sf(3), GuildID: g, ChannelID: sf(10)}), storage.ErrConflict, "second stage in a channel")
	got, err := si.Get(ctx, x.ChannelID)
	noErr(t, err, "get stage")
	equal(t, "stage", got, x)
	list, err := si.ListByGuild(ctx, g)
	noErr(t, err, "list stages")
	equal(t, "stage ids", idsOf(list, func(x storage.StageInstance) snowflake.ID { return x.ID }), sfs(1, 2))
	x.Topic = "new"
	noErr(t, si.Update(ctx, x), "update stage")
	got, err = si.Get(ctx, x.ChannelID)
	noErr(t, err, "get updated stage")
	equal(t, "updated stage", got, x)
	noErr(t, si.Delete(ctx, x.ChannelID), "delete stage")
	_, err = si.Get(ctx, x.ChannelID)
	wantErr(t, err, storage.ErrNotFound, "deleted stage")
	wantErr(t, si.Update(ctx, x), storage.ErrNotFound, "update deleted stage")
	wantErr(t, si.Delete(ctx, x.ChannelID), storage.ErrNotFound, "delete stage twice")
}

func testSounds(t *testing.T, s storage.Store) {
	ctx := t.Context()
	ss := s.Sounds()
	g := sf(100)
	snd := storage.Sound{ID: sf(2), GuildID: g, Name: "honk", Volume: 0.5, EmojiName: ptr("🦆"), Available: true, CreatorID: sf(5), Data: []byte("ID3")}
	for _, x := range []storage.Sound{snd, {ID: sf(1), GuildID: g, Name: "a", Data: []byte{1}}, {ID: sf(3), GuildID: sf(200), Name: "b", Data: []byte{2}}} {
		noErr(t, ss.Create(ctx, x), "create sound")
	}
	wantErr(t, ss.Create(ctx, snd), storage.ErrConflict, "duplicate sound")
	got, err := ss.Get(ctx, g, snd.ID)
	noErr(t, err, "get sound")
	equal(t, "sound", got, snd)
	got, err = ss.GetByID(ctx, snd.ID)
	noErr(t, err, "get sound by id")
	equal(t, "sound by id", got, snd)
	_, err = ss.Get(ctx, sf(200), snd.ID)
	wantErr(t, err, storage.ErrNotFound, "sound through another guild")
	list, err := ss.ListByGuild(ctx, g)
	noErr(t, err, "list sounds")
	equal(t, "sound ids", idsOf(list, func(x storage.Sound) snowflake.ID { return x.ID }), sfs(1, 2))
	if list[1].Data != nil {
		t.Fatal("ListByGuild returned sound data")
	}
	listed := list[1]
	listed.Volume = 1
	noErr(t, ss.Update(ctx, listed), "update listed sound")
	got, err = ss.Get(ctx, g, snd.ID)
	noErr(t, err, "get updated sound")
	snd.Volume = 1
	equal(t, "updated sound keeps data", got, snd)
	noErr(t, ss.Delete(ctx, g, snd.ID), "delete sound")
	_, err = ss.GetByID(ctx, snd.ID)
	wantErr(t, err, storage.ErrNotFound, "deleted sound")
	wantErr(t, ss.Delete(ctx, g, snd.ID), storage.ErrNotFound, "delete sound twice")
}

func testImages(t *testing.T, s storage.Store) {
	ctx := t.Context()
	im := s.Images()
	img := storage.Image{Kind: "avatars", OwnerID: sf(1), Hash: "a_123", Data: []byte{1, 2, 3}}
	noErr(t, im.Put(ctx, img), "put image")
	noErr(t, im.Put(ctx, img), "put image again")
	got, err := im.Get(ctx, "avatars", sf(1), "a_123")
	noErr(t, err, "get image")
	equal(t, "image", got, img)
	for _, miss := range []storage.Image{{Kind: "icons", OwnerID: sf(1), Hash: "a_123"}, {Kind: "avatars", OwnerID: sf(2), Hash: "a_123"}, {Kind: "avatars", OwnerID: sf(1), Hash: "b"}} {
		_, err = im.Get(ctx, miss.Kind, miss.OwnerID, miss.Hash)
		wantErr(t, err, storage.ErrNotFound, "get "+miss.Kind+"/"+miss.Hash)
	}
}

func testContentGuildCascade(t *testing.T, s storage.Store) {
	ctx := t.Context()
	owner := human(1, "owner")
	noErr(t, s.Users().Create(ctx, owner), "create owner")
	g := seedGuild(t, s, 10, owner.ID)
	gid := g.Guild.ID
	noErr(t, s.ScheduledEvents().Create(ctx, storage.ScheduledEvent{ID: sf(20), GuildID: gid, Name: "e", Start: at(0)}), "event")
	noErr(t, s.ScheduledEvents().AddUser(ctx, sf(20), 0, owner.ID), "subscriber")
	noErr(t, s.Stickers().Create(ctx, storage.Sticker{ID: sf(21), GuildID: gid, Name: "st", Image: []byte{1}}), "sticker")
	noErr(t, s.StageInstances().Create(ctx, storage.StageInstance{ID: sf(22), GuildID: gid, ChannelID: sf(23)}), "stage")
	noErr(t, s.Sounds().Create(ctx, storage.Sound{ID: sf(24), GuildID: gid, Name: "snd", Data: []byte{1}}), "sound")
	noErr(t, s.Guilds().Delete(ctx, gid), "delete guild")
	evs, err := s.ScheduledEvents().ListByGuild(ctx, gid)
	noErr(t, err, "list events")
	equal(t, "events after delete", len(evs), 0)
	counts, err := s.ScheduledEvents().CountUsers(ctx, sfs(20))
	noErr(t, err, "count subscribers")
	equal(t, "subscribers after delete", len(counts), 0)
	_, err = s.Stickers().Get(ctx, sf(21))
	wantErr(t, err, storage.ErrNotFound, "sticker after delete")
	_, err = s.StageInstances().Get(ctx, sf(23))
	wantErr(t, err, storage.ErrNotFound, "stage after delete")
	_, err = s.Sounds().GetByID(ctx, sf(24))
	wantErr(t, err, storage.ErrNotFound, "sound after delete")
}
