package redisbus

import (
	"bufio"
	"bytes"
	"context"
	"strings"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/guilds/events/eventstest"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage/testenv"
)

func newTestBroker(t testing.TB, url, prefix string, workers int) *Broker {
	t.Helper()
	b, err := New(context.Background(), Config{URL: url, Prefix: prefix, Workers: workers})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// TestConformance runs the events.Broker suite against Redis.
func TestConformance(t *testing.T) {
	url := testenv.RedisURL(t)
	eventstest.Run(t, eventstest.Impl{
		New: func(t *testing.T) events.Broker { return newTestBroker(t, url, testenv.RedisPrefix(t, url), 1) },
		Unsubscribed: func(t *testing.T, b events.Broker, tp events.Topic) {
			rb := b.(*Broker)
			ch := rb.channel(tp)
			deadline := time.Now().Add(5 * time.Second)
			for time.Now().Before(deadline) {
				rb.mu.Lock()
				live := rb.confirmed[ch]
				rb.mu.Unlock()
				if !live {
					return
				}
				time.Sleep(2 * time.Millisecond) // polling a real Redis round trip (SUBSCRIBE confirmation), not in-process code
			}
			t.Fatalf("unsubscribe of %v not confirmed", tp)
		},
	})
}

// TestNodes runs two nodes on one Redis: cross-node delivery, own events marked local (so
// the domain does not apply them twice), the all-nodes channel for cache events.
func TestNodes(t *testing.T) {
	url := testenv.RedisURL(t)
	prefix := testenv.RedisPrefix(t, url)
	recA, recB := eventstest.NewRecorder(), eventstest.NewRecorder()
	a := newTestBroker(t, url, prefix, 4)
	b := newTestBroker(t, url, prefix, 4)
	a.Listen(recA)
	b.Listen(recB)
	const g, other, u snowflake.ID = 7 << 40, 8 << 40, 9 << 40
	eventstest.Subscribe(t, a, eventstest.Guild(g))
	eventstest.Subscribe(t, b, eventstest.Guild(g), eventstest.User(u))
	ctx := context.Background()

	sent := events.Event{Name: opcodes.EventMessageCreate, GuildID: g, ChannelID: 1,
		Data: []byte(`{"content":"x"}`), Stripped: []byte(`{"content":""}`)}
	a.Publish(ctx, sent)
	gotA := recA.WaitFor(t, opcodes.EventMessageCreate)
	gotB := recB.WaitFor(t, opcodes.EventMessageCreate)
	if len(gotA) != 1 || len(gotB) != 1 || !gotA[0].Local || gotB[0].Local {
		t.Fatalf("A got %+v, B got %+v", gotA, gotB)
	}
	if ev := gotB[0].Event; !bytes.Equal(ev.Data, sent.Data) || !bytes.Equal(ev.Stripped, sent.Stripped) {
		t.Fatalf("B's forms = %s | %s, want them as published", ev.Data, ev.Stripped)
	}

	// A cache event in a guild neither node watches still reaches both (ev:all, held by
	// every node); a user event too. Neither is delivered twice.
	recA.Reset()
	recB.Reset()
	b.Publish(ctx, events.Event{Name: opcodes.EventChannelUpdate, GuildID: other, ChannelID: 2, Cache: true, Data: []byte(`{"id":"2"}`)})
	b.Publish(ctx, events.Event{Name: opcodes.EventUserUpdate, UserIDs: []snowflake.ID{u}, Cache: true, Data: []byte(`{"id":"u"}`)})
	for _, r := range []*eventstest.Recorder{recA, recB} {
		r.WaitFor(t, opcodes.EventUserUpdate)
		r.WaitFor(t, opcodes.EventChannelUpdate)
		time.Sleep(20 * time.Millisecond) // a duplicate would arrive over the real Redis socket; give it one more hop's time
		if got := r.All(); len(got) != 2 {
			t.Errorf("got %+v, want CHANNEL_UPDATE and USER_UPDATE once each", got)
		}
	}
	t.Logf("hop latency on A: %+v", a.HopLatency())
}

// TestReconnect kills the node's Pub/Sub connection: go-redis reconnects and resubscribes
// every channel in one SUBSCRIBE, every listener hears of the gap (the domain then drops its
// caches) and delivery resumes on every channel.
func TestReconnect(t *testing.T) {
	url := testenv.RedisURL(t)
	b := newTestBroker(t, url, testenv.RedisPrefix(t, url), 0)
	rec := eventstest.NewRecorder()
	b.Listen(rec)
	var topics []events.Topic
	for i := range 50 {
		topics = append(topics, eventstest.Guild(snowflake.ID(100+i)<<30))
	}
	eventstest.Subscribe(t, b, topics...)

	opt, _ := redis.ParseURL(url)
	admin := redis.NewClient(opt)
	defer admin.Close()
	ctx := context.Background()
	list, err := admin.ClientList(ctx).Result()
	if err != nil {
		t.Fatal(err)
	}
	killed := 0
	sc := bufio.NewScanner(strings.NewReader(list))
	for sc.Scan() {
		line := sc.Text()
		if !strings.Contains(line, " name=parley-"+b.NodeID()+" ") || strings.Contains(line, " sub=0 ") {
			continue
		}
		for _, f := range strings.Fields(line) {
			if id, ok := strings.CutPrefix(f, "id="); ok {
				if err := admin.Do(ctx, "CLIENT", "KILL", "ID", id).Err(); err != nil {
					t.Fatal(err)
				}
				killed++
			}
		}
	}
	if killed != 1 {
		t.Fatalf("killed %d pubsub connections, want 1:\n%s", killed, list)
	}
	deadline := time.Now().Add(15 * time.Second)
	for rec.Gaps() == 0 {
		if time.Now().After(deadline) {
			t.Fatal("no gap reported after the connection was killed")
		}
		time.Sleep(10 * time.Millisecond) // waiting for go-redis to notice a real killed TCP connection
	}
	if b.Gaps() != 1 || rec.Gaps() != 1 {
		t.Fatalf("Gaps() = %d, listener got %d", b.Gaps(), rec.Gaps())
	}
	// Every channel is live again.
	last := topics[len(topics)-1]
	if err := b.Publish(ctx, events.Event{Name: opcodes.EventMessageCreate, GuildID: last.ID, ChannelID: 1, Data: []byte(`{}`)}); err != nil {
		t.Fatal(err)
	}
	rec.WaitFor(t, opcodes.EventMessageCreate)
}

// TestEnvelope checks the wire format's round trip, both forms of d kept byte for byte, and
// that malformed messages are refused rather than misread.
func TestEnvelope(t *testing.T) {
	b := &Broker{node: "n1"}
	ev := events.Event{Name: opcodes.EventMessageCreate, GuildID: 1, ChannelID: 2, UserIDs: []snowflake.ID{3},
		Perm: opcodes.PermBanMembers, AuthorID: 4, Mentions: []snowflake.ID{5, 6}, Subject: 7, Cache: true,
		ThreadPrivate: true, ThreadMembers: []snowflake.ID{8}, ThreadAffected: []snowflake.ID{9},
		Data: []byte(`{"content":"line\nbreak","id":"9"}`), Stripped: []byte(`{"content":"","id":"9"}`)}
	msg, err := b.encode(ev, true)
	if err != nil {
		t.Fatal(err)
	}
	h, d, stripped, err := decodeEnvelope(msg)
	if err != nil {
		t.Fatal(err)
	}
	if h.Node != "n1" || h.Seq != 1 || !h.Multi || h.Name != ev.Name || h.GuildID != 1 || h.ChannelID != 2 ||
		len(h.UserIDs) != 1 || h.Perm != ev.Perm || h.AuthorID != 4 || len(h.Mentions) != 2 || h.Subject != 7 || !h.Cache ||
		!h.Private || len(h.Members) != 1 || len(h.Affected) != 1 {
		t.Fatalf("header %+v", h)
	}
	if !bytes.Equal(d, ev.Data) || !bytes.Equal(stripped, ev.Stripped) {
		t.Fatalf("d = %s, stripped = %s", d, stripped)
	}
	ev.Stripped = nil
	msg, _ = b.encode(ev, false)
	if _, d, stripped, err = decodeEnvelope(msg); err != nil || !bytes.Equal(d, ev.Data) || stripped != nil {
		t.Fatalf("without a stripped form: d = %s, stripped = %q, err %v", d, stripped, err)
	}
	for _, bad := range []string{
		"no newline",
		`{"v":1,"l":2}` + "\n{}",    // version 1: typed d, no length
		`{"v":2,"l":9}` + "\n{}",    // d longer than the message
		`{"v":2,"l":-1}` + "\n{}",   // negative length
		`{"v":2,"l":2}` + "\n{}x{}", // no newline before the stripped form
		`{"v":2,"l":2,` + "\n{}",    // header not JSON
	} {
		if _, _, _, err := decodeEnvelope([]byte(bad)); err == nil {
			t.Errorf("decodeEnvelope(%q) accepted", bad)
		}
	}
}

// FuzzEnvelope: whatever arrives on a channel, decoding never panics and slices d and the
// stripped form inside the message.
func FuzzEnvelope(f *testing.F) {
	b := &Broker{node: "n"}
	m, _ := b.encode(events.Event{Name: opcodes.EventMessageCreate, GuildID: 1, Data: []byte(`{"a":1}`), Stripped: []byte(`{}`)}, false)
	f.Add(m)
	f.Add([]byte(`{"v":2,"l":0}` + "\n"))
	f.Fuzz(func(t *testing.T, msg []byte) {
		_, d, stripped, err := decodeEnvelope(msg)
		if err == nil && len(d)+len(stripped) > len(msg) {
			t.Fatalf("forms of %d+%d bytes from a %d-byte message", len(d), len(stripped), len(msg))
		}
	})
}

// BenchmarkHop measures publish → listener on one node through Redis.
func BenchmarkHop(bm *testing.B) {
	url := testenv.RedisURL(bm)
	b := newTestBroker(bm, url, testenv.RedisPrefix(bm, url), 0)
	done := make(chan struct{}, 1)
	b.Listen(listenFunc(func() { done <- struct{}{} }))
	const g snowflake.ID = 1 << 40
	eventstest.Subscribe(bm, b, eventstest.Guild(g))
	ev := events.Event{Name: opcodes.EventMessageCreate, GuildID: g, ChannelID: 1,
		Data: []byte(`{"content":"` + strings.Repeat("x", 200) + `"}`)}
	for bm.Loop() {
		b.Publish(context.Background(), ev)
		<-done
	}
	hs := b.HopLatency()
	bm.ReportMetric(float64(hs.P50.Microseconds()), "p50-hop-µs")
	bm.ReportMetric(float64(hs.P99.Microseconds()), "p99-hop-µs")
}

type listenFunc func()

func (f listenFunc) Receive(context.Context, events.Event, bool) { f() }
func (listenFunc) Gap()                                          {}
func (listenFunc) Lost()                                         {}
