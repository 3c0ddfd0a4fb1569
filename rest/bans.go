package rest

import (
	"fmt"
	"net/url"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/snowflake"
)

// banRoutes:
//
//	GET    /guilds/{guild_id}/bans            ?limit(1-1000, 1000)&before&after
//	GET    /guilds/{guild_id}/bans/{user_id}
//	PUT    /guilds/{guild_id}/bans/{user_id}  {delete_message_seconds | delete_message_days} → 204
//	DELETE /guilds/{guild_id}/bans/{user_id}  → 204
//	POST   /guilds/{guild_id}/bulk-ban        {user_ids, delete_message_seconds} → {banned_users, failed_users}
//
// The ban reason comes from the X-Audit-Log-Reason header (URL-encoded), as in Discord v10.
func (s *Server) banRoutes() {
	s.handle("GET", "/guilds/{guild_id}/bans", anyone, func(r *request) error {
		gid, err := r.pathID("guild_id", guilds.ErrUnknownGuild)
		if err != nil {
			return err
		}
		limit, err := r.queryInt("limit", 1000, 1, 1000)
		if err != nil {
			return err
		}
		before, err := r.queryID("before")
		if err != nil {
			return err
		}
		after, err := r.queryID("after")
		if err != nil {
			return err
		}
		bs, err := s.svc.Bans(r.ctx, r.id.UserID, gid, before, after, limit)
		if err != nil {
			return fmt.Errorf("list bans: %w", err)
		}
		return r.ok(bs)
	})
	s.handle("GET", "/guilds/{guild_id}/bans/{user_id}", anyone, func(r *request) error {
		gid, uid, err := r.guildBanUser()
		if err != nil {
			return err
		}
		b, err := s.svc.Ban(r.ctx, r.id.UserID, gid, uid)
		if err != nil {
			return fmt.Errorf("get ban: %w", err)
		}
		return r.ok(b)
	})
	s.handle("PUT", "/guilds/{guild_id}/bans/{user_id}", anyone, func(r *request) error {
		gid, uid, err := r.guildBanUser()
		if err != nil {
			return err
		}
		var p struct {
			DeleteMessageSeconds *int `json:"delete_message_seconds"`
			DeleteMessageDays    *int `json:"delete_message_days"` // deprecated
		}
		if err := r.decode(&p); err != nil {
			return err
		}
		secs := 0
		switch {
		case p.DeleteMessageSeconds != nil:
			secs = *p.DeleteMessageSeconds
		case p.DeleteMessageDays != nil:
			if *p.DeleteMessageDays < 0 || *p.DeleteMessageDays > 7 {
				return fieldError("delete_message_days", "NUMBER_TYPE_MAX", "int value should be less than or equal to 7.")
			}
			secs = *p.DeleteMessageDays * 86400
		}
		if err := s.svc.CreateBan(r.ctx, r.id.UserID, gid, uid, secs, r.auditReason()); err != nil {
			return fmt.Errorf("create ban: %w", err)
		}
		return r.noContent()
	})
	s.handle("DELETE", "/guilds/{guild_id}/bans/{user_id}", anyone, func(r *request) error {
		gid, uid, err := r.guildBanUser()
		if err != nil {
			return err
		}
		if err := s.svc.RemoveBan(r.ctx, r.id.UserID, gid, uid); err != nil {
			return fmt.Errorf("remove ban: %w", err)
		}
		return r.noContent()
	})
	s.handle("POST", "/guilds/{guild_id}/bulk-ban", anyone, func(r *request) error {
		gid, err := r.pathID("guild_id", guilds.ErrUnknownGuild)
		if err != nil {
			return err
		}
		var p struct {
			UserIDs              []snowflake.ID `json:"user_ids"`
			DeleteMessageSeconds int            `json:"delete_message_seconds"`
		}
		if err := r.decode(&p); err != nil {
			return err
		}
		res, err := s.svc.BulkBan(r.ctx, r.id.UserID, gid, p.UserIDs, p.DeleteMessageSeconds)
		if err != nil {
			return fmt.Errorf("bulk ban: %w", err)
		}
		return r.ok(res)
	})
}

func (r *request) guildBanUser() (gid, uid snowflake.ID, err error) {
	gid, err = r.pathID("guild_id", guilds.ErrUnknownGuild)
	if err != nil {
		return 0, 0, err
	}
	uid, err = r.pathID("user_id", guilds.ErrUnknownUser)
	return gid, uid, err
}

// auditReason is the URL-decoded X-Audit-Log-Reason header, nil when absent.
func (r *request) auditReason() *string {
	raw := r.c.Get("X-Audit-Log-Reason")
	if raw == "" {
		return nil
	}
	reason, err := url.PathUnescape(raw)
	if err != nil {
		reason = raw
	}
	reason = string([]byte(reason)) // detach from Fiber's buffer
	return &reason
}
