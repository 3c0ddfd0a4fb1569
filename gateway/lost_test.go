package gateway

import (
	"testing"
	"testing/synctest"
)

// TestLostInvalidatesSessions: when the bus reports events lost for good, every session on
// the node is closed with a resumable code and ended, so the client's RESUME gets op 9 and
// it identifies again instead of going on with a silent hole.
func TestLostInvalidatesSessions(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ts := newBubbleServer(t, Config{}, nil)
		a := dial(t, ts.url, dialOpt{})
		a.hello()
		ready := a.identify("tokA", iBasic, "")
		b := dial(t, ts.url, dialOpt{})
		b.hello()
		b.identify("tokB", iBasic, "")

		busListener{ts.srv}.Lost()
		a.expectClose(4000)
		b.expectClose(4000)

		c := dial(t, ts.url, dialOpt{})
		c.hello()
		c.sendf(`{"op":6,"d":{"token":"tokA","session_id":%q,"seq":1}}`, sessionID(t, ready))
		if m := c.expectOp(9); string(m.D) != "false" {
			t.Fatalf("resume after a loss: op 9 d = %s", m.D)
		}
		c.identify("tokA", iBasic, "")
	})
}
