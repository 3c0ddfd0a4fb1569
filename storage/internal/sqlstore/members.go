package sqlstore

import (
	"context"
	"fmt"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

type members struct{ db Conn }

const memberCols = `data, guild_id, user_id`

func scanMember(r Row) (storage.Member, error) {
	var data string
	var guild, user int64
	var m storage.Member
	if err := r.Scan(&data, &guild, &user); err != nil {
		return m, err
	}
	if err := fromJSON(data, &m); err != nil {
		return m, err
	}
	m.GuildID, m.UserID = snowflake.ID(guild), snowflake.ID(user)
	return m, nil
}

func scanMemberRows(r Rows) (storage.Member, error) { return scanMember(r) }

func nickKey(m storage.Member) any {
	if m.Nick == nil {
		return nil
	}
	return foldKey(*m.Nick)
}

func insertMember(ctx context.Context, db DB, m storage.Member) error {
	data, err := toJSON(m)
	if err != nil {
		return err
	}
	_, err = db.Exec(ctx, `INSERT INTO members (guild_id, user_id, nick_key, data) VALUES ($1, $2, $3, $4)`,
		int64(m.GuildID), int64(m.UserID), nickKey(m), data)
	return err
}

func updateMember(ctx context.Context, db DB, m storage.Member) error {
	data, err := toJSON(m)
	if err != nil {
		return err
	}
	return notFoundIfZero(db.Exec(ctx, `UPDATE members SET nick_key = $3, data = $4 WHERE guild_id = $1 AND user_id = $2`,
		int64(m.GuildID), int64(m.UserID), nickKey(m), data))
}

func (s members) Add(ctx context.Context, m storage.Member) error {
	if err := insertMember(ctx, s.db, m); err != nil {
		return fmt.Errorf("add member: %w", err)
	}
	return nil
}

func (s members) Get(ctx context.Context, guildID, userID snowflake.ID) (storage.Member, error) {
	m, err := scanMember(s.db.QueryRow(ctx, `SELECT `+memberCols+` FROM members WHERE guild_id = $1 AND user_id = $2`, int64(guildID), int64(userID)))
	if err != nil {
		return m, fmt.Errorf("get member: %w", err)
	}
	return m, nil
}

func (s members) List(ctx context.Context, guildID, after snowflake.ID, limit int) ([]storage.Member, error) {
	var p params
	q := `SELECT ` + memberCols + ` FROM members WHERE guild_id = ` + p.add(int64(guildID)) +
		` AND user_id > ` + p.add(int64(after)) + ` ORDER BY user_id` + p.limitClause(limit)
	ms, err := queryAll(ctx, s.db, scanMemberRows, q, p...)
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	return ms, nil
}

func (s members) Search(ctx context.Context, guildID snowflake.ID, query string, limit int) ([]storage.Member, error) {
	var p params
	g := p.add(int64(guildID))
	pat := p.add(likePrefix(foldKey(query)))
	q := `SELECT m.data, m.guild_id, m.user_id FROM members m LEFT JOIN users u ON u.id = m.user_id
		WHERE m.guild_id = ` + g + ` AND (u.username_key LIKE ` + pat + ` ESCAPE '\' OR m.nick_key LIKE ` + pat + ` ESCAPE '\')
		ORDER BY m.user_id` + p.limitClause(limit)
	ms, err := queryAll(ctx, s.db, scanMemberRows, q, p...)
	if err != nil {
		return nil, fmt.Errorf("search members: %w", err)
	}
	return ms, nil
}

func (s members) GetMany(ctx context.Context, guildID snowflake.ID, userIDs []snowflake.ID) ([]storage.Member, error) {
	var out []storage.Member
	for _, chunk := range chunks(userIDs) {
		var p params
		q := `SELECT ` + memberCols + ` FROM members WHERE guild_id = ` + p.add(int64(guildID)) + ` AND user_id IN ` + p.in(chunk)
		ms, err := queryAll(ctx, s.db, scanMemberRows, q, p...)
		if err != nil {
			return nil, fmt.Errorf("get members: %w", err)
		}
		out = append(out, ms...)
	}
	return out, nil
}

func (s members) Count(ctx context.Context, guildID snowflake.ID) (int, error) {
	var n int64
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM members WHERE guild_id = $1`, int64(guildID)).Scan(&n); err != nil {
		return 0, fmt.Errorf("count members: %w", err)
	}
	return int(n), nil
}

func (s members) Update(ctx context.Context, m storage.Member) error {
	if err := updateMember(ctx, s.db, m); err != nil {
		return fmt.Errorf("update member: %w", err)
	}
	return nil
}

func (s members) Remove(ctx context.Context, guildID, userID snowflake.ID) error {
	if err := notFoundIfZero(s.db.Exec(ctx, `DELETE FROM members WHERE guild_id = $1 AND user_id = $2`, int64(guildID), int64(userID))); err != nil {
		return fmt.Errorf("remove member: %w", err)
	}
	return nil
}
