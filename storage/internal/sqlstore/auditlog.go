package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// AuditLog returns the audit log store.
func (s *Store) AuditLog() storage.AuditLogStore { return auditLog{s.c} }

type auditLog struct{ db Conn }

// auditDoc is the data column: what the list filters never look at.
type auditDoc struct {
	Changes json.RawMessage `json:"changes,omitempty"`
	Options json.RawMessage `json:"options,omitempty"`
	Reason  *string         `json:"reason,omitempty"`
}

const auditCols = `id, guild_id, action_type, user_id, target_id, data`

func auditData(e storage.AuditLogEntry) (string, error) {
	return toJSON(auditDoc{Changes: e.Changes, Options: e.Options, Reason: e.Reason})
}

func scanAudit(r Rows) (storage.AuditLogEntry, error) {
	var id, guild, action, user, target int64
	var data string
	var e storage.AuditLogEntry
	if err := r.Scan(&id, &guild, &action, &user, &target, &data); err != nil {
		return e, err
	}
	var d auditDoc
	if err := fromJSON(data, &d); err != nil {
		return e, err
	}
	e.ID, e.GuildID, e.ActionType = snowflake.ID(id), snowflake.ID(guild), int(action)
	e.UserID, e.TargetID = snowflake.ID(user), snowflake.ID(target)
	e.Changes, e.Options, e.Reason = d.Changes, d.Options, d.Reason
	return e, nil
}

func (s auditLog) Create(ctx context.Context, e storage.AuditLogEntry) error {
	data, err := auditData(e)
	if err == nil {
		_, err = s.db.Exec(ctx, `INSERT INTO audit_log_entries (`+auditCols+`) VALUES ($1, $2, $3, $4, $5, $6)`,
			int64(e.ID), int64(e.GuildID), e.ActionType, int64(e.UserID), int64(e.TargetID), data)
	}
	if err != nil {
		return fmt.Errorf("create audit log entry: %w", err)
	}
	return nil
}

func (s auditLog) List(ctx context.Context, guildID snowflake.ID, q storage.AuditLogQuery) ([]storage.AuditLogEntry, error) {
	var p params
	where := `guild_id = ` + p.add(int64(guildID))
	if q.UserID != 0 {
		where += ` AND user_id = ` + p.add(int64(q.UserID))
	}
	if q.TargetID != 0 {
		where += ` AND target_id = ` + p.add(int64(q.TargetID))
	}
	if q.ActionType != 0 {
		where += ` AND action_type = ` + p.add(q.ActionType)
	}
	if q.Before != 0 {
		where += ` AND id < ` + p.add(int64(q.Before))
	}
	if q.After != 0 {
		where += ` AND id > ` + p.add(int64(q.After))
	}
	order := ` ORDER BY id DESC`
	ascending := q.After != 0 && q.Before == 0
	if ascending {
		order = ` ORDER BY id ASC`
	}
	es, err := queryAll(ctx, s.db, scanAudit, `SELECT `+auditCols+` FROM audit_log_entries WHERE `+where+order+p.limitClause(q.Limit), p...)
	if err != nil {
		return nil, fmt.Errorf("list audit log: %w", err)
	}
	if ascending {
		for i, j := 0, len(es)-1; i < j; i, j = i+1, j-1 {
			es[i], es[j] = es[j], es[i]
		}
	}
	return es, nil
}

func (s auditLog) Update(ctx context.Context, e storage.AuditLogEntry) error {
	data, err := auditData(e)
	if err == nil {
		err = notFoundIfZero(s.db.Exec(ctx, `UPDATE audit_log_entries SET data = $3 WHERE guild_id = $1 AND id = $2`,
			int64(e.GuildID), int64(e.ID), data))
	}
	if err != nil {
		return fmt.Errorf("update audit log entry: %w", err)
	}
	return nil
}

func (s auditLog) DeleteBefore(ctx context.Context, cutoff snowflake.ID) (int64, error) {
	n, err := s.db.Exec(ctx, `DELETE FROM audit_log_entries WHERE id < $1`, int64(cutoff))
	if err != nil {
		return 0, fmt.Errorf("prune audit log: %w", err)
	}
	return n, nil
}
