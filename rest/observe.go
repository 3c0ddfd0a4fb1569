package rest

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"reflect"
	"slices"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/guilds/metrics"
)

// HeaderRequestID carries a request's ID: honoured when a client (or a proxy in front) sends
// a sane one, generated otherwise, and always returned in the response.
const HeaderRequestID = "X-Request-Id"

type requestIDKey struct{}

// RequestID reports the ID of the REST request ctx belongs to, or "" outside one.
func RequestID(ctx context.Context) string {
	id, _ := ctx.Value(requestIDKey{}).(string)
	return id
}

// LogHandler wraps h so that every record logged with a request's context (the
// slog.*Context methods, as rest and guilds use) carries its request_id attribute.
func LogHandler(h slog.Handler) slog.Handler { return requestIDHandler{h} }

type requestIDHandler struct{ slog.Handler }

func (h requestIDHandler) Handle(ctx context.Context, r slog.Record) error {
	if id := RequestID(ctx); id != "" {
		r.AddAttrs(slog.String("request_id", id))
	}
	return h.Handler.Handle(ctx, r)
}

func (h requestIDHandler) WithAttrs(as []slog.Attr) slog.Handler {
	return requestIDHandler{h.Handler.WithAttrs(as)}
}

func (h requestIDHandler) WithGroup(name string) slog.Handler {
	return requestIDHandler{h.Handler.WithGroup(name)}
}

