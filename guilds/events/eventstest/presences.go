package eventstest

import (
	"context"
	"testing"
	"time"

	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// PresenceStore is the gateway's presence store (gateway.PresenceStore), restated here so the
// domain-side implementations (redisbus) can be tested without the gateway.
type PresenceStore interface {
	SetPresence(ctx context.Context, userID snowflake.ID, d opcodes.PresenceUpdateData) error
	Presences(ctx context.Context, userIDs []snowflake.ID) (map[snowflake.ID]opcodes.PresenceUpdateData, error)
	ClearPresence(ctx context.Context, userID snowflake.ID) (offline bool, err error)
}

// PresenceImpl is what TestPresences needs from an implementation.
type PresenceImpl struct {
	// New returns an empty store of its own (no presences of other tests), as one node sees it.
	New func(t *testing.T) PresenceStore
	// Sibling returns another node's view of the same store as s. Nil: the store is per
	// node, and the cluster checks are skipped.
	Sibling func(t *testing.T, s PresenceStore) PresenceStore
}

// TestPresences runs the PresenceStore contract.
func TestPresences(t *testing.T, impl PresenceImpl) {
	ctx := context.Background()
	online := opcodes.PresenceUpdateData{Status: "online", Activities: []opcodes.Activity{{Name: "chess", Type: 0}}}
	idle := opcodes.PresenceUpdateData{Status: "idle", AFK: true}

	t.Run("SetGetClear", func(t *testing.T) {
		s := impl.New(t)
		if got, err := s.Presences(ctx, []snowflake.ID{1, 2}); err != nil || len(got) != 0 {
			t.Fatalf("empty store: %v %v", got, err)
		}
		if off, err := s.ClearPresence(ctx, 1); err != nil || off {
			t.Fatalf("clear unknown user: offline=%v %v, want false", off, err)
		}
		if err := s.SetPresence(ctx, 1, online); err != nil {
			t.Fatal(err)
		}
		if err := s.SetPresence(ctx, 2, online); err != nil {
			t.Fatal(err)
		}
		if err := s.SetPresence(ctx, 2, idle); err != nil { // the last one wins
			t.Fatal(err)
		}
		got, err := s.Presences(ctx, []snowflake.ID{1, 2, 3})
		if err != nil || len(got) != 2 {
			t.Fatalf("presences: %v %v", got, err)
		}
		if p := got[1]; p.Status != "online" || len(p.Activities) != 1 || p.Activities[0].Name != "chess" {
			t.Fatalf("user 1: %+v", p)
		}
		if p := got[2]; p.Status != "idle" || !p.AFK {
			t.Fatalf("user 2 (set twice): %+v", p)
		}
		if off, err := s.ClearPresence(ctx, 1); err != nil || !off {
			t.Fatalf("clear user 1: offline=%v %v, want true", off, err)
		}
		if off, err := s.ClearPresence(ctx, 1); err != nil || off {
			t.Fatalf("clear user 1 again: offline=%v %v, want false", off, err)
		}
		got, err = s.Presences(ctx, []snowflake.ID{1, 2})
		if _, ok := got[1]; err != nil || ok || got[2].Status != "idle" {
			t.Fatalf("after clearing user 1: %v %v", got, err)
		}
		if got, err := s.Presences(ctx, nil); err != nil || len(got) != 0 {
			t.Fatalf("no users asked: %v %v", got, err)
		}
	})

	t.Run("TwoNodes", func(t *testing.T) {
		if impl.Sibling == nil {
			t.Skip("per-node store")
		}
		a := impl.New(t)
		b := impl.Sibling(t, a)
		if err := a.SetPresence(ctx, 7, online); err != nil {
			t.Fatal(err)
		}
		if got, err := b.Presences(ctx, []snowflake.ID{7}); err != nil || got[7].Status != "online" {
			t.Fatalf("node B sees A's presence: %v %v", got, err)
		}
		if err := b.SetPresence(ctx, 7, idle); err != nil { // a second session, on B
			t.Fatal(err)
		}
		if got, err := a.Presences(ctx, []snowflake.ID{7}); err != nil || got[7].Status != "idle" {
			t.Fatalf("node A sees B's update: %v %v", got, err)
		}
		if off, err := a.ClearPresence(ctx, 7); err != nil || off {
			t.Fatalf("A's last session ends while B holds one: offline=%v %v, want false", off, err)
		}
		if got, err := a.Presences(ctx, []snowflake.ID{7}); err != nil || got[7].Status != "idle" {
			t.Fatalf("still online through B: %v %v", got, err)
		}
		if off, err := b.ClearPresence(ctx, 7); err != nil || !off {
			t.Fatalf("the last session anywhere ends: offline=%v %v, want true", off, err)
		}
		if got, err := a.Presences(ctx, []snowflake.ID{7}); err != nil || len(got) != 0 {
			t.Fatalf("offline everywhere: %v %v", got, err)
		}
	})
}

// IdentifyLimiter is the gateway's Identify limiter (gateway.IdentifyLimiter), restated here.
type IdentifyLimiter interface {
	AllowIdentify(ctx context.Context, userID snowflake.ID, bucket int, interval time.Duration, limit int, window time.Duration) (bool, error)
	SessionStarts(ctx context.Context, userID snowflake.ID, window time.Duration) (used int, resetAfter time.Duration, err error)
}

// IdentifyImpl is what TestIdentifyLimiter needs from an implementation.
type IdentifyImpl struct {
	// New returns an empty limiter of its own.
	New func(t *testing.T) IdentifyLimiter
	// Sibling returns another node's view of the same limiter. Nil: per node.
	Sibling func(t *testing.T, l IdentifyLimiter) IdentifyLimiter
}

// TestIdentifyLimiter runs the IdentifyLimiter contract. Intervals and windows are long (an
// hour, a day), so nothing expires during the test and nothing depends on timing.
func TestIdentifyLimiter(t *testing.T, impl IdentifyImpl) {
	ctx := context.Background()
	const interval, window = time.Hour, 24 * time.Hour
	allow := func(t *testing.T, l IdentifyLimiter, user snowflake.ID, bucket, limit int, want bool) {
		t.Helper()
		ok, err := l.AllowIdentify(ctx, user, bucket, interval, limit, window)
		if err != nil || ok != want {
			t.Fatalf("identify user %d bucket %d: %v %v, want %v", user, bucket, ok, err, want)
		}
	}
	t.Run("Buckets", func(t *testing.T) {
		l := impl.New(t)
		if used, reset, err := l.SessionStarts(ctx, 1, window); err != nil || used != 0 || reset != 0 {
			t.Fatalf("fresh: used=%d reset=%v %v", used, reset, err)
		}
		allow(t, l, 1, 0, 10, true)
		allow(t, l, 1, 0, 10, false) // the bucket is busy for the interval
		allow(t, l, 1, 1, 10, true)  // another bucket is not
		allow(t, l, 2, 0, 10, true)  // nor another bot's
		used, reset, err := l.SessionStarts(ctx, 1, window)
		if err != nil || used != 2 || reset <= 0 || reset > window {
			t.Fatalf("user 1: used=%d reset=%v %v, want 2 and (0, %v]", used, reset, err, window)
		}
	})
	t.Run("Budget", func(t *testing.T) {
		l := impl.New(t)
		allow(t, l, 1, 0, 2, true)
		allow(t, l, 1, 1, 2, true)
		allow(t, l, 1, 2, 2, false) // the budget is spent; the denial is not counted
		if used, _, err := l.SessionStarts(ctx, 1, window); err != nil || used != 2 {
			t.Fatalf("used=%d %v, want 2", used, err)
		}
	})
	t.Run("TwoNodes", func(t *testing.T) {
		if impl.Sibling == nil {
			t.Skip("per-node limiter")
		}
		a := impl.New(t)
		b := impl.Sibling(t, a)
		allow(t, a, 1, 0, 3, true)
		allow(t, b, 1, 0, 3, false) // one bucket across both nodes
		allow(t, b, 1, 1, 3, true)
		allow(t, a, 1, 2, 3, true)
		allow(t, b, 1, 3, 3, false) // one budget
		if used, _, err := b.SessionStarts(ctx, 1, window); err != nil || used != 3 {
			t.Fatalf("B sees used=%d %v, want 3", used, err)
		}
	})
}
