package sqlstore

import (
	"context"
	"fmt"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

type applications struct{ db Conn }

const appCols = `data, owner_id, created_at`

func scanApp(r Row) (storage.Application, error) {
	var data string
	var owner, created int64
	var a storage.Application
	if err := r.Scan(&data, &owner, &created); err != nil {
		return a, err
	}
	if err := fromJSON(data, &a); err != nil {
		return a, err
	}
	a.OwnerID, a.CreatedAt = snowflake.ID(owner), fromNanos(created)
	return a, nil
}

func scanAppRows(r Rows) (storage.Application, error) { return scanApp(r) }

func (s applications) Create(ctx context.Context, a storage.Application) error {
	data, err := toJSON(a)
	if err == nil {
		_, err = s.db.Exec(ctx, `INSERT INTO applications (id, owner_id, created_at, data) VALUES ($1, $2, $3, $4)`,
			int64(a.ID), int64(a.OwnerID), nanos(a.CreatedAt), data)
	}
	if err != nil {
		return fmt.Errorf("create application: %w", err)
	}
	return nil
}

func (s applications) Get(ctx context.Context, id snowflake.ID) (storage.Application, error) {
	a, err := scanApp(s.db.QueryRow(ctx, `SELECT `+appCols+` FROM applications WHERE id = $1`, int64(id)))
	if err != nil {
		return a, fmt.Errorf("get application: %w", err)
	}
	return a, nil
}

func (s applications) ListByOwner(ctx context.Context, ownerID snowflake.ID) ([]storage.Application, error) {
	as, err := queryAll(ctx, s.db, scanAppRows, `SELECT `+appCols+` FROM applications WHERE owner_id = $1 ORDER BY id`, int64(ownerID))
	if err != nil {
		return nil, fmt.Errorf("list applications: %w", err)
	}
	return as, nil
}

func (s applications) Update(ctx context.Context, a storage.Application) error {
	data, err := toJSON(a)
	if err == nil {
		err = notFoundIfZero(s.db.Exec(ctx, `UPDATE applications SET data = $2 WHERE id = $1`, int64(a.ID), data))
	}
	if err != nil {
		return fmt.Errorf("update application: %w", err)
	}
	return nil
}

func (s applications) Key(ctx context.Context, appID snowflake.ID) (storage.ApplicationKey, error) {
	k, err := getAppKey(ctx, s.db, appID)
	if err != nil {
		return storage.ApplicationKey{}, fmt.Errorf("get application key: %w", err)
	}
	return k, nil
}

func getAppKey(ctx context.Context, db DB, appID snowflake.ID) (storage.ApplicationKey, error) {
	k := storage.ApplicationKey{ApplicationID: appID}
	var created int64
	err := db.QueryRow(ctx, `SELECT public_key, private_key, created_at FROM application_keys WHERE application_id = $1`,
		int64(appID)).Scan(&k.PublicKey, &k.PrivateKey, &created)
	k.CreatedAt = fromNanos(created)
	return k, err
}

func (s applications) PutKeyIfAbsent(ctx context.Context, k storage.ApplicationKey) (storage.ApplicationKey, error) {
	var out storage.ApplicationKey
	err := s.db.InTx(ctx, func(tx DB) error {
		if _, err := tx.Exec(ctx, `INSERT INTO application_keys (application_id, public_key, private_key, created_at)
			VALUES ($1, $2, $3, $4) ON CONFLICT (application_id) DO NOTHING`,
			int64(k.ApplicationID), k.PublicKey, k.PrivateKey, nanos(k.CreatedAt)); err != nil {
			return err
		}
		var err error
		out, err = getAppKey(ctx, tx, k.ApplicationID)
		return err
	})
	if err != nil {
		return storage.ApplicationKey{}, fmt.Errorf("put application key: %w", err)
	}
	return out, nil
}
