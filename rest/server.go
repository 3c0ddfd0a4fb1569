package rest

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"mime/multipart"
	"net"
	"net/netip"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/recover"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/guilds/metrics"
	"github.com/parley-chat/parley/guilds/ratelimit"
	"github.com/parley-chat/parley/snowflake"
)

// Config configures a Server. Zero values mean the documented defaults.
type Config struct {
	// PublicGatewayURL is what GET /gateway answers, e.g. "wss://gateway.example.org" (no
	// query string, no trailing slash: libraries append their own). Required.
	PublicGatewayURL string
	// GatewayBotInfo supplies GET /gateway/bot's recommended shard count and
	// session_start_limit for a bot. Default: 1 shard, 1000/1000 identifies, max_concurrency 1.
	GatewayBotInfo func(userID snowflake.ID) (shards, total, remaining, resetAfterMs, maxConcurrency int)
	// UploadBodyLimit caps the multipart bodies of the routes declared withUploads;
	// larger ones get 413 (40005). Default: DefaultUploadBodyLimit (25 MiB, Discord's).
	UploadBodyLimit int
	// JSONBodyLimit caps the body of every other route. Default: DefaultJSONBodyLimit.
	JSONBodyLimit int
	// ReadHeaderTimeout bounds receiving a request's headers (and, on a new connection,
	// its first byte). Default: DefaultReadHeaderTimeout.
	ReadHeaderTimeout time.Duration
	// ReadTimeout bounds receiving a request's body after its headers. Default:
	// DefaultReadTimeout.
	ReadTimeout time.Duration
	// WriteTimeout bounds writing a response. Default: DefaultWriteTimeout.
	WriteTimeout time.Duration
	// IdleTimeout closes a keep-alive connection idle for longer. Default: DefaultIdleTimeout.
	IdleTimeout time.Duration
	// Outages is told about every store outage a request met, so the outage is logged once
	// and counted. Default: none (503s are still answered, but not logged).
	Outages *guilds.Outages
	// RetryAfter is the Retry-After of a 503 (rounded up to whole seconds). Default:
	// DefaultRetryAfter.
	RetryAfter time.Duration
	// RateLimiter counts requests. Default: an in-process ratelimit.Memory.
	RateLimiter ratelimit.Limiter
	// RateLimits sets the global and per-route limits. Default: see RateLimits.
	RateLimits RateLimits
	// LoginAttempts keeps the per-account login throttle's state (see ratelimit.BackOff).
	// Default: an in-process ratelimit.MemoryAttempts; redisbus.Limiter shares it between
	// nodes.
	LoginAttempts ratelimit.Attempts
	// LoginBackOff is the per-account login throttle's policy. Default:
	// ratelimit.DefaultBackOff.
	LoginBackOff ratelimit.BackOff
	// AllowedOrigins are the browser origins ("https://chat.example.org") that may call the
	// API: CORS answers and credentials are given to these only (see cors.go). Entries are
	// compared exactly with the Origin header, so give them as browsers send it. Default:
	// none (cmd passes Parley's own public origin).
	AllowedOrigins []string
	// Logger receives diagnostics. Default: discard. Wrap its handler with LogHandler to get
	// request_id on every line a request logs.
	Logger *slog.Logger
	// TrustedProxies are the reverse proxies whose Forwarded / X-Forwarded-For headers name
	// the client address that unauthenticated requests are rate-limited under. Default: none,
	// so those headers are ignored and the TCP peer counts.
	TrustedProxies []netip.Prefix
	// PublicRESTURL is this API's public base (e.g. "https://chat.example.org"), named by the
	// GET / and GET /api/v10 descriptions. Default: taken from each request's Host.
	PublicRESTURL string
	// Metrics, when set, receives the REST families (parley_rest_*). Default: none.
	Metrics *metrics.Registry
}

// Server is the REST API.
type Server struct {
	cfg     Config
	svc     *guilds.Service
	app     *fiber.App
	decls   []*route // every declared operation, in registration order
	limiter ratelimit.Limiter
	limits  RateLimits
	logins  ratelimit.Attempts
	backOff ratelimit.BackOff
	origins originSet
	log     *slog.Logger
	outages *guilds.Outages
	metrics *restMetrics // nil without Config.Metrics
	// endpoints holds every registered route as Fiber matches it (c.Route()), middleware
	// excluded; written once in New.
	endpoints map[*fiber.Route]bool
}

// versions are the path prefixes served; unversioned /api is answered as v10.
var versions = []string{"/api/v10", "/api/v9", "/api"}

