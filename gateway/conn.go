package gateway

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"net"
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

// frame is one queued server payload. Dispatches carry their seq and a shared payload; other
// ops carry a pre-encoded d. closeCode > 0 marks "close the socket here" (after the frames
// queued before it).
type frame struct {
	op        opcodes.Opcode
	seq       int64
	p         *payload
	closeCode opcodes.CloseCode
	reason    string
}

// conn is one WebSocket. The goroutine running run owns reads and every field marked
// "reader"; writeLoop owns the socket's writes and the compressor. The queue is the only
// state they share with fan-out.
type conn struct {
	srv       *Server
	ws        Conn
	enc       encoding
	transport transport
	version   int
	publicURL string
	log       *slog.Logger

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

	wake       chan struct{} // cap 1: queue changed
	readerDone chan struct{} // closed when the read loop returns
	writerDone chan struct{} // closed when writeLoop returns

	// Reader-owned.
	sess      *Session
	rateStart time.Time
	rateCount int
	ctx       context.Context
	cancel    context.CancelFunc
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
		log:        s.log.With("encoding", enc.String(), "compress", tr.String()),
		wake:       make(chan struct{}, 1),
		readerDone: make(chan struct{}),
		writerDone: make(chan struct{}),
	}
	c.ctx, c.cancel = context.WithCancel(s.ctx)
	return c
}

// enqueue adds f to the write queue. bounded is for fan-out: it refuses (returns false) when
// the queue already holds WriteQueueSize frames, so the caller can cut off a slow consumer
// instead of growing without limit. Replies to the client's own requests are unbounded, since
// their size is bounded by the request. A closing connection accepts and discards frames:
// sequenced ones are in the session's replay buffer anyway.
func (c *conn) enqueue(f frame, bounded bool) bool {
	c.qmu.Lock()
	if c.closing {
		c.qmu.Unlock()
		return true
	}
	if bounded && len(c.queue) >= c.srv.cfg.WriteQueueSize {
		c.qmu.Unlock()
		return false
	}
	c.queue = append(c.queue, f)
	c.qmu.Unlock()
	c.signal()
	return true
}

func (c *conn) signal() {
	select {
	case c.wake <- struct{}{}:
	default:
	}
}

// closeAfterQueue closes the socket with code once the frames already queued are written.
func (c *conn) closeAfterQueue(code opcodes.CloseCode, reason string) {
	c.qmu.Lock()
	if !c.closing {
		c.queue = append(c.queue, frame{closeCode: code, reason: reason})
		c.closing = true
	}
	c.qmu.Unlock()
	c.signal()
}

// kill drops whatever is queued and closes the socket with code (0: without a close frame,
// unless a graceful close is already queued). It never blocks, so fan-out may call it under a session lock.
func (c *conn) kill(code opcodes.CloseCode, reason string) {
	c.qmu.Lock()
	if code == 0 && c.closing {
		// A close frame is already queued (closeAfterQueue); let the writer send it.
		c.qmu.Unlock()
		return
	}
	if !c.killed {
		c.killed = true
		c.closing = true
		c.killCode = code
		c.killReason = reason
		c.queue = nil
	}
	c.qmu.Unlock()
	c.signal()
}

// writeLoop is the only writer of the socket. It drains the queue in batches, serialises each
// frame's envelope around the shared d, compresses through the connection's own stream and
// writes one WebSocket message per gateway payload.
func (c *conn) writeLoop() {
	defer close(c.writerDone)
	defer func() {
		if c.comp != nil {
			c.comp.close()
		}
	}()
	var plain, packed []byte
	for {
		c.qmu.Lock()
		for len(c.queue) == 0 && !c.killed {
			c.qmu.Unlock()
			<-c.wake
			c.qmu.Lock()
		}
		if c.killed {
			code, reason := c.killCode, c.killReason
			c.qmu.Unlock()
			c.finish(code, reason)
			return
		}
		batch := c.queue
		c.queue = c.spare[:0]
		c.qmu.Unlock()

		for i, f := range batch {
			if f.closeCode != 0 {
				c.finish(f.closeCode, f.reason)
				return
			}
			var err error
			plain, packed, err = c.writeFrame(f, plain, packed)
			if err != nil {
				c.log.Debug("gateway: write", "err", err)
				c.finish(0, "")
				return
			}
			batch[i] = frame{} // drop payload references early
			if c.isKilled() {
				break
			}
		}
		c.qmu.Lock()
		if cap(batch) <= 4*c.srv.cfg.WriteQueueSize {
			c.spare = batch[:0]
		}
		c.qmu.Unlock()
	}
}

func (c *conn) isKilled() bool {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	return c.killed
}

// writeFrame encodes and writes f, reusing the two scratch buffers.
func (c *conn) writeFrame(f frame, plain, packed []byte) ([]byte, []byte, error) {
	d, err := f.p.data(c.enc)
	if err != nil {
		return plain, packed, err
	}
	name := opcodes.EventName("")
	if f.op == opcodes.Dispatch {
		name = f.p.name
	}
	plain = appendEnvelope(plain[:0], c.enc, f.op, f.seq, name, d)
	msgType, out := websocket.TextMessage, plain
	if c.enc == encodingETF {
		msgType = websocket.BinaryMessage
	}
	switch {
	case c.comp != nil:
		if packed, err = c.comp.compress(packed[:0], plain); err != nil {
			return plain, packed, err
		}
		msgType, out = websocket.BinaryMessage, packed
	case c.enc == encodingJSON && len(plain) > payloadCompressThreshold && c.payloadCompress.Load():
		if packed, err = compressPayload(packed[:0], plain); err != nil {
			return plain, packed, err
		}
		msgType, out = websocket.BinaryMessage, packed
	}
	if err := c.ws.SetWriteDeadline(time.Now().Add(c.srv.cfg.WriteTimeout)); err != nil {
		return plain, packed, err
	}
	return plain, packed, c.ws.WriteMessage(msgType, out)
}

// finish ends the writer: a close frame (unless code is 0), a short wait for the reader to
// see the client's answer (closing a socket with unread input can reset it and lose our close
// frame), then the TCP close.
func (c *conn) finish(code opcodes.CloseCode, reason string) {
	c.qmu.Lock()
	c.closing, c.killed = true, true
	c.queue = nil
	c.qmu.Unlock()
	if code != 0 {
		_ = c.ws.WriteControl(websocket.CloseMessage, websocket.FormatCloseMessage(int(code), reason), time.Now().Add(c.srv.cfg.WriteTimeout))
		t := time.NewTimer(2 * time.Second)
		select {
		case <-c.readerDone:
		case <-t.C:
		}
		t.Stop()
	}
	_ = c.ws.Close()
}

// run is the connection's life: Hello, then the read loop on this goroutine, with the writer
// on its own; it returns when both have stopped.
func (c *conn) run() {
	go c.writeLoop()
	c.enqueue(frame{op: opcodes.Hello, p: c.srv.hello}, false)
	closeErr := c.readLoop()
	c.cancel()
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
	_ = c.ws.SetReadDeadline(time.Now().Add(c.readDeadline()))
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
		var in inbound
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
			c.closeWith(code, err.Error())
			return nil
		}
		if err := c.handle(in); err != nil {
			var ce *opcodes.CloseError
			if errors.As(err, &ce) {
				c.closeWith(ce.Code, ce.Reason)
			} else {
				c.log.Error("gateway: handle", "op", in.op, "err", err)
				c.closeWith(opcodes.CloseUnknownError, "internal error")
			}
			return nil
		}
	}
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
