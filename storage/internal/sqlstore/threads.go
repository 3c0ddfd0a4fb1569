package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// The thread lists of ChannelStore. Threads are rows of channels with thread_parent_id set.

func (s channels) ListActiveThreads(ctx context.Context, guildID snowflake.ID) ([]storage.Channel, error) {
	cs, err := queryAll(ctx, s.db, scanChannelRows, `SELECT `+channelCols+` FROM channels
		WHERE guild_id = $1 AND thread_parent_id <> 0 AND archived = 0 ORDER BY id`, int64(guildID))
	if err != nil {
		return nil, fmt.Errorf("list active threads: %w", err)
	}
	return cs, nil
}

func (s channels) ListArchivedThreads(ctx context.Context, q storage.ArchivedQuery) ([]storage.Channel, bool, error) {
	var p params
	var query string
	if q.JoinedBy != 0 {
		query = `SELECT ` + channelCols + ` FROM channels WHERE thread_parent_id = ` + p.add(int64(q.ParentID)) +
			` AND archived = 1 AND thread_private = 1 AND id IN (SELECT thread_id FROM thread_members WHERE user_id = ` + p.add(int64(q.JoinedBy)) + `)`
		if q.BeforeID != 0 {
			query += ` AND id < ` + p.add(int64(q.BeforeID))
		}
		query += ` ORDER BY id DESC`
	} else {
		query = `SELECT ` + channelCols + ` FROM channels WHERE thread_parent_id = ` + p.add(int64(q.ParentID)) +
			` AND archived = 1 AND thread_private = ` + p.add(boolInt(q.Private))
		if !q.Before.IsZero() {
			query += ` AND archive_ts < ` + p.add(q.Before.UnixMilli())
		}
		query += ` ORDER BY archive_ts DESC, id DESC`
	}
	// One more than asked says whether another page exists.
	query += p.limitClause(q.Limit + 1)
	cs, err := queryAll(ctx, s.db, scanChannelRows, query, p...)
	if err != nil {
		return nil, false, fmt.Errorf("list archived threads: %w", err)
	}
	more := len(cs) > q.Limit
	if more {
		cs = cs[:q.Limit]
	}
	return cs, more, nil
}

func (s channels) ListDueThreads(ctx context.Context, now time.Time, limit int) ([]storage.Channel, error) {
	// Due when both the last archive-state change and the last message (its snowflake's time)
	// are at least auto_archive minutes old.
	ms := now.UnixMilli()
	var p params
	at := p.add(ms)
	q := `SELECT ` + channelCols + ` FROM channels WHERE thread_parent_id <> 0 AND archived = 0
		AND archive_ts + auto_archive * 60000 <= ` + at + `
		AND (last_message_id / 4194304) + ` + fmt.Sprint(snowflake.Epoch) + ` + auto_archive * 60000 <= ` + at + `
		ORDER BY archive_ts + auto_archive * 60000, id` + p.limitClause(limit)
	cs, err := queryAll(ctx, s.db, scanChannelRows, q, p...)
	if err != nil {
		return nil, fmt.Errorf("list due threads: %w", err)
	}
	return cs, nil
}

type threadMembers struct{ db Conn }

// threadMemberDoc is the stored document of a thread member (keys are columns).
type threadMemberDoc struct {
	JoinTimestamp time.Time `json:"join_timestamp"`
	Flags         int       `json:"flags"`
}

func scanThreadMemberRows(r Rows) (storage.ThreadMember, error) { return scanThreadMember(r) }

func scanThreadMember(r Row) (storage.ThreadMember, error) {
	var thread, user, guild int64
	var data string
	if err := r.Scan(&thread, &user, &guild, &data); err != nil {
		return storage.ThreadMember{}, err
	}
	var d threadMemberDoc
	if err := fromJSON(data, &d); err != nil {
		return storage.ThreadMember{}, err
	}
	return storage.ThreadMember{ThreadID: snowflake.ID(thread), UserID: snowflake.ID(user), GuildID: snowflake.ID(guild),
		JoinTimestamp: d.JoinTimestamp, Flags: d.Flags}, nil
}

