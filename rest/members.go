package rest

import (
	"fmt"
	"github.com/parley-chat/parley/opcodes"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/snowflake"
)

// memberRoutes:
//
//	GET    /guilds/{guild_id}/members                 ?limit(1-1000, 1)&after
//	GET    /guilds/{guild_id}/members/search          ?query&limit(1-1000, 1)
//	PATCH  /guilds/{guild_id}/members/@me             {nick}
//	GET    /guilds/{guild_id}/members/{user_id}
//	PATCH  /guilds/{guild_id}/members/{user_id}       {nick, roles, mute, deaf, communication_disabled_until}
//	DELETE /guilds/{guild_id}/members/{user_id}       kick → 204
//	PUT    /guilds/{guild_id}/members/{user_id}/roles/{role_id}  → 204
//	DELETE /guilds/{guild_id}/members/{user_id}/roles/{role_id}  → 204
func (s *Server) memberRoutes() {
	s.handle("GET", "/guilds/{guild_id}/members", anyone, func(r *request) error {
		gid, err := r.pathID("guild_id", guilds.ErrUnknownGuild)
		if err != nil {
			return err
		}
		limit, err := r.queryInt("limit", 1, 1, 1000)
		if err != nil {
			return err
		}
		after, err := r.queryID("after")
		if err != nil {
			return err
		}
		ms, err := s.svc.Members(r.ctx, r.id.UserID, gid, after, limit)
		if err != nil {
			return fmt.Errorf("list members: %w", err)
		}
		return r.ok(ms)
	})
	s.handle("GET", "/guilds/{guild_id}/members/search", anyone, func(r *request) error {
		gid, err := r.pathID("guild_id", guilds.ErrUnknownGuild)
		if err != nil {
			return err
		}
		limit, err := r.queryInt("limit", 1, 1, 1000)
		if err != nil {
			return err
		}
		query := r.queryString("query")
		if query == "" {
			return fieldError("query", "BASE_TYPE_REQUIRED", "This field is required")
		}
		ms, err := s.svc.SearchGuildMembers(r.ctx, r.id.UserID, gid, query, limit)
		if err != nil {
			return fmt.Errorf("search members: %w", err)
		}
		return r.ok(ms)
	})
	s.handle("PATCH", "/guilds/{guild_id}/members/@me", anyone, func(r *request) error {
		gid, err := r.pathID("guild_id", guilds.ErrUnknownGuild)
		if err != nil {
			return err
		}
		var body struct {
			Nick opcodes.Nullable[string] `json:"nick"`
		}
		if err := r.decode(&body); err != nil {
			return err
		}
		m, err := s.svc.ModifyMember(r.ctx, r.id.UserID, gid, r.id.UserID, guilds.ModifyMemberParams{Nick: body.Nick})
		if err != nil {
			return fmt.Errorf("modify current member: %w", err)
		}
		return r.ok(m)
	})
	s.handle("GET", "/guilds/{guild_id}/members/{user_id}", anyone, func(r *request) error {
		gid, uid, err := r.guildUser()
		if err != nil {
			return err
		}
		m, err := s.svc.Member(r.ctx, r.id.UserID, gid, uid)
		if err != nil {
			return fmt.Errorf("get member: %w", err)
		}
		return r.ok(m)
	})
	s.handle("PATCH", "/guilds/{guild_id}/members/{user_id}", anyone, func(r *request) error {
		gid, uid, err := r.guildUser()
		if err != nil {
			return err
		}
		var p guilds.ModifyMemberParams
		if err := r.decode(&p); err != nil {
			return err
		}
		m, err := s.svc.ModifyMember(r.ctx, r.id.UserID, gid, uid, p)
		if err != nil {
			return fmt.Errorf("modify member: %w", err)
		}
		return r.ok(m)
	})
	s.handle("DELETE", "/guilds/{guild_id}/members/{user_id}", anyone, func(r *request) error {
		gid, uid, err := r.guildUser()
		if err != nil {
			return err
		}
		if err := s.svc.KickMember(r.ctx, r.id.UserID, gid, uid); err != nil {
			return fmt.Errorf("kick member: %w", err)
		}
		return r.noContent()
	})
	memberRole := func(add bool) handler {
		return func(r *request) error {
			gid, uid, err := r.guildUser()
			if err != nil {
				return err
			}
			rid, err := r.pathID("role_id", guilds.ErrUnknownRole)
			if err != nil {
				return err
			}
			if add {
				err = s.svc.AddMemberRole(r.ctx, r.id.UserID, gid, uid, rid)
			} else {
				err = s.svc.RemoveMemberRole(r.ctx, r.id.UserID, gid, uid, rid)
			}
			if err != nil {
				return fmt.Errorf("member role (add=%v): %w", add, err)
			}
			return r.noContent()
		}
	}
	s.handle("PUT", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", anyone, memberRole(true))
	s.handle("DELETE", "/guilds/{guild_id}/members/{user_id}/roles/{role_id}", anyone, memberRole(false))
}

// guildUser parses {guild_id} and {user_id}.
func (r *request) guildUser() (gid, uid snowflake.ID, err error) {
	gid, err = r.pathID("guild_id", guilds.ErrUnknownGuild)
	if err != nil {
		return 0, 0, err
	}
	uid, err = r.pathID("user_id", guilds.ErrUnknownMember)
	return gid, uid, err
}
