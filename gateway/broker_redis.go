package gateway

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// RedisBrokerConfig configures a RedisBroker.
type RedisBrokerConfig struct {
	// URL is the Redis server, in the form redis.ParseURL accepts
	// (redis://[user:password@]host:port/db, rediss:// for TLS). Required.
	URL string
	// Prefix starts every channel name, so deployments (or tests) can share one Redis.
	// Default: "parley:".
	Prefix string
	// NodeID names this node in the envelopes it publishes. Default: random.
	NodeID string
	// Workers is how many goroutines run the fan-out handler. All events of one guild go to
	// the same worker (and user-scoped events by their first user), in Redis' order.
	// Default: 8.
	Workers int
	// Logger receives diagnostics. Default: discard.
	Logger *slog.Logger
}

// RedisBroker is the multi-node Broker, on Redis Pub/Sub.
//
// Channels: <prefix>ev:g:<guild_id> and <prefix>ev:u:<user_id> mirror Topics; a node holds
// one subscription per channel (refcounted here, changed in batches by one goroutine, never
// per socket). <prefix>ev:all is subscribed by every node for its whole life: events for which
// guilds.CacheEvent is true (guild, role, channel, member, ban and user updates) are published
// there only, so every node's Domain observes them, even without a session in that guild.
//
// Every node, the publisher included, delivers an event when Redis hands it back, never
// locally at Publish: a node receives all its channels on one connection, so it sees every
// guild's events (on ev:g:… and ev:all alike) in the single order in which Redis executed
// the PUBLISHes, and no event is delivered twice on its node of origin. An event published on
// several channels (a DM to two users, a presence on a guild and its user) carries a unique
// (node, seq) and is delivered once per node. Events of its own node skip Domain.Observe: the
// service observed them before publishing.
//
// Envelope: a JSON header (version, node, seq, publish time, event name and scope fields), a
// newline, then d exactly as json.Marshal produced it on the publishing node. The receiver
// splits at the first newline (encoding/json never writes a raw one), decodes the header and
// hands d on as json.RawMessage, which the fan-out uses as the dispatch's d without
// re-encoding it.
//
// Pub/Sub is at-most-once: events published while a node is disconnected from Redis are lost
// for that node's sessions. go-redis reconnects and resubscribes every channel in one
// SUBSCRIBE; when the ev:all confirmation comes again the broker reports a gap, and the
// gateway drops the Domain's caches (invalidations may have been missed).
type RedisBroker struct {
	cfg    RedisBrokerConfig
	log    *slog.Logger
	client *redis.Client
	node   string
	allCh  string
	seq    atomic.Uint64

	handler func(ctx context.Context, ev guilds.Event)
	onGap   func()
	ps      *redis.PubSub
	queues  []chan delivery
	kick    chan struct{}
	done    chan struct{}
	wg      sync.WaitGroup

	mu        sync.Mutex // a leaf lock; taken under hubShard.mu by Subscribe/Unsubscribe
	subs      map[Topic]int
	dirty     map[Topic]struct{}
	active    map[string]bool // channels asked of Redis (manager's view)
	confirmed map[string]bool // channels Redis confirmed
	confirmCh chan struct{}   // closed and replaced on every confirmation
	started   bool
	closed    bool

	seen       dedupe // reader goroutine only
	gaps       atomic.Int64
	hop        hopStats
	dropped    atomic.Int64
	firstAllOK bool // reader goroutine only: the initial ev:all confirmation was consumed
}

type delivery struct {
	ev   guilds.Event
	self bool
	at   int64 // publish time, unix ns (publisher's clock)
}

// redisBrokerVersion is the envelope header's v.
const redisBrokerVersion = 1

