package eventstest

import (
	"context"
	"errors"
	"fmt"
	"testing"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/snowflake"
)

// SessionStore runs the events.SessionStore contract. newStore returns an empty store that
// keeps at most limit frames per session (and a TTL far longer than the test).
func SessionStore(t *testing.T, limit int, newStore func(t *testing.T) events.SessionStore) {
	ctx := context.Background()
	frame := func(seq int64) events.SessionFrame {
		return events.SessionFrame{Seq: seq, Name: "MESSAGE_CREATE", Data: fmt.Appendf(nil, `{"n":%d}`, seq)}
	}
	state := events.SessionState{ID: "s1", UserID: 42, Bot: true, Intents: 513, ShardID: 1, NumShards: 2,
		LargeThreshold: 50, Family: "fam", Guilds: []snowflake.ID{7, 9}}

	t.Run("unknown", func(t *testing.T) {
		st := newStore(t)
		if _, _, _, err := st.Load(ctx, "nope"); !errors.Is(err, events.ErrNoSession) {
			t.Fatalf("Load unknown: %v", err)
		}
		if _, err := st.Claim(ctx, "nope", "b"); !errors.Is(err, events.ErrNoSession) {
			t.Fatalf("Claim unknown: %v", err)
		}
		if _, err := st.Owner(ctx, "nope"); !errors.Is(err, events.ErrNoSession) {
			t.Fatalf("Owner unknown: %v", err)
		}
		// Frames without a state create nothing.
		if err := st.Write(ctx, []events.SessionWrite{{ID: "nope", Owner: "a", Frames: []events.SessionFrame{frame(1)}}}); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := st.Load(ctx, "nope"); !errors.Is(err, events.ErrNoSession) {
			t.Fatalf("frames alone created a session: %v", err)
		}
	})

	t.Run("write load trim", func(t *testing.T) {
		st := newStore(t)
		s := state
		ws := []events.SessionWrite{{ID: "s1", Owner: "a", State: &s, Frames: []events.SessionFrame{frame(1)}}}
		if err := st.Write(ctx, ws); err != nil {
			t.Fatal(err)
		}
		var more []events.SessionFrame
		for i := int64(2); i <= int64(limit)+3; i++ {
			more = append(more, frame(i))
		}
		if err := st.Write(ctx, []events.SessionWrite{{ID: "s1", Owner: "a", Frames: more}}); err != nil {
			t.Fatal(err)
		}
		got, last, frames, err := st.Load(ctx, "s1")
		if err != nil {
			t.Fatal(err)
		}
		if got.UserID != 42 || got.Intents != 513 || got.ShardID != 1 || got.NumShards != 2 || !got.Bot ||
			got.Family != "fam" || len(got.Guilds) != 2 || got.Guilds[1] != 9 || got.Owner != "a" {
			t.Fatalf("state = %+v", got)
		}
		if last != int64(limit)+3 || len(frames) != limit {
			t.Fatalf("last %d, %d frames; want %d, %d", last, len(frames), limit+3, limit)
		}
		for i, f := range frames {
			want := frame(int64(i) + 4)
			if f.Seq != want.Seq || f.Name != want.Name || string(f.Data) != string(want.Data) {
				t.Fatalf("frame %d = %+v, want %+v", i, f, want)
			}
		}
	})

	t.Run("claim fences", func(t *testing.T) {
		st := newStore(t)
		s := state
		if err := st.Write(ctx, []events.SessionWrite{{ID: "s1", Owner: "a", State: &s, Frames: []events.SessionFrame{frame(1)}}}); err != nil {
			t.Fatal(err)
		}
		prev, err := st.Claim(ctx, "s1", "b")
		if err != nil || prev != "a" {
			t.Fatalf("Claim = %q, %v", prev, err)
		}
		if o, err := st.Owner(ctx, "s1"); err != nil || o != "b" {
			t.Fatalf("Owner = %q, %v", o, err)
		}
		// The old owner's late write and delete are ignored.
		if err := st.Write(ctx, []events.SessionWrite{{ID: "s1", Owner: "a", Frames: []events.SessionFrame{frame(2)}}}); err != nil {
			t.Fatal(err)
		}
		if err := st.Delete(ctx, "s1", "a"); err != nil {
			t.Fatal(err)
		}
		got, last, frames, err := st.Load(ctx, "s1")
		if err != nil || last != 1 || len(frames) != 1 || got.Owner != "b" {
			t.Fatalf("after fenced write: %+v last %d frames %d err %v", got, last, len(frames), err)
		}
		// The new owner writes on.
		s2 := state
		s2.Guilds = []snowflake.ID{7}
		if err := st.Write(ctx, []events.SessionWrite{{ID: "s1", Owner: "b", State: &s2, Frames: []events.SessionFrame{frame(2)}}}); err != nil {
			t.Fatal(err)
		}
		got, last, frames, err = st.Load(ctx, "s1")
		if err != nil || last != 2 || len(frames) != 2 || len(got.Guilds) != 1 {
			t.Fatalf("new owner's write: %+v last %d frames %d err %v", got, last, len(frames), err)
		}
		if err := st.Delete(ctx, "s1", "b"); err != nil {
			t.Fatal(err)
		}
		if _, _, _, err := st.Load(ctx, "s1"); !errors.Is(err, events.ErrNoSession) {
			t.Fatalf("after Delete: %v", err)
		}
	})

	t.Run("batch", func(t *testing.T) {
		st := newStore(t)
		var ws []events.SessionWrite
		for i := range 5 {
			s := state
			s.ID = fmt.Sprint("b", i)
			ws = append(ws, events.SessionWrite{ID: s.ID, Owner: "a", State: &s, Frames: []events.SessionFrame{frame(1), frame(2)}})
		}
		if err := st.Write(ctx, ws); err != nil {
			t.Fatal(err)
		}
		for i := range 5 {
			if _, last, frames, err := st.Load(ctx, fmt.Sprint("b", i)); err != nil || last != 2 || len(frames) != 2 {
				t.Fatalf("b%d: last %d frames %d err %v", i, last, len(frames), err)
			}
		}
	})
}
