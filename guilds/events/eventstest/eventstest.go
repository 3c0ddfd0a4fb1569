// Package eventstest is the conformance suite of events.Broker: every implementation runs
// the same contract (events.Memory in package events, redisbus.Broker against a real Redis),
// as testing/fstest does for file systems.
package eventstest

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// Impl is what the suite needs from an implementation.
type Impl struct {
	// New returns a fresh Broker of its own (no events from other tests), with one delivery
	// goroutine, so that a barrier event on another topic arrives after everything published
	// before it. The suite closes it; New may also register a cleanup.
	New func(t *testing.T) events.Broker
	// Unsubscribed waits until b no longer delivers tp after its last Unsubscribe. Nil: at
	// once.
	Unsubscribed func(t *testing.T, b events.Broker, tp events.Topic)
}

// Delivery is one event as a Recorder received it.
type Delivery struct {
	Event events.Event
	Local bool
}

// Recorder is an events.Listener that keeps what it receives.
type Recorder struct {
	mu   sync.Mutex
	got  []Delivery
	gaps int
	lost int
	ch   chan struct{}
}

// NewRecorder returns an empty Recorder.
func NewRecorder() *Recorder { return &Recorder{ch: make(chan struct{}, 1<<16)} }

// Receive implements events.Listener.
func (r *Recorder) Receive(_ context.Context, ev events.Event, local bool) {
	r.mu.Lock()
	r.got = append(r.got, Delivery{ev, local})
	r.mu.Unlock()
	select {
	case r.ch <- struct{}{}:
	default:
	}
}

// Gap implements events.Listener.
func (r *Recorder) Gap() {
	r.mu.Lock()
	r.gaps++
	r.mu.Unlock()
	select {
	case r.ch <- struct{}{}:
	default:
	}
}

// Lost implements events.Listener.
func (r *Recorder) Lost() {
	r.mu.Lock()
	r.lost++
	r.mu.Unlock()
	select {
	case r.ch <- struct{}{}:
	default:
	}
}

// Losts counts Lost calls.
func (r *Recorder) Losts() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.lost
}

// Gaps counts Gap calls.
func (r *Recorder) Gaps() int {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.gaps
}

// WaitFor waits up to 5 s until an event named name arrived and returns everything so far.
func (r *Recorder) WaitFor(t testing.TB, name opcodes.EventName) []Delivery {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		r.mu.Lock()
		for _, d := range r.got {
			if d.Event.Name == name {
				out := append([]Delivery(nil), r.got...)
				r.mu.Unlock()
				return out
			}
		}
		r.mu.Unlock()
		select {
		case <-r.ch:
		case <-deadline:
			t.Fatalf("no %s within 5s", name)
		}
	}
}

// All returns everything received so far.
func (r *Recorder) All() []Delivery {
	r.mu.Lock()
	defer r.mu.Unlock()
	return append([]Delivery(nil), r.got...)
}

// Reset forgets what was received.
func (r *Recorder) Reset() {
	r.mu.Lock()
	r.got = nil
	r.mu.Unlock()
}

