package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// Store implements storage.Store over a Conn. Backends wrap it to add their own Close.
type Store struct {
	c     Conn
	close func() error
}

var _ storage.Store = (*Store)(nil)

// New returns a Store over c; closeFn releases the backend's resources on Close.
func New(c Conn, closeFn func() error) *Store { return &Store{c: c, close: closeFn} }

// Users returns the user store.
func (s *Store) Users() storage.UserStore { return users{s.c} }

// Applications returns the application store.
func (s *Store) Applications() storage.ApplicationStore { return applications{s.c} }

// Tokens returns the refresh-token store.
func (s *Store) Tokens() storage.TokenStore { return tokens{s.c} }

// Guilds returns the guild store.
func (s *Store) Guilds() storage.GuildStore { return guilds{s.c} }

// Channels returns the channel store.
func (s *Store) Channels() storage.ChannelStore { return channels{s.c} }

// Roles returns the role store.
func (s *Store) Roles() storage.RoleStore { return roles{s.c} }

// Members returns the member store.
func (s *Store) Members() storage.MemberStore { return members{s.c} }

// Messages returns the message store.
func (s *Store) Messages() storage.MessageStore { return messages{s.c} }

// Reactions returns the reaction store.
func (s *Store) Reactions() storage.ReactionStore { return reactions{s.c} }

// Bans returns the ban store.
func (s *Store) Bans() storage.BanStore { return bans{s.c} }

// Invites returns the invite store.
func (s *Store) Invites() storage.InviteStore { return invites{s.c} }

// Webhooks returns the webhook store.
func (s *Store) Webhooks() storage.WebhookStore { return webhooks{s.c} }

// Emojis returns the emoji store.
func (s *Store) Emojis() storage.EmojiStore { return emojis{s.c} }

// Attachments returns the attachment store.
func (s *Store) Attachments() storage.AttachmentStore { return attachments{s.c} }

// Settings returns the settings store.
func (s *Store) Settings() storage.SettingStore { return settings{s.c} }

// Close releases the backend.
func (s *Store) Close() error {
	if s.close == nil {
		return nil
	}
	return s.close()
}

