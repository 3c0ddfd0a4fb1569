package storagetest

import (
	"encoding/json"
	"testing"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

func auditIDs(es []storage.AuditLogEntry) []snowflake.ID {
	return idsOf(es, func(e storage.AuditLogEntry) snowflake.ID { return e.ID })
}

func testAuditLog(t *testing.T, s storage.Store) {
	ctx := t.Context()
	al := s.AuditLog()
	g, other := sf(100), sf(200)
	first := storage.AuditLogEntry{ID: sf(1), GuildID: g, ActionType: 20, UserID: sf(7), TargetID: sf(8),
		Changes: json.RawMessage(`[{"key":"nick","old_value":"a","new_value":"b"}]`),
		Options: json.RawMessage(`{"count":"1"}`), Reason: ptr("spam ✓")}
	entries := []storage.AuditLogEntry{
		first,
		{ID: sf(2), GuildID: g, ActionType: 22, UserID: sf(7), TargetID: sf(9)},
		{ID: sf(3), GuildID: g, ActionType: 20, UserID: sf(6)},
		{ID: sf(4), GuildID: other, ActionType: 20, UserID: sf(7)},
		{ID: sf(5), GuildID: g, ActionType: 1, UserID: sf(7), TargetID: g},
	}
	for _, e := range entries {
		noErr(t, al.Create(ctx, e), "create audit entry")
	}
	wantErr(t, al.Create(ctx, first), storage.ErrConflict, "duplicate audit entry")

	list := func(q storage.AuditLogQuery) []storage.AuditLogEntry {
		t.Helper()
		if q.Limit == 0 {
			q.Limit = 50
		}
		es, err := al.List(ctx, g, q)
		noErr(t, err, "list audit log")
		return es
	}
	all := list(storage.AuditLogQuery{})
	equal(t, "all, newest first", auditIDs(all), sfs(5, 3, 2, 1))
	equal(t, "entry round-trips", all[3], first)
	equal(t, "by user", auditIDs(list(storage.AuditLogQuery{UserID: sf(7)})), sfs(5, 2, 1))
	equal(t, "by action", auditIDs(list(storage.AuditLogQuery{ActionType: 20})), sfs(3, 1))
	equal(t, "by target", auditIDs(list(storage.AuditLogQuery{TargetID: sf(9)})), sfs(2))
	equal(t, "before", auditIDs(list(storage.AuditLogQuery{Before: sf(3)})), sfs(2, 1))
	equal(t, "limit keeps the newest", auditIDs(list(storage.AuditLogQuery{Limit: 2})), sfs(5, 3))
	equal(t, "after keeps the oldest newer", auditIDs(list(storage.AuditLogQuery{After: sf(1), Limit: 2})), sfs(3, 2))
	equal(t, "between", auditIDs(list(storage.AuditLogQuery{After: sf(1), Before: sf(5)})), sfs(3, 2))

	upd := first
	upd.Options, upd.Reason, upd.ActionType = json.RawMessage(`{"count":"2"}`), nil, 99
	noErr(t, al.Update(ctx, upd), "update audit entry")
	got := list(storage.AuditLogQuery{Before: sf(2)})
	upd.ActionType = first.ActionType // Update leaves the columns alone
	equal(t, "updated entry", got, []storage.AuditLogEntry{upd})
	wantErr(t, al.Update(ctx, storage.AuditLogEntry{ID: sf(99), GuildID: g}), storage.ErrNotFound, "update unknown entry")

	n, err := al.DeleteBefore(ctx, sf(3))
	noErr(t, err, "prune audit log")
	if n != 2 {
		t.Fatalf("DeleteBefore removed %d, want 2", n)
	}
	equal(t, "after prune", auditIDs(list(storage.AuditLogQuery{})), sfs(5, 3))
	es, err := al.List(ctx, other, storage.AuditLogQuery{Limit: 10})
	noErr(t, err, "list other guild")
	equal(t, "other guild after prune", auditIDs(es), sfs(4))
}

func testAutoModRules(t *testing.T, s storage.Store) {
	ctx := t.Context()
	rs := s.AutoModRules()
	g := sf(100)
	r := storage.AutoModRule{ID: sf(1), GuildID: g, CreatorID: sf(7), TriggerType: 1, Data: json.RawMessage(`{"name":"words"}`)}
	noErr(t, rs.Create(ctx, r, 2), "create rule")
	wantErr(t, rs.Create(ctx, r, 6), storage.ErrConflict, "duplicate rule")
	noErr(t, rs.Create(ctx, storage.AutoModRule{ID: sf(2), GuildID: g, TriggerType: 1, Data: json.RawMessage(`{}`)}, 2), "second keyword rule")
	wantErr(t, rs.Create(ctx, storage.AutoModRule{ID: sf(3), GuildID: g, TriggerType: 1}, 2), storage.ErrConflict, "third keyword rule over a cap of 2")
	noErr(t, rs.Create(ctx, storage.AutoModRule{ID: sf(4), GuildID: g, TriggerType: 5, Data: json.RawMessage(`{}`)}, 1), "other type has its own cap")
	noErr(t, rs.Create(ctx, storage.AutoModRule{ID: sf(5), GuildID: sf(200), TriggerType: 5, Data: json.RawMessage(`{}`)}, 1), "other guild has its own cap")

	got, err := rs.Get(ctx, g, r.ID)
	noErr(t, err, "get rule")
	equal(t, "rule", got, r)
	_, err = rs.Get(ctx, sf(200), r.ID)
	wantErr(t, err, storage.ErrNotFound, "rule through another guild")
	list, err := rs.List(ctx, g)
	noErr(t, err, "list rules")
	equal(t, "rule ids", idsOf(list, func(r storage.AutoModRule) snowflake.ID { return r.ID }), sfs(1, 2, 4))

	r.Data = json.RawMessage(`{"name":"renamed"}`)
	noErr(t, rs.Update(ctx, r), "update rule")
	got, err = rs.Get(ctx, g, r.ID)
	noErr(t, err, "get updated rule")
	equal(t, "updated rule", got, r)
	wantErr(t, rs.Update(ctx, storage.AutoModRule{ID: sf(99), GuildID: g}), storage.ErrNotFound, "update unknown rule")

	noErr(t, rs.Delete(ctx, g, r.ID), "delete rule")
	wantErr(t, rs.Delete(ctx, g, r.ID), storage.ErrNotFound, "delete rule twice")
	noErr(t, rs.Create(ctx, storage.AutoModRule{ID: sf(3), GuildID: g, TriggerType: 1, Data: json.RawMessage(`{}`)}, 2), "a deleted rule frees its slot")
}
