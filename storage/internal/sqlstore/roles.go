package sqlstore

import (
	"context"
	"fmt"
	"slices"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

type roles struct{ db Conn }

const roleCols = `data, guild_id, position`

func scanRole(r Row) (storage.Role, error) {
	var data string
	var guild, pos int64
	var ro storage.Role
	if err := r.Scan(&data, &guild, &pos); err != nil {
		return ro, err
	}
	if err := fromJSON(data, &ro); err != nil {
		return ro, err
	}
	ro.GuildID, ro.Position = snowflake.ID(guild), int(pos)
	return ro, nil
}

func scanRoleRows(r Rows) (storage.Role, error) { return scanRole(r) }

func insertRole(ctx context.Context, db DB, r storage.Role) error {
	data, err := toJSON(r)
	if err != nil {
		return err
	}
	_, err = db.Exec(ctx, `INSERT INTO roles (guild_id, id, position, data) VALUES ($1, $2, $3, $4)`,
		int64(r.GuildID), int64(r.ID), r.Position, data)
	return err
}

func (s roles) Create(ctx context.Context, r storage.Role) error {
	if err := insertRole(ctx, s.db, r); err != nil {
		return fmt.Errorf("create role: %w", err)
	}
	return nil
}

func (s roles) Get(ctx context.Context, guildID, id snowflake.ID) (storage.Role, error) {
	r, err := scanRole(s.db.QueryRow(ctx, `SELECT `+roleCols+` FROM roles WHERE guild_id = $1 AND id = $2`, int64(guildID), int64(id)))
	if err != nil {
		return r, fmt.Errorf("get role: %w", err)
	}
	return r, nil
}

func (s roles) ListByGuild(ctx context.Context, guildID snowflake.ID) ([]storage.Role, error) {
	rs, err := queryAll(ctx, s.db, scanRoleRows, `SELECT `+roleCols+` FROM roles WHERE guild_id = $1 ORDER BY position, id`, int64(guildID))
	if err != nil {
		return nil, fmt.Errorf("list roles: %w", err)
	}
	return rs, nil
}

func (s roles) Update(ctx context.Context, r storage.Role) error {
	data, err := toJSON(r)
	if err == nil {
		err = notFoundIfZero(s.db.Exec(ctx, `UPDATE roles SET position = $3, data = $4 WHERE guild_id = $1 AND id = $2`,
			int64(r.GuildID), int64(r.ID), r.Position, data))
	}
	if err != nil {
		return fmt.Errorf("update role: %w", err)
	}
	return nil
}

func (s roles) UpdatePositions(ctx context.Context, guildID snowflake.ID, positions map[snowflake.ID]int) error {
	if err := updatePositions(ctx, s.db, "roles", guildID, positions); err != nil {
		return fmt.Errorf("update role positions: %w", err)
	}
	return nil
}

func (s roles) Delete(ctx context.Context, guildID, id snowflake.ID) error {
	err := s.db.InTx(ctx, func(tx DB) error {
		if err := notFoundIfZero(tx.Exec(ctx, `DELETE FROM roles WHERE guild_id = $1 AND id = $2`, int64(guildID), int64(id))); err != nil {
			return err
		}
		// Member roles live in the JSON document; the LIKE prefilter (IDs are JSON strings)
		// narrows the rewrite to members that can hold the role.
		pattern := `%"` + id.String() + `"%`
		type doc struct {
			user snowflake.ID
			data string
		}
		docs, err := queryAll(ctx, tx, func(r Rows) (doc, error) {
			var d doc
			var u int64
			err := r.Scan(&u, &d.data)
			d.user = snowflake.ID(u)
			return d, err
		}, `SELECT user_id, data FROM members WHERE guild_id = $1 AND data LIKE $2`, int64(guildID), pattern)
		if err != nil {
			return err
		}
		for _, d := range docs {
			if err := stripRole(ctx, tx, guildID, d.user, id, d.data); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete role: %w", err)
	}
	return nil
}

// stripRole rewrites one member's document without role. The write is a compare-and-set on
// the document read, so under Postgres' READ COMMITTED a concurrent member update is
// re-read and kept rather than overwritten.
func stripRole(ctx context.Context, tx DB, guildID, userID, role snowflake.ID, data string) error {
	for {
		var m storage.Member
		if err := fromJSON(data, &m); err != nil {
			return err
		}
		kept := slices.DeleteFunc(slices.Clone(m.Roles), func(r snowflake.ID) bool { return r == role })
		if len(kept) == len(m.Roles) {
			return nil
		}
		m.Roles = kept
		next, err := toJSON(m)
		if err != nil {
			return err
		}
		n, err := tx.Exec(ctx, `UPDATE members SET data = $3 WHERE guild_id = $1 AND user_id = $2 AND data = $4`,
			int64(guildID), int64(userID), next, data)
		if err != nil || n == 1 {
			return err
		}
		err = tx.QueryRow(ctx, `SELECT data FROM members WHERE guild_id = $1 AND user_id = $2`, int64(guildID), int64(userID)).Scan(&data)
		if isNotFound(err) {
			return nil // left the guild meanwhile
		}
		if err != nil {
			return err
		}
	}
}