// Subscribe subscribes b to ts and waits until they deliver.
func Subscribe(t testing.TB, b events.Broker, ts ...events.Topic) {
	t.Helper()
	for _, tp := range ts {
		b.Subscribe(tp)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := b.WaitSubscribed(ctx, ts); err != nil {
		t.Fatalf("subscriptions not confirmed: %v", err)
	}
}

// Guild and User are topic shorthands.
func Guild(id snowflake.ID) events.Topic { return events.Topic{Kind: events.TopicGuild, ID: id} }

// User is a user's topic.
func User(id snowflake.ID) events.Topic { return events.Topic{Kind: events.TopicUser, ID: id} }

func names(ds []Delivery) string {
	s := make([]string, len(ds))
	for i, d := range ds {
		s[i] = string(d.Event.Name)
	}
	return strings.Join(s, ",")
}

// Run checks the events.Broker contract: refcounted subscriptions, per-topic order, delivery
// once per node whatever the number of matching topics, the cache topic, both encoded forms
// kept byte for byte, listeners in the order added (and removable), local marking, and
// nothing after Close.
func Run(t *testing.T, impl Impl) {
	const (
		g1 snowflake.ID = 1 << 40
		g2 snowflake.ID = 2 << 40
		g3 snowflake.ID = 6 << 40
		u1 snowflake.ID = 3 << 40
		u2 snowflake.ID = 4 << 40
		ch snowflake.ID = 5 << 40
	)
	msg := func(guild snowflake.ID, n int) events.Event {
		return events.Event{Name: opcodes.EventMessageCreate, GuildID: guild, ChannelID: ch, AuthorID: u1,
			Mentions: []snowflake.ID{u2}, Perm: opcodes.PermSendMessages,
			Data:     fmt.Appendf(nil, `{"id":"%d","content":"line\nbreak %d"}`, 1000+n, n),
			Stripped: fmt.Appendf(nil, `{"id":"%d","content":""}`, 1000+n)}
	}
	barrier := events.Event{Name: opcodes.EventTypingStart, UserIDs: []snowflake.ID{u1}, Data: []byte(`{"barrier":true}`)}
	ctx := context.Background()

	rec := NewRecorder()
	b := impl.New(t)
	second := NewRecorder()
	b.Listen(rec)
	stopSecond := b.Listen(second)
	Subscribe(t, b, User(u1))
	unsubscribed := func(tp events.Topic) {
		if impl.Unsubscribed != nil {
			impl.Unsubscribed(t, b, tp)
		}
	}

	t.Run("refcount", func(t *testing.T) {
		Subscribe(t, b, Guild(g1))
		Subscribe(t, b, Guild(g1))
		b.Unsubscribe(Guild(g1))
		want := msg(g1, 1)
		if err := b.Publish(ctx, want); err != nil {
			t.Fatal(err)
		}
		got := rec.WaitFor(t, opcodes.EventMessageCreate)
		if len(got) != 1 {
			t.Fatalf("got %d events, want 1", len(got))
		}
		ev := got[0].Event
		if !got[0].Local || ev.GuildID != g1 || ev.ChannelID != ch || ev.AuthorID != u1 || len(ev.Mentions) != 1 ||
			ev.Mentions[0] != u2 || ev.Perm != opcodes.PermSendMessages || ev.Cache ||
			!bytes.Equal(ev.Data, want.Data) || !bytes.Equal(ev.Stripped, want.Stripped) {
			t.Fatalf("event changed in transit:\n got %+v (local %v) %s | %s\nwant %+v %s | %s",
				ev, got[0].Local, ev.Data, ev.Stripped, want, want.Data, want.Stripped)
		}
		// The second listener saw it too, after the first.
		if g := second.WaitFor(t, opcodes.EventMessageCreate); len(g) != 1 {
			t.Fatalf("second listener got %d events", len(g))
		}
	})

	t.Run("last unsubscribe", func(t *testing.T) {
		rec.Reset()
		b.Unsubscribe(Guild(g1))
		unsubscribed(Guild(g1))
		b.Publish(ctx, msg(g1, 2))
		b.Publish(ctx, barrier)
		if got := rec.WaitFor(t, opcodes.EventTypingStart); len(got) != 1 {
			t.Fatalf("after the last unsubscribe got %s", names(got))
		}
	})

	t.Run("order per topic", func(t *testing.T) {
		rec.Reset()
		Subscribe(t, b, Guild(g2))
		const n = 200
		for i := range n {
			if err := b.Publish(ctx, msg(g2, i)); err != nil {
				t.Fatal(err)
			}
		}
		b.Publish(ctx, barrier)
		got := rec.WaitFor(t, opcodes.EventTypingStart)
		if len(got) != n+1 {
			t.Fatalf("got %d events, want %d", len(got), n+1)
		}
		for i := range n {
			if want := msg(g2, i).Data; !bytes.Equal(got[i].Event.Data, want) {
				t.Fatalf("event %d = %s, want %s (out of order)", i, got[i].Event.Data, want)
			}
		}
	})

	t.Run("once per node", func(t *testing.T) {
		rec.Reset()
		Subscribe(t, b, User(u2))
		b.Publish(ctx, events.Event{Name: opcodes.EventChannelPinsUpdate, UserIDs: []snowflake.ID{u1, u2}, Data: []byte(`{"dm":1}`)})
		b.Publish(ctx, events.Event{Name: opcodes.EventPresenceUpdate, GuildID: g2, Subject: u1, Data: []byte(`{"presence":1}`)})
		b.Publish(ctx, events.Event{Name: opcodes.EventGuildMemberUpdate, GuildID: g2, Subject: u2, Cache: true, Data: []byte(`{"member":1}`)})
		b.Publish(ctx, events.Event{Name: opcodes.EventUserUpdate, UserIDs: []snowflake.ID{u1}, Cache: true, Data: []byte(`{"user":1}`)})
		b.Publish(ctx, barrier)
		got := rec.WaitFor(t, opcodes.EventTypingStart)
		if s := names(got); s != "CHANNEL_PINS_UPDATE,PRESENCE_UPDATE,GUILD_MEMBER_UPDATE,USER_UPDATE,TYPING_START" {
			t.Fatalf("delivered %s", s)
		}
		for _, d := range got {
			if d.Event.Stripped != nil {
				t.Fatalf("%s: Stripped = %q, want nil (none was published)", d.Event.Name, d.Event.Stripped)
			}
		}
	})

	t.Run("cache topic", func(t *testing.T) {
		// A Cache event of a guild this node does not watch reaches it through the cache
		// topic, once, marked Cache; a non-cache event of that guild does not.
		rec.Reset()
		Subscribe(t, b, events.CacheTopic)
		b.Publish(ctx, events.Event{Name: opcodes.EventChannelUpdate, GuildID: g3, ChannelID: ch, Cache: true, Data: []byte(`{"id":"1"}`)})
		b.Publish(ctx, msg(g3, 3))
		b.Publish(ctx, barrier)
		got := rec.WaitFor(t, opcodes.EventTypingStart)
		if s := names(got); s != "CHANNEL_UPDATE,TYPING_START" || !got[0].Event.Cache || got[0].Event.GuildID != g3 {
			t.Fatalf("delivered %s (%+v)", s, got)
		}
		b.Unsubscribe(events.CacheTopic)
	})

	t.Run("stop listening", func(t *testing.T) {
		stopSecond()
		second.Reset()
		rec.Reset()
		b.Publish(ctx, barrier)
		rec.WaitFor(t, opcodes.EventTypingStart)
		if got := second.All(); len(got) != 0 {
			t.Fatalf("stopped listener got %s", names(got))
		}
	})

	t.Run("close", func(t *testing.T) {
		rec.Reset()
		if err := b.Close(); err != nil {
			t.Fatal(err)
		}
		if err := b.Publish(ctx, barrier); err != nil {
			t.Fatalf("publish after close: %v", err)
		}
		wctx, cancel := context.WithTimeout(ctx, time.Second)
		defer cancel()
		if err := b.WaitSubscribed(wctx, []events.Topic{Guild(g3)}); err != nil {
			t.Fatalf("WaitSubscribed after close: %v (want nil: nothing will ever be delivered)", err)
		}
		time.Sleep(50 * time.Millisecond) // a wrong delivery would come from another goroutine
		if got := rec.All(); len(got) != 0 {
			t.Fatalf("delivered after close: %s", names(got))
		}
	})
}
