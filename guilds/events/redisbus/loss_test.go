package redisbus

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/guilds/events/eventstest"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage/testenv"
)

func newBrokerAt(t *testing.T, url, prefix string, cfg Config) *Broker {
	t.Helper()
	cfg.URL, cfg.Prefix = url, prefix
	if cfg.Workers == 0 {
		cfg.Workers = 1 // one worker: the recorder sees one topic's events in order
	}
	b, err := New(context.Background(), cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

func numbered(g snowflake.ID, i int) events.Event {
	return events.Event{Name: opcodes.EventMessageCreate, GuildID: g, ChannelID: 1, Data: []byte(fmt.Sprintf(`{"n":%d}`, i))}
}

// waitNumbered waits (20 s: go-redis must notice a dead connection and reconnect through the
// proxy) until rec holds want numbered events and checks they are 0..want-1, in order, once.
func waitNumbered(t *testing.T, rec *eventstest.Recorder, want int) {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	for len(rec.All()) < want {
		if time.Now().After(deadline) {
			t.Fatalf("got %d of %d events", len(rec.All()), want)
		}
		time.Sleep(20 * time.Millisecond) // real Redis and a real reconnect through a TCP proxy
	}
	time.Sleep(100 * time.Millisecond) // a duplicate would arrive within a hop
	got := rec.All()
	if len(got) != want {
		t.Fatalf("got %d events, want %d (duplicates?)", len(got), want)
	}
	for i, d := range got {
		var v struct{ N int }
		if err := json.Unmarshal(d.Event.Data, &v); err != nil || v.N != i {
			t.Fatalf("event %d is %s, want n=%d (order or loss)", i, d.Event.Data, i)
		}
	}
}

// TestNoLossAcrossDisconnect: a node cut off from Redis (packets swallowed, then its
// connection dropped) gets every event published meanwhile once it is back, in order and
// once, before the live ones; its listeners hear of the gap but nothing is lost.
func TestNoLossAcrossDisconnect(t *testing.T) {
	url := testenv.RedisURL(t)
	prefix := testenv.RedisPrefix(t, url)
	proxy, purl := newBlackhole(t, url)
	a := newBrokerAt(t, url, prefix, Config{})
	b := newBrokerAt(t, purl, prefix, Config{TickInterval: 50 * time.Millisecond})
	rec := eventstest.NewRecorder()
	b.Listen(rec)
	const g snowflake.ID = 5 << 40
	eventstest.Subscribe(t, b, eventstest.Guild(g))
	ctx := context.Background()
	a.Publish(ctx, numbered(g, 0))
	a.Publish(ctx, events.Event{Name: opcodes.EventMessageCreate, GuildID: g + 1, ChannelID: 1, Data: []byte(`{"other":1}`)})
	waitNumbered(t, rec, 1)

	proxy.setCut(true)
	for i := 1; i <= 20; i++ {
		if err := a.Publish(ctx, numbered(g, i)); err != nil {
			t.Fatal(err)
		}
	}
	time.Sleep(200 * time.Millisecond) // the events are in the log, not on b's dead socket
	proxy.setCut(false)
	for i := 21; i < 25; i++ {
		a.Publish(ctx, numbered(g, i))
	}
	waitNumbered(t, rec, 25)
	if rec.Gaps() == 0 || rec.Losts() != 0 {
		t.Fatalf("gaps %d, lost %d; want a gap and no loss", rec.Gaps(), rec.Losts())
	}
	if b.Replayed() == 0 {
		t.Fatal("nothing was replayed from the log")
	}
}

// TestOutboxWhileDown: a publisher that cannot reach Redis returns at once and sends what it
// queued, in order, when Redis answers again.
func TestOutboxWhileDown(t *testing.T) {
	url := testenv.RedisURL(t)
	prefix := testenv.RedisPrefix(t, url)
	proxy, purl := newBlackhole(t, url)
	a := newBrokerAt(t, purl, prefix, Config{})
	b := newBrokerAt(t, url, prefix, Config{})
	rec := eventstest.NewRecorder()
	b.Listen(rec)
	const g snowflake.ID = 6 << 40
	eventstest.Subscribe(t, b, eventstest.Guild(g))
	proxy.setCut(true)
	ctx, cancel := context.WithCancel(context.Background())
	cancel() // the request that caused the write is gone; its event must still go out
	for i := range 30 {
		if err := a.Publish(ctx, numbered(g, i)); err != nil {
			t.Fatal(err)
		}
	}
	if a.Queued() == 0 {
		t.Fatal("nothing queued while Redis is cut off")
	}
	proxy.setCut(false)
	waitNumbered(t, rec, 30)
	if rec.Losts() != 0 {
		t.Fatal("lost reported")
	}
}

// TestOutboxOverflow: past its bound the outbox drops the oldest events, and once Redis is
// back every node is told that events were lost.
func TestOutboxOverflow(t *testing.T) {
	url := testenv.RedisURL(t)
	prefix := testenv.RedisPrefix(t, url)
	proxy, purl := newBlackhole(t, url)
	a := newBrokerAt(t, purl, prefix, Config{Outbox: 4})
	b := newBrokerAt(t, url, prefix, Config{})
	rec := eventstest.NewRecorder()
	b.Listen(rec)
	const g snowflake.ID = 7 << 40
	eventstest.Subscribe(t, b, eventstest.Guild(g))
	proxy.setCut(true)
	time.Sleep(50 * time.Millisecond) // let the sender take its first (failing) batch
	for i := range 20 {
		a.Publish(context.Background(), numbered(g, i))
	}
	proxy.setCut(false)
	deadline := time.Now().Add(20 * time.Second)
	for rec.Losts() == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no Lost after an overflow; got %d events", len(rec.All()))
		}
		time.Sleep(20 * time.Millisecond) // real reconnect through a TCP proxy
	}
}

// TestLostWhenTrimmed: a node away for longer than the log keeps events reports Lost instead
// of going on with a silent hole.
func TestLostWhenTrimmed(t *testing.T) {
	url := testenv.RedisURL(t)
	prefix := testenv.RedisPrefix(t, url)
	proxy, purl := newBlackhole(t, url)
	a := newBrokerAt(t, url, prefix, Config{ReplayWindow: time.Millisecond})
	b := newBrokerAt(t, purl, prefix, Config{})
	rec := eventstest.NewRecorder()
	b.Listen(rec)
	const g snowflake.ID = 8 << 40
	eventstest.Subscribe(t, b, eventstest.Guild(g))
	proxy.setCut(true)
	// Approximate trimming drops whole stream nodes (100 entries each): publish enough.
	for i := range 500 {
		a.Publish(context.Background(), numbered(g, i))
		if i%100 == 99 {
			time.Sleep(5 * time.Millisecond) // so older entries fall out of the 1 ms window
		}
	}
	time.Sleep(200 * time.Millisecond)
	proxy.setCut(false)
	deadline := time.Now().Add(20 * time.Second)
	for rec.Losts() == 0 {
		if time.Now().After(deadline) {
			t.Fatalf("no Lost after the log was trimmed past b's position (gaps %d, events %d)", rec.Gaps(), len(rec.All()))
		}
		time.Sleep(20 * time.Millisecond) // real reconnect through a TCP proxy
	}
}
