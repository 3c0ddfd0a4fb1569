package sqlstore

import (
	"context"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// Interactions returns the live-interaction store.
func (s *Store) Interactions() storage.InteractionStore { return interactions{s.c} }

type interactions struct{ db Conn }

const interactionCols = `id, application_id, type, guild_id, channel_id, user_id, token_hash, created_at, expires_at,
	acknowledged, response_type, response_message_id, data`

func scanInteraction(r Row) (storage.Interaction, error) {
	var id, app, typ, guild, channel, user, created, expires, acked, rtype, rmsg int64
	var hash, data string
	if err := r.Scan(&id, &app, &typ, &guild, &channel, &user, &hash, &created, &expires, &acked, &rtype, &rmsg, &data); err != nil {
		return storage.Interaction{}, err
	}
	th, err := hex.DecodeString(hash)
	if err != nil {
		return storage.Interaction{}, fmt.Errorf("decode token hash: %w", err)
	}
	return storage.Interaction{
		ID: snowflake.ID(id), ApplicationID: snowflake.ID(app), Type: int(typ), GuildID: snowflake.ID(guild),
		ChannelID: snowflake.ID(channel), UserID: snowflake.ID(user), TokenHash: th,
		CreatedAt: fromNanos(created), ExpiresAt: fromNanos(expires), Acknowledged: acked != 0,
		ResponseType: int(rtype), ResponseMessageID: snowflake.ID(rmsg), Data: json.RawMessage(data),
	}, nil
}

func docOrEmpty(d json.RawMessage) string {
	if len(d) == 0 {
		return "{}"
	}
	return string(d)
}

func (s interactions) Create(ctx context.Context, it storage.Interaction) error {
	_, err := s.db.Exec(ctx, `INSERT INTO interactions (`+interactionCols+`) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
		int64(it.ID), int64(it.ApplicationID), it.Type, int64(it.GuildID), int64(it.ChannelID), int64(it.UserID),
		hex.EncodeToString(it.TokenHash), nanos(it.CreatedAt), nanos(it.ExpiresAt), boolInt(it.Acknowledged),
		it.ResponseType, int64(it.ResponseMessageID), docOrEmpty(it.Data))
	if err != nil {
		return fmt.Errorf("create interaction: %w", err)
	}
	return nil
}

func (s interactions) Get(ctx context.Context, id snowflake.ID) (storage.Interaction, error) {
	it, err := scanInteraction(s.db.QueryRow(ctx, `SELECT `+interactionCols+` FROM interactions WHERE id = $1`, int64(id)))
	if err != nil {
		return it, fmt.Errorf("get interaction: %w", err)
	}
	return it, nil
}

func (s interactions) GetByToken(ctx context.Context, appID snowflake.ID, tokenHash []byte, now time.Time) (storage.Interaction, error) {
	it, err := scanInteraction(s.db.QueryRow(ctx, `SELECT `+interactionCols+` FROM interactions
		WHERE token_hash = $1 AND application_id = $2 AND expires_at > $3`,
		hex.EncodeToString(tokenHash), int64(appID), nanos(now)))
	if err != nil {
		return it, fmt.Errorf("get interaction by token: %w", err)
	}
	return it, nil
}

// Acknowledge is one UPDATE guarded by every condition, so two nodes racing for the same
// interaction cannot both win; only a loser reads the row again, to say why it lost.
func (s interactions) Acknowledge(ctx context.Context, id snowflake.ID, tokenHash []byte, notBefore time.Time, responseType int) (storage.Interaction, error) {
	hash := hex.EncodeToString(tokenHash)
	n, err := s.db.Exec(ctx, `UPDATE interactions SET acknowledged = 1, response_type = $4
		WHERE id = $1 AND token_hash = $2 AND acknowledged = 0 AND created_at >= $3`,
		int64(id), hash, nanos(notBefore), responseType)
	if err != nil {
		return storage.Interaction{}, fmt.Errorf("acknowledge interaction: %w", err)
	}
	it, err := s.Get(ctx, id)
	if err != nil {
		return storage.Interaction{}, fmt.Errorf("acknowledge interaction: %w", err)
	}
	if n == 1 {
		return it, nil
	}
	if hex.EncodeToString(it.TokenHash) != hash {
		return storage.Interaction{}, fmt.Errorf("acknowledge interaction: %w", storage.ErrNotFound)
	}
	if it.Acknowledged {
		return storage.Interaction{}, fmt.Errorf("acknowledge interaction: %w", storage.ErrConflict)
	}
	return storage.Interaction{}, fmt.Errorf("acknowledge interaction (too late): %w", storage.ErrNotFound)
}

func (s interactions) Release(ctx context.Context, id snowflake.ID) error {
	err := notFoundIfZero(s.db.Exec(ctx, `UPDATE interactions SET acknowledged = 0, response_type = 0 WHERE id = $1`, int64(id)))
	if err != nil {
		return fmt.Errorf("release interaction: %w", err)
	}
	return nil
}

func (s interactions) SetResponse(ctx context.Context, id, messageID snowflake.ID) error {
	err := notFoundIfZero(s.db.Exec(ctx, `UPDATE interactions SET response_message_id = $2 WHERE id = $1`, int64(id), int64(messageID)))
	if err != nil {
		return fmt.Errorf("set interaction response: %w", err)
	}
	return nil
}

func (s interactions) SetData(ctx context.Context, id snowflake.ID, data json.RawMessage) error {
	err := notFoundIfZero(s.db.Exec(ctx, `UPDATE interactions SET data = $2 WHERE id = $1`, int64(id), docOrEmpty(data)))
	if err != nil {
		return fmt.Errorf("set interaction data: %w", err)
	}
	return nil
}

func (s interactions) PutMessage(ctx context.Context, m storage.InteractionMessage) error {
	_, err := s.db.Exec(ctx, `INSERT INTO interaction_messages (id, interaction_id, user_id, expires_at, data) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (id) DO UPDATE SET interaction_id = excluded.interaction_id, user_id = excluded.user_id,
			expires_at = excluded.expires_at, data = excluded.data`,
		int64(m.ID), int64(m.InteractionID), int64(m.UserID), nanos(m.ExpiresAt), docOrEmpty(m.Data))
	if err != nil {
		return fmt.Errorf("put interaction message: %w", err)
	}
	return nil
}

func (s interactions) GetMessage(ctx context.Context, id snowflake.ID, now time.Time) (storage.InteractionMessage, error) {
	var mid, it, user, expires int64
	var data string
	err := s.db.QueryRow(ctx, `SELECT id, interaction_id, user_id, expires_at, data FROM interaction_messages WHERE id = $1 AND expires_at > $2`,
		int64(id), nanos(now)).Scan(&mid, &it, &user, &expires, &data)
	if err != nil {
		return storage.InteractionMessage{}, fmt.Errorf("get interaction message: %w", err)
	}
	return storage.InteractionMessage{ID: snowflake.ID(mid), InteractionID: snowflake.ID(it), UserID: snowflake.ID(user),
		ExpiresAt: fromNanos(expires), Data: json.RawMessage(data)}, nil
}

func (s interactions) DeleteMessage(ctx context.Context, id snowflake.ID) error {
	if err := notFoundIfZero(s.db.Exec(ctx, `DELETE FROM interaction_messages WHERE id = $1`, int64(id))); err != nil {
		return fmt.Errorf("delete interaction message: %w", err)
	}
	return nil
}

func (s interactions) DeleteExpired(ctx context.Context, now time.Time, limit int) (int, error) {
	if limit <= 0 {
		return 0, errors.New("delete expired interactions: limit must be positive")
	}
	var total int64
	for _, table := range []string{"interactions", "interaction_messages"} {
		n, err := s.db.Exec(ctx, `DELETE FROM `+table+` WHERE id IN
			(SELECT id FROM `+table+` WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2)`, nanos(now), limit)
		if err != nil {
			return int(total), fmt.Errorf("delete expired %s: %w", table, err)
		}
		total += n
	}
	return int(total), nil
}
