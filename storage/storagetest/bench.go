package storagetest

import (
	"testing"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// benchMessage is a typical chat line: short content, one mention, no embeds.
func benchMessage(id, channel snowflake.ID) storage.Message {
	return storage.Message{ID: id, ChannelID: channel, GuildID: 1, AuthorID: 2, Content: "hello there, this is a fairly ordinary chat message",
		Mentions: []snowflake.ID{3}, Nonce: []byte(`"123456789"`)}
}

// BenchmarkMessageCreate measures one message insert, the hottest write path, into an
// existing channel (whose last_message_id the insert advances).
func BenchmarkMessageCreate(b *testing.B, s storage.Store) {
	ctx := b.Context()
	if err := s.Channels().Create(ctx, storage.Channel{ID: 1, GuildID: 1, Name: "bench"}); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	id := base
	for b.Loop() {
		id++
		if err := s.Messages().Create(ctx, benchMessage(id, 1)); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkHistoryPage measures reading 50 messages before a point in a 5,000-message
// channel that shares its table with another busy channel, the hottest read path.
func BenchmarkHistoryPage(b *testing.B, s storage.Store) {
	ctx := b.Context()
	const n = 5000
	for i := range n {
		for _, ch := range []snowflake.ID{1, 2} {
			if err := s.Messages().Create(ctx, benchMessage(base+snowflake.ID(i*2)+ch, ch)); err != nil {
				b.Fatal(err)
			}
		}
	}
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		before := base + snowflake.ID(2*(n/2+i%(n/4)))
		i++
		ms, err := s.Messages().List(ctx, 1, storage.Page{Before: before, Limit: 50})
		if err != nil {
			b.Fatal(err)
		}
		if len(ms) != 50 {
			b.Fatalf("page: got %d messages, want 50", len(ms))
		}
	}
}
