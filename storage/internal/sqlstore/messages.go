package sqlstore

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

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
	Interaction     *string                   `json:"ix,omitempty"`
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
		Interaction: stringRaw(d.Interaction),
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
		Interaction: rawString(m.Interaction),
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
