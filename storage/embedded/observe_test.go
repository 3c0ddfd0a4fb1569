package embedded_test

import (
	"context"
	"errors"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/storage"
	"github.com/parley-chat/parley/storage/embedded"
)

// TestObserveAndPing: every call reaches the observer with its operation; not-found is an
// answer, not an error; Ping answers while open and fails once closed.
func TestObserveAndPing(t *testing.T) {
	ctx := context.Background()
	st, err := embedded.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	calls := map[string]int{}
	errs := map[string]int{}
	st.Observe(func(op string, elapsed time.Duration, err error) {
		mu.Lock()
		defer mu.Unlock()
		calls[op]++
		if err != nil {
			errs[op]++
		}
		if elapsed < 0 {
			t.Errorf("%s: negative duration", op)
		}
	})
	if _, err := st.Users().Get(ctx, 12345); !errors.Is(err, storage.ErrNotFound) {
		t.Fatalf("Get = %v, want ErrNotFound", err)
	}
	if _, err := st.Settings().PutIfAbsent(ctx, "k", []byte("v")); err != nil {
		t.Fatal(err)
	}
	if err := st.Ping(ctx); err != nil {
		t.Fatalf("Ping on an open store: %v", err)
	}
	mu.Lock()
	if calls["query_row"] < 2 || errs["query_row"] != 0 {
		t.Errorf("query_row calls %d errors %d; want ≥2 calls (Get, Ping) and no errors", calls["query_row"], errs["query_row"])
	}
	if calls["exec"]+calls["tx"] == 0 {
		t.Errorf("Settings.Set was not observed: %v", calls)
	}
	mu.Unlock()
	st.Close()
	if err := st.Ping(ctx); err == nil {
		t.Fatal("Ping on a closed store succeeded")
	}
	mu.Lock()
	defer mu.Unlock()
	if errs["query_row"] == 0 {
		t.Errorf("the failed Ping was not observed as an error: %v", errs)
	}
}
