package redisbus

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley-chat/parley/guilds/events"
)

// The replay log. Every event is appended to one Redis stream (<prefix>ev:log) and
// published, by one script, so the stream's order is the order of the PUBLISHes and every
// Pub/Sub message carries its stream ID. A node's Pub/Sub connection delivers its channels in
// that single order, so the last ID a node received — or the stream's last ID, which a
// periodic tick on the node's own channel reports — is a position before which it has
// everything meant for it. When its connection comes back it reads the stream after that
// position and delivers, in order, the events of the topics it holds, before any live one.
// The stream keeps ReplayWindow of events (trimmed by time at each append); a node that was
// away for longer finds its position trimmed away and reports Lost.

// publishScript appends the envelope (ARGV[1]) to the log, trims entries older than ARGV[2] ms
// (Redis' clock), and publishes "<id>\n<envelope>" on every channel in ARGV[3..].
var publishScript = redis.NewScript(`
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
local id = redis.call('XADD', KEYS[1], 'MINID', '~', now - tonumber(ARGV[2]), '*', 'm', ARGV[1])
local msg = id .. '\n' .. ARGV[1]
for i = 3, #ARGV do
  redis.call('PUBLISH', ARGV[i], msg)
end
return id
`)

// tickScript publishes the log's last ID on the node's own channel (ARGV[1]): once the node
// reads it, it has received every event with an ID up to it on its channels.
var tickScript = redis.NewScript(`
local last = redis.call('XREVRANGE', KEYS[1], '+', '-', 'COUNT', 1)
local id = '0-0'
if last[1] then id = last[1][1] end
redis.call('PUBLISH', ARGV[1], id)
return id
`)

// streamID is a Redis stream entry ID, ms-seq.
type streamID struct{ ms, seq uint64 }

func parseStreamID(s string) (streamID, bool) {
	a, b, ok := strings.Cut(s, "-")
	if !ok {
		return streamID{}, false
	}
	ms, err1 := strconv.ParseUint(a, 10, 64)
	seq, err2 := strconv.ParseUint(b, 10, 64)
	return streamID{ms, seq}, err1 == nil && err2 == nil
}

func (id streamID) after(o streamID) bool {
	return id.ms > o.ms || (id.ms == o.ms && id.seq > o.seq)
}

func (id streamID) String() string {
	return strconv.FormatUint(id.ms, 10) + "-" + strconv.FormatUint(id.seq, 10)
}

// splitMessage cuts a Pub/Sub payload into its stream ID and envelope.
func splitMessage(p string) (streamID, string, bool) {
	i := strings.IndexByte(p, '\n')
	if i < 0 {
		return streamID{}, "", false
	}
	id, ok := parseStreamID(p[:i])
	return id, p[i+1:], ok
}

// lastLogID reads the log's last ID (0-0 when it is empty or absent).
func (b *Broker) lastLogID(ctx context.Context) (streamID, error) {
	msgs, err := b.client.XRevRangeN(ctx, b.logKey, "+", "-", 1).Result()
	if err != nil {
		return streamID{}, fmt.Errorf("redisbus: read log end: %w", err)
	}
	if len(msgs) == 0 {
		return streamID{}, nil
	}
	id, _ := parseStreamID(msgs[0].ID)
	return id, nil
}

// errLogTrimmed reports that the log no longer holds what a node missed.
var errLogTrimmed = errors.New("redisbus: replay log trimmed past this node's position")

// replay runs on the reader goroutine when its Pub/Sub connection came back (before any live
// message of the new connection is handled): it delivers, in order, every logged event after
// b.pos on a topic this node holds. It reports errLogTrimmed when some of them are gone.
func (b *Broker) replay() (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	epoch, err := b.client.Get(ctx, b.epochKey).Result()
	if err != nil && !errors.Is(err, redis.Nil) {
		return 0, fmt.Errorf("redisbus: read epoch: %w", err)
	}
	if epoch != b.epoch {
		// Redis restarted without its data: the log is new, and whatever the old Redis
		// accepted but had not sent before it stopped cannot be replayed (see the package
		// doc). Take the new epoch and start from the new log's end.
		if b.epoch, err = b.takeEpoch(ctx); err != nil {
			return 0, err
		}
		b.restarts.Add(1)
		b.log.Warn("redisbus: redis restarted without its data; events it accepted in its last moments, if any, cannot be replayed")
		if b.pos, err = b.lastLogID(ctx); err != nil {
			return 0, err
		}
		return 0, nil
	}
	// Trimming removes the oldest entries first, so if the entry at b.pos is still there,
	// so is everything after it. b.pos is always an ID the log held: one delivered, the end a
	// tick reported, or the start marker of a log that was empty when this node started.
	{
		at, err := b.client.XRangeN(ctx, b.logKey, b.pos.String(), b.pos.String(), 1).Result()
		if err != nil {
			return 0, fmt.Errorf("redisbus: read log: %w", err)
		}
		if len(at) == 0 {
			if b.pos, err = b.lastLogID(ctx); err != nil {
				return 0, err
			}
			return 0, errLogTrimmed
		}
	}
	n := 0
	for {
		msgs, err := b.client.XRangeN(ctx, b.logKey, "("+b.pos.String(), "+", 512).Result()
		if err != nil {
			return n, fmt.Errorf("redisbus: read log: %w", err)
		}
		for _, m := range msgs {
			id, ok := parseStreamID(m.ID)
			if !ok {
				continue
			}
			b.pos = id
			raw, ok := m.Values["m"].(string)
			if !ok {
				continue // a start marker
			}
			if b.deliver(raw, "", true) {
				n++
			}
		}
		if len(msgs) < 512 {
			return n, nil
		}
	}
}

// held reports whether this node holds one of the event's topics (what its manager asked
// Redis for; the cache topic always).
func (b *Broker) held(ev *events.Event) bool {
	if ev.Cache {
		return true
	}
	var buf [4]events.Topic
	b.mu.Lock()
	defer b.mu.Unlock()
	for _, t := range ev.AppendTopics(buf[:0]) {
		if b.active[b.channel(t)] {
			return true
		}
	}
	return false
}

// takeEpoch returns the Redis data epoch, creating it if Redis has none: a random value that
// changes only when Redis loses its data.
func (b *Broker) takeEpoch(ctx context.Context) (string, error) {
	if err := b.client.SetNX(ctx, b.epochKey, randomHex(8), 0).Err(); err != nil {
		return "", fmt.Errorf("redisbus: set epoch: %w", err)
	}
	v, err := b.client.Get(ctx, b.epochKey).Result()
	if err != nil {
		return "", fmt.Errorf("redisbus: read epoch: %w", err)
	}
	return v, nil
}

// lostMarker is the header of the message a node publishes on the all-nodes channel after
// its outbox overflowed: every node learns that some events are gone.
type lostMarker struct {
	V    int    `json:"v"`
	Node string `json:"n"`
	Lost bool   `json:"lost"`
}

func isLostMarker(env string) bool {
	if !strings.HasPrefix(env, `{"v":`) || !strings.Contains(env, `"lost":true`) {
		return false
	}
	var m lostMarker
	return json.Unmarshal([]byte(strings.TrimSuffix(env, "\n")), &m) == nil && m.Lost
}