// envelope is the header of a message on a broker channel.
type envelope struct {
	V         int                 `json:"v"`
	Node      string              `json:"n"`
	Seq       uint64              `json:"q"`
	At        int64               `json:"at"`
	Name      opcodes.EventName   `json:"t"`
	GuildID   snowflake.ID        `json:"g,omitempty"`
	ChannelID snowflake.ID        `json:"c,omitempty"`
	UserIDs   []snowflake.ID      `json:"u,omitempty"`
	Perm      opcodes.Permissions `json:"p,omitempty"`
	AuthorID  snowflake.ID        `json:"a,omitempty"`
	Mentions  []snowflake.ID      `json:"m,omitempty"`
	Subject   snowflake.ID        `json:"s,omitempty"`
	Multi     bool                `json:"x,omitempty"` // published on several channels: dedupe
}

// NewRedisBroker connects to Redis and checks that it answers; it fails when Redis is
// unreachable, so a misconfigured node does not start.
func NewRedisBroker(ctx context.Context, cfg RedisBrokerConfig) (*RedisBroker, error) {
	opt, err := redis.ParseURL(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("gateway: redis url: %w", err)
	}
	if cfg.Prefix == "" {
		cfg.Prefix = "parley:"
	}
	if cfg.NodeID == "" {
		var b [8]byte
		_, _ = rand.Read(b[:])
		cfg.NodeID = hex.EncodeToString(b[:])
	}
	if cfg.Workers <= 0 {
		cfg.Workers = 8
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if opt.ClientName == "" {
		opt.ClientName = "parley-" + cfg.NodeID // visible in CLIENT LIST
	}
	client := redis.NewClient(opt)
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := client.Ping(pctx).Err(); err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("gateway: redis %s unreachable: %w", opt.Addr, err)
	}
	b := &RedisBroker{
		cfg:       cfg,
		log:       cfg.Logger,
		client:    client,
		node:      cfg.NodeID,
		allCh:     cfg.Prefix + "ev:all",
		kick:      make(chan struct{}, 1),
		done:      make(chan struct{}),
		subs:      make(map[Topic]int),
		dirty:     make(map[Topic]struct{}),
		active:    make(map[string]bool),
		confirmed: make(map[string]bool),
		confirmCh: make(chan struct{}),
		seen:      newDedupe(8192),
	}
	return b, nil
}

// NodeID is the node's name in envelopes.
func (b *RedisBroker) NodeID() string { return b.node }

func (b *RedisBroker) channel(t Topic) string {
	switch t.Kind {
	case TopicGuild:
		return b.cfg.Prefix + "ev:g:" + strconv.FormatUint(uint64(t.ID), 10)
	default:
		return b.cfg.Prefix + "ev:u:" + strconv.FormatUint(uint64(t.ID), 10)
	}
}

// setGapHandler registers what to run after a reconnect (the gateway drops the Domain's
// caches). Called before Start.
func (b *RedisBroker) setGapHandler(f func()) { b.onGap = f }

// Start implements Broker: it subscribes to the all-nodes channel, waits for Redis to
// confirm, and starts the reader, the workers and the subscription manager.
func (b *RedisBroker) Start(h func(ctx context.Context, ev guilds.Event)) error {
	b.mu.Lock()
	if b.started || b.closed {
		b.mu.Unlock()
		return errors.New("gateway: redis broker already started or closed")
	}
	b.started = true
	b.handler = h
	b.mu.Unlock()

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	b.ps = b.client.Subscribe(ctx, b.allCh)
	msg, err := b.ps.ReceiveTimeout(ctx, 5*time.Second)
	if err != nil {
		_ = b.ps.Close()
		return fmt.Errorf("gateway: redis subscribe: %w", err)
	}
	if s, ok := msg.(*redis.Subscription); !ok || s.Channel != b.allCh {
		_ = b.ps.Close()
		return fmt.Errorf("gateway: redis subscribe: unexpected reply %v", msg)
	}
	b.firstAllOK = true
	in := b.ps.ChannelWithSubscriptions(redis.WithChannelSize(4096))
	b.queues = make([]chan delivery, b.cfg.Workers)
	for i := range b.queues {
		q := make(chan delivery, 1024)
		b.queues[i] = q
		b.wg.Go(func() { b.work(q) })
	}
	b.wg.Go(func() { b.read(in) })
	b.wg.Go(b.manage)
	b.log.Info("gateway: redis broker started", "node", b.node, "prefix", b.cfg.Prefix, "workers", b.cfg.Workers)
	return nil
}

