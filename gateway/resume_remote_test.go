package gateway

import (
	"fmt"
	"testing"
	"testing/synctest"
	"time"

	"github.com/parley-chat/parley/guilds/events"
)

// twoNodes starts two gateways on one bus and one shared session store, as two nodes on one
// Redis would be. Call inside a synctest bubble.
func twoNodes(t *testing.T, cfg Config) (a, b *testServer) {
	t.Helper()
	bus := events.NewMemory()
	t.Cleanup(func() { bus.Close() })
	limit := cfg.ReplayBufferSize
	if limit == 0 {
		limit = 1024
	}
	shared := events.NewMemorySessions(events.SessionLimits{Limit: limit, TTL: 3 * time.Minute}, nil)
	dom := standardDomain()
	cfg.Bus, cfg.Shared, cfg.ResumeURL = bus, shared, "wss://gateway.example.test"
	cfg.NodeID = "A"
	a = newBubbleServer(t, cfg, dom)
	cfg.NodeID = "B"
	b = newBubbleServer(t, cfg, dom)
	return a, b
}

// flushed lets the replicators' write-behind interval pass.
func flushed() { advance(20 * time.Millisecond) }

func TestResumeOnOtherNode(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		na, nb := twoNodes(t, Config{})
		a := dial(t, na.url, dialOpt{})
		a.hello()
		ready := a.identify("tokA", iBasic|iMessageContent, "")
		if url := ready.data(t)["resume_gateway_url"]; url != "wss://gateway.example.test" {
			t.Fatalf("resume_gateway_url = %v", url)
		}
		publishMessage(t, na.srv, guild0, chanG0, human, "live")
		if m := a.expectDispatch("MESSAGE_CREATE"); m.seq() != 4 {
			t.Fatalf("first live dispatch s = %d, want 4", m.seq())
		}
		a.ws.Close()
		synctest.Wait()
		for i := range 3 {
			publishMessage(t, nb.srv, guild0, chanG0, human, fmt.Sprint("missed ", i))
		}
		flushed()
		b := dial(t, nb.url, dialOpt{})
		b.hello()
		b.sendf(`{"op":6,"d":{"token":"Bot tokA","session_id":%q,"seq":4}}`, sessionID(t, ready))
		for i := range 3 {
			m := b.expectDispatch("MESSAGE_CREATE")
			if m.seq() != int64(5+i) || contentOf(t, m) != fmt.Sprint("missed ", i) {
				t.Fatalf("replay %d: s=%d %s", i, m.seq(), m.raw)
			}
		}
		if r := b.expectDispatch("RESUMED"); r.seq() != 8 {
			t.Fatalf("RESUMED s = %d, want 8", r.seq())
		}
		publishMessage(t, na.srv, guild0, chanG0, human, "after")
		m := b.expectDispatch("MESSAGE_CREATE")
		if m.seq() != 9 || contentOf(t, m) != "after" {
			t.Fatalf("live after resume: s=%d %s", m.seq(), m.raw)
		}
		b.expectNothing()
		// Node A forgot the session: it holds no session for the user any more.
		if n := len(na.srv.hub.userSessions(botA)); n != 0 {
			t.Fatalf("node A still holds %d sessions", n)
		}

		// And back to A: B replicated what it sent.
		publishMessage(t, na.srv, guild0, chanG0, human, "missed on B")
		b.ws.Close()
		synctest.Wait()
		flushed()
		c := dial(t, na.url, dialOpt{})
		c.hello()
		c.sendf(`{"op":6,"d":{"token":"Bot tokA","session_id":%q,"seq":9}}`, sessionID(t, ready))
		if m := c.expectDispatch("MESSAGE_CREATE"); m.seq() != 10 || contentOf(t, m) != "missed on B" {
			t.Fatalf("replay back on A: s=%d %s", m.seq(), m.raw)
		}
		if r := c.expectDispatch("RESUMED"); r.seq() != 11 {
			t.Fatalf("RESUMED s = %d, want 11", r.seq())
		}
	})
}

func TestResumeOnOtherNodeTakesOver(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		na, nb := twoNodes(t, Config{})
		a := dial(t, na.url, dialOpt{})
		a.hello()
		ready := a.identify("tokA", iBasic, "")
		flushed()
		b := dial(t, nb.url, dialOpt{})
		b.hello()
		b.sendf(`{"op":6,"d":{"token":"tokA","session_id":%q,"seq":3}}`, sessionID(t, ready))
		b.expectDispatch("RESUMED")
		a.expectClose(4000)
		publishMessage(t, na.srv, guild0, chanG0, human, "to b")
		if m := b.expectDispatch("MESSAGE_CREATE"); m.seq() != 5 {
			t.Fatalf("live s = %d, want 5", m.seq())
		}
		b.expectNothing()
	})
}

func TestResumeOnOtherNodeInvalid(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		na, nb := twoNodes(t, Config{ReplayBufferSize: 2})
		expect9 := func(sid string, seq int) {
			t.Helper()
			c := dial(t, nb.url, dialOpt{})
			c.hello()
			c.sendf(`{"op":6,"d":{"token":"tokA","session_id":%q,"seq":%d}}`, sid, seq)
			if m := c.expectOp(9); string(m.D) != "false" {
				t.Fatalf("op 9 d = %s", m.D)
			}
		}
		a := dial(t, na.url, dialOpt{})
		a.hello()
		ready := a.identify("tokA", iBasic, "")
		a.ws.Close()
		synctest.Wait()
		for range 3 {
			publishMessage(t, na.srv, guild0, chanG0, human, "overflow")
		}
		flushed()
		// Seq 3 needs frames 4..6; the buffer kept 5 and 6.
		expect9(sessionID(t, ready), 3)
		// The failed resume ended the session everywhere.
		expect9(sessionID(t, ready), 6)

		// A seq beyond what the store holds (frames the old node never flushed) is op 9 too.
		a = dial(t, na.url, dialOpt{})
		a.hello()
		ready = a.identify("tokA", iBasic, "")
		a.ws.Close()
		synctest.Wait()
		flushed()
		expect9(sessionID(t, ready), 9)
	})
}
