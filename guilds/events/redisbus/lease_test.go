package redisbus

import (
	"context"
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/redis/go-redis/v9"

	"github.com/parley-chat/parley/storage/testenv"
)

func newTestLease(t *testing.T, cfg LeaseConfig) (*Lease, error) {
	t.Helper()
	l, err := NewLease(context.Background(), cfg)
	if err == nil {
		t.Cleanup(func() { l.Close() })
	}
	return l, err
}

func rawClient(t *testing.T, url string) *redis.Client {
	t.Helper()
	opt, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	c := redis.NewClient(opt)
	t.Cleanup(func() { c.Close() })
	return c
}

// waitFor polls a real Redis (a renewal is a round trip on another goroutine) until cond
// holds, for at most 5 s.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("%s: not within 5 s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

func TestLeaseDistinctAndHeld(t *testing.T) {
	url := testenv.RedisURL(t)
	prefix := testenv.RedisPrefix(t, url)
	seen := map[int]bool{}
	var first *Lease
	for i := range 8 {
		l, err := newTestLease(t, LeaseConfig{URL: url, Prefix: prefix, Want: -1, Holder: "node" + strconv.Itoa(i)})
		if err != nil {
			t.Fatal(err)
		}
		if seen[l.ID()] {
			t.Fatalf("id %d leased twice", l.ID())
		}
		if l.Worker() != l.ID()>>5 || l.Process() != l.ID()&31 || l.ID() < 0 || l.ID() >= LeaseNodes {
			t.Fatalf("id %d split as %d/%d", l.ID(), l.Worker(), l.Process())
		}
		seen[l.ID()] = true
		if first == nil {
			first = l
		}
	}
	// Asking for a held ID is refused, naming the holder.
	_, err := newTestLease(t, LeaseConfig{URL: url, Prefix: prefix, Want: first.ID(), Holder: "late"})
	if !errors.Is(err, ErrLeaseHeld) {
		t.Fatalf("held id: %v, want ErrLeaseHeld", err)
	}
	// Released on Close: the ID can be taken again at once.
	id := first.ID()
	if err := first.Close(); err != nil {
		t.Fatal(err)
	}
	again, err := newTestLease(t, LeaseConfig{URL: url, Prefix: prefix, Want: id})
	if err != nil || again.ID() != id {
		t.Fatalf("after release: %v, %v", again, err)
	}
	if _, err := NewLease(context.Background(), LeaseConfig{URL: url, Prefix: prefix, Want: LeaseNodes}); err == nil {
		t.Fatal("id 1024 accepted")
	}
}

func TestLeaseExhausted(t *testing.T) {
	url := testenv.RedisURL(t)
	prefix := testenv.RedisPrefix(t, url)
	c := rawClient(t, url)
	_, err := c.Pipelined(context.Background(), func(p redis.Pipeliner) error {
		for n := range LeaseNodes {
			p.Set(context.Background(), prefix+"snowflake:"+strconv.Itoa(n), "other", time.Minute)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := newTestLease(t, LeaseConfig{URL: url, Prefix: prefix, Want: -1}); !errors.Is(err, ErrNoFreeLease) {
		t.Fatalf("all held: %v, want ErrNoFreeLease", err)
	}
}

// A Redis that restarted empty forgot the lease: renewal takes it again. A lease another
// holder took (this node was cut off past the TTL) is lost: OnLost fires.
func TestLeaseRenewal(t *testing.T) {
	url := testenv.RedisURL(t)
	prefix := testenv.RedisPrefix(t, url)
	c := rawClient(t, url)
	lost := make(chan struct{})
	l, err := newTestLease(t, LeaseConfig{URL: url, Prefix: prefix, Want: 7, TTL: 300 * time.Millisecond,
		OnLost: func() { close(lost) }})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	// Renewed: still held after several TTLs.
	time.Sleep(time.Second) // several renewal periods of a real Redis key's TTL
	if v, _ := c.Get(ctx, l.key).Result(); v != l.token {
		t.Fatalf("after 1 s the key holds %q, want the lease", v)
	}
	c.Del(ctx, l.key)
	waitFor(t, "re-take after the key vanished", func() bool {
		v, _ := c.Get(ctx, l.key).Result()
		return v == l.token
	})
	select {
	case <-lost:
		t.Fatal("OnLost after a re-take")
	default:
	}
	c.Set(ctx, l.key, "intruder", time.Minute)
	select {
	case <-lost:
	case <-time.After(5 * time.Second):
		t.Fatal("OnLost not called when another holder took the id")
	}
	// Close does not delete the other holder's lease.
	l.Close()
	if v, _ := c.Get(ctx, l.key).Result(); v != "intruder" {
		t.Fatalf("Close deleted another holder's lease: %q", v)
	}
}
