package embedded_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
	"github.com/parley-chat/parley/storage/embedded"
	"github.com/parley-chat/parley/storage/storagetest"
)

func open(t *testing.T) storage.Store {
	t.Helper()
	s, err := embedded.Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	return s
}

func TestConformance(t *testing.T) {
	storagetest.Run(t, open)
}

func TestReopenKeepsData(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s, err := embedded.Open(ctx, dir)
	if err != nil {
		t.Fatalf("open: %v", err)
	}
	u := storage.User{ID: 42, Username: "persist", Discriminator: "0", CreatedAt: time.Unix(1700000000, 5).UTC()}
	if err := s.Users().Create(ctx, u); err != nil {
		t.Fatalf("create user: %v", err)
	}
	if err := s.Messages().Create(ctx, storage.Message{ID: 7, ChannelID: 3, AuthorID: 42, Content: "still here"}); err != nil {
		t.Fatalf("create message: %v", err)
	}
	if err := s.Close(); err != nil {
		t.Fatalf("close: %v", err)
	}

	// Reopening must not re-run migrations destructively.
	s, err = embedded.Open(ctx, dir)
	if err != nil {
		t.Fatalf("reopen: %v", err)
	}
	defer s.Close()
	got, err := s.Users().Get(ctx, 42)
	if err != nil {
		t.Fatalf("get user after reopen: %v", err)
	}
	if got.Username != u.Username || !got.CreatedAt.Equal(u.CreatedAt) {
		t.Fatalf("user after reopen: got %+v, want %+v", got, u)
	}
	m, err := s.Messages().Get(ctx, 3, 7)
	if err != nil {
		t.Fatalf("get message after reopen: %v", err)
	}
	if m.Content != "still here" {
		t.Fatalf("message content: got %q, want %q", m.Content, "still here")
	}
}

func TestConcurrentOpen(t *testing.T) {
	// Two stores on one directory (as when an old process overlaps a new one) must both
	// migrate and write without SQLITE_BUSY errors.
	ctx := context.Background()
	dir := t.TempDir()
	errs := make(chan error, 2)
	stores := make(chan *embedded.Store, 2)
	for range 2 {
		go func() {
			s, err := embedded.Open(ctx, dir)
			errs <- err
			stores <- s
		}()
	}
	for range 2 {
		if err := <-errs; err != nil {
			t.Fatalf("open: %v", err)
		}
	}
	a, b := <-stores, <-stores
	defer a.Close()
	defer b.Close()
	done := make(chan error, 2)
	for i, s := range []*embedded.Store{a, b} {
		go func() {
			for n := range 50 {
				id := snowflake.ID(1000*(i+1) + n)
				if err := s.Messages().Create(ctx, storage.Message{ID: id, ChannelID: 1}); err != nil {
					done <- fmt.Errorf("store %d: %w", i, err)
					return
				}
			}
			done <- nil
		}()
	}
	for range 2 {
		if err := <-done; err != nil {
			t.Fatal(err)
		}
	}
	ms, err := a.Messages().List(ctx, 1, storage.Page{Limit: 100})
	if err != nil {
		t.Fatalf("list: %v", err)
	}
	if len(ms) != 100 {
		t.Fatalf("messages: got %d, want 100", len(ms))
	}
}

func BenchmarkMessageCreate(b *testing.B) {
	storagetest.BenchmarkMessageCreate(b, openBench(b))
}

func BenchmarkMessageHistoryPage(b *testing.B) {
	storagetest.BenchmarkHistoryPage(b, openBench(b))
}

func openBench(b *testing.B) storage.Store {
	s, err := embedded.Open(b.Context(), b.TempDir())
	if err != nil {
		b.Fatalf("open: %v", err)
	}
	b.Cleanup(func() { s.Close() })
	return s
}
