package gateway

import (
	"bytes"
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

var errDown = errors.New("redis does not answer")

// downPresences and downIdentify are shared stores whose every call fails, as with Redis
// unreachable.
type downPresences struct{}

func (downPresences) SetPresence(context.Context, snowflake.ID, opcodes.PresenceUpdateData) error {
	return errDown
}
func (downPresences) Presences(context.Context, []snowflake.ID) (map[snowflake.ID]opcodes.PresenceUpdateData, error) {
	return nil, errDown
}
func (downPresences) ClearPresence(context.Context, snowflake.ID) (bool, error) {
	return false, errDown
}

type downIdentify struct{}

func (downIdentify) AllowIdentify(context.Context, snowflake.ID, int, time.Duration, int, time.Duration) (bool, error) {
	return false, errDown
}
func (downIdentify) SessionStarts(context.Context, snowflake.ID, time.Duration) (int, time.Duration, error) {
	return 0, 0, errDown
}

// TestSharedStoresFallBackPerNode: when the shared presence store and Identify limiter fail,
// the gateway answers from this node's own state (presences of its users, per-node limits)
// and logs the switch once each.
func TestSharedStoresFallBackPerNode(t *testing.T) {
	var logs bytes.Buffer
	cfg := Config{Presences: downPresences{}, IdentifyLimiter: downIdentify{}, Logger: slog.New(slog.NewTextHandler(&logs, nil))}
	cfg.setDefaults()
	ctx := context.Background()

	p := newPresenceStore(cfg)
	p.set(ctx, 1, opcodes.PresenceUpdateData{Status: "dnd"})
	if got := p.getMany(ctx, []snowflake.ID{1, 2}); len(got) != 1 || got[1].Status != "dnd" {
		t.Fatalf("presences while the shared store is down: %v", got)
	}
	if !p.clear(ctx, 1) || p.clear(ctx, 1) {
		t.Fatal("clear while down: want offline once")
	}

	l := newIdentifyLimiter(cfg)
	if !l.allow(ctx, 5, 0) || l.allow(ctx, 5, 0) {
		t.Fatal("identify while down: want the per-node bucket (first allowed, second refused)")
	}
	if total, remaining, _, _ := l.snapshot(ctx, 5); remaining != total-1 {
		t.Fatalf("snapshot while down: %d of %d remaining, want one used", remaining, total)
	}
	out := logs.String()
	if strings.Count(out, "shared presence store does not answer") != 1 || strings.Count(out, "shared identify limiter does not answer") != 1 {
		t.Fatalf("want one log line each:\n%s", out)
	}
}
