package gateway

import (
	"errors"
	"fmt"
	"io"
	"net"
	"runtime/debug"
	"sync"
	"sync/atomic"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-chat/parley/opcodes"
)

// Conn is the subset of a WebSocket library the gateway uses. gorilla's *websocket.Conn
// satisfies it (so do fasthttp/websocket's and gofiber's), which keeps the transport swappable
// and lets tests substitute a fake. The contract is gorilla's: one concurrent reader, one
// concurrent writer; WriteControl and Close may be called from anywhere.
type Conn interface {
	NextReader() (messageType int, r io.Reader, err error)
	WriteMessage(messageType int, data []byte) error
	WriteControl(messageType int, data []byte, deadline time.Time) error
	SetReadLimit(limit int64)
	SetReadDeadline(t time.Time) error
	SetWriteDeadline(t time.Time) error
	Close() error
}

var _ Conn = (*websocket.Conn)(nil)

// maxClientPayload is Discord's limit on one client payload; larger closes with 4002.
const maxClientPayload = 4096

// conn is one WebSocket. The goroutine running run owns reads and every field marked
// "reader"; writeLoop owns the socket's writes and the compressor. The queue is the only
// state they share with fan-out.
//
// writeLoop is not a permanent goroutine: whoever makes the queue non-empty (or asks for a
// close) starts one if none is running (writing), and it exits once it finds the queue empty.
// So an idle connection has a single goroutine (the reader) and holds no write scratch, while
// there is still at most one writer at a time.
type conn struct {
	srv *Server
	ws  Conn
	// identifyBy is when a socket still without a session is closed (reader-owned).
	identifyBy time.Time
	enc        encoding
	transport  transport
	version    int
	publicURL  string

	// Writer-owned.
	comp compressor
	// payloadCompress is Identify's compress:true, honoured only without transport
	// compression and only for JSON. Set by the reader, read by the writer.
	payloadCompress atomic.Bool

	// Guarded by qmu (a leaf lock: nothing is acquired while holding it).
	qmu        sync.Mutex
	queue      []frame
	spare      []frame
	closing    bool              // no more frames accepted
	killCode   opcodes.CloseCode // set by kill: skip the queue and close with this code (0: no frame)
	killed     bool
	killReason string
	writing    bool // a writeLoop goroutine is running (or finishing); stays true after finish
	finished   bool // finish has started: no writer is ever started again

	// attached is set once a session is attached (READY or RESUMED queued), for the
	// sessions gauge sampled at scrape.
	attached atomic.Bool

	readerDone chan struct{} // closed when the read loop returns
	writerDone chan struct{} // closed when finish has closed the socket

	// Reader-owned.
	sess      *Session
	rateStart time.Time
	rateCount int
}

func newConn(s *Server, ws Conn, enc encoding, tr transport, comp compressor, version int, publicURL string) *conn {
	c := &conn{
		srv:        s,
		ws:         ws,
		enc:        enc,
		transport:  tr,
		comp:       comp,
		version:    version,
		publicURL:  publicURL,
		readerDone: make(chan struct{}),
		writerDone: make(chan struct{}),
	}
	return c
}

// run is the connection's life: Hello, then the read loop on this goroutine, with writers
// started on demand; it returns when the socket is closed.
func (c *conn) run() {
	c.enqueue(frame{op: opcodes.Hello, p: c.srv.hello}, false)
	closeErr := c.readLoop()
	c.afterRead(closeErr)
	close(c.readerDone)
	<-c.writerDone
}

// readDeadline is how long the client may stay silent.
func (c *conn) readDeadline() time.Duration {
	return c.srv.cfg.HeartbeatInterval + c.srv.cfg.HeartbeatGrace
}

// readLoop reads client payloads until the socket fails or a handler asks to close. It returns
// the client's close error, if the client closed.
func (c *conn) readLoop() *websocket.CloseError {
	// gorilla's own limit answers 1009; keep it only as a backstop above Discord's 4096 so the
	// 4002 below is what clients see.
	c.ws.SetReadLimit(64 << 10)
	c.identifyBy = time.Now().Add(c.srv.cfg.IdentifyTimeout)
	_ = c.ws.SetReadDeadline(c.nextReadDeadline())
	buf := make([]byte, 0, 512)
	for {
		_, r, err := c.ws.NextReader()
		if err != nil {
			var ce *websocket.CloseError
			if errors.As(err, &ce) {
				return ce
			}
			var ne net.Error
			if errors.As(err, &ne) && ne.Timeout() {
				if c.identifyExpired() {
					c.closeWith(opcodes.CloseNotAuthenticated, "not authenticated: identify timed out")
					return nil
				}
				c.closeWith(opcodes.CloseSessionTimedOut, "heartbeat timeout")
				return nil
			}
			c.kill(0, "")
			return nil
		}
		buf = buf[:0]
		buf, err = readAtMost(buf, r, maxClientPayload)
		if err != nil {
			if errors.Is(err, errTooLarge) {
				c.closeWith(opcodes.CloseDecodeError, "payload too large")
			} else {
				c.kill(0, "")
			}
			return nil
		}
		if !c.allowPayload() {
			c.closeWith(opcodes.CloseRateLimited, "rate limited")
			return nil
		}
		if err := c.process(buf); err != nil {
			var ce *opcodes.CloseError
			if errors.As(err, &ce) {
				c.closeWith(ce.Code, ce.Reason)
			} else if c.srv.cfg.Outages.Observe(err) {
				// The store is down: logged once per outage by Outages. 4000 is reconnectable,
				// so libraries retry the Identify or Resume until it is back.
				c.closeWith(opcodes.CloseUnknownError, "service unavailable")
			} else {
				c.srv.log.Error("gateway: handle", "err", err, "encoding", c.enc.String(), "compress", c.transport.String())
				c.closeWith(opcodes.CloseUnknownError, "internal error")
			}
			return nil
		}
	}
}

