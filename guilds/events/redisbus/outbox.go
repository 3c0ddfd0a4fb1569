package redisbus

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"strings"
	"sync"
	"time"

	"github.com/redis/go-redis/v9"
)

// The outbox decouples Publish from Redis: Publish queues the encoded event and returns (the
// write it reports has committed; REST must not wait on Redis), and one goroutine sends the
// queue in order, many events per round trip. While Redis is unreachable the queue holds
// them, up to Config.Outbox events, and they go out when it is back. Past that bound the
// oldest are dropped, and once Redis answers again the node says so to every node (a lost
// marker on the all-nodes channel), whose gateways then invalidate their sessions.

// pending is one queued publish.
type pending struct {
	msg   string   // the envelope
	chans []string // the channels it goes to
}

type outbox struct {
	mu       sync.Mutex
	q        []pending
	dropped  int  // since the last lost marker
	closing  bool // Close is flushing: no more waiting for Redis once it gives up
	kick     chan struct{}
	drained  chan struct{} // closed by the sender when it exits
	capacity int
}

func newOutbox(capacity int) *outbox {
	return &outbox{kick: make(chan struct{}, 1), drained: make(chan struct{}), capacity: capacity}
}

// push queues p, dropping the oldest entry when full; it reports false on a drop.
func (o *outbox) push(p pending) bool {
	o.mu.Lock()
	ok := true
	if len(o.q) >= o.capacity {
		o.q[0] = pending{}
		o.q = o.q[1:]
		o.dropped++
		ok = false
	}
	o.q = append(o.q, p)
	o.mu.Unlock()
	select {
	case o.kick <- struct{}{}:
	default:
	}
	return ok
}

// peek returns up to n queued entries without removing them.
func (o *outbox) peek(n int) []pending {
	o.mu.Lock()
	defer o.mu.Unlock()
	return append([]pending(nil), o.q[:min(n, len(o.q))]...)
}

// pop removes the first n entries (sent).
func (o *outbox) pop(n int) {
	o.mu.Lock()
	defer o.mu.Unlock()
	n = min(n, len(o.q))
	clear(o.q[:n])
	o.q = o.q[n:]
	if len(o.q) == 0 {
		o.q = nil // let a burst's backing array go
	}
}

func (o *outbox) len() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	return len(o.q)
}

// takeDropped returns and resets the drop count.
func (o *outbox) takeDropped() int {
	o.mu.Lock()
	defer o.mu.Unlock()
	n := o.dropped
	o.dropped = 0
	return n
}

// sendBatch is how many queued events go out per round trip.
const sendBatch = 256

// send runs until Close: it sends the outbox in order, retrying with back-off while Redis
// does not answer.
func (b *Broker) send() {
	defer close(b.out.drained)
	backoff := 50 * time.Millisecond
	down := false
	for {
		batch := b.out.peek(sendBatch)
		if len(batch) == 0 {
			if b.out.closingNow() {
				return
			}
			select {
			case <-b.out.kick:
			case <-b.sendStop:
			}
			continue
		}
		n, err := b.sendOnce(batch)
		b.out.pop(n)
		if err == nil {
			backoff = 50 * time.Millisecond
			if down {
				down = false
				b.log.Info("redisbus: redis answers again; queued events sent")
			}
			if lost := b.out.takeDropped(); lost > 0 {
				b.sendLostMarker(lost)
			}
			continue
		}
		if !down {
			down = true
			b.log.Warn("redisbus: cannot publish; events are queued until redis answers", "queued", b.out.len(), "err", err)
		}
		if b.out.closingNow() {
			b.log.Warn("redisbus: closing with events that could not be published", "queued", b.out.len())
			return
		}
		select {
		case <-time.After(backoff):
		case <-b.sendStop:
		}
		backoff = min(backoff*2, 2*time.Second)
	}
}

func (o *outbox) closingNow() bool {
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.closing
}

// sendOnce pipelines batch through publishScript and reports how many leading entries Redis
// accepted. An entry whose answer was lost with the connection may have been executed; it is
// sent again, and receivers drop the copy by its (node, seq).
func (b *Broker) sendOnce(batch []pending) (int, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	window := strconvMS(b.cfg.ReplayWindow)
	cmds, _ := b.client.Pipelined(ctx, func(p redis.Pipeliner) error {
		for _, e := range batch {
			args := make([]any, 0, 2+len(e.chans))
			args = append(args, e.msg, window)
			for _, c := range e.chans {
				args = append(args, c)
			}
			publishScript.EvalSha(ctx, p, []string{b.logKey}, args...)
		}
		return nil
	})
	for i, c := range cmds {
		if err := c.Err(); err != nil {
			if strings.HasPrefix(err.Error(), "NOSCRIPT") {
				if lerr := publishScript.Load(ctx, b.client).Err(); lerr != nil {
					return i, lerr
				}
				n, err := b.sendOnce(batch[i:])
				return i + n, err
			}
			return i, err
		}
	}
	if len(cmds) < len(batch) {
		return len(cmds), context.DeadlineExceeded
	}
	return len(batch), nil
}

func strconvMS(d time.Duration) int64 { return d.Milliseconds() }

// sendLostMarker tells every node that this node dropped n events.
func (b *Broker) sendLostMarker(n int) {
	b.lostSent.Add(int64(n))
	b.log.Error("redisbus: the outbox overflowed while redis was unreachable; events were dropped and every node's sessions are invalidated", "dropped", n)
	h, _ := json.Marshal(lostMarker{V: envelopeVersion, Node: b.node, Lost: true})
	b.out.push(pending{msg: string(h) + "\n", chans: []string{b.allCh}})
}

// tick publishes the log's end on this node's channel every TickInterval (see log.go).
func (b *Broker) tick() {
	t := time.NewTicker(b.cfg.TickInterval)
	defer t.Stop()
	for {
		select {
		case <-b.done:
			return
		case <-t.C:
		}
		ctx, cancel := context.WithTimeout(context.Background(), b.cfg.TickInterval)
		_ = tickScript.Run(ctx, b.client, []string{b.logKey}, b.nodeCh).Err()
		cancel()
	}
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
