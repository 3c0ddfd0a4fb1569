package sqlstore

import (
	"context"
	"fmt"
	"time"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

type tokens struct{ db Conn }

func (s tokens) Create(ctx context.Context, t storage.RefreshToken) error {
	_, err := s.db.Exec(ctx, `INSERT INTO refresh_tokens (id, user_id, family_id, expires_at, used_at, revoked) VALUES ($1, $2, $3, $4, $5, $6)`,
		t.ID, int64(t.UserID), t.FamilyID, nanos(t.ExpiresAt), nanosPtr(t.UsedAt), boolInt(t.Revoked))
	if err != nil {
		return fmt.Errorf("create refresh token: %w", err)
	}
	return nil
}

func (s tokens) Get(ctx context.Context, id string) (storage.RefreshToken, error) {
	var t storage.RefreshToken
	var user, expires, revoked int64
	var used *int64
	err := s.db.QueryRow(ctx, `SELECT id, user_id, family_id, expires_at, used_at, revoked FROM refresh_tokens WHERE id = $1`, id).
		Scan(&t.ID, &user, &t.FamilyID, &expires, &used, &revoked)
	if err != nil {
		return t, fmt.Errorf("get refresh token: %w", err)
	}
	t.UserID, t.ExpiresAt, t.UsedAt, t.Revoked = snowflake.ID(user), fromNanos(expires), fromNanosPtr(used), revoked != 0
	return t, nil
}

func (s tokens) MarkUsed(ctx context.Context, id string, at time.Time) (bool, error) {
	// A single conditional UPDATE is the compare-and-set: only one caller can flip NULL.
	n, err := s.db.Exec(ctx, `UPDATE refresh_tokens SET used_at = $2 WHERE id = $1 AND used_at IS NULL`, id, at.UnixNano())
	if err != nil {
		return false, fmt.Errorf("mark refresh token used: %w", err)
	}
	if n == 1 {
		return true, nil
	}
	if _, err := s.Get(ctx, id); err != nil {
		return false, fmt.Errorf("mark refresh token used: %w", err)
	}
	return false, nil
}

func (s tokens) RevokeFamily(ctx context.Context, familyID string) error {
	if _, err := s.db.Exec(ctx, `UPDATE refresh_tokens SET revoked = 1 WHERE family_id = $1`, familyID); err != nil {
		return fmt.Errorf("revoke token family: %w", err)
	}
	return nil
}

func (s tokens) FamilyRevoked(ctx context.Context, familyID string) (bool, error) {
	var n int64
	err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM (SELECT 1 FROM refresh_tokens WHERE family_id = $1 AND revoked = 1 LIMIT 1) AS r`, familyID).Scan(&n)
	if err != nil {
		return false, fmt.Errorf("check token family: %w", err)
	}
	return n > 0, nil
}
