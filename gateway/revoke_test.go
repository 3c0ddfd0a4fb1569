package gateway

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/snowflake"
)

// publishRevocation publishes a revocation as the domain does.
func publishRevocation(srv *Server, r guilds.Revocation) {
	srv.publish(context.Background(), events.Event{Name: guilds.EventTokensRevoked, UserIDs: []snowflake.ID{r.UserID}, Cache: true}, r)
}

// TestRevocationClosesSessions: a revoked token family closes, with 4004, the sessions it
// opened and no others, and they cannot be resumed.
func TestRevocationClosesSessions(t *testing.T) {
	dom := standardDomain()
	dom.addUser("phone", guilds.Identity{UserID: human, TokenFamily: "fam-phone"})
	dom.addUser("laptop", guilds.Identity{UserID: human, TokenFamily: "fam-laptop"})
	dom.addUser("botA-old", guilds.Identity{UserID: botA, Bot: true, TokenFamily: "bot:1"})
	ts := newTestServer(t, Config{}, dom)

	phone := dial(t, ts.url, dialOpt{})
	phone.hello()
	ready := phone.identify("phone", iBasic, "")
	laptop := dial(t, ts.url, dialOpt{})
	laptop.hello()
	laptop.identify("laptop", iBasic, "")
	bot := dial(t, ts.url, dialOpt{})
	bot.hello()
	bot.identify("botA-old", iBasic, "")

	publishRevocation(ts.srv, guilds.Revocation{UserID: human, Family: "fam-phone"})
	phone.expectClose(4004)
	// The other family's session is untouched and gets no stray dispatch.
	publishMessage(t, ts.srv, guild0, chanG0, botB, "still here")
	laptop.expectDispatch("MESSAGE_CREATE")
	bot.expectDispatch("MESSAGE_CREATE")

	// The revoked session is gone, even for a valid token of the same user.
	again := dial(t, ts.url, dialOpt{})
	again.hello()
	again.sendf(`{"op":6,"d":{"token":"laptop","session_id":%q,"seq":1}}`, sessionID(t, ready))
	if m := again.expectOp(9); string(m.D) != "false" {
		t.Fatalf("resume of a revoked session: op 9 d = %s", m.D)
	}

	// A bot token reset, as another node's bus delivers it.
	raw, _ := json.Marshal(guilds.Revocation{UserID: botA, Family: "bot:1"})
	busListener{ts.srv}.Receive(context.Background(), events.Event{Name: guilds.EventTokensRevoked,
		UserIDs: []snowflake.ID{botA}, Cache: true, Data: raw}, false)
	bot.expectClose(4004)
	// A malformed revocation is dropped, not dispatched.
	busListener{ts.srv}.Receive(context.Background(), events.Event{Name: guilds.EventTokensRevoked,
		UserIDs: []snowflake.ID{human}, Data: json.RawMessage(`{}`)}, false)
	// Had anything been sent for it, it would arrive before this message.
	publishMessage(t, ts.srv, guild0, chanG0, botB, "after the malformed one")
	laptop.expectDispatch("MESSAGE_CREATE")
}

// TestResumeMovesSessionToNewFamily: a session resumed with another family's token belongs
// to that family from then on.
func TestResumeMovesSessionToNewFamily(t *testing.T) {
	dom := standardDomain()
	dom.addUser("old", guilds.Identity{UserID: human, TokenFamily: "fam-old"})
	dom.addUser("new", guilds.Identity{UserID: human, TokenFamily: "fam-new"})
	ts := newTestServer(t, Config{}, dom)
	a := dial(t, ts.url, dialOpt{})
	a.hello()
	ready := a.identify("old", iBasic, "")
	a.ws.Close()
	b := dial(t, ts.url, dialOpt{})
	b.hello()
	b.sendf(`{"op":6,"d":{"token":"new","session_id":%q,"seq":3}}`, sessionID(t, ready))
	b.expectDispatch("RESUMED")
	publishRevocation(ts.srv, guilds.Revocation{UserID: human, Family: "fam-old"})
	publishMessage(t, ts.srv, guild0, chanG0, botB, "after")
	b.expectDispatch("MESSAGE_CREATE")
	publishRevocation(ts.srv, guilds.Revocation{UserID: human, Family: "fam-new"})
	b.expectClose(4004)
}

// revokedDuringIdentify answers Authenticate once, then refuses the token: a revocation that
// landed while the session was being set up.
type revokedDuringIdentify struct {
	*fakeDomain
	calls atomic.Int32
}

func (r *revokedDuringIdentify) Authenticate(ctx context.Context, token string) (guilds.Identity, error) {
	if r.calls.Add(1) > 1 {
		return guilds.Identity{}, guilds.ErrUnauthorized
	}
	return r.fakeDomain.Authenticate(ctx, token)
}

func TestRevocationDuringIdentify(t *testing.T) {
	dom := &revokedDuringIdentify{fakeDomain: standardDomain()}
	srv, err := New(Config{IdentifyInterval: time.Nanosecond}, dom)
	if err != nil {
		t.Fatal(err)
	}
	hs := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		hs.Close()
	})
	c := dial(t, "ws"+strings.TrimPrefix(hs.URL, "http"), dialOpt{})
	c.hello()
	c.sendf(`{"op":2,"d":{"token":"tokH","intents":%d,"properties":{"os":"linux","browser":"test","device":"test"}}}`, iBasic)
	c.expectClose(4004)
	if n := len(srv.hub.userSessions(human)); n != 0 {
		t.Fatalf("%d sessions left in the hub", n)
	}
}

func TestGatewayOrigins(t *testing.T) {
	for _, tc := range []struct {
		name    string
		allowed []string
		origin  string
		ok      bool
	}{
		{"no origin header", nil, "", true},
		{"no origins configured", nil, "https://chat.example.org", false},
		{"listed", []string{"https://chat.example.org/"}, "https://chat.example.org", true},
		{"listed, configured in upper case", []string{"HTTPS://Chat.Example.org"}, "https://chat.example.org", true},
		{"other origin", []string{"https://chat.example.org"}, "https://evil.example", false},
		{"other scheme", []string{"https://chat.example.org"}, "http://chat.example.org", false},
		{"other port", []string{"https://chat.example.org"}, "https://chat.example.org:8443", false},
		{"null origin", []string{"https://chat.example.org"}, "null", false},
	} {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, Config{AllowedOrigins: tc.allowed}, nil)
			h := http.Header{}
			if tc.origin != "" {
				h.Set("Origin", tc.origin)
			}
			d := websocket.Dialer{HandshakeTimeout: 5 * time.Second}
			ws, resp, err := d.Dial(ts.url+"/?v=10&encoding=json", h)
			if tc.ok {
				if err != nil {
					t.Fatalf("dial: %v", err)
				}
				ws.Close()
				return
			}
			if err == nil {
				ws.Close()
				t.Fatal("upgrade accepted")
			}
			if resp == nil || resp.StatusCode != http.StatusForbidden {
				t.Fatalf("refusal: resp %v, err %v; want 403", resp, err)
			}
			var body struct {
				Message string `json:"message"`
				Code    *int   `json:"code"`
			}
			if json.NewDecoder(resp.Body).Decode(&body) != nil || body.Code == nil {
				t.Fatalf("refusal body is not Discord's error shape")
			}
		})
	}
}
