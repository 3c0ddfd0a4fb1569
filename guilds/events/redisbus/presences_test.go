package redisbus

import (
	"context"
	"testing"

	"github.com/parley-chat/parley/guilds/events/eventstest"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/storage/testenv"
)

// TestPresencesConformance runs the shared PresenceStore contract on Presences against a real
// Redis, with two nodes' stores on one prefix for the cluster checks.
func TestPresencesConformance(t *testing.T) {
	url := testenv.RedisURL(t)
	open := func(t *testing.T, prefix, node string) *Presences {
		p, err := NewPresences(context.Background(), PresencesConfig{URL: url, Prefix: prefix, NodeID: node})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { p.Close() })
		return p
	}
	eventstest.TestPresences(t, eventstest.PresenceImpl{
		New: func(t *testing.T) eventstest.PresenceStore {
			return open(t, testenv.RedisPrefix(t, url), "a")
		},
		Sibling: func(t *testing.T, s eventstest.PresenceStore) eventstest.PresenceStore {
			return open(t, s.(*Presences).prefix, "b")
		},
	})
}

// TestIdentifyLimiterConformance runs the shared IdentifyLimiter contract against a real
// Redis, with two nodes' limiters on one prefix for the cluster checks.
func TestIdentifyLimiterConformance(t *testing.T) {
	url := testenv.RedisURL(t)
	open := func(t *testing.T, prefix string) *IdentifyLimiter {
		l, err := NewIdentifyLimiter(context.Background(), url, prefix)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { l.Close() })
		return l
	}
	eventstest.TestIdentifyLimiter(t, eventstest.IdentifyImpl{
		New: func(t *testing.T) eventstest.IdentifyLimiter { return open(t, testenv.RedisPrefix(t, url)) },
		Sibling: func(t *testing.T, l eventstest.IdentifyLimiter) eventstest.IdentifyLimiter {
			return open(t, l.(*IdentifyLimiter).prefix)
		},
	})
}

// TestPresencesCrashedNodeLapses: a node that stops refreshing (crashed) no longer keeps the
// user online: once its claim lapses, the other node's clear takes the user offline.
func TestPresencesCrashedNodeLapses(t *testing.T) {
	url := testenv.RedisURL(t)
	prefix := testenv.RedisPrefix(t, url)
	ctx := context.Background()
	a, err := NewPresences(ctx, PresencesConfig{URL: url, Prefix: prefix, NodeID: "a"})
	if err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	b, err := NewPresences(ctx, PresencesConfig{URL: url, Prefix: prefix, NodeID: "b"})
	if err != nil {
		t.Fatal(err)
	}
	defer b.Close()
	if err := a.SetPresence(ctx, 9, onlinePresence); err != nil {
		t.Fatal(err)
	}
	if err := b.SetPresence(ctx, 9, onlinePresence); err != nil {
		t.Fatal(err)
	}
	// Node a "crashed" long ago: its claim's deadline is in the past.
	if err := a.client.HSet(ctx, a.key(9), a.field(), 1).Err(); err != nil {
		t.Fatal(err)
	}
	if off, err := b.ClearPresence(ctx, 9); err != nil || !off {
		t.Fatalf("clear with only a lapsed claim left: offline=%v %v, want true", off, err)
	}
	// And the hash itself lives no longer than the TTL.
	if err := a.SetPresence(ctx, 10, onlinePresence); err != nil {
		t.Fatal(err)
	}
	if ttl := a.client.PTTL(ctx, a.key(10)).Val(); ttl <= 0 || ttl > a.ttl {
		t.Fatalf("presence TTL %v, want (0, %v]", ttl, a.ttl)
	}
}

var onlinePresence = opcodes.PresenceUpdateData{Status: "online"}
