package sqlstore

import (
	"context"
	"fmt"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

type invites struct{ db Conn }

const inviteCols = `data, uses`

func scanInvite(r Row) (storage.Invite, error) {
	var data string
	var uses int64
	var i storage.Invite
	if err := r.Scan(&data, &uses); err != nil {
		return i, err
	}
	if err := fromJSON(data, &i); err != nil {
		return i, err
	}
	i.Uses = int(uses)
	return i, nil
}

func scanInviteRows(r Rows) (storage.Invite, error) { return scanInvite(r) }

func (s invites) Create(ctx context.Context, i storage.Invite) error {
	data, err := toJSON(i)
	if err == nil {
		_, err = s.db.Exec(ctx, `INSERT INTO invites (code, guild_id, channel_id, max_uses, uses, created_at, data) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			i.Code, int64(i.GuildID), int64(i.ChannelID), i.MaxUses, i.Uses, nanos(i.CreatedAt), data)
	}
	if err != nil {
		return fmt.Errorf("create invite: %w", err)
	}
	return nil
}

func (s invites) Get(ctx context.Context, code string) (storage.Invite, error) {
	i, err := scanInvite(s.db.QueryRow(ctx, `SELECT `+inviteCols+` FROM invites WHERE code = $1`, code))
	if err != nil {
		return i, fmt.Errorf("get invite: %w", err)
	}
	return i, nil
}

func (s invites) ListByGuild(ctx context.Context, guildID snowflake.ID) ([]storage.Invite, error) {
	is, err := queryAll(ctx, s.db, scanInviteRows, `SELECT `+inviteCols+` FROM invites WHERE guild_id = $1 ORDER BY created_at, code`, int64(guildID))
	if err != nil {
		return nil, fmt.Errorf("list guild invites: %w", err)
	}
	return is, nil
}

func (s invites) ListByChannel(ctx context.Context, channelID snowflake.ID) ([]storage.Invite, error) {
	is, err := queryAll(ctx, s.db, scanInviteRows, `SELECT `+inviteCols+` FROM invites WHERE channel_id = $1 ORDER BY created_at, code`, int64(channelID))
	if err != nil {
		return nil, fmt.Errorf("list channel invites: %w", err)
	}
	return is, nil
}

func (s invites) Use(ctx context.Context, code string) (storage.Invite, error) {
	var i storage.Invite
	// One conditional UPDATE both checks and spends a use, so MaxUses holds under races.
	err := s.db.InTx(ctx, func(tx DB) error {
		var err error
		i, err = scanInvite(tx.QueryRow(ctx, `UPDATE invites SET uses = uses + 1 WHERE code = $1 AND (max_uses = 0 OR uses < max_uses) RETURNING `+inviteCols, code))
		return err
	})
	if err != nil {
		return i, fmt.Errorf("use invite: %w", err)
	}
	return i, nil
}

func (s invites) Delete(ctx context.Context, code string) error {
	if err := notFoundIfZero(s.db.Exec(ctx, `DELETE FROM invites WHERE code = $1`, code)); err != nil {
		return fmt.Errorf("delete invite: %w", err)
	}
	return nil
}
