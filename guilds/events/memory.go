package events

import (
	"context"
	"slices"
	"sync"
)

// Memory is the single-node Broker: Publish calls the listeners on the publisher's goroutine,
// so an event is fanned out to local sessions before the REST request that caused it
// returns. Every event it delivers is local.
type Memory struct {
	mu        sync.RWMutex // a leaf lock; taken under the gateway's hub locks
	subs      map[Topic]int
	listeners []*listener // copied on change: Publish iterates a snapshot
	closed    bool
}

// listener boxes a Listener so that stop can find it again (Listeners need not be
// comparable).
type listener struct{ Listener }

// NewMemory returns a Memory with no subscriptions and no listeners.
func NewMemory() *Memory {
	return &Memory{subs: make(map[Topic]int)}
}

// Listen implements Broker.
func (m *Memory) Listen(l Listener) (stop func()) {
	e := &listener{l}
	m.mu.Lock()
	m.listeners = append(slices.Clip(m.listeners), e)
	m.mu.Unlock()
	return func() {
		m.mu.Lock()
		m.listeners = slices.DeleteFunc(slices.Clone(m.listeners), func(x *listener) bool { return x == e })
		m.mu.Unlock()
	}
}

// Publish implements Broker. It never fails.
func (m *Memory) Publish(ctx context.Context, ev Event) error {
	var buf [4]Topic
	ts := ev.AppendTopics(buf[:0])
	m.mu.RLock()
	ls, closed := m.listeners, m.closed
	wanted := false
	for _, t := range ts {
		if m.subs[t] > 0 {
			wanted = true
			break
		}
	}
	m.mu.RUnlock()
	if closed || !wanted {
		return nil // no consumer on this (only) node asked for it
	}
	for _, l := range ls {
		l.Receive(ctx, ev, true)
	}
	return nil
}

// Subscribe implements Broker.
func (m *Memory) Subscribe(t Topic) {
	m.mu.Lock()
	m.subs[t]++
	m.mu.Unlock()
}

// Unsubscribe implements Broker.
func (m *Memory) Unsubscribe(t Topic) {
	m.mu.Lock()
	if m.subs[t]--; m.subs[t] <= 0 {
		delete(m.subs, t)
	}
	m.mu.Unlock()
}

// WaitSubscribed implements Broker: Memory's subscriptions take effect at once.
func (m *Memory) WaitSubscribed(context.Context, []Topic) error { return nil }

// Close implements Broker.
func (m *Memory) Close() error {
	m.mu.Lock()
	m.closed = true
	m.mu.Unlock()
	return nil
}

var _ Broker = (*Memory)(nil)
