package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/parley-chat/parley/storage/testenv"
)

// childArgsEnv makes the test binary run `parley` itself instead of the tests, so the fault
// and hostile-client tests can SIGKILL a real server process and read its RSS.
const childArgsEnv = "PARLEY_TEST_CHILD_ARGS"

func TestMain(m *testing.M) {
	if raw := os.Getenv(childArgsEnv); raw != "" {
		var args []string
		if err := json.Unmarshal([]byte(raw), &args); err != nil {
			fmt.Fprintln(os.Stderr, err)
			os.Exit(2)
		}
		ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGINT, syscall.SIGTERM)
		code := run(ctx, args, os.Stdout, os.Stderr)
		stop()
		os.Exit(code)
	}
	os.Exit(m.Run())
}

// schemaURL is a fresh Postgres schema for one test (dropped at cleanup).
func schemaURL(t *testing.T) string {
	u, _ := testenv.PostgresSchema(t)
	return u
}

// child is parley running as a separate process.
type child struct {
	*server
	cmd  *exec.Cmd
	done chan struct{}
}

func startChild(t *testing.T, extra ...string) *child {
	t.Helper()
	ready := filepath.Join(t.TempDir(), "ready.json")
	args := append([]string{"serve", "--rest-addr", "127.0.0.1:0", "--gateway-addr", "127.0.0.1:0",
		"--ready-file", ready, "--log-level", "info"}, extra...)
	raw, _ := json.Marshal(args)
	logs := &syncBuffer{}
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), childArgsEnv+"="+string(raw))
	cmd.Stdout, cmd.Stderr = logs, logs
	cmd.SysProcAttr = &syscall.SysProcAttr{Pdeathsig: syscall.SIGKILL}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	c := &child{server: &server{logs: logs}, cmd: cmd, done: make(chan struct{})}
	go func() { _ = cmd.Wait(); close(c.done) }()
	t.Cleanup(c.kill)
	deadline := time.Now().Add(60 * time.Second)
	for {
		b, err := os.ReadFile(ready)
		if err == nil && json.Unmarshal(b, c.server) == nil {
			return c
		}
		select {
		case <-c.done:
			t.Fatalf("parley exited before listening:\n%s", logs)
		case <-time.After(20 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("parley did not become ready:\n%s", logs)
		}
	}
}

// kill sends SIGKILL and waits for the process to be gone.
func (c *child) kill() {
	_ = c.cmd.Process.Signal(syscall.SIGKILL)
	<-c.done
}

