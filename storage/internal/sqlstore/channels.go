package sqlstore

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

type channels struct{ db Conn }

const channelCols = `data, guild_id, position, last_message_id, message_count, total_message_sent, member_count`

// channelTypeGroupDM is Discord's group DM type; only 1:1 DMs are indexed for FindDM.
const channelTypeGroupDM = 3

// dmKey is the sorted, de-duplicated recipient set of a 1:1 DM, indexed so FindDM is a
// lookup rather than a scan; nil for every other channel.
func dmKey(c storage.Channel) any {
	if c.GuildID != 0 || c.Type == channelTypeGroupDM || len(c.Recipients) == 0 {
		return nil
	}
	return recipientKey(c.Recipients)
}

func recipientKey(ids []snowflake.ID) string {
	s := append([]snowflake.ID(nil), ids...)
	slices.Sort(s)
	s = slices.Compact(s)
	parts := make([]string, len(s))
	for i, id := range s {
		parts[i] = id.String()
	}
	return strings.Join(parts, ":")
}

func scanChannel(r Row) (storage.Channel, error) {
	var data string
	var guild, pos, last, msgs, sent, mems int64
	var c storage.Channel
	if err := r.Scan(&data, &guild, &pos, &last, &msgs, &sent, &mems); err != nil {
		return c, err
	}
	if err := fromJSON(data, &c); err != nil {
		return c, err
	}
	c.GuildID, c.Position, c.LastMessageID = snowflake.ID(guild), int(pos), snowflake.ID(last)
	c.MessageCount, c.TotalMessageSent, c.MemberCount = int(msgs), int(sent), int(mems)
	return c, nil
}

// threadCols are the thread columns mirrored from a channel's document (zero for channels
// that are not threads): parent, private, archived, archive_ts (Unix ms), auto_archive.
func threadCols(c storage.Channel) (parent, private, archived, archiveTS, auto int64) {
	if c.Thread == nil {
		return 0, 0, 0, 0, 0
	}
	const privateThread = 12
	return int64(c.ParentID), boolInt(c.Type == privateThread), boolInt(c.Thread.Archived),
		c.Thread.ArchiveTimestamp.UnixMilli(), int64(c.Thread.AutoArchiveDuration)
}

func scanChannelRows(r Rows) (storage.Channel, error) { return scanChannel(r) }

func insertChannel(ctx context.Context, db DB, c storage.Channel) error {
	data, err := toJSON(c)
	if err != nil {
		return err
	}
	parent, private, archived, ts, auto := threadCols(c)
	_, err = db.Exec(ctx, `INSERT INTO channels (id, guild_id, position, last_message_id, dm_key, data,
		thread_parent_id, thread_private, archived, archive_ts, auto_archive) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)`,
		int64(c.ID), int64(c.GuildID), c.Position, int64(c.LastMessageID), dmKey(c), data, parent, private, archived, ts, auto)
	return err
}

func (s channels) Create(ctx context.Context, c storage.Channel) error {
	if err := insertChannel(ctx, s.db, c); err != nil {
		return fmt.Errorf("create channel: %w", err)
	}
	return nil
}

func (s channels) Get(ctx context.Context, id snowflake.ID) (storage.Channel, error) {
	c, err := scanChannel(s.db.QueryRow(ctx, `SELECT `+channelCols+` FROM channels WHERE id = $1`, int64(id)))
	if err != nil {
		return c, fmt.Errorf("get channel: %w", err)
	}
	return c, nil
}

func (s channels) ListByGuild(ctx context.Context, guildID snowflake.ID) ([]storage.Channel, error) {
	cs, err := queryAll(ctx, s.db, scanChannelRows, `SELECT `+channelCols+` FROM channels WHERE guild_id = $1 AND thread_parent_id = 0 ORDER BY position, id`, int64(guildID))
	if err != nil {
		return nil, fmt.Errorf("list channels: %w", err)
	}
	return cs, nil
}

