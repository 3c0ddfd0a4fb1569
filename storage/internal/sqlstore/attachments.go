package sqlstore

import (
	"context"
	"fmt"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

type attachments struct{ db Conn }

func (s attachments) Put(ctx context.Context, as ...storage.Attachment) error {
	if len(as) == 0 {
		return nil
	}
	err := s.db.InTx(ctx, func(tx DB) error {
		for _, a := range as {
			data := a.Data
			if data == nil {
				data = []byte{} // NOT NULL: both drivers bind a nil slice as NULL
			}
			if _, err := tx.Exec(ctx, `INSERT INTO attachments (id, channel_id, message_id, filename, content_type, size, data) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
				int64(a.ID), int64(a.ChannelID), int64(a.MessageID), a.Filename, a.ContentType, len(data), data); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("put attachments: %w", err)
	}
	return nil
}

func (s attachments) Get(ctx context.Context, channelID, id snowflake.ID) (storage.Attachment, error) {
	var a storage.Attachment
	var aid, ch, msg, size int64
	err := s.db.QueryRow(ctx, `SELECT id, channel_id, message_id, filename, content_type, size, data FROM attachments WHERE id = $1 AND channel_id = $2`,
		int64(id), int64(channelID)).Scan(&aid, &ch, &msg, &a.Filename, &a.ContentType, &size, &a.Data)
	if err != nil {
		return storage.Attachment{}, fmt.Errorf("get attachment: %w", err)
	}
	a.ID, a.ChannelID, a.MessageID, a.Size = snowflake.ID(aid), snowflake.ID(ch), snowflake.ID(msg), int(size)
	if a.Data == nil {
		a.Data = []byte{}
	}
	return a, nil
}

func (s attachments) Delete(ctx context.Context, messageID snowflake.ID, ids []snowflake.ID) error {
	err := s.db.InTx(ctx, func(tx DB) error {
		for _, chunk := range chunks(ids) {
			var p params
			q := `DELETE FROM attachments WHERE message_id = ` + p.add(int64(messageID)) + ` AND id IN ` + p.in(chunk)
			if _, err := tx.Exec(ctx, q, p...); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete attachments: %w", err)
	}
	return nil
}

func (s attachments) DeleteByMessage(ctx context.Context, messageID snowflake.ID) error {
	if _, err := s.db.Exec(ctx, `DELETE FROM attachments WHERE message_id = $1`, int64(messageID)); err != nil {
		return fmt.Errorf("delete message attachments: %w", err)
	}
	return nil
}
