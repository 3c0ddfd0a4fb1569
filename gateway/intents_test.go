package gateway

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// intentRows are Discord's documented intent for each gated dispatch (developers/events/
// gateway.mdx, "List of Intents"), written out independently of opcodes.EventIntent so that
// a wrong mapping there fails here. dm is the intent in a DM context (0: not sent in DMs).
// When an event gains a producer, add its row.
var intentRows = []struct {
	event     string
	guild, dm opcodes.Intents
}{
	{"GUILD_UPDATE", opcodes.IntentGuilds, 0},
	{"GUILD_ROLE_CREATE", opcodes.IntentGuilds, 0},
	{"GUILD_ROLE_UPDATE", opcodes.IntentGuilds, 0},
	{"GUILD_ROLE_DELETE", opcodes.IntentGuilds, 0},
	{"CHANNEL_CREATE", opcodes.IntentGuilds, 0},
	{"CHANNEL_UPDATE", opcodes.IntentGuilds, 0},
	{"CHANNEL_DELETE", opcodes.IntentGuilds, 0},
	{"CHANNEL_PINS_UPDATE", opcodes.IntentGuilds, opcodes.IntentDirectMessages},
	{"GUILD_MEMBER_ADD", opcodes.IntentGuildMembers, 0},
	{"GUILD_MEMBER_UPDATE", opcodes.IntentGuildMembers, 0},
	{"GUILD_MEMBER_REMOVE", opcodes.IntentGuildMembers, 0},
	{"GUILD_BAN_ADD", opcodes.IntentGuildModeration, 0},
	{"GUILD_BAN_REMOVE", opcodes.IntentGuildModeration, 0},
	{"GUILD_AUDIT_LOG_ENTRY_CREATE", opcodes.IntentGuildModeration, 0},
	{"AUTO_MODERATION_RULE_CREATE", opcodes.IntentAutoModerationConfiguration, 0},
	{"AUTO_MODERATION_RULE_UPDATE", opcodes.IntentAutoModerationConfiguration, 0},
	{"AUTO_MODERATION_RULE_DELETE", opcodes.IntentAutoModerationConfiguration, 0},
	{"AUTO_MODERATION_ACTION_EXECUTION", opcodes.IntentAutoModerationExecution, 0},
	{"GUILD_EMOJIS_UPDATE", opcodes.IntentGuildExpressions, 0},
	{"WEBHOOKS_UPDATE", opcodes.IntentGuildWebhooks, 0},
	{"INVITE_CREATE", opcodes.IntentGuildInvites, 0},
	{"INVITE_DELETE", opcodes.IntentGuildInvites, 0},
	{"VOICE_STATE_UPDATE", opcodes.IntentGuildVoiceStates, 0},
	{"GUILD_INTEGRATIONS_UPDATE", opcodes.IntentGuildIntegrations, 0},
	{"INTEGRATION_CREATE", opcodes.IntentGuildIntegrations, 0},
	{"INTEGRATION_UPDATE", opcodes.IntentGuildIntegrations, 0},
	{"INTEGRATION_DELETE", opcodes.IntentGuildIntegrations, 0},
	{"PRESENCE_UPDATE", opcodes.IntentGuildPresences, 0},
	{"MESSAGE_CREATE", opcodes.IntentGuildMessages, opcodes.IntentDirectMessages},
	{"MESSAGE_UPDATE", opcodes.IntentGuildMessages, opcodes.IntentDirectMessages},
	{"MESSAGE_DELETE", opcodes.IntentGuildMessages, opcodes.IntentDirectMessages},
	{"MESSAGE_DELETE_BULK", opcodes.IntentGuildMessages, 0},
	{"MESSAGE_REACTION_ADD", opcodes.IntentGuildMessageReactions, opcodes.IntentDirectMessageReactions},
	{"MESSAGE_REACTION_REMOVE", opcodes.IntentGuildMessageReactions, opcodes.IntentDirectMessageReactions},
	{"MESSAGE_REACTION_REMOVE_ALL", opcodes.IntentGuildMessageReactions, opcodes.IntentDirectMessageReactions},
	{"MESSAGE_REACTION_REMOVE_EMOJI", opcodes.IntentGuildMessageReactions, opcodes.IntentDirectMessageReactions},
	{"TYPING_START", opcodes.IntentGuildMessageTyping, opcodes.IntentDirectMessageTyping},
}

// TestEventIntents publishes every gated event in its guild (and DM) scope to two sessions of
// members: the one that named the intent receives it, the one that named every other
// non-privileged intent does not. Then an ungated event reaches both, so a session that got
// nothing was not simply disconnected.
func TestEventIntents(t *testing.T) {
	for _, row := range intentRows {
		for _, dm := range []bool{false, true} {
			need := row.guild
			scope := "guild"
			if dm {
				need, scope = row.dm, "dm"
			}
			if need == 0 {
				continue
			}
			t.Run(row.event+"/"+scope, func(t *testing.T) {
				if got, gated := opcodes.EventIntent(opcodes.EventName(row.event), dm); !gated || got != need {
					t.Fatalf("opcodes.EventIntent(%s, dm=%v) = %d, %v; Discord documents %d", row.event, dm, got, gated, need)
				}
				synctest.Test(t, func(t *testing.T) {
					ts := newBubbleServer(t, Config{}, standardDomain())
					with := dial(t, ts.url, dialOpt{})
					with.hello()
					with.identify("tokA", int(need), "")
					without := dial(t, ts.url, dialOpt{})
					without.hello()
					without.identify("tokB", int(opcodes.IntentsDefault&^need), "")
					drain(with) // the other bot's own PRESENCE_UPDATEs as it came online
					ev := events.Event{Name: opcodes.EventName(row.event), GuildID: guild0, Subject: human}
					if dm {
						ev = events.Event{Name: opcodes.EventName(row.event), UserIDs: []snowflake.ID{botA, botB}, Subject: human}
					}
					ts.srv.publish(context.Background(), ev, map[string]any{"marker": row.event})
					with.expectDispatch(row.event)
					without.expectNothing()
					ts.srv.publish(context.Background(), events.Event{Name: opcodes.EventInteractionCreate, UserIDs: []snowflake.ID{botA, botB}}, map[string]any{"id": "1"})
					with.expectDispatch("INTERACTION_CREATE")
					without.expectDispatch("INTERACTION_CREATE")
				})
			})
		}
	}
}

// drain discards what the server has sent c so far; it must run inside a synctest bubble.
func drain(c *client) {
	synctest.Wait()
	for {
		select {
		case <-c.msgs:
		default:
			return
		}
	}
}