func (s channels) Update(ctx context.Context, c storage.Channel) error {
	data, err := toJSON(c)
	if err == nil {
		// guild_id and last_message_id are not written: last_message_id only moves forward,
		// through SetLastMessage, so an update from a stale copy cannot move it back.
		parent, private, archived, ts, auto := threadCols(c)
		err = notFoundIfZero(s.db.Exec(ctx, `UPDATE channels SET position = $2, dm_key = $3, data = $4,
			thread_parent_id = $5, thread_private = $6, archived = $7, archive_ts = $8, auto_archive = $9 WHERE id = $1`,
			int64(c.ID), c.Position, dmKey(c), data, parent, private, archived, ts, auto))
	}
	if err != nil {
		return fmt.Errorf("update channel: %w", err)
	}
	return nil
}

func (s channels) UpdatePositions(ctx context.Context, guildID snowflake.ID, positions map[snowflake.ID]int) error {
	err := updatePositions(ctx, s.db, "channels", guildID, positions)
	if err != nil {
		return fmt.Errorf("update channel positions: %w", err)
	}
	return nil
}

// updatePositions writes positions in one transaction; an ID outside the guild aborts it
// with ErrNotFound so a half-applied reorder is impossible.
func updatePositions(ctx context.Context, c Conn, table string, guildID snowflake.ID, positions map[snowflake.ID]int) error {
	ids := make([]snowflake.ID, 0, len(positions))
	for id := range positions {
		ids = append(ids, id)
	}
	slices.Sort(ids) // a fixed lock order keeps concurrent reorders from deadlocking
	return c.InTx(ctx, func(tx DB) error {
		for _, id := range ids {
			if err := notFoundIfZero(tx.Exec(ctx, `UPDATE `+table+` SET position = $3 WHERE guild_id = $1 AND id = $2`,
				int64(guildID), int64(id), positions[id])); err != nil {
				return fmt.Errorf("%d: %w", id, err)
			}
		}
		return nil
	})
}

func (s channels) Delete(ctx context.Context, id snowflake.ID) error {
	cid := int64(id)
	err := s.db.InTx(ctx, func(tx DB) error {
		if err := notFoundIfZero(tx.Exec(ctx, `DELETE FROM channels WHERE id = $1`, cid)); err != nil {
			return err
		}
		// The channel's threads go with it; "in" is the channel and its threads.
		const threads = `(SELECT id FROM channels WHERE thread_parent_id = $1)`
		for _, q := range []string{
			`DELETE FROM reactions WHERE message_id IN (SELECT id FROM messages WHERE channel_id = $1 OR channel_id IN ` + threads + `)`,
			`DELETE FROM attachments WHERE channel_id = $1 OR channel_id IN ` + threads,
			`DELETE FROM messages WHERE channel_id = $1 OR channel_id IN ` + threads,
			`DELETE FROM thread_members WHERE thread_id = $1 OR thread_id IN ` + threads,
			`DELETE FROM invites WHERE channel_id = $1 OR channel_id IN ` + threads,
			`DELETE FROM webhooks WHERE channel_id = $1`,
			`DELETE FROM voice_states WHERE channel_id = $1`,
			`DELETE FROM channels WHERE thread_parent_id = $1`,
		} {
			if _, err := tx.Exec(ctx, q, cid); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete channel: %w", err)
	}
	return nil
}

func (s channels) FindDM(ctx context.Context, a, b snowflake.ID) (storage.Channel, error) {
	c, err := scanChannel(s.db.QueryRow(ctx, `SELECT `+channelCols+` FROM channels WHERE dm_key = $1 ORDER BY id LIMIT 1`,
		recipientKey([]snowflake.ID{a, b})))
	if err != nil {
		return c, fmt.Errorf("find dm: %w", err)
	}
	return c, nil
}

func (s channels) SetLastMessage(ctx context.Context, channelID, messageID snowflake.ID) error {
	n, err := s.db.Exec(ctx, `UPDATE channels SET last_message_id = $2 WHERE id = $1 AND last_message_id < $2`,
		int64(channelID), int64(messageID))
	if err == nil && n == 0 {
		// Either the channel is gone or it already points at a newer message.
		_, err = s.Get(ctx, channelID)
	}
	if err != nil {
		return fmt.Errorf("set last message: %w", err)
	}
	return nil
}
