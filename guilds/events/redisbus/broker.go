// Package redisbus runs what Parley's nodes share on Redis: the event bus (Broker, an
// events.Broker on Pub/Sub) and the REST rate-limit windows (Limiter). It is the only package
// that imports go-redis, so one Redis client library, one URL format and one key prefix
// scheme serve both.
package redisbus

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

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// Config configures a Broker.
type Config struct {
	// URL is the Redis server, in the form redis.ParseURL accepts
	// (redis://[user:password@]host:port/db, rediss:// for TLS). Required.
	URL string
	// Prefix starts every channel name, so deployments (or tests) can share one Redis.
	// Default: "parley:".
	Prefix string
	// NodeID names this node in the envelopes it publishes. Default: random.
	NodeID string
	// Workers is how many goroutines run the listeners. All events of one guild go to the
	// same worker (and user-scoped events by their first user), in Redis' order.
	// Default: 8.
	Workers int
	// Logger receives diagnostics. Default: discard.
	Logger *slog.Logger
	// Observer, when set, sees every Redis command (latency and errors). Default: none.
	Observer Observer
	// ReplayWindow is how long the shared log keeps events for a node that lost its
	// connection to catch up: a node away for longer reports Lost. Default 2 minutes.
	ReplayWindow time.Duration
	// Outbox is how many events a node queues while Redis does not answer; beyond it the
	// oldest are dropped and reported as lost. Default 65536.
	Outbox int
	// TickInterval is how often the node learns the log's end while its channels are quiet
	// (a fresher position means less to read on a reconnect). Default 1 s.
	TickInterval time.Duration
}

// Broker is the multi-node events.Broker, on Redis Pub/Sub with a replay log (log.go) and
// an outbox (outbox.go): no event is lost across a node's disconnection from Redis shorter
// than ReplayWindow, and Publish never waits on Redis.
//
// Channels: <prefix>ev:g:<guild_id> and <prefix>ev:u:<user_id> mirror guild and user
// topics; a node holds one subscription per channel (refcounted here, changed in batches by
// one goroutine, never per socket). <prefix>ev:all is events.CacheTopic, subscribed by every
// node for its whole life: an event with Cache set is published there only, so every node's
// domain sees it, even without a session in that guild (the node's gateway sees it too).
//
// Every node, the publisher included, delivers an event when Redis hands it back, never
// locally at Publish: a node receives all its channels on one connection, so it sees every
// guild's events (on ev:g:… and ev:all alike) in the single order in which Redis executed
// the PUBLISHes, and no event is delivered twice on its node of origin. An event published on
// several channels (a DM to two users, a presence on a guild and its user) carries a unique
// (node, seq) and is delivered once per node. Events of its own node are delivered with
// local set.
//
// Envelope: a JSON header (version, node, seq, publish time, event name, scope fields and the
// length of d), a newline, d, and, when the event has one, a newline and the stripped d — the
// bytes the publisher encoded, unchanged. The receiver slices them out of the message and
// hands them on as the Event's Data and Stripped, so nothing is re-encoded on any node.
//
// Pub/Sub alone is at-most-once; the log makes it whole. go-redis reconnects and resubscribes
// every channel in one SUBSCRIBE, whose confirmations come before any message of the new
// connection; the first confirmation of a channel the broker already had confirmed marks
// the reconnect. The broker then calls every Listener's Gap, replays from the log what it
// missed (log.go), and only then goes on with live messages — the replayed IDs and the live
// ones are compared, so nothing is delivered twice.
type Broker struct {
	cfg    Config
	log    *slog.Logger
	client *redis.Client
	node   string
	allCh  string
	seq    atomic.Uint64

	logKey   string // the replay log stream
	epochKey string // changes when Redis loses its data
	nodeCh   string // this node's own channel (ticks)
	epoch    string // reader goroutine only (after start)
	pos      streamID
	out      *outbox
	sendStop chan struct{}
	replayed atomic.Int64
	restarts atomic.Int64
	lostSent atomic.Int64
	lostSeen atomic.Int64

	listeners atomic.Pointer[[]*listener] // copied on change; read by the workers
	lmu       sync.Mutex                  // serialises Listen and stop
	ps        *redis.PubSub
	queues    []chan delivery
	kick      chan struct{}
	done      chan struct{}
	wg        sync.WaitGroup

	mu        sync.Mutex // a leaf lock; taken under the gateway's hub locks by Subscribe/Unsubscribe
	subs      map[events.Topic]int
	dirty     map[events.Topic]struct{}
	active    map[string]bool // channels asked of Redis (manager's view)
	confirmed map[string]bool // channels Redis confirmed
	confirmCh chan struct{}   // closed and replaced on every confirmation
	closed    bool

	seen       dedupe // reader goroutine only
	gaps       atomic.Int64
	hop        hopStats
	dropped    atomic.Int64
	firstAllOK bool // reader goroutine only: the initial ev:all confirmation was consumed
}

