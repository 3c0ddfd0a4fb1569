package gateway

import (
	"bytes"
	"compress/zlib"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/gorilla/websocket"
	"github.com/klauspost/compress/zstd"
)

// The test client speaks raw bytes and decodes into local types, never the opcodes structs,
// so a JSON bug shared by server and client cannot pass on both sides.

type testServer struct {
	srv *Server
	dom *fakeDomain
	ts  *httptest.Server
	url string // ws://host:port
}

func newTestServer(t *testing.T, cfg Config, dom *fakeDomain) *testServer {
	t.Helper()
	if dom == nil {
		dom = standardDomain()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if cfg.IdentifyInterval == 0 {
		cfg.IdentifyInterval = time.Nanosecond // most tests identify several times quickly
	}
	srv, err := New(cfg, dom)
	if err != nil {
		t.Fatal(err)
	}
	ts := httptest.NewServer(srv.Handler())
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		ts.Close()
	})
	return &testServer{srv: srv, dom: dom, ts: ts, url: "ws" + strings.TrimPrefix(ts.URL, "http")}
}

// newBubbleServer is newTestServer for tests inside a synctest bubble: the same Server,
// served by an http.Server on an in-memory listener (net.Pipe connections), because sockets
// are outside the bubble and would keep its clock from advancing. dial reaches it through
// its url like any other test server. Timeouts then run on the bubble's fake clock: a test
// can wait out a heartbeat deadline or a resume window instantly, and synctest.Wait (see
// expectNothing) proves that nothing more is coming.
func newBubbleServer(t *testing.T, cfg Config, dom *fakeDomain) *testServer {
	t.Helper()
	if dom == nil {
		dom = standardDomain()
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	if cfg.IdentifyInterval == 0 && cfg.Now == nil {
		// As in newTestServer, most tests identify several times quickly. The bubble's
		// clock stands still while they do, so the limiter's clock ticks 1 ns per reading.
		cfg.IdentifyInterval = time.Nanosecond
		var ticks atomic.Int64
		cfg.Now = func() time.Time { return time.Now().Add(time.Duration(ticks.Add(1))) }
	}
	srv, err := New(cfg, dom)
	if err != nil {
		t.Fatal(err)
	}
	l := newPipeListener()
	hs := &http.Server{Handler: srv.Handler(), ErrorLog: log.New(io.Discard, "", 0)}
	go hs.Serve(l)
	host := fmt.Sprintf("pipe-%d.test", pipeHosts.Add(1))
	pipes.Store(host, l)
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = srv.Shutdown(ctx)
		_ = hs.Close()
		pipes.Delete(host)
	})
	return &testServer{srv: srv, dom: dom, url: "ws://" + host}
}

// advance moves a synctest bubble's fake clock forward by d: it returns once every goroutine
// in the bubble is blocked and the clock has reached now+d, having run whatever was due on
// the way (deadlines, timers). No real time passes. Call it only inside a bubble.
func advance(d time.Duration) {
	time.Sleep(d) // the bubble's fake clock, not a real wait
}

// pipes maps a bubble server's host to its listener, for dial and httpClient.
var (
	pipes     sync.Map // host → *pipeListener
	pipeHosts atomic.Int64
)

// pipeListener is an in-memory net.Listener: each dial is one net.Pipe.
type pipeListener struct {
	conns chan net.Conn
	done  chan struct{}
	once  sync.Once
}

func newPipeListener() *pipeListener {
	return &pipeListener{conns: make(chan net.Conn), done: make(chan struct{})}
}

func (l *pipeListener) Accept() (net.Conn, error) {
	select {
	case c := <-l.conns:
		return c, nil
	case <-l.done:
		return nil, net.ErrClosed
	}
}

func (l *pipeListener) Close() error {
	l.once.Do(func() { close(l.done) })
	return nil
}

func (l *pipeListener) Addr() net.Addr { return pipeAddr{} }

func (l *pipeListener) dial(ctx context.Context, _, _ string) (net.Conn, error) {
	client, server := net.Pipe()
	select {
	case l.conns <- server:
		return client, nil
	case <-l.done:
	case <-ctx.Done():
	}
	client.Close()
	server.Close()
	return nil, net.ErrClosed
}

type pipeAddr struct{}

func (pipeAddr) Network() string { return "pipe" }
func (pipeAddr) String() string  { return "pipe" }

// pipeDialer returns the dial function for a bubble server's URL, or nil for a real one.
func pipeDialer(rawURL string) func(ctx context.Context, network, addr string) (net.Conn, error) {
	u, err := url.Parse(rawURL)
	if err != nil {
		return nil
	}
	if l, ok := pipes.Load(u.Host); ok {
		return l.(*pipeListener).dial
	}
	return nil
}

