package rest

import (
	"fmt"

	"github.com/parley-chat/parley/guilds"
)

// guildRoutes:
//
//	POST   /guilds                      {name[, icon]} → 201 guild (Parley: any user may create)
//	GET    /guilds/{guild_id}           ?with_counts
//	PATCH  /guilds/{guild_id}
//	DELETE /guilds/{guild_id}           (owner) → 204
//	GET    /guilds/{guild_id}/preview
func (s *Server) guildRoutes() {
	s.handle("POST", "/guilds", anyone, func(r *request) error {
		var p guilds.CreateGuildParams
		if err := r.decode(&p); err != nil {
			return err
		}
		g, err := s.svc.CreateGuild(r.ctx, r.id.UserID, p)
		if err != nil {
			return fmt.Errorf("create guild: %w", err)
		}
		return r.created(g)
	})
	s.handle("GET", "/guilds/{guild_id}", anyone, func(r *request) error {
		gid, err := r.pathID("guild_id", guilds.ErrUnknownGuild)
		if err != nil {
			return err
		}
		counts, err := r.queryBool("with_counts")
		if err != nil {
			return err
		}
		g, err := s.svc.Guild(r.ctx, r.id.UserID, gid, counts)
		if err != nil {
			return fmt.Errorf("get guild: %w", err)
		}
		return r.ok(g)
	})
	s.handle("PATCH", "/guilds/{guild_id}", anyone, func(r *request) error {
		gid, err := r.pathID("guild_id", guilds.ErrUnknownGuild)
		if err != nil {
			return err
		}
		var p guilds.ModifyGuildParams
		if err := r.decode(&p); err != nil {
			return err
		}
		g, err := s.svc.ModifyGuild(r.ctx, r.id.UserID, gid, p)
		if err != nil {
			return fmt.Errorf("modify guild: %w", err)
		}
		return r.ok(g)
	})
	s.handle("DELETE", "/guilds/{guild_id}", anyone, func(r *request) error {
		gid, err := r.pathID("guild_id", guilds.ErrUnknownGuild)
		if err != nil {
			return err
		}
		if err := s.svc.DeleteGuild(r.ctx, r.id.UserID, gid); err != nil {
			return fmt.Errorf("delete guild: %w", err)
		}
		return r.noContent()
	})
	s.handle("GET", "/guilds/{guild_id}/preview", anyone, func(r *request) error {
		gid, err := r.pathID("guild_id", guilds.ErrUnknownGuild)
		if err != nil {
			return err
		}
		p, err := s.svc.GuildPreview(r.ctx, r.id.UserID, gid)
		if err != nil {
			return fmt.Errorf("guild preview: %w", err)
		}
		return r.ok(p)
	})
}
