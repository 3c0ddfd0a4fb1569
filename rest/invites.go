package rest

import (
	"fmt"

	"github.com/parley-chat/parley/guilds"
)

// inviteRoutes:
//
//	GET    /channels/{channel_id}/invites
//	POST   /channels/{channel_id}/invites  {max_age=86400, max_uses=0, temporary, unique}
//	GET    /guilds/{guild_id}/invites
//	GET    /invites/{code}                 ?with_counts (no auth needed)
//	DELETE /invites/{code}                 → the deleted invite
//	POST   /invites/{code}                 (user) accept: join the guild → the invite
func (s *Server) inviteRoutes() {
	s.handle("GET", "/channels/{channel_id}/invites", anyone, func(r *request) error {
		cid, err := r.pathID("channel_id", guilds.ErrUnknownChannel)
		if err != nil {
			return err
		}
		is, err := s.svc.ChannelInvites(r.ctx, r.id.UserID, cid)
		if err != nil {
			return fmt.Errorf("channel invites: %w", err)
		}
		return r.ok(is)
	})
	s.handle("POST", "/channels/{channel_id}/invites", anyone, func(r *request) error {
		cid, err := r.pathID("channel_id", guilds.ErrUnknownChannel)
		if err != nil {
			return err
		}
		var p guilds.InviteParams
		if err := r.decode(&p); err != nil {
			return err
		}
		inv, err := s.svc.CreateInvite(r.ctx, r.id.UserID, cid, p)
		if err != nil {
			return fmt.Errorf("create invite: %w", err)
		}
		return r.ok(inv)
	})
	s.handle("GET", "/guilds/{guild_id}/invites", anyone, func(r *request) error {
		gid, err := r.pathID("guild_id", guilds.ErrUnknownGuild)
		if err != nil {
			return err
		}
		is, err := s.svc.GuildInvites(r.ctx, r.id.UserID, gid)
		if err != nil {
			return fmt.Errorf("guild invites: %w", err)
		}
		return r.ok(is)
	})
	s.handle("GET", "/invites/{code}", public, func(r *request) error {
		counts, err := r.queryBool("with_counts")
		if err != nil {
			return err
		}
		inv, err := s.svc.Invite(r.ctx, r.pathString("code"), counts)
		if err != nil {
			return fmt.Errorf("get invite: %w", err)
		}
		return r.ok(inv)
	})
	s.handle("DELETE", "/invites/{code}", anyone, func(r *request) error {
		inv, err := s.svc.DeleteInvite(r.ctx, r.id.UserID, r.pathString("code"))
		if err != nil {
			return fmt.Errorf("delete invite: %w", err)
		}
		return r.ok(inv)
	})
	s.handle("POST", "/invites/{code}", humans, func(r *request) error {
		inv, err := s.svc.AcceptInvite(r.ctx, r.id.UserID, r.pathString("code"))
		if err != nil {
			return fmt.Errorf("accept invite: %w", err)
		}
		return r.ok(inv)
	})
}
