// Package guilds is Parley's domain: users and bots, applications, guilds, channels, roles,
// members, messages, reactions, pins, bans, invites, webhooks and emojis, with Discord's
// permission rules. Every write goes through storage and, once committed, is published as an
// Event for the gateway.
//
// Methods take the acting user's ID and check that user's permissions; the returned values are
// opcodes shapes, ready to serialise. Errors are the package's sentinels or *ValidationError.
package guilds

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"time"

	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// Config configures a Service. Zero values mean the documented defaults.
type Config struct {
	// Store is the persistence backend. Required.
	Store storage.Store
	// IDs mints snowflakes. Required.
	IDs *snowflake.Generator
	// Publisher receives committed events. Default: events are dropped.
	Publisher Publisher
	// Secret signs bot tokens and JWTs. Default: a random secret generated on first start and
	// kept in the store, so tokens survive restarts and every node agrees on it.
	Secret []byte
	// AccessTokenTTL is how long a user's JWT access token lives. Default: 1 hour.
	AccessTokenTTL time.Duration
	// RefreshTokenTTL is how long a refresh token lives. Default: 30 days.
	RefreshTokenTTL time.Duration
	// CDNURL prefixes attachment and avatar URLs: the public base URL of the server that
	// serves /attachments/... (the REST listener), without a trailing slash. Default: ""
	// (relative URLs).
	CDNURL string
	// MaxAttachmentSize caps each uploaded file, in bytes; larger ones get ErrFileTooLarge.
	// Default: DefaultMaxAttachmentSize (10 MiB).
	MaxAttachmentSize int
	// Logger receives diagnostics. Default: discard.
	Logger *slog.Logger
	// Now returns the current time. Default: time.Now.
	Now func() time.Time
}

// Service is the domain. It is safe for concurrent use.
type Service struct {
	store   storage.Store
	ids     *snowflake.Generator
	pub     Publisher
	secret  []byte
	jwtKey  []byte
	access  time.Duration
	refresh time.Duration
	cdn     string
	maxFile int // per-file upload limit in bytes
	log     *slog.Logger
	now     func() time.Time
	perms   *permCache
	users   *ttlCache[snowflake.ID, storage.User]
	apps    *ttlCache[snowflake.ID, storage.Application]
	tokens  *ttlCache[string, verifiedToken]
	botKey  []byte
}

const secretSetting = "token_secret"

// New builds a Service, loading or creating the token-signing secret.
func New(ctx context.Context, cfg Config) (*Service, error) {
	if cfg.Store == nil || cfg.IDs == nil {
		return nil, errors.New("guilds: Store and IDs are required")
	}
	s := &Service{
		store:   cfg.Store,
		ids:     cfg.IDs,
		pub:     cfg.Publisher,
		secret:  cfg.Secret,
		access:  cfg.AccessTokenTTL,
		refresh: cfg.RefreshTokenTTL,
		cdn:     strings.TrimRight(cfg.CDNURL, "/"),
		maxFile: cfg.MaxAttachmentSize,
		log:     cfg.Logger,
		now:     cfg.Now,
	}
	if s.pub == nil {
		s.pub = discardPublisher{}
	}
	if s.access == 0 {
		s.access = time.Hour
	}
	if s.refresh == 0 {
		s.refresh = 30 * 24 * time.Hour
	}
	if s.maxFile <= 0 {
		s.maxFile = DefaultMaxAttachmentSize
	}
	if s.log == nil {
		s.log = slog.New(slog.DiscardHandler)
	}
	if s.now == nil {
		s.now = time.Now
	}
	if len(s.secret) == 0 {
		fresh := make([]byte, 32)
		if _, err := rand.Read(fresh); err != nil {
			return nil, fmt.Errorf("generate token secret: %w", err)
		}
		stored, err := s.store.Settings().PutIfAbsent(ctx, secretSetting, fresh)
		if err != nil {
			return nil, fmt.Errorf("load token secret: %w", err)
		}
		s.secret = stored
	}
	s.jwtKey = derive(s.secret, "jwt-access")
	s.perms = newPermCache(s.store)
	s.users = newTTLCache[snowflake.ID, storage.User](userCacheTTL)
	s.apps = newTTLCache[snowflake.ID, storage.Application](appCacheTTL)
	s.tokens = newTTLCache[string, verifiedToken](jwtCacheTTL)
	s.botKey = derive(s.secret, "bot-token")
	return s, nil
}

// SetPublisher replaces the publisher; call it before serving (cmd wires the gateway's bus in
// after both exist).
func (s *Service) SetPublisher(p Publisher) {
	if p == nil {
		p = discardPublisher{}
	}
	s.pub = p
}

// SetCDNURL replaces Config.CDNURL; call it before serving (cmd knows the public REST URL
// only once its listener is bound, after the service exists).
func (s *Service) SetCDNURL(u string) { s.cdn = strings.TrimRight(u, "/") }

// publish sends ev after a commit and lets the permission cache see it first, so the gateway's
// permission checks for this very event already see the new state.
func (s *Service) publish(ctx context.Context, ev Event) {
	s.perms.observe(ev)
	s.observeCaches(ev)
	s.pub.Publish(ctx, ev)
}

// Observe lets the service update its caches from an event committed on another node.
func (s *Service) Observe(ev Event) {
	s.perms.observe(ev)
	s.observeCaches(ev)
}

// notFound maps storage.ErrNotFound to the domain sentinel and wraps anything else.
func notFound(err error, sentinel error, step string) error {
	if errors.Is(err, storage.ErrNotFound) {
		return sentinel
	}
	return fmt.Errorf("%s: %w", step, err)
}
