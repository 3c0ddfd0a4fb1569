package events_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/guilds/events/eventstest"
)

func TestMemorySessions(t *testing.T) {
	eventstest.SessionStore(t, 4, func(*testing.T) events.SessionStore {
		return events.NewMemorySessions(events.SessionLimits{Limit: 4, TTL: time.Hour}, nil)
	})
}

func TestMemorySessionsExpire(t *testing.T) {
	now := time.Unix(1000, 0)
	st := events.NewMemorySessions(events.SessionLimits{Limit: 4, TTL: time.Minute}, func() time.Time { return now })
	ctx := context.Background()
	if err := st.Write(ctx, []events.SessionWrite{{ID: "x", Owner: "a", State: &events.SessionState{ID: "x"}}}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(59 * time.Second)
	if _, _, _, err := st.Load(ctx, "x"); err != nil {
		t.Fatalf("within TTL: %v", err)
	}
	now = now.Add(time.Second)
	if _, _, _, err := st.Load(ctx, "x"); !errors.Is(err, events.ErrNoSession) {
		t.Fatalf("after TTL: %v", err)
	}
}
