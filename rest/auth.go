package rest

import (
	"github.com/parley-chat/parley/guilds"
)

// authRoutes are Parley's account endpoints (Discord has no public equivalent):
//
//	POST /auth/register      {username, password[, email]} → {token, refresh_token, user_id, expires_in}
//	POST /auth/login         {login, password}             → same
//	POST /auth/token/refresh {refresh_token}               → same; each refresh token works once
//
// The token is a JWT usable bare or as "Bearer <token>".
func (s *Server) authRoutes() []*route {
	type refresh struct {
		RefreshToken string `json:"refresh_token"`
	}
	return []*route{
		op("POST /auth/register", "", public, func(c *call, p withBody[guilds.RegisterParams]) (guilds.LoginTokens, error) {
			return s.svc.Register(c.ctx, p.Body)
		}).created(),
		op("POST /auth/login", "", public, func(c *call, p withBody[guilds.LoginParams]) (guilds.LoginTokens, error) {
			return s.svc.Login(c.ctx, p.Body)
		}),
		op("POST /auth/token/refresh", "", public, func(c *call, p withBody[refresh]) (guilds.LoginTokens, error) {
			if p.Body.RefreshToken == "" {
				return guilds.LoginTokens{}, required("refresh_token")
			}
			return s.svc.Refresh(c.ctx, p.Body.RefreshToken)
		}),
	}
}
