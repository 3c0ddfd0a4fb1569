package gateway

import (
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/parley-chat/parley/opcodes"
)

// recordConn is a Conn that records what the writer does. With gated set, each WriteMessage
// waits for a token on gate, so a test can hold the writer mid-batch. All of its blocking is
// on channels, so inside a synctest bubble synctest.Wait sees a held writer as blocked.
type recordConn struct {
	gated  bool
	gate   chan struct{}
	failAt int // the WriteMessage call (1-based) that fails; 0: none

	mu        sync.Mutex
	writes    []string // messages written, in order
	calls     int
	closeCode int // from the close frame; 0: none sent
	closed    bool

	active, maxActive atomic.Int32 // concurrent WriteMessage calls
	closedCh          chan struct{}
	closeOnce         sync.Once
}

func newRecordConn(gated bool) *recordConn {
	return &recordConn{gated: gated, gate: make(chan struct{}), closedCh: make(chan struct{})}
}

var errWriteFailed = errors.New("write failed")

func (r *recordConn) WriteMessage(_ int, data []byte) error {
	n := r.active.Add(1)
	defer r.active.Add(-1)
	for {
		m := r.maxActive.Load()
		if n <= m || r.maxActive.CompareAndSwap(m, n) {
			break
		}
	}
	if r.gated {
		<-r.gate
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	r.calls++
	if r.calls == r.failAt {
		return errWriteFailed
	}
	r.writes = append(r.writes, string(data))
	return nil
}

func (r *recordConn) WriteControl(_ int, data []byte, _ time.Time) error {
	r.mu.Lock()
	defer r.mu.Unlock()
	if len(data) >= 2 {
		r.closeCode = int(binary.BigEndian.Uint16(data))
	}
	return nil
}

func (r *recordConn) NextReader() (int, io.Reader, error) {
	<-r.closedCh
	return 0, nil, io.EOF
}
func (r *recordConn) SetReadLimit(int64)               {}
func (r *recordConn) SetReadDeadline(time.Time) error  { return nil }
func (r *recordConn) SetWriteDeadline(time.Time) error { return nil }
func (r *recordConn) Close() error {
	r.mu.Lock()
	r.closed = true
	r.mu.Unlock()
	r.closeOnce.Do(func() { close(r.closedCh) })
	return nil
}

// release lets n gated writes through.
func (r *recordConn) release(n int) {
	for range n {
		r.gate <- struct{}{}
	}
}

// seqs returns the s of every written dispatch, in order.
func (r *recordConn) seqs() []int {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []int
	for _, w := range r.writes {
		var s int
		if i := strings.Index(w, `"s":`); i >= 0 {
			fmt.Sscanf(w[i+4:], "%d", &s)
		}
		out = append(out, s)
	}
	return out
}

func (r *recordConn) state() (writes, closeCode int, closed bool) {
	r.mu.Lock()
	defer r.mu.Unlock()
	return len(r.writes), r.closeCode, r.closed
}

// writerConn is a conn on rc with only what the writer needs from a Server.
func writerConn(t *testing.T, rc *recordConn, queueSize int) *conn {
	t.Helper()
	cfg := Config{WriteQueueSize: queueSize, Logger: slog.New(slog.DiscardHandler)}
	cfg.setDefaults()
	return newConn(&Server{cfg: cfg, log: cfg.Logger}, rc, encodingJSON, transportNone, nil, 10, "ws://x")
}

func dispatchFrame(t *testing.T, seq int64) frame {
	t.Helper()
	p, err := newPayload(opcodes.EventMessageCreate, map[string]int64{"n": seq})
	if err != nil {
		t.Fatal(err)
	}
	return frame{op: opcodes.Dispatch, seq: seq, p: p}
}

func (c *conn) writerState() (writing, finished bool, queued int) {
	c.qmu.Lock()
	defer c.qmu.Unlock()
	return c.writing, c.finished, len(c.queue)
}

func wantSeqs(t *testing.T, rc *recordConn, want ...int) {
	t.Helper()
	if got := rc.seqs(); fmt.Sprint(got) != fmt.Sprint(want) {
		t.Fatalf("written seqs %v, want %v", got, want)
	}
}

// Idle → Writing → Idle: one writer drains everything in order, later frames join its queue.
func TestWriterOneWriterDrainsInOrder(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rc := newRecordConn(true)
		c := writerConn(t, rc, 0)
		c.enqueue(dispatchFrame(t, 1), true)
		synctest.Wait() // the writer holds frame 1 at the gate
		for s := int64(2); s <= 4; s++ {
			c.enqueue(dispatchFrame(t, s), true)
		}
		if writing, _, queued := c.writerState(); !writing || queued != 3 {
			t.Fatalf("writing=%v queued=%d, want a writer and 3 waiting", writing, queued)
		}
		rc.release(4)
		synctest.Wait()
		wantSeqs(t, rc, 1, 2, 3, 4)
		if rc.maxActive.Load() != 1 {
			t.Fatalf("%d writers at once", rc.maxActive.Load())
		}
		if writing, finished, _ := c.writerState(); writing || finished {
			t.Fatalf("after draining: writing=%v finished=%v, want idle", writing, finished)
		}
		c.qmu.Lock()
		kept := cap(c.queue)
		c.qmu.Unlock()
		if kept > idleQueueCap {
			t.Fatalf("idle connection keeps a queue array of %d", kept)
		}
		// Idle again: the next frame starts a new writer.
		c.enqueue(dispatchFrame(t, 5), true)
		rc.release(1)
		synctest.Wait()
		wantSeqs(t, rc, 1, 2, 3, 4, 5)
	})
}

