package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// server is a parley started in-process through run(), as `parley serve` would be.
type server struct {
	RESTURL     string `json:"rest_url"`
	GatewayURL  string `json:"gateway_url"`
	ControlsURL string `json:"test_controls_url"`
	MetricsURL  string `json:"metrics_url"`
	stop        func()
	logs        *syncBuffer
	client      *http.Client // nil: http.DefaultClient (TLS tests set one trusting their CA)
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func startServer(t *testing.T, dataDir string, extra ...string) *server {
	t.Helper()
	ready := filepath.Join(t.TempDir(), "ready.json")
	args := append([]string{"serve", "--rest-addr", "127.0.0.1:0", "--gateway-addr", "127.0.0.1:0",
		"--data-dir", dataDir, "--ready-file", ready, "--log-level", "debug"}, extra...)
	ctx, cancel := context.WithCancel(context.Background())
	logs := &syncBuffer{}
	done := make(chan int, 1)
	go func() { done <- run(ctx, args, io.Discard, logs) }()
	srv := &server{logs: logs}
	deadline := time.Now().Add(30 * time.Second)
	for {
		b, err := os.ReadFile(ready)
		if err == nil && json.Unmarshal(b, srv) == nil {
			break
		}
		select {
		case code := <-done:
			t.Fatalf("parley exited with %d before listening:\n%s", code, logs)
		default:
		}
		if time.Now().After(deadline) {
			cancel()
			t.Fatalf("parley did not become ready:\n%s", logs)
		}
		// Real network: run serves real listeners on 127.0.0.1:0 (no synctest bubble), and
		// the ready file it writes once they listen is the same signal the compat suite
		// polls, so this test exercises it rather than a test-only hook.
		time.Sleep(20 * time.Millisecond)
	}
	var once sync.Once
	srv.stop = func() {
		once.Do(func() {
			cancel()
			select {
			case code := <-done:
				if code != 0 {
					t.Errorf("parley exited with %d:\n%s", code, logs)
				}
			case <-time.After(20 * time.Second):
				t.Errorf("parley did not shut down:\n%s", logs)
			}
		})
	}
	t.Cleanup(srv.stop)
	return srv
}

// api calls the REST API and decodes into out (map/slice), failing the test on error status.
func (s *server) api(t *testing.T, method, path, token string, body any, out any) int {
	t.Helper()
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, _ := http.NewRequest(method, s.RESTURL+"/api/v10"+path, rd)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	client := s.client
	if client == nil {
		client = http.DefaultClient
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode >= 300 {
		t.Fatalf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, b)
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			t.Fatalf("%s %s: decode %s: %v", method, path, b, err)
		}
	}
	return resp.StatusCode
}

type fixture struct {
	userToken, userID, guildID, channelID, appID, botToken string
}

func (s *server) fixture(t *testing.T, name string, appFlags int) fixture {
	t.Helper()
	var f fixture
	var reg map[string]any
	s.api(t, "POST", "/auth/register", "", map[string]any{"username": name, "password": "a long password"}, &reg)
	f.userToken = reg["token"].(string)
	var me map[string]any
	s.api(t, "GET", "/users/@me", f.userToken, nil, &me)
	f.userID = me["id"].(string)
	var g map[string]any
	s.api(t, "POST", "/guilds", f.userToken, map[string]any{"name": name + " guild"}, &g)
	f.guildID = g["id"].(string)
	var chans []map[string]any
	s.api(t, "GET", "/guilds/"+f.guildID+"/channels", f.userToken, nil, &chans)
	f.channelID = chans[0]["id"].(string)
	var app map[string]any
	s.api(t, "POST", "/applications", f.userToken, map[string]any{"name": name + " bot", "flags": appFlags}, &app)
	f.appID = app["id"].(string)
	var bot map[string]any
	s.api(t, "POST", "/applications/"+f.appID+"/bot", f.userToken, nil, &bot)
	f.botToken = bot["token"].(string)
	s.api(t, "POST", "/oauth2/authorize?client_id="+f.appID+"&scope=bot", f.userToken,
		map[string]any{"guild_id": f.guildID, "permissions": "0", "authorize": true}, nil)
	return f
}

// gw is a raw gateway client: JSON bytes in and out, no shared types.
type gw struct {
	t  *testing.T
	ws *websocket.Conn
}

func dial(t *testing.T, url string) *gw {
	t.Helper()
	ws, _, err := websocket.DefaultDialer.Dial(url+"/?v=10&encoding=json", nil)
	if err != nil {
		t.Fatalf("dial gateway: %v", err)
	}
	t.Cleanup(func() { ws.Close() })
	return &gw{t: t, ws: ws}
}

func (g *gw) send(v string) {
	g.t.Helper()
	if err := g.ws.WriteMessage(websocket.TextMessage, []byte(v)); err != nil {
		g.t.Fatalf("send: %v", err)
	}
}