// New builds a Server on the domain. The handlers call *guilds.Service directly: it is the
// only implementation, and an interface mirroring it would be one more file to edit for every
// new operation (CONTRIBUTING.md). Tests run against the real domain on an embedded store.
func New(cfg Config, svc *guilds.Service) (*Server, error) {
	if svc == nil {
		return nil, errors.New("rest: a guilds.Service is required")
	}
	if cfg.PublicGatewayURL == "" {
		return nil, errors.New("rest: PublicGatewayURL is required")
	}
	if strings.ContainsAny(cfg.PublicGatewayURL, "?#") {
		return nil, fmt.Errorf("rest: PublicGatewayURL %q must not carry a query string", cfg.PublicGatewayURL)
	}
	cfg.PublicGatewayURL = strings.TrimRight(cfg.PublicGatewayURL, "/")
	defInt := func(v *int, d int) {
		if *v <= 0 {
			*v = d
		}
	}
	defDur := func(v *time.Duration, d time.Duration) {
		if *v <= 0 {
			*v = d
		}
	}
	defInt(&cfg.UploadBodyLimit, DefaultUploadBodyLimit)
	defInt(&cfg.JSONBodyLimit, DefaultJSONBodyLimit)
	defDur(&cfg.ReadHeaderTimeout, DefaultReadHeaderTimeout)
	defDur(&cfg.ReadTimeout, DefaultReadTimeout)
	defDur(&cfg.WriteTimeout, DefaultWriteTimeout)
	defDur(&cfg.IdleTimeout, DefaultIdleTimeout)
	defDur(&cfg.RetryAfter, DefaultRetryAfter)
	if cfg.Logger == nil {
		cfg.Logger = slog.New(slog.DiscardHandler)
	}
	if cfg.RateLimiter == nil {
		cfg.RateLimiter = ratelimit.NewMemory(nil)
	}
	if cfg.LoginAttempts == nil {
		cfg.LoginAttempts = ratelimit.NewMemoryAttempts(nil)
	}
	s := &Server{
		cfg:     cfg,
		svc:     svc,
		limiter: cfg.RateLimiter,
		limits:  cfg.RateLimits.withDefaults(),
		logins:  cfg.LoginAttempts,
		backOff: cfg.LoginBackOff.WithDefaults(),
		origins: newOriginSet(cfg.AllowedOrigins),
		log:     cfg.Logger,
		outages: cfg.Outages,
	}
	fc := fiber.Config{
		AppName:                   "parley",
		DisableStartupMessage:     true,
		DisableDefaultContentType: true,
		ErrorHandler:              s.errorHandler,
		ReadBufferSize:            16 << 10,
	}
	s.serverConfig(&fc)
	s.app = fiber.New(fc)
	s.tuneServer(s.app.Server())
	if cfg.Metrics != nil {
		s.metrics = newRESTMetrics(cfg.Metrics)
	}
	s.app.Use(s.observe)
	s.app.Use(recover.New(recover.Config{
		EnableStackTrace: true,
		StackTraceHandler: func(c *fiber.Ctx, e any) {
			s.log.ErrorContext(c.UserContext(), "panic in handler", "route", s.routeName(c), "path", logPath(c), "panic", e, "stack", string(debug.Stack()))
		},
	}))
	s.app.Use(s.cors)
	s.routes()
	if err := s.indexEndpoints(); err != nil {
		return nil, err
	}
	return s, nil
}

// App returns the Fiber app, for tests (app.Test) and for mounting.
func (s *Server) App() *fiber.App { return s.app }

// Listener serves on ln until Shutdown.
func (s *Server) Listener(ln net.Listener) error {
	if err := s.app.Listener(ln); err != nil {
		return fmt.Errorf("rest: serve: %w", err)
	}
	return nil
}

// Shutdown stops accepting connections and waits for in-flight requests until ctx is done.
func (s *Server) Shutdown(ctx context.Context) error {
	if err := s.app.ShutdownWithContext(ctx); err != nil {
		return fmt.Errorf("rest: shutdown: %w", err)
	}
	return nil
}

// errorHandler is Fiber's last resort: routing errors (404, 405), body too large, panics
// recovered by the middleware, and anything a handler returned unhandled.
func (s *Server) errorHandler(c *fiber.Ctx, err error) error {
	closeIfBodyUnread(c)
	return s.answer(c, err)
}

// logPath is the request path for logs, with credentials in it (a webhook's token)
// replaced: tokens never reach the logs.
func logPath(c *fiber.Ctx) string {
	p := c.Path()
	for _, name := range c.Route().Params {
		if strings.Contains(name, "token") {
			if v := c.Params(name); v != "" {
				p = strings.Replace(p, "/"+v, "/[redacted]", 1)
			}
		}
	}
	return p
}

// authMode says who may call a route.
type authMode int

const (
	public   authMode = iota // no Authorization needed
	anyone                   // a user or a bot
	humans                   // users only: bots get 20001
	botsOnly                 // bots only: users get 20002
)

