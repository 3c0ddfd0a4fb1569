// Package guilds is Parley's domain: users and bots, applications, guilds, channels, roles,
// members, messages, reactions, pins, bans, invites, webhooks and emojis, with Discord's
// permission rules. Every write goes through storage and, once committed, is published on the
// event bus (package events) as an events.Event whose d is encoded once, here.
//
// The Service is a consumer of its bus too: it subscribes to events.CacheTopic for its whole
// life, so events committed on other nodes that make its caches stale reach it directly,
// and a gap in the stream (Listener.Gap) drops every cache.
//
// Methods take the acting user's ID and check that user's permissions; the returned values are
// opcodes shapes, ready to serialise. Errors are the package's sentinels or *ValidationError.
package guilds

import (
	"context"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"time"

	"github.com/parley-chat/parley/guilds/endpoint"
	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// Config configures a Service. Zero values mean the documented defaults.
type Config struct {
	// Store is the persistence backend. Required.
	Store storage.Store
	// IDs mints snowflakes. Required.
	IDs *snowflake.Generator
	// Bus carries committed events to every node's gateway and brings other nodes' cache
	// invalidations back. The caller created it and closes it, after Close. Default: a
	// private events.Memory, on which events reach no one.
	Bus events.Broker
	// Secret signs bot tokens and JWTs. Default: a random secret generated on first start and
	// kept in the store, so tokens survive restarts and every node agrees on it.
	Secret []byte
	// AccessTokenTTL is how long a user's JWT access token lives. Default: 1 hour.
	AccessTokenTTL time.Duration
	// RefreshTokenTTL is how long a refresh token lives. Default: 30 days.
	RefreshTokenTTL time.Duration
	// CDNURL prefixes attachment and avatar URLs: the public base URL of the server that
	// serves /attachments/... (the REST listener), without a trailing slash; cmd binds the
	// listener before New to know it. Default: "" (relative URLs).
	CDNURL string
	// MaxAttachmentSize caps each uploaded file, in bytes; larger ones get ErrFileTooLarge.
	// Default: DefaultMaxAttachmentSize (10 MiB).
	MaxAttachmentSize int
	// AllowPrivateEndpoints lets interactions endpoint URLs reach loopback, private and
	// link-local addresses (a bot on the same machine or network: local development, tests).
	// Default: public addresses only, so that an application cannot make the server probe
	// its own network.
	AllowPrivateEndpoints bool
	// Endpoints posts HTTP interactions; set by tests that need another transport or clock.
	// Default: endpoint.New with AllowPrivateEndpoints and endpoint's bounds.
	Endpoints *endpoint.Client
	// Logger receives diagnostics. Default: discard.
	Logger *slog.Logger
	// Now returns the current time. Default: time.Now.
	Now func() time.Time
}

// Service is the domain. It is safe for concurrent use.
type Service struct {
	store   storage.Store
	ids     *snowflake.Generator
	bus     events.Broker
	stop    func() // ends the Service's Listen on bus
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
	// families caches each token family's revocation state.
	families *ttlCache[string, bool]
	botKey   []byte
	// auditLog is the audit log's per-node bookkeeping (see audit.go).
	auditLog auditState
	// autoMod caches each guild's compiled auto moderation rules (see automod_match.go).
	autoMod *ttlCache[snowflake.ID, *guildAutoMod]
	// node is this node's snowflake node number, recorded with the voice states its gateway
	// sessions hold (see voice.go).
	node int
	// endpoints posts interactions to HTTP applications (interactions_http.go); appKeys
	// caches their signing keys; deliveries counts POSTs in flight, which Close waits for.
	endpoints  *endpoint.Client
	appKeys    *ttlCache[snowflake.ID, ed25519.PrivateKey]
	deliveries sync.WaitGroup
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
		bus:     cfg.Bus,
		secret:  cfg.Secret,
		access:  cfg.AccessTokenTTL,
		refresh: cfg.RefreshTokenTTL,
		cdn:     strings.TrimRight(cfg.CDNURL, "/"),
		maxFile: cfg.MaxAttachmentSize,
		log:     cfg.Logger,
		now:     cfg.Now,

		endpoints: cfg.Endpoints,
	}
	if s.endpoints == nil {
		s.endpoints = endpoint.New(endpoint.Config{AllowPrivate: cfg.AllowPrivateEndpoints})
	}
	if s.bus == nil {
		s.bus = events.NewMemory()
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
	s.families = newTTLCache[string, bool](familyCacheTTL)
	s.appKeys = newTTLCache[snowflake.ID, ed25519.PrivateKey](appKeyCacheTTL)
	s.botKey = derive(s.secret, "bot-token")
	s.autoMod = newTTLCache[snowflake.ID, *guildAutoMod](autoModCacheTTL)
	s.node = nodeOf(s.ids)
	// Listen before subscribing: nothing the subscription brings is lost.
	s.stop = s.bus.Listen(cacheListener{s})
	s.bus.Subscribe(events.CacheTopic)
	if err := s.bus.WaitSubscribed(ctx, []events.Topic{events.CacheTopic}); err != nil {
		s.Close()
		return nil, fmt.Errorf("subscribe to cache events: %w", err)
	}
	if err := s.clearNodeVoice(ctx); err != nil {
		s.Close()
		return nil, err
	}
	return s, nil
}

// Close ends the Service's subscription to its bus (not the bus: its creator closes it),
// after the interaction POSTs in flight end (each is bounded by the endpoint time-out).
func (s *Service) Close() {
	s.deliveries.Wait()
	s.stop()
	s.bus.Unsubscribe(events.CacheTopic)
}

// cacheListener is how the Service consumes its bus: events committed on other nodes that
// make its caches stale, and gaps after which any cache may be stale.
type cacheListener struct{ s *Service }

// Receive implements events.Listener. The Service applied its own events before publishing
// them (local), and only Cache events change what it caches.
func (l cacheListener) Receive(_ context.Context, ev events.Event, local bool) {
	if local || !ev.Cache {
		return
	}
	l.s.observe(ev)
}

// Gap implements events.Listener: invalidations may have been missed.
func (l cacheListener) Gap() { l.s.resetCaches() }

// Lost implements events.Listener: the caches are dropped, as for a gap.
func (l cacheListener) Lost() { l.s.resetCaches() }

// publish encodes d as ev's Data and sends ev on the bus after a commit. The Service's own
// caches see ev first, so the gateway's permission checks for this very event already see
// the new state. Publishing cannot fail the write that committed: an error is logged.
func (s *Service) publish(ctx context.Context, ev events.Event, d any) {
	s.rescopeThread(ctx, &ev)
	ev.Data = s.encode(ev.Name, d)
	if ev.Data == nil {
		return
	}
	ev.Cache = cacheEvent(ev)
	s.observe(ev)
	if err := s.bus.Publish(ctx, ev); err != nil {
		s.log.ErrorContext(ctx, "publish event", "event", ev.Name, "err", err)
	}
}

// encode marshals an event's d, once for every recipient on every node. It returns nil (and
// logs) only for a value encoding/json rejects, which opcodes types never are.
func (s *Service) encode(name opcodes.EventName, d any) json.RawMessage {
	b, err := json.Marshal(d)
	if err != nil {
		s.log.Error("encode event", "event", name, "err", err)
		return nil
	}
	return b
}

// observe updates the caches an event makes stale, from this node or another.
func (s *Service) observe(ev events.Event) {
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