type frame struct {
	Op int             `json:"op"`
	T  *string         `json:"t"`
	S  *int64          `json:"s"`
	D  json.RawMessage `json:"d"`
}

func (g *gw) read(timeout time.Duration) (frame, error) {
	g.ws.SetReadDeadline(time.Now().Add(timeout))
	_, b, err := g.ws.ReadMessage()
	if err != nil {
		return frame{}, err
	}
	var f frame
	if err := json.Unmarshal(b, &f); err != nil {
		g.t.Fatalf("frame %s: %v", b, err)
	}
	return f, nil
}

// expect reads until a dispatch named t arrives (skipping others), or fails.
func (g *gw) expect(t string) frame {
	g.t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for time.Now().Before(deadline) {
		f, err := g.read(time.Until(deadline))
		if err != nil {
			g.t.Fatalf("waiting for %s: %v", t, err)
		}
		if f.Op == 0 && f.T != nil && *f.T == t {
			return f
		}
	}
	g.t.Fatalf("no %s within 10s", t)
	return frame{}
}

// quiet asserts that no dispatch named t arrives within d.
func (g *gw) quiet(t string, d time.Duration) {
	g.t.Helper()
	end := time.Now().Add(d)
	for time.Now().Before(end) {
		f, err := g.read(time.Until(end))
		if err != nil {
			return
		}
		if f.Op == 0 && f.T != nil && *f.T == t {
			g.t.Fatalf("unexpected %s: %s", t, f.D)
		}
	}
}

func identify(t *testing.T, s *server, token string, intents int) *gw {
	t.Helper()
	g := dial(t, s.GatewayURL)
	hello, err := g.read(5 * time.Second)
	if err != nil || hello.Op != 10 {
		t.Fatalf("hello = %+v, %v", hello, err)
	}
	g.send(fmt.Sprintf(`{"op":2,"d":{"token":%q,"intents":%d,"properties":{"os":"linux","browser":"test","device":"test"}}}`, token, intents))
	return g
}

func TestEndToEnd(t *testing.T) {
	srv := startServer(t, t.TempDir())
	const guilds, guildMessages, messageContent = 1, 1 << 9, 1 << 15
	const contentFlag = 1 << 19 // GATEWAY_MESSAGE_CONTENT_LIMITED
	f := srv.fixture(t, "alice", contentFlag)

	// A bot with MESSAGE_CONTENT enabled and requested sees content; READY then GUILD_CREATE.
	g := identify(t, srv, f.botToken, guilds|guildMessages|messageContent)
	ready := g.expect("READY")
	var rd map[string]any
	json.Unmarshal(ready.D, &rd)
	if rd["resume_gateway_url"] != srv.GatewayURL || rd["session_id"] == "" || rd["application"] == nil {
		t.Fatalf("READY = %s", ready.D)
	}
	if *ready.S != 1 {
		t.Fatalf("READY s = %d, want 1", *ready.S)
	}
	gc := g.expect("GUILD_CREATE")
	var gcd map[string]any
	json.Unmarshal(gc.D, &gcd)
	if gcd["id"] != f.guildID || len(gcd["channels"].([]any)) != 1 {
		t.Fatalf("GUILD_CREATE = %s", gc.D)
	}

	content := "hi <b>there</b> & welcome"
	srv.api(t, "POST", "/channels/"+f.channelID+"/messages", f.userToken, map[string]any{"content": content}, nil)
	mc := g.expect("MESSAGE_CREATE")
	var msg map[string]any
	json.Unmarshal(mc.D, &msg)
	if msg["content"] != content || msg["guild_id"] != f.guildID {
		t.Fatalf("MESSAGE_CREATE = %s", mc.D)
	}

	// A second bot without the MESSAGE_CONTENT intent sees the event with empty content.
	f2 := srv.fixture(t, "bob", 0)
	g2 := identify(t, srv, f2.botToken, guilds|guildMessages)
	g2.expect("READY")
	g2.expect("GUILD_CREATE")
	srv.api(t, "POST", "/channels/"+f2.channelID+"/messages", f2.userToken, map[string]any{"content": "secret"}, nil)
	mc2 := g2.expect("MESSAGE_CREATE")
	json.Unmarshal(mc2.D, &msg)
	if msg["content"] != "" {
		t.Fatalf("content without MESSAGE_CONTENT = %q, want empty", msg["content"])
	}

	// Deny the first bot VIEW_CHANNEL on a new channel: it hears nothing from it.
	var ch map[string]any
	srv.api(t, "POST", "/guilds/"+f.guildID+"/channels", f.userToken, map[string]any{
		"name":                  "private",
		"permission_overwrites": []map[string]any{{"id": f.appID, "type": 1, "deny": "1024"}},
	}, &ch)
	srv.api(t, "POST", "/channels/"+ch["id"].(string)+"/messages", f.userToken, map[string]any{"content": "hidden"}, nil)
	g.quiet("MESSAGE_CREATE", 500*time.Millisecond)

	// Privileged intent the application has not enabled → 4014.
	g3 := identify(t, srv, f2.botToken, guilds|messageContent)
	_, err := g3.read(5 * time.Second)
	if ce, ok := err.(*websocket.CloseError); !ok || ce.Code != 4014 {
		t.Fatalf("identify with disallowed intent: %v, want close 4014", err)
	}
}

