package sqlstore

import (
	"context"
	"fmt"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

type users struct{ db Conn }

const userCols = `data, created_at`

func scanUser(r Row) (storage.User, error) {
	var data string
	var created int64
	var u storage.User
	if err := r.Scan(&data, &created); err != nil {
		return u, err
	}
	if err := fromJSON(data, &u); err != nil {
		return u, err
	}
	u.CreatedAt = fromNanos(created)
	return u, nil
}

func scanUserRows(r Rows) (storage.User, error) { return scanUser(r) }

func (s users) Create(ctx context.Context, u storage.User) error {
	data, err := toJSON(u)
	if err == nil {
		_, err = s.db.Exec(ctx, `INSERT INTO users (id, username_key, bot, created_at, data) VALUES ($1, $2, $3, $4, $5)`,
			int64(u.ID), foldKey(u.Username), boolInt(u.Bot), nanos(u.CreatedAt), data)
	}
	if err != nil {
		return fmt.Errorf("create user: %w", err)
	}
	return nil
}

func (s users) Get(ctx context.Context, id snowflake.ID) (storage.User, error) {
	u, err := scanUser(s.db.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE id = $1`, int64(id)))
	if err != nil {
		return u, fmt.Errorf("get user: %w", err)
	}
	return u, nil
}

func (s users) GetByUsername(ctx context.Context, username string) (storage.User, error) {
	u, err := scanUser(s.db.QueryRow(ctx, `SELECT `+userCols+` FROM users WHERE username_key = $1 AND bot = 0`, foldKey(username)))
	if err != nil {
		return u, fmt.Errorf("get user by username: %w", err)
	}
	return u, nil
}

func (s users) GetMany(ctx context.Context, ids []snowflake.ID) ([]storage.User, error) {
	var out []storage.User
	for _, chunk := range chunks(ids) {
		var p params
		q := `SELECT ` + userCols + ` FROM users WHERE id IN ` + p.in(chunk)
		us, err := queryAll(ctx, s.db, scanUserRows, q, p...)
		if err != nil {
			return nil, fmt.Errorf("get users: %w", err)
		}
		out = append(out, us...)
	}
	return out, nil
}

func (s users) Update(ctx context.Context, u storage.User) error {
	data, err := toJSON(u)
	if err == nil {
		err = notFoundIfZero(s.db.Exec(ctx, `UPDATE users SET username_key = $2, bot = $3, data = $4 WHERE id = $1`,
			int64(u.ID), foldKey(u.Username), boolInt(u.Bot), data))
	}
	if err != nil {
		return fmt.Errorf("update user: %w", err)
	}
	return nil
}
