package storagetest

import (
	"sync"
	"testing"

	"github.com/parley-chat/parley/storage"
)

func testTokens(t *testing.T, s storage.Store) {
	ctx := t.Context()
	ts := s.Tokens()
	tok := storage.RefreshToken{ID: "t1", UserID: sf(1), FamilyID: "f1", ExpiresAt: at(100)}
	noErr(t, ts.Create(ctx, tok), "create token")
	noErr(t, ts.Create(ctx, storage.RefreshToken{ID: "t2", UserID: sf(1), FamilyID: "f1", ExpiresAt: at(100)}), "create t2")
	noErr(t, ts.Create(ctx, storage.RefreshToken{ID: "t3", UserID: sf(1), FamilyID: "f2", ExpiresAt: at(100)}), "create t3")
	wantErr(t, ts.Create(ctx, tok), storage.ErrConflict, "duplicate token")

	got, err := ts.Get(ctx, "t1")
	noErr(t, err, "get token")
	equal(t, "get token", got, tok)
	_, err = ts.Get(ctx, "nope")
	wantErr(t, err, storage.ErrNotFound, "get unknown token")

	t.Run("MarkUsedConcurrent", func(t *testing.T) {
		const n = 8
		var wg sync.WaitGroup
		results := make([]bool, n)
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() { results[i], errs[i] = ts.MarkUsed(ctx, "t1", at(i)) })
		}
		wg.Wait()
		wins := 0
		for i := range n {
			noErr(t, errs[i], "mark used")
			if results[i] {
				wins++
			}
		}
		equal(t, "winners", wins, 1)
		got, err := ts.Get(ctx, "t1")
		noErr(t, err, "get used token")
		if got.UsedAt == nil {
			t.Fatalf("UsedAt: got nil, want set")
		}
		ok, err := ts.MarkUsed(ctx, "t1", at(50))
		noErr(t, err, "mark used again")
		equal(t, "mark used again", ok, false)
		_, err = ts.MarkUsed(ctx, "nope", at(1))
		wantErr(t, err, storage.ErrNotFound, "mark unknown token")
	})

	for _, f := range []string{"f1", "f2", "unknown"} {
		revoked, err := ts.FamilyRevoked(ctx, f)
		noErr(t, err, "family revoked before revoke")
		equal(t, "family "+f+" revoked before revoke", revoked, false)
	}
	noErr(t, ts.RevokeFamily(ctx, "f1"), "revoke family")
	for id, want := range map[string]bool{"t1": true, "t2": true, "t3": false} {
		got, err := ts.Get(ctx, id)
		noErr(t, err, "get after revoke")
		equal(t, "revoked "+id, got.Revoked, want)
	}
	// A token created in a family after its revocation (a refresh racing the revocation)
	// does not make the family valid again.
	noErr(t, ts.Create(ctx, storage.RefreshToken{ID: "t4", UserID: sf(1), FamilyID: "f1", ExpiresAt: at(100)}), "create t4")
	for f, want := range map[string]bool{"f1": true, "f2": false, "unknown": false} {
		revoked, err := ts.FamilyRevoked(ctx, f)
		noErr(t, err, "family revoked")
		equal(t, "family "+f+" revoked", revoked, want)
	}
}
