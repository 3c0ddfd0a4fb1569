package gateway

import (
	"context"
	"net/http"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
)

func TestDrainSteps(t *testing.T) {
	for _, tc := range []struct {
		n            int
		d            time.Duration
		steps, per   int
		wantInterval time.Duration
	}{
		{0, time.Second, 0, 0, 0},
		{5, 0, 1, 5, 0},
		{5, time.Second, 5, 1, 200 * time.Millisecond},
		{1000, time.Second, 20, 50, 50 * time.Millisecond},
		{7, 150 * time.Millisecond, 3, 3, 50 * time.Millisecond}, // 3+3+1
		{3, time.Millisecond, 1, 3, time.Millisecond},            // shorter than a tick: one batch
	} {
		steps, per, interval := drainSteps(tc.n, tc.d)
		if steps != tc.steps || per != tc.per || interval != tc.wantInterval {
			t.Errorf("drainSteps(%d, %v) = %d, %d, %v; want %d, %d, %v", tc.n, tc.d, steps, per, interval, tc.steps, tc.per, tc.wantInterval)
		}
	}
}

// drainWatch polls clients during a drain on the bubble's clock: when each got op 7, and
// which dispatches each got before it.
type drainWatch struct {
	t       *testing.T
	start   time.Time
	clients []*client
	toldAt  map[int]time.Duration
	before  map[int][]string // dispatch names received before op 7
}

// poll waits until the bubble is idle, then records what has arrived.
func (w *drainWatch) poll() {
	synctest.Wait()
	for i, c := range w.clients {
		for done := false; !done; {
			select {
			case m := <-c.msgs:
				switch {
				case m.Op == -1:
					w.t.Fatalf("client %d: %s", i, m.raw)
				case m.Op == 7:
					if _, dup := w.toldAt[i]; dup {
						w.t.Fatalf("client %d got op 7 twice", i)
					}
					w.toldAt[i] = time.Since(w.start)
				case m.Op == 0:
					if _, told := w.toldAt[i]; !told {
						w.before[i] = append(w.before[i], m.name())
					}
				}
			default:
				done = true
			}
		}
	}
}

// Shutdown with a drain time spreads op 7 over it (on the fake clock: one session per
// 200 ms with five sessions and 1 s), keeps dispatching to the sessions not yet told,
// refuses new connections at once, and returns as soon as the told clients have left (they
// close with 4000, as libraries do on op 7), long before the grace ends.
func TestShutdownSpreadsReconnects(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const n, drainTime = 5, time.Second
		ts := newBubbleServer(t, Config{DrainTime: drainTime, DrainGrace: time.Minute}, nil)
		w := &drainWatch{t: t, toldAt: map[int]time.Duration{}, before: map[int][]string{}}
		for range n {
			c := dial(t, ts.url, dialOpt{})
			c.hello()
			c.identify("tokB", iBasic, "")
			w.clients = append(w.clients, c)
		}
		w.start = time.Now()
		done := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
			defer cancel()
			done <- ts.srv.Shutdown(ctx)
		}()
		w.poll()
		if len(w.toldAt) != 1 {
			t.Fatalf("%d of %d sessions told op 7 at the start, want 1 (spread over %v)", len(w.toldAt), n, drainTime)
		}

		// A new connection is refused while draining.
		d := websocket.Dialer{NetDialContext: pipeDialer(ts.url)}
		if ws, resp, err := d.Dial(ts.url+"/?v=10&encoding=json", nil); err == nil {
			ws.Close()
			t.Fatal("upgrade accepted while draining")
		} else if resp == nil || resp.StatusCode != http.StatusServiceUnavailable {
			t.Fatalf("dial while draining: %v (resp %v), want 503", err, resp)
		}

		// Sessions not yet told still get dispatches.
		ts.srv.publish(context.Background(), events.Event{Name: opcodes.EventGuildRoleUpdate, GuildID: guild0}, map[string]any{"guild_id": guild0})
		w.poll()
		for i := range w.clients {
			if _, told := w.toldAt[i]; told {
				continue
			}
			if got := w.before[i]; len(got) != 1 || got[0] != "GUILD_ROLE_UPDATE" {
				t.Errorf("client %d, not yet told, got %v before op 7, want the GUILD_ROLE_UPDATE", i, got)
			}
		}

		// Each told client leaves, as a library does on op 7 (4000: it will resume).
		left := map[int]bool{}
		var returnedAt time.Duration
		for returnedAt == 0 {
			for i, c := range w.clients {
				if _, told := w.toldAt[i]; told && !left[i] {
					left[i] = true
					_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(4000, "reconnect"), time.Now().Add(time.Second))
				}
			}
			select {
			case err := <-done:
				if err != nil {
					t.Fatalf("Shutdown: %v", err)
				}
				returnedAt = time.Since(w.start)
				continue
			default:
			}
			if time.Since(w.start) > 10*time.Second {
				t.Fatalf("Shutdown has not returned after %v; told %v", time.Since(w.start), w.toldAt)
			}
			advance(10 * time.Millisecond)
			w.poll()
		}
		if len(w.toldAt) != n {
			t.Fatalf("told %d of %d sessions: %v", len(w.toldAt), n, w.toldAt)
		}
		seen := map[time.Duration]int{}
		for i, at := range w.toldAt {
			if at >= drainTime || at%(drainTime/n) != 0 {
				t.Errorf("client %d told at %v, want a multiple of %v before %v", i, at, drainTime/n, drainTime)
			}
			seen[at]++
		}
		if len(seen) != n {
			t.Errorf("op 7 times %v, want %d distinct batches of one", w.toldAt, n)
		}
		if returnedAt >= drainTime+time.Second {
			t.Errorf("Shutdown returned at %v, want right after the last client left (< %v)", returnedAt, drainTime+time.Second)
		}
	})
}

// A client that ignores op 7 is closed with 4000 (reconnectable, session kept) once the
// grace after its op 7 ends, and Shutdown then returns without error.
func TestShutdownClosesAfterGrace(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		const grace = 30 * time.Second
		ts := newBubbleServer(t, Config{DrainTime: time.Second, DrainGrace: grace}, nil)
		c := dial(t, ts.url, dialOpt{})
		c.hello()
		sess := sessionID(t, c.identify("tokB", iBasic, ""))
		start := time.Now()
		done := make(chan error, 1)
		go func() {
			ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
			defer cancel()
			done <- ts.srv.Shutdown(ctx)
		}()
		c.expectOp(7)
		advance(grace - time.Nanosecond)
		synctest.Wait()
		select {
		case code := <-c.closed:
			t.Fatalf("closed with %d before the grace ended", code)
		default:
		}
		c.expectClose(4000)
		if got := time.Since(start); got != grace {
			t.Errorf("closed %v after Shutdown began, want the grace %v", got, grace)
		}
		if err := <-done; err != nil {
			t.Fatalf("Shutdown: %v", err)
		}
		if _, err := ts.srv.store.Get(context.Background(), sess); err != nil {
			t.Fatalf("session %s not resumable after the drain: %v", sess, err)
		}
	})
}
