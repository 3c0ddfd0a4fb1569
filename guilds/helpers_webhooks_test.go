package guilds_test

// Fixture helpers for the ban, invite, webhook and emoji tests. They build on service_test.go's
// fixture and carry a bw prefix so they cannot collide with other test helpers.

import (
	"encoding/base64"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// bwClock is a settable clock for guilds.Config.Now.
type bwClock struct{ ns atomic.Int64 }

func (c *bwClock) now() time.Time          { return time.Unix(0, c.ns.Load()) }
func (c *bwClock) set(t time.Time)         { c.ns.Store(t.UnixNano()) }
func (c *bwClock) advance(d time.Duration) { c.ns.Add(int64(d)) }

// bwClockFixture is newFixture with a clock the test controls, starting at the real time.
func bwClockFixture(t *testing.T) (*fixture, *bwClock) {
	t.Helper()
	clock := &bwClock{}
	clock.set(time.Now())
	return newFixture(t, func(c *guilds.Config) { c.Now = clock.now }), clock
}

// bwMark returns how many events have been published so far.
func bwMark(f *fixture) int {
	f.rec.mu.Lock()
	defer f.rec.mu.Unlock()
	return len(f.rec.events)
}

// bwEventsSince returns the events published after mark, optionally only those named name.
func bwEventsSince(f *fixture, mark int, name opcodes.EventName) []events.Event {
	f.rec.mu.Lock()
	defer f.rec.mu.Unlock()
	var out []events.Event
	for _, ev := range f.rec.events[mark:] {
		if name == "" || ev.Name == name {
			out = append(out, ev)
		}
	}
	return out
}

// bwOneEvent asserts exactly one event named name was published after mark and returns it.
func bwOneEvent(t *testing.T, f *fixture, mark int, name opcodes.EventName) events.Event {
	t.Helper()
	evs := bwEventsSince(f, mark, name)
	if len(evs) != 1 {
		t.Fatalf("%s events = %+v, want exactly one", name, evs)
	}
	return evs[0]
}

// bwNoEvents asserts nothing was published after mark.
func bwNoEvents(t *testing.T, f *fixture, mark int) {
	t.Helper()
	if evs := bwEventsSince(f, mark, ""); len(evs) != 0 {
		t.Fatalf("events = %+v, want none", evs)
	}
}

// bwRole has the owner create a role with perms and give it to members; it returns the role.
func bwRole(f *fixture, perms opcodes.Permissions, members ...snowflake.ID) snowflake.ID {
	f.t.Helper()
	r, err := f.svc.CreateRole(f.ctx, f.owner, f.guild.ID, guilds.RoleParams{Permissions: &perms})
	if err != nil {
		f.t.Fatalf("create role: %v", err)
	}
	for _, m := range members {
		if err := f.svc.AddMemberRole(f.ctx, f.owner, f.guild.ID, m, r.ID); err != nil {
			f.t.Fatalf("add role: %v", err)
		}
	}
	return r.ID
}

// bwEveryone sets the @everyone role's permissions.
func bwEveryone(f *fixture, perms opcodes.Permissions) {
	f.t.Helper()
	if _, err := f.svc.ModifyRole(f.ctx, f.owner, f.guild.ID, f.guild.ID, guilds.RoleParams{Permissions: &perms}); err != nil {
		f.t.Fatalf("modify @everyone: %v", err)
	}
}

// bwChannel has the owner create a guild channel of type typ.
func bwChannel(f *fixture, name string, typ opcodes.ChannelType) snowflake.ID {
	f.t.Helper()
	ty := int(typ)
	ch, err := f.svc.CreateChannel(f.ctx, f.owner, f.guild.ID, guilds.ChannelParams{Name: &name, Type: &ty})
	if err != nil {
		f.t.Fatalf("create channel: %v", err)
	}
	return ch.ID
}

// bwPost has actor post content in channelID.
func bwPost(f *fixture, actor, channelID snowflake.ID, content string) snowflake.ID {
	f.t.Helper()
	m, err := f.svc.CreateMessage(f.ctx, actor, channelID, guilds.MessageParams{Content: content})
	if err != nil {
		f.t.Fatalf("post: %v", err)
	}
	return m.ID
}

// bwImage returns a data URI of n bytes with the given MIME type (the domain checks the
// envelope and size, not the pixels).
func bwImage(mime string, n int) string {
	data := make([]byte, n)
	for i := range data {
		data[i] = byte(i)
	}
	return "data:" + mime + ";base64," + base64.StdEncoding.EncodeToString(data)
}

func bwPNG() string { return bwImage("image/png", 64) }
func bwGIF() string { return bwImage("image/gif", 64) }
