package rest

import (
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/parley-chat/parley/guilds"
)

// authRoutes are Parley's account endpoints (Discord has no public equivalent, but for
// logout, which is Discord's client route):
//
//	POST /auth/register      {username, password[, email]} → {token, refresh_token, user_id, expires_in}
//	POST /auth/login         {login, password}             → same
//	POST /auth/token/refresh {refresh_token}               → same; each refresh token works once
//	POST /auth/logout        (body ignored)                → 204; revokes the token's family
//
// The token is a JWT usable bare or as "Bearer <token>". Login is throttled per account (see
// ratelimit.BackOff) on top of the route's per-address rate limit; a throttled attempt gets
// Discord's 429 with retry_after.
func (s *Server) authRoutes() []*route {
	type refresh struct {
		RefreshToken string `json:"refresh_token"`
	}
	return []*route{
		op("POST /auth/register", "", public, func(c *call, p withBody[guilds.RegisterParams]) (guilds.LoginTokens, error) {
			return s.svc.Register(c.ctx, p.Body)
		}).created(),
		op("POST /auth/login", "", public, func(c *call, p withBody[guilds.LoginParams]) (guilds.LoginTokens, error) {
			return s.login(c, p.Body)
		}),
		op("POST /auth/token/refresh", "", public, func(c *call, p withBody[refresh]) (guilds.LoginTokens, error) {
			if p.Body.RefreshToken == "" {
				return guilds.LoginTokens{}, required("refresh_token")
			}
			return s.svc.Refresh(c.ctx, p.Body.RefreshToken)
		}),
		// Discord's client sends {provider, voip_provider} (push-notification registrations,
		// which Parley does not keep); the body is not read.
		do("POST /auth/logout", "", humans, func(c *call, _ none) error {
			return s.svc.Logout(c.ctx, c.ident)
		}),
	}
}

// login applies the per-account throttle around guilds.Service.Login. A throttle backend
// outage lets the attempt through (availability over strictness, as for the rate limiter;
// the per-address limit still holds) and is logged.
func (s *Server) login(c *call, p guilds.LoginParams) (guilds.LoginTokens, error) {
	key := loginKey(p.Login)
	wait, err := s.logins.Attempt(c.ctx, key, s.backOff)
	if err != nil {
		s.log.Warn("login throttle unavailable; attempt allowed", "err", err)
	} else if wait > 0 {
		return guilds.LoginTokens{}, &throttled{wait: wait}
	}
	tokens, err := s.svc.Login(c.ctx, p)
	if err != nil {
		return guilds.LoginTokens{}, err
	}
	if err := s.logins.Succeeded(c.ctx, key); err != nil {
		s.log.Warn("login throttle unavailable; attempts not cleared", "err", err)
	}
	return tokens, nil
}

// throttled is an error that is answered as Discord's 429 (see Server.fail).
type throttled struct{ wait time.Duration }

func (t *throttled) Error() string { return fmt.Sprintf("throttled for %v", t.wait) }

// asThrottled finds a throttled error in err's chain.
func asThrottled(err error) (*throttled, bool) {
	var t *throttled
	ok := errors.As(err, &t)
	return t, ok
}

// loginKey names an account in the throttle: the login as the store matches it
// (case-insensitively), hashed so the limiter holds no user names.
func loginKey(login string) string {
	sum := sha256.Sum256([]byte(strings.ToLower(strings.TrimSpace(login))))
	return "login:" + hex.EncodeToString(sum[:16])
}