// saneRequestID accepts what proxies and tracing systems send (UUIDs, hex, base64url, dotted
// or colon-separated IDs) and nothing that could forge a log line or bloat it.
func saneRequestID(s string) bool {
	if s == "" || len(s) > 128 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if !(c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || strings.IndexByte("-_.:", c) >= 0) {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [12]byte
	_, _ = rand.Read(b[:])
	return hex.EncodeToString(b[:])
}

// restMetrics are the REST families. Children are resolved per Fiber route once and cached,
// so a request costs one sync.Map load and a histogram observation.
type restMetrics struct {
	duration    *metrics.HistogramVec
	limited     *metrics.CounterVec
	inFlight    *metrics.Gauge
	byRoute     sync.Map // *fiber.Route → *routeMetrics
	unmatched   *routeMetrics
	limiterDown *metrics.Counter
}

type routeMetrics struct {
	name     string // "POST /channels/{channel_id}/messages"
	byStatus sync.Map
	global   *metrics.Counter
	user     *metrics.Counter
}

func newRESTMetrics(r *metrics.Registry) *restMetrics {
	m := &restMetrics{
		duration: r.HistogramVec("parley_rest_request_duration_seconds",
			"REST request latency from routing to the written response, by route (method and Discord path template) and HTTP status; _count is the request count.",
			metrics.DurationBuckets, "route", "status"),
		limited: r.CounterVec("parley_rest_rate_limited_total",
			"REST requests answered 429, by route (each route is one bucket) and scope (user: the route bucket, global: the per-identity global limit).",
			"route", "scope"),
		inFlight: r.Gauge("parley_rest_requests_in_flight", "REST requests being handled now."),
		limiterDown: r.Counter("parley_rest_rate_limiter_errors_total",
			"Rate-limiter backend failures (Redis unreachable); such requests are let through unlimited."),
	}
	m.unmatched = m.newRoute("unmatched")
	return m
}

func (m *restMetrics) newRoute(name string) *routeMetrics {
	return &routeMetrics{name: name, global: m.limited.With(name, "global"), user: m.limited.With(name, "user")}
}

func (m *restMetrics) route(r *fiber.Route, endpoints map[*fiber.Route]bool) *routeMetrics {
	if r == nil {
		return m.unmatched
	}
	if rm, ok := m.byRoute.Load(r); ok {
		return rm.(*routeMetrics)
	}
	rm := m.unmatched
	if endpoints[r] {
		rm = m.newRoute(r.Method + " " + routeTemplate(r.Path))
	}
	got, _ := m.byRoute.LoadOrStore(r, rm)
	return got.(*routeMetrics)
}

func (m *restMetrics) observe(rm *routeMetrics, status int, d time.Duration) {
	h, ok := rm.byStatus.Load(status)
	if !ok {
		h, _ = rm.byStatus.LoadOrStore(status, m.duration.With(rm.name, strconv.Itoa(status)))
	}
	h.(*metrics.Histogram).Observe(d.Seconds())
}

// routeTemplate turns a registered Fiber path back into Discord's template without the
// version prefix: "/api/v10/channels/:channel_id" → "/channels/{channel_id}".
func routeTemplate(p string) string {
	for _, v := range versions {
		if rest, ok := strings.CutPrefix(p, v); ok && (rest == "" || rest[0] == '/') {
			p = rest
			break
		}
	}
	segs := strings.Split(p, "/")
	for i, s := range segs {
		if strings.HasPrefix(s, ":") {
			segs[i] = "{" + strings.TrimSuffix(s[1:], "?") + "}"
		}
	}
	return strings.Join(segs, "/")
}

// observe is the outermost middleware: it assigns the request ID, puts it in the request's
// context, and records latency, status and 429s by the route that matched. It never logs
// paths (webhook and interaction paths carry tokens), only route templates.
func (s *Server) observe(c *fiber.Ctx) error {
	start := time.Now()
	id := c.Get(HeaderRequestID)
	if !saneRequestID(id) {
		id = newRequestID()
	}
	c.Set(HeaderRequestID, id)
	c.SetUserContext(context.WithValue(c.UserContext(), requestIDKey{}, id))
	if s.metrics != nil {
		s.metrics.inFlight.Add(1)
		defer s.metrics.inFlight.Add(-1)
	}
	err := c.Next()
	if err != nil {
		// Let the error handler write the answer now, so the status below is the real one.
		if herr := s.app.ErrorHandler(c, err); herr != nil {
			_ = c.SendStatus(fiber.StatusInternalServerError)
		}
		err = nil
	}
	status := c.Response().StatusCode()
	elapsed := time.Since(start)
	if s.metrics != nil {
		rm := s.metrics.route(c.Route(), s.endpoints)
		s.metrics.observe(rm, status, elapsed)
		if status == fiber.StatusTooManyRequests {
			if string(c.Response().Header.Peek("X-RateLimit-Global")) == "true" {
				rm.global.Inc()
			} else {
				rm.user.Inc()
			}
		}
	}
	if s.log.Enabled(c.UserContext(), slog.LevelDebug) {
		s.log.DebugContext(c.UserContext(), "request", "route", s.routeName(c), "status", status, "duration", elapsed)
	}
	return err
}

// routeName is the route template of the request's matched route, for log lines. After
// the handler chain c.Route() is the last route that ran: the endpoint, or a middleware
// (registered for "/") when nothing matched.
func (s *Server) routeName(c *fiber.Ctx) string {
	if r := c.Route(); r != nil && s.endpoints[r] {
		return r.Method + " " + routeTemplate(r.Path)
	}
	return "unmatched"
}

// indexEndpoints records the registered endpoints (middleware excluded) and rejects a
// RateLimits.Routes key that names no served route: a typo in a per-route limit would
// otherwise be silently ignored.
func (s *Server) indexEndpoints() error {
	s.endpoints = map[*fiber.Route]bool{}
	known := map[string]bool{}
	for _, stack := range s.app.Stack() {
		for _, r := range stack {
			// Fiber copies each middleware (app.Use) route into every method's stack with the
			// request's method, so a middleware at "/" looks like an endpoint "GET /"; only its
			// unexported use flag tells them apart (what GetRoutes(true) filters on, but that
			// returns copies, not the pointers c.Route() gives).
			if reflect.ValueOf(r).Elem().FieldByName("use").Bool() {
				continue
			}
			s.endpoints[r] = true
			known[r.Method+" "+routeTemplate(r.Path)] = true
		}
	}
	var unknown []string
	for k := range s.limits.custom {
		if !known[k] {
			unknown = append(unknown, strconv.Quote(k))
		}
	}
	if len(unknown) > 0 {
		slices.Sort(unknown)
		return fmt.Errorf("%w: %s (want \"METHOD /template\" as in docs/rest-coverage.md, e.g. \"POST /channels/{channel_id}/messages\")",
			ErrUnknownRoute, strings.Join(unknown, ", "))
	}
	return nil
}

// ErrUnknownRoute reports a per-route rate limit for a route the server does not serve.
var ErrUnknownRoute = errors.New("rest: rate limit for an unknown route")
