package storagetest

import (
	"fmt"
	"sync"
	"testing"

	"github.com/parley-chat/parley/storage"
)

func testSettings(t *testing.T, s storage.Store) {
	ctx := t.Context()
	ss := s.Settings()
	_, err := ss.Get(ctx, "secret")
	wantErr(t, err, storage.ErrNotFound, "get missing setting")
	v, err := ss.PutIfAbsent(ctx, "secret", []byte("first"))
	noErr(t, err, "put")
	equal(t, "first put", string(v), "first")
	v, err = ss.PutIfAbsent(ctx, "secret", []byte("second"))
	noErr(t, err, "put again")
	equal(t, "second put returns the first value", string(v), "first")
	v, err = ss.Get(ctx, "secret")
	noErr(t, err, "get")
	equal(t, "stored", string(v), "first")

	t.Run("Concurrent", func(t *testing.T) {
		const n = 8
		var wg sync.WaitGroup
		got := make([]string, n)
		errs := make([]error, n)
		for i := range n {
			wg.Go(func() {
				v, err := ss.PutIfAbsent(ctx, "race", []byte(fmt.Sprint("value-", i)))
				got[i], errs[i] = string(v), err
			})
		}
		wg.Wait()
		for i := range n {
			noErr(t, errs[i], "put")
			equal(t, "every caller agrees", got[i], got[0])
		}
	})

	bin := []byte{0, 1, 2, 255}
	v, err = ss.PutIfAbsent(ctx, "bin", bin)
	noErr(t, err, "put binary")
	equal(t, "binary value", v, bin)
	v, err = ss.PutIfAbsent(ctx, "empty", []byte{})
	noErr(t, err, "put empty value")
	equal(t, "empty value length", len(v), 0)
}
