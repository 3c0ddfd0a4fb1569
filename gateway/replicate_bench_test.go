package gateway

import (
	"context"
	"fmt"
	"testing"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// discardSessions is a SessionStore that keeps nothing, to measure the gateway's side alone.
type discardSessions struct{ frames int }

func (d *discardSessions) Write(_ context.Context, ws []events.SessionWrite) error {
	for _, w := range ws {
		d.frames += len(w.Frames)
	}
	return nil
}
func (*discardSessions) Load(context.Context, string) (events.SessionState, int64, []events.SessionFrame, error) {
	return events.SessionState{}, 0, nil, events.ErrNoSession
}
func (*discardSessions) Claim(context.Context, string, string) (string, error) { return "", nil }
func (*discardSessions) Owner(context.Context, string) (string, error)         { return "", nil }
func (*discardSessions) Delete(context.Context, string, string) error          { return nil }

// BenchmarkSessionSend is the per-dispatch cost of Session.send (seq, replay buffer) on a
// detached session, without and with replication (queueing the frame, plus the flush that
// batches it, every 100 dispatches here).
func BenchmarkSessionSend(b *testing.B) {
	p, _ := newPayload(opcodes.EventMessageCreate, benchMessage(1))
	for _, shared := range []bool{false, true} {
		b.Run(fmt.Sprintf("replicated=%v", shared), func(b *testing.B) {
			srv := &Server{cfg: Config{ReplayBufferSize: 1024}}
			srv.cfg.setDefaults()
			srv.log = srv.cfg.Logger
			if shared {
				srv.repl = &replicator{srv: srv, store: &discardSessions{}, node: "a", pending: make(map[*Session]*pendingWrite)}
			}
			s := &Session{srv: srv, id: "bench", guilds: map[snowflake.ID]struct{}{guild0: {}}}
			b.ReportAllocs()
			for i := 0; b.Loop(); i++ {
				s.send(p, true)
				if shared && i%100 == 99 {
					srv.repl.flush()
				}
			}
		})
	}
}
