package rest

import (
	"strings"

	"github.com/gofiber/fiber/v2"
)

// CORS. Browsers may call the API only from Config.AllowedOrigins (Parley's own web client's
// origin by default, set by cmd): for those, a preflight is answered with the methods and
// headers Discord's clients use, and answers carry Access-Control-Allow-Origin (the origin
// itself, never "*") with credentials allowed. Other origins get no CORS headers at all, so
// the browser keeps the answer from the page; their preflights, and any request of theirs
// that carries an Authorization header, are refused with 403. Requests without an Origin
// header (bots, curl, server-side code) are not affected.
//
// Preflights are answered here, before routing, authentication and rate limiting: they carry
// no credentials and must not use up a bucket.

const (
	corsMethods = "GET, POST, PUT, PATCH, DELETE"
	// corsHeaders are the request headers Discord's clients and bot libraries send.
	corsHeaders = "Authorization, Content-Type, X-Audit-Log-Reason, X-Super-Properties, " +
		"X-Discord-Locale, X-Discord-Timezone, X-Debug-Options, X-Context-Properties, X-Fingerprint"
	// corsExpose lets a page read the rate-limit headers, as libraries do.
	corsExpose = "Retry-After, Via, X-RateLimit-Limit, X-RateLimit-Remaining, X-RateLimit-Reset, " +
		"X-RateLimit-Reset-After, X-RateLimit-Bucket, X-RateLimit-Global, X-RateLimit-Scope"
	corsMaxAge = "7200" // seconds; Chromium's cap
)

var errOriginForbidden = &apiError{Status: fiber.StatusForbidden, Code: 0, Message: "403: Forbidden (origin not allowed)"}

// originSet matches Origin headers exactly, as browsers serialise them: lower-case scheme and
// host, no default port, no trailing slash. cmd normalises the configured list to that form.
type originSet map[string]struct{}

func newOriginSet(origins []string) originSet {
	s := make(originSet, len(origins))
	for _, o := range origins {
		if o = strings.TrimRight(strings.TrimSpace(o), "/"); o != "" {
			s[strings.ToLower(o)] = struct{}{}
		}
	}
	return s
}

func (s originSet) allows(origin string) bool {
	_, ok := s[origin]
	return ok
}

// cors is the first middleware.
func (s *Server) cors(c *fiber.Ctx) error {
	// Every answer varies by Origin (a shared cache must not hand an answer made without
	// CORS headers to a page that needs them).
	h := &c.Response().Header
	h.Add(fiber.HeaderVary, fiber.HeaderOrigin)
	origin := c.Get(fiber.HeaderOrigin)
	if origin == "" {
		return c.Next()
	}
	allowed := s.origins.allows(origin)
	preflight := c.Method() == fiber.MethodOptions && c.Get(fiber.HeaderAccessControlRequestMethod) != ""
	switch {
	case preflight && allowed:
		h.Set(fiber.HeaderAccessControlAllowOrigin, origin)
		h.Set(fiber.HeaderAccessControlAllowCredentials, "true")
		h.Set(fiber.HeaderAccessControlAllowMethods, corsMethods)
		h.Set(fiber.HeaderAccessControlAllowHeaders, corsHeaders)
		h.Set(fiber.HeaderAccessControlMaxAge, corsMaxAge)
		c.Status(fiber.StatusNoContent)
		return nil
	case preflight, c.Get(fiber.HeaderAuthorization) != "" && !allowed:
		return writeJSON(c, errOriginForbidden.Status, errOriginForbidden)
	case allowed:
		h.Set(fiber.HeaderAccessControlAllowOrigin, origin)
		h.Set(fiber.HeaderAccessControlAllowCredentials, "true")
		h.Set(fiber.HeaderAccessControlExposeHeaders, corsExpose)
	}
	return c.Next()
}
