package gateway

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-chat/parley/guilds"
)

// An unidentified socket is closed with 4003 at the Identify deadline even though it
// heartbeats well within the heartbeat interval; an identified one is not.
func TestIdentifyDeadline(t *testing.T) {
	ts := newTestServer(t, Config{
		HeartbeatInterval: 100 * time.Millisecond,
		HeartbeatGrace:    100 * time.Millisecond,
		IdentifyTimeout:   400 * time.Millisecond,
	}, nil)
	beat := func(c *client, stop <-chan struct{}) {
		for {
			select {
			case <-stop:
				return
			case <-time.After(50 * time.Millisecond):
				if c.ws.WriteMessage(websocket.TextMessage, []byte(`{"op":1,"d":null}`)) != nil {
					return // closed
				}
			}
		}
	}
	lazy := dial(t, ts.url, dialOpt{})
	lazy.hello()
	stop := make(chan struct{})
	defer close(stop)
	start := time.Now()
	go beat(lazy, stop)
	lazy.expectClose(4003)
	if d := time.Since(start); d < 350*time.Millisecond {
		t.Fatalf("closed after %v, before the Identify deadline", d)
	}

	good := dial(t, ts.url, dialOpt{})
	good.hello()
	good.identify("tokA", iBasic, "")
	go beat(good, stop)
	select { // well past the Identify deadline
	case code := <-good.closed:
		t.Fatalf("an identified, heartbeating socket was closed with %d", code)
	case <-time.After(700 * time.Millisecond):
	}
}

// downDomain is a Domain whose store is unreachable for one token.
type downDomain struct{ *fakeDomain }

func (d downDomain) Authenticate(ctx context.Context, token string) (guilds.Identity, error) {
	if token == "tokDown" {
		return guilds.Identity{}, fmt.Errorf("load application: %w", guilds.ErrUnavailable)
	}
	return d.fakeDomain.Authenticate(ctx, token)
}

// An Identify that meets a store outage is closed with 4000 (reconnectable), reported to
// Outages once, and not logged per connection.
func TestIdentifyDuringOutage(t *testing.T) {
	logs := &lockedBuffer{}
	log := slog.New(slog.NewTextHandler(logs, nil))
	var probes atomic.Int64
	outages := guilds.NewOutages(func(context.Context) error {
		probes.Add(1)
		return errors.New("still down")
	}, time.Hour, log)
	t.Cleanup(outages.Close)
	dom := downDomain{standardDomain()}
	srv, err := New(Config{Outages: outages, Logger: log, IdentifyInterval: time.Nanosecond}, dom)
	if err != nil {
		t.Fatal(err)
	}
	hs := &http.Server{Handler: srv.Handler()}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go hs.Serve(ln)
	t.Cleanup(func() { _ = srv.Shutdown(context.Background()); hs.Close() })
	url := "ws://" + ln.Addr().String()
	for range 3 {
		c := dial(t, url, dialOpt{})
		c.hello()
		c.send(`{"op":2,"d":{"token":"tokDown","intents":0,"properties":{}}}`)
		c.expectClose(4000)
	}
	if n := outages.Count(); n != 1 {
		t.Fatalf("outages = %d, want 1", n)
	}
	if n := outages.Failures(); n != 3 {
		t.Fatalf("failures = %d, want 3", n)
	}
	if out := logs.String(); strings.Count(out, "store unavailable") != 1 || strings.Contains(out, "gateway: handle") {
		t.Fatalf("want one outage line and no per-connection error, got:\n%s", out)
	}
}

// lockedBuffer is a log sink shared by goroutines.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (l *lockedBuffer) Write(p []byte) (int, error) {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.Write(p)
}

func (l *lockedBuffer) String() string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.b.String()
}

// The listener caps connections per address and overall, answers the excess with Discord-
// shaped JSON (429 per address, 503 overall) and gives slots back when connections close.
func TestLimitListener(t *testing.T) {
	inner, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	ln := LimitListener(inner, ListenerLimits{MaxConns: 3, MaxConnsPerIP: 2})
	defer ln.Close()
	accepted := make(chan net.Conn, 10)
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				close(accepted)
				return
			}
			accepted <- c
		}
	}()
	addr := inner.Addr().String()
	dialFrom := func(local string) net.Conn {
		t.Helper()
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.ParseIP(local)}}
		c, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { c.Close() })
		return c
	}
	answer := func(c net.Conn) string {
		t.Helper()
		_ = c.SetReadDeadline(time.Now().Add(5 * time.Second))
		resp, err := http.ReadResponse(bufio.NewReader(c), nil)
		if err != nil {
			t.Fatalf("read answer: %v", err)
		}
		b, _ := io.ReadAll(resp.Body)
		if ct := resp.Header.Get("Content-Type"); ct != "application/json" || resp.Header.Get("Retry-After") != "1" {
			t.Fatalf("headers %v", resp.Header)
		}
		return resp.Status + " " + string(b)
	}
	take := func() net.Conn {
		t.Helper()
		select {
		case c := <-accepted:
			return c
		case <-time.After(5 * time.Second):
			t.Fatal("not accepted")
			return nil
		}
	}
	a1, a2 := dialFrom("127.0.0.1"), dialFrom("127.0.0.1")
	s1, _ := take(), take()
	third := dialFrom("127.0.0.1")
	if got := answer(third); !strings.HasPrefix(got, "429") || !strings.Contains(got, `"message":"You are being rate limited."`) {
		t.Fatalf("third from one address: %s", got)
	}
	dialFrom("127.0.0.2") // a second address still fits the overall cap
	take()
	if got := answer(dialFrom("127.0.0.3")); !strings.HasPrefix(got, "503") || !strings.Contains(got, `{"message":"503: Service Unavailable","code":0}`) {
		t.Fatalf("over the overall cap: %s", got)
	}
	if ln.Open() != 3 || ln.Rejected() != 2 {
		t.Fatalf("open %d rejected %d, want 3 and 2", ln.Open(), ln.Rejected())
	}
	// Closing server side gives the slot back (twice is harmless).
	s1.Close()
	s1.Close()
	_ = a1
	_ = a2
	if ln.Open() != 2 {
		t.Fatalf("open %d after a close, want 2", ln.Open())
	}
	dialFrom("127.0.0.1")
	take()
}