// A full queue refuses bounded (fan-out) frames but not replies.
func TestWriterBoundedQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rc := newRecordConn(true)
		c := writerConn(t, rc, 2)
		c.enqueue(dispatchFrame(t, 1), true) // taken by the writer
		synctest.Wait()
		if !c.enqueue(dispatchFrame(t, 2), true) || !c.enqueue(dispatchFrame(t, 3), true) {
			t.Fatal("frames within WriteQueueSize refused")
		}
		if c.enqueue(dispatchFrame(t, 4), true) {
			t.Fatal("bounded enqueue past WriteQueueSize accepted")
		}
		if !c.enqueue(dispatchFrame(t, 5), false) {
			t.Fatal("unbounded enqueue refused")
		}
		rc.release(4)
		synctest.Wait()
		wantSeqs(t, rc, 1, 2, 3, 5)
	})
}

// Idle → Inline → Idle: a reply on an idle connection is written on the caller's goroutine.
func TestWriterInlineReply(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rc := newRecordConn(false)
		c := writerConn(t, rc, 0)
		c.enqueueReply(dispatchFrame(t, 1))
		// No synctest.Wait: the write happened before enqueueReply returned.
		if n, _, _ := rc.state(); n != 1 {
			t.Fatalf("%d writes when enqueueReply returned, want 1 (inline)", n)
		}
		if writing, _, _ := c.writerState(); writing {
			t.Fatal("writing still set after an inline reply")
		}
	})
}

// Inline → Writing: frames that arrive while the reader writes its reply go to a writer
// goroutine, without two writers at once, and the reader returns.
func TestWriterInlineHandoff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rc := newRecordConn(true)
		c := writerConn(t, rc, 0)
		replied := make(chan struct{})
		go func() {
			c.enqueueReply(dispatchFrame(t, 1))
			close(replied)
		}()
		synctest.Wait() // the reader is inside its inline write
		c.enqueue(dispatchFrame(t, 2), true)
		c.enqueue(dispatchFrame(t, 3), true)
		rc.release(1)
		<-replied // the reader hands off instead of writing frames 2 and 3
		rc.release(2)
		synctest.Wait()
		wantSeqs(t, rc, 1, 2, 3)
		if rc.maxActive.Load() != 1 {
			t.Fatalf("%d writers at once", rc.maxActive.Load())
		}
		if writing, _, _ := c.writerState(); writing {
			t.Fatal("writing still set after the handoff drained")
		}
	})
}

// Inline with a close queued hands the close to a writer: finish never runs on the reader.
func TestWriterInlineCloseHandsOff(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rc := newRecordConn(false)
		c := writerConn(t, rc, 0)
		c.qmu.Lock()
		c.queue = append(c.queue, dispatchFrame(t, 1), frame{closeCode: opcodes.CloseUnknownError, reason: "bye"})
		c.closing = true
		c.writing = true
		c.qmu.Unlock()
		c.drain(true)
		select {
		case <-c.writerDone:
			t.Fatal("the inline drain ran finish on the reader")
		default:
		}
		close(c.readerDone)
		synctest.Wait()
		<-c.writerDone
		if n, code, closed := rc.state(); n != 1 || code != int(opcodes.CloseUnknownError) || !closed {
			t.Fatalf("writes=%d close=%d closed=%v", n, code, closed)
		}
	})
}

