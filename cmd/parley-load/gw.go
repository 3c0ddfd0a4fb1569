package main

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"
	"github.com/klauspost/compress/zlib"
	"github.com/klauspost/compress/zstd"
)

// Intents used by the scenarios (Discord's bit values).
const (
	intentGuilds         = 1 << 0
	intentGuildMessages  = 1 << 9
	intentGuildTyping    = 1 << 11
	intentMessageContent = 1 << 15
)

// envelope is a gateway payload with d left raw.
type envelope struct {
	Op int             `json:"op"`
	T  string          `json:"t"`
	S  int64           `json:"s"`
	D  json.RawMessage `json:"d"`
}

// frameReader turns the connection's binary messages into one continuous byte stream, which
// is what zlib-stream and zstd-stream are: Read blocks on the next WebSocket message.
type frameReader struct {
	ws     *websocket.Conn
	cur    io.Reader
	wire   int64 // compressed payload bytes (WebSocket framing excluded)
	frames int64
}

func (f *frameReader) Read(p []byte) (int, error) {
	for {
		if f.cur == nil {
			_, r, err := f.ws.NextReader()
			if err != nil {
				return 0, err
			}
			f.cur = r
			f.frames++
		}
		n, err := f.cur.Read(p)
		f.wire += int64(n)
		if err == io.EOF {
			f.cur = nil
			if n > 0 {
				return n, nil
			}
			continue
		}
		return n, err
	}
}

type countReader struct {
	r io.Reader
	n int64
}

func (c *countReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}

// gwConn is one gateway client. next() must be called from one goroutine; send() from any.
type gwConn struct {
	ws       *websocket.Conn
	compress string
	fr       *frameReader
	raw      *countReader
	dec      *json.Decoder
	zstdDec  *zstd.Decoder
	wmu      sync.Mutex
	seq      atomic.Int64
	// for uncompressed connections
	plainWire, plainFrames int64
	HeartbeatInterval      time.Duration
}

// dialGateway connects from a loopback source address, sets up the stream decoder and reads
// Hello.
func dialGateway(ctx context.Context, gwURL, compress string, src net.IP) (*gwConn, error) {
	u := gwURL + "/?v=10&encoding=json"
	switch compress {
	case "zlib":
		u += "&compress=zlib-stream"
	case "zstd":
		u += "&compress=zstd-stream"
	case "none", "":
		compress = "none"
	default:
		return nil, fmt.Errorf("unknown compression %q", compress)
	}
	nd := &net.Dialer{Timeout: 15 * time.Second}
	if src != nil {
		nd.LocalAddr = &net.TCPAddr{IP: src}
	}
	d := websocket.Dialer{NetDialContext: nd.DialContext, HandshakeTimeout: 20 * time.Second, ReadBufferSize: 2048, WriteBufferSize: 512}
	ws, _, err := d.DialContext(ctx, u, nil)
	if err != nil {
		return nil, err
	}
	c := &gwConn{ws: ws, compress: compress}
	stop := context.AfterFunc(ctx, func() { ws.Close() })
	defer stop()
	_ = ws.SetReadDeadline(time.Now().Add(30 * time.Second))
	switch compress {
	case "zlib":
		c.fr = &frameReader{ws: ws}
		zr, err := zlib.NewReader(c.fr)
		if err != nil {
			ws.Close()
			return nil, fmt.Errorf("zlib header: %w", err)
		}
		c.raw = &countReader{r: zr}
		c.dec = json.NewDecoder(c.raw)
	case "zstd":
		c.fr = &frameReader{ws: ws}
		zr, err := zstd.NewReader(c.fr, zstd.WithDecoderConcurrency(1), zstd.WithDecoderLowmem(true))
		if err != nil {
			ws.Close()
			return nil, err
		}
		c.zstdDec = zr
		c.raw = &countReader{r: zr}
		c.dec = json.NewDecoder(c.raw)
	}
	e, _, err := c.next()
	if err != nil {
		c.close()
		return nil, fmt.Errorf("read hello: %w", err)
	}
	if e.Op != 10 {
		c.close()
		return nil, fmt.Errorf("first payload op %d, want 10 (Hello)", e.Op)
	}
	var h struct {
		HI int `json:"heartbeat_interval"`
	}
	_ = json.Unmarshal(e.D, &h)
	c.HeartbeatInterval = time.Duration(h.HI) * time.Millisecond
	_ = ws.SetReadDeadline(time.Time{})
	return c, nil
}

