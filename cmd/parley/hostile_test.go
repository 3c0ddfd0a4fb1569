package main

import (
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gorilla/websocket"
)

// Bounds asserted by TestHostileClients and quoted in docs/operations.md ("Hostile clients
// and limits"): the growth of the server's RSS and Go heap while the hostile connections
// are held, and what may be left once they are gone.
const (
	hostileRSSBound  = 64 << 20
	hostileHeapBound = 40 << 20
	leftoverHeapSlop = 8 << 20
	goroutineSlop    = 10
)

// TestHostileClients runs parley as a process and throws at it, from many addresses:
// connections announcing 25 MB bodies and sending one byte (JSON and multipart, with a valid
// token so they reach the body reader), idle connections, header tricklers, and gateway
// sockets that heartbeat but never identify; plus more connections from one address than its
// cap. The server's RSS must stay within hostileRSSBound, the server must cut every one of
// them by its time-outs, and afterwards its goroutines and heap must be back at the baseline.
func TestHostileClients(t *testing.T) {
	if testing.Short() {
		t.Skip("starts a server process")
	}
	const perIP = 64
	c := startChild(t, "--data-dir", t.TempDir(), "--test-controls",
		"--max-conns-per-ip", fmt.Sprint(perIP), "--max-conns", "4000",
		"--rest-read-header-timeout", "2s", "--rest-read-timeout", "3s", "--rest-idle-timeout", "2s",
		"--identify-timeout", "2s", "--heartbeat-interval", "1000")
	f := c.fixture(t, "hostile", 0)
	restAddr := strings.TrimPrefix(c.RESTURL, "http://")
	gwAddr := strings.TrimPrefix(c.GatewayURL, "ws://")
	runtimeStats := func() (goroutines, heap int64) {
		var st struct {
			Goroutines int64 `json:"goroutines"`
			HeapInuse  int64 `json:"heap_inuse"`
		}
		res, err := http.Get(c.ControlsURL + "/runtime")
		if err != nil {
			t.Fatal(err)
		}
		defer res.Body.Close()
		if err := json.NewDecoder(res.Body).Decode(&st); err != nil {
			t.Fatal(err)
		}
		return st.Goroutines, st.HeapInuse
	}
	time.Sleep(200 * time.Millisecond) // let start-up goroutines settle
	g0, h0 := runtimeStats()
	rss0 := c.rss(t)

	var mu sync.Mutex
	var conns []net.Conn
	ip := 0
	dialFrom := func(addr string) net.Conn {
		ip++
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 1, byte(ip/250), byte(1+ip%250))}}
		cn, err := d.Dial("tcp", addr)
		if err != nil {
			t.Fatalf("dial: %v", err)
		}
		mu.Lock()
		conns = append(conns, cn)
		mu.Unlock()
		return cn
	}
	const n = 200
	msgs := "/api/v10/channels/" + f.channelID + "/messages"
	for i := range n {
		fmt.Fprintf(dialFrom(restAddr), "POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\nContent-Type: application/json\r\nContent-Length: 25000000\r\n\r\n{", msgs, f.userToken)
		fmt.Fprintf(dialFrom(restAddr), "POST %s HTTP/1.1\r\nHost: x\r\nAuthorization: %s\r\nContent-Type: multipart/form-data; boundary=b\r\nContent-Length: 25000000\r\n\r\n-", msgs, f.userToken)
		dialFrom(restAddr) // idle
		if i%2 == 0 {
			io.WriteString(dialFrom(restAddr), "GET /api/v10/gateway HTTP/1.1\r\n") // trickler
		}
	}
	var tricklers []net.Conn
	mu.Lock()
	for i := 3; i < len(conns); i += 7 { // every trickler: positions 3, 10, 17, … in groups of 4,3
		tricklers = append(tricklers, conns[i])
	}
	mu.Unlock()
	// Unidentified gateway sockets that heartbeat.
	var wss []*websocket.Conn
	gwClosed := make(chan int, n)
	for range n / 2 {
		ip++
		d := websocket.Dialer{NetDial: func(network, addr string) (net.Conn, error) {
			nd := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 2, byte(ip/250), byte(1+ip%250))}}
			return nd.Dial(network, addr)
		}}
		ws, _, err := d.Dial("ws://"+gwAddr+"/?v=10&encoding=json", nil)
		if err != nil {
			t.Fatalf("gateway dial: %v", err)
		}
		wss = append(wss, ws)
		go func() {
			ws.SetReadDeadline(time.Now().Add(20 * time.Second))
			for {
				if _, _, err := ws.ReadMessage(); err != nil {
					code := -1
					if ce, ok := err.(*websocket.CloseError); ok {
						code = ce.Code
					}
					gwClosed <- code
					return
				}
			}
		}()
	}
	// One address over its cap: the excess gets 429 at once.
	var overConns []net.Conn
	for range perIP + 6 {
		d := net.Dialer{LocalAddr: &net.TCPAddr{IP: net.IPv4(127, 3, 0, 1)}}
		cn, err := d.Dial("tcp", restAddr)
		if err != nil {
			t.Fatal(err)
		}
		overConns = append(overConns, cn)
	}
	answers := make(chan bool, len(overConns))
	for _, cn := range overConns {
		go func() {
			cn.SetReadDeadline(time.Now().Add(time.Second))
			b := make([]byte, 64)
			k, _ := io.ReadAtLeast(cn, b, 12)
			answers <- strings.HasPrefix(string(b[:k]), "HTTP/1.1 429")
		}()
	}
	over := 0
	for range overConns {
		if <-answers {
			over++
		}
	}
	mu.Lock()
	conns = append(conns, overConns...)
	mu.Unlock()
	if over != 6 {
		t.Errorf("%d connections over the per-address cap answered 429, want 6", over)
	}

	// Hold everything for a while, heartbeating and trickling, and sample the RSS.
	peak := int64(0)
	stop := time.Now().Add(1500 * time.Millisecond)
	for time.Now().Before(stop) {
		for _, ws := range wss {
			_ = ws.WriteMessage(websocket.TextMessage, []byte(`{"op":1,"d":null}`))
		}
		for _, tc := range tricklers {
			_, _ = io.WriteString(tc, "X-Slow: 1\r\n")
		}
		peak = max(peak, c.rss(t))
		time.Sleep(300 * time.Millisecond)
	}
	gHeld, hHeld := runtimeStats()
	t.Logf("held %d TCP + %d websocket connections: RSS %d → %d MiB (+%.1f MiB), goroutines %d → %d, heap %d → %d MiB",
		len(conns), len(wss), rss0>>20, peak>>20, float64(peak-rss0)/(1<<20), g0, gHeld, h0>>20, hHeld>>20)
	if peak-rss0 > hostileRSSBound {
		t.Errorf("RSS grew by %d MiB, bound %d MiB", (peak-rss0)>>20, hostileRSSBound>>20)
	}
	if hHeld-h0 > hostileHeapBound {
		t.Errorf("heap grew by %d MiB, bound %d MiB", (hHeld-h0)>>20, hostileHeapBound>>20)
	}

	// The server cuts every one of them by its time-outs, without our help.
	for _, tc := range tricklers {
		go func() {
			for range 50 {
				if _, err := io.WriteString(tc, "X-Slow: 1\r\n"); err != nil {
					return
				}
				time.Sleep(300 * time.Millisecond)
			}
		}()
	}
	for _, ws := range wss {
		go func() {
			for range 50 {
				if ws.WriteMessage(websocket.TextMessage, []byte(`{"op":1,"d":null}`)) != nil {
					return
				}
				time.Sleep(300 * time.Millisecond)
			}
		}()
	}
	var wg sync.WaitGroup
	mu.Lock()
	cut := make(chan bool, len(conns))
	for _, cn := range conns {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cn.SetReadDeadline(time.Now().Add(10 * time.Second))
			_, err := io.Copy(io.Discard, cn)
			cut <- err == nil // EOF from the server, not our deadline
		}()
	}
	mu.Unlock()
	wg.Wait()
	close(cut)
	kept := 0
	for ok := range cut {
		if !ok {
			kept++
		}
	}
	if kept > 0 {
		t.Errorf("%d connections were still open 10 s later", kept)
	}
	for range wss {
		if code := <-gwClosed; code != 4003 {
			t.Errorf("unidentified gateway socket closed with %d, want 4003", code)
			break
		}
	}
	for _, cn := range conns {
		cn.Close()
	}

	// Nothing stays behind. fasthttp keeps an idle worker goroutine for up to 10 s.
	deadline := time.Now().Add(25 * time.Second)
	var g1, h1 int64
	for {
		g1, h1 = runtimeStats()
		if g1 <= g0+goroutineSlop && h1 <= h0+leftoverHeapSlop {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after the clients left: goroutines %d (baseline %d), heap %d MiB (baseline %d MiB)", g1, g0, h1>>20, h0>>20)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("after they left: goroutines %d, heap %d MiB, RSS %d MiB", g1, h1>>20, c.rss(t)>>20)
}
