package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// Commands returns the application command store.
func (s *Store) Commands() storage.CommandStore { return commands{s.c} }

type commands struct{ db Conn }

const commandCols = `id, application_id, guild_id, type, name, version, data`

func scanCommand(r Row) (storage.Command, error) {
	var id, app, guild, typ, version int64
	var c storage.Command
	var data string
	if err := r.Scan(&id, &app, &guild, &typ, &c.Name, &version, &data); err != nil {
		return c, err
	}
	c.ID, c.ApplicationID, c.GuildID = snowflake.ID(id), snowflake.ID(app), snowflake.ID(guild)
	c.Type, c.Version, c.Data = int(typ), snowflake.ID(version), json.RawMessage(data)
	return c, nil
}

func scanCommandRows(r Rows) (storage.Command, error) { return scanCommand(r) }

// commandData is the document column: never empty, so that NOT NULL holds and a read gives
// back valid JSON.
func commandData(c storage.Command) string {
	if len(c.Data) == 0 {
		return "{}"
	}
	return string(c.Data)
}

func insertCommand(ctx context.Context, db DB, c storage.Command) error {
	_, err := db.Exec(ctx, `INSERT INTO commands (`+commandCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
		int64(c.ID), int64(c.ApplicationID), int64(c.GuildID), c.Type, c.Name, int64(c.Version), commandData(c))
	return err
}

func updateCommand(ctx context.Context, db DB, c storage.Command) error {
	return notFoundIfZero(db.Exec(ctx, `UPDATE commands SET type = $4, name = $5, version = $6, data = $7
		WHERE id = $1 AND application_id = $2 AND guild_id = $3`,
		int64(c.ID), int64(c.ApplicationID), int64(c.GuildID), c.Type, c.Name, int64(c.Version), commandData(c)))
}

func (s commands) Create(ctx context.Context, c storage.Command) error {
	if err := insertCommand(ctx, s.db, c); err != nil {
		return fmt.Errorf("create command: %w", err)
	}
	return nil
}

func (s commands) Get(ctx context.Context, appID, guildID, id snowflake.ID) (storage.Command, error) {
	c, err := scanCommand(s.db.QueryRow(ctx, `SELECT `+commandCols+` FROM commands WHERE id = $1 AND application_id = $2 AND guild_id = $3`,
		int64(id), int64(appID), int64(guildID)))
	if err != nil {
		return c, fmt.Errorf("get command: %w", err)
	}
	return c, nil
}

func (s commands) List(ctx context.Context, appID, guildID snowflake.ID) ([]storage.Command, error) {
	cs, err := queryAll(ctx, s.db, scanCommandRows, `SELECT `+commandCols+` FROM commands WHERE application_id = $1 AND guild_id = $2 ORDER BY id`,
		int64(appID), int64(guildID))
	if err != nil {
		return nil, fmt.Errorf("list commands: %w", err)
	}
	return cs, nil
}

func (s commands) Update(ctx context.Context, c storage.Command) error {
	if err := updateCommand(ctx, s.db, c); err != nil {
		return fmt.Errorf("update command: %w", err)
	}
	return nil
}

