package main

import (
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/gorilla/websocket"
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
