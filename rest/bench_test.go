package rest_test

import (
	"net/http"
	"strconv"
	"testing"
	"time"

	"github.com/parley-chat/parley/rest"
)

// benchEnv is a server with limits out of the way and one channel with history.
func benchEnv(b *testing.B) (*env, world) {
	e := newEnv(b, func(c *rest.Config) {
		c.RateLimits.Global = 1 << 30
		for k := range c.RateLimits.Routes {
			c.RateLimits.Routes[k] = rest.Rate{Limit: 1 << 30, Window: time.Second}
		}
	})
	// Keep one connection per parallel client alive (the default keeps 2 per host).
	// Cleanups run last-registered first: idle connections close before the server shuts down.
	tr := &http.Transport{MaxIdleConnsPerHost: 256}
	b.Cleanup(tr.CloseIdleConnections)
	e.client = &http.Client{Timeout: 30 * time.Second, Transport: tr}
	return e, e.newWorld(b)
}

// BenchmarkCreateMessage is POST /channels/{id}/messages over HTTP (Fiber + real domain +
// embedded store), sequential.
func BenchmarkCreateMessage(b *testing.B) {
	e, w := benchEnv(b)
	path := "/channels/" + w.channelID + "/messages"
	body := map[string]any{"content": "benchmark message with some text", "nonce": "1"}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		body["nonce"] = strconv.Itoa(i)
		if r := e.call(b, "POST", path, w.bot.Token, body); r.Status != 200 {
			b.Fatalf("status %d %s", r.Status, r.Body)
		}
	}
}

// BenchmarkReadHistory is GET /channels/{id}/messages?limit=50 over 200 messages.
func BenchmarkReadHistory(b *testing.B) {
	e, w := benchEnv(b)
	path := "/channels/" + w.channelID + "/messages"
	for i := 0; i < 200; i++ {
		e.call(b, "POST", path, w.bot.Token, map[string]any{"content": "history " + strconv.Itoa(i)})
	}
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := e.call(b, "GET", path+"?limit=50", w.bot.Token, nil); r.Status != 200 {
			b.Fatalf("status %d %s", r.Status, r.Body)
		}
	}
}

// seedHistory posts n messages to the world's channel; every replyEvery-th (0: none) replies
// to the message before it.
func seedHistory(b *testing.B, e *env, w world, n, replyEvery int) string {
	path := "/channels/" + w.channelID + "/messages"
	prev := ""
	for i := 0; i < n; i++ {
		body := map[string]any{"content": "history " + strconv.Itoa(i) + " <@" + w.member.ID + ">"}
		if replyEvery > 0 && i%replyEvery == 0 && prev != "" {
			body["message_reference"] = map[string]any{"message_id": prev}
		}
		r := e.call(b, "POST", path, w.bot.Token, body)
		if r.Status != 200 {
			b.Fatalf("seed: status %d %s", r.Status, r.Body)
		}
		prev = str(r.obj(b), "id")
	}
	return path
}

// BenchmarkReadHistoryReplies is GET ?limit=50 where every other message is a reply that
// mentions a member (referenced messages and mentioned users must be loaded).
func BenchmarkReadHistoryReplies(b *testing.B) {
	e, w := benchEnv(b)
	path := seedHistory(b, e, w, 200, 2)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		if r := e.call(b, "GET", path+"?limit=50", w.bot.Token, nil); r.Status != 200 {
			b.Fatalf("status %d %s", r.Status, r.Body)
		}
	}
}

// BenchmarkReadHistoryParallel is GET ?before=…&limit=50 from GOMAXPROCS×4 concurrent
// clients (S7's shape: keyset pages, bot token), the human member and the bot alternating.
func BenchmarkReadHistoryParallel(b *testing.B) {
	e, w := benchEnv(b)
	path := seedHistory(b, e, w, 200, 4)
	r := e.call(b, "GET", path+"?limit=1", w.bot.Token, nil)
	newest := str(r.arr(b)[0].(map[string]any), "id")
	b.SetParallelism(4)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		n := 0
		for pb.Next() {
			tok := w.bot.Token
			if n%2 == 1 {
				tok = w.member.Token
			}
			n++
			if r := e.call(b, "GET", path+"?before="+newest+"&limit=50", tok, nil); r.Status != 200 {
				b.Errorf("status %d %s", r.Status, r.Body)
				return
			}
		}
	})
}

// BenchmarkCurrentUser is GET /users/@me (S8's cheap REST) from concurrent clients, bot and
// human tokens alternating.
func BenchmarkCurrentUser(b *testing.B) {
	e, w := benchEnv(b)
	b.SetParallelism(4)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		n := 0
		for pb.Next() {
			tok := w.bot.Token
			if n%2 == 1 {
				tok = w.member.Token
			}
			n++
			if r := e.call(b, "GET", "/users/@me", tok, nil); r.Status != 200 {
				b.Errorf("status %d %s", r.Status, r.Body)
				return
			}
		}
	})
}

// BenchmarkGateway is GET /gateway (public, no store access) from concurrent clients: the
// floor of the HTTP stack (client included).
func BenchmarkGateway(b *testing.B) {
	e, _ := benchEnv(b)
	b.SetParallelism(4)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		for pb.Next() {
			if r := e.call(b, "GET", "/gateway", "", nil); r.Status != 200 {
				b.Errorf("status %d %s", r.Status, r.Body)
				return
			}
		}
	})
}

// BenchmarkCreateMessageParallel is POST /channels/{id}/messages from concurrent clients (bot
// and human alternating) in one channel, with a user mention: S6's write path minus the gateway.
func BenchmarkCreateMessageParallel(b *testing.B) {
	e, w := benchEnv(b)
	path := "/channels/" + w.channelID + "/messages"
	b.SetParallelism(4)
	b.ReportAllocs()
	b.ResetTimer()
	b.RunParallel(func(pb *testing.PB) {
		n := 0
		for pb.Next() {
			tok := w.bot.Token
			if n%2 == 1 {
				tok = w.member.Token
			}
			n++
			body := map[string]any{"content": "parallel message <@" + w.owner.ID + ">"}
			if r := e.call(b, "POST", path, tok, body); r.Status != 200 {
				b.Errorf("status %d %s", r.Status, r.Body)
				return
			}
		}
	})
}