func (s commands) Delete(ctx context.Context, appID, guildID, id snowflake.ID) error {
	err := s.db.InTx(ctx, func(tx DB) error {
		if err := notFoundIfZero(tx.Exec(ctx, `DELETE FROM commands WHERE id = $1 AND application_id = $2 AND guild_id = $3`,
			int64(id), int64(appID), int64(guildID))); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM command_permissions WHERE command_id = $1 AND application_id = $2`, int64(id), int64(appID))
		return err
	})
	if err != nil {
		return fmt.Errorf("delete command: %w", err)
	}
	return nil
}

func (s commands) Replace(ctx context.Context, appID, guildID snowflake.ID, cmds []storage.Command) error {
	keep := make(map[snowflake.ID]bool, len(cmds))
	for _, c := range cmds {
		keep[c.ID] = true
	}
	err := s.db.InTx(ctx, func(tx DB) error {
		old, err := queryAll(ctx, tx, scanCommandRows, `SELECT `+commandCols+` FROM commands WHERE application_id = $1 AND guild_id = $2`,
			int64(appID), int64(guildID))
		if err != nil {
			return err
		}
		existing := make(map[snowflake.ID]bool, len(old))
		// Deletions first, so a new command may take the name a dropped one had.
		for _, o := range old {
			existing[o.ID] = true
			if keep[o.ID] {
				// A kept command may be renamed onto another kept one's old name (a swap):
				// park every kept name on a placeholder no real name can equal first.
				if _, err := tx.Exec(ctx, `UPDATE commands SET name = $2 WHERE id = $1`, int64(o.ID), "\x01"+o.ID.String()); err != nil {
					return err
				}
				continue
			}
			if _, err := tx.Exec(ctx, `DELETE FROM commands WHERE id = $1`, int64(o.ID)); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `DELETE FROM command_permissions WHERE command_id = $1 AND application_id = $2`, int64(o.ID), int64(appID)); err != nil {
				return err
			}
		}
		for _, c := range cmds {
			c.ApplicationID, c.GuildID = appID, guildID
			if existing[c.ID] {
				err = updateCommand(ctx, tx, c)
			} else {
				err = insertCommand(ctx, tx, c)
			}
			if err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("replace commands: %w", err)
	}
	return nil
}

func (s commands) PutPermissions(ctx context.Context, p storage.CommandPermissions) error {
	var err error
	if len(p.Permissions) == 0 {
		_, err = s.db.Exec(ctx, `DELETE FROM command_permissions WHERE application_id = $1 AND guild_id = $2 AND command_id = $3`,
			int64(p.ApplicationID), int64(p.GuildID), int64(p.CommandID))
	} else {
		var data string
		if data, err = toJSON(p.Permissions); err == nil {
			_, err = s.db.Exec(ctx, `INSERT INTO command_permissions (application_id, guild_id, command_id, data) VALUES ($1, $2, $3, $4)
				ON CONFLICT (application_id, guild_id, command_id) DO UPDATE SET data = excluded.data`,
				int64(p.ApplicationID), int64(p.GuildID), int64(p.CommandID), data)
		}
	}
	if err != nil {
		return fmt.Errorf("put command permissions: %w", err)
	}
	return nil
}

func scanPermissions(r Row) (storage.CommandPermissions, error) {
	var app, guild, cmd int64
	var data string
	var p storage.CommandPermissions
	if err := r.Scan(&app, &guild, &cmd, &data); err != nil {
		return p, err
	}
	p.ApplicationID, p.GuildID, p.CommandID = snowflake.ID(app), snowflake.ID(guild), snowflake.ID(cmd)
	return p, fromJSON(data, &p.Permissions)
}

func scanPermissionRows(r Rows) (storage.CommandPermissions, error) { return scanPermissions(r) }

func (s commands) GetPermissions(ctx context.Context, appID, guildID, commandID snowflake.ID) (storage.CommandPermissions, error) {
	p, err := scanPermissions(s.db.QueryRow(ctx, `SELECT application_id, guild_id, command_id, data FROM command_permissions
		WHERE application_id = $1 AND guild_id = $2 AND command_id = $3`, int64(appID), int64(guildID), int64(commandID)))
	if err != nil {
		return p, fmt.Errorf("get command permissions: %w", err)
	}
	return p, nil
}

func (s commands) ListPermissions(ctx context.Context, appID, guildID snowflake.ID) ([]storage.CommandPermissions, error) {
	ps, err := queryAll(ctx, s.db, scanPermissionRows, `SELECT application_id, guild_id, command_id, data FROM command_permissions
		WHERE application_id = $1 AND guild_id = $2 ORDER BY command_id`, int64(appID), int64(guildID))
	if err != nil {
		return nil, fmt.Errorf("list command permissions: %w", err)
	}
	return ps, nil
}

func (s commands) Install(ctx context.Context, appID, guildID snowflake.ID) error {
	if _, err := s.db.Exec(ctx, `INSERT INTO command_installs (application_id, guild_id) VALUES ($1, $2) ON CONFLICT DO NOTHING`,
		int64(appID), int64(guildID)); err != nil {
		return fmt.Errorf("install commands: %w", err)
	}
	return nil
}

func (s commands) Installed(ctx context.Context, appID, guildID snowflake.ID) (bool, error) {
	var n int64
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM command_installs WHERE application_id = $1 AND guild_id = $2`,
		int64(appID), int64(guildID)).Scan(&n); err != nil {
		return false, fmt.Errorf("check command install: %w", err)
	}
	return n > 0, nil
}