func TestDataSurvivesRestart(t *testing.T) {
	dir := t.TempDir()
	srv := startServer(t, dir)
	f := srv.fixture(t, "carol", 0)
	srv.api(t, "POST", "/channels/"+f.channelID+"/messages", f.userToken, map[string]any{"content": "remember me"}, nil)
	srv.stop()

	again := startServer(t, dir)
	var msgs []map[string]any
	again.api(t, "GET", "/channels/"+f.channelID+"/messages?limit=10", f.userToken, nil, &msgs)
	if len(msgs) != 1 || msgs[0]["content"] != "remember me" {
		t.Fatalf("after restart messages = %v", msgs)
	}
	// The token-signing secret persisted too: the bot token still works.
	var me map[string]any
	again.api(t, "GET", "/users/@me", "Bot "+f.botToken, nil, &me)
	if me["id"] != f.appID || me["bot"] != true {
		t.Fatalf("bot after restart = %v", me)
	}
	if !strings.Contains(again.logs.String(), "parley listening") {
		t.Fatalf("no listening log line:\n%s", again.logs)
	}
}

func TestTestControlsAbsentByDefault(t *testing.T) {
	srv := startServer(t, t.TempDir())
	httpURL := "http" + strings.TrimPrefix(srv.GatewayURL, "ws")
	for _, path := range []string{"/_parley/test/stats?user_id=1", "/_parley/test/disconnect"} {
		resp, err := http.Post(httpURL+path, "application/json", strings.NewReader(`{}`))
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if resp.StatusCode != http.StatusNotFound {
			t.Errorf("%s without --test-controls: HTTP %d, want 404", path, resp.StatusCode)
		}
	}
}

func TestDemoCommand(t *testing.T) {
	srv := startServer(t, t.TempDir())
	var out bytes.Buffer
	if code := run(context.Background(), []string{"demo", "--url", srv.RESTURL, "--json"}, &out, io.Discard); code != 0 {
		t.Fatalf("demo exited %d", code)
	}
	var res map[string]string
	if err := json.Unmarshal(out.Bytes(), &res); err != nil {
		t.Fatalf("demo output %q: %v", out.String(), err)
	}
	for _, k := range []string{"user_id", "user_token", "guild_id", "channel_id", "application_id", "bot_token"} {
		if res[k] == "" {
			t.Errorf("demo output lacks %s: %s", k, out.String())
		}
	}
	var g map[string]any
	srv.api(t, "GET", "/guilds/"+res["guild_id"], "Bot "+res["bot_token"], nil, &g)
	if g["id"] != res["guild_id"] {
		t.Fatalf("bot cannot see the demo guild: %v", g)
	}
}

func TestBadFlags(t *testing.T) {
	for _, args := range [][]string{{"--worker-id", "32"}, {"--log-level", "loud"}, {"--nope"}, {"extra"},
		{"--allowed-origins", "ftp://files.example.org"}, {"--allowed-origins", "https://chat.example.org/app"},
		{"--allowed-origins", "*"}, {"--allowed-origins", "chat.example.org"}} {
		if code := run(context.Background(), args, io.Discard, io.Discard); code != 2 {
			t.Errorf("run(%v) = %d, want 2", args, code)
		}
	}
}

// TestStoreErrors: a store that cannot open stops start-up with exit 1 and says which.
func TestStoreErrors(t *testing.T) {
	file := filepath.Join(t.TempDir(), "not-a-dir")
	if err := os.WriteFile(file, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		name string
		args []string
		want string
	}{
		{"data dir is a file", []string{"--data-dir", file}, "open embedded store"},
		{"postgres unreachable", []string{"--database-url", "postgres://postgres@127.0.0.1:1/none?connect_timeout=2"}, "open postgres"},
		{"postgres url malformed", []string{"--database-url", "postgres://%zz"}, "open postgres"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var stderr bytes.Buffer
			args := append([]string{"serve", "--rest-addr", "127.0.0.1:0", "--gateway-addr", "127.0.0.1:0"}, tt.args...)
			if code := run(context.Background(), args, io.Discard, &stderr); code != 1 {
				t.Fatalf("exit %d, want 1; stderr:\n%s", code, stderr.String())
			}
			if !strings.Contains(stderr.String(), tt.want) {
				t.Fatalf("stderr %q lacks %q", stderr.String(), tt.want)
			}
		})
	}
}
