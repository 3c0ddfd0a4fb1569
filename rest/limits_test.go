package rest_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/rest"
)

// rawRequest writes head (and body) on a fresh connection and returns the answer.
func rawRequest(t *testing.T, base, head string, body io.Reader) (*http.Response, []byte) {
	t.Helper()
	c, err := net.Dial("tcp", strings.TrimPrefix(base, "http://"))
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(10 * time.Second))
	if _, err := io.WriteString(c, head); err != nil {
		t.Fatal(err)
	}
	if body != nil {
		_, _ = io.Copy(c, body) // the server may stop reading and answer early
	}
	res, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatalf("read answer: %v", err)
	}
	defer res.Body.Close()
	b, _ := io.ReadAll(res.Body)
	return res, b
}

// Body caps: JSON routes take JSONBodyLimit, multipart uploads UploadBodyLimit, whether the
// size is announced (refused before reading) or not (chunked: cut while reading).
func TestBodyLimits(t *testing.T) {
	e := newEnv(t, func(c *rest.Config) { c.JSONBodyLimit = 8 << 10; c.UploadBodyLimit = 64 << 10 })
	w := e.newWorld(t)
	b := w.bot.Token
	msgs := "/api/v10/channels/" + w.channelID + "/messages"
	json := func(n int) string { return `{"content":"` + strings.Repeat("a", n) + `"}` }
	// fasthttp reads the first 8 KiB of any body before routing (into a pooled buffer);
	// a client that announces more and sends less than that waits for its read time-out (TestTimeouts).
	prefetch := strings.Repeat("{", 9<<10)
	chunked := func(s string) string {
		return fmt.Sprintf("%x\r\n%s\r\n0\r\n\r\n", len(s), s)
	}
	cases := []struct {
		name   string
		head   string
		body   string
		status int
	}{
		{"json within", "POST " + msgs + " HTTP/1.1\r\nHost: x\r\nAuthorization: " + b + "\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n", json(1000 - 14), 200},
		{"json announced over", "POST " + msgs + " HTTP/1.1\r\nHost: x\r\nAuthorization: " + b + "\r\nContent-Type: application/json\r\nContent-Length: 25000000\r\n\r\n", prefetch, 413},
		{"json chunked over", "POST " + msgs + " HTTP/1.1\r\nHost: x\r\nAuthorization: " + b + "\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n", chunked(json(9 << 10)), 413},
		{"json cap on a non-upload route", "PATCH /api/v10/users/@me HTTP/1.1\r\nHost: x\r\nAuthorization: " + b + "\r\nContent-Type: application/json\r\nContent-Length: 9000\r\n\r\n", json(9000 - 14), 413},
		{"multipart announced over", "POST " + msgs + " HTTP/1.1\r\nHost: x\r\nAuthorization: " + b + "\r\nContent-Type: multipart/form-data; boundary=xx\r\nContent-Length: 70000\r\n\r\n", prefetch, 413},
		{"unauthenticated huge", "POST " + msgs + " HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 25000000\r\n\r\n", prefetch, 401},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			res, body := rawRequest(t, e.base, tc.head, strings.NewReader(tc.body))
			if res.StatusCode != tc.status {
				t.Fatalf("status %d, want %d: %s", res.StatusCode, tc.status, body)
			}
			if res.StatusCode == 413 && !bytes.Contains(body, []byte(`"code":40005`)) {
				t.Fatalf("413 body %s", body)
			}
			if res.StatusCode >= 400 && !res.Close {
				t.Fatal("an answer given without reading the body must close the connection")
			}
		})
	}
	// A multipart upload above the JSON cap but within the upload cap goes through.
	r := e.send(t, "POST", "/channels/"+w.channelID+"/messages", b, map[string]any{"content": "file"},
		upload{"files[0]", "a.bin", "application/octet-stream", bytes.Repeat([]byte{1}, 32<<10)})
	want(t, r, 200)
	// Chunked multipart over the upload cap is cut while reading.
	var mp bytes.Buffer
	mp.WriteString("--xx\r\nContent-Disposition: form-data; name=\"files[0]\"; filename=\"a\"\r\n\r\n")
	mp.Write(bytes.Repeat([]byte{'z'}, 70<<10))
	mp.WriteString("\r\n--xx--\r\n")
	res, body := rawRequest(t, e.base, "POST "+msgs+" HTTP/1.1\r\nHost: x\r\nAuthorization: "+b+
		"\r\nContent-Type: multipart/form-data; boundary=xx\r\nTransfer-Encoding: chunked\r\n\r\n", strings.NewReader(chunked(mp.String())))
	if res.StatusCode != 413 {
		t.Fatalf("chunked multipart over the cap: %d %s", res.StatusCode, body)
	}
}

