package sqlstore

import (
	"context"
	"fmt"
)

type settings struct{ db Conn }

func (s settings) Get(ctx context.Context, key string) ([]byte, error) {
	var v []byte
	if err := s.db.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v); err != nil {
		return nil, fmt.Errorf("get setting %q: %w", key, err)
	}
	return v, nil
}

func (s settings) PutIfAbsent(ctx context.Context, key string, value []byte) ([]byte, error) {
	var v []byte
	err := s.db.InTx(ctx, func(tx DB) error {
		if _, err := tx.Exec(ctx, `INSERT INTO settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING`, key, value); err != nil {
			return err
		}
		return tx.QueryRow(ctx, `SELECT value FROM settings WHERE key = $1`, key).Scan(&v)
	})
	if err != nil {
		return nil, fmt.Errorf("put setting %q: %w", key, err)
	}
	return v, nil
}
