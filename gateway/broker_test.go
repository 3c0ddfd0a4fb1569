package gateway

import (
	"bufio"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"os"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// testRedisURL returns PARLEY_TEST_REDIS_URL, or skips (fails under CI=true) when it is unset
// or unreachable, so a missing Redis never turns these suites into a silent pass on CI.
func testRedisURL(tb testing.TB) string {
	tb.Helper()
	raw := os.Getenv("PARLEY_TEST_REDIS_URL")
	reason := ""
	if raw == "" {
		reason = "PARLEY_TEST_REDIS_URL is not set"
	} else if opt, err := redis.ParseURL(raw); err != nil {
		reason = "bad PARLEY_TEST_REDIS_URL: " + err.Error()
	} else {
		c := redis.NewClient(opt)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		err := c.Ping(ctx).Err()
		cancel()
		c.Close()
		if err != nil {
			reason = "cannot reach " + raw + ": " + err.Error()
		}
	}
	if reason == "" {
		return raw
	}
	if os.Getenv("CI") == "true" {
		tb.Fatalf("Redis tests cannot run on CI: %s", reason)
	}
	tb.Skipf("REDIS TESTS SKIPPED: set PARLEY_TEST_REDIS_URL (%s)", reason)
	return ""
}

// testPrefix is a channel prefix of this test alone, so parallel runs sharing a Redis never
// see each other's events.
func testPrefix(tb testing.TB) string {
	var b [6]byte
	rand.Read(b[:])
	name := regexp.MustCompile(`[^A-Za-z0-9]+`).ReplaceAllString(tb.Name(), "-")
	return "parley-test:" + name + ":" + hex.EncodeToString(b[:]) + ":"
}

// recorder is a broker handler that keeps what it receives.
type recorder struct {
	mu   sync.Mutex
	evs  []guilds.Event
	self []bool
	ch   chan struct{}
}

func newRecorder() *recorder { return &recorder{ch: make(chan struct{}, 1<<16)} }

func (r *recorder) handle(ctx context.Context, ev guilds.Event) {
	r.mu.Lock()
	r.evs = append(r.evs, ev)
	r.self = append(r.self, localOrigin(ctx))
	r.mu.Unlock()
	r.ch <- struct{}{}
}

// waitFor waits until the recorder holds an event named name (returning everything so far).
func (r *recorder) waitFor(t *testing.T, name opcodes.EventName) []guilds.Event {
	t.Helper()
	deadline := time.After(5 * time.Second)
	for {
		r.mu.Lock()
		for _, ev := range r.evs {
			if ev.Name == name {
				out := append([]guilds.Event(nil), r.evs...)
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

func (r *recorder) reset() {
	r.mu.Lock()
	r.evs, r.self = nil, nil
	r.mu.Unlock()
}

func dataJSON(t *testing.T, v any) string {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

// brokerImpls are the Brokers the conformance suite runs against. Each factory returns a
// started broker; Redis ones use one worker so that a barrier event on another topic is
// delivered after everything published before it.
func brokerImpls() map[string]func(t *testing.T, h func(context.Context, guilds.Event)) Broker {
	return map[string]func(t *testing.T, h func(context.Context, guilds.Event)) Broker{
		"memory": func(t *testing.T, h func(context.Context, guilds.Event)) Broker {
			b := NewMemoryBroker()
			if err := b.Start(h); err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { b.Close() })
			return b
		},
		"redis": func(t *testing.T, h func(context.Context, guilds.Event)) Broker {
			return newTestRedisBroker(t, testRedisURL(t), testPrefix(t), 1, h)
		},
	}
}

func newTestRedisBroker(t *testing.T, url, prefix string, workers int, h func(context.Context, guilds.Event)) *RedisBroker {
	t.Helper()
	b, err := NewRedisBroker(context.Background(), RedisBrokerConfig{URL: url, Prefix: prefix, Workers: workers})
	if err != nil {
		t.Fatal(err)
	}
	if err := b.Start(h); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	return b
}

// subscribe subscribes and, for asynchronous brokers, waits until the subscription is live.
func subscribe(t *testing.T, b Broker, ts ...Topic) {
	t.Helper()
	for _, tp := range ts {
		b.Subscribe(tp)
	}
	if w, ok := b.(SubscriptionWaiter); ok {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := w.WaitSubscribed(ctx, ts); err != nil {
			t.Fatalf("subscriptions not confirmed: %v", err)
		}
	}
}

// unsubscribed waits until Redis no longer delivers t to b (MemoryBroker: at once).
func unsubscribed(t *testing.T, b Broker, tp Topic) {
	t.Helper()
	rb, ok := b.(*RedisBroker)
	if !ok {
		return
	}
	ch := rb.channel(tp)
	deadline := time.Now().Add(5 * time.Second)
	for time.Now().Before(deadline) {
		rb.mu.Lock()
		live := rb.confirmed[ch]
		rb.mu.Unlock()
		if !live {
			return
		}
		time.Sleep(2 * time.Millisecond)
	}
	t.Fatalf("unsubscribe of %v not confirmed", tp)
}

// TestBrokerConformance runs the Broker contract against every implementation:
// refcounted subscriptions, per-topic order, exactly-once delivery per node.
func TestBrokerConformance(t *testing.T) {
	const (
		g1 snowflake.ID = 1 << 40
		g2 snowflake.ID = 2 << 40
		u1 snowflake.ID = 3 << 40
		u2 snowflake.ID = 4 << 40
		ch snowflake.ID = 5 << 40
	)
	msg := func(guild snowflake.ID, n int) guilds.Event {
		return guilds.Event{Name: opcodes.EventMessageCreate, GuildID: guild, ChannelID: ch, AuthorID: u1,
			Mentions: []snowflake.ID{u2}, Perm: opcodes.PermSendMessages,
			Data: opcodes.Message{ID: snowflake.ID(1000 + n), ChannelID: ch, Content: "n" + string(rune('a'+n%26))}}
	}
	barrier := guilds.Event{Name: opcodes.EventTypingStart, UserIDs: []snowflake.ID{u1}, Data: map[string]any{"barrier": true}}
	ctx := context.Background()

	for name, impl := range brokerImpls() {
		t.Run(name, func(t *testing.T) {
			rec := newRecorder()
			b := impl(t, rec.handle)
			subscribe(t, b, Topic{TopicUser, u1})

			// Refcounting: two subscriptions, one unsubscribe: still delivered.
			subscribe(t, b, Topic{TopicGuild, g1})
			subscribe(t, b, Topic{TopicGuild, g1})
			b.Unsubscribe(Topic{TopicGuild, g1})
			want := msg(g1, 1)
			if err := b.Publish(ctx, want); err != nil {
				t.Fatal(err)
			}
			got := rec.waitFor(t, opcodes.EventMessageCreate)
			if len(got) != 1 {
				t.Fatalf("got %d events, want 1", len(got))
			}
			ev := got[0]
			if ev.GuildID != g1 || ev.ChannelID != ch || ev.AuthorID != u1 || len(ev.Mentions) != 1 || ev.Mentions[0] != u2 ||
				ev.Perm != opcodes.PermSendMessages || dataJSON(t, ev.Data) != dataJSON(t, want.Data) {
				t.Fatalf("event changed in transit:\n got %+v %s\nwant %+v %s", ev, dataJSON(t, ev.Data), want, dataJSON(t, want.Data))
			}

			// Last unsubscribe: nothing more from g1 (checked behind a barrier on u1).
			rec.reset()
			b.Unsubscribe(Topic{TopicGuild, g1})
			unsubscribed(t, b, Topic{TopicGuild, g1})
			b.Publish(ctx, msg(g1, 2))
			b.Publish(ctx, barrier)
			got = rec.waitFor(t, opcodes.EventTypingStart)
			if len(got) != 1 {
				t.Fatalf("after the last unsubscribe got %v", got)
			}

			// Order per topic.
			rec.reset()
			subscribe(t, b, Topic{TopicGuild, g2})
			const n = 200
			for i := range n {
				if err := b.Publish(ctx, msg(g2, i)); err != nil {
					t.Fatal(err)
				}
			}
			b.Publish(ctx, barrier)
			got = rec.waitFor(t, opcodes.EventTypingStart)
			if len(got) != n+1 {
				t.Fatalf("got %d events, want %d", len(got), n+1)
			}
			for i := range n {
				if want := dataJSON(t, msg(g2, i).Data); dataJSON(t, got[i].Data) != want {
					t.Fatalf("event %d = %s, want %s (out of order)", i, dataJSON(t, got[i].Data), want)
				}
			}

			// Exactly once per node, whatever the number of subscribed topics it is on.
			rec.reset()
			subscribe(t, b, Topic{TopicUser, u2})
			b.Publish(ctx, guilds.Event{Name: opcodes.EventChannelPinsUpdate, UserIDs: []snowflake.ID{u1, u2}, Data: map[string]any{"dm": 1}})
			b.Publish(ctx, guilds.Event{Name: opcodes.EventPresenceUpdate, GuildID: g2, Subject: u1, Data: map[string]any{"presence": 1}})
			b.Publish(ctx, guilds.Event{Name: opcodes.EventGuildMemberUpdate, GuildID: g2, Subject: u2, Data: map[string]any{"member": 1}})
			b.Publish(ctx, guilds.Event{Name: opcodes.EventUserUpdate, UserIDs: []snowflake.ID{u1}, Data: map[string]any{"user": 1}})
			b.Publish(ctx, barrier)
			got = rec.waitFor(t, opcodes.EventTypingStart)
			names := make([]string, len(got))
			for i, ev := range got {
				names[i] = string(ev.Name)
			}
			if strings.Join(names, ",") != "CHANNEL_PINS_UPDATE,PRESENCE_UPDATE,GUILD_MEMBER_UPDATE,USER_UPDATE,TYPING_START" {
				t.Fatalf("delivered %v", names)
			}

			// After Close nothing is delivered and Publish does not fail.
			rec.reset()
			if err := b.Close(); err != nil {
				t.Fatal(err)
			}
			if err := b.Publish(ctx, barrier); err != nil {
				t.Fatalf("publish after close: %v", err)
			}
			time.Sleep(50 * time.Millisecond)
			rec.mu.Lock()
			defer rec.mu.Unlock()
			if len(rec.evs) != 0 {
				t.Fatalf("delivered after close: %v", rec.evs)
			}
		})
	}
}

// TestRedisBrokerNodes runs two nodes on one Redis: cross-node delivery, own events marked
// local (so the Domain does not observe them twice), the all-nodes channel for cache events.
func TestRedisBrokerNodes(t *testing.T) {
	url := testRedisURL(t)
	prefix := testPrefix(t)
	recA, recB := newRecorder(), newRecorder()
	a := newTestRedisBroker(t, url, prefix, 4, recA.handle)
	b := newTestRedisBroker(t, url, prefix, 4, recB.handle)
	const g, other, u snowflake.ID = 7 << 40, 8 << 40, 9 << 40
	subscribe(t, a, Topic{TopicGuild, g})
	subscribe(t, b, Topic{TopicGuild, g}, Topic{TopicUser, u})
	ctx := context.Background()

	a.Publish(ctx, guilds.Event{Name: opcodes.EventMessageCreate, GuildID: g, ChannelID: 1, Data: opcodes.Message{Content: "x"}})
	gotA := recA.waitFor(t, opcodes.EventMessageCreate)
	gotB := recB.waitFor(t, opcodes.EventMessageCreate)
	if len(gotA) != 1 || len(gotB) != 1 || !recA.self[0] || recB.self[0] {
		t.Fatalf("A got %d (self %v), B got %d (self %v)", len(gotA), recA.self, len(gotB), recB.self)
	}
	if raw, ok := gotB[0].Data.(json.RawMessage); !ok || !strings.Contains(string(raw), `"content":"x"`) {
		t.Fatalf("B's data = %#v, want the JSON as published", gotB[0].Data)
	}

	// A cache event in a guild neither node watches still reaches both (ev:all); a user event
	// too. Neither is delivered twice.
	recA.reset()
	recB.reset()
	b.Publish(ctx, guilds.Event{Name: opcodes.EventChannelUpdate, GuildID: other, ChannelID: 2, Data: map[string]any{"id": "2"}})
	b.Publish(ctx, guilds.Event{Name: opcodes.EventUserUpdate, UserIDs: []snowflake.ID{u}, Data: map[string]any{"id": "u"}})
	for _, r := range []*recorder{recA, recB} {
		got := r.waitFor(t, opcodes.EventUserUpdate)
		r.waitFor(t, opcodes.EventChannelUpdate)
		time.Sleep(20 * time.Millisecond)
		r.mu.Lock()
		if len(r.evs) != 2 {
			t.Errorf("got %v, want CHANNEL_UPDATE and USER_UPDATE once each", got)
		}
		r.mu.Unlock()
	}
	if !guilds.CacheEvent(guilds.Event{Name: opcodes.EventChannelUpdate, GuildID: other}) {
		t.Fatal("CHANNEL_UPDATE should be a cache event")
	}

	hs := a.HopLatency()
	t.Logf("hop latency on A: %+v", hs)
}

// TestRedisBrokerReconnect kills the node's Pub/Sub connection: go-redis reconnects and
// resubscribes every channel in one SUBSCRIBE, the broker reports the gap (the gateway then
// drops the Domain's caches) and delivery resumes on every channel.
func TestRedisBrokerReconnect(t *testing.T) {
	url := testRedisURL(t)
	prefix := testPrefix(t)
	rec := newRecorder()
	b, err := NewRedisBroker(context.Background(), RedisBrokerConfig{URL: url, Prefix: prefix})
	if err != nil {
		t.Fatal(err)
	}
	gaps := make(chan struct{}, 4)
	b.setGapHandler(func() { gaps <- struct{}{} })
	if err := b.Start(rec.handle); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { b.Close() })
	var topics []Topic
	for i := range 50 {
		topics = append(topics, Topic{TopicGuild, snowflake.ID(100+i) << 30})
	}
	subscribe(t, b, topics...)

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
	select {
	case <-gaps:
	case <-time.After(15 * time.Second):
		t.Fatal("no gap reported after the connection was killed")
	}
	if b.Gaps() != 1 {
		t.Fatalf("Gaps() = %d", b.Gaps())
	}
	// Every channel is live again.
	last := topics[len(topics)-1]
	if err := b.Publish(ctx, guilds.Event{Name: opcodes.EventMessageCreate, GuildID: last.ID, ChannelID: 1, Data: map[string]any{}}); err != nil {
		t.Fatal(err)
	}
	rec.waitFor(t, opcodes.EventMessageCreate)
}

// TestRedisEnvelope checks the wire format's round trip, d kept byte for byte.
func TestRedisEnvelope(t *testing.T) {
	b := &RedisBroker{node: "n1"}
	ev := guilds.Event{Name: opcodes.EventMessageCreate, GuildID: 1, ChannelID: 2, UserIDs: []snowflake.ID{3},
		Perm: opcodes.PermBanMembers, AuthorID: 4, Mentions: []snowflake.ID{5, 6}, Subject: 7,
		Data: opcodes.Message{Content: "line\nbreak", ID: 9}}
	msg, err := b.encode(ev, true)
	if err != nil {
		t.Fatal(err)
	}
	h, d, err := decodeEnvelope(msg)
	if err != nil {
		t.Fatal(err)
	}
	if h.Node != "n1" || h.Seq != 1 || !h.Multi || h.Name != ev.Name || h.GuildID != 1 || h.ChannelID != 2 ||
		len(h.UserIDs) != 1 || h.Perm != ev.Perm || h.AuthorID != 4 || len(h.Mentions) != 2 || h.Subject != 7 {
		t.Fatalf("header %+v", h)
	}
	if string(d) != dataJSON(t, ev.Data) {
		t.Fatalf("d = %s", d)
	}
	if _, _, err := decodeEnvelope([]byte(`{"v":99}` + "\n{}")); err == nil {
		t.Fatal("unknown version accepted")
	}
}

// BenchmarkRedisBrokerHop measures publish → handler on one node through Redis.
func BenchmarkRedisBrokerHop(bm *testing.B) {
	url := testRedisURL(bm)
	done := make(chan struct{}, 1)
	b, err := NewRedisBroker(context.Background(), RedisBrokerConfig{URL: url, Prefix: testPrefix(bm)})
	if err != nil {
		bm.Fatal(err)
	}
	defer b.Close()
	b.Start(func(context.Context, guilds.Event) { done <- struct{}{} })
	const g snowflake.ID = 1 << 40
	b.Subscribe(Topic{TopicGuild, g})
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	b.WaitSubscribed(ctx, []Topic{{TopicGuild, g}})
	cancel()
	ev := guilds.Event{Name: opcodes.EventMessageCreate, GuildID: g, ChannelID: 1,
		Data: opcodes.Message{Content: strings.Repeat("x", 200)}}
	bm.ResetTimer()
	for bm.Loop() {
		b.Publish(context.Background(), ev)
		<-done
	}
	bm.StopTimer()
	hs := b.HopLatency()
	bm.ReportMetric(float64(hs.P50.Microseconds()), "p50-hop-µs")
	bm.ReportMetric(float64(hs.P99.Microseconds()), "p99-hop-µs")
}
