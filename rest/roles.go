package rest

import (
	"fmt"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/snowflake"
)

// roleRoutes:
//
//	GET    /guilds/{guild_id}/roles
//	POST   /guilds/{guild_id}/roles            {name, permissions, color, colors, hoist, unicode_emoji, mentionable}
//	PATCH  /guilds/{guild_id}/roles            [{id, position}] → all roles
//	GET    /guilds/{guild_id}/roles/member-counts → {role_id: count}
//	GET    /guilds/{guild_id}/roles/{role_id}
//	PATCH  /guilds/{guild_id}/roles/{role_id}
//	DELETE /guilds/{guild_id}/roles/{role_id}  → 204
func (s *Server) roleRoutes() {
	s.handle("GET", "/guilds/{guild_id}/roles", anyone, func(r *request) error {
		gid, err := r.pathID("guild_id", guilds.ErrUnknownGuild)
		if err != nil {
			return err
		}
		rs, err := s.svc.Roles(r.ctx, r.id.UserID, gid)
		if err != nil {
			return fmt.Errorf("list roles: %w", err)
		}
		return r.ok(rs)
	})
	s.handle("POST", "/guilds/{guild_id}/roles", anyone, func(r *request) error {
		gid, err := r.pathID("guild_id", guilds.ErrUnknownGuild)
		if err != nil {
			return err
		}
		var p guilds.RoleParams
		if err := r.decode(&p); err != nil {
			return err
		}
		role, err := s.svc.CreateRole(r.ctx, r.id.UserID, gid, p)
		if err != nil {
			return fmt.Errorf("create role: %w", err)
		}
		return r.ok(role)
	})
	s.handle("PATCH", "/guilds/{guild_id}/roles", anyone, func(r *request) error {
		gid, err := r.pathID("guild_id", guilds.ErrUnknownGuild)
		if err != nil {
			return err
		}
		var ps []guilds.RolePosition
		if err := r.decode(&ps); err != nil {
			return err
		}
		rs, err := s.svc.ReorderRoles(r.ctx, r.id.UserID, gid, ps)
		if err != nil {
			return fmt.Errorf("reorder roles: %w", err)
		}
		return r.ok(rs)
	})
	s.handle("GET", "/guilds/{guild_id}/roles/member-counts", anyone, func(r *request) error {
		gid, err := r.pathID("guild_id", guilds.ErrUnknownGuild)
		if err != nil {
			return err
		}
		counts, err := s.svc.RoleMemberCounts(r.ctx, r.id.UserID, gid)
		if err != nil {
			return fmt.Errorf("role member counts: %w", err)
		}
		return r.ok(counts)
	})
	s.handle("GET", "/guilds/{guild_id}/roles/{role_id}", anyone, func(r *request) error {
		gid, rid, err := r.guildRole()
		if err != nil {
			return err
		}
		role, err := s.svc.Role(r.ctx, r.id.UserID, gid, rid)
		if err != nil {
			return fmt.Errorf("get role: %w", err)
		}
		return r.ok(role)
	})
	s.handle("PATCH", "/guilds/{guild_id}/roles/{role_id}", anyone, func(r *request) error {
		gid, rid, err := r.guildRole()
		if err != nil {
			return err
		}
		var p guilds.RoleParams
		if err := r.decode(&p); err != nil {
			return err
		}
		role, err := s.svc.ModifyRole(r.ctx, r.id.UserID, gid, rid, p)
		if err != nil {
			return fmt.Errorf("modify role: %w", err)
		}
		return r.ok(role)
	})
	s.handle("DELETE", "/guilds/{guild_id}/roles/{role_id}", anyone, func(r *request) error {
		gid, rid, err := r.guildRole()
		if err != nil {
			return err
		}
		if err := s.svc.DeleteRole(r.ctx, r.id.UserID, gid, rid); err != nil {
			return fmt.Errorf("delete role: %w", err)
		}
		return r.noContent()
	})
}

func (r *request) guildRole() (gid, rid snowflake.ID, err error) {
	gid, err = r.pathID("guild_id", guilds.ErrUnknownGuild)
	if err != nil {
		return 0, 0, err
	}
	rid, err = r.pathID("role_id", guilds.ErrUnknownRole)
	return gid, rid, err
}
