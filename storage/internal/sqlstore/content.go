package sqlstore

import (
	"context"
	"fmt"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// ScheduledEvents returns the scheduled event store.
func (s *Store) ScheduledEvents() storage.ScheduledEventStore { return scheduledEvents{s.c} }

// Stickers returns the sticker store.
func (s *Store) Stickers() storage.StickerStore { return stickers{s.c} }

// ApplicationEmojis returns the application emoji store: the emoji store over its own table.
func (s *Store) ApplicationEmojis() storage.EmojiStore {
	return emojis{db: s.c, table: "application_emojis"}
}

// StageInstances returns the stage instance store.
func (s *Store) StageInstances() storage.StageInstanceStore { return stageInstances{s.c} }

// Sounds returns the soundboard sound store.
func (s *Store) Sounds() storage.SoundStore { return sounds{s.c} }

// Images returns the image store.
func (s *Store) Images() storage.ImageStore { return images{s.c} }

// scanDoc decodes a row of one document column into a T.
func scanDoc[T any](r Row) (T, error) {
	var data string
	var v T
	if err := r.Scan(&data); err != nil {
		return v, err
	}
	return v, fromJSON(data, &v)
}

func scanDocRows[T any](r Rows) (T, error) { return scanDoc[T](r) }

// scanDocBlob decodes a document column and a blob column; the blob goes through set.
func scanDocBlob[T any](r Row, set func(*T, []byte)) (T, error) {
	var data string
	var blob []byte
	var v T
	if err := r.Scan(&data, &blob); err != nil {
		return v, err
	}
	if err := fromJSON(data, &v); err != nil {
		return v, err
	}
	set(&v, blob)
	return v, nil
}

type scheduledEvents struct{ db Conn }

// scanEvent decodes an event row; a recurrence rule stored as JSON null reads back as nil,
// as it was written.
func scanEvent(r Row) (storage.ScheduledEvent, error) {
	e, err := scanDoc[storage.ScheduledEvent](r)
	if string(e.Recurrence) == "null" {
		e.Recurrence = nil
	}
	return e, err
}

func scanEventRows(r Rows) (storage.ScheduledEvent, error) { return scanEvent(r) }

func (s scheduledEvents) Create(ctx context.Context, e storage.ScheduledEvent) error {
	data, err := toJSON(e)
	if err == nil {
		_, err = s.db.Exec(ctx, `INSERT INTO scheduled_events (guild_id, id, data) VALUES ($1, $2, $3)`,
			int64(e.GuildID), int64(e.ID), data)
	}
	if err != nil {
		return fmt.Errorf("create scheduled event: %w", err)
	}
	return nil
}

func (s scheduledEvents) Get(ctx context.Context, guildID, id snowflake.ID) (storage.ScheduledEvent, error) {
	e, err := scanEvent(s.db.QueryRow(ctx,
		`SELECT data FROM scheduled_events WHERE guild_id = $1 AND id = $2`, int64(guildID), int64(id)))
	if err != nil {
		return e, fmt.Errorf("get scheduled event: %w", err)
	}
	return e, nil
}

func (s scheduledEvents) ListByGuild(ctx context.Context, guildID snowflake.ID) ([]storage.ScheduledEvent, error) {
	es, err := queryAll(ctx, s.db, scanEventRows,
		`SELECT data FROM scheduled_events WHERE guild_id = $1 ORDER BY id`, int64(guildID))
	if err != nil {
		return nil, fmt.Errorf("list scheduled events: %w", err)
	}
	return es, nil
}

func (s scheduledEvents) Update(ctx context.Context, e storage.ScheduledEvent) error {
	data, err := toJSON(e)
	if err == nil {
		err = notFoundIfZero(s.db.Exec(ctx, `UPDATE scheduled_events SET data = $3 WHERE guild_id = $1 AND id = $2`,
			int64(e.GuildID), int64(e.ID), data))
	}
	if err != nil {
		return fmt.Errorf("update scheduled event: %w", err)
	}
	return nil
}

func (s scheduledEvents) Delete(ctx context.Context, guildID, id snowflake.ID) error {
	err := s.db.InTx(ctx, func(tx DB) error {
		if err := notFoundIfZero(tx.Exec(ctx, `DELETE FROM scheduled_events WHERE guild_id = $1 AND id = $2`, int64(guildID), int64(id))); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM scheduled_event_users WHERE event_id = $1`, int64(id))
		return err
	})
	if err != nil {
		return fmt.Errorf("delete scheduled event: %w", err)
	}
	return nil
}

func (s scheduledEvents) AddUser(ctx context.Context, eventID, exceptionID, userID snowflake.ID) error {
	_, err := s.db.Exec(ctx, `INSERT INTO scheduled_event_users (guild_id, event_id, exception_id, user_id)
		SELECT guild_id, id, $2, $3 FROM scheduled_events WHERE id = $1`,
		int64(eventID), int64(exceptionID), int64(userID))
	if err != nil {
		return fmt.Errorf("add scheduled event user: %w", err)
	}
	return nil
}

func (s scheduledEvents) RemoveUser(ctx context.Context, eventID, exceptionID, userID snowflake.ID) error {
	if err := notFoundIfZero(s.db.Exec(ctx, `DELETE FROM scheduled_event_users WHERE event_id = $1 AND exception_id = $2 AND user_id = $3`,
		int64(eventID), int64(exceptionID), int64(userID))); err != nil {
		return fmt.Errorf("remove scheduled event user: %w", err)
	}
	return nil
}

func (s scheduledEvents) ListUsers(ctx context.Context, eventID, exceptionID, before, after snowflake.ID, limit int) ([]snowflake.ID, error) {
	var p params
	q := `SELECT user_id FROM scheduled_event_users WHERE event_id = ` + p.add(int64(eventID)) +
		` AND exception_id = ` + p.add(int64(exceptionID))
	if after != 0 {
		q += ` AND user_id > ` + p.add(int64(after))
	}
	if before != 0 {
		q += ` AND user_id < ` + p.add(int64(before))
	}
	desc := before != 0 && after == 0
	if desc {
		q += ` ORDER BY user_id DESC`
	} else {
		q += ` ORDER BY user_id`
	}
	q += p.limitClause(limit)
	ids, err := queryAll(ctx, s.db, func(r Rows) (snowflake.ID, error) {
		var id int64
		err := r.Scan(&id)
		return snowflake.ID(id), err
	}, q, p...)
	if err != nil {
		return nil, fmt.Errorf("list scheduled event users: %w", err)
	}
	if desc {
		for i, j := 0, len(ids)-1; i < j; i, j = i+1, j-1 {
			ids[i], ids[j] = ids[j], ids[i]
		}
	}
	return ids, nil
}

func (s scheduledEvents) CountUsers(ctx context.Context, eventIDs []snowflake.ID) (map[snowflake.ID]map[snowflake.ID]int, error) {
	out := map[snowflake.ID]map[snowflake.ID]int{}
	for _, chunk := range chunks(eventIDs) {
		var p params
		rows, err := queryAll(ctx, s.db, func(r Rows) ([3]int64, error) {
			var v [3]int64
			err := r.Scan(&v[0], &v[1], &v[2])
			return v, err
		}, `SELECT event_id, exception_id, COUNT(*) FROM scheduled_event_users WHERE event_id IN `+p.in(chunk)+
			` GROUP BY event_id, exception_id`, p...)
		if err != nil {
			return nil, fmt.Errorf("count scheduled event users: %w", err)
		}
		for _, r := range rows {
			ev := snowflake.ID(r[0])
			if out[ev] == nil {
				out[ev] = map[snowflake.ID]int{}
			}
			out[ev][snowflake.ID(r[1])] = int(r[2])
		}
	}
	return out, nil
}

func (s scheduledEvents) DeleteUsers(ctx context.Context, guildID, userID snowflake.ID) error {
	if _, err := s.db.Exec(ctx, `DELETE FROM scheduled_event_users WHERE guild_id = $1 AND user_id = $2`, int64(guildID), int64(userID)); err != nil {
		return fmt.Errorf("delete scheduled event users: %w", err)
	}
	return nil
}

type stickers struct{ db Conn }

func (s stickers) Create(ctx context.Context, st storage.Sticker) error {
	data, err := toJSON(st)
	if err == nil {
		_, err = s.db.Exec(ctx, `INSERT INTO stickers (id, guild_id, data, image) VALUES ($1, $2, $3, $4)`,
			int64(st.ID), int64(st.GuildID), data, imageArg(st.Image))
	}
	if err != nil {
		return fmt.Errorf("create sticker: %w", err)
	}
	return nil
}

func (s stickers) Get(ctx context.Context, id snowflake.ID) (storage.Sticker, error) {
	st, err := scanDocBlob(s.db.QueryRow(ctx, `SELECT data, image FROM stickers WHERE id = $1`, int64(id)),
		func(st *storage.Sticker, b []byte) { st.Image = b })
	if err != nil {
		return st, fmt.Errorf("get sticker: %w", err)
	}
	return st, nil
}

func (s stickers) ListByGuild(ctx context.Context, guildID snowflake.ID) ([]storage.Sticker, error) {
	sts, err := queryAll(ctx, s.db, scanDocRows[storage.Sticker], `SELECT data FROM stickers WHERE guild_id = $1 ORDER BY id`, int64(guildID))
	if err != nil {
		return nil, fmt.Errorf("list stickers: %w", err)
	}
	return sts, nil
}

func (s stickers) Update(ctx context.Context, st storage.Sticker) error {
	data, err := toJSON(st)
	if err == nil {
		err = notFoundIfZero(s.db.Exec(ctx, `UPDATE stickers SET data = $3 WHERE guild_id = $1 AND id = $2`,
			int64(st.GuildID), int64(st.ID), data))
	}
	if err != nil {
		return fmt.Errorf("update sticker: %w", err)
	}
	return nil
}

func (s stickers) Delete(ctx context.Context, guildID, id snowflake.ID) error {
	if err := notFoundIfZero(s.db.Exec(ctx, `DELETE FROM stickers WHERE guild_id = $1 AND id = $2`, int64(guildID), int64(id))); err != nil {
		return fmt.Errorf("delete sticker: %w", err)
	}
	return nil
}

type stageInstances struct{ db Conn }

func (s stageInstances) Create(ctx context.Context, si storage.StageInstance) error {
	data, err := toJSON(si)
	if err == nil {
		_, err = s.db.Exec(ctx, `INSERT INTO stage_instances (channel_id, guild_id, id, data) VALUES ($1, $2, $3, $4)`,
			int64(si.ChannelID), int64(si.GuildID), int64(si.ID), data)
	}
	if err != nil {
		return fmt.Errorf("create stage instance: %w", err)
	}
	return nil
}

func (s stageInstances) Get(ctx context.Context, channelID snowflake.ID) (storage.StageInstance, error) {
	si, err := scanDoc[storage.StageInstance](s.db.QueryRow(ctx, `SELECT data FROM stage_instances WHERE channel_id = $1`, int64(channelID)))
	if err != nil {
		return si, fmt.Errorf("get stage instance: %w", err)
	}
	return si, nil
}

func (s stageInstances) ListByGuild(ctx context.Context, guildID snowflake.ID) ([]storage.StageInstance, error) {
	sis, err := queryAll(ctx, s.db, scanDocRows[storage.StageInstance], `SELECT data FROM stage_instances WHERE guild_id = $1 ORDER BY id`, int64(guildID))
	if err != nil {
		return nil, fmt.Errorf("list stage instances: %w", err)
	}
	return sis, nil
}

func (s stageInstances) Update(ctx context.Context, si storage.StageInstance) error {
	data, err := toJSON(si)
	if err == nil {
		err = notFoundIfZero(s.db.Exec(ctx, `UPDATE stage_instances SET data = $2 WHERE channel_id = $1`, int64(si.ChannelID), data))
	}
	if err != nil {
		return fmt.Errorf("update stage instance: %w", err)
	}
	return nil
}

func (s stageInstances) Delete(ctx context.Context, channelID snowflake.ID) error {
	if err := notFoundIfZero(s.db.Exec(ctx, `DELETE FROM stage_instances WHERE channel_id = $1`, int64(channelID))); err != nil {
		return fmt.Errorf("delete stage instance: %w", err)
	}
	return nil
}

type sounds struct{ db Conn }

func setSoundData(snd *storage.Sound, b []byte) { snd.Data = b }

func (s sounds) Create(ctx context.Context, snd storage.Sound) error {
	data, err := toJSON(snd)
	if err == nil {
		_, err = s.db.Exec(ctx, `INSERT INTO soundboard_sounds (id, guild_id, data, sound) VALUES ($1, $2, $3, $4)`,
			int64(snd.ID), int64(snd.GuildID), data, imageArg(snd.Data))
	}
	if err != nil {
		return fmt.Errorf("create sound: %w", err)
	}
	return nil
}

func (s sounds) Get(ctx context.Context, guildID, id snowflake.ID) (storage.Sound, error) {
	snd, err := scanDocBlob(s.db.QueryRow(ctx, `SELECT data, sound FROM soundboard_sounds WHERE guild_id = $1 AND id = $2`,
		int64(guildID), int64(id)), setSoundData)
	if err != nil {
		return snd, fmt.Errorf("get sound: %w", err)
	}
	return snd, nil
}

func (s sounds) GetByID(ctx context.Context, id snowflake.ID) (storage.Sound, error) {
	snd, err := scanDocBlob(s.db.QueryRow(ctx, `SELECT data, sound FROM soundboard_sounds WHERE id = $1`, int64(id)), setSoundData)
	if err != nil {
		return snd, fmt.Errorf("get sound: %w", err)
	}
	return snd, nil
}

func (s sounds) ListByGuild(ctx context.Context, guildID snowflake.ID) ([]storage.Sound, error) {
	snds, err := queryAll(ctx, s.db, scanDocRows[storage.Sound], `SELECT data FROM soundboard_sounds WHERE guild_id = $1 ORDER BY id`, int64(guildID))
	if err != nil {
		return nil, fmt.Errorf("list sounds: %w", err)
	}
	return snds, nil
}

func (s sounds) Update(ctx context.Context, snd storage.Sound) error {
	data, err := toJSON(snd)
	if err == nil {
		err = notFoundIfZero(s.db.Exec(ctx, `UPDATE soundboard_sounds SET data = $3 WHERE guild_id = $1 AND id = $2`,
			int64(snd.GuildID), int64(snd.ID), data))
	}
	if err != nil {
		return fmt.Errorf("update sound: %w", err)
	}
	return nil
}

func (s sounds) Delete(ctx context.Context, guildID, id snowflake.ID) error {
	if err := notFoundIfZero(s.db.Exec(ctx, `DELETE FROM soundboard_sounds WHERE guild_id = $1 AND id = $2`, int64(guildID), int64(id))); err != nil {
		return fmt.Errorf("delete sound: %w", err)
	}
	return nil
}

type images struct{ db Conn }

func (s images) Put(ctx context.Context, img storage.Image) error {
	_, err := s.db.Exec(ctx, `INSERT INTO images (kind, owner_id, hash, data) VALUES ($1, $2, $3, $4)
		ON CONFLICT (kind, owner_id, hash) DO NOTHING`, img.Kind, int64(img.OwnerID), img.Hash, img.Data)
	if err != nil {
		return fmt.Errorf("put image: %w", err)
	}
	return nil
}

func (s images) Get(ctx context.Context, kind string, ownerID snowflake.ID, hash string) (storage.Image, error) {
	img := storage.Image{Kind: kind, OwnerID: ownerID, Hash: hash}
	if err := s.db.QueryRow(ctx, `SELECT data FROM images WHERE kind = $1 AND owner_id = $2 AND hash = $3`,
		kind, int64(ownerID), hash).Scan(&img.Data); err != nil {
		return img, fmt.Errorf("get image: %w", err)
	}
	return img, nil
}
