package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-chat/parley/storage/testenv"
)

// TestLogoutClosesGatewaySession: logging out through REST revokes the token's family, and
// the gateway session it opened closes with 4004; the token never reaches the logs.
func TestLogoutClosesGatewaySession(t *testing.T) {
	srv := startServer(t, t.TempDir())
	f := srv.fixture(t, "alice", 0)
	g := identify(t, srv, f.userToken, 1)
	g.expect("READY")

	if code := srv.api(t, "POST", "/auth/logout", f.userToken, map[string]any{"provider": nil, "voip_provider": nil}, nil); code != 204 {
		t.Fatalf("logout: HTTP %d", code)
	}
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := g.read(time.Until(deadline))
		if err == nil {
			continue // GUILD_CREATE, heartbeat ACKs
		}
		if ce, ok := err.(*websocket.CloseError); !ok || ce.Code != 4004 {
			t.Fatalf("gateway after logout: %v, want close 4004", err)
		}
		break
	}
	req, _ := http.NewRequest("GET", srv.RESTURL+"/api/v10/users/@me", nil)
	req.Header.Set("Authorization", f.userToken)
	res, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 401 {
		t.Fatalf("GET /users/@me after logout: HTTP %d, want 401", res.StatusCode)
	}
	for _, secret := range []string{f.userToken, f.botToken} {
		if strings.Contains(srv.logs.String(), secret) {
			t.Fatalf("a token reached the log (debug level):\n%s", srv.logs)
		}
	}
}

// TestBrowserOrigins: Parley's own origin is allowed by default, --allowed-origins adds
// others (normalised), anything else is refused by both listeners.
func TestBrowserOrigins(t *testing.T) {
	srv := startServer(t, t.TempDir(), "--allowed-origins", "HTTPS://Chat.Example.org:443/, http://localhost:3000")
	own := srv.RESTURL // http://127.0.0.1:port, no path
	for origin, ok := range map[string]bool{
		own:                        true,
		"https://chat.example.org": true,
		"http://localhost:3000":    true,
		"https://evil.example":     false,
		"http://chat.example.org":  false,
	} {
		req, _ := http.NewRequest("OPTIONS", srv.RESTURL+"/api/v10/users/@me", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "GET")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if got := res.StatusCode == 204 && res.Header.Get("Access-Control-Allow-Origin") == origin; got != ok {
			t.Errorf("REST preflight from %s: %d %v, allowed = %v, want %v", origin, res.StatusCode, res.Header, got, ok)
		}

		h := http.Header{"Origin": {origin}}
		ws, resp, err := websocket.DefaultDialer.Dial(srv.GatewayURL+"/?v=10&encoding=json", h)
		if ws != nil {
			ws.Close()
		}
		if (err == nil) != ok {
			t.Errorf("gateway upgrade from %s: err %v, want allowed = %v", origin, err, ok)
		}
		if !ok && (resp == nil || resp.StatusCode != 403) {
			t.Errorf("gateway refusal for %s: %v, want 403", origin, resp)
		}
	}
}

// expectClose reads until the gateway closes and checks the code.
func (g *gw) expectClose(code int) {
	g.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for {
		_, err := g.read(time.Until(deadline))
		if err == nil {
			continue
		}
		if ce, ok := err.(*websocket.CloseError); !ok || ce.Code != code {
			g.t.Fatalf("gateway: %v, want close %d", err, code)
		}
		return
	}
}

// TestMultiNodeRevocation: a logout or bot-token reset on node A stops the token on node B
// at once (REST and gateway), and the login throttle counts across both nodes.
func TestMultiNodeRevocation(t *testing.T) {
	redisURL := testenv.RedisURL(t)
	dbURL, _ := testenv.PostgresSchema(t)
	prefix := testenv.RedisPrefix(t, redisURL) // keys (rate limits, login throttle) deleted at cleanup
	node := func(worker string) *server {
		return startServer(t, t.TempDir(), "--database-url", dbURL, "--redis-url", redisURL,
			"--redis-prefix", prefix, "--worker-id", worker)
	}
	a, b := node("1"), node("2")
	f := a.fixture(t, "revoker", 0)

	// Within a short time, not at the next cache expiry (30 s for families, 5 s for bots).
	refusedOnB := func(what, token string) {
		t.Helper()
		start := time.Now()
		code, _ := b.status(t, "GET", "/users/@me", token)
		for code == 200 && time.Since(start) < time.Second {
			time.Sleep(time.Millisecond)
			code, _ = b.status(t, "GET", "/users/@me", token)
		}
		if code != 401 {
			t.Fatalf("%s: node B still answers %d", what, code)
		}
		t.Logf("%s: node B refuses the token after %v", what, time.Since(start))
	}

	// A user's session on B, and B's cache holding the family as valid.
	g := identify(t, b, f.userToken, 1)
	g.expect("READY")
	if code, body := b.status(t, "GET", "/users/@me", f.userToken); code != 200 {
		t.Fatalf("user on B: %d %s", code, body)
	}
	if code := a.api(t, "POST", "/auth/logout", f.userToken, nil, nil); code != 204 {
		t.Fatalf("logout on A: %d", code)
	}
	refusedOnB("logout on A", f.userToken)
	g.expectClose(4004)

	// A bot connected to B; its owner resets the token through A.
	var login map[string]any
	a.api(t, "POST", "/auth/login", "", map[string]any{"login": "revoker", "password": "a long password"}, &login)
	owner := login["token"].(string)
	bg := identify(t, b, f.botToken, 1)
	bg.expect("READY")
	if code, _ := b.status(t, "GET", "/users/@me", "Bot "+f.botToken); code != 200 {
		t.Fatalf("bot on B: %d", code)
	}
	a.api(t, "POST", "/applications/"+f.appID+"/bot/reset", owner, nil, nil)
	refusedOnB("bot token reset on A", "Bot "+f.botToken)
	bg.expectClose(4004)

	// The per-account login throttle is shared: 5 failures spread over both nodes, then 429.
	var last int
	for i := range 6 {
		s := a
		if i%2 == 1 {
			s = b
		}
		req, _ := http.NewRequest("POST", s.RESTURL+"/api/v10/auth/login", strings.NewReader(`{"login":"revoker","password":"wrong password"}`))
		req.Header.Set("Content-Type", "application/json")
		res, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		last = res.StatusCode
	}
	if last != 429 {
		t.Fatalf("6th failed login across both nodes: HTTP %d, want 429", last)
	}
}
