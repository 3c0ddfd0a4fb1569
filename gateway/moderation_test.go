package gateway

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

const (
	iGuildModeration  = 1 << 2
	iAutoModConfig    = 1 << 20
	iAutoModExecution = 1 << 21
)

// GUILD_AUDIT_LOG_ENTRY_CREATE and the AUTO_MODERATION_* events reach sessions with the
// event's intent and the permission the domain scopes it with (VIEW_AUDIT_LOG, MANAGE_GUILD),
// and no one else. AUTO_MODERATION_ACTION_EXECUTION carries content only with MESSAGE_CONTENT.
func TestModerationEvents(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dom := standardDomain()
		ts := newBubbleServer(t, Config{}, dom)
		dom.mu.Lock()
		dom.perms[[2]snowflake.ID{guild0, botA}] = opcodes.PermViewAuditLog | opcodes.PermManageGuild
		dom.mu.Unlock()
		all := iGuildModeration | iAutoModConfig | iAutoModExecution
		a := dial(t, ts.url, dialOpt{}) // intents and permissions
		a.hello()
		a.identify("tokA", all|iMessageContent, "")
		noPerm := dial(t, ts.url, dialOpt{}) // intents, no permissions
		noPerm.hello()
		noPerm.identify("tokB", all, "")
		ctx := context.Background()

		// A second session of botA without the intents.
		noIntent := dial(t, ts.url, dialOpt{})
		noIntent.hello()
		noIntent.identify("tokA", iBasic, "")

		entry := opcodes.AuditLogEntry{ID: 5, ActionType: opcodes.AuditMemberKick, GuildID: ptr(guild0)}
		ts.srv.publish(ctx, events.Event{Name: opcodes.EventGuildAuditLogEntryCreate, GuildID: guild0, Perm: opcodes.PermViewAuditLog}, entry)
		if d := a.expectDispatch("GUILD_AUDIT_LOG_ENTRY_CREATE").data(t); d["guild_id"] != guild0.String() || d["action_type"].(float64) != 20 {
			t.Fatalf("audit entry %v", d)
		}
		for _, name := range []opcodes.EventName{opcodes.EventAutoModRuleCreate, opcodes.EventAutoModRuleUpdate, opcodes.EventAutoModRuleDelete} {
			ts.srv.publish(ctx, events.Event{Name: name, GuildID: guild0, Perm: opcodes.PermManageGuild},
				opcodes.AutoModRule{ID: 7, GuildID: guild0, Name: "r", TriggerType: 1})
			if d := a.expectDispatch(string(name)).data(t); d["name"] != "r" {
				t.Fatalf("%s: %v", name, d)
			}
		}
		kw, matched := "bad*", "badly"
		exec := opcodes.AutoModActionExecution{GuildID: guild0, RuleID: 7, RuleTriggerType: 1, UserID: human,
			Action: opcodes.AutoModAction{Type: 1}, Content: "so badly", MatchedKeyword: &kw, MatchedContent: &matched}
		stripped := exec
		empty := ""
		stripped.Content, stripped.MatchedContent = "", &empty
		ts.srv.publish(ctx, events.Event{Name: opcodes.EventAutoModActionExecution, GuildID: guild0, Perm: opcodes.PermManageGuild,
			Stripped: mustJSON(t, stripped)}, exec)
		if d := a.expectDispatch("AUTO_MODERATION_ACTION_EXECUTION").data(t); d["content"] != "so badly" || d["matched_content"] != "badly" {
			t.Fatalf("execution with MESSAGE_CONTENT: %v", d)
		}
		noPerm.expectNothing()
		noIntent.expectNothing()

		// botB gains the permissions but has no MESSAGE_CONTENT: content is stripped.
		dom.mu.Lock()
		dom.perms[[2]snowflake.ID{guild0, botB}] = opcodes.PermManageGuild
		dom.mu.Unlock()
		ts.srv.publish(ctx, events.Event{Name: opcodes.EventAutoModActionExecution, GuildID: guild0, Perm: opcodes.PermManageGuild,
			Stripped: mustJSON(t, stripped)}, exec)
		a.expectDispatch("AUTO_MODERATION_ACTION_EXECUTION")
		if d := noPerm.expectDispatch("AUTO_MODERATION_ACTION_EXECUTION").data(t); d["content"] != "" || d["matched_content"] != "" || d["matched_keyword"] != "bad*" {
			t.Fatalf("execution without MESSAGE_CONTENT: %v", d)
		}
		noIntent.expectNothing()
	})
}

func ptr[T any](v T) *T { return &v }