// Time-outs: a connection that sends nothing, or trickles its headers, is closed at the
// header time-out; one that stalls its body, at the read time-out.
func TestTimeouts(t *testing.T) {
	e := newEnv(t, func(c *rest.Config) {
		c.ReadHeaderTimeout = 300 * time.Millisecond
		c.ReadTimeout = 600 * time.Millisecond
		c.IdleTimeout = 300 * time.Millisecond
	})
	w := e.newWorld(t)
	addr := strings.TrimPrefix(e.base, "http://")
	closedWithin := func(t *testing.T, c net.Conn, d time.Duration, trickle string) {
		t.Helper()
		start := time.Now()
		done := make(chan struct{})
		go func() {
			defer close(done)
			_ = c.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, _ = io.Copy(io.Discard, c)
		}()
		tick := time.NewTicker(100 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				if el := time.Since(start); el > d {
					t.Fatalf("closed after %v, want within %v", el, d)
				}
				return
			case <-tick.C:
				if trickle != "" {
					_, _ = io.WriteString(c, trickle)
				}
			}
		}
	}
	dial := func(t *testing.T) net.Conn {
		c, err := net.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	t.Run("idle connection", func(t *testing.T) { closedWithin(t, dial(t), 2*time.Second, "") })
	t.Run("trickled header", func(t *testing.T) {
		c := dial(t)
		io.WriteString(c, "GET /api/v10/gateway HTTP/1.1\r\n")
		closedWithin(t, c, 2*time.Second, "X-A: b\r\n")
	})
	t.Run("stalled body", func(t *testing.T) {
		c := dial(t)
		fmt.Fprintf(c, "POST /api/v10/channels/%s/messages HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{", w.channelID, w.bot.Token)
		closedWithin(t, c, 3*time.Second, "")
	})
	t.Run("keep-alive idle", func(t *testing.T) {
		c := dial(t)
		io.WriteString(c, "GET /api/v10/gateway HTTP/1.1\r\nHost: x\r\n\r\n")
		res, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil || res.StatusCode != 200 {
			t.Fatalf("%v %v", res, err)
		}
		closedWithin(t, c, 2*time.Second, "")
	})
}

// A full disk on the embedded store (max_page_count reached) answers 503 with Retry-After
// and Discord's JSON, logs once for the whole outage, and recovers without a restart when
// space returns.
func TestDiskFull(t *testing.T) {
	logs := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	var outages *guilds.Outages
	var e *env
	e = newEnv(t, func(c *rest.Config) {
		c.Logger = log
		// The probe runs only once an outage has started, when e is set.
		c.Outages = guilds.NewOutages(func(ctx context.Context) error { return guilds.WriteProbe(e.store)(ctx) }, 50*time.Millisecond, log)
		outages = c.Outages
	})
	t.Cleanup(outages.Close)
	w := e.newWorld(t)
	path := "/channels/" + w.channelID + "/messages"
	want(t, e.call(t, "POST", path, w.bot.Token, map[string]any{"content": "before"}), 200)

	ctx := context.Background()
	if err := e.store.SetMaxPages(ctx, 1); err != nil { // capped at the current size
		t.Fatal(err)
	}
	big := strings.Repeat("x", 1900)
	var full resp
	for i := 0; ; i++ {
		full = e.call(t, "POST", path, w.bot.Token, map[string]any{"content": big})
		if full.Status != 200 || i > 5000 {
			break
		}
	}
	if full.Status != 503 {
		t.Fatalf("filling the store: status %d %s, want 503", full.Status, full.Body)
	}
	if ra := full.Header.Get("Retry-After"); ra != "2" {
		t.Fatalf("Retry-After %q, want 2", ra)
	}
	if ct := full.Header.Get("Content-Type"); ct != "application/json" {
		t.Fatalf("Content-Type %q", ct)
	}
	if string(full.Body) != `{"code":0,"message":"503: Service Unavailable"}` {
		t.Fatalf("body %s", full.Body)
	}
	for range 5 {
		want(t, e.call(t, "POST", path, w.bot.Token, map[string]any{"content": big}), 503)
	}
	// Reads still work while the disk is full.
	want(t, e.call(t, "GET", path+"?limit=1", w.bot.Token, nil), 200)
	if !outages.Down() || outages.Count() != 1 {
		t.Fatalf("down %v count %d, want one outage under way", outages.Down(), outages.Count())
	}

	if err := e.store.SetMaxPages(ctx, 0); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(10 * time.Second)
	for outages.Down() {
		if time.Now().After(deadline) {
			t.Fatal("the outage did not end after space returned")
		}
		time.Sleep(20 * time.Millisecond)
	}
	want(t, e.call(t, "POST", path, w.bot.Token, map[string]any{"content": "after"}), 200)
	out := logs.String()
	if n := strings.Count(out, "store unavailable"); n != 1 {
		t.Fatalf("%d outage lines, want 1:\n%s", n, out)
	}
	if strings.Count(out, "store recovered") != 1 || strings.Contains(out, "request failed") {
		t.Fatalf("want one recovery line and no per-request errors:\n%s", out)
	}
}
