package guilds_test

import (
	"context"
	"encoding/json"
	"errors"
	"testing"
	"time"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

func TestAuditEntryEvent(t *testing.T) {
	var st storage.Store
	f := newFixture(t, func(c *guilds.Config) { st = c.Store })
	// Entries past the 45-day retention go on the next write (here the invite f.member
	// creates); recent ones stay.
	now := time.Now()
	old := storage.AuditLogEntry{ID: snowflake.FromTime(now.Add(-50 * 24 * time.Hour)), GuildID: f.guild.ID, ActionType: 1}
	recent := storage.AuditLogEntry{ID: snowflake.FromTime(now.Add(-24 * time.Hour)), GuildID: f.guild.ID, ActionType: 1}
	for _, e := range []storage.AuditLogEntry{old, recent} {
		if err := st.AuditLog().Create(f.ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	m := f.member("victim")
	mark := bwMark(f)
	ctx := guilds.WithAuditReason(f.ctx, "rule 3")
	if err := f.svc.KickMember(ctx, f.owner, f.guild.ID, m); err != nil {
		t.Fatalf("kick: %v", err)
	}
	evs := bwEventsSince(f, mark, opcodes.EventGuildAuditLogEntryCreate)
	if len(evs) != 1 || evs[0].GuildID != f.guild.ID || evs[0].Perm != opcodes.PermViewAuditLog || evs[0].ChannelID != 0 {
		t.Fatalf("audit events = %+v", evs)
	}
	d := eventData[opcodes.AuditLogEntry](t, evs[0])
	if d.ActionType != opcodes.AuditMemberKick || d.TargetID == nil || *d.TargetID != m || d.UserID == nil || *d.UserID != f.owner ||
		d.Reason == nil || *d.Reason != "rule 3" || d.GuildID == nil || *d.GuildID != f.guild.ID {
		t.Fatalf("entry = %+v", d)
	}
	log, err := f.svc.AuditLog(f.ctx, f.owner, f.guild.ID, guilds.AuditLogParams{Limit: 100})
	if err != nil {
		t.Fatal(err)
	}
	ids := map[snowflake.ID]bool{}
	for _, e := range log.AuditLogEntries {
		ids[e.ID] = true
	}
	if ids[old.ID] || !ids[recent.ID] || !ids[d.ID] {
		t.Fatalf("after retention: %v (old %v, recent %v)", ids, old.ID, recent.ID)
	}
}

func keywordParams(words ...string) guilds.AutoModRuleParams {
	name, ev, trig, on := "words", 1, 1, true
	return guilds.AutoModRuleParams{Name: &name, EventType: &ev, TriggerType: &trig, Enabled: &on,
		TriggerMetadata: &opcodes.AutoModTriggerMetadata{KeywordFilter: &words},
		Actions:         &[]opcodes.AutoModAction{{Type: opcodes.AutoModActionBlockMessage}}}
}

func TestAutoModRuleEvents(t *testing.T) {
	f := newFixture(t)
	m := f.member("plain")
	mark := bwMark(f)
	r, err := f.svc.CreateAutoModRule(f.ctx, f.owner, f.guild.ID, keywordParams("nope"))
	if err != nil {
		t.Fatal(err)
	}
	renamed := "renamed"
	if _, err := f.svc.ModifyAutoModRule(f.ctx, f.owner, f.guild.ID, r.ID, guilds.AutoModRuleParams{Name: &renamed}); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.DeleteAutoModRule(f.ctx, f.owner, f.guild.ID, r.ID); err != nil {
		t.Fatal(err)
	}
	for _, name := range []opcodes.EventName{opcodes.EventAutoModRuleCreate, opcodes.EventAutoModRuleUpdate, opcodes.EventAutoModRuleDelete} {
		evs := bwEventsSince(f, mark, name)
		if len(evs) != 1 || evs[0].Perm != opcodes.PermManageGuild || evs[0].GuildID != f.guild.ID || !evs[0].Cache {
			t.Fatalf("%s: %+v", name, evs)
		}
		if d := eventData[opcodes.AutoModRule](t, evs[0]); d.ID != r.ID {
			t.Fatalf("%s: d = %+v", name, d)
		}
	}
	_, err = f.svc.CreateAutoModRule(f.ctx, m, f.guild.ID, keywordParams("x"))
	wantErr(t, err, guilds.ErrMissingPermissions)
	_, err = f.svc.AutoModRule(f.ctx, f.owner, f.guild.ID, r.ID)
	wantErr(t, err, guilds.ErrUnknownAutoModRule)
}

func TestAutoModExecutionEvent(t *testing.T) {
	f := newFixture(t)
	m := f.member("talker")
	if _, err := f.svc.CreateAutoModRule(f.ctx, f.owner, f.guild.ID, keywordParams("*secret*")); err != nil {
		t.Fatal(err)
	}
	mark := bwMark(f)
	_, err := f.svc.CreateMessage(f.ctx, m, f.chID, guilds.MessageParams{Content: "top SECRETS here"})
	if !errors.Is(err, guilds.ErrAutoModBlocked) {
		t.Fatalf("err = %v, want ErrAutoModBlocked", err)
	}
	if evs := bwEventsSince(f, mark, opcodes.EventMessageCreate); len(evs) != 0 {
		t.Fatalf("blocked message published: %+v", evs)
	}
	evs := bwEventsSince(f, mark, opcodes.EventAutoModActionExecution)
	if len(evs) != 1 || evs[0].Perm != opcodes.PermManageGuild || evs[0].GuildID != f.guild.ID {
		t.Fatalf("executions = %+v", evs)
	}
	d := eventData[opcodes.AutoModActionExecution](t, evs[0])
	if d.Content != "top SECRETS here" || d.MatchedKeyword == nil || *d.MatchedKeyword != "*secret*" ||
		d.MatchedContent == nil || *d.MatchedContent != "SECRETS" || d.UserID != m || d.MessageID != nil || d.Action.Type != 1 {
		t.Fatalf("execution = %+v", d)
	}
	var st opcodes.AutoModActionExecution
	if err := jsonUnmarshal(evs[0].Stripped, &st); err != nil || st.Content != "" || st.MatchedContent == nil || *st.MatchedContent != "" {
		t.Fatalf("stripped form %s (%v)", evs[0].Stripped, err)
	}
	// The owner (MANAGE_GUILD) is not checked.
	if _, err := f.svc.CreateMessage(context.Background(), f.owner, f.chID, guilds.MessageParams{Content: "secret"}); err != nil {
		t.Fatalf("owner: %v", err)
	}
}

func jsonUnmarshal(b []byte, v any) error { return json.Unmarshal(b, v) }
