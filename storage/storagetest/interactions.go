package storagetest

import (
	"crypto/sha256"
	"encoding/json"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/storage"
)

func tokenHash(s string) []byte { h := sha256.Sum256([]byte(s)); return h[:] }

func newInteraction(n int, token string, created time.Time) storage.Interaction {
	return storage.Interaction{ID: sf(n), ApplicationID: sf(1), Type: 2, GuildID: sf(10), ChannelID: sf(11), UserID: sf(12),
		TokenHash: tokenHash(token), CreatedAt: created, ExpiresAt: created.Add(15 * time.Minute),
		Data: json.RawMessage(`{"name":"ping"}`)}
}

func testInteractions(t *testing.T, s storage.Store) {
	ctx := t.Context()
	is := s.Interactions()
	it := newInteraction(100, "tok-a", at(0))
	noErr(t, is.Create(ctx, it), "create")
	wantErr(t, is.Create(ctx, newInteraction(100, "tok-b", at(0))), storage.ErrConflict, "duplicate id")
	wantErr(t, is.Create(ctx, newInteraction(101, "tok-a", at(0))), storage.ErrConflict, "duplicate token")

	got, err := is.Get(ctx, it.ID)
	noErr(t, err, "get")
	equal(t, "round trip", got, it)
	_, err = is.Get(ctx, sf(999))
	wantErr(t, err, storage.ErrNotFound, "get unknown")

	got, err = is.GetByToken(ctx, it.ApplicationID, tokenHash("tok-a"), at(60))
	noErr(t, err, "by token")
	equal(t, "by token", got.ID, it.ID)
	_, err = is.GetByToken(ctx, sf(2), tokenHash("tok-a"), at(60))
	wantErr(t, err, storage.ErrNotFound, "token of another application")
	_, err = is.GetByToken(ctx, it.ApplicationID, tokenHash("tok-x"), at(60))
	wantErr(t, err, storage.ErrNotFound, "wrong token")
	_, err = is.GetByToken(ctx, it.ApplicationID, tokenHash("tok-a"), at(15*60))
	wantErr(t, err, storage.ErrNotFound, "expired token")

	// Acknowledge: wrong token, too late, then once only.
	_, err = is.Acknowledge(ctx, it.ID, tokenHash("tok-x"), at(-3), 4)
	wantErr(t, err, storage.ErrNotFound, "ack with the wrong token")
	_, err = is.Acknowledge(ctx, it.ID, tokenHash("tok-a"), at(1), 4)
	wantErr(t, err, storage.ErrNotFound, "ack too late")
	_, err = is.Acknowledge(ctx, sf(999), tokenHash("tok-a"), at(-3), 4)
	wantErr(t, err, storage.ErrNotFound, "ack unknown")
	acked, err := is.Acknowledge(ctx, it.ID, tokenHash("tok-a"), at(-3), 4)
	noErr(t, err, "ack")
	if !acked.Acknowledged || acked.ResponseType != 4 {
		t.Fatalf("acked = %+v", acked)
	}
	_, err = is.Acknowledge(ctx, it.ID, tokenHash("tok-a"), at(-3), 5)
	wantErr(t, err, storage.ErrConflict, "second ack")
	noErr(t, is.Release(ctx, it.ID), "release")
	wantErr(t, is.Release(ctx, sf(999)), storage.ErrNotFound, "release unknown")
	_, err = is.Acknowledge(ctx, it.ID, tokenHash("tok-a"), at(-3), 5)
	noErr(t, err, "ack after release")
	noErr(t, is.SetResponse(ctx, it.ID, sf(500)), "set response")
	wantErr(t, is.SetResponse(ctx, sf(999), sf(500)), storage.ErrNotFound, "set response unknown")
	noErr(t, is.SetData(ctx, it.ID, json.RawMessage(`{"modal":"m"}`)), "set data")
	wantErr(t, is.SetData(ctx, sf(999), nil), storage.ErrNotFound, "set data unknown")
	got, err = is.Get(ctx, it.ID)
	noErr(t, err, "get after ack")
	if !got.Acknowledged || got.ResponseType != 5 || got.ResponseMessageID != sf(500) || string(got.Data) != `{"modal":"m"}` {
		t.Fatalf("after ack: %+v", got)
	}

	// Ephemeral messages.
	m := storage.InteractionMessage{ID: sf(600), InteractionID: it.ID, UserID: sf(12), ExpiresAt: at(900), Data: json.RawMessage(`{"c":"hi"}`)}
	noErr(t, is.PutMessage(ctx, m), "put message")
	gm, err := is.GetMessage(ctx, m.ID, at(10))
	noErr(t, err, "get message")
	equal(t, "message round trip", gm, m)
	m.Data = json.RawMessage(`{"c":"edited"}`)
	m.ExpiresAt = at(1000)
	noErr(t, is.PutMessage(ctx, m), "replace message")
	gm, err = is.GetMessage(ctx, m.ID, at(950))
	noErr(t, err, "get replaced message")
	equal(t, "replaced message", gm, m)
	_, err = is.GetMessage(ctx, m.ID, at(1000))
	wantErr(t, err, storage.ErrNotFound, "expired message")
	noErr(t, is.DeleteMessage(ctx, m.ID), "delete message")
	wantErr(t, is.DeleteMessage(ctx, m.ID), storage.ErrNotFound, "delete message twice")
	_, err = is.GetMessage(ctx, m.ID, at(10))
	wantErr(t, err, storage.ErrNotFound, "deleted message")

	// DeleteExpired is bounded and keeps live rows.
	for i := range 5 {
		noErr(t, is.Create(ctx, newInteraction(200+i, "old-"+string(rune('a'+i)), at(-3600+i))), "create old")
	}
	noErr(t, is.PutMessage(ctx, storage.InteractionMessage{ID: sf(700), InteractionID: sf(200), ExpiresAt: at(-1000)}), "put old message")
	n, err := is.DeleteExpired(ctx, at(0), 3)
	noErr(t, err, "delete expired")
	if n != 4 { // 3 interactions + 1 message
		t.Fatalf("deleted %d rows, want 4", n)
	}
	n, err = is.DeleteExpired(ctx, at(0), 10)
	noErr(t, err, "delete expired again")
	if n != 2 {
		t.Fatalf("second pass deleted %d rows, want 2", n)
	}
	_, err = is.Get(ctx, sf(200))
	wantErr(t, err, storage.ErrNotFound, "expired interaction removed")
	_, err = is.Get(ctx, it.ID)
	noErr(t, err, "live interaction kept")
}

// testInteractionAckRace: of many concurrent acknowledgements of one interaction exactly one
// wins, the others get ErrConflict (what two nodes racing see).
func testInteractionAckRace(t *testing.T, s storage.Store) {
	ctx := t.Context()
	is := s.Interactions()
	it := newInteraction(100, "race", at(0))
	noErr(t, is.Create(ctx, it), "create")
	const n = 8
	var wg sync.WaitGroup
	errs := make([]error, n)
	for i := range n {
		wg.Go(func() {
			_, errs[i] = is.Acknowledge(ctx, it.ID, tokenHash("race"), at(-3), 4)
		})
	}
	wg.Wait()
	won := 0
	for _, err := range errs {
		switch {
		case err == nil:
			won++
		default:
			wantErr(t, err, storage.ErrConflict, "losing ack")
		}
	}
	if won != 1 {
		t.Fatalf("%d acknowledgements won, want 1", won)
	}
}
