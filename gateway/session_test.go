package gateway

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"testing"
	"testing/synctest"

	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// startingSession is a session in its starting phase (READY sent, GUILD_CREATEs being built)
// on a recordConn, registered as Identify registers it.
func startingSession(t *testing.T, srv *Server) (*Session, *conn, *recordConn) {
	t.Helper()
	rc := newRecordConn(false)
	c := newConn(srv, rc, encodingJSON, transportNone, nil, 10, "ws://x")
	close(c.readerDone)
	s := &Session{srv: srv, id: newSessionID(), userID: botA, intents: opcodes.IntentsDefault, numShards: 1,
		largeThreshold: 50, guilds: map[snowflake.ID]struct{}{guild0: {}}, log: srv.log, starting: true}
	s.mu.Lock()
	s.attachLocked(c)
	s.mu.Unlock()
	c.sess = s
	if err := srv.store.Put(context.Background(), s); err != nil {
		t.Fatal(err)
	}
	srv.hub.add(s, []snowflake.ID{guild0})
	return s, c, rc
}

// Events held while a session starts are bounded by ReplayBufferSize; past it the session
// ends (resume answers op 9) instead of holding more, and the socket closes with 4000.
func TestHeldEventsBounded(t *testing.T) {
	for _, tc := range []struct {
		events int
		keep   bool
	}{{4, true}, {5, false}, {100, false}} {
		t.Run(fmt.Sprint(tc.events), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				srv, err := New(Config{ReplayBufferSize: 4, Logger: slog.New(slog.DiscardHandler)}, standardDomain())
				if err != nil {
					t.Fatal(err)
				}
				defer srv.Shutdown(context.Background())
				s, c, rc := startingSession(t, srv)
				for i := range tc.events {
					p, err := newPayload(opcodes.EventMessageCreate, map[string]int{"n": i})
					if err != nil {
						t.Fatal(err)
					}
					s.deliver(p)
					s.mu.Lock()
					held := len(s.held)
					s.mu.Unlock()
					if held > 4 {
						t.Fatalf("%d events held, bound is ReplayBufferSize=4", held)
					}
				}
				if got := s.finishStart(); got != tc.keep {
					t.Fatalf("finishStart = %v, want %v", got, tc.keep)
				}
				_, err = srv.store.Get(context.Background(), s.id)
				if tc.keep {
					synctest.Wait()
					wantSeqs(t, rc, 1, 2, 3, 4)
					if err != nil {
						t.Fatalf("session gone: %v", err)
					}
					c.kill(0, "")
					return
				}
				<-c.writerDone
				if !errors.Is(err, ErrSessionNotFound) {
					t.Fatalf("overflowed session still resumable: %v", err)
				}
				if n, code, _ := rc.state(); n != 0 || code != int(opcodes.CloseUnknownError) {
					t.Fatalf("writes=%d close=%d, want nothing then 4000", n, code)
				}
			})
		})
	}
}
