package redisbus

import (
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
)

// blackhole is a TCP proxy in front of Redis that can stop forwarding: while cut, open
// connections are closed and new ones are accepted and then ignored, the worst case for a
// client (a network that swallows packets, not one that refuses).
type blackhole struct {
	ln     net.Listener
	target string
	mu     sync.Mutex
	cut    bool
	conns  map[net.Conn]bool
}

// newBlackhole proxies to the Redis of redisURL and returns the proxy's redis:// URL.
func newBlackhole(t *testing.T, redisURL string) (*blackhole, string) {
	t.Helper()
	u, err := url.Parse(redisURL)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p := &blackhole{ln: ln, target: u.Host, conns: map[net.Conn]bool{}}
	go p.accept()
	t.Cleanup(func() {
		ln.Close()
		p.mu.Lock()
		for c := range p.conns {
			c.Close()
		}
		p.mu.Unlock()
	})
	v := *u
	v.Host = ln.Addr().String()
	return p, v.String()
}

func (p *blackhole) accept() {
	for {
		c, err := p.ln.Accept()
		if err != nil {
			return
		}
		p.mu.Lock()
		p.conns[c] = true
		cut := p.cut
		p.mu.Unlock()
		if cut {
			continue // held open, never answered
		}
		go p.forward(c)
	}
}

func (p *blackhole) forward(c net.Conn) {
	up, err := net.Dial("tcp", p.target)
	if err != nil {
		c.Close()
		return
	}
	p.mu.Lock()
	p.conns[up] = true
	p.mu.Unlock()
	go func() { _, _ = io.Copy(up, c); up.Close() }()
	_, _ = io.Copy(c, up)
	c.Close()
}

// setCut starts or stops swallowing traffic; cutting closes every open connection.
func (p *blackhole) setCut(cut bool) {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.cut = cut
	if cut {
		for c := range p.conns {
			c.Close()
			delete(p.conns, c)
		}
	}
}
