package main

import (
	"encoding/json"
	"io"
	"net"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/storage/testenv"
)

// proxy is a TCP forwarder the test can cut (every open connection dropped, new ones closed
// at once) and restore, to simulate a store or Redis outage without touching the shared
// servers.
type proxy struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	down   bool
	conns  map[net.Conn]struct{}
}

func newProxy(t *testing.T, target string) *proxy {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &proxy{ln: ln, target: target, conns: map[net.Conn]struct{}{}}
	t.Cleanup(func() { ln.Close(); p.cut() })
	go p.serve()
	return p
}

func (p *proxy) addr() string { return p.ln.Addr().String() }

func (p *proxy) serve() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		if p.down {
			p.mu.Unlock()
			c.Close()
			continue
		}
		up, err := net.Dial("tcp", p.target)
		if err != nil {
			p.mu.Unlock()
			c.Close()
			continue
		}
		p.conns[c], p.conns[up] = struct{}{}, struct{}{}
		p.mu.Unlock()
		go func() { io.Copy(up, c); up.Close() }()
		go func() { io.Copy(c, up); c.Close() }()
	}
}

func (p *proxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.down = true
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

func (p *proxy) restore() {
	p.mu.Lock()
	p.down = false
	p.mu.Unlock()
}

// via rewrites a service URL to go through the proxy.
func via(t *testing.T, raw string, p *proxy) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	u.Host = p.addr()
	return u.String()
}

func hostOf(t *testing.T, raw string) string {
	t.Helper()
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	return u.Host
}

// TestReadyzOutages: /readyz answers 503 naming the store while Postgres is cut off and
// naming Redis while Redis is, 200 again once each comes back (without a restart), and the
// failed checks show in parley_store_errors_total and parley_redis_errors_total. /healthz
// stays 200 throughout: the process is alive.
func TestReadyzOutages(t *testing.T) {
	dbURL, _ := testenv.PostgresSchema(t)
	redisURL := testenv.RedisURL(t)
	pg := newProxy(t, hostOf(t, dbURL))
	rd := newProxy(t, hostOf(t, redisURL))
	srv := startServer(t, t.TempDir(), "--metrics-addr", "127.0.0.1:0",
		"--database-url", via(t, dbURL, pg), "--redis-url", via(t, redisURL, rd),
		"--redis-prefix", testenv.RedisPrefix(t, redisURL))

	readyz := func() (int, readiness) {
		code, _, body := get(t, srv.MetricsURL+"/readyz")
		var r readiness
		if err := json.Unmarshal([]byte(body), &r); err != nil {
			t.Fatalf("/readyz body %q: %v", body, err)
		}
		return code, r
	}
	waitFor := func(what string, ok func(int, readiness) bool) readiness {
		t.Helper()
		deadline := time.Now().Add(20 * time.Second)
		for {
			code, r := readyz()
			if ok(code, r) {
				return r
			}
			if time.Now().After(deadline) {
				t.Fatalf("%s: /readyz still %d %+v", what, code, r)
			}
			time.Sleep(100 * time.Millisecond)
		}
	}
	waitFor("start", func(c int, r readiness) bool { return c == 200 })

	pg.cut()
	r := waitFor("store cut", func(c int, r readiness) bool { return c == 503 && r.Checks["store"] != "ok" })
	if r.Checks["redis"] != "ok" || r.Status != "not ready" {
		t.Fatalf("store outage: %+v, want only the store failing", r)
	}
	if code, _, _ := get(t, srv.MetricsURL+"/healthz"); code != 200 {
		t.Fatalf("/healthz during a store outage = %d", code)
	}
	pg.restore()
	waitFor("store restored", func(c int, r readiness) bool { return c == 200 })

	rd.cut()
	r = waitFor("redis cut", func(c int, r readiness) bool { return c == 503 && r.Checks["redis"] != "ok" })
	if r.Checks["store"] != "ok" {
		t.Fatalf("redis outage: %+v, want only Redis failing", r)
	}
	rd.restore()
	waitFor("redis restored", func(c int, r readiness) bool { return c == 200 })

	_, _, body := get(t, srv.MetricsURL+"/metrics")
	for _, family := range []string{"parley_store_errors_total", "parley_redis_errors_total"} {
		if !hasNonZero(body, family) {
			t.Errorf("%s stayed 0 through an outage", family)
		}
	}
}

// hasNonZero reports whether any sample of family in a scrape is not 0.
func hasNonZero(scrape, family string) bool {
	for _, line := range strings.Split(scrape, "\n") {
		if strings.HasPrefix(line, family) && !strings.HasSuffix(line, " 0") {
			return true
		}
	}
	return false
}
