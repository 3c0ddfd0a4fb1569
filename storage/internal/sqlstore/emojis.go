package sqlstore

import (
	"context"
	"fmt"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// emojis serves both guild emojis ("emojis") and application emojis ("application_emojis",
// where guild_id holds the application): one contract, two tables.
type emojis struct {
	db    Conn
	table string
}

// name is the table; the zero value is the guild emoji table.
func (s emojis) name() string {
	if s.table == "" {
		return "emojis"
	}
	return s.table
}

func scanEmoji(withImage bool) func(Rows) (storage.Emoji, error) {
	return func(r Rows) (storage.Emoji, error) { return scanEmojiRow(r, withImage) }
}

func scanEmojiRow(r Row, withImage bool) (storage.Emoji, error) {
	var data string
	var e storage.Emoji
	dest := []any{&data}
	var img []byte
	if withImage {
		dest = append(dest, &img)
	}
	if err := r.Scan(dest...); err != nil {
		return e, err
	}
	if err := fromJSON(data, &e); err != nil {
		return e, err
	}
	e.Image = img
	return e, nil
}

// emojiData keeps the image out of the JSON document: it lives in its own column so that
// lists never read it.
func emojiData(e storage.Emoji) (string, error) {
	e.Image = nil
	return toJSON(e)
}

// imageArg binds a nil image as SQL NULL in both drivers.
func imageArg(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

func (s emojis) Create(ctx context.Context, e storage.Emoji) error {
	data, err := emojiData(e)
	if err == nil {
		_, err = s.db.Exec(ctx, `INSERT INTO `+s.name()+` (guild_id, id, data, image) VALUES ($1, $2, $3, $4)`,
			int64(e.GuildID), int64(e.ID), data, imageArg(e.Image))
	}
	if err != nil {
		return fmt.Errorf("create emoji: %w", err)
	}
	return nil
}

func (s emojis) Get(ctx context.Context, guildID, id snowflake.ID) (storage.Emoji, error) {
	e, err := scanEmojiRow(s.db.QueryRow(ctx, `SELECT data, image FROM `+s.name()+` WHERE guild_id = $1 AND id = $2`, int64(guildID), int64(id)), true)
	if err != nil {
		return e, fmt.Errorf("get emoji: %w", err)
	}
	return e, nil
}

func (s emojis) GetByID(ctx context.Context, id snowflake.ID) (storage.Emoji, error) {
	e, err := scanEmojiRow(s.db.QueryRow(ctx, `SELECT data, image FROM `+s.name()+` WHERE id = $1`, int64(id)), true)
	if err != nil {
		return e, fmt.Errorf("get emoji: %w", err)
	}
	return e, nil
}

func (s emojis) ListByGuild(ctx context.Context, guildID snowflake.ID) ([]storage.Emoji, error) {
	es, err := queryAll(ctx, s.db, scanEmoji(false), `SELECT data FROM `+s.name()+` WHERE guild_id = $1 ORDER BY id`, int64(guildID))
	if err != nil {
		return nil, fmt.Errorf("list emojis: %w", err)
	}
	return es, nil
}

// Update keeps the stored image when e.Image is nil, because ListByGuild hands out emojis
// without images and a caller that edits one of those must not erase the picture.
func (s emojis) Update(ctx context.Context, e storage.Emoji) error {
	data, err := emojiData(e)
	if err == nil {
		q := `UPDATE ` + s.name() + ` SET data = $3 WHERE guild_id = $1 AND id = $2`
		args := []any{int64(e.GuildID), int64(e.ID), data}
		if e.Image != nil {
			q = `UPDATE ` + s.name() + ` SET data = $3, image = $4 WHERE guild_id = $1 AND id = $2`
			args = append(args, e.Image)
		}
		err = notFoundIfZero(s.db.Exec(ctx, q, args...))
	}
	if err != nil {
		return fmt.Errorf("update emoji: %w", err)
	}
	return nil
}

func (s emojis) Delete(ctx context.Context, guildID, id snowflake.ID) error {
	if err := notFoundIfZero(s.db.Exec(ctx, `DELETE FROM `+s.name()+` WHERE guild_id = $1 AND id = $2`, int64(guildID), int64(id))); err != nil {
		return fmt.Errorf("delete emoji: %w", err)
	}
	return nil
}
