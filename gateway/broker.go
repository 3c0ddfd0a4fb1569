package gateway

import (
	"context"
	"errors"
	"sync"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/snowflake"
)

// Topic names a stream of events a node can subscribe to: one per guild and one per user
// (DMs, USER_UPDATE, membership events about that user).
type Topic struct {
	Kind TopicKind
	ID   snowflake.ID
}

// TopicKind says what a Topic's ID is.
type TopicKind uint8

// Topic kinds.
const (
	TopicGuild TopicKind = iota + 1
	TopicUser
)

// EventTopics lists the topics ev is published on. A node subscribed to any of them must get
// ev exactly once.
func EventTopics(ev guilds.Event) []Topic {
	var ts []Topic
	if ev.GuildID != 0 && len(ev.UserIDs) == 0 {
		ts = append(ts, Topic{TopicGuild, ev.GuildID})
	}
	for _, u := range ev.UserIDs {
		ts = append(ts, Topic{TopicUser, u})
	}
	if ev.Subject != 0 {
		ts = append(ts, Topic{TopicUser, ev.Subject})
	}
	return ts
}

// Broker moves committed events between gateway nodes. The gateway subscribes to a guild's
// topic when its first local session in that guild appears and unsubscribes after the last
// one leaves (and likewise per user), so a node only receives what its sessions may need.
//
// Contract: Publish returns once the event is handed to the transport; delivery is
// at-most-once per node, in publish order per topic, and the handler must not be called
// concurrently for the same topic. Subscribe and Unsubscribe are called with a hub shard lock
// held, so they must not block on the network (queue the change instead).
type Broker interface {
	// Start registers the handler for every event this node is subscribed to. Called once.
	Start(handler func(ctx context.Context, ev guilds.Event)) error
	// Publish sends ev to every subscribed node, this one included.
	Publish(ctx context.Context, ev guilds.Event) error
	// Subscribe starts delivery of t's events to this node.
	Subscribe(t Topic)
	// Unsubscribe stops it.
	Unsubscribe(t Topic)
	// Close stops delivery.
	Close() error
}

// localOriginKey marks, in the handler's context, an event this node published.
type localOriginKey struct{}

// withLocalOrigin marks ctx as carrying an event this node's own Domain published.
func withLocalOrigin(ctx context.Context) context.Context {
	return context.WithValue(ctx, localOriginKey{}, true)
}

// localOrigin reports whether the broker delivered an event published by this node, whose
// Domain already observed it before publishing (so the gateway must not observe it again).
func localOrigin(ctx context.Context) bool {
	v, _ := ctx.Value(localOriginKey{}).(bool)
	return v
}

// MemoryBroker is the single-node Broker: Publish calls the handler synchronously, so an
// event is fanned out to local sessions before the REST request that caused it returns.
type MemoryBroker struct {
	mu      sync.RWMutex
	handler func(ctx context.Context, ev guilds.Event)
	subs    map[Topic]int
	closed  bool
}

// NewMemoryBroker returns a MemoryBroker with no subscriptions.
func NewMemoryBroker() *MemoryBroker {
	return &MemoryBroker{subs: make(map[Topic]int)}
}

// Start implements Broker.
func (b *MemoryBroker) Start(h func(ctx context.Context, ev guilds.Event)) error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.handler != nil {
		return errors.New("gateway: memory broker already started")
	}
	b.handler = h
	return nil
}

// Publish implements Broker.
func (b *MemoryBroker) Publish(ctx context.Context, ev guilds.Event) error {
	b.mu.RLock()
	h, closed := b.handler, b.closed
	wanted := false
	for _, t := range EventTopics(ev) {
		if b.subs[t] > 0 {
			wanted = true
			break
		}
	}
	b.mu.RUnlock()
	if closed || h == nil || !wanted {
		// No local session can receive it. (On one node the domain already saw it before
		// Publish; a multi-node broker must still give every node's domain cache the event.)
		return nil
	}
	// Every event on a single node comes from this node's Domain.
	h(withLocalOrigin(ctx), ev)
	return nil
}

// Subscribe implements Broker.
func (b *MemoryBroker) Subscribe(t Topic) {
	b.mu.Lock()
	b.subs[t]++
	b.mu.Unlock()
}

// Unsubscribe implements Broker.
func (b *MemoryBroker) Unsubscribe(t Topic) {
	b.mu.Lock()
	if b.subs[t]--; b.subs[t] <= 0 {
		delete(b.subs, t)
	}
	b.mu.Unlock()
}

// Close implements Broker.
func (b *MemoryBroker) Close() error {
	b.mu.Lock()
	b.closed = true
	b.mu.Unlock()
	return nil
}