// Publish implements Broker. It returns once Redis accepted the event (one round trip; a
// pipeline when the event has several channels). The caller's cancellation does not abort it:
// the write it reports has committed.
func (b *RedisBroker) Publish(ctx context.Context, ev guilds.Event) error {
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return nil
	}
	var chans []string
	if guilds.CacheEvent(ev) {
		chans = []string{b.allCh}
	} else {
		for _, t := range EventTopics(ev) {
			chans = append(chans, b.channel(t))
		}
	}
	if len(chans) == 0 {
		return nil
	}
	msg, err := b.encode(ev, len(chans) > 1)
	if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 5*time.Second)
	defer cancel()
	if len(chans) == 1 {
		return b.client.Publish(ctx, chans[0], msg).Err()
	}
	_, err = b.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, c := range chans {
			p.Publish(ctx, c, msg)
		}
		return nil
	})
	return err
}

func (b *RedisBroker) encode(ev guilds.Event, multi bool) ([]byte, error) {
	var d []byte
	if raw, ok := ev.Data.(json.RawMessage); ok {
		d = raw
	} else {
		var err error
		if d, err = json.Marshal(ev.Data); err != nil {
			return nil, fmt.Errorf("gateway: encode %s: %w", ev.Name, err)
		}
	}
	h, err := json.Marshal(envelope{
		V: redisBrokerVersion, Node: b.node, Seq: b.seq.Add(1), At: time.Now().UnixNano(),
		Name: ev.Name, GuildID: ev.GuildID, ChannelID: ev.ChannelID, UserIDs: ev.UserIDs,
		Perm: ev.Perm, AuthorID: ev.AuthorID, Mentions: ev.Mentions, Subject: ev.Subject, Multi: multi,
	})
	if err != nil {
		return nil, fmt.Errorf("gateway: encode envelope: %w", err)
	}
	out := make([]byte, 0, len(h)+1+len(d))
	out = append(out, h...)
	out = append(out, '\n')
	return append(out, d...), nil
}

// decode splits a message into its header and d (which aliases msg).
func decodeEnvelope(msg []byte) (envelope, []byte, error) {
	var h envelope
	i := bytes.IndexByte(msg, '\n')
	if i < 0 {
		return h, nil, errors.New("no header")
	}
	if err := json.Unmarshal(msg[:i], &h); err != nil {
		return h, nil, err
	}
	if h.V != redisBrokerVersion {
		return h, nil, fmt.Errorf("envelope version %d", h.V)
	}
	return h, msg[i+1:], nil
}

// read is the only consumer of the Pub/Sub connection: it tracks subscription
// confirmations, decodes, dedupes and routes each event to its worker.
func (b *RedisBroker) read(in <-chan any) {
	defer func() {
		for _, q := range b.queues {
			close(q)
		}
	}()
	for m := range in {
		switch m := m.(type) {
		case *redis.Subscription:
			b.confirm(m)
		case *redis.Message:
			b.route(m)
		}
	}
}

func (b *RedisBroker) confirm(s *redis.Subscription) {
	if s.Channel == b.allCh {
		if s.Kind == "subscribe" && b.firstAllOK {
			// Only a resubscribe after a reconnect confirms ev:all again.
			b.gaps.Add(1)
			b.log.Warn("gateway: redis connection was lost and restored; events published meanwhile are lost for this node's sessions, caches dropped")
			if b.onGap != nil {
				b.onGap()
			}
		}
		return
	}
	b.mu.Lock()
	switch s.Kind {
	case "subscribe":
		b.confirmed[s.Channel] = true
	case "unsubscribe":
		delete(b.confirmed, s.Channel)
	}
	close(b.confirmCh)
	b.confirmCh = make(chan struct{})
	b.mu.Unlock()
}

