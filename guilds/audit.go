package guilds

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync"
	"sync/atomic"
	"time"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// AuditReasonMax is the longest audit-log reason Discord keeps, in UTF-16 code units (what
// Discord and the libraries that check it count); the REST edge cuts longer ones to it.
const AuditReasonMax = 512

// AuditRetention is how long Discord keeps audit log entries; older ones are pruned.
const AuditRetention = 45 * 24 * time.Hour

// auditPruneEvery is how often one node prunes expired entries, on the insert that finds the
// last prune that old (so retention needs no goroutine of its own).
const auditPruneEvery = time.Hour

// messageDeleteWindow is how close together a moderator's deletes of one author's messages in
// one channel must be for Discord to count them in one MESSAGE_DELETE entry.
const messageDeleteWindow = 5 * time.Minute

type auditReasonKey struct{}

// WithAuditReason returns ctx carrying the reason a moderator gave for the action the request
// performs (Discord's X-Audit-Log-Reason header). The REST edge sets it on the routes that
// accept the header, so domain methods can record it without every signature growing a
// parameter.
func WithAuditReason(ctx context.Context, reason string) context.Context {
	return context.WithValue(ctx, auditReasonKey{}, reason)
}

// AuditReason returns the reason WithAuditReason put in ctx, and whether there was one.
func AuditReason(ctx context.Context) (string, bool) {
	r, ok := ctx.Value(auditReasonKey{}).(string)
	return r, ok
}

// auditEntry is what one moderating action records: its guild, Discord's action type, who
// acted (zero: the system, shown as null), the target (zero: null), the changed fields and
// the options. The reason comes from the request's context.
type auditEntry struct {
	GuildID  snowflake.ID
	Action   opcodes.AuditLogEvent
	ActorID  snowflake.ID
	TargetID snowflake.ID
	Changes  auditChanges
	Options  *opcodes.AuditEntryInfo
}

// auditState is the Service's audit log bookkeeping: when this node last pruned, and a lock
// that makes MESSAGE_DELETE coalescing (read the latest entry, bump its count) atomic here.
type auditState struct {
	prunedAt atomic.Int64 // unix nanoseconds
	coalesce sync.Mutex
}

// audit records a moderating action: every area calls it once its change has committed, with
// the entry Discord writes for that action. Parley's storage has no transactions across
// aggregates, so the entry is written right after the change's own commit, not in it; a
// failure to write it is logged and does not undo the action, which already happened. It then
// publishes GUILD_AUDIT_LOG_ENTRY_CREATE to members with VIEW_AUDIT_LOG (GUILD_MODERATION
// intent) and, at most hourly per node, prunes entries older than AuditRetention.
func (s *Service) audit(ctx context.Context, e auditEntry) {
	rec := storage.AuditLogEntry{
		ID:         s.ids.Next(),
		GuildID:    e.GuildID,
		ActionType: int(e.Action),
		UserID:     e.ActorID,
		TargetID:   e.TargetID,
	}
	if len(e.Changes) > 0 {
		rec.Changes = s.encode(opcodes.EventGuildAuditLogEntryCreate, e.Changes)
	}
	if e.Options != nil {
		rec.Options = s.encode(opcodes.EventGuildAuditLogEntryCreate, e.Options)
	}
	if r, ok := AuditReason(ctx); ok && r != "" {
		rec.Reason = &r
	}
	if err := s.store.AuditLog().Create(ctx, rec); err != nil {
		s.log.ErrorContext(ctx, "write audit log entry", "guild_id", e.GuildID, "action_type", int(e.Action), "err", err)
		return
	}
	s.publishAudit(ctx, rec)
	s.pruneAudit(ctx)
}

