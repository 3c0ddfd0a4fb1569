package sqlstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

type bans struct{ db Conn }

func scanBan(r Row) (storage.Ban, error) {
	var b storage.Ban
	var g, u int64
	err := r.Scan(&g, &u, &b.Reason)
	b.GuildID, b.UserID = snowflake.ID(g), snowflake.ID(u)
	return b, err
}

func scanBanRows(r Rows) (storage.Ban, error) { return scanBan(r) }

func (s bans) Create(ctx context.Context, b storage.Ban) error {
	_, err := s.db.Exec(ctx, `INSERT INTO bans (guild_id, user_id, reason) VALUES ($1, $2, $3)
		ON CONFLICT (guild_id, user_id) DO UPDATE SET reason = excluded.reason`, int64(b.GuildID), int64(b.UserID), b.Reason)
	if err != nil {
		return fmt.Errorf("create ban: %w", err)
	}
	return nil
}

func (s bans) Get(ctx context.Context, guildID, userID snowflake.ID) (storage.Ban, error) {
	b, err := scanBan(s.db.QueryRow(ctx, `SELECT guild_id, user_id, reason FROM bans WHERE guild_id = $1 AND user_id = $2`, int64(guildID), int64(userID)))
	if err != nil {
		return b, fmt.Errorf("get ban: %w", err)
	}
	return b, nil
}

func (s bans) List(ctx context.Context, guildID, before, after snowflake.ID, limit int) ([]storage.Ban, error) {
	var p params
	q := `SELECT guild_id, user_id, reason FROM bans WHERE guild_id = ` + p.add(int64(guildID))
	if before != 0 {
		q += ` AND user_id < ` + p.add(int64(before))
	}
	if after != 0 {
		q += ` AND user_id > ` + p.add(int64(after))
	}
	// With only before, the page is the last `limit` bans before it: read backwards, flip.
	backwards := before != 0 && after == 0
	if backwards {
		q += ` ORDER BY user_id DESC`
	} else {
		q += ` ORDER BY user_id`
	}
	q += p.limitClause(limit)
	bs, err := queryAll(ctx, s.db, scanBanRows, q, p...)
	if err != nil {
		return nil, fmt.Errorf("list bans: %w", err)
	}
	if backwards {
		slices.Reverse(bs)
	}
	return bs, nil
}

func (s bans) Delete(ctx context.Context, guildID, userID snowflake.ID) error {
	if err := notFoundIfZero(s.db.Exec(ctx, `DELETE FROM bans WHERE guild_id = $1 AND user_id = $2`, int64(guildID), int64(userID))); err != nil {
		return fmt.Errorf("delete ban: %w", err)
	}
	return nil
}
