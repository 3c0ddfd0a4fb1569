package main

import (
	"errors"
	"net/http"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// TestDrainOnSignal: cancelling run's context (what SIGTERM does) with --drain-time sends op
// 7 to a connected bot, refuses new gateway connections, keeps REST serving while the client
// is still there, and exits 0 once the client has left (stop fails the test on another code).
func TestDrainOnSignal(t *testing.T) {
	srv := startServer(t, t.TempDir(), "--drain-time", "200ms")
	f := srv.fixture(t, "drainer", 0)
	g := identify(t, srv, f.botToken, 1)
	g.expect("READY")

	stopped := make(chan struct{})
	go func() { srv.stop(); close(stopped) }()
	for {
		fr, err := g.read(10 * time.Second)
		if err != nil {
			t.Fatalf("waiting for op 7: %v", err)
		}
		if fr.Op == 7 {
			break
		}
	}
	if ws, resp, err := websocket.DefaultDialer.Dial(srv.GatewayURL+"/?v=10&encoding=json", nil); err == nil {
		ws.Close()
		t.Fatal("gateway accepted a connection while draining")
	} else if !errors.Is(err, websocket.ErrBadHandshake) || resp.StatusCode != http.StatusServiceUnavailable {
		t.Fatalf("dial while draining: %v, want 503", err)
	}
	var me map[string]any
	if code := srv.api(t, "GET", "/users/@me", "Bot "+f.botToken, nil, &me); code != http.StatusOK {
		t.Fatalf("REST while draining: %d", code)
	}
	// The bot leaves to resume elsewhere, as libraries do on op 7.
	_ = g.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(4000, "reconnect"), time.Now().Add(time.Second))
	select {
	case <-stopped:
	case <-time.After(30 * time.Second):
		t.Fatal("parley did not exit after the client left")
	}
}