// auditMessageDelete records a moderator deleting another user's message. Discord keeps one
// entry per (moderator, author, channel) while deletes follow each other within
// messageDeleteWindow, raising its count; only a new entry is announced.
func (s *Service) auditMessageDelete(ctx context.Context, guildID, actor, author, channelID snowflake.ID) {
	s.auditLog.coalesce.Lock()
	defer s.auditLog.coalesce.Unlock()
	latest, err := s.store.AuditLog().List(ctx, guildID, storage.AuditLogQuery{
		UserID: actor, TargetID: author, ActionType: int(opcodes.AuditMessageDelete), Limit: 1})
	if err == nil && len(latest) == 1 && s.now().Sub(latest[0].ID.Time()) < messageDeleteWindow {
		var opt opcodes.AuditEntryInfo
		if json.Unmarshal(latest[0].Options, &opt) == nil && opt.ChannelID == channelID.String() {
			n, _ := strconv.Atoi(opt.Count)
			opt.Count = strconv.Itoa(n + 1)
			rec := latest[0]
			rec.Options = s.encode(opcodes.EventGuildAuditLogEntryCreate, opt)
			if err := s.store.AuditLog().Update(ctx, rec); err != nil {
				s.log.ErrorContext(ctx, "update audit log entry", "guild_id", guildID, "err", err)
			}
			return
		}
	}
	s.audit(ctx, auditEntry{GuildID: guildID, Action: opcodes.AuditMessageDelete, ActorID: actor, TargetID: author,
		Options: &opcodes.AuditEntryInfo{ChannelID: channelID.String(), Count: "1"}})
}

// publishAudit sends GUILD_AUDIT_LOG_ENTRY_CREATE for a stored entry.
func (s *Service) publishAudit(ctx context.Context, rec storage.AuditLogEntry) {
	d := auditShape(rec)
	d.GuildID = ptrID(rec.GuildID)
	s.publish(ctx, events.Event{Name: opcodes.EventGuildAuditLogEntryCreate, GuildID: rec.GuildID,
		Perm: opcodes.PermViewAuditLog}, d)
}

// pruneAudit deletes entries older than AuditRetention, once per auditPruneEvery per node.
func (s *Service) pruneAudit(ctx context.Context) {
	now := s.now()
	last := s.auditLog.prunedAt.Load()
	if now.UnixNano()-last < int64(auditPruneEvery) || !s.auditLog.prunedAt.CompareAndSwap(last, now.UnixNano()) {
		return
	}
	n, err := s.store.AuditLog().DeleteBefore(ctx, snowflake.FromTime(now.Add(-AuditRetention)))
	if err != nil {
		s.log.WarnContext(ctx, "prune audit log", "err", err)
		return
	}
	if n > 0 {
		s.log.DebugContext(ctx, "pruned audit log", "entries", n)
	}
}

// auditShape is a stored entry as Discord's audit log entry object.
func auditShape(rec storage.AuditLogEntry) opcodes.AuditLogEntry {
	out := opcodes.AuditLogEntry{ID: rec.ID, ActionType: opcodes.AuditLogEvent(rec.ActionType), Reason: rec.Reason}
	if rec.UserID != 0 {
		out.UserID = ptrID(rec.UserID)
	}
	if rec.TargetID != 0 {
		out.TargetID = ptrID(rec.TargetID)
	}
	if len(rec.Changes) > 0 {
		_ = json.Unmarshal(rec.Changes, &out.Changes)
	}
	if len(rec.Options) > 0 {
		var opt opcodes.AuditEntryInfo
		if json.Unmarshal(rec.Options, &opt) == nil {
			out.Options = &opt
		}
	}
	return out
}

// auditChanges builds an entry's changes: Discord lists every field of a created object with
// new_value, of a deleted one with old_value, and of an updated one only what changed.
type auditChanges []opcodes.AuditLogChange

func auditJSON(v any) json.RawMessage {
	b, err := json.Marshal(v)
	if err != nil {
		return nil
	}
	return b
}

// created adds a field of a new object.
func (c *auditChanges) created(key string, v any) {
	*c = append(*c, opcodes.AuditLogChange{Key: key, NewValue: auditJSON(v)})
}

// deleted adds a field of a removed object.
func (c *auditChanges) deleted(key string, v any) {
	*c = append(*c, opcodes.AuditLogChange{Key: key, OldValue: auditJSON(v)})
}

