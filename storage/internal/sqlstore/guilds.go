package sqlstore

import (
	"context"
	"fmt"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

type guilds struct{ db Conn }

func scanGuild(r Row) (storage.Guild, error) {
	var data string
	var created int64
	var g storage.Guild
	if err := r.Scan(&data, &created); err != nil {
		return g, err
	}
	if err := fromJSON(data, &g); err != nil {
		return g, err
	}
	g.CreatedAt = fromNanos(created)
	return g, nil
}

func scanGuildRows(r Rows) (storage.Guild, error) { return scanGuild(r) }

func (s guilds) Create(ctx context.Context, ng storage.NewGuild) error {
	err := s.db.InTx(ctx, func(tx DB) error {
		data, err := toJSON(ng.Guild)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO guilds (id, created_at, data) VALUES ($1, $2, $3)`,
			int64(ng.Guild.ID), nanos(ng.Guild.CreatedAt), data); err != nil {
			return err
		}
		for _, r := range ng.Roles {
			if err := insertRole(ctx, tx, r); err != nil {
				return err
			}
		}
		for _, c := range ng.Channels {
			if err := insertChannel(ctx, tx, c); err != nil {
				return err
			}
		}
		for _, m := range ng.Members {
			if err := insertMember(ctx, tx, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create guild: %w", err)
	}
	return nil
}

func (s guilds) Get(ctx context.Context, id snowflake.ID) (storage.Guild, error) {
	g, err := scanGuild(s.db.QueryRow(ctx, `SELECT data, created_at FROM guilds WHERE id = $1`, int64(id)))
	if err != nil {
		return g, fmt.Errorf("get guild: %w", err)
	}
	return g, nil
}

func (s guilds) ListForUser(ctx context.Context, userID, before, after snowflake.ID, limit int) ([]storage.Guild, error) {
	var p params
	q := `SELECT g.data, g.created_at FROM members m JOIN guilds g ON g.id = m.guild_id WHERE m.user_id = ` + p.add(int64(userID))
	if before != 0 {
		q += ` AND m.guild_id < ` + p.add(int64(before))
	}
	if after != 0 {
		q += ` AND m.guild_id > ` + p.add(int64(after))
	}
	q += ` ORDER BY m.guild_id` + p.limitClause(limit)
	gs, err := queryAll(ctx, s.db, scanGuildRows, q, p...)
	if err != nil {
		return nil, fmt.Errorf("list guilds for user: %w", err)
	}
	return gs, nil
}

func (s guilds) Update(ctx context.Context, g storage.Guild) error {
	data, err := toJSON(g)
	if err == nil {
		err = notFoundIfZero(s.db.Exec(ctx, `UPDATE guilds SET data = $2 WHERE id = $1`, int64(g.ID), data))
	}
	if err != nil {
		return fmt.Errorf("update guild: %w", err)
	}
	return nil
}

func (s guilds) Delete(ctx context.Context, id snowflake.ID) error {
	gid := int64(id)
	err := s.db.InTx(ctx, func(tx DB) error {
		if err := notFoundIfZero(tx.Exec(ctx, `DELETE FROM guilds WHERE id = $1`, gid)); err != nil {
			return err
		}
		// Children before parents: reactions and attachments hang off messages (attachments
		// also carry their channel), messages off channels.
		stmts := []string{
			`DELETE FROM reactions WHERE message_id IN (SELECT id FROM messages WHERE channel_id IN (SELECT id FROM channels WHERE guild_id = $1))`,
			`DELETE FROM attachments WHERE channel_id IN (SELECT id FROM channels WHERE guild_id = $1)`,
			`DELETE FROM messages WHERE channel_id IN (SELECT id FROM channels WHERE guild_id = $1)`,
			`DELETE FROM channels WHERE guild_id = $1`,
			`DELETE FROM thread_members WHERE guild_id = $1`,
			`DELETE FROM roles WHERE guild_id = $1`,
			`DELETE FROM members WHERE guild_id = $1`,
			`DELETE FROM bans WHERE guild_id = $1`,
			`DELETE FROM invites WHERE guild_id = $1`,
			`DELETE FROM webhooks WHERE guild_id = $1`,
			`DELETE FROM emojis WHERE guild_id = $1`,
			`DELETE FROM commands WHERE guild_id = $1`,
			`DELETE FROM command_permissions WHERE guild_id = $1`,
			`DELETE FROM command_installs WHERE guild_id = $1`,
			`DELETE FROM audit_log_entries WHERE guild_id = $1`,
			`DELETE FROM automod_rules WHERE guild_id = $1`,
			`DELETE FROM guild_configs WHERE guild_id = $1`,
			`DELETE FROM guild_templates WHERE guild_id = $1`,
			`DELETE FROM voice_states WHERE guild_id = $1`,
			`DELETE FROM scheduled_events WHERE guild_id = $1`,
			`DELETE FROM scheduled_event_users WHERE guild_id = $1`,
			`DELETE FROM stickers WHERE guild_id = $1`,
			`DELETE FROM stage_instances WHERE guild_id = $1`,
			`DELETE FROM soundboard_sounds WHERE guild_id = $1`,
		}
		for _, q := range stmts {
			if _, err := tx.Exec(ctx, q, gid); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete guild: %w", err)
	}
	return nil
}
