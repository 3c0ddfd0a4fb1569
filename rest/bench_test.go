package rest_test

import (
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
