package gateway

import (
	"context"
	"time"

	"github.com/parley-chat/parley/opcodes"
)

// drainTick is the shortest gap between two op 7 batches: a large node spreads its sessions
// over DrainTime in batches at most this often, rather than in one timer per connection.
const drainTick = 50 * time.Millisecond

// drainSteps splits n connections into batches told every interval over d: at most one
// batch per drainTick and never more batches than connections. d == 0 is one batch.
func drainSteps(n int, d time.Duration) (steps, per int, interval time.Duration) {
	if n == 0 {
		return 0, 0, 0
	}
	steps = 1
	if d > 0 {
		steps = min(n, max(1, int(d/drainTick)))
	}
	per = (n + steps - 1) / steps
	steps = (n + per - 1) / per // the last batch is never empty
	return steps, per, d / time.Duration(steps)
}

// toldBatch is a batch of connections told op 7, closed at closeAt if still open.
type toldBatch struct {
	conns   []*conn
	closeAt time.Time
}

// drain tells conns op 7 in batches: batch i at i×DrainTime/steps after the start, so the
// last one is told before DrainTime has passed. Each batch is closed with 4000 (resumable)
// DrainGrace after its op 7; a client that left before has nothing to close. It returns once
// every batch is told and closed, when every connection is gone (done), or when ctx ends.
// One goroutine (the caller's) and one timer do all of it.
func (s *Server) drain(ctx context.Context, conns []*conn, done <-chan struct{}) {
	steps, per, interval := drainSteps(len(conns), s.cfg.DrainTime)
	start := time.Now()
	var told []toldBatch // FIFO: closeAt grows with the batch
	timer := time.NewTimer(0)
	defer timer.Stop()
	for step := 0; step < steps || len(told) > 0; {
		now := time.Now()
		for ; step < steps && !now.Before(start.Add(time.Duration(step)*interval)); step++ {
			batch := conns[step*per : min((step+1)*per, len(conns))]
			for _, c := range batch {
				c.enqueue(frame{op: opcodes.Reconnect, p: dNull}, false)
			}
			told = append(told, toldBatch{conns: batch, closeAt: now.Add(s.cfg.DrainGrace)})
		}
		for len(told) > 0 && !now.Before(told[0].closeAt) {
			for _, c := range told[0].conns {
				c.closeAfterQueue(opcodes.CloseUnknownError, "node draining")
			}
			told = told[1:]
		}
		var next time.Time
		if step < steps {
			next = start.Add(time.Duration(step) * interval)
		}
		if len(told) > 0 && (next.IsZero() || told[0].closeAt.Before(next)) {
			next = told[0].closeAt
		}
		if next.IsZero() {
			return
		}
		timer.Reset(time.Until(next))
		select {
		case <-timer.C:
		case <-done:
			return
		case <-ctx.Done():
			return
		}
	}
}
