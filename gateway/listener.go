package gateway

import (
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"
)

// ListenerLimits caps the connections a listener holds open. Both of Parley's listeners
// (REST and gateway) speak HTTP first, so a connection over a cap is answered with an HTTP
// error in Discord's JSON shape and closed, before anything of it is read or allocated.
type ListenerLimits struct {
	// MaxConns caps open connections in all. Over it: 503 with Retry-After. 0: no cap.
	MaxConns int
	// MaxConnsPerIP caps open connections from one remote address. Over it: 429 with
	// Discord's rate-limit body (global). 0: no cap.
	MaxConnsPerIP int
	// RetryAfter is the Retry-After of both answers, in whole seconds. Default: 1 s.
	RetryAfter time.Duration
}

// Listener is a net.Listener that enforces ListenerLimits. A connection counts from Accept
// until its first Close, whoever closes it (fasthttp, net/http, or a hijacked websocket).
type Listener struct {
	net.Listener
	lim ListenerLimits

	tooMany, busy []byte // the two canned answers

	mu    sync.Mutex
	open  int
	perIP map[string]int

	rejected atomic.Int64
	lingers  chan struct{} // bounds the goroutines that linger on rejected connections
}

// LimitListener wraps ln. With both caps zero it still counts connections (see Open).
func LimitListener(ln net.Listener, lim ListenerLimits) *Listener {
	if lim.RetryAfter <= 0 {
		lim.RetryAfter = time.Second
	}
	secs := int((lim.RetryAfter + time.Second - 1) / time.Second)
	retry := strconv.Itoa(secs)
	return &Listener{
		Listener: ln,
		lim:      lim,
		tooMany: httpAnswer("429 Too Many Requests", retry,
			`{"message":"You are being rate limited.","retry_after":`+retry+`,"global":true,"code":0}`),
		busy:    httpAnswer("503 Service Unavailable", retry, `{"message":"503: Service Unavailable","code":0}`),
		perIP:   make(map[string]int),
		lingers: make(chan struct{}, 64),
	}
}

func httpAnswer(status, retry, body string) []byte {
	return []byte("HTTP/1.1 " + status + "\r\nContent-Type: application/json\r\nRetry-After: " + retry +
		"\r\nConnection: close\r\nContent-Length: " + strconv.Itoa(len(body)) + "\r\n\r\n" + body)
}

// Accept returns the next connection within the caps; connections over a cap are answered
// and closed here and never returned.
func (l *Listener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		ip := remoteIP(c.RemoteAddr())
		l.mu.Lock()
		var answer []byte
		switch {
		case l.lim.MaxConns > 0 && l.open >= l.lim.MaxConns:
			answer = l.busy
		case l.lim.MaxConnsPerIP > 0 && l.perIP[ip] >= l.lim.MaxConnsPerIP:
			answer = l.tooMany
		default:
			l.open++
			l.perIP[ip]++
		}
		l.mu.Unlock()
		if answer != nil {
			l.rejected.Add(1)
			l.reject(c, answer)
			continue
		}
		return &limitedConn{Conn: c, l: l, ip: ip}, nil
	}
}

// reject writes answer and closes c. A new socket's send buffer is empty, so the write does
// not block. Closing at once while the client's request is still arriving would send a
// reset that can destroy the answer in the client's buffer, so, while few are pending, the
// close waits up to a second for the client to go first.
func (l *Listener) reject(c net.Conn, answer []byte) {
	_ = c.SetWriteDeadline(time.Now().Add(time.Second))
	_, _ = c.Write(answer)
	tc, ok := c.(*net.TCPConn)
	if !ok {
		_ = c.Close()
		return
	}
	select {
	case l.lingers <- struct{}{}:
	default:
		_ = c.Close()
		return
	}
	_ = tc.CloseWrite()
	go func() {
		defer func() { <-l.lingers }()
		_ = c.SetReadDeadline(time.Now().Add(time.Second))
		var buf [512]byte
		for {
			if _, err := c.Read(buf[:]); err != nil {
				break
			}
		}
		_ = c.Close()
	}()
}

// release is called once per accepted connection, on its first Close.
func (l *Listener) release(ip string) {
	l.mu.Lock()
	l.open--
	if n := l.perIP[ip] - 1; n > 0 {
		l.perIP[ip] = n
	} else {
		delete(l.perIP, ip)
	}
	l.mu.Unlock()
}

// Open reports the connections currently held (a metrics gauge).
func (l *Listener) Open() int {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.open
}

// Rejected reports how many connections were refused for being over a cap (a metrics counter).
func (l *Listener) Rejected() int64 { return l.rejected.Load() }

func remoteIP(a net.Addr) string {
	if ta, ok := a.(*net.TCPAddr); ok {
		return ta.IP.String()
	}
	host, _, err := net.SplitHostPort(a.String())
	if err != nil {
		return a.String()
	}
	return host
}

// limitedConn gives its slot back on the first Close.
type limitedConn struct {
	net.Conn
	l    *Listener
	ip   string
	once sync.Once
}

func (c *limitedConn) Close() error {
	err := c.Conn.Close()
	c.once.Do(func() { c.l.release(c.ip) })
	return err
}