// httpClient returns a client for ts's plain HTTP endpoints (test controls, errors).
func (ts *testServer) httpClient() *http.Client {
	if d := pipeDialer(ts.url); d != nil {
		return &http.Client{Transport: &http.Transport{DialContext: d, DisableKeepAlives: true}}
	}
	return http.DefaultClient
}

type testWriter struct{ t *testing.T }

func (w testWriter) Write(p []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

// msg is one decoded server payload.
type msg struct {
	Op     int             `json:"op"`
	T      *string         `json:"t"`
	S      *int64          `json:"s"`
	D      json.RawMessage `json:"d"`
	raw    []byte
	binary bool
}

func (m msg) name() string {
	if m.T == nil {
		return ""
	}
	return *m.T
}

func (m msg) seq() int64 {
	if m.S == nil {
		return 0
	}
	return *m.S
}

func (m msg) data(t *testing.T) map[string]any {
	t.Helper()
	var v map[string]any
	if err := json.Unmarshal(m.D, &v); err != nil {
		t.Fatalf("d of %s is not an object: %v: %s", m.name(), err, m.D)
	}
	return v
}

type client struct {
	t      *testing.T
	ws     *websocket.Conn
	msgs   chan msg
	closed chan int // close code; -1 for an abrupt end
	frames chan []byte
}

type dialOpt struct {
	path     string
	query    string
	compress string // "", "zlib", "zstd", "payload"
	etf      bool
}

func dial(t *testing.T, base string, o dialOpt) *client {
	t.Helper()
	if o.path == "" {
		o.path = "/"
	}
	if o.query == "" {
		o.query = "v=10&encoding=json"
		if o.etf {
			o.query = "v=10&encoding=etf"
		}
		switch o.compress {
		case "zlib":
			o.query += "&compress=zlib-stream"
		case "zstd":
			o.query += "&compress=zstd-stream"
		}
	}
	d := websocket.Dialer{EnableCompression: true, HandshakeTimeout: 5 * time.Second, NetDialContext: pipeDialer(base)}
	ws, resp, err := d.Dial(base+o.path+"?"+o.query, nil)
	if err != nil {
		t.Fatalf("dial %s: %v", o.path+"?"+o.query, err)
	}
	if ext := resp.Header.Get("Sec-WebSocket-Extensions"); ext != "" {
		t.Fatalf("server accepted extension %q; permessage-deflate must be declined", ext)
	}
	c := &client{t: t, ws: ws, msgs: make(chan msg, 4096), closed: make(chan int, 1), frames: make(chan []byte, 4096)}
	go c.readLoop(o)
	t.Cleanup(func() { _ = ws.Close() })
	return c
}

func (c *client) readLoop(o dialOpt) {
	var pw *io.PipeWriter
	defer func() {
		if pw != nil {
			pw.Close()
		}
	}()
	if o.compress == "zlib" || o.compress == "zstd" {
		var pr *io.PipeReader
		pr, pw = io.Pipe()
		go c.streamDecode(o.compress, pr)
	}
	for {
		mt, b, err := c.ws.ReadMessage()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				c.closed <- ce.Code
			} else {
				c.closed <- -1
			}
			close(c.frames)
			return
		}
		c.frames <- b
		switch {
		case pw != nil:
			if mt != websocket.BinaryMessage {
				c.fail("compressed stream frame is not binary")
				return
			}
			if o.compress == "zlib" && !bytes.HasSuffix(b, []byte{0, 0, 0xff, 0xff}) {
				c.fail("zlib-stream frame does not end with a sync flush")
				return
			}
			if _, err := pw.Write(b); err != nil {
				return
			}
		case o.etf:
			if mt != websocket.BinaryMessage {
				c.fail("etf frame is not binary")
				return
			}
			v, err := decodeETF(b, true)
			if err != nil {
				c.fail("etf decode: " + err.Error())
				return
			}
			j, _ := json.Marshal(v)
			c.push(j, true)
		case mt == websocket.BinaryMessage: // payload compression: a standalone zlib stream
			zr, err := zlib.NewReader(bytes.NewReader(b))
			if err != nil {
				c.fail("payload zlib: " + err.Error())
				return
			}
			j, err := io.ReadAll(zr)
			if err != nil {
				c.fail("payload zlib read: " + err.Error())
				return
			}
			c.push(j, true)
		default:
			c.push(b, false)
		}
	}
}

// streamDecode inflates the connection's shared stream with stock decoders and splits it into
// JSON values.
func (c *client) streamDecode(kind string, r io.Reader) {
	var src io.Reader
	if kind == "zlib" {
		zr, err := zlib.NewReader(r)
		if err != nil {
			return
		}
		src = zr
	} else {
		zr, err := zstd.NewReader(r, zstd.WithDecoderConcurrency(1))
		if err != nil {
			c.fail("zstd reader: " + err.Error())
			return
		}
		defer zr.Close()
		src = zr
	}
	dec := json.NewDecoder(src)
	for {
		var raw json.RawMessage
		if err := dec.Decode(&raw); err != nil {
			return
		}
		c.push(raw, true)
	}
}