// Writing → Closing → Finished: queued frames first, then the close frame; later frames are
// dropped; the socket closes once the reader is done, or after 2 s without it.
func TestWriterCloseAfterQueue(t *testing.T) {
	for _, readerEnds := range []bool{true, false} {
		t.Run(fmt.Sprintf("reader ends %v", readerEnds), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rc := newRecordConn(false)
				c := writerConn(t, rc, 0)
				c.enqueue(dispatchFrame(t, 1), true)
				c.enqueue(dispatchFrame(t, 2), true)
				c.closeAfterQueue(opcodes.CloseSessionTimedOut, "timeout")
				c.enqueue(dispatchFrame(t, 3), true)
				c.enqueueReply(dispatchFrame(t, 4))
				synctest.Wait()
				wantSeqs(t, rc, 1, 2)
				if _, code, closed := rc.state(); code != int(opcodes.CloseSessionTimedOut) || closed {
					t.Fatalf("close frame %d, socket closed %v; want 4009 sent, socket open for the reader", code, closed)
				}
				start := time.Now()
				if readerEnds {
					close(c.readerDone)
				}
				<-c.writerDone
				want := time.Duration(0)
				if !readerEnds {
					want = 2 * time.Second
				}
				if waited := time.Since(start); waited != want {
					t.Fatalf("socket closed after %v, want %v", waited, want)
				}
				if _, _, closed := rc.state(); !closed {
					t.Fatal("socket not closed")
				}
				if _, finished, _ := c.writerState(); !finished {
					t.Fatal("not finished")
				}
			})
		})
	}
}

// Writing → Killed → Finished: kill drops what is queued behind the frame being written.
func TestWriterKillDropsQueue(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rc := newRecordConn(true)
		c := writerConn(t, rc, 0)
		close(c.readerDone)
		for s := int64(1); s <= 3; s++ {
			c.enqueue(dispatchFrame(t, s), true)
		}
		synctest.Wait() // frame 1 at the gate, 2 and 3 in the writer's batch
		c.kill(opcodes.CloseRateLimited, "rate limited")
		rc.release(1)
		<-c.writerDone
		wantSeqs(t, rc, 1)
		if _, code, closed := rc.state(); code != int(opcodes.CloseRateLimited) || !closed {
			t.Fatalf("close %d closed %v, want 4008 and closed", code, closed)
		}
	})
}

// Closing + kill(0) keeps the queued close frame; kill(code) replaces it.
func TestWriterKillWhileClosing(t *testing.T) {
	for _, tc := range []struct {
		kill opcodes.CloseCode
		want int
	}{{0, int(opcodes.CloseSessionTimedOut)}, {opcodes.CloseRateLimited, int(opcodes.CloseRateLimited)}} {
		t.Run(fmt.Sprint(tc.kill), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				rc := newRecordConn(true)
				c := writerConn(t, rc, 0)
				close(c.readerDone)
				c.enqueue(dispatchFrame(t, 1), true)
				synctest.Wait()
				c.closeAfterQueue(opcodes.CloseSessionTimedOut, "timeout")
				c.kill(tc.kill, "")
				rc.release(1)
				<-c.writerDone
				if _, code, _ := rc.state(); code != tc.want {
					t.Fatalf("close code %d, want %d", code, tc.want)
				}
			})
		})
	}
}

// A write error finishes without a close frame; nothing is written afterwards.
func TestWriterWriteError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rc := newRecordConn(false)
		rc.failAt = 2
		c := writerConn(t, rc, 0)
		for s := int64(1); s <= 3; s++ {
			c.enqueue(dispatchFrame(t, s), true)
		}
		<-c.writerDone
		wantSeqs(t, rc, 1)
		if _, code, closed := rc.state(); code != 0 || !closed {
			t.Fatalf("close frame %d closed %v, want none and closed", code, closed)
		}
		// Finished: nothing starts a writer again.
		c.enqueue(dispatchFrame(t, 4), true)
		c.closeAfterQueue(opcodes.CloseUnknownError, "")
		c.kill(opcodes.CloseUnknownError, "")
		synctest.Wait()
		if writing, finished, _ := c.writerState(); writing && !finished {
			t.Fatal("a writer started after finish")
		}
		wantSeqs(t, rc, 1)
		if _, code, _ := rc.state(); code != 0 {
			t.Fatalf("close frame %d sent after finish", code)
		}
	})
}

// An inline write error closes the socket from another goroutine (finish waits for the
// reader, which is the caller).
func TestWriterInlineWriteError(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		rc := newRecordConn(false)
		rc.failAt = 1
		c := writerConn(t, rc, 0)
		c.enqueueReply(dispatchFrame(t, 1)) // must return although finish is under way
		<-c.writerDone
		if _, _, closed := rc.state(); !closed {
			t.Fatal("socket not closed after an inline write error")
		}
	})
}
