package redisbus

import (
	"context"
	"testing"
	"time"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/guilds/events/eventstest"
	"github.com/parley-chat/parley/storage/testenv"
)

func TestSessionsConformance(t *testing.T) {
	url := testenv.RedisURL(t)
	eventstest.SessionStore(t, 4, func(t *testing.T) events.SessionStore {
		prefix := testenv.RedisPrefix(t, url)
		s, err := NewSessions(context.Background(), url, prefix, events.SessionLimits{Limit: 4, TTL: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { s.Close() })
		return s
	})
}

// TestSessionsTTL checks the keys carry the resume window as their expiry.
func TestSessionsTTL(t *testing.T) {
	url := testenv.RedisURL(t)
	prefix := testenv.RedisPrefix(t, url)
	s, err := NewSessions(context.Background(), url, prefix, events.SessionLimits{Limit: 4, TTL: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	defer s.Close()
	ctx := context.Background()
	if err := s.Write(ctx, []events.SessionWrite{{ID: "t", Owner: "a", State: &events.SessionState{ID: "t"},
		Frames: []events.SessionFrame{{Seq: 1, Name: "X", Data: []byte(`{}`)}}}}); err != nil {
		t.Fatal(err)
	}
	c := rawClient(t, url)
	for _, k := range []string{prefix + "gs:t", prefix + "gs:t:f"} {
		if ttl := c.PTTL(ctx, k).Val(); ttl <= 0 || ttl > time.Minute {
			t.Fatalf("%s TTL = %v", k, ttl)
		}
	}
}

// FuzzDecodeFrame: frames read back from Redis never panic the decoder, and encoded frames
// round-trip.
func FuzzDecodeFrame(f *testing.F) {
	f.Add("12 MESSAGE_CREATE {\"a\":1}")
	f.Add("x")
	f.Add("1  ")
	f.Fuzz(func(t *testing.T, r string) {
		fr, err := decodeFrame(r)
		if err != nil {
			return
		}
		back, err := decodeFrame(string(encodeFrame(fr)))
		if err != nil || back.Seq != fr.Seq || back.Name != fr.Name || string(back.Data) != string(fr.Data) {
			t.Fatalf("round trip of %q: %+v %v", r, back, err)
		}
	})
}