// request is what a handler sees: the Fiber context (valid only during the handler), the
// request's context and the authenticated identity (zero on public routes).
type request struct {
	c   *fiber.Ctx
	ctx context.Context
	id  guilds.Identity
	// form is a multipart body, parsed by readBody under the route's cap.
	form *multipart.Form
	// bodyRead is set once readBody has consumed the body.
	bodyRead bool
}

type handler func(r *request) error

// majors are the path parameters that split a route's rate-limit bucket, in Discord's order.
var majors = []string{"channel_id", "guild_id", "webhook_id"}

// handle registers h for method and a Discord path template ("/channels/{channel_id}") under
// every served version prefix, wrapped with authentication, rate limiting and error mapping.
// A route declared withUploads gets the upload body cap for multipart bodies.
func (s *Server) handle(method, template string, mode authMode, uploads bool, h handler) {
	route := template
	major := ""
	for _, m := range majors {
		if strings.Contains(template, "{"+m+"}") {
			major = m
			break
		}
	}
	fiberPath := strings.NewReplacer("{", ":", "}", "").Replace(route)
	rate, ok := s.limits.Routes[method+" "+template]
	if !ok {
		rate = s.limits.Default
	}
	b := newBucket(method, template, rate, major)
	limit := s.bodyLimit(uploads)
	wrapped := func(c *fiber.Ctx) error {
		r := &request{c: c, ctx: c.UserContext()}
		defer r.closeIfBodyUnread()
		who := ""
		if mode != public {
			auth := c.Get(fiber.HeaderAuthorization)
			if auth == "" {
				return writeJSON(c, errUnauthorized.Status, errUnauthorized)
			}
			id, err := s.svc.Authenticate(r.ctx, auth)
			if err != nil {
				return s.fail(c, err)
			}
			r.id = id
			switch {
			case mode == humans && id.Bot:
				return s.fail(c, errBotsForbidden)
			case mode == botsOnly && !id.Bot:
				return s.fail(c, errUsersForbidden)
			}
			who = "u" + id.UserID.String()
		} else {
			who = "ip" + s.clientIP(c).String()
		}
		if stop, err := s.rateLimit(c, b, who); stop || err != nil {
			return err
		}
		// The body is read only for a caller that passed authentication and rate limits.
		release, err := r.readBody(limit)
		defer release()
		if err != nil {
			return s.fail(c, err)
		}
		if err := h(r); err != nil {
			return s.fail(c, err)
		}
		return nil
	}
	for _, v := range versions {
		s.app.Add(method, v+fiberPath, wrapped)
	}
}

// fail writes err as Discord's JSON error (a throttled login as Discord's 429).
func (s *Server) fail(c *fiber.Ctx, err error) error {
	if t, ok := asThrottled(err); ok {
		return s.tooMany(c, ratelimit.Decision{ResetAfter: t.wait}, false)
	}
	return s.answer(c, err)
}

// writeJSON writes v with Content-Type exactly "application/json" (eris, oceanic and
// discord.py compare it with ===) and without HTML escaping, as Discord.
// The encoder and its buffer are pooled; the body is copied into fasthttp's own (pooled)
// body buffer, so the pooled one can be reused at once.
func writeJSON(c *fiber.Ctx, status int, v any) error {
	e := encoders.Get().(*pooledEncoder)
	defer e.put()
	if err := e.enc.Encode(v); err != nil {
		return fmt.Errorf("encode response: %w", err)
	}
	c.Status(status)
	c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
	b := e.buf.Bytes()
	c.Response().SetBody(b[:len(b)-1]) // drop Encode's newline
	return nil
}

type pooledEncoder struct {
	buf bytes.Buffer
	enc *json.Encoder
}

var encoders = sync.Pool{New: func() any {
	e := &pooledEncoder{}
	e.enc = json.NewEncoder(&e.buf)
	e.enc.SetEscapeHTML(false)
	return e
}}

// maxPooledBuffer keeps one huge answer (a 100-message page with embeds) from pinning its
// buffer in the pool forever.
const maxPooledBuffer = 256 << 10

func (e *pooledEncoder) put() {
	if e.buf.Cap() > maxPooledBuffer {
		return
	}
	e.buf.Reset()
	encoders.Put(e)
}

// ok writes a 200 JSON answer.
func (r *request) ok(v any) error { return writeJSON(r.c, fiber.StatusOK, v) }

// created writes a 201 JSON answer.
func (r *request) created(v any) error { return writeJSON(r.c, fiber.StatusCreated, v) }

// noContent writes 204 with no body.
func (r *request) noContent() error {
	r.c.Status(fiber.StatusNoContent)
	return nil
}
