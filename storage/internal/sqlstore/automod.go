package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// AutoModRules returns the auto moderation rule store.
func (s *Store) AutoModRules() storage.AutoModRuleStore { return autoModRules{s.c} }

type autoModRules struct{ db Conn }

const autoModCols = `id, guild_id, creator_id, trigger_type, data`

func scanAutoMod(r Row) (storage.AutoModRule, error) {
	var id, guild, creator, typ int64
	var data string
	var out storage.AutoModRule
	if err := r.Scan(&id, &guild, &creator, &typ, &data); err != nil {
		return out, err
	}
	out.ID, out.GuildID, out.CreatorID = snowflake.ID(id), snowflake.ID(guild), snowflake.ID(creator)
	out.TriggerType, out.Data = int(typ), json.RawMessage(data)
	return out, nil
}

func scanAutoModRows(r Rows) (storage.AutoModRule, error) { return scanAutoMod(r) }

func autoModData(r storage.AutoModRule) string {
	if len(r.Data) == 0 {
		return "{}"
	}
	return string(r.Data)
}

// Create inserts only while the guild has fewer than maxOfType rules of the type: the count
// and the insert are one statement, so a cap cannot be overshot by a slow caller.
func (s autoModRules) Create(ctx context.Context, r storage.AutoModRule, maxOfType int) error {
	n, err := s.db.Exec(ctx, `INSERT INTO automod_rules (`+autoModCols+`)
		SELECT $1, $2, $3, $4, $5
		WHERE (SELECT COUNT(*) FROM automod_rules WHERE guild_id = $2 AND trigger_type = $4) < $6`,
		int64(r.ID), int64(r.GuildID), int64(r.CreatorID), r.TriggerType, autoModData(r), maxOfType)
	if err == nil && n == 0 {
		err = storage.ErrConflict
	}
	if err != nil {
		return fmt.Errorf("create automod rule: %w", err)
	}
	return nil
}

func (s autoModRules) Get(ctx context.Context, guildID, id snowflake.ID) (storage.AutoModRule, error) {
	r, err := scanAutoMod(s.db.QueryRow(ctx, `SELECT `+autoModCols+` FROM automod_rules WHERE guild_id = $1 AND id = $2`, int64(guildID), int64(id)))
	if err != nil {
		return r, fmt.Errorf("get automod rule: %w", err)
	}
	return r, nil
}

func (s autoModRules) List(ctx context.Context, guildID snowflake.ID) ([]storage.AutoModRule, error) {
	rs, err := queryAll(ctx, s.db, scanAutoModRows, `SELECT `+autoModCols+` FROM automod_rules WHERE guild_id = $1 ORDER BY id`, int64(guildID))
	if err != nil {
		return nil, fmt.Errorf("list automod rules: %w", err)
	}
	return rs, nil
}

func (s autoModRules) Update(ctx context.Context, r storage.AutoModRule) error {
	if err := notFoundIfZero(s.db.Exec(ctx, `UPDATE automod_rules SET data = $3 WHERE guild_id = $1 AND id = $2`,
		int64(r.GuildID), int64(r.ID), autoModData(r))); err != nil {
		return fmt.Errorf("update automod rule: %w", err)
	}
	return nil
}

func (s autoModRules) Delete(ctx context.Context, guildID, id snowflake.ID) error {
	if err := notFoundIfZero(s.db.Exec(ctx, `DELETE FROM automod_rules WHERE guild_id = $1 AND id = $2`, int64(guildID), int64(id))); err != nil {
		return fmt.Errorf("delete automod rule: %w", err)
	}
	return nil
}
