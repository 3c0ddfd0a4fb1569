package rest

import (
	"fmt"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/snowflake"
)

// emojiRoutes:
//
//	GET    /guilds/{guild_id}/emojis
//	POST   /guilds/{guild_id}/emojis             {name, image (data URI), roles?} → 201
//	GET    /guilds/{guild_id}/emojis/{emoji_id}
//	PATCH  /guilds/{guild_id}/emojis/{emoji_id}  {name?, roles?}
//	DELETE /guilds/{guild_id}/emojis/{emoji_id}  → 204
func (s *Server) emojiRoutes() {
	s.handle("GET", "/guilds/{guild_id}/emojis", anyone, func(r *request) error {
		gid, err := r.pathID("guild_id", guilds.ErrUnknownGuild)
		if err != nil {
			return err
		}
		es, err := s.svc.Emojis(r.ctx, r.id.UserID, gid)
		if err != nil {
			return fmt.Errorf("list emojis: %w", err)
		}
		return r.ok(es)
	})
	s.handle("POST", "/guilds/{guild_id}/emojis", anyone, func(r *request) error {
		gid, err := r.pathID("guild_id", guilds.ErrUnknownGuild)
		if err != nil {
			return err
		}
		var p guilds.EmojiParams
		if err := r.decode(&p); err != nil {
			return err
		}
		e, err := s.svc.CreateEmoji(r.ctx, r.id.UserID, gid, p)
		if err != nil {
			return fmt.Errorf("create emoji: %w", err)
		}
		return r.created(e)
	})
	s.handle("GET", "/guilds/{guild_id}/emojis/{emoji_id}", anyone, func(r *request) error {
		gid, eid, err := r.guildEmoji()
		if err != nil {
			return err
		}
		e, err := s.svc.Emoji(r.ctx, r.id.UserID, gid, eid)
		if err != nil {
			return fmt.Errorf("get emoji: %w", err)
		}
		return r.ok(e)
	})
	s.handle("PATCH", "/guilds/{guild_id}/emojis/{emoji_id}", anyone, func(r *request) error {
		gid, eid, err := r.guildEmoji()
		if err != nil {
			return err
		}
		var p guilds.ModifyEmojiParams
		if err := r.decode(&p); err != nil {
			return err
		}
		e, err := s.svc.ModifyEmoji(r.ctx, r.id.UserID, gid, eid, p)
		if err != nil {
			return fmt.Errorf("modify emoji: %w", err)
		}
		return r.ok(e)
	})
	s.handle("DELETE", "/guilds/{guild_id}/emojis/{emoji_id}", anyone, func(r *request) error {
		gid, eid, err := r.guildEmoji()
		if err != nil {
			return err
		}
		if err := s.svc.DeleteEmoji(r.ctx, r.id.UserID, gid, eid); err != nil {
			return fmt.Errorf("delete emoji: %w", err)
		}
		return r.noContent()
	})
}

func (r *request) guildEmoji() (gid, eid snowflake.ID, err error) {
	gid, err = r.pathID("guild_id", guilds.ErrUnknownGuild)
	if err != nil {
		return 0, 0, err
	}
	eid, err = r.pathID("emoji_id", guilds.ErrUnknownEmoji)
	return gid, eid, err
}
