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

// idleQueueCap is the largest queue array an idle connection keeps.
const idleQueueCap = 4

// conn is one WebSocket. The goroutine running run owns reads and every field marked
// "reader"; writeLoop owns the socket's writes and the compressor. The queue is the only
// state they share with fan-out.
//
// writeLoop is not a permanent goroutine: whoever makes the queue non-empty (or asks for a
// close) starts one if none is running (writing), and it exits once it finds the queue empty.
// So an idle connection has a single goroutine (the reader) and holds no write scratch, while
// there is still at most one writer at a time.
type conn struct {
	srv       *Server
	ws        Conn
	enc       encoding
	transport transport
	version   int
	publicURL string

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
	start := c.startWriterLocked()
	c.qmu.Unlock()
	if start {
		go c.writeLoop()
	}
	return true
}

// enqueueReply queues a reply to the reader's own request (unbounded, like enqueue) and, if no
// writer is running, writes it on the calling reader goroutine (see drain).
func (c *conn) enqueueReply(f frame) {
	c.qmu.Lock()
	if c.closing {
		c.qmu.Unlock()
		return
	}
	c.queue = append(c.queue, f)
	start := c.startWriterLocked()
	c.qmu.Unlock()
	if start {
		c.drain(true)
	}
}

// startWriterLocked reports whether the caller must start writeLoop (none is running and the
// socket is not finished), and marks one as running. qmu must be held.
func (c *conn) startWriterLocked() bool {
	if c.writing || c.finished {
		return false
	}
	c.writing = true
	return true
}

// closeAfterQueue closes the socket with code once the frames already queued are written.
func (c *conn) closeAfterQueue(code opcodes.CloseCode, reason string) {
	c.qmu.Lock()
	if !c.closing {
		c.queue = append(c.queue, frame{closeCode: code, reason: reason})
		c.closing = true
	}
	start := c.startWriterLocked()
	c.qmu.Unlock()
	if start {
		go c.writeLoop()
	}
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
	start := c.startWriterLocked()
	c.qmu.Unlock()
	if start {
		go c.writeLoop()
	}
}

// writeLoop is the only writer of the socket while it runs (see conn). It drains the queue
// in batches, serialises each frame's envelope around the shared d, compresses through the
// connection's own stream and writes one WebSocket message per gateway payload. It returns
// when the queue is empty, or after finish once the socket is closed.
func (c *conn) writeLoop() { c.drain(false) }

// drain is writeLoop's body. The caller must have set writing. inline is the reader writing
// its own heartbeat ACK because no writer was running (this saves a goroutine start and a
// thread wake-up per heartbeat): it writes at most one batch without a close frame and hands
// anything else (more frames, a close, a kill, a write error) to a writer goroutine, because
// finish waits for the reader.
func (c *conn) drain(inline bool) {
	var sc *scratch
	defer func() {
		if sc != nil {
			sc.release()
		}
	}()
	for first := true; ; first = false {
		c.qmu.Lock()
		if inline && (!first || c.killed || (len(c.queue) > 0 && c.queue[len(c.queue)-1].closeCode != 0)) {
			if len(c.queue) > 0 || c.killed {
				c.qmu.Unlock()
				go c.writeLoop() // writing stays set: the handoff keeps one writer at a time
				return
			}
		}
		if c.killed {
			code, reason := c.killCode, c.killReason
			c.qmu.Unlock()
			c.finish(code, reason)
			return
		}
		if len(c.queue) == 0 {
			// Idle: the next enqueue starts a new writer. Keep the queue's array only if it is
			// tiny (its frames were cleared as written), so the next delivery need not
			// allocate one, at ~224 bytes per connection; drop anything larger.
			c.writing = false
			if cap(c.queue) == 0 {
				c.queue = c.spare[:0]
			}
			if cap(c.queue) > idleQueueCap {
				c.queue = nil
			}
			c.spare = nil
			c.qmu.Unlock()
			return
		}
		batch := c.queue
		c.queue = c.spare[:0]
		c.qmu.Unlock()

		if sc == nil {
			sc = scratchPool.Get().(*scratch)
		}
		for i, f := range batch {
			if f.closeCode != 0 {
				c.finish(f.closeCode, f.reason)
				return
			}
			var err error
			sc.plain, sc.packed, err = c.writeFrame(f, sc.plain, sc.packed)
			if err != nil {
				c.srv.log.Debug("gateway: write", "err", err, "encoding", c.enc.String(), "compress", c.transport.String())
				if inline {
					go c.finish(0, "")
				} else {
					c.finish(0, "")
				}
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

// scratch is a writer's serialisation and compression buffers, pooled so that only
// connections that are writing hold any (an idle one used to keep buffers as large as the
// biggest payload it ever sent, usually its GUILD_CREATE).
type scratch struct{ plain, packed []byte }

var scratchPool = sync.Pool{New: func() any { return new(scratch) }}

// maxPooledScratch is the largest buffer returned to scratchPool; bigger ones (a huge
// GUILD_CREATE) are left to the GC.
const maxPooledScratch = 64 << 10

func (sc *scratch) release() {
	if cap(sc.plain) > maxPooledScratch {
		sc.plain = nil
	}
	if cap(sc.packed) > maxPooledScratch {
		sc.packed = nil
	}
	scratchPool.Put(sc)
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
	defer close(c.writerDone)
	c.qmu.Lock()
	c.closing, c.killed, c.finished = true, true, true
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
	if c.comp != nil {
		c.comp.close()
	}
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
		if err := c.process(buf); err != nil {
			var ce *opcodes.CloseError
			if errors.As(err, &ce) {
				c.closeWith(ce.Code, ce.Reason)
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
