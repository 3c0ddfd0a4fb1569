package rest

import (
	"fmt"

	"github.com/parley-chat/parley/guilds"
)

// channelRoutes:
//
//	GET    /guilds/{guild_id}/channels
//	POST   /guilds/{guild_id}/channels        {name, type=0, ...} → 201
//	PATCH  /guilds/{guild_id}/channels        [{id, position?, lock_permissions?, parent_id?}] → 204
//	GET    /channels/{channel_id}
//	PATCH  /channels/{channel_id}
//	DELETE /channels/{channel_id}             → the deleted channel
//	PUT    /channels/{channel_id}/permissions/{overwrite_id}  {type, allow?, deny?} → 204
//	DELETE /channels/{channel_id}/permissions/{overwrite_id}  → 204
//	POST   /channels/{channel_id}/typing      → 204
func (s *Server) channelRoutes() {
	s.handle("GET", "/guilds/{guild_id}/channels", anyone, func(r *request) error {
		gid, err := r.pathID("guild_id", guilds.ErrUnknownGuild)
		if err != nil {
			return err
		}
		cs, err := s.svc.GuildChannels(r.ctx, r.id.UserID, gid)
		if err != nil {
			return fmt.Errorf("guild channels: %w", err)
		}
		return r.ok(cs)
	})
	s.handle("POST", "/guilds/{guild_id}/channels", anyone, func(r *request) error {
		gid, err := r.pathID("guild_id", guilds.ErrUnknownGuild)
		if err != nil {
			return err
		}
		var p guilds.ChannelParams
		if err := r.decode(&p); err != nil {
			return err
		}
		if p.Type == nil {
			text := 0
			p.Type = &text
		}
		ch, err := s.svc.CreateChannel(r.ctx, r.id.UserID, gid, p)
		if err != nil {
			return fmt.Errorf("create channel: %w", err)
		}
		return r.created(ch)
	})
	s.handle("PATCH", "/guilds/{guild_id}/channels", anyone, func(r *request) error {
		gid, err := r.pathID("guild_id", guilds.ErrUnknownGuild)
		if err != nil {
			return err
		}
		var ps []guilds.ChannelPosition
		if err := r.decode(&ps); err != nil {
			return err
		}
		if err := s.svc.ReorderChannels(r.ctx, r.id.UserID, gid, ps); err != nil {
			return fmt.Errorf("reorder channels: %w", err)
		}
		return r.noContent()
	})
	s.handle("GET", "/channels/{channel_id}", anyone, func(r *request) error {
		cid, err := r.pathID("channel_id", guilds.ErrUnknownChannel)
		if err != nil {
			return err
		}
		ch, err := s.svc.Channel(r.ctx, r.id.UserID, cid)
		if err != nil {
			return fmt.Errorf("get channel: %w", err)
		}
		return r.ok(ch)
	})
	s.handle("PATCH", "/channels/{channel_id}", anyone, func(r *request) error {
		cid, err := r.pathID("channel_id", guilds.ErrUnknownChannel)
		if err != nil {
			return err
		}
		var p guilds.ChannelParams
		if err := r.decode(&p); err != nil {
			return err
		}
		ch, err := s.svc.ModifyChannel(r.ctx, r.id.UserID, cid, p)
		if err != nil {
			return fmt.Errorf("modify channel: %w", err)
		}
		return r.ok(ch)
	})
	s.handle("DELETE", "/channels/{channel_id}", anyone, func(r *request) error {
		cid, err := r.pathID("channel_id", guilds.ErrUnknownChannel)
		if err != nil {
			return err
		}
		ch, err := s.svc.DeleteChannel(r.ctx, r.id.UserID, cid)
		if err != nil {
			return fmt.Errorf("delete channel: %w", err)
		}
		return r.ok(ch)
	})
	s.handle("PUT", "/channels/{channel_id}/permissions/{overwrite_id}", anyone, func(r *request) error {
		cid, err := r.pathID("channel_id", guilds.ErrUnknownChannel)
		if err != nil {
			return err
		}
		oid, err := r.pathID("overwrite_id", guilds.ErrUnknownRole)
		if err != nil {
			return err
		}
		var p guilds.OverwriteParams
		if err := r.decode(&p); err != nil {
			return err
		}
		p.ID = oid
		if err := s.svc.EditOverwrite(r.ctx, r.id.UserID, cid, p); err != nil {
			return fmt.Errorf("edit overwrite: %w", err)
		}
		return r.noContent()
	})
	s.handle("DELETE", "/channels/{channel_id}/permissions/{overwrite_id}", anyone, func(r *request) error {
		cid, err := r.pathID("channel_id", guilds.ErrUnknownChannel)
		if err != nil {
			return err
		}
		oid, err := r.pathID("overwrite_id", guilds.ErrUnknownRole)
		if err != nil {
			return err
		}
		if err := s.svc.DeleteOverwrite(r.ctx, r.id.UserID, cid, oid); err != nil {
			return fmt.Errorf("delete overwrite: %w", err)
		}
		return r.noContent()
	})
	s.handle("POST", "/channels/{channel_id}/typing", anyone, func(r *request) error {
		cid, err := r.pathID("channel_id", guilds.ErrUnknownChannel)
		if err != nil {
			return err
		}
		if err := s.svc.TriggerTyping(r.ctx, r.id.UserID, cid); err != nil {
			return fmt.Errorf("trigger typing: %w", err)
		}
		return r.noContent()
	})
}