// update adds a field whose value went from old to new, if it changed.
func (c *auditChanges) update(key string, old, new any) {
	o, n := auditJSON(old), auditJSON(new)
	if string(o) == string(n) {
		return
	}
	*c = append(*c, opcodes.AuditLogChange{Key: key, OldValue: o, NewValue: n})
}

// AuditLogParams is GET /guilds/{id}/audit-logs's query.
type AuditLogParams struct {
	UserID     snowflake.ID
	TargetID   snowflake.ID
	ActionType int
	Before     snowflake.ID
	After      snowflake.ID
	Limit      int
}

// AuditLog is GET /guilds/{id}/audit-logs: VIEW_AUDIT_LOG; entries newest first (limit 1–100)
// with the users, webhooks and auto moderation rules they refer to. Parley has no
// integrations, threads or scheduled events in the audit log yet: those lists are empty.
func (s *Service) AuditLog(ctx context.Context, actor, guildID snowflake.ID, p AuditLogParams) (opcodes.AuditLog, error) {
	if _, err := s.requireGuildPerm(ctx, guildID, actor, opcodes.PermViewAuditLog); err != nil {
		return opcodes.AuditLog{}, err
	}
	recs, err := s.store.AuditLog().List(ctx, guildID, storage.AuditLogQuery{
		UserID: p.UserID, TargetID: p.TargetID, ActionType: p.ActionType, Before: p.Before, After: p.After, Limit: p.Limit})
	if err != nil {
		return opcodes.AuditLog{}, fmt.Errorf("list audit log: %w", err)
	}
	out := opcodes.AuditLog{
		ApplicationCommands:  []opcodes.ApplicationCommand{},
		AuditLogEntries:      make([]opcodes.AuditLogEntry, 0, len(recs)),
		AutoModerationRules:  []opcodes.AutoModRule{},
		GuildScheduledEvents: []json.RawMessage{},
		Integrations:         []json.RawMessage{},
		Threads:              []opcodes.Channel{},
		Users:                []opcodes.User{},
		Webhooks:             []opcodes.Webhook{},
	}
	var userIDs []snowflake.ID
	webhooks, rules := map[snowflake.ID]bool{}, map[snowflake.ID]bool{}
	for _, r := range recs {
		out.AuditLogEntries = append(out.AuditLogEntries, auditShape(r))
		userIDs = append(userIDs, r.UserID, r.TargetID)
		switch {
		case r.ActionType >= int(opcodes.AuditWebhookCreate) && r.ActionType <= int(opcodes.AuditWebhookDelete):
			webhooks[r.TargetID] = true
		case r.ActionType >= int(opcodes.AuditAutoModRuleCreate) && r.ActionType <= int(opcodes.AuditAutoModRuleDelete):
			rules[r.TargetID] = true
		}
	}
	// Snowflakes are unique across kinds, so looking every target up as a user only finds
	// the targets that are users.
	users, err := s.usersByID(ctx, userIDs)
	if err != nil {
		return opcodes.AuditLog{}, err
	}
	for _, u := range users {
		out.Users = append(out.Users, userShape(u))
	}
	if len(webhooks) > 0 {
		ws, err := s.store.Webhooks().ListByGuild(ctx, guildID)
		if err != nil {
			return opcodes.AuditLog{}, fmt.Errorf("list webhooks: %w", err)
		}
		for _, w := range ws {
			if webhooks[w.ID] {
				out.Webhooks = append(out.Webhooks, webhookShape(w, nil, false))
			}
		}
	}
	if len(rules) > 0 {
		rs, err := s.store.AutoModRules().List(ctx, guildID)
		if err != nil {
			return opcodes.AuditLog{}, fmt.Errorf("list automod rules: %w", err)
		}
		for _, r := range rs {
			if rules[r.ID] {
				if shape, err := autoModShape(r); err == nil {
					out.AutoModerationRules = append(out.AutoModerationRules, shape)
				}
			}
		}
	}
	return out, nil
}
