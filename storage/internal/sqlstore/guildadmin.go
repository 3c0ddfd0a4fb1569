package sqlstore

import (
	"context"
	"fmt"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

type guildConfigs struct{ db Conn }

func (s guildConfigs) Get(ctx context.Context, guildID snowflake.ID, kind string) ([]byte, error) {
	var v []byte
	if err := s.db.QueryRow(ctx, `SELECT data FROM guild_configs WHERE guild_id = $1 AND kind = $2`, int64(guildID), kind).Scan(&v); err != nil {
		return nil, fmt.Errorf("get guild config %q: %w", kind, err)
	}
	return v, nil
}

func (s guildConfigs) Put(ctx context.Context, guildID snowflake.ID, kind string, data []byte) error {
	if data == nil {
		data = []byte{}
	}
	_, err := s.db.Exec(ctx, `INSERT INTO guild_configs (guild_id, kind, data) VALUES ($1, $2, $3)
		ON CONFLICT (guild_id, kind) DO UPDATE SET data = excluded.data`, int64(guildID), kind, data)
	if err != nil {
		return fmt.Errorf("put guild config %q: %w", kind, err)
	}
	return nil
}

type templates struct{ db Conn }

const templateCols = `data, usage_count`

func scanTemplate(r Row) (storage.Template, error) {
	var data string
	var uses int64
	var t storage.Template
	if err := r.Scan(&data, &uses); err != nil {
		return t, err
	}
	if err := fromJSON(data, &t); err != nil {
		return t, err
	}
	t.UsageCount = int(uses)
	return t, nil
}

func scanTemplateRows(r Rows) (storage.Template, error) { return scanTemplate(r) }

func (s templates) Create(ctx context.Context, t storage.Template) error {
	data, err := toJSON(t)
	if err == nil {
		_, err = s.db.Exec(ctx, `INSERT INTO guild_templates (code, guild_id, created_at, usage_count, data) VALUES ($1, $2, $3, $4, $5)`,
			t.Code, int64(t.GuildID), nanos(t.CreatedAt), t.UsageCount, data)
	}
	if err != nil {
		return fmt.Errorf("create template: %w", err)
	}
	return nil
}

func (s templates) Get(ctx context.Context, code string) (storage.Template, error) {
	t, err := scanTemplate(s.db.QueryRow(ctx, `SELECT `+templateCols+` FROM guild_templates WHERE code = $1`, code))
	if err != nil {
		return t, fmt.Errorf("get template: %w", err)
	}
	return t, nil
}

func (s templates) ListByGuild(ctx context.Context, guildID snowflake.ID) ([]storage.Template, error) {
	ts, err := queryAll(ctx, s.db, scanTemplateRows, `SELECT `+templateCols+` FROM guild_templates WHERE guild_id = $1 ORDER BY created_at, code`, int64(guildID))
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	return ts, nil
}

func (s templates) Update(ctx context.Context, t storage.Template) error {
	err := s.db.InTx(ctx, func(tx DB) error {
		old, err := scanTemplate(tx.QueryRow(ctx, `SELECT `+templateCols+` FROM guild_templates WHERE code = $1`, t.Code))
		if err != nil {
			return err
		}
		t.GuildID, t.CreatorID, t.CreatedAt, t.UsageCount = old.GuildID, old.CreatorID, old.CreatedAt, old.UsageCount
		data, err := toJSON(t)
		if err != nil {
			return err
		}
		return notFoundIfZero(tx.Exec(ctx, `UPDATE guild_templates SET data = $2 WHERE code = $1`, t.Code, data))
	})
	if err != nil {
		return fmt.Errorf("update template: %w", err)
	}
	return nil
}

func (s templates) Use(ctx context.Context, code string) (storage.Template, error) {
	var t storage.Template
	err := s.db.InTx(ctx, func(tx DB) error {
		var err error
		t, err = scanTemplate(tx.QueryRow(ctx, `UPDATE guild_templates SET usage_count = usage_count + 1 WHERE code = $1 RETURNING `+templateCols, code))
		return err
	})
	if err != nil {
		return t, fmt.Errorf("use template: %w", err)
	}
	return t, nil
}

func (s templates) Delete(ctx context.Context, code string) error {
	if err := notFoundIfZero(s.db.Exec(ctx, `DELETE FROM guild_templates WHERE code = $1`, code)); err != nil {
		return fmt.Errorf("delete template: %w", err)
	}
	return nil
}

type voiceStates struct{ db Conn }

const voiceCols = `data, guild_id, user_id, channel_id, session_id, node`

func scanVoice(r Row) (storage.VoiceState, error) {
	var data, session string
	var guild, user, channel, node int64
	var v storage.VoiceState
	if err := r.Scan(&data, &guild, &user, &channel, &session, &node); err != nil {
		return v, err
	}
	if err := fromJSON(data, &v); err != nil {
		return v, err
	}
	v.GuildID, v.UserID, v.ChannelID = snowflake.ID(guild), snowflake.ID(user), snowflake.ID(channel)
	v.SessionID, v.Node = session, int(node)
	return v, nil
}

func scanVoiceRows(r Rows) (storage.VoiceState, error) { return scanVoice(r) }

func (s voiceStates) Put(ctx context.Context, v storage.VoiceState, userLimit int) error {
	data, err := toJSON(v)
	if err == nil {
		err = s.db.InTx(ctx, func(tx DB) error {
			if userLimit > 0 {
				var n int64
				if err := tx.QueryRow(ctx, `SELECT COUNT(*) FROM voice_states WHERE channel_id = $1 AND NOT (guild_id = $2 AND user_id = $3)`,
					int64(v.ChannelID), int64(v.GuildID), int64(v.UserID)).Scan(&n); err != nil {
					return err
				}
				if n >= int64(userLimit) {
					return storage.ErrConflict
				}
			}
			_, err := tx.Exec(ctx, `INSERT INTO voice_states (guild_id, user_id, channel_id, session_id, node, data) VALUES ($1, $2, $3, $4, $5, $6)
				ON CONFLICT (guild_id, user_id) DO UPDATE SET channel_id = excluded.channel_id, session_id = excluded.session_id, node = excluded.node, data = excluded.data`,
				int64(v.GuildID), int64(v.UserID), int64(v.ChannelID), v.SessionID, v.Node, data)
			return err
		})
	}
	if err != nil {
		return fmt.Errorf("put voice state: %w", err)
	}
	return nil
}

func (s voiceStates) Get(ctx context.Context, guildID, userID snowflake.ID) (storage.VoiceState, error) {
	v, err := scanVoice(s.db.QueryRow(ctx, `SELECT `+voiceCols+` FROM voice_states WHERE guild_id = $1 AND user_id = $2`, int64(guildID), int64(userID)))
	if err != nil {
		return v, fmt.Errorf("get voice state: %w", err)
	}
	return v, nil
}

func (s voiceStates) ListByGuild(ctx context.Context, guildID snowflake.ID) ([]storage.VoiceState, error) {
	vs, err := queryAll(ctx, s.db, scanVoiceRows, `SELECT `+voiceCols+` FROM voice_states WHERE guild_id = $1 ORDER BY user_id`, int64(guildID))
	if err != nil {
		return nil, fmt.Errorf("list voice states: %w", err)
	}
	return vs, nil
}

func (s voiceStates) Delete(ctx context.Context, guildID, userID snowflake.ID) error {
	if err := notFoundIfZero(s.db.Exec(ctx, `DELETE FROM voice_states WHERE guild_id = $1 AND user_id = $2`, int64(guildID), int64(userID))); err != nil {
		return fmt.Errorf("delete voice state: %w", err)
	}
	return nil
}

// deleteWhere removes and returns the voice states matching cond ($1 is arg) in one
// transaction, so a state is reported removed by exactly one caller.
func (s voiceStates) deleteWhere(ctx context.Context, what, cond string, arg any) ([]storage.VoiceState, error) {
	var vs []storage.VoiceState
	err := s.db.InTx(ctx, func(tx DB) error {
		var err error
		vs, err = queryAll(ctx, tx, scanVoiceRows, `DELETE FROM voice_states WHERE `+cond+` RETURNING `+voiceCols, arg)
		return err
	})
	if err != nil {
		return nil, fmt.Errorf("delete voice states by %s: %w", what, err)
	}
	return vs, nil
}

func (s voiceStates) DeleteSession(ctx context.Context, sessionID string) ([]storage.VoiceState, error) {
	return s.deleteWhere(ctx, "session", `session_id = $1`, sessionID)
}

func (s voiceStates) DeleteNode(ctx context.Context, node int) ([]storage.VoiceState, error) {
	return s.deleteWhere(ctx, "node", `node = $1`, int64(node))
}

func (s voiceStates) DeleteChannel(ctx context.Context, channelID snowflake.ID) ([]storage.VoiceState, error) {
	return s.deleteWhere(ctx, "channel", `channel_id = $1`, int64(channelID))
}

type activity struct{ db Conn }

func (s activity) ActiveAuthors(ctx context.Context, guildID, since snowflake.ID) ([]snowflake.ID, error) {
	ids, err := queryAll(ctx, s.db, func(r Rows) (snowflake.ID, error) {
		var id int64
		err := r.Scan(&id)
		return snowflake.ID(id), err
	}, `SELECT DISTINCT author_id FROM messages WHERE guild_id = $1 AND id >= $2`, int64(guildID), int64(since))
	if err != nil {
		return nil, fmt.Errorf("list active authors: %w", err)
	}
	return ids, nil
}