// process decodes and handles one client payload. Compact JSON heartbeats, the only frequent
// payload, are decoded and answered on the reader. Everything else is decoded and handled on
// a short-lived goroutine while the reader waits for it: Identify and Resume go through the
// Domain (SQLite, JSON of whole guilds) and encoding/json, whose deep call chains would
// otherwise grow the reader's stack, and a grown stack stays with the reader for the
// connection's life (tens of KB per idle connection). The reader is blocked meanwhile, so
// the handler still owns the reader's fields and buf, as before. Decode errors come back as
// *opcodes.CloseError.
func (c *conn) process(buf []byte) error {
	if c.enc == encodingJSON {
		if in, ok := decodeHeartbeat(buf); ok {
			return c.handle(in)
		}
	}
	done := make(chan error, 1)
	go func() {
		defer func() {
			if r := recover(); r != nil {
				c.srv.log.Error("gateway: handler panic", "panic", r, "stack", string(debug.Stack()))
				done <- fmt.Errorf("handler panic: %v", r)
			}
		}()
		done <- c.decodeAndHandle(buf)
	}()
	return <-done
}

func (c *conn) decodeAndHandle(buf []byte) error {
	var in inbound
	var err error
	if c.enc == encodingETF {
		in, err = decodeETFPayload(buf)
	} else {
		in, err = decodeJSON(buf)
	}
	if err != nil {
		code := opcodes.CloseDecodeError
		if errors.Is(err, errNoOpcode) {
			code = opcodes.CloseUnknownOpcode
		}
		return closeErr(code, err.Error())
	}
	if err := c.handle(in); err != nil {
		var ce *opcodes.CloseError
		if !errors.As(err, &ce) {
			return fmt.Errorf("op %d: %w", in.op, err)
		}
		return err
	}
	return nil
}

var errTooLarge = errors.New("payload too large")

// readAtMost reads r into buf, failing with errTooLarge past limit bytes.
func readAtMost(buf []byte, r io.Reader, limit int) ([]byte, error) {
	for {
		if len(buf) == cap(buf) {
			buf = append(buf, 0)[:len(buf)]
		}
		n, err := r.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if len(buf) > limit {
			return buf, errTooLarge
		}
		if err == io.EOF {
			return buf, nil
		}
		if err != nil {
			return buf, err
		}
	}
}

// closeWith closes after what is queued, then lingers briefly reading, so the client's close
// reply is consumed before the TCP close.
func (c *conn) closeWith(code opcodes.CloseCode, reason string) {
	c.closeAfterQueue(code, reason)
	_ = c.ws.SetReadDeadline(time.Now().Add(time.Second))
	for {
		if _, _, err := c.ws.NextReader(); err != nil {
			return
		}
	}
}

// allowPayload applies the 120-per-60-s client limit (fixed window from the first payload).
func (c *conn) allowPayload() bool {
	now := c.srv.cfg.Now()
	if c.rateStart.IsZero() || now.Sub(c.rateStart) >= c.srv.cfg.ClientRateWindow {
		c.rateStart, c.rateCount = now, 0
	}
	c.rateCount++
	return c.rateCount <= c.srv.cfg.ClientRateLimit
}

// afterRead settles the session once the socket is done: a client close with 1000/1001 ends
// it (Discord's "log out"); anything else leaves it resumable for ResumeWindow.
func (c *conn) afterRead(ce *websocket.CloseError) {
	c.kill(0, "") // no-op if a close is already under way
	sess := c.sess
	if sess == nil {
		return
	}
	if ce != nil && (ce.Code == websocket.CloseNormalClosure || ce.Code == websocket.CloseGoingAway) {
		sess.endIfAttached(c)
		return
	}
	sess.detach(c)
}