func (c *client) push(b []byte, binary bool) {
	var m msg
	if err := json.Unmarshal(b, &m); err != nil {
		c.fail(fmt.Sprintf("payload is not JSON: %v: %q", err, b))
		return
	}
	m.raw, m.binary = append([]byte(nil), b...), binary
	c.msgs <- m
}

func (c *client) fail(s string) {
	c.msgs <- msg{Op: -1, raw: []byte(s)}
}

func (c *client) send(s string) {
	c.t.Helper()
	if err := c.ws.WriteMessage(websocket.TextMessage, []byte(s)); err != nil {
		c.t.Fatalf("send: %v", err)
	}
}

func (c *client) sendf(format string, args ...any) {
	c.t.Helper()
	c.send(fmt.Sprintf(format, args...))
}

const waitFor = 5 * time.Second

// next returns the next payload, failing after waitFor.
func (c *client) next() msg {
	c.t.Helper()
	select {
	case m := <-c.msgs:
		if m.Op == -1 {
			c.t.Fatalf("client: %s", m.raw)
		}
		return m
	case <-time.After(waitFor):
		c.t.Fatalf("no payload within %v", waitFor)
	}
	return msg{}
}

// expectOp skips heartbeat ACKs until op arrives.
func (c *client) expectOp(op int) msg {
	c.t.Helper()
	for {
		m := c.next()
		if m.Op == op {
			return m
		}
		if m.Op != 11 {
			c.t.Fatalf("want op %d, got op %d t=%s: %s", op, m.Op, m.name(), m.raw)
		}
	}
}

// expectDispatch returns the next dispatch, which must be name.
func (c *client) expectDispatch(name string) msg {
	c.t.Helper()
	m := c.expectOp(0)
	if m.name() != name {
		c.t.Fatalf("want %s, got %s: %s", name, m.name(), m.raw)
	}
	return m
}

// expectNothing checks that no payload other than heartbeat ACKs is on its way. It must run
// inside a synctest bubble (newBubbleServer): synctest.Wait returns once every goroutine of
// the server and the client is blocked, so whatever the server was going to send has
// arrived by then; no fixed window has to be waited out.
func (c *client) expectNothing() {
	c.t.Helper()
	synctest.Wait()
	for {
		select {
		case m := <-c.msgs:
			if m.Op != 11 {
				c.t.Fatalf("want nothing, got op %d %s: %s", m.Op, m.name(), m.raw)
			}
		default:
			return
		}
	}
}

// expectClose waits for a close frame with code (skipping payloads).
func (c *client) expectClose(code int) {
	c.t.Helper()
	select {
	case got := <-c.closed:
		if got != code {
			c.t.Fatalf("closed with %d, want %d", got, code)
		}
	case <-time.After(waitFor):
		c.t.Fatalf("not closed within %v (want %d)", waitFor, code)
	}
}

// hello reads Hello and checks its shape.
func (c *client) hello() int {
	c.t.Helper()
	m := c.next()
	if m.Op != 10 {
		c.t.Fatalf("first payload is op %d, want Hello: %s", m.Op, m.raw)
	}
	var d struct {
		HeartbeatInterval json.Number `json:"heartbeat_interval"`
	}
	if err := json.Unmarshal(m.D, &d); err != nil {
		c.t.Fatal(err)
	}
	n, err := d.HeartbeatInterval.Int64()
	if err != nil {
		c.t.Fatalf("heartbeat_interval %q is not an integer", d.HeartbeatInterval)
	}
	return int(n)
}

// identify sends op 2 and returns READY; it then consumes the GUILD_CREATEs.
func (c *client) identify(token string, intents int, extra string) msg {
	c.t.Helper()
	c.sendf(`{"op":2,"d":{"token":%q,"intents":%d,"properties":{"os":"linux","browser":"test","device":"test"}%s}}`, token, intents, extra)
	ready := c.expectDispatch("READY")
	var d struct {
		Guilds []struct{ ID string } `json:"guilds"`
	}
	_ = json.Unmarshal(ready.D, &d)
	if intents&1 != 0 {
		for range d.Guilds {
			c.expectDispatch("GUILD_CREATE")
		}
	}
	return ready
}

func sessionID(t *testing.T, ready msg) string {
	t.Helper()
	var d struct {
		SessionID string `json:"session_id"`
	}
	if err := json.Unmarshal(ready.D, &d); err != nil || d.SessionID == "" {
		t.Fatalf("READY without session_id: %s", ready.raw)
	}
	return d.SessionID
}
