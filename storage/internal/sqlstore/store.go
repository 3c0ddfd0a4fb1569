package sqlstore

import (
	"context"

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
func (s *Store) Emojis() storage.EmojiStore { return emojis{db: s.c} }

// Attachments returns the attachment store.
func (s *Store) Attachments() storage.AttachmentStore { return attachments{s.c} }

// Settings returns the settings store.
func (s *Store) Settings() storage.SettingStore { return settings{s.c} }

// GuildConfigs returns the guild administration document store.
func (s *Store) GuildConfigs() storage.GuildConfigStore { return guildConfigs{s.c} }

// Templates returns the guild template store.
func (s *Store) Templates() storage.TemplateStore { return templates{s.c} }

// VoiceStates returns the voice state store.
func (s *Store) VoiceStates() storage.VoiceStateStore { return voiceStates{s.c} }

// Activity returns the member activity queries.
func (s *Store) Activity() storage.ActivityStore { return activity{s.c} }

// ThreadMembers returns the thread member store.
func (s *Store) ThreadMembers() storage.ThreadMemberStore { return threadMembers{s.c} }

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