func (b *RedisBroker) route(m *redis.Message) {
	h, d, err := decodeEnvelope([]byte(m.Payload))
	if err != nil {
		b.dropped.Add(1)
		b.log.Warn("gateway: redis broker: bad message", "channel", m.Channel, "err", err)
		return
	}
	if h.Multi && !b.seen.add(h.Node, h.Seq) {
		return // another copy of this event already arrived on another channel
	}
	ev := guilds.Event{
		Name: h.Name, GuildID: h.GuildID, ChannelID: h.ChannelID, UserIDs: h.UserIDs, Perm: h.Perm,
		Data: json.RawMessage(d), AuthorID: h.AuthorID, Mentions: h.Mentions, Subject: h.Subject,
	}
	key := ev.GuildID
	if key == 0 && len(ev.UserIDs) > 0 {
		key = ev.UserIDs[0]
	}
	if key == 0 {
		key = ev.Subject
	}
	q := b.queues[(uint64(key)*0x9E3779B97F4A7C15>>32)%uint64(len(b.queues))]
	q <- delivery{ev: ev, self: h.Node == b.node, at: h.At}
}

func (b *RedisBroker) work(q <-chan delivery) {
	for d := range q {
		ctx := context.Background()
		if d.self {
			ctx = withLocalOrigin(ctx)
		}
		b.hop.record(time.Duration(time.Now().UnixNano()-d.at), d.self)
		b.handler(ctx, d.ev)
	}
}

// Subscribe implements Broker. The SUBSCRIBE happens later, on the manager goroutine.
func (b *RedisBroker) Subscribe(t Topic) {
	b.mu.Lock()
	if b.subs[t]++; b.subs[t] == 1 {
		b.markLocked(t)
	}
	b.mu.Unlock()
}

// Unsubscribe implements Broker.
func (b *RedisBroker) Unsubscribe(t Topic) {
	b.mu.Lock()
	if b.subs[t]--; b.subs[t] <= 0 {
		delete(b.subs, t)
		b.markLocked(t)
	}
	b.mu.Unlock()
}

func (b *RedisBroker) markLocked(t Topic) {
	b.dirty[t] = struct{}{}
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

// manage applies subscription changes in batches: whatever accumulated since the last pass
// becomes at most a few SUBSCRIBE/UNSUBSCRIBE commands. A topic that came and went in between
// costs nothing.
func (b *RedisBroker) manage() {
	const chunk = 512
	for {
		select {
		case <-b.kick:
		case <-b.done:
			return
		}
		var sub, unsub []string
		b.mu.Lock()
		for t := range b.dirty {
			ch := b.channel(t)
			want := b.subs[t] > 0
			switch {
			case want && !b.active[ch]:
				b.active[ch] = true
				sub = append(sub, ch)
			case !want && b.active[ch]:
				delete(b.active, ch)
				unsub = append(unsub, ch)
			}
		}
		clear(b.dirty)
		b.mu.Unlock()
		for c := range slices.Chunk(sub, chunk) {
			b.apply("subscribe", c)
		}
		for c := range slices.Chunk(unsub, chunk) {
			b.apply("unsubscribe", c)
		}
	}
}

func (b *RedisBroker) apply(op string, chans []string) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	var err error
	if op == "subscribe" {
		err = b.ps.Subscribe(ctx, chans...)
	} else {
		err = b.ps.Unsubscribe(ctx, chans...)
	}
	if err != nil {
		// go-redis already tracks the change and replays it when it reconnects.
		b.log.Warn("gateway: redis "+op, "channels", len(chans), "err", err)
	}
}