// rss reads the process's resident set in bytes.
func (c *child) rss(t *testing.T) int64 {
	t.Helper()
	b, err := os.ReadFile(fmt.Sprintf("/proc/%d/status", c.cmd.Process.Pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	for _, l := range strings.Split(string(b), "\n") {
		if f := strings.Fields(l); len(f) >= 2 && f[0] == "VmRSS:" {
			kb, _ := strconv.ParseInt(f[1], 10, 64)
			return kb << 10
		}
	}
	t.Fatal("no VmRSS")
	return 0
}

// writeLoad posts messages into channels until stopped, and remembers every message the
// server acknowledged with 200, the 503s it answered (checked for Discord's shape), and
// anything else.
type writeLoad struct {
	mu          sync.Mutex
	acked       map[string][]string // channel → message IDs
	unavailable int
	refused     int // connection errors (the server was gone)
	unexpected  []string
	wg          sync.WaitGroup
	cancel      context.CancelFunc
}

func startLoad(srv *server, token string, channels []string) *writeLoad {
	ctx, cancel := context.WithCancel(context.Background())
	l := &writeLoad{acked: map[string][]string{}, cancel: cancel}
	client := &http.Client{Timeout: 10 * time.Second}
	for i, ch := range channels {
		l.wg.Add(1)
		go func() {
			defer l.wg.Done()
			for n := 0; ctx.Err() == nil; n++ {
				body := strings.NewReader(fmt.Sprintf(`{"content":"load %d-%d"}`, i, n))
				req, _ := http.NewRequestWithContext(ctx, "POST", srv.RESTURL+"/api/v10/channels/"+ch+"/messages", body)
				req.Header.Set("Authorization", token)
				req.Header.Set("Content-Type", "application/json")
				res, err := client.Do(req)
				if err != nil {
					if ctx.Err() == nil {
						l.mu.Lock()
						l.refused++
						l.mu.Unlock()
						time.Sleep(50 * time.Millisecond)
					}
					continue
				}
				b, _ := io.ReadAll(res.Body)
				res.Body.Close()
				l.mu.Lock()
				switch res.StatusCode {
				case 200:
					var m struct{ ID string }
					if json.Unmarshal(b, &m) != nil || m.ID == "" {
						l.unexpected = append(l.unexpected, "200 without id: "+string(b))
					}
					l.acked[ch] = append(l.acked[ch], m.ID)
				case 503:
					l.unavailable++
					if res.Header.Get("Retry-After") == "" || res.Header.Get("Content-Type") != "application/json" ||
						string(b) != `{"code":0,"message":"503: Service Unavailable"}` {
						l.unexpected = append(l.unexpected, fmt.Sprintf("503 shape: %v %s", res.Header, b))
					}
				case 429:
				default:
					l.unexpected = append(l.unexpected, fmt.Sprintf("%d %s", res.StatusCode, b))
				}
				l.mu.Unlock()
				if res.StatusCode != 200 {
					time.Sleep(100 * time.Millisecond)
				}
			}
		}()
	}
	return l
}

func (l *writeLoad) stop() {
	l.cancel()
	l.wg.Wait()
}

func (l *writeLoad) total() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, ids := range l.acked {
		n += len(ids)
	}
	return n
}

// waitAcked waits until the load has n more acknowledged writes than now.
func (l *writeLoad) waitAcked(t *testing.T, n int, within time.Duration) {
	t.Helper()
	want := l.total() + n
	deadline := time.Now().Add(within)
	for l.total() < want {
		if time.Now().After(deadline) {
			t.Fatalf("only %d of %d acknowledged writes within %v", l.total(), want, within)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

// verify checks that every acknowledged message is stored.
func (l *writeLoad) verify(t *testing.T, srv *server, token string) {
	t.Helper()
	l.mu.Lock()
	defer l.mu.Unlock()
	for _, u := range l.unexpected {
		t.Errorf("unexpected answer under load: %s", u)
	}
	for ch, ids := range l.acked {
		stored := map[string]bool{}
		before := ""
		for {
			var page []struct{ ID string }
			q := "?limit=100"
			if before != "" {
				q += "&before=" + before
			}
			srv.api(t, "GET", "/channels/"+ch+"/messages"+q, token, nil, &page)
			for _, m := range page {
				stored[m.ID] = true
			}
			if len(page) < 100 {
				break
			}
			before = page[len(page)-1].ID
		}
		for _, id := range ids {
			if !stored[id] {
				t.Errorf("acknowledged message %s in channel %s is missing", id, ch)
			}
		}
	}
}

// loadChannels creates n channels in the fixture's guild (each has its own rate limit).
func loadChannels(t *testing.T, srv *server, f fixture, n int) []string {
	t.Helper()
	var out []string
	for i := range n {
		var ch map[string]any
		srv.api(t, "POST", "/guilds/"+f.guildID+"/channels", f.userToken, map[string]any{"name": fmt.Sprintf("load-%d", i)}, &ch)
		out = append(out, ch["id"].(string))
	}
	return out
}

// TestKillUnderLoad: SIGKILL during a write load loses no acknowledged write, on either
// store; the restarted server serves them all.
func TestKillUnderLoad(t *testing.T) {
	if testing.Short() {
		t.Skip("starts server processes")
	}
	stores := []struct {
		name string
		args func(t *testing.T) []string
	}{
		{"embedded", func(t *testing.T) []string { return []string{"--data-dir", t.TempDir()} }},
		{"postgres", func(t *testing.T) []string { return []string{"--database-url", schemaURL(t)} }},
	}
	for _, st := range stores {
		t.Run(st.name, func(t *testing.T) {
			args := st.args(t) // the restart opens the same store
			c := startChild(t, args...)
			f := c.fixture(t, "killer", 0)
			chans := loadChannels(t, c.server, f, 6)
			l := startLoad(c.server, f.userToken, chans)
			l.waitAcked(t, 15, 30*time.Second)
			c.kill()
			l.stop()
			acked := l.total()
			c2 := startChild(t, args...)
			l.verify(t, c2.server, f.userToken)
			t.Logf("%d acknowledged writes before SIGKILL, all present after restart", acked)
		})
	}
}

// tcpProxy forwards to target until cut, which refuses new connections and drops the
// open ones, as a dead or partitioned database would; restore listens again on the same
// address.
type tcpProxy struct {
	target string
	addr   string
	mu     sync.Mutex
	ln     net.Listener
	conns  map[net.Conn]bool
}

func (p *tcpProxy) listen(t *testing.T) {
	t.Helper()
	addr := p.addr
	if addr == "" {
		addr = "127.0.0.1:0"
	}
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		t.Fatal(err)
	}
	p.mu.Lock()
	p.ln, p.addr = ln, ln.Addr().String()
	p.mu.Unlock()
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns[c], p.conns[up] = true, true
			p.mu.Unlock()
			go func() { _, _ = io.Copy(up, c); up.Close(); c.Close() }()
			go func() { _, _ = io.Copy(c, up); up.Close(); c.Close() }()
		}
	}()
}

func (p *tcpProxy) cut() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.ln.Close()
	for c := range p.conns {
		c.Close()
		delete(p.conns, c)
	}
}

