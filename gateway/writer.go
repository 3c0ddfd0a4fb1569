package gateway

import (
	"sync"
	"time"

	"github.com/gorilla/websocket"

	"github.com/parley-chat/parley/opcodes"
)

// The writer side of a conn: its queue and the on-demand writer goroutine.
//
// Every field below is guarded by conn.qmu; "writer" is whichever goroutine is in drain.
// At most one writer exists at a time, and an idle connection has none.
//
// States (derived from the flags):
//
//	Idle      writing=false, finished=false          no writer; queue empty (or a tiny spare array)
//	Writing   writing=true, a writeLoop goroutine    drains the queue in batches
//	Inline    writing=true, the reader in drain      the reader writes its own reply's batch
//	Closing   closing=true (close frame queued)      new frames are discarded; the queue ends in a close
//	Killed    killed=true                            queue dropped; the writer closes with killCode
//	Finished  finished=true                          finish ran or is running; no writer ever again
//
// Events and transitions:
//
//	state     event                                 next      action
//	Idle      enqueue / closeAfterQueue / kill      Writing   go writeLoop (startWriterLocked sets writing)
//	Idle      enqueueReply                          Inline    drain(true) on the reader
//	Writing   enqueue / enqueueReply                Writing   append; the running writer picks it up
//	Writing   queue found empty                     Idle      writing=false; keep the array if ≤ idleQueueCap
//	Writing   close frame reached in the batch      Finished  finish(code): close frame, wait ≤2 s for the reader, TCP close
//	Writing   killed seen (before or between batch) Finished  finish(killCode)
//	Writing   write error                           Finished  finish(0): TCP close only
//	Inline    one batch written, queue empty        Idle      writing=false
//	Inline    more frames, a close or a kill        Writing   go writeLoop; writing stays true (handoff, never two writers)
//	Inline    write error                           Finished  go finish(0) (finish waits for the reader, which is us)
//	Closing   enqueue / enqueueReply                Closing   frame dropped (sequenced ones are in the replay buffer)
//	Closing   kill(0)                               Closing   ignored: the queued close frame is still sent
//	Closing   kill(code≠0)                          Killed    queue dropped, close with code
//	Finished  any                                   Finished  nothing starts; writerDone is closed once the socket is
//
// writer_test.go drives each row against a fake Conn.

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
	msgType, out, comp := websocket.TextMessage, plain, 0 // comp: the compressor slot used (metrics)
	if c.enc == encodingETF {
		msgType = websocket.BinaryMessage
	}
	switch {
	case c.comp != nil:
		if packed, err = c.comp.compress(packed[:0], plain); err != nil {
			return plain, packed, err
		}
		msgType, out, comp = websocket.BinaryMessage, packed, int(c.transport)
	case c.enc == encodingJSON && len(plain) > payloadCompressThreshold && c.payloadCompress.Load():
		if packed, err = compressPayload(packed[:0], plain); err != nil {
			return plain, packed, err
		}
		msgType, out, comp = websocket.BinaryMessage, packed, compressionPayload
	}
	if err := c.ws.SetWriteDeadline(time.Now().Add(c.srv.cfg.WriteTimeout)); err != nil {
		return plain, packed, err
	}
	if err := c.ws.WriteMessage(msgType, out); err != nil {
		return plain, packed, err
	}
	c.srv.metrics.wrote(f, len(out), len(plain), comp)
	return plain, packed, nil
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
		c.srv.metrics.close(code)
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
