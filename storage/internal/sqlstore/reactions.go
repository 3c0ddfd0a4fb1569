package sqlstore

import (
	"context"
	"fmt"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

type reactions struct{ db Conn }

func (s reactions) Add(ctx context.Context, r storage.Reaction) error {
	_, err := s.db.Exec(ctx, `INSERT INTO reactions (message_id, emoji_key, user_id, channel_id, emoji_id, emoji_name, emoji_animated, burst, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		int64(r.MessageID), r.EmojiKey, int64(r.UserID), int64(r.ChannelID), int64(r.EmojiID), r.EmojiName,
		boolInt(r.EmojiAnimated), boolInt(r.Burst), nanos(r.CreatedAt))
	if err != nil {
		return fmt.Errorf("add reaction: %w", err)
	}
	return nil
}

func (s reactions) Remove(ctx context.Context, messageID snowflake.ID, emojiKey string, userID snowflake.ID) error {
	if err := notFoundIfZero(s.db.Exec(ctx, `DELETE FROM reactions WHERE message_id = $1 AND emoji_key = $2 AND user_id = $3`,
		int64(messageID), emojiKey, int64(userID))); err != nil {
		return fmt.Errorf("remove reaction: %w", err)
	}
	return nil
}

func (s reactions) RemoveAll(ctx context.Context, messageID snowflake.ID) error {
	if _, err := s.db.Exec(ctx, `DELETE FROM reactions WHERE message_id = $1`, int64(messageID)); err != nil {
		return fmt.Errorf("remove all reactions: %w", err)
	}
	return nil
}

func (s reactions) RemoveEmoji(ctx context.Context, messageID snowflake.ID, emojiKey string) error {
	if err := notFoundIfZero(s.db.Exec(ctx, `DELETE FROM reactions WHERE message_id = $1 AND emoji_key = $2`,
		int64(messageID), emojiKey)); err != nil {
		return fmt.Errorf("remove emoji reactions: %w", err)
	}
	return nil
}

func scanReaction(r Rows) (storage.Reaction, error) {
	var x storage.Reaction
	var msg, user, ch, emoji, anim, burst, created int64
	err := r.Scan(&msg, &x.EmojiKey, &user, &ch, &emoji, &x.EmojiName, &anim, &burst, &created)
	x.MessageID, x.UserID, x.ChannelID, x.EmojiID = snowflake.ID(msg), snowflake.ID(user), snowflake.ID(ch), snowflake.ID(emoji)
	x.EmojiAnimated, x.Burst, x.CreatedAt = anim != 0, burst != 0, fromNanos(created)
	return x, err
}

func (s reactions) ListForMessages(ctx context.Context, messageIDs []snowflake.ID) ([]storage.Reaction, error) {
	var out []storage.Reaction
	for _, chunk := range chunks(messageIDs) {
		var p params
		in := p.in(chunk)
		q := `SELECT r.message_id, r.emoji_key, r.user_id, r.channel_id, r.emoji_id, r.emoji_name, r.emoji_animated, r.burst, r.created_at
			FROM reactions r JOIN (
				SELECT message_id, emoji_key, MIN(created_at) AS first_at FROM reactions WHERE message_id IN ` + in + ` GROUP BY message_id, emoji_key
			) f ON f.message_id = r.message_id AND f.emoji_key = r.emoji_key
			ORDER BY r.message_id, f.first_at, r.emoji_key, r.created_at, r.user_id`
		rs, err := queryAll(ctx, s.db, scanReaction, q, p...)
		if err != nil {
			return nil, fmt.Errorf("list reactions: %w", err)
		}
		out = append(out, rs...)
	}
	return out, nil
}

func (s reactions) ListUsers(ctx context.Context, messageID snowflake.ID, emojiKey string, burst bool, after snowflake.ID, limit int) ([]snowflake.ID, error) {
	var p params
	q := `SELECT user_id FROM reactions WHERE message_id = ` + p.add(int64(messageID)) + ` AND emoji_key = ` + p.add(emojiKey) +
		` AND burst = ` + p.add(boolInt(burst)) + ` AND user_id > ` + p.add(int64(after)) + ` ORDER BY user_id` + p.limitClause(limit)
	ids, err := queryAll(ctx, s.db, scanID, q, p...)
	if err != nil {
		return nil, fmt.Errorf("list reaction users: %w", err)
	}
	return ids, nil
}