// listener boxes an events.Listener so that stop can find it again.
type listener struct{ events.Listener }

type delivery struct {
	ev   events.Event
	self bool
	at   int64 // publish time, unix ns (publisher's clock)
}

// envelopeVersion is the envelope header's v. Version 1 (a typed d re-encoded by the
// gateway, no stripped form) is not understood.
const envelopeVersion = 2

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
	// Private, Members and Affected carry a private thread's audience (ThreadPrivate,
	// ThreadMembers) and THREAD_MEMBERS_UPDATE's ThreadAffected.
	Private  bool           `json:"tp,omitempty"`
	Members  []snowflake.ID `json:"tm,omitempty"`
	Affected []snowflake.ID `json:"ta,omitempty"`
	Cache    bool           `json:"k,omitempty"`
	Multi    bool           `json:"x,omitempty"` // published on several channels: dedupe
	DataLen  int            `json:"l"`           // bytes of d after the header's newline
}

// New connects to Redis, subscribes to the all-nodes channel and starts delivering; it fails
// when Redis is unreachable, so a misconfigured node does not start. Close releases it.
func New(ctx context.Context, cfg Config) (*Broker, error) {
	opt, err := redis.ParseURL(cfg.URL)
	if err != nil {
		return nil, fmt.Errorf("redisbus: redis url: %w", err)
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
	if cfg.ReplayWindow <= 0 {
		cfg.ReplayWindow = 2 * time.Minute
	}
	if cfg.Outbox <= 0 {
		cfg.Outbox = 65536
	}
	if cfg.TickInterval <= 0 {
		cfg.TickInterval = time.Second
	}
	if opt.ClientName == "" {
		opt.ClientName = "parley-" + cfg.NodeID // visible in CLIENT LIST
	}
	client := redis.NewClient(opt)
	if cfg.Observer != nil {
		client.AddHook(hook{cfg.Observer})
	}
	pctx, cancel := context.WithTimeout(ctx, 5*time.Second)
	defer cancel()
	if err := client.Ping(pctx).Err(); err != nil {
		_ = client.Close()
		return nil, fmt.Errorf("redisbus: redis %s unreachable: %w", opt.Addr, err)
	}
	b := &Broker{
		cfg:       cfg,
		log:       cfg.Logger,
		client:    client,
		node:      cfg.NodeID,
		allCh:     cfg.Prefix + "ev:all",
		logKey:    cfg.Prefix + "ev:log",
		epochKey:  cfg.Prefix + "ev:epoch",
		nodeCh:    cfg.Prefix + "ev:n:" + cfg.NodeID,
		out:       newOutbox(cfg.Outbox),
		sendStop:  make(chan struct{}),
		kick:      make(chan struct{}, 1),
		done:      make(chan struct{}),
		subs:      make(map[events.Topic]int),
		dirty:     make(map[events.Topic]struct{}),
		active:    make(map[string]bool),
		confirmed: make(map[string]bool),
		confirmCh: make(chan struct{}),
		seen:      newDedupe(16384),
	}
	b.listeners.Store(new([]*listener))
	if err := b.start(pctx); err != nil {
		_ = client.Close()
		return nil, err
	}
	return b, nil
}

// NodeID is the node's name in envelopes.
func (b *Broker) NodeID() string { return b.node }

func (b *Broker) channel(t events.Topic) string {
	switch t.Kind {
	case events.TopicGuild:
		return b.cfg.Prefix + "ev:g:" + strconv.FormatUint(uint64(t.ID), 10)
	case events.TopicCache:
		return b.allCh
	default:
		return b.cfg.Prefix + "ev:u:" + strconv.FormatUint(uint64(t.ID), 10)
	}
}

// start subscribes to the all-nodes channel, waits for Redis to confirm, and starts the
// reader, the workers and the subscription manager.
func (b *Broker) start(ctx context.Context) error {
	var err error
	if b.epoch, err = b.takeEpoch(ctx); err != nil {
		return err
	}
	b.ps = b.client.Subscribe(ctx, b.allCh, b.nodeCh)
	for range 2 {
		msg, err := b.ps.ReceiveTimeout(ctx, 5*time.Second)
		if err != nil {
			_ = b.ps.Close()
			return fmt.Errorf("redisbus: subscribe: %w", err)
		}
		s, ok := msg.(*redis.Subscription)
		if !ok || (s.Channel != b.allCh && s.Channel != b.nodeCh) {
			_ = b.ps.Close()
			return fmt.Errorf("redisbus: subscribe: unexpected reply %v", msg)
		}
		b.confirmed[s.Channel] = true
	}
	// Subscribed first, then the position: whatever is logged after it arrives live.
	if b.pos, err = b.lastLogID(ctx); err != nil {
		_ = b.ps.Close()
		return err
	}
	if b.pos == (streamID{}) {
		// An empty log: add a marker entry so that this node's position is an entry the log
		// holds (replay checks that its position was not trimmed away).
		id, err := b.client.XAdd(ctx, &redis.XAddArgs{Stream: b.logKey, Values: []string{"g", "1"}}).Result()
		if err != nil {
			_ = b.ps.Close()
			return fmt.Errorf("redisbus: start log: %w", err)
		}
		b.pos, _ = parseStreamID(id)
	}
	if err := publishScript.Load(ctx, b.client).Err(); err != nil {
		_ = b.ps.Close()
		return fmt.Errorf("redisbus: load script: %w", err)
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
	b.wg.Go(b.send)
	b.wg.Go(b.tick)
	b.log.Info("redisbus: started", "node", b.node, "prefix", b.cfg.Prefix, "workers", b.cfg.Workers)
	return nil
}

// Listen implements events.Broker.
func (b *Broker) Listen(l events.Listener) (stop func()) {
	e := &listener{l}
	b.lmu.Lock()
	ls := append(slices.Clone(*b.listeners.Load()), e)
	b.listeners.Store(&ls)
	b.lmu.Unlock()
	return func() {
		b.lmu.Lock()
		ls := slices.DeleteFunc(slices.Clone(*b.listeners.Load()), func(x *listener) bool { return x == e })
		b.listeners.Store(&ls)
		b.lmu.Unlock()
	}
}

// Publish implements events.Broker. It queues the event in the outbox and returns at once;
// the sender goroutine hands it to Redis, many events per round trip, in publish order.
func (b *Broker) Publish(_ context.Context, ev events.Event) error {
	b.mu.Lock()
	closed := b.closed
	b.mu.Unlock()
	if closed {
		return nil
	}
	var chans []string
	if ev.Cache {
		chans = []string{b.allCh} // every node holds it
	} else {
		var buf [4]events.Topic
		for _, t := range ev.AppendTopics(buf[:0]) {
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
	if !b.out.push(pending{msg: string(msg), chans: chans}) {
		b.dropped.Add(1)
	}
	return nil
}

func (b *Broker) encode(ev events.Event, multi bool) ([]byte, error) {
	h, err := json.Marshal(envelope{
		V: envelopeVersion, Node: b.node, Seq: b.seq.Add(1), At: time.Now().UnixNano(),
		Name: ev.Name, GuildID: ev.GuildID, ChannelID: ev.ChannelID, UserIDs: ev.UserIDs,
		Perm: ev.Perm, AuthorID: ev.AuthorID, Mentions: ev.Mentions, Subject: ev.Subject,
		Private: ev.ThreadPrivate, Members: ev.ThreadMembers, Affected: ev.ThreadAffected,
		Cache: ev.Cache, Multi: multi, DataLen: len(ev.Data),
	})
	if err != nil {
		return nil, fmt.Errorf("redisbus: encode envelope: %w", err)
	}
	n := len(h) + 1 + len(ev.Data)
	if ev.Stripped != nil {
		n += 1 + len(ev.Stripped)
	}
	out := make([]byte, 0, n)
	out = append(out, h...)
	out = append(out, '\n')
	out = append(out, ev.Data...)
	if ev.Stripped != nil {
		out = append(out, '\n')
		out = append(out, ev.Stripped...)
	}
	return out, nil
}

// errEnvelope reports a message that is not a version-2 envelope.
var errEnvelope = errors.New("malformed envelope")

// decodeEnvelope splits a message into its header, d and stripped d (which alias msg;
// stripped is nil when the event has none).
func decodeEnvelope(msg []byte) (h envelope, d, stripped []byte, err error) {
	i := bytes.IndexByte(msg, '\n')
	if i < 0 {
		return h, nil, nil, fmt.Errorf("%w: no header", errEnvelope)
	}
	if err := json.Unmarshal(msg[:i], &h); err != nil {
		return h, nil, nil, fmt.Errorf("%w: header: %v", errEnvelope, err)
	}
	if h.V != envelopeVersion {
		return h, nil, nil, fmt.Errorf("%w: version %d", errEnvelope, h.V)
	}
	rest := msg[i+1:]
	if h.DataLen < 0 || h.DataLen > len(rest) {
		return h, nil, nil, fmt.Errorf("%w: d of %d bytes in %d", errEnvelope, h.DataLen, len(rest))
	}
	d, rest = rest[:h.DataLen:h.DataLen], rest[h.DataLen:]
	switch {
	case len(rest) == 0:
	case rest[0] == '\n':
		stripped = rest[1:]
	default:
		return h, nil, nil, fmt.Errorf("%w: %d stray bytes after d", errEnvelope, len(rest))
	}
	return h, d, stripped, nil
}

// read is the only consumer of the Pub/Sub connection: it tracks subscription
// confirmations, decodes, dedupes and routes each event to its worker.
func (b *Broker) read(in <-chan any) {
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

func (b *Broker) confirm(s *redis.Subscription) {
	b.mu.Lock()
	again := s.Kind == "subscribe" && b.confirmed[s.Channel]
	if again {
		// The first confirmation of a resubscribe after a reconnect: the rest of the burst
		// confirms the other channels anew.
		clear(b.confirmed)
	}
	b.mu.Unlock()
	if again {
		b.reconnected()
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

// reconnected runs on the reader goroutine at the first confirmation after a reconnect,
// before any message of the new connection: Gap, then the replay of what was missed.
func (b *Broker) reconnected() {
	b.gaps.Add(1)
	for _, l := range *b.listeners.Load() {
		l.Gap()
	}
	n, err := b.replay()
	switch {
	case errors.Is(err, errLogTrimmed):
		b.lose("the replay log no longer holds what this node missed (away longer than the replay window)")
	case err != nil:
		// Redis went away again while replaying: the next reconnect replays from the same
		// position (it only advanced over delivered events).
		b.log.Warn("redisbus: replay after reconnect failed; retried at the next reconnect", "err", err)
	default:
		b.replayed.Add(int64(n))
		b.log.Info("redisbus: reconnected to redis; missed events replayed", "events", n)
	}
}

// lose tells every listener that events are gone for good.
func (b *Broker) lose(why string) {
	b.lostSeen.Add(1)
	b.log.Error("redisbus: events were lost for this node: " + why)
	for _, l := range *b.listeners.Load() {
		l.Lost()
	}
}

func (b *Broker) route(m *redis.Message) {
	if m.Channel == b.nodeCh {
		if id, ok := parseStreamID(m.Payload); ok && id.after(b.pos) {
			b.pos = id
		}
		return
	}
	id, env, ok := splitMessage(m.Payload)
	if !ok {
		b.dropped.Add(1)
		b.log.Warn("redisbus: bad message", "channel", m.Channel)
		return
	}
	if !id.after(b.pos) {
		return // a copy on another channel, or replayed already
	}
	b.pos = id
	b.deliver(env, m.Channel, false)
}

// deliver decodes one envelope and hands it to its worker; replayed events are filtered by
// this node's topics first. It reports whether the event was delivered.
func (b *Broker) deliver(env, channel string, replayed bool) bool {
	if isLostMarker(env) {
		b.lose("another node dropped events while it could not reach redis")
		return false
	}
	h, d, stripped, err := decodeEnvelope([]byte(env))
	if err != nil {
		b.dropped.Add(1)
		b.log.Warn("redisbus: bad message", "channel", channel, "err", err)
		return false
	}
	if !b.seen.add(h.Node, h.Seq) {
		return false // sent again after a lost answer
	}
	ev := events.Event{
		Name: h.Name, GuildID: h.GuildID, ChannelID: h.ChannelID, UserIDs: h.UserIDs, Perm: h.Perm,
		AuthorID: h.AuthorID, Mentions: h.Mentions, Subject: h.Subject, Cache: h.Cache,
		ThreadPrivate: h.Private, ThreadMembers: h.Members, ThreadAffected: h.Affected,
		Data: json.RawMessage(d), Stripped: json.RawMessage(stripped),
	}
	key := ev.GuildID
	if key == 0 && len(ev.UserIDs) > 0 {
		key = ev.UserIDs[0]
	}
	if key == 0 {
		key = ev.Subject
	}
	if replayed && !b.held(&ev) {
		return false
	}
	q := b.queues[(uint64(key)*0x9E3779B97F4A7C15>>32)%uint64(len(b.queues))]
	q <- delivery{ev: ev, self: h.Node == b.node, at: h.At}
	return true
}

func (b *Broker) work(q <-chan delivery) {
	ctx := context.Background()
	for d := range q {
		b.hop.record(time.Duration(time.Now().UnixNano()-d.at), d.self)
		for _, l := range *b.listeners.Load() {
			l.Receive(ctx, d.ev, d.self)
		}
	}
}

// Subscribe implements events.Broker. The SUBSCRIBE happens later, on the manager
// goroutine. events.CacheTopic is subscribed from New to Close whatever its count.
func (b *Broker) Subscribe(t events.Topic) {
	b.mu.Lock()
	if b.subs[t]++; b.subs[t] == 1 {
		b.markLocked(t)
	}
	b.mu.Unlock()
}

// Unsubscribe implements events.Broker.
func (b *Broker) Unsubscribe(t events.Topic) {
	b.mu.Lock()
	if b.subs[t]--; b.subs[t] <= 0 {
		delete(b.subs, t)
		b.markLocked(t)
	}
	b.mu.Unlock()
}

func (b *Broker) markLocked(t events.Topic) {
	b.dirty[t] = struct{}{}
	select {
	case b.kick <- struct{}{}:
	default:
	}
}

// manage applies subscription changes in batches: whatever accumulated since the last pass
// becomes at most a few SUBSCRIBE/UNSUBSCRIBE commands. A topic that came and went in between
// costs nothing.
func (b *Broker) manage() {
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
			if ch == b.allCh {
				continue // held for the broker's whole life
			}
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

func (b *Broker) apply(op string, chans []string) {
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
		b.log.Warn("redisbus: "+op, "channels", len(chans), "err", err)
	}
}

// WaitSubscribed implements events.Broker: it blocks until Redis has confirmed the
// subscription of every topic in ts (or ctx ends, or the broker closes).
func (b *Broker) WaitSubscribed(ctx context.Context, ts []events.Topic) error {
	chans := make([]string, len(ts))
	for i, t := range ts {
		chans[i] = b.channel(t)
	}
	for {
		b.mu.Lock()
		ok := true
		for _, c := range chans {
			if c != b.allCh && !b.confirmed[c] {
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

// Close implements events.Broker: it stops delivery, waits for the workers and closes the
// client.
func (b *Broker) Close() error {
	b.mu.Lock()
	if b.closed {
		b.mu.Unlock()
		return nil
	}
	b.closed = true
	b.mu.Unlock()
	// Flush the outbox (events whose writes committed), for a bounded time.
	b.out.mu.Lock()
	b.out.closing = true
	b.out.mu.Unlock()
	select {
	case b.out.kick <- struct{}{}:
	default:
	}
	select {
	case <-b.out.drained:
	case <-time.After(5 * time.Second):
		b.log.Warn("redisbus: closing with unsent events", "queued", b.out.len())
	}
	close(b.sendStop)
	close(b.done)
	err := b.ps.Close()
	b.wg.Wait()
	if cerr := b.client.Close(); err == nil {
		err = cerr
	}
	return err
}

// Gaps counts reconnects to Redis after which events may have been missed.
func (b *Broker) Gaps() int64 { return b.gaps.Load() }

// HopStats summarises the publish→listener latency of recent events.
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
// publishing node to this node's worker calling the listeners (Redis round trip, decoding,
// queueing). For events of other nodes it includes their clock offset.
func (b *Broker) HopLatency() HopStats { return b.hop.snapshot() }

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

var _ events.Broker = (*Broker)(nil)
