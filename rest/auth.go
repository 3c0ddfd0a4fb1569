package rest

import (
	"fmt"

	"github.com/parley-chat/parley/guilds"
)

// authRoutes are Parley's account endpoints (Discord has no public equivalent):
//
//	POST /auth/register      {username, password[, email]} → {token, refresh_token, user_id, expires_in}
//	POST /auth/login         {login, password}             → same
//	POST /auth/token/refresh {refresh_token}               → same; each refresh token works once
//
// The token is a JWT usable bare or as "Bearer <token>".
func (s *Server) authRoutes() {
	s.handle("POST", "/auth/register", public, func(r *request) error {
		var p guilds.RegisterParams
		if err := r.decode(&p); err != nil {
			return err
		}
		sess, err := s.svc.Register(r.ctx, p)
		if err != nil {
			return fmt.Errorf("register: %w", err)
		}
		return r.created(sess)
	})
	s.handle("POST", "/auth/login", public, func(r *request) error {
		var p guilds.LoginParams
		if err := r.decode(&p); err != nil {
			return err
		}
		sess, err := s.svc.Login(r.ctx, p)
		if err != nil {
			return fmt.Errorf("login: %w", err)
		}
		return r.ok(sess)
	})
	s.handle("POST", "/auth/token/refresh", public, func(r *request) error {
		var p struct {
			RefreshToken string `json:"refresh_token"`
		}
		if err := r.decode(&p); err != nil {
			return err
		}
		if p.RefreshToken == "" {
			return fieldError("refresh_token", "BASE_TYPE_REQUIRED", "This field is required")
		}
		sess, err := s.svc.Refresh(r.ctx, p.RefreshToken)
		if err != nil {
			return fmt.Errorf("refresh: %w", err)
		}
		return r.ok(sess)
	})
}
