package rest

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"math"
	"strconv"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/guilds/ratelimit"
)

// Rate is a bucket's capacity: Limit requests per Window.
type Rate struct {
	Limit  int
	Window time.Duration
}

// RateLimits configures the buckets. Zero values mean the documented defaults.
type RateLimits struct {
	// Off disables REST rate limiting: no route buckets, no global limit, and no
	// X-RateLimit-* headers (libraries then simply never wait). For private deployments and
	// benchmarks (--rate-limits off).
	Off bool
	// Global is the number of requests per second one user, bot or (unauthenticated) IP may
	// make across all routes. Default: 50, as Discord. Negative disables it.
	Global int
	// Default applies to every route without an entry in Routes. Default: 50 per second.
	// A negative Limit leaves such routes without a bucket.
	Default Rate
	// Routes overrides per route, keyed by method and Discord's path template, e.g.
	// "POST /channels/{channel_id}/messages"; a negative Limit leaves the route without a
	// bucket. Defaults: DefaultRouteRates. New fails with ErrUnknownRoute on a key that names
	// no served route.
	Routes map[string]Rate

	custom map[string]Rate // the caller's Routes, checked by indexEndpoints
}

// Unlimited is a Rate that leaves a route without a bucket.
var Unlimited = Rate{Limit: -1}

// DefaultRouteRates are the per-route limits Parley announces by default; they follow
// Discord's where they are known and are generous elsewhere so that normal bots never wait.
var DefaultRouteRates = map[string]Rate{
	"POST /channels/{channel_id}/messages":                {Limit: 5, Window: 5 * time.Second},
	"DELETE /channels/{channel_id}/messages/{message_id}": {Limit: 5, Window: time.Second},
	"POST /channels/{channel_id}/messages/bulk-delete":    {Limit: 1, Window: time.Second},
	"POST /webhooks/{webhook_id}/{webhook_token}":         {Limit: 5, Window: 2 * time.Second},
	"PATCH /channels/{channel_id}":                        {Limit: 5, Window: 5 * time.Second},
	"POST /auth/register":                                 {Limit: 10, Window: 10 * time.Second},
	"POST /auth/login":                                    {Limit: 10, Window: 10 * time.Second},
}

func (rl RateLimits) withDefaults() RateLimits {
	if rl.Global == 0 {
		rl.Global = 50
	}
	if rl.Default.Limit == 0 {
		rl.Default = Rate{Limit: 50, Window: time.Second}
	}
	rl.custom = rl.Routes
	routes := make(map[string]Rate, len(DefaultRouteRates)+len(rl.Routes))
	for k, v := range DefaultRouteRates {
		routes[k] = v
	}
	for k, v := range rl.Routes {
		routes[k] = v
	}
	rl.Routes = routes
	return rl
}

// bucket is one route's rate-limit identity: the opaque hash Discord announces in
// X-RateLimit-Bucket (shared by all major parameters) and the rate.
type bucket struct {
	hash  string
	rate  Rate
	major string // path parameter that splits the bucket: channel_id, guild_id or webhook_id
}

func newBucket(method, template string, rate Rate, major string) bucket {
	sum := sha256.Sum256([]byte(method + " " + template))
	return bucket{hash: hex.EncodeToString(sum[:16]), rate: rate, major: major}
}

// rateLimit applies the global and the route limit for one request and sets the headers.
// It returns a non-nil apiError-like response already written when the request must stop.
func (s *Server) rateLimit(c *fiber.Ctx, b bucket, who string) (stop bool, err error) {
	if s.limits.Off {
		return false, nil
	}
	ctx := c.UserContext()
	if s.limits.Global > 0 {
		d, err := s.limiter.Take(ctx, "g:"+who, s.limits.Global, time.Second)
		if err != nil {
			return false, s.limiterFailed(ctx, err)
		}
		if !d.Allowed {
			return true, s.tooMany(c, d, true)
		}
	}
	if b.rate.Limit < 0 {
		return false, nil
	}
	key := "r:" + who + ":" + b.hash
	if b.major != "" {
		key += ":" + c.Params(b.major)
	}
	d, err := s.limiter.Take(ctx, key, b.rate.Limit, b.rate.Window)
	if err != nil {
		return false, s.limiterFailed(ctx, err)
	}
	h := &c.Response().Header
	h.Set("X-RateLimit-Limit", strconv.Itoa(d.Limit))
	h.Set("X-RateLimit-Remaining", strconv.Itoa(d.Remaining))
	h.Set("X-RateLimit-Reset", secondsString(float64(time.Now().Add(d.ResetAfter).UnixMilli())/1000))
	h.Set("X-RateLimit-Reset-After", secondsString(d.ResetAfter.Seconds()))
	h.Set("X-RateLimit-Bucket", b.hash)
	h.Set("X-RateLimit-Scope", "user")
	if !d.Allowed {
		return true, s.tooMany(c, d, false)
	}
	return false, nil
}

// limiterFailed lets a request through when the limiter backend is down: availability over
// strictness, and the failure is logged.
func (s *Server) limiterFailed(ctx context.Context, err error) error {
	s.log.WarnContext(ctx, "rate limiter unavailable; request allowed", "err", err)
	if s.metrics != nil {
		s.metrics.limiterDown.Inc()
	}
	return nil
}

// tooMany writes Discord's 429: float retry_after in the body, integer Retry-After header
// (rounded up: arikawa, disgo, JDA and Discord4J parse it as an integer) and a Via header
// (without it disgo, JDA and discord.py take the 429 for a Cloudflare ban).
func (s *Server) tooMany(c *fiber.Ctx, d ratelimit.Decision, global bool) error {
	retry := d.ResetAfter.Seconds()
	h := &c.Response().Header
	h.Set("Retry-After", strconv.Itoa(int(math.Ceil(retry))))
	h.Set("Via", "1.1 parley")
	if global {
		h.Set("X-RateLimit-Global", "true")
		h.Set("X-RateLimit-Scope", "global")
	} else {
		h.Set("X-RateLimit-Scope", "user")
	}
	body := struct {
		Message    string  `json:"message"`
		RetryAfter float64 `json:"retry_after"`
		Global     bool    `json:"global"`
		Code       int     `json:"code"` // required by Discord's spec; 0 = no specific code
	}{"You are being rate limited.", math.Round(retry*1000) / 1000, global, 0}
	return writeJSON(c, fiber.StatusTooManyRequests, body)
}

func secondsString(v float64) string { return strconv.FormatFloat(v, 'f', 3, 64) }