// WaitSubscribed blocks until Redis has confirmed the subscription of every topic in ts (or
// ctx ends). The gateway calls it after indexing a new session and before building its
// GUILD_CREATEs, so no event committed after that snapshot can be missed.
func (b *RedisBroker) WaitSubscribed(ctx context.Context, ts []Topic) error {
	chans := make([]string, len(ts))
	for i, t := range ts {
		chans[i] = b.channel(t)
	}
	for {
		b.mu.Lock()
		ok := true
		for _, c := range chans {
			if !b.confirmed[c] {
				ok = false
				break
			}
		}
		wait := b.confirmCh
		closed := b.closed
		b.mu.Unlock()
		if ok || closed {
			return nil
		}
		select {
		case <-wait:
		case <-ctx.Done():
			return ctx.Err()
		}
	}
}

// Close implements Broker: it stops delivery, waits for the workers and closes the client.
func (b *RedisBroker) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	started := b.started
	close(b.done)
	b.mu.Unlock()
	var err error
	if started && b.ps != nil {
		err = b.ps.Close()
	}
	b.wg.Wait()
	if cerr := b.client.Close(); err == nil {
		err = cerr
	}
	return err
}

// Gaps counts reconnects to Redis after which events may have been missed.
func (b *RedisBroker) Gaps() int64 { return b.gaps.Load() }

// HopStats summarises the publish→handler latency of recent events.
type HopStats struct {
	// Count is how many events were measured since start; the percentiles cover the last
	// 4096 of them.
	Count         int64
	P50, P99, Max time.Duration
	// SelfCount is how many of the measured events this node published (their latency does
	// not depend on clocks agreeing across nodes).
	SelfCount int64
}

// HopLatency reports the publish→deliver hop: from Publish encoding the envelope on the
// publishing node to this node's worker calling the handler (Redis round trip, decoding,
// queueing). For events of other nodes it includes their clock offset.
func (b *RedisBroker) HopLatency() HopStats { return b.hop.snapshot() }

type hopStats struct {
	mu      sync.Mutex
	ring    [4096]time.Duration
	n, self int64
	max     time.Duration
}

func (h *hopStats) record(d time.Duration, self bool) {
	h.mu.Lock()
	h.ring[h.n%int64(len(h.ring))] = d
	h.n++
	if self {
		h.self++
	}
	if d > h.max {
		h.max = d
	}
	h.mu.Unlock()
}

func (h *hopStats) snapshot() HopStats {
	h.mu.Lock()
	n := min(h.n, int64(len(h.ring)))
	s := slices.Clone(h.ring[:n])
	out := HopStats{Count: h.n, SelfCount: h.self, Max: h.max}
	h.mu.Unlock()
	if n == 0 {
		return out
	}
	slices.Sort(s)
	out.P50 = s[len(s)/2]
	out.P99 = s[min(len(s)-1, len(s)*99/100)]
	return out
}

// dedupe remembers the last n (node, seq) pairs. Copies of one event are published together
// and arrive back to back on one connection, so a small window is enough.
type dedupe struct {
	set  map[dedupeKey]struct{}
	ring []dedupeKey
	next int
}

type dedupeKey struct {
	node string
	seq  uint64
}

func newDedupe(n int) dedupe {
	return dedupe{set: make(map[dedupeKey]struct{}, n), ring: make([]dedupeKey, n)}
}

// add reports whether the pair is new.
func (d *dedupe) add(node string, seq uint64) bool {
	k := dedupeKey{node, seq}
	if _, ok := d.set[k]; ok {
		return false
	}
	if old := d.ring[d.next]; old.node != "" {
		delete(d.set, old)
	}
	d.ring[d.next] = k
	d.next = (d.next + 1) % len(d.ring)
	d.set[k] = struct{}{}
	return true
}

// SubscriptionWaiter is implemented by brokers whose Subscribe takes effect asynchronously.
type SubscriptionWaiter interface {
	WaitSubscribed(ctx context.Context, ts []Topic) error
}

// gapNotifier is implemented by brokers that can tell when they may have missed events.
type gapNotifier interface {
	setGapHandler(func())
}

var (
	_ Broker             = (*RedisBroker)(nil)
	_ SubscriptionWaiter = (*RedisBroker)(nil)
	_ gapNotifier        = (*RedisBroker)(nil)
)