const threadMemberCols = `thread_id, user_id, guild_id, data`

// recount sets a thread's member_count from its rows, inside the writing transaction.
func recount(ctx context.Context, tx DB, threadID snowflake.ID) error {
	_, err := tx.Exec(ctx, `UPDATE channels SET member_count = (SELECT COUNT(*) FROM thread_members WHERE thread_id = $1) WHERE id = $1`,
		int64(threadID))
	return err
}

func (s threadMembers) Add(ctx context.Context, m storage.ThreadMember) error {
	data, err := toJSON(threadMemberDoc{JoinTimestamp: m.JoinTimestamp.UTC(), Flags: m.Flags})
	if err == nil {
		err = s.db.InTx(ctx, func(tx DB) error {
			var n int64
			if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM channels WHERE id = $1 AND thread_parent_id <> 0`, int64(m.ThreadID)).Scan(&n); err != nil {
				return err
			}
			if n == 0 {
				return storage.ErrNotFound
			}
			if _, err := tx.Exec(ctx, `INSERT INTO thread_members (`+threadMemberCols+`) VALUES ($1, $2, $3, $4)`,
				int64(m.ThreadID), int64(m.UserID), int64(m.GuildID), data); err != nil {
				return err
			}
			return recount(ctx, tx, m.ThreadID)
		})
	}
	if err != nil {
		return fmt.Errorf("add thread member: %w", err)
	}
	return nil
}

func (s threadMembers) Get(ctx context.Context, threadID, userID snowflake.ID) (storage.ThreadMember, error) {
	m, err := scanThreadMember(s.db.QueryRow(ctx, `SELECT `+threadMemberCols+` FROM thread_members WHERE thread_id = $1 AND user_id = $2`,
		int64(threadID), int64(userID)))
	if err != nil {
		return m, fmt.Errorf("get thread member: %w", err)
	}
	return m, nil
}

func (s threadMembers) List(ctx context.Context, threadID, after snowflake.ID, limit int) ([]storage.ThreadMember, error) {
	var p params
	q := `SELECT ` + threadMemberCols + ` FROM thread_members WHERE thread_id = ` + p.add(int64(threadID)) +
		` AND user_id > ` + p.add(int64(after)) + ` ORDER BY user_id` + p.limitClause(limit)
	ms, err := queryAll(ctx, s.db, scanThreadMemberRows, q, p...)
	if err != nil {
		return nil, fmt.Errorf("list thread members: %w", err)
	}
	return ms, nil
}

func (s threadMembers) ListForUser(ctx context.Context, userID snowflake.ID, threadIDs []snowflake.ID) ([]storage.ThreadMember, error) {
	var out []storage.ThreadMember
	for _, chunk := range chunks(threadIDs) {
		var p params
		q := `SELECT ` + threadMemberCols + ` FROM thread_members WHERE user_id = ` + p.add(int64(userID)) +
			` AND thread_id IN ` + p.in(chunk) + ` ORDER BY thread_id`
		ms, err := queryAll(ctx, s.db, scanThreadMemberRows, q, p...)
		if err != nil {
			return nil, fmt.Errorf("list user thread members: %w", err)
		}
		out = append(out, ms...)
	}
	return out, nil
}

func (s threadMembers) Remove(ctx context.Context, threadID, userID snowflake.ID) error {
	err := s.db.InTx(ctx, func(tx DB) error {
		if err := notFoundIfZero(tx.Exec(ctx, `DELETE FROM thread_members WHERE thread_id = $1 AND user_id = $2`,
			int64(threadID), int64(userID))); err != nil {
			return err
		}
		return recount(ctx, tx, threadID)
	})
	if err != nil {
		return fmt.Errorf("remove thread member: %w", err)
	}
	return nil
}