// queryAll runs q and decodes each row with scan.
func queryAll[T any](ctx context.Context, db DB, scan func(Rows) (T, error), q string, args ...any) ([]T, error) {
	rows, err := db.Query(ctx, q, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

// ---- users ----

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

// ---- applications ----

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

// ---- refresh tokens ----

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

// ---- guilds ----

type guilds struct{ db Conn }

func scanGuild(r Row) (storage.Guild, error) {
	var data string
	var created int64
	var g storage.Guild
	if err := r.Scan(&data, &created); err != nil {
		return g, err
	}
	if err := fromJSON(data, &g); err != nil {
		return g, err
	}
	g.CreatedAt = fromNanos(created)
	return g, nil
}

func scanGuildRows(r Rows) (storage.Guild, error) { return scanGuild(r) }

func (s guilds) Create(ctx context.Context, ng storage.NewGuild) error {
	err := s.db.InTx(ctx, func(tx DB) error {
		data, err := toJSON(ng.Guild)
		if err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO guilds (id, created_at, data) VALUES ($1, $2, $3)`,
			int64(ng.Guild.ID), nanos(ng.Guild.CreatedAt), data); err != nil {
			return err
		}
		for _, r := range ng.Roles {
			if err := insertRole(ctx, tx, r); err != nil {
				return err
			}
		}
		for _, c := range ng.Channels {
			if err := insertChannel(ctx, tx, c); err != nil {
				return err
			}
		}
		for _, m := range ng.Members {
			if err := insertMember(ctx, tx, m); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("create guild: %w", err)
	}
	return nil
}

func (s guilds) Get(ctx context.Context, id snowflake.ID) (storage.Guild, error) {
	g, err := scanGuild(s.db.QueryRow(ctx, `SELECT data, created_at FROM guilds WHERE id = $1`, int64(id)))
	if err != nil {
		return g, fmt.Errorf("get guild: %w", err)
	}
	return g, nil
}

func (s guilds) ListForUser(ctx context.Context, userID, before, after snowflake.ID, limit int) ([]storage.Guild, error) {
	var p params
	q := `SELECT g.data, g.created_at FROM members m JOIN guilds g ON g.id = m.guild_id WHERE m.user_id = ` + p.add(int64(userID))
	if before != 0 {
		q += ` AND m.guild_id < ` + p.add(int64(before))
	}
	if after != 0 {
		q += ` AND m.guild_id > ` + p.add(int64(after))
	}
	q += ` ORDER BY m.guild_id` + p.limitClause(limit)
	gs, err := queryAll(ctx, s.db, scanGuildRows, q, p...)
	if err != nil {
		return nil, fmt.Errorf("list guilds for user: %w", err)
	}
	return gs, nil
}

func (s guilds) Update(ctx context.Context, g storage.Guild) error {
	data, err := toJSON(g)
	if err == nil {
		err = notFoundIfZero(s.db.Exec(ctx, `UPDATE guilds SET data = $2 WHERE id = $1`, int64(g.ID), data))
	}
	if err != nil {
		return fmt.Errorf("update guild: %w", err)
	}
	return nil
}

func (s guilds) Delete(ctx context.Context, id snowflake.ID) error {
	gid := int64(id)
	err := s.db.InTx(ctx, func(tx DB) error {
		if err := notFoundIfZero(tx.Exec(ctx, `DELETE FROM guilds WHERE id = $1`, gid)); err != nil {
			return err
		}
		// Children before parents: reactions and attachments hang off messages (attachments
		// also carry their channel), messages off channels.
		stmts := []string{
			`DELETE FROM reactions WHERE message_id IN (SELECT id FROM messages WHERE channel_id IN (SELECT id FROM channels WHERE guild_id = $1))`,
			`DELETE FROM attachments WHERE channel_id IN (SELECT id FROM channels WHERE guild_id = $1)`,
			`DELETE FROM messages WHERE channel_id IN (SELECT id FROM channels WHERE guild_id = $1)`,
			`DELETE FROM channels WHERE guild_id = $1`,
			`DELETE FROM roles WHERE guild_id = $1`,
			`DELETE FROM members WHERE guild_id = $1`,
			`DELETE FROM bans WHERE guild_id = $1`,
			`DELETE FROM invites WHERE guild_id = $1`,
			`DELETE FROM webhooks WHERE guild_id = $1`,
			`DELETE FROM emojis WHERE guild_id = $1`,
		}
		for _, q := range stmts {
			if _, err := tx.Exec(ctx, q, gid); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete guild: %w", err)
	}
	return nil
}

// ---- channels ----

type channels struct{ db Conn }

const channelCols = `data, guild_id, position, last_message_id`

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
	var guild, pos, last int64
	var c storage.Channel
	if err := r.Scan(&data, &guild, &pos, &last); err != nil {
		return c, err
	}
	if err := fromJSON(data, &c); err != nil {
		return c, err
	}
	c.GuildID, c.Position, c.LastMessageID = snowflake.ID(guild), int(pos), snowflake.ID(last)
	return c, nil
}

func scanChannelRows(r Rows) (storage.Channel, error) { return scanChannel(r) }

func insertChannel(ctx context.Context, db DB, c storage.Channel) error {
	data, err := toJSON(c)
	if err != nil {
		return err
	}
	_, err = db.Exec(ctx, `INSERT INTO channels (id, guild_id, position, last_message_id, dm_key, data) VALUES ($1, $2, $3, $4, $5, $6)`,
		int64(c.ID), int64(c.GuildID), c.Position, int64(c.LastMessageID), dmKey(c), data)
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
	cs, err := queryAll(ctx, s.db, scanChannelRows, `SELECT `+channelCols+` FROM channels WHERE guild_id = $1 ORDER BY position, id`, int64(guildID))
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
		err = notFoundIfZero(s.db.Exec(ctx, `UPDATE channels SET position = $2, dm_key = $3, data = $4 WHERE id = $1`,
			int64(c.ID), c.Position, dmKey(c), data))
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
		for _, q := range []string{
			`DELETE FROM reactions WHERE message_id IN (SELECT id FROM messages WHERE channel_id = $1)`,
			`DELETE FROM attachments WHERE channel_id = $1`,
			`DELETE FROM messages WHERE channel_id = $1`,
			`DELETE FROM invites WHERE channel_id = $1`,
			`DELETE FROM webhooks WHERE channel_id = $1`,
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

// ---- roles ----

type roles struct{ db Conn }

const roleCols = `data, guild_id, position`

func scanRole(r Row) (storage.Role, error) {
	var data string
	var guild, pos int64
	var ro storage.Role
	if err := r.Scan(&data, &guild, &pos); err != nil {
		return ro, err
	}
	if err := fromJSON(data, &ro); err != nil {
		return ro, err
	}
	ro.GuildID, ro.Position = snowflake.ID(guild), int(pos)
	return ro, nil
}

func scanRoleRows(r Rows) (storage.Role, error) { return scanRole(r) }

func insertRole(ctx context.Context, db DB, r storage.Role) error {
	data, err := toJSON(r)
	if err != nil {
		return err
	}
	_, err = db.Exec(ctx, `INSERT INTO roles (guild_id, id, position, data) VALUES ($1, $2, $3, $4)`,
		int64(r.GuildID), int64(r.ID), r.Position, data)
	return err
}

func (s roles) Create(ctx context.Context, r storage.Role) error {
	if err := insertRole(ctx, s.db, r); err != nil {
		return fmt.Errorf("create role: %w", err)
	}
	return nil
}

func (s roles) Get(ctx context.Context, guildID, id snowflake.ID) (storage.Role, error) {
	r, err := scanRole(s.db.QueryRow(ctx, `SELECT `+roleCols+` FROM roles WHERE guild_id = $1 AND id = $2`, int64(guildID), int64(id)))
	if err != nil {
		return r, fmt.Errorf("get role: %w", err)
	}
	return r, nil
}

func (s roles) ListByGuild(ctx context.Context, guildID snowflake.ID) ([]storage.Role, error) {
	rs, err := queryAll(ctx, s.db, scanRoleRows, `SELECT `+roleCols+` FROM roles WHERE guild_id = $1 ORDER BY position, id`, int64(guildID))
	if err != nil {
		return nil, fmt.Errorf("list roles: %w", err)
	}
	return rs, nil
}

func (s roles) Update(ctx context.Context, r storage.Role) error {
	data, err := toJSON(r)
	if err == nil {
		err = notFoundIfZero(s.db.Exec(ctx, `UPDATE roles SET position = $3, data = $4 WHERE guild_id = $1 AND id = $2`,
			int64(r.GuildID), int64(r.ID), r.Position, data))
	}
	if err != nil {
		return fmt.Errorf("update role: %w", err)
	}
	return nil
}

func (s roles) UpdatePositions(ctx context.Context, guildID snowflake.ID, positions map[snowflake.ID]int) error {
	if err := updatePositions(ctx, s.db, "roles", guildID, positions); err != nil {
		return fmt.Errorf("update role positions: %w", err)
	}
	return nil
}

func (s roles) Delete(ctx context.Context, guildID, id snowflake.ID) error {
	err := s.db.InTx(ctx, func(tx DB) error {
		if err := notFoundIfZero(tx.Exec(ctx, `DELETE FROM roles WHERE guild_id = $1 AND id = $2`, int64(guildID), int64(id))); err != nil {
			return err
		}
		// Member roles live in the JSON document; the LIKE prefilter (IDs are JSON strings)
		// narrows the rewrite to members that can hold the role.
		pattern := `%"` + id.String() + `"%`
		type doc struct {
			user snowflake.ID
			data string
		}
		docs, err := queryAll(ctx, tx, func(r Rows) (doc, error) {
			var d doc
			var u int64
			err := r.Scan(&u, &d.data)
			d.user = snowflake.ID(u)
			return d, err
		}, `SELECT user_id, data FROM members WHERE guild_id = $1 AND data LIKE $2`, int64(guildID), pattern)
		if err != nil {
			return err
		}
		for _, d := range docs {
			if err := stripRole(ctx, tx, guildID, d.user, id, d.data); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		return fmt.Errorf("delete role: %w", err)
	}
	return nil
}

// stripRole rewrites one member's document without role. The write is a compare-and-set on
// the document read, so under Postgres' READ COMMITTED a concurrent member update is
// re-read and kept rather than overwritten.
func stripRole(ctx context.Context, tx DB, guildID, userID, role snowflake.ID, data string) error {
	for {
		var m storage.Member
		if err := fromJSON(data, &m); err != nil {
			return err
		}
		kept := slices.DeleteFunc(slices.Clone(m.Roles), func(r snowflake.ID) bool { return r == role })
		if len(kept) == len(m.Roles) {
			return nil
		}
		m.Roles = kept
		next, err := toJSON(m)
		if err != nil {
			return err
		}
		n, err := tx.Exec(ctx, `UPDATE members SET data = $3 WHERE guild_id = $1 AND user_id = $2 AND data = $4`,
			int64(guildID), int64(userID), next, data)
		if err != nil || n == 1 {
			return err
		}
		err = tx.QueryRow(ctx, `SELECT data FROM members WHERE guild_id = $1 AND user_id = $2`, int64(guildID), int64(userID)).Scan(&data)
		if isNotFound(err) {
			return nil // left the guild meanwhile
		}
		if err != nil {
			return err
		}
	}
}

// ---- members ----

type members struct{ db Conn }

const memberCols = `data, guild_id, user_id`

func scanMember(r Row) (storage.Member, error) {
	var data string
	var guild, user int64
	var m storage.Member
	if err := r.Scan(&data, &guild, &user); err != nil {
		return m, err
	}
	if err := fromJSON(data, &m); err != nil {
		return m, err
	}
	m.GuildID, m.UserID = snowflake.ID(guild), snowflake.ID(user)
	return m, nil
}

func scanMemberRows(r Rows) (storage.Member, error) { return scanMember(r) }

func nickKey(m storage.Member) any {
	if m.Nick == nil {
		return nil
	}
	return foldKey(*m.Nick)
}

func insertMember(ctx context.Context, db DB, m storage.Member) error {
	data, err := toJSON(m)
	if err != nil {
		return err
	}
	_, err = db.Exec(ctx, `INSERT INTO members (guild_id, user_id, nick_key, data) VALUES ($1, $2, $3, $4)`,
		int64(m.GuildID), int64(m.UserID), nickKey(m), data)
	return err
}

func updateMember(ctx context.Context, db DB, m storage.Member) error {
	data, err := toJSON(m)
	if err != nil {
		return err
	}
	return notFoundIfZero(db.Exec(ctx, `UPDATE members SET nick_key = $3, data = $4 WHERE guild_id = $1 AND user_id = $2`,
		int64(m.GuildID), int64(m.UserID), nickKey(m), data))
}

func (s members) Add(ctx context.Context, m storage.Member) error {
	if err := insertMember(ctx, s.db, m); err != nil {
		return fmt.Errorf("add member: %w", err)
	}
	return nil
}

func (s members) Get(ctx context.Context, guildID, userID snowflake.ID) (storage.Member, error) {
	m, err := scanMember(s.db.QueryRow(ctx, `SELECT `+memberCols+` FROM members WHERE guild_id = $1 AND user_id = $2`, int64(guildID), int64(userID)))
	if err != nil {
		return m, fmt.Errorf("get member: %w", err)
	}
	return m, nil
}

func (s members) List(ctx context.Context, guildID, after snowflake.ID, limit int) ([]storage.Member, error) {
	var p params
	q := `SELECT ` + memberCols + ` FROM members WHERE guild_id = ` + p.add(int64(guildID)) +
		` AND user_id > ` + p.add(int64(after)) + ` ORDER BY user_id` + p.limitClause(limit)
	ms, err := queryAll(ctx, s.db, scanMemberRows, q, p...)
	if err != nil {
		return nil, fmt.Errorf("list members: %w", err)
	}
	return ms, nil
}

func (s members) Search(ctx context.Context, guildID snowflake.ID, query string, limit int) ([]storage.Member, error) {
	var p params
	g := p.add(int64(guildID))
	pat := p.add(likePrefix(foldKey(query)))
	q := `SELECT m.data, m.guild_id, m.user_id FROM members m LEFT JOIN users u ON u.id = m.user_id
		WHERE m.guild_id = ` + g + ` AND (u.username_key LIKE ` + pat + ` ESCAPE '\' OR m.nick_key LIKE ` + pat + ` ESCAPE '\')
		ORDER BY m.user_id` + p.limitClause(limit)
	ms, err := queryAll(ctx, s.db, scanMemberRows, q, p...)
	if err != nil {
		return nil, fmt.Errorf("search members: %w", err)
	}
	return ms, nil
}

func (s members) GetMany(ctx context.Context, guildID snowflake.ID, userIDs []snowflake.ID) ([]storage.Member, error) {
	var out []storage.Member
	for _, chunk := range chunks(userIDs) {
		var p params
		q := `SELECT ` + memberCols + ` FROM members WHERE guild_id = ` + p.add(int64(guildID)) + ` AND user_id IN ` + p.in(chunk)
		ms, err := queryAll(ctx, s.db, scanMemberRows, q, p...)
		if err != nil {
			return nil, fmt.Errorf("get members: %w", err)
		}
		out = append(out, ms...)
	}
	return out, nil
}

func (s members) Count(ctx context.Context, guildID snowflake.ID) (int, error) {
	var n int64
	if err := s.db.QueryRow(ctx, `SELECT COUNT(*) FROM members WHERE guild_id = $1`, int64(guildID)).Scan(&n); err != nil {
		return 0, fmt.Errorf("count members: %w", err)
	}
	return int(n), nil
}

func (s members) Update(ctx context.Context, m storage.Member) error {
	if err := updateMember(ctx, s.db, m); err != nil {
		return fmt.Errorf("update member: %w", err)
	}
	return nil
}

func (s members) Remove(ctx context.Context, guildID, userID snowflake.ID) error {
	if err := notFoundIfZero(s.db.Exec(ctx, `DELETE FROM members WHERE guild_id = $1 AND user_id = $2`, int64(guildID), int64(userID))); err != nil {
		return fmt.Errorf("remove member: %w", err)
	}
	return nil
}

// ---- messages ----

type messages struct{ db Conn }

// messageDoc is a message's JSON document. Messages are by far the most numerous rows and
// history reads decode 50 at a time, so the document uses short keys and omits zero
// scalars; ID and ChannelID come from their columns. Slices keep nil and empty apart. The
// domain's raw JSON is kept as strings so it survives verbatim: encoding/json would
// otherwise compact and HTML-escape a json.RawMessage.
type messageDoc struct {
	GuildID         snowflake.ID              `json:"g,omitempty"`
	AuthorID        snowflake.ID              `json:"a,omitempty"`
	WebhookID       snowflake.ID              `json:"w,omitempty"`
	WebhookName     string                    `json:"wn,omitempty"`
	WebhookAvatar   *string                   `json:"wa,omitempty"`
	ApplicationID   snowflake.ID              `json:"ap,omitempty"`
	Type            int                       `json:"t,omitempty"`
	Content         string                    `json:"c,omitempty"`
	TTS             bool                      `json:"tts,omitempty"`
	MentionEveryone bool                      `json:"me,omitempty"`
	Mentions        []snowflake.ID            `json:"m"`
	MentionRoles    []snowflake.ID            `json:"mr"`
	Embeds          *string                   `json:"e,omitempty"`
	Attachments     *string                   `json:"at,omitempty"`
	Components      *string                   `json:"co,omitempty"`
	Nonce           *string                   `json:"n,omitempty"`
	Flags           int                       `json:"f,omitempty"`
	Pinned          bool                      `json:"p,omitempty"`
	PinnedAt        *time.Time                `json:"pa,omitempty"`
	EditedAt        *time.Time                `json:"ea,omitempty"`
	Reference       *storage.MessageReference `json:"r,omitempty"`
}

func rawString(r json.RawMessage) *string {
	if r == nil {
		return nil
	}
	s := string(r)
	return &s
}

func stringRaw(s *string) json.RawMessage {
	if s == nil {
		return nil
	}
	return json.RawMessage(*s)
}

const messageCols = `id, channel_id, data`

func scanMessage(r Row) (storage.Message, error) {
	var id, channel int64
	var data string
	if err := r.Scan(&id, &channel, &data); err != nil {
		return storage.Message{}, err
	}
	var d messageDoc
	if err := fromJSON(data, &d); err != nil {
		return storage.Message{}, err
	}
	return storage.Message{
		ID: snowflake.ID(id), ChannelID: snowflake.ID(channel), GuildID: d.GuildID, AuthorID: d.AuthorID,
		WebhookID: d.WebhookID, WebhookName: d.WebhookName, WebhookAvatar: d.WebhookAvatar, ApplicationID: d.ApplicationID,
		Type: d.Type, Content: d.Content, TTS: d.TTS, MentionEveryone: d.MentionEveryone,
		Mentions: d.Mentions, MentionRoles: d.MentionRoles,
		Embeds: stringRaw(d.Embeds), Attachments: stringRaw(d.Attachments), Components: stringRaw(d.Components), Nonce: stringRaw(d.Nonce),
		Flags: d.Flags, Pinned: d.Pinned, PinnedAt: d.PinnedAt, EditedAt: d.EditedAt, Reference: d.Reference,
	}, nil
}

func scanMessageRows(r Rows) (storage.Message, error) { return scanMessage(r) }

func messageData(m storage.Message) (string, error) {
	return toJSON(messageDoc{
		GuildID: m.GuildID, AuthorID: m.AuthorID, WebhookID: m.WebhookID, WebhookName: m.WebhookName,
		WebhookAvatar: m.WebhookAvatar, ApplicationID: m.ApplicationID, Type: m.Type, Content: m.Content,
		TTS: m.TTS, MentionEveryone: m.MentionEveryone, Mentions: m.Mentions, MentionRoles: m.MentionRoles,
		Embeds: rawString(m.Embeds), Attachments: rawString(m.Attachments), Components: rawString(m.Components), Nonce: rawString(m.Nonce),
		Flags: m.Flags, Pinned: m.Pinned, PinnedAt: m.PinnedAt, EditedAt: m.EditedAt, Reference: m.Reference,
	})
}

func pinnedAt(m storage.Message) int64 {
	if m.PinnedAt == nil {
		return 0
	}
	return m.PinnedAt.UnixNano()
}

// Create inserts the message; a trigger (migration 0002 of each backend) moves the channel's
// last_message_id within the same statement.
func (s messages) Create(ctx context.Context, m storage.Message) error {
	data, err := messageData(m)
	if err == nil {
		_, err = s.db.Exec(ctx, `INSERT INTO messages (id, channel_id, guild_id, author_id, pinned, pinned_at, data) VALUES ($1, $2, $3, $4, $5, $6, $7)`,
			int64(m.ID), int64(m.ChannelID), int64(m.GuildID), int64(m.AuthorID), boolInt(m.Pinned), pinnedAt(m), data)
	}
	if err != nil {
		return fmt.Errorf("create message: %w", err)
	}
	return nil
}

func (s messages) Get(ctx context.Context, channelID, id snowflake.ID) (storage.Message, error) {
	m, err := scanMessage(s.db.QueryRow(ctx, `SELECT `+messageCols+` FROM messages WHERE id = $1 AND channel_id = $2`, int64(id), int64(channelID)))
	if err != nil {
		return m, fmt.Errorf("get message: %w", err)
	}
	return m, nil
}

func (s messages) GetMany(ctx context.Context, channelID snowflake.ID, ids []snowflake.ID) ([]storage.Message, error) {
	var out []storage.Message
	for _, chunk := range chunks(ids) {
		var p params
		q := `SELECT ` + messageCols + ` FROM messages WHERE channel_id = ` + p.add(int64(channelID)) + ` AND id IN ` + p.in(chunk)
		ms, err := queryAll(ctx, s.db, scanMessageRows, q, p...)
		if err != nil {
			return nil, fmt.Errorf("get messages: %w", err)
		}
		out = append(out, ms...)
	}
	return out, nil
}

// Page limits outside 1–100 are clamped; zero means Discord's default of 50.
const (
	defaultPageLimit = 50
	maxPageLimit     = 100
)

func (s messages) List(ctx context.Context, channelID snowflake.ID, p storage.Page) ([]storage.Message, error) {
	limit := p.Limit
	switch {
	case limit <= 0:
		limit = defaultPageLimit
	case limit > maxPageLimit:
		limit = maxPageLimit
	}
	cid := int64(channelID)
	const sel = `SELECT ` + messageCols + ` FROM messages WHERE channel_id = $1`
	var (
		out []storage.Message
		err error
	)
	switch {
	case p.Around != 0:
		// limit/2 older messages, the rest from Around upwards (Around itself first).
		older := limit / 2
		var newer []storage.Message
		newer, err = queryAll(ctx, s.db, scanMessageRows, sel+` AND id >= $2 ORDER BY id ASC LIMIT $3`, cid, int64(p.Around), limit-older)
		if err == nil {
			slices.Reverse(newer)
			out = newer
			if older > 0 {
				var olderMsgs []storage.Message
				olderMsgs, err = queryAll(ctx, s.db, scanMessageRows, sel+` AND id < $2 ORDER BY id DESC LIMIT $3`, cid, int64(p.Around), older)
				out = append(out, olderMsgs...)
			}
		}
	case p.After != 0:
		out, err = queryAll(ctx, s.db, scanMessageRows, sel+` AND id > $2 ORDER BY id ASC LIMIT $3`, cid, int64(p.After), limit)
		slices.Reverse(out)
	case p.Before != 0:
		out, err = queryAll(ctx, s.db, scanMessageRows, sel+` AND id < $2 ORDER BY id DESC LIMIT $3`, cid, int64(p.Before), limit)
	default:
		out, err = queryAll(ctx, s.db, scanMessageRows, sel+` ORDER BY id DESC LIMIT $2`, cid, limit)
	}
	if err != nil {
		return nil, fmt.Errorf("list messages: %w", err)
	}
	return out, nil
}

func (s messages) ListPinned(ctx context.Context, channelID snowflake.ID, before *time.Time, limit int) ([]storage.Message, error) {
	var p params
	q := `SELECT ` + messageCols + ` FROM messages WHERE channel_id = ` + p.add(int64(channelID)) + ` AND pinned = 1`
	if before != nil {
		q += ` AND pinned_at < ` + p.add(before.UnixNano())
	}
	q += ` ORDER BY pinned_at DESC, id DESC` + p.limitClause(limit)
	ms, err := queryAll(ctx, s.db, scanMessageRows, q, p...)
	if err != nil {
		return nil, fmt.Errorf("list pinned messages: %w", err)
	}
	return ms, nil
}

func (s messages) Update(ctx context.Context, m storage.Message) error {
	data, err := messageData(m)
	if err == nil {
		err = notFoundIfZero(s.db.Exec(ctx, `UPDATE messages SET pinned = $3, pinned_at = $4, data = $5 WHERE id = $1 AND channel_id = $2`,
			int64(m.ID), int64(m.ChannelID), boolInt(m.Pinned), pinnedAt(m), data))
	}
	if err != nil {
		return fmt.Errorf("update message: %w", err)
	}
	return nil
}

func (s messages) Delete(ctx context.Context, channelID, id snowflake.ID) error {
	err := s.db.InTx(ctx, func(tx DB) error {
		if err := notFoundIfZero(tx.Exec(ctx, `DELETE FROM messages WHERE id = $1 AND channel_id = $2`, int64(id), int64(channelID))); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM reactions WHERE message_id = $1`, int64(id)); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM attachments WHERE message_id = $1`, int64(id))
		return err
	})
	if err != nil {
		return fmt.Errorf("delete message: %w", err)
	}
	return nil
}

func scanID(r Rows) (snowflake.ID, error) {
	var id int64
	err := r.Scan(&id)
	return snowflake.ID(id), err
}

func (s messages) DeleteMany(ctx context.Context, channelID snowflake.ID, ids []snowflake.ID) ([]snowflake.ID, error) {
	var deleted []snowflake.ID
	err := s.db.InTx(ctx, func(tx DB) error {
		deleted = nil
		for _, chunk := range chunks(ids) {
			var p params
			c := p.add(int64(channelID))
			in := p.in(chunk)
			found, err := queryAll(ctx, tx, scanID, `SELECT id FROM messages WHERE channel_id = `+c+` AND id IN `+in+` ORDER BY id`, p...)
			if err != nil {
				return err
			}
			if len(found) == 0 {
				continue
			}
			if err := deleteMessageRows(ctx, tx, found); err != nil {
				return err
			}
			deleted = append(deleted, found...)
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("delete messages: %w", err)
	}
	return deleted, nil
}

// deleteMessageRows removes messages known to exist, with their reactions and attachments.
func deleteMessageRows(ctx context.Context, tx DB, ids []snowflake.ID) error {
	for _, chunk := range chunks(ids) {
		var p params
		in := p.in(chunk)
		if _, err := tx.Exec(ctx, `DELETE FROM reactions WHERE message_id IN `+in, p...); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM attachments WHERE message_id IN `+in, p...); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM messages WHERE id IN `+in, p...); err != nil {
			return err
		}
	}
	return nil
}

func (s messages) DeleteByAuthorSince(ctx context.Context, guildID, authorID, since snowflake.ID) (map[snowflake.ID][]snowflake.ID, error) {
	out := map[snowflake.ID][]snowflake.ID{}
	err := s.db.InTx(ctx, func(tx DB) error {
		clear(out)
		type row struct{ channel, id snowflake.ID }
		// id >= since is a range on the primary key, so only recent messages are scanned.
		rs, err := queryAll(ctx, tx, func(r Rows) (row, error) {
			var c, id int64
			err := r.Scan(&c, &id)
			return row{snowflake.ID(c), snowflake.ID(id)}, err
		}, `SELECT channel_id, id FROM messages WHERE id >= $1 AND guild_id = $2 AND author_id = $3 ORDER BY id`,
			int64(since), int64(guildID), int64(authorID))
		if err != nil {
			return err
		}
		ids := make([]snowflake.ID, len(rs))
		for i, r := range rs {
			ids[i] = r.id
			out[r.channel] = append(out[r.channel], r.id)
		}
		return deleteMessageRows(ctx, tx, ids)
	})
	if err != nil {
		return nil, fmt.Errorf("delete messages by author: %w", err)
	}
	return out, nil
}

// ---- reactions ----

type reactions struct{ db Conn }

func (s reactions) Add(ctx context.Context, r storage.Reaction) error {
	_, err := s.db.Exec(ctx, `INSERT INTO reactions (message_id, emoji_key, user_id, channel_id, emoji_id, emoji_name, emoji_animated, burst, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		int64(r.MessageID), r.EmojiKey, int64(r.UserID), int64(r.ChannelID), int64(r.EmojiID), r.EmojiName,
		boolInt(r.EmojiAnimated), boolInt(r.Burst), nanos(r.CreatedAt))
	if err != nil {
		return fmt.Errorf("add reaction: %w", err)
	}
	return nil
}

func (s reactions) Remove(ctx context.Context, messageID snowflake.ID, emojiKey string, userID snowflake.ID) error {
	if err := notFoundIfZero(s.db.Exec(ctx, `DELETE FROM reactions WHERE message_id = $1 AND emoji_key = $2 AND user_id = $3`,
		int64(messageID), emojiKey, int64(userID))); err != nil {
		return fmt.Errorf("remove reaction: %w", err)
	}
	return nil
}

func (s reactions) RemoveAll(ctx context.Context, messageID snowflake.ID) error {
	if _, err := s.db.Exec(ctx, `DELETE FROM reactions WHERE message_id = $1`, int64(messageID)); err != nil {
		return fmt.Errorf("remove all reactions: %w", err)
	}
	return nil
}

func (s reactions) RemoveEmoji(ctx context.Context, messageID snowflake.ID, emojiKey string) error {
	if err := notFoundIfZero(s.db.Exec(ctx, `DELETE FROM reactions WHERE message_id = $1 AND emoji_key = $2`,
		int64(messageID), emojiKey)); err != nil {
		return fmt.Errorf("remove emoji reactions: %w", err)
	}
	return nil
}

func scanReaction(r Rows) (storage.Reaction, error) {
	var x storage.Reaction
	var msg, user, ch, emoji, anim, burst, created int64
	err := r.Scan(&msg, &x.EmojiKey, &user, &ch, &emoji, &x.EmojiName, &anim, &burst, &created)
	x.MessageID, x.UserID, x.ChannelID, x.EmojiID = snowflake.ID(msg), snowflake.ID(user), snowflake.ID(ch), snowflake.ID(emoji)
	x.EmojiAnimated, x.Burst, x.CreatedAt = anim != 0, burst != 0, fromNanos(created)
	return x, err
}

func (s reactions) ListForMessages(ctx context.Context, messageIDs []snowflake.ID) ([]storage.Reaction, error) {
	var out []storage.Reaction
	for _, chunk := range chunks(messageIDs) {
		var p params
		in := p.in(chunk)
		q := `SELECT r.message_id, r.emoji_key, r.user_id, r.channel_id, r.emoji_id, r.emoji_name, r.emoji_animated, r.burst, r.created_at
			FROM reactions r JOIN (
				SELECT message_id, emoji_key, MIN(created_at) AS first_at FROM reactions WHERE message_id IN ` + in + ` GROUP BY message_id, emoji_key
			) f ON f.message_id = r.message_id AND f.emoji_key = r.emoji_key
			ORDER BY r.message_id, f.first_at, r.emoji_key, r.created_at, r.user_id`
		rs, err := queryAll(ctx, s.db, scanReaction, q, p...)
		if err != nil {
			return nil, fmt.Errorf("list reactions: %w", err)
		}
		out = append(out, rs...)
	}
	return out, nil
}

func (s reactions) ListUsers(ctx context.Context, messageID snowflake.ID, emojiKey string, burst bool, after snowflake.ID, limit int) ([]snowflake.ID, error) {
	var p params
	q := `SELECT user_id FROM reactions WHERE message_id = ` + p.add(int64(messageID)) + ` AND emoji_key = ` + p.add(emojiKey) +
		` AND burst = ` + p.add(boolInt(burst)) + ` AND user_id > ` + p.add(int64(after)) + ` ORDER BY user_id` + p.limitClause(limit)
	ids, err := queryAll(ctx, s.db, scanID, q, p...)
	if err != nil {
		return nil, fmt.Errorf("list reaction users: %w", err)
	}
	return ids, nil
}

// ---- bans ----

type bans struct{ db Conn }

func scanBan(r Row) (storage.Ban, error) {
	var b storage.Ban
	var g, u int64
	err := r.Scan(&g, &u, &b.Reason)
	b.GuildID, b.UserID = snowflake.ID(g), snowflake.ID(u)
	return b, err
}

func scanBanRows(r Rows) (storage.Ban, error) { return scanBan(r) }

func (s bans) Create(ctx context.Context, b storage.Ban) error {
	_, err := s.db.Exec(ctx, `INSERT INTO bans (guild_id, user_id, reason) VALUES ($1, $2, $3)
		ON CONFLICT (guild_id, user_id) DO UPDATE SET reason = excluded.reason`, int64(b.GuildID), int64(b.UserID), b.Reason)
	if err != nil {
		return fmt.Errorf("create ban: %w", err)
	}
	return nil
}

func (s bans) Get(ctx context.Context, guildID, userID snowflake.ID) (storage.Ban, error) {
	b, err := scanBan(s.db.QueryRow(ctx, `SELECT guild_id, user_id, reason FROM bans WHERE guild_id = $1 AND user_id = $2`, int64(guildID), int64(userID)))
	if err != nil {
		return b, fmt.Errorf("get ban: %w", err)
	}
	return b, nil
}

func (s bans) List(ctx context.Context, guildID, before, after snowflake.ID, limit int) ([]storage.Ban, error) {
	var p params
	q := `SELECT guild_id, user_id, reason FROM bans WHERE guild_id = ` + p.add(int64(guildID))
	if before != 0 {
		q += ` AND user_id < ` + p.add(int64(before))
	}
	if after != 0 {
		q += ` AND user_id > ` + p.add(int64(after))
	}
	// With only before, the page is the last `limit` bans before it: read backwards, flip.
	backwards := before != 0 && after == 0
	if backwards {
		q += ` ORDER BY user_id DESC`
	} else {
		q += ` ORDER BY user_id`
	}
	q += p.limitClause(limit)
	bs, err := queryAll(ctx, s.db, scanBanRows, q, p...)
	if err != nil {
		return nil, fmt.Errorf("list bans: %w", err)
	}
	if backwards {
		slices.Reverse(bs)
	}
	return bs, nil
}

func (s bans) Delete(ctx context.Context, guildID, userID snowflake.ID) error {
	if err := notFoundIfZero(s.db.Exec(ctx, `DELETE FROM bans WHERE guild_id = $1 AND user_id = $2`, int64(guildID), int64(userID))); err != nil {
		return fmt.Errorf("delete ban: %w", err)
	}
	return nil
}

// ---- invites ----

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

// ---- webhooks ----

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

// ---- emojis ----

type emojis struct{ db Conn }

func scanEmoji(withImage bool) func(Rows) (storage.Emoji, error) {
	return func(r Rows) (storage.Emoji, error) { return scanEmojiRow(r, withImage) }
}

func scanEmojiRow(r Row, withImage bool) (storage.Emoji, error) {
	var data string
	var e storage.Emoji
	dest := []any{&data}
	var img []byte
	if withImage {
		dest = append(dest, &img)
	}
	if err := r.Scan(dest...); err != nil {
		return e, err
	}
	if err := fromJSON(data, &e); err != nil {
		return e, err
	}
	e.Image = img
	return e, nil
}

// emojiData keeps the image out of the JSON document: it lives in its own column so that
// lists never read it.
func emojiData(e storage.Emoji) (string, error) {
	e.Image = nil
	return toJSON(e)
}

// imageArg binds a nil image as SQL NULL in both drivers.
func imageArg(b []byte) any {
	if b == nil {
		return nil
	}
	return b
}

func (s emojis) Create(ctx context.Context, e storage.Emoji) error {
	data, err := emojiData(e)
	if err == nil {
		_, err = s.db.Exec(ctx, `INSERT INTO emojis (guild_id, id, data, image) VALUES ($1, $2, $3, $4)`,
			int64(e.GuildID), int64(e.ID), data, imageArg(e.Image))
	}
	if err != nil {
		return fmt.Errorf("create emoji: %w", err)
	}
	return nil
}

func (s emojis) Get(ctx context.Context, guildID, id snowflake.ID) (storage.Emoji, error) {
	e, err := scanEmojiRow(s.db.QueryRow(ctx, `SELECT data, image FROM emojis WHERE guild_id = $1 AND id = $2`, int64(guildID), int64(id)), true)
	if err != nil {
		return e, fmt.Errorf("get emoji: %w", err)
	}
	return e, nil
}

func (s emojis) ListByGuild(ctx context.Context, guildID snowflake.ID) ([]storage.Emoji, error) {
	es, err := queryAll(ctx, s.db, scanEmoji(false), `SELECT data FROM emojis WHERE guild_id = $1 ORDER BY id`, int64(guildID))
	if err != nil {
		return nil, fmt.Errorf("list emojis: %w", err)
	}
	return es, nil
}

// Update keeps the stored image when e.Image is nil, because ListByGuild hands out emojis
// without images and a caller that edits one of those must not erase the picture.
func (s emojis) Update(ctx context.Context, e storage.Emoji) error {
	data, err := emojiData(e)
	if err == nil {
		q := `UPDATE emojis SET data = $3 WHERE guild_id = $1 AND id = $2`
		args := []any{int64(e.GuildID), int64(e.ID), data}
		if e.Image != nil {
			q = `UPDATE emojis SET data = $3, image = $4 WHERE guild_id = $1 AND id = $2`
			args = append(args, e.Image)
		}
		err = notFoundIfZero(s.db.Exec(ctx, q, args...))
	}
	if err != nil {
		return fmt.Errorf("update emoji: %w", err)
	}
	return nil
}

func (s emojis) Delete(ctx context.Context, guildID, id snowflake.ID) error {
	if err := notFoundIfZero(s.db.Exec(ctx, `DELETE FROM emojis WHERE guild_id = $1 AND id = $2`, int64(guildID), int64(id))); err != nil {
		return fmt.Errorf("delete emoji: %w", err)
	}
	return nil
}

// ---- attachments ----

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

// ---- settings ----

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
