package gateway

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"testing"
	"testing/synctest"
	"time"

	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// blockingMembers is a Domain whose member search blocks: until its context ends (honour) or
// until release is closed (a lookup that ignores cancellation).
type blockingMembers struct {
	*fakeDomain
	honour   bool
	started  chan struct{}
	release  chan struct{}
	returned atomic.Bool
}

func (b *blockingMembers) SearchMembers(ctx context.Context, _ snowflake.ID, _ string, _ int) ([]opcodes.Member, error) {
	b.started <- struct{}{}
	if b.honour {
		<-ctx.Done()
	} else {
		<-b.release
	}
	b.returned.Store(true)
	return nil, errors.New("lookup ended")
}

// Shutdown waits for op 8 lookups: it cancels them and returns once they have, or reports
// that ctx ended first. A lookup asked for after that never starts.
func TestShutdownWaitsForMemberLookups(t *testing.T) {
	req := json.RawMessage(fmt.Sprintf(`{"guild_id":"%s","query":"m","limit":5}`, guild0))
	for _, honour := range []bool{true, false} {
		t.Run(fmt.Sprintf("lookup honours cancellation %v", honour), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				dom := &blockingMembers{fakeDomain: standardDomain(), honour: honour,
					started: make(chan struct{}, 2), release: make(chan struct{})}
				srv, err := New(Config{Logger: slog.New(slog.DiscardHandler)}, dom)
				if err != nil {
					t.Fatal(err)
				}
				_, c, _ := attachFake(srv, botA, opcodes.IntentsDefault|opcodes.IntentGuildMembers, transportNone)
				if err := c.handleRequestMembers(req); err != nil {
					t.Fatal(err)
				}
				<-dom.started
				ctx, cancel := context.WithTimeout(context.Background(), time.Second)
				defer cancel()
				err = srv.Shutdown(ctx)
				if honour {
					if err != nil || !dom.returned.Load() {
						t.Fatalf("Shutdown = %v, lookup returned %v; want nil after the lookup", err, dom.returned.Load())
					}
				} else {
					if !errors.Is(err, context.DeadlineExceeded) || dom.returned.Load() {
						t.Fatalf("Shutdown = %v, lookup returned %v; want the deadline while it runs", err, dom.returned.Load())
					}
					close(dom.release)
					synctest.Wait()
				}
				if err := c.handleRequestMembers(req); err != nil {
					t.Fatal(err)
				}
				synctest.Wait()
				if len(dom.started) != 0 {
					t.Fatal("a member lookup started after Shutdown")
				}
				c.kill(0, "")
			})
		})
	}
}
