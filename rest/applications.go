package rest

import (
	"fmt"
	"strings"

	"github.com/parley-chat/parley/guilds"
)

// applicationRoutes:
//
//	GET   /applications/@me, /oauth2/applications/@me   (bot) → its application
//	PATCH /applications/@me                              (bot) {name?, description?, flags?}
//	POST  /applications                                  (user) {name[, description, flags]}
//	GET   /applications                                  (user) → owned applications
//	GET   /applications/{application_id}                 (owner or its bot)
//	PATCH /applications/{application_id}                 (owner or its bot)
//	POST  /applications/{application_id}/bot             (owner) → {token}
//	POST  /applications/{application_id}/bot/reset       (owner) → {token}
//	POST  /oauth2/authorize?client_id=&scope=bot         (user) {guild_id, permissions, authorize}
func (s *Server) applicationRoutes() {
	current := func(r *request) error {
		a, err := s.svc.CurrentApplication(r.ctx, r.id.UserID)
		if err != nil {
			return fmt.Errorf("current application: %w", err)
		}
		return r.ok(a)
	}
	s.handle("GET", "/applications/@me", botsOnly, current)
	s.handle("GET", "/oauth2/applications/@me", botsOnly, current)
	s.handle("PATCH", "/applications/@me", botsOnly, func(r *request) error {
		var p guilds.ModifyApplicationParams
		if err := r.decode(&p); err != nil {
			return err
		}
		a, err := s.svc.ModifyApplication(r.ctx, r.id.UserID, r.id.UserID, p)
		if err != nil {
			return fmt.Errorf("modify current application: %w", err)
		}
		return r.ok(a)
	})
	s.handle("POST", "/applications", humans, func(r *request) error {
		var p guilds.CreateApplicationParams
		if err := r.decode(&p); err != nil {
			return err
		}
		a, err := s.svc.CreateApplication(r.ctx, r.id.UserID, p)
		if err != nil {
			return fmt.Errorf("create application: %w", err)
		}
		return r.created(a)
	})
	s.handle("GET", "/applications", humans, func(r *request) error {
		as, err := s.svc.OwnedApplications(r.ctx, r.id.UserID)
		if err != nil {
			return fmt.Errorf("owned applications: %w", err)
		}
		return r.ok(as)
	})
	s.handle("GET", "/applications/{application_id}", anyone, func(r *request) error {
		id, err := r.pathID("application_id", guilds.ErrUnknownApplication)
		if err != nil {
			return err
		}
		a, err := s.svc.Application(r.ctx, r.id.UserID, id)
		if err != nil {
			return fmt.Errorf("get application: %w", err)
		}
		return r.ok(a)
	})
	s.handle("PATCH", "/applications/{application_id}", anyone, func(r *request) error {
		id, err := r.pathID("application_id", guilds.ErrUnknownApplication)
		if err != nil {
			return err
		}
		var p guilds.ModifyApplicationParams
		if err := r.decode(&p); err != nil {
			return err
		}
		a, err := s.svc.ModifyApplication(r.ctx, r.id.UserID, id, p)
		if err != nil {
			return fmt.Errorf("modify application: %w", err)
		}
		return r.ok(a)
	})
	s.handle("POST", "/applications/{application_id}/bot", humans, func(r *request) error {
		id, err := r.pathID("application_id", guilds.ErrUnknownApplication)
		if err != nil {
			return err
		}
		t, err := s.svc.CreateBot(r.ctx, r.id.UserID, id)
		if err != nil {
			return fmt.Errorf("create bot: %w", err)
		}
		return r.ok(t)
	})
	s.handle("POST", "/applications/{application_id}/bot/reset", humans, func(r *request) error {
		id, err := r.pathID("application_id", guilds.ErrUnknownApplication)
		if err != nil {
			return err
		}
		t, err := s.svc.ResetBotToken(r.ctx, r.id.UserID, id)
		if err != nil {
			return fmt.Errorf("reset bot token: %w", err)
		}
		return r.ok(t)
	})
	s.handle("POST", "/oauth2/authorize", humans, func(r *request) error {
		appID, err := r.queryID("client_id")
		if err != nil {
			return err
		}
		if appID == 0 {
			return fieldError("client_id", "BASE_TYPE_REQUIRED", "This field is required")
		}
		if !hasScope(r.c.Query("scope"), "bot") {
			return fieldError("scope", "SCOPE_INVALID", "Only the bot scope can be authorized here.")
		}
		var p guilds.AuthorizeBotParams
		if err := r.decode(&p); err != nil {
			return err
		}
		if p.GuildID == 0 {
			return fieldError("guild_id", "BASE_TYPE_REQUIRED", "This field is required")
		}
		if err := s.svc.AuthorizeBot(r.ctx, r.id.UserID, appID, p); err != nil {
			return fmt.Errorf("authorize bot: %w", err)
		}
		return r.ok(struct {
			Location string `json:"location"`
		}{"https://discord.com/oauth2/authorized"})
	})
}

// hasScope reports whether a space- or plus-separated scope list contains want.
func hasScope(list, want string) bool {
	for _, s := range strings.FieldsFunc(list, func(r rune) bool { return r == ' ' || r == '+' }) {
		if s == want {
			return true
		}
	}
	return false
}
