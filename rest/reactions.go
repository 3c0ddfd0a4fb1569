package rest

import (
	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// reactionRoutes ({emoji_name} is a URL-encoded unicode emoji or a custom "name:id"):
//
//	PUT    .../messages/{message_id}/reactions/{emoji_name}/@me        ?type(0|1) → 204
//	DELETE .../messages/{message_id}/reactions/{emoji_name}/@me        → 204
//	DELETE .../messages/{message_id}/reactions/{emoji_name}/{user_id}  → 204
//	GET    .../messages/{message_id}/reactions/{emoji_name}            ?after&limit(1-100, 25)&type → users
//	DELETE .../messages/{message_id}/reactions/{emoji_name}            → 204
//	DELETE .../messages/{message_id}/reactions                         → 204
//
// An unknown emoji is 400 10014 on these routes, as Discord answers (10014 is a 404 on the
// emoji routes).
func (s *Server) reactionRoutes() []*route {
	const base = "/channels/{channel_id}/messages/{message_id}/reactions"
	type reaction struct {
		inMessage
		Emoji guilds.EmojiRef `path:"emoji_name"`
	}
	type add struct {
		reaction
		Type int `query:"type" default:"0" min:"0" max:"1"` // 1: burst (super reaction)
	}
	type userReaction struct {
		reaction
		UserID snowflake.ID `path:"user_id"`
	}
	type users struct {
		reaction
		Type  int          `query:"type" default:"0" min:"0" max:"1"`
		After snowflake.ID `query:"after"`
		Limit int          `query:"limit" default:"25" min:"1" max:"100"`
	}
	rs := []*route{
		do("PUT "+base+"/{emoji_name}/@me", "add_my_message_reaction", anyone, func(c *call, p add) error {
			return s.svc.AddReaction(c.ctx, c.user, p.ChannelID, p.MessageID, p.Emoji, p.Type == 1)
		}),
		do("DELETE "+base+"/{emoji_name}/@me", "delete_my_message_reaction", anyone, func(c *call, p reaction) error {
			return s.svc.RemoveReaction(c.ctx, c.user, p.ChannelID, p.MessageID, p.Emoji, c.user)
		}),
		do("DELETE "+base+"/{emoji_name}/{user_id}", "delete_user_message_reaction", anyone, func(c *call, p userReaction) error {
			return s.svc.RemoveReaction(c.ctx, c.user, p.ChannelID, p.MessageID, p.Emoji, p.UserID)
		}),
		op("GET "+base+"/{emoji_name}", "list_message_reactions_by_emoji", anyone, func(c *call, p users) ([]opcodes.User, error) {
			return s.svc.ReactionUsers(c.ctx, c.user, p.ChannelID, p.MessageID, p.Emoji, p.Type == 1, p.After, p.Limit)
		}),
		do("DELETE "+base+"/{emoji_name}", "delete_all_message_reactions_by_emoji", anyone, func(c *call, p reaction) error {
			return s.svc.RemoveEmojiReactions(c.ctx, c.user, p.ChannelID, p.MessageID, p.Emoji)
		}),
		do("DELETE "+base, "delete_all_message_reactions", anyone, func(c *call, p inMessage) error {
			return s.svc.RemoveAllReactions(c.ctx, c.user, p.ChannelID, p.MessageID)
		}),
	}
	for _, rt := range rs {
		rt.remapErr(guilds.ErrUnknownEmoji, errUnknownEmojiReaction)
	}
	return rs
}
