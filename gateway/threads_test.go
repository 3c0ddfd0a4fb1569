package gateway

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// TestThreadEvents checks the gateway's thread rules: THREAD_* need GUILDS; a private thread's
// events reach only its members and MANAGE_THREADS holders; THREAD_MEMBERS_UPDATE reaches a
// session without GUILD_MEMBERS only when its own user was added or removed.
func TestThreadEvents(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dom := standardDomain()
		ts := newBubbleServer(t, Config{}, dom)
		a := dial(t, ts.url, dialOpt{}) // GUILDS + GUILD_MEMBERS
		a.hello()
		a.identify("tokA", iGuilds|iGuildMembers, "")
		b := dial(t, ts.url, dialOpt{}) // GUILDS only
		b.hello()
		b.identify("tokB", iGuilds, "")
		h := dial(t, ts.url, dialOpt{}) // no GUILDS
		h.hello()
		h.identify("tokH", iGuildMessages, "")
		ctx := context.Background()
		th := map[string]any{"id": "6000", "type": 11}

		// A public thread: everyone who sees the parent, with GUILDS.
		for _, name := range []opcodes.EventName{opcodes.EventThreadCreate, opcodes.EventThreadUpdate, opcodes.EventThreadDelete, opcodes.EventThreadListSync} {
			ts.srv.publish(ctx, events.Event{Name: name, GuildID: guild0, ChannelID: chanG0}, th)
			a.expectDispatch(string(name))
			b.expectDispatch(string(name))
		}
		h.expectNothing()

		// A private thread: botB is a member, botA is not and lacks MANAGE_THREADS.
		ts.srv.publish(ctx, events.Event{Name: opcodes.EventThreadUpdate, GuildID: guild0, ChannelID: chanG0,
			ThreadPrivate: true, ThreadMembers: []snowflake.ID{botB}}, th)
		b.expectDispatch("THREAD_UPDATE")
		a.expectNothing()
		dom.mu.Lock()
		dom.perms[[2]snowflake.ID{guild0, botA}] = opcodes.PermManageThreads
		dom.mu.Unlock()
		ts.srv.publish(ctx, events.Event{Name: opcodes.EventThreadUpdate, GuildID: guild0, ChannelID: chanG0,
			ThreadPrivate: true, ThreadMembers: []snowflake.ID{botB}}, th)
		a.expectDispatch("THREAD_UPDATE") // MANAGE_THREADS sees every private thread
		b.expectDispatch("THREAD_UPDATE")
		// Without VIEW_CHANNEL on the parent, membership alone is not enough.
		dom.hidden[[2]snowflake.ID{chanG1, botB}] = true
		ts.srv.publish(ctx, events.Event{Name: opcodes.EventThreadUpdate, GuildID: guild0, ChannelID: chanG1,
			ThreadPrivate: true, ThreadMembers: []snowflake.ID{botB}}, th)
		a.expectDispatch("THREAD_UPDATE")
		b.expectNothing()

		// THREAD_MEMBERS_UPDATE about someone else: GUILD_MEMBERS only.
		ts.srv.publish(ctx, events.Event{Name: opcodes.EventThreadMembersUpdate, GuildID: guild0, ChannelID: chanG0,
			ThreadAffected: []snowflake.ID{human}}, map[string]any{"id": "6000"})
		a.expectDispatch("THREAD_MEMBERS_UPDATE")
		b.expectNothing()
		// About botB itself: botB gets it without GUILD_MEMBERS.
		ts.srv.publish(ctx, events.Event{Name: opcodes.EventThreadMembersUpdate, GuildID: guild0, ChannelID: chanG0,
			ThreadAffected: []snowflake.ID{botB}}, map[string]any{"id": "6000"})
		a.expectDispatch("THREAD_MEMBERS_UPDATE")
		b.expectDispatch("THREAD_MEMBERS_UPDATE")

		// THREAD_MEMBER_UPDATE goes to the member only.
		ts.srv.publish(ctx, events.Event{Name: opcodes.EventThreadMemberUpdate, GuildID: guild0, UserIDs: []snowflake.ID{botB}},
			map[string]any{"id": "6000", "user_id": botB.String()})
		b.expectDispatch("THREAD_MEMBER_UPDATE")
		a.expectNothing()
		h.expectNothing()
	})
}
