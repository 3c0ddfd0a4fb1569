package rest

import (
	"errors"
	"fmt"
	"strings"

	"github.com/parley-chat/parley/guilds"
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
func (s *Server) reactionRoutes() {
	const base = "/channels/{channel_id}/messages/{message_id}/reactions"
	handle := func(method, path string, _ authMode, h handler) {
		s.handle(method, path, anyone, reactionErrors(h))
	}
	handle("PUT", base+"/{emoji_name}/@me", anyone, func(r *request) error {
		cid, mid, e, err := r.reactionTarget()
		if err != nil {
			return err
		}
		burst, err := r.reactionType()
		if err != nil {
			return err
		}
		if err := s.svc.AddReaction(r.ctx, r.id.UserID, cid, mid, e, burst); err != nil {
			return fmt.Errorf("add reaction: %w", err)
		}
		return r.noContent()
	})
	handle("DELETE", base+"/{emoji_name}/@me", anyone, func(r *request) error {
		cid, mid, e, err := r.reactionTarget()
		if err != nil {
			return err
		}
		if err := s.svc.RemoveReaction(r.ctx, r.id.UserID, cid, mid, e, r.id.UserID); err != nil {
			return fmt.Errorf("remove own reaction: %w", err)
		}
		return r.noContent()
	})
	handle("DELETE", base+"/{emoji_name}/{user_id}", anyone, func(r *request) error {
		cid, mid, e, err := r.reactionTarget()
		if err != nil {
			return err
		}
		uid, err := r.pathID("user_id", guilds.ErrUnknownUser)
		if err != nil {
			return err
		}
		if err := s.svc.RemoveReaction(r.ctx, r.id.UserID, cid, mid, e, uid); err != nil {
			return fmt.Errorf("remove reaction: %w", err)
		}
		return r.noContent()
	})
	handle("GET", base+"/{emoji_name}", anyone, func(r *request) error {
		cid, mid, e, err := r.reactionTarget()
		if err != nil {
			return err
		}
		burst, err := r.reactionType()
		if err != nil {
			return err
		}
		after, err := r.queryID("after")
		if err != nil {
			return err
		}
		limit, err := r.queryInt("limit", 25, 1, 100)
		if err != nil {
			return err
		}
		us, err := s.svc.ReactionUsers(r.ctx, r.id.UserID, cid, mid, e, burst, after, limit)
		if err != nil {
			return fmt.Errorf("reaction users: %w", err)
		}
		return r.ok(us)
	})
	handle("DELETE", base+"/{emoji_name}", anyone, func(r *request) error {
		cid, mid, e, err := r.reactionTarget()
		if err != nil {
			return err
		}
		if err := s.svc.RemoveEmojiReactions(r.ctx, r.id.UserID, cid, mid, e); err != nil {
			return fmt.Errorf("remove emoji reactions: %w", err)
		}
		return r.noContent()
	})
	handle("DELETE", base, anyone, func(r *request) error {
		cid, mid, err := r.channelMessage()
		if err != nil {
			return err
		}
		if err := s.svc.RemoveAllReactions(r.ctx, r.id.UserID, cid, mid); err != nil {
			return fmt.Errorf("remove all reactions: %w", err)
		}
		return r.noContent()
	})
}

// reactionTarget parses {channel_id}, {message_id} and {emoji_name}.
func (r *request) reactionTarget() (cid, mid snowflake.ID, e guilds.EmojiRef, err error) {
	cid, mid, err = r.channelMessage()
	if err != nil {
		return 0, 0, e, err
	}
	e, err = guilds.ParseEmoji(strings.Clone(r.c.Params("emoji_name")))
	if err != nil {
		return 0, 0, e, errUnknownEmojiReaction
	}
	return cid, mid, e, nil
}

// reactionType reads ?type: 0 normal (default), 1 burst (super reaction).
func (r *request) reactionType() (bool, error) {
	t, err := r.queryInt("type", 0, 0, 1)
	return t == 1, err
}

// reactionErrors answers an unknown emoji on the reaction routes with 400, as Discord does
// (10014 is a 404 on the emoji routes).
func reactionErrors(h handler) handler {
	return func(r *request) error {
		err := h(r)
		if err != nil && errors.Is(err, guilds.ErrUnknownEmoji) {
			return errUnknownEmojiReaction
		}
		return err
	}
}
