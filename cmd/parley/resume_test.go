package main

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/parley-chat/parley/storage/testenv"
)

// resumeOn opens a socket on s and sends RESUME.
func resumeOn(t *testing.T, s *server, token, sessionID string, seq int64) *gw {
	t.Helper()
	g := dial(t, s.GatewayURL)
	if hello, err := g.read(5 * time.Second); err != nil || hello.Op != 10 {
		t.Fatalf("hello = %+v, %v", hello, err)
	}
	g.send(fmt.Sprintf(`{"op":6,"d":{"token":%q,"session_id":%q,"seq":%d}}`, token, sessionID, seq))
	return g
}

// nextFrame reads the next frame, skipping heartbeat acks.
func (g *gw) nextFrame() frame {
	g.t.Helper()
	for {
		f, err := g.read(10 * time.Second)
		if err != nil {
			g.t.Fatalf("read: %v", err)
		}
		if f.Op != 11 {
			return f
		}
	}
}

// TestResumeAcrossNodes: a bot identified on node A resumes on node B (same Postgres and
// Redis) with exactly the dispatches it missed, after its socket dropped and after node A was
// killed; a seq older than the replay buffer gets op 9; a resume while A still holds the
// socket takes it over.
func TestResumeAcrossNodes(t *testing.T) {
	redisURL := testenv.RedisURL(t)
	dbURL, _ := testenv.PostgresSchema(t)
	prefix := testenv.RedisPrefix(t, redisURL)
	common := []string{"--database-url", dbURL, "--redis-url", redisURL, "--redis-prefix", prefix,
		"--public-resume-url", "wss://gateway.example.test", "--replay-buffer", "8", "--identify-limits", "off", "--rate-limits", "off"}
	a := startChild(t, common...)
	b := startServer(t, t.TempDir(), common...)
	f := b.fixture(t, "resumer", 1<<19)
	const intents = 1 | 1<<9 | 1<<15
	bot := "Bot " + f.botToken

	post := func(content string) {
		t.Helper()
		b.api(t, "POST", "/channels/"+f.channelID+"/messages", f.userToken, map[string]any{"content": content}, nil)
	}
	content := func(fr frame) string {
		var m map[string]any
		json.Unmarshal(fr.D, &m)
		s, _ := m["content"].(string)
		return s
	}
	identifyOn := func(s *server) (g *gw, sessionID string, seq int64) {
		t.Helper()
		g = identify(t, s, bot, intents)
		ready := g.expect("READY")
		var rd map[string]any
		json.Unmarshal(ready.D, &rd)
		if rd["resume_gateway_url"] != "wss://gateway.example.test" {
			t.Fatalf("resume_gateway_url = %v", rd["resume_gateway_url"])
		}
		gc := g.expect("GUILD_CREATE")
		post("live")
		m := g.expect("MESSAGE_CREATE")
		if content(m) != "live" || *m.S != *gc.S+1 {
			t.Fatalf("live MESSAGE_CREATE s=%d after GUILD_CREATE s=%d: %s", *m.S, *gc.S, m.D)
		}
		return g, rd["session_id"].(string), *m.S
	}
	expectReplay := func(g *gw, from int64, want ...string) {
		t.Helper()
		for i, w := range want {
			fr := g.nextFrame()
			if fr.Op != 0 || fr.T == nil || *fr.T != "MESSAGE_CREATE" || *fr.S != from+1+int64(i) || content(fr) != w {
				t.Fatalf("replay %d: op %d t %v s %v %s; want MESSAGE_CREATE s=%d %q", i, fr.Op, fr.T, fr.S, fr.D, from+1+int64(i), w)
			}
		}
		fr := g.nextFrame()
		if fr.T == nil || *fr.T != "RESUMED" || *fr.S != from+int64(len(want))+1 {
			t.Fatalf("after replay: op %d t %v s %v", fr.Op, fr.T, fr.S)
		}
	}

	// 1. The socket drops; messages are posted; the bot resumes on B.
	t.Cleanup(func() {
		if t.Failed() {
			t.Logf("node A:\n%s", a.logs)
		}
	})
	g, sid, seq := identifyOn(a.server)
	g.ws.Close()
	post("missed 1")
	post("missed 2")
	r := resumeOn(t, b, bot, sid, seq)
	expectReplay(r, seq, "missed 1", "missed 2")
	post("after")
	if m := r.expect("MESSAGE_CREATE"); *m.S != seq+4 || content(m) != "after" {
		t.Fatalf("live after resume: s=%d %s", *m.S, m.D)
	}
	r.ws.Close()

	// 2. A resume with a seq older than the replay buffer (8) gets op 9.
	g, sid, seq = identifyOn(a.server)
	g.ws.Close()
	for i := range 10 {
		post(fmt.Sprint("flood ", i))
	}
	r = resumeOn(t, b, bot, sid, seq)
	if fr := r.nextFrame(); fr.Op != 9 || string(fr.D) != "false" {
		t.Fatalf("too-old resume: op %d d %s", fr.Op, fr.D)
	}

	// 3. Takeover: A still holds the socket; the resume on B closes it.
	g, sid, seq = identifyOn(a.server)
	r = resumeOn(t, b, bot, sid, seq)
	expectReplay(r, seq)
	g.expectClose(4000)
	r.ws.Close()

	// 4. Node A is killed (no drain) after its session missed a message; the bot resumes on B
	// and gets it: A had flushed it to Redis (write-behind, every 5 ms).
	g, sid, seq = identifyOn(a.server)
	g.ws.Close()
	post("before A dies")
	time.Sleep(500 * time.Millisecond) // A received it over Redis and flushed its frame
	a.kill()
	r = resumeOn(t, b, bot, sid, seq)
	expectReplay(r, seq, "before A dies")
	post("on B")
	if m := r.expect("MESSAGE_CREATE"); *m.S != seq+3 || content(m) != "on B" {
		t.Fatalf("live after resume: s=%d %s", *m.S, m.D)
	}
}
