package sqlstore

import (
	"context"
	"fmt"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

type webhooks struct{ db Conn }

func scanWebhook(r Row) (storage.Webhook, error) {
	var data string
	var w storage.Webhook
	if err := r.Scan(&data); err != nil {
		return w, err
	}
	return w, fromJSON(data, &w)
}

func scanWebhookRows(r Rows) (storage.Webhook, error) { return scanWebhook(r) }

func (s webhooks) Create(ctx context.Context, w storage.Webhook) error {
	data, err := toJSON(w)
	if err == nil {
		_, err = s.db.Exec(ctx, `INSERT INTO webhooks (id, guild_id, channel_id, data) VALUES ($1, $2, $3, $4)`,
			int64(w.ID), int64(w.GuildID), int64(w.ChannelID), data)
	}
	if err != nil {
		return fmt.Errorf("create webhook: %w", err)
	}
	return nil
}

func (s webhooks) Get(ctx context.Context, id snowflake.ID) (storage.Webhook, error) {
	w, err := scanWebhook(s.db.QueryRow(ctx, `SELECT data FROM webhooks WHERE id = $1`, int64(id)))
	if err != nil {
		return w, fmt.Errorf("get webhook: %w", err)
	}
	return w, nil
}

func (s webhooks) ListByChannel(ctx context.Context, channelID snowflake.ID) ([]storage.Webhook, error) {
	ws, err := queryAll(ctx, s.db, scanWebhookRows, `SELECT data FROM webhooks WHERE channel_id = $1 ORDER BY id`, int64(channelID))
	if err != nil {
		return nil, fmt.Errorf("list channel webhooks: %w", err)
	}
	return ws, nil
}

func (s webhooks) ListByGuild(ctx context.Context, guildID snowflake.ID) ([]storage.Webhook, error) {
	ws, err := queryAll(ctx, s.db, scanWebhookRows, `SELECT data FROM webhooks WHERE guild_id = $1 ORDER BY id`, int64(guildID))
	if err != nil {
		return nil, fmt.Errorf("list guild webhooks: %w", err)
	}
	return ws, nil
}

func (s webhooks) Update(ctx context.Context, w storage.Webhook) error {
	data, err := toJSON(w)
	if err == nil {
		err = notFoundIfZero(s.db.Exec(ctx, `UPDATE webhooks SET guild_id = $2, channel_id = $3, data = $4 WHERE id = $1`,
			int64(w.ID), int64(w.GuildID), int64(w.ChannelID), data))
	}
	if err != nil {
		return fmt.Errorf("update webhook: %w", err)
	}
	return nil
}

func (s webhooks) Delete(ctx context.Context, id snowflake.ID) error {
	if err := notFoundIfZero(s.db.Exec(ctx, `DELETE FROM webhooks WHERE id = $1`, int64(id))); err != nil {
		return fmt.Errorf("delete webhook: %w", err)
	}
	return nil
}
