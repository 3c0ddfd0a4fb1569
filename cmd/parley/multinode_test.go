package main

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/storage/testenv"
)

// status calls the REST API and returns the status code and body without judging them.
func (s *server) status(t *testing.T, method, path, token string) (int, string) {
	t.Helper()
	req, _ := http.NewRequest(method, s.RESTURL+"/api/v10"+path, nil)
	req.Header.Set("Authorization", token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer resp.Body.Close()
	var b strings.Builder
	buf := make([]byte, 4096)
	for {
		n, err := resp.Body.Read(buf)
		b.Write(buf[:n])
		if err != nil {
			break
		}
	}
	return resp.StatusCode, b.String()
}

// TestMultiNode runs two complete nodes in this process on one Postgres schema and one Redis:
// a bot connected to node B gets what is posted through node A's REST, and a permission
// change made through A is enforced by B's REST and gateway right after (B's permission cache
// is invalidated through the all-nodes channel).
func TestMultiNode(t *testing.T) {
	redisURL := testenv.RedisURL(t)
	dbURL, _ := testenv.PostgresSchema(t)      // every node opens it; migrations run on the first
	prefix := testenv.RedisPrefix(t, redisURL) // rate-limit keys are deleted at cleanup
	node := func(worker string) *server {
		return startServer(t, t.TempDir(), "--database-url", dbURL, "--redis-url", redisURL,
			"--redis-prefix", prefix, "--worker-id", worker)
	}
	a := node("1")
	b := startServer(t, t.TempDir(), "--database-url", dbURL, "--redis-url", redisURL, "--redis-prefix", prefix)
	for _, s := range []*server{a, b} {
		if !strings.Contains(s.logs.String(), "mode=\"multi-node (redis") {
			t.Fatalf("node does not log multi-node mode:\n%s", s.logs)
		}
	}
	// b named no worker ID: it leased a free pair, not a's (1, 0).
	if m := regexp.MustCompile(`snowflake node id leased.* worker=(\d+) process=(\d+)`).FindStringSubmatch(b.logs.String()); m == nil || (m[1] == "1" && m[2] == "0") {
		t.Fatalf("node b's lease: %v\n%s", m, b.logs)
	}
	// A third node asking for a's pair refuses to start.
	var errOut syncBuffer
	collide := run(context.Background(), []string{"serve", "--rest-addr", "127.0.0.1:0", "--gateway-addr", "127.0.0.1:0",
		"--data-dir", t.TempDir(), "--database-url", dbURL, "--redis-url", redisURL, "--redis-prefix", prefix,
		"--worker-id", "1"}, io.Discard, &errOut)
	if collide != 1 || !strings.Contains(errOut.String(), "leased by another node") {
		t.Fatalf("colliding --worker-id: exit %d\n%s", collide, errOut.String())
	}

	const guildsIntent, guildMessages, messageContent = 1, 1 << 9, 1 << 15
	const contentFlag = 1 << 19
	f := a.fixture(t, "multi", contentFlag)
	var second map[string]any
	a.api(t, "POST", "/guilds/"+f.guildID+"/channels", f.userToken, map[string]any{"name": "second"}, &second)
	ch2 := second["id"].(string)
	bot := "Bot " + f.botToken

	// The bot connects to node B; READY's resume URL is B's own.
	g := identify(t, b, f.botToken, guildsIntent|guildMessages|messageContent)
	ready := g.expect("READY")
	var rd map[string]any
	json.Unmarshal(ready.D, &rd)
	if rd["resume_gateway_url"] != b.GatewayURL {
		t.Fatalf("resume_gateway_url = %v, want node B's %s", rd["resume_gateway_url"], b.GatewayURL)
	}
	g.expect("GUILD_CREATE")

	// Node B's REST loads (and caches) the bot's permissions in the channel.
	if code, body := b.status(t, "GET", "/channels/"+f.channelID+"/messages", bot); code != 200 {
		t.Fatalf("bot reads the channel on B: %d %s", code, body)
	}

	// A message posted through A reaches the bot on B.
	start := time.Now()
	a.api(t, "POST", "/channels/"+f.channelID+"/messages", f.userToken, map[string]any{"content": "from node A"}, nil)
	mc := g.expect("MESSAGE_CREATE")
	t.Logf("A REST → B gateway: %v", time.Since(start))
	var msg map[string]any
	json.Unmarshal(mc.D, &msg)
	if msg["content"] != "from node A" || msg["channel_id"] != f.channelID {
		t.Fatalf("MESSAGE_CREATE on B = %s", mc.D)
	}

	// A denies the bot VIEW_CHANNEL; B's REST refuses right after.
	a.api(t, "PUT", "/channels/"+f.channelID+"/permissions/"+f.appID, f.userToken,
		map[string]any{"type": 1, "allow": "0", "deny": "1024"}, nil)
	changed := time.Now()
	firstCode, _ := b.status(t, "GET", "/channels/"+f.channelID+"/messages", bot)
	code := firstCode
	for code == 200 && time.Since(changed) < 2*time.Second {
		// Real network: the invalidation travels A → Redis pub/sub → B over TCP, so there is
		// nothing in-process to wait on; poll B's REST until it refuses (or 2 s pass).
		time.Sleep(time.Millisecond)
		code, _ = b.status(t, "GET", "/channels/"+f.channelID+"/messages", bot)
	}
	if code != 403 {
		t.Fatalf("bot reads the channel on B after A denied VIEW_CHANNEL: HTTP %d, want 403", code)
	}
	t.Logf("B enforced A's overwrite: first request after A's 200 got %d; 403 after %v", firstCode, time.Since(changed))

	// B's gateway honours it too: the hidden message never arrives, the next visible one does.
	a.api(t, "POST", "/channels/"+f.channelID+"/messages", f.userToken, map[string]any{"content": "hidden"}, nil)
	a.api(t, "POST", "/channels/"+ch2+"/messages", f.userToken, map[string]any{"content": "visible"}, nil)
	for {
		f := g.expect("MESSAGE_CREATE")
		json.Unmarshal(f.D, &msg)
		if msg["content"] == "hidden" {
			t.Fatalf("bot on B got a message from a channel it may not view: %s", f.D)
		}
		if msg["content"] == "visible" {
			break
		}
	}

	// The shared rate limiter: both nodes count one window per route.
	// (Defaults: POST /channels/{id}/messages is 5 per 5 s per user and channel.)
	var last int
	for i := range 6 {
		s := a
		if i%2 == 1 {
			s = b
		}
		req, _ := http.NewRequest("POST", s.RESTURL+"/api/v10/channels/"+ch2+"/messages", strings.NewReader(`{"content":"rl"}`))
		req.Header.Set("Authorization", f.userToken)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		last = resp.StatusCode
	}
	if last != 429 {
		t.Fatalf("6th message in 5 s across both nodes: HTTP %d, want 429", last)
	}
}

// TestRedisUnreachable: --redis-url pointing nowhere fails start-up with a clear message.
func TestRedisUnreachable(t *testing.T) {
	logs := &syncBuffer{}
	code := run(context.Background(), []string{"serve", "--rest-addr", "127.0.0.1:0", "--gateway-addr", "127.0.0.1:0",
		"--data-dir", t.TempDir(), "--redis-url", "redis://127.0.0.1:1/0"}, &syncBuffer{}, logs)
	if code != 1 || !strings.Contains(logs.String(), "--redis-url") || !strings.Contains(logs.String(), "unreachable") {
		t.Fatalf("exit %d, stderr:\n%s", code, logs)
	}
}