// TestPostgresOutage: Postgres cut off under write load gives 503s with Retry-After, one
// log line for the outage, recovery without a restart once it is back, and every
// acknowledged write present afterwards.
func TestPostgresOutage(t *testing.T) {
	raw := schemaURL(t)
	u, err := url.Parse(raw)
	if err != nil {
		t.Fatal(err)
	}
	p := &tcpProxy{target: u.Host, conns: map[net.Conn]bool{}}
	p.listen(t)
	t.Cleanup(p.cut)
	u.Host = p.addr
	q := u.Query()
	q.Set("connect_timeout", "2")
	u.RawQuery = q.Encode()
	srv := startServer(t, t.TempDir(), "--database-url", u.String())
	f := srv.fixture(t, "outage", 0)
	chans := loadChannels(t, srv, f, 6)
	l := startLoad(srv, f.userToken, chans)
	l.waitAcked(t, 10, 30*time.Second)

	p.cut()
	deadline := time.Now().Add(20 * time.Second)
	for {
		l.mu.Lock()
		n := l.unavailable
		l.mu.Unlock()
		if n >= 5 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("no 503s while Postgres was unreachable (%d)", n)
		}
		time.Sleep(20 * time.Millisecond)
	}
	time.Sleep(2 * time.Second) // an outage of a few seconds, under load
	p.listen(t)
	l.waitAcked(t, 10, 30*time.Second) // recovered without a restart
	l.stop()
	l.verify(t, srv, f.userToken)
	logs := srv.logs.String()
	if n := strings.Count(logs, "store unavailable"); n != 1 {
		t.Errorf("%d outage log lines, want 1:\n%s", n, logs)
	}
	if !strings.Contains(logs, "store recovered") {
		t.Errorf("no recovery line:\n%s", logs)
	}
	if strings.Contains(logs, "request failed") {
		t.Errorf("per-request error lines during the outage:\n%s", logs)
	}
	t.Logf("%d acknowledged writes, %d answered 503 during the outage", l.total(), l.unavailable)
}