// next returns the next payload, decoded from the stream.
func (c *gwConn) next() (envelope, []byte, error) {
	var raw []byte
	if c.dec == nil {
		_, b, err := c.ws.ReadMessage()
		if err != nil {
			return envelope{}, nil, err
		}
		c.plainWire += int64(len(b))
		c.plainFrames++
		raw = b
	} else {
		var m json.RawMessage
		if err := c.dec.Decode(&m); err != nil {
			return envelope{}, nil, err
		}
		raw = m
	}
	var e envelope
	if err := json.Unmarshal(raw, &e); err != nil {
		return e, raw, fmt.Errorf("payload is not JSON: %w", err)
	}
	if e.S > 0 {
		c.seq.Store(e.S)
	}
	return e, raw, nil
}

// wireBytes and rawBytes are the compressed and decompressed totals so far.
func (c *gwConn) wireBytes() int64 {
	if c.fr != nil {
		return c.fr.wire
	}
	return c.plainWire
}

func (c *gwConn) rawBytes() int64 {
	if c.raw != nil {
		return c.raw.n
	}
	return c.plainWire
}

func (c *gwConn) frames() int64 {
	if c.fr != nil {
		return c.fr.frames
	}
	return c.plainFrames
}

func (c *gwConn) send(v []byte) error {
	c.wmu.Lock()
	defer c.wmu.Unlock()
	_ = c.ws.SetWriteDeadline(time.Now().Add(10 * time.Second))
	return c.ws.WriteMessage(websocket.TextMessage, v)
}

func (c *gwConn) identify(token string, intents int) error {
	b, _ := json.Marshal(map[string]any{"op": 2, "d": map[string]any{
		"token":      token,
		"intents":    intents,
		"properties": map[string]string{"os": "linux", "browser": "parley-load", "device": "parley-load"},
	}})
	return c.send(b)
}

func (c *gwConn) heartbeat() error {
	s := c.seq.Load()
	d := "null"
	if s > 0 {
		d = strconv.FormatInt(s, 10)
	}
	return c.send([]byte(`{"op":1,"d":` + d + `}`))
}

// heartbeatLoop beats at the Hello interval (first beat jittered, as Discord asks) until ctx
// ends or a write fails.
func (c *gwConn) heartbeatLoop(ctx context.Context) {
	iv := c.HeartbeatInterval
	if iv <= 0 {
		iv = 41250 * time.Millisecond
	}
	t := time.NewTimer(time.Duration(rand.Float64() * float64(iv)))
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
			if c.heartbeat() != nil {
				return
			}
			t.Reset(iv)
		}
	}
}

func (c *gwConn) close() {
	c.wmu.Lock()
	_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(websocket.CloseNormalClosure, ""), time.Now().Add(time.Second))
	c.wmu.Unlock()
	c.ws.Close()
	if c.zstdDec != nil {
		c.zstdDec.Close()
	}
}

// waitReady reads until READY and then the GUILD_CREATE of each of wantGuilds guilds.
func (c *gwConn) waitReady(wantGuilds int) error {
	ready := false
	guilds := 0
	for !ready || guilds < wantGuilds {
		e, raw, err := c.next()
		if err != nil {
			return err
		}
		switch {
		case e.Op == 9:
			return fmt.Errorf("invalid session (op 9)")
		case e.Op == 0 && e.T == "READY":
			ready = true
		case e.Op == 0 && e.T == "GUILD_CREATE":
			guilds++
		case e.Op == 7:
			return fmt.Errorf("reconnect asked (op 7): %s", raw)
		}
	}
	return nil
}
