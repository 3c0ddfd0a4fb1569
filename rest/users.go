package rest

import (
	"fmt"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/snowflake"
)

// userRoutes:
//
//	GET    /users/@me
//	PATCH  /users/@me                   {username?, global_name?, avatar?}
//	GET    /users/@me/guilds            ?before&after&limit(1-200, 200)&with_counts
//	GET    /users/@me/guilds/{guild_id}/member
//	DELETE /users/@me/guilds/{guild_id} → 204
//	POST   /users/@me/channels          {recipient_id} → DM channel
//	GET    /users/{user_id}
func (s *Server) userRoutes() {
	s.handle("GET", "/users/@me", anyone, func(r *request) error {
		u, err := s.svc.CurrentUser(r.ctx, r.id.UserID)
		if err != nil {
			return fmt.Errorf("current user: %w", err)
		}
		return r.ok(u)
	})
	s.handle("PATCH", "/users/@me", anyone, func(r *request) error {
		var p guilds.ModifyUserParams
		if err := r.decode(&p); err != nil {
			return err
		}
		u, err := s.svc.ModifyCurrentUser(r.ctx, r.id.UserID, p)
		if err != nil {
			return fmt.Errorf("modify current user: %w", err)
		}
		return r.ok(u)
	})
	s.handle("GET", "/users/@me/guilds", anyone, func(r *request) error {
		before, err := r.queryID("before")
		if err != nil {
			return err
		}
		after, err := r.queryID("after")
		if err != nil {
			return err
		}
		limit, err := r.queryInt("limit", 200, 1, 200)
		if err != nil {
			return err
		}
		counts, err := r.queryBool("with_counts")
		if err != nil {
			return err
		}
		gs, err := s.svc.CurrentUserGuilds(r.ctx, r.id.UserID, before, after, limit, counts)
		if err != nil {
			return fmt.Errorf("current user guilds: %w", err)
		}
		return r.ok(gs)
	})
	s.handle("GET", "/users/@me/guilds/{guild_id}/member", anyone, func(r *request) error {
		gid, err := r.pathID("guild_id", guilds.ErrUnknownGuild)
		if err != nil {
			return err
		}
		m, err := s.svc.Member(r.ctx, r.id.UserID, gid, r.id.UserID)
		if err != nil {
			return fmt.Errorf("get own member: %w", err)
		}
		return r.ok(m)
	})
	s.handle("DELETE", "/users/@me/guilds/{guild_id}", anyone, func(r *request) error {
		gid, err := r.pathID("guild_id", guilds.ErrUnknownGuild)
		if err != nil {
			return err
		}
		if err := s.svc.LeaveGuild(r.ctx, r.id.UserID, gid); err != nil {
			return fmt.Errorf("leave guild: %w", err)
		}
		return r.noContent()
	})
	s.handle("POST", "/users/@me/channels", anyone, func(r *request) error {
		var p struct {
			RecipientID snowflake.ID `json:"recipient_id"`
		}
		if err := r.decode(&p); err != nil {
			return err
		}
		if p.RecipientID == 0 {
			return fieldError("recipient_id", "BASE_TYPE_REQUIRED", "This field is required")
		}
		ch, err := s.svc.CreateDM(r.ctx, r.id.UserID, p.RecipientID)
		if err != nil {
			return fmt.Errorf("create dm: %w", err)
		}
		return r.ok(ch)
	})
	s.handle("GET", "/users/{user_id}", anyone, func(r *request) error {
		uid, err := r.pathID("user_id", guilds.ErrUnknownUser)
		if err != nil {
			return err
		}
		u, err := s.svc.User(r.ctx, uid)
		if err != nil {
			return fmt.Errorf("get user: %w", err)
		}
		return r.ok(u)
	})
}
