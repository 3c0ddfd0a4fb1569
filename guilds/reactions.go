package guilds

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// EmojiRef is an emoji named in a reaction URL: unicode text, or a custom emoji as name:id
// (Discord also accepts a:name:id and a bare id in some clients).
type EmojiRef struct {
	ID       snowflake.ID
	Name     string
	Animated bool
}

// ParseEmoji reads the {emoji} path segment of the reaction routes.
func ParseEmoji(segment string) (EmojiRef, error) {
	s, err := url.PathUnescape(segment)
	if err != nil || s == "" {
		return EmojiRef{}, ErrUnknownEmoji
	}
	parts := strings.Split(s, ":")
	switch len(parts) {
	case 1:
		if id, err := snowflake.Parse(s); err == nil {
			return EmojiRef{ID: id}, nil
		}
		if strings.ContainsAny(s, "<>") || len([]rune(s)) > 16 {
			return EmojiRef{}, ErrUnknownEmoji
		}
		return EmojiRef{Name: s}, nil
	case 2:
		id, err := snowflake.Parse(parts[1])
		if err != nil {
			return EmojiRef{}, ErrUnknownEmoji
		}
		return EmojiRef{ID: id, Name: parts[0]}, nil
	case 3:
		id, err := snowflake.Parse(parts[2])
		if err != nil || parts[0] != "a" {
			return EmojiRef{}, ErrUnknownEmoji
		}
		return EmojiRef{ID: id, Name: parts[1], Animated: true}, nil
	}
	return EmojiRef{}, ErrUnknownEmoji
}

func (e EmojiRef) key() string {
	if e.ID != 0 {
		return e.ID.String()
	}
	return e.Name
}

func reactionEmoji(r storage.Reaction) opcodes.PartialEmoji {
	name := r.EmojiName
	return opcodes.PartialEmoji{ID: ptrID(r.EmojiID), Name: &name, Animated: r.EmojiID != 0 && r.EmojiAnimated}
}

// reactionTarget checks access for a reaction route and loads the message.
func (s *Service) reactionTarget(ctx context.Context, actor, channelID, messageID snowflake.ID) (storage.Channel, opcodes.Permissions, storage.Message, error) {
	ch, perms, err := s.channelAccess(ctx, actor, channelID)
	if err != nil {
		return ch, 0, storage.Message{}, err
	}
	if !perms.Has(opcodes.PermReadMessageHistory) {
		return ch, 0, storage.Message{}, ErrMissingAccess
	}
	m, err := s.store.Messages().Get(ctx, channelID, messageID)
	if err != nil {
		return ch, 0, storage.Message{}, notFound(err, ErrUnknownMessage, "load message")
	}
	return ch, perms, m, nil
}

// reactionEvent scopes a reaction event to the DM's recipients or the channel's viewers.
func reactionEvent(ch storage.Channel, name opcodes.EventName) events.Event {
	if ch.GuildID == 0 {
		return events.Event{Name: name, UserIDs: ch.Recipients}
	}
	return events.Event{Name: name, GuildID: ch.GuildID, ChannelID: ch.ID}
}

// AddReaction is PUT /channels/{c}/messages/{m}/reactions/{emoji}/@me. A new emoji on the
// message needs ADD_REACTIONS; joining an existing reaction needs only READ_MESSAGE_HISTORY.
// Custom emojis must exist in the channel's guild.
func (s *Service) AddReaction(ctx context.Context, actor, channelID, messageID snowflake.ID, e EmojiRef, burst bool) error {
	ch, perms, m, err := s.reactionTarget(ctx, actor, channelID, messageID)
	if err != nil {
		return err
	}
	if e.ID != 0 {
		if ch.GuildID == 0 {
			return ErrUnknownEmoji
		}
		em, err := s.store.Emojis().Get(ctx, ch.GuildID, e.ID)
		if err != nil {
			return notFound(err, ErrUnknownEmoji, "load emoji")
		}
		e.Name, e.Animated = em.Name, em.Animated
	}
	existing, err := s.store.Reactions().ListUsers(ctx, messageID, e.key(), burst, 0, 1)
	if err != nil {
		return fmt.Errorf("list reactions: %w", err)
	}
	if len(existing) == 0 && !perms.Has(opcodes.PermAddReactions) {
		return ErrMissingPermissions
	}
	r := storage.Reaction{ChannelID: channelID, MessageID: messageID, EmojiKey: e.key(), EmojiID: e.ID,
		EmojiName: e.Name, EmojiAnimated: e.Animated, UserID: actor, Burst: burst, CreatedAt: s.now()}
	if err := s.store.Reactions().Add(ctx, r); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			return nil // Discord answers 204 to a repeated reaction
		}
		return fmt.Errorf("add reaction: %w", err)
	}
	d := opcodes.MessageReactionAdd{UserID: actor, ChannelID: channelID, MessageID: messageID,
		GuildID: ptrID(ch.GuildID), Emoji: reactionEmoji(r), MessageAuthorID: ptrID(m.AuthorID),
		Burst: burst, BurstColors: []string{}}
	if burst {
		d.Type = 1
	}
	if ch.GuildID != 0 {
		if mem, err := s.store.Members().Get(ctx, ch.GuildID, actor); err == nil {
			if u, err := s.store.Users().Get(ctx, actor); err == nil {
				ms := memberShape(mem, &u)
				d.Member = &ms
			}
		}
	}
	s.publish(ctx, reactionEvent(ch, opcodes.EventMessageReactionAdd), d)
	return nil
}

// RemoveReaction removes one user's reaction: one's own freely, another's with
// MANAGE_MESSAGES.
func (s *Service) RemoveReaction(ctx context.Context, actor, channelID, messageID snowflake.ID, e EmojiRef, userID snowflake.ID) error {
	ch, perms, _, err := s.reactionTarget(ctx, actor, channelID, messageID)
	if err != nil {
		return err
	}
	if userID != actor && (ch.GuildID == 0 || !perms.Has(opcodes.PermManageMessages)) {
		return ErrMissingPermissions
	}
	if err := s.store.Reactions().Remove(ctx, messageID, e.key(), userID); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return nil // removing an absent reaction is a no-op in Discord
		}
		return fmt.Errorf("remove reaction: %w", err)
	}
	name := e.Name
	d := opcodes.MessageReactionRemove{UserID: userID, ChannelID: channelID, MessageID: messageID,
		GuildID: ptrID(ch.GuildID), Emoji: opcodes.PartialEmoji{ID: ptrID(e.ID), Name: &name, Animated: e.Animated}}
	s.publish(ctx, reactionEvent(ch, opcodes.EventMessageReactionRemove), d)
	return nil
}

// RemoveAllReactions is DELETE /channels/{c}/messages/{m}/reactions: MANAGE_MESSAGES.
func (s *Service) RemoveAllReactions(ctx context.Context, actor, channelID, messageID snowflake.ID) error {
	ch, perms, _, err := s.reactionTarget(ctx, actor, channelID, messageID)
	if err != nil {
		return err
	}
	if ch.GuildID == 0 || !perms.Has(opcodes.PermManageMessages) {
		return ErrMissingPermissions
	}
	if err := s.store.Reactions().RemoveAll(ctx, messageID); err != nil {
		return fmt.Errorf("remove reactions: %w", err)
	}
	s.publish(ctx, reactionEvent(ch, opcodes.EventMessageReactionRemoveAll),
		opcodes.MessageReactionRemoveAll{ChannelID: channelID, MessageID: messageID, GuildID: ptrID(ch.GuildID)})
	return nil
}

// RemoveEmojiReactions is DELETE /channels/{c}/messages/{m}/reactions/{emoji}: MANAGE_MESSAGES.
func (s *Service) RemoveEmojiReactions(ctx context.Context, actor, channelID, messageID snowflake.ID, e EmojiRef) error {
	ch, perms, _, err := s.reactionTarget(ctx, actor, channelID, messageID)
	if err != nil {
		return err
	}
	if ch.GuildID == 0 || !perms.Has(opcodes.PermManageMessages) {
		return ErrMissingPermissions
	}
	if err := s.store.Reactions().RemoveEmoji(ctx, messageID, e.key()); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			return nil
		}
		return fmt.Errorf("remove emoji reactions: %w", err)
	}
	name := e.Name
	s.publish(ctx, reactionEvent(ch, opcodes.EventMessageReactionRemoveEmoji),
		opcodes.MessageReactionRemoveEmoji{ChannelID: channelID, MessageID: messageID, GuildID: ptrID(ch.GuildID),
			Emoji: opcodes.PartialEmoji{ID: ptrID(e.ID), Name: &name, Animated: e.Animated}})
	return nil
}

// ReactionUsers is GET /channels/{c}/messages/{m}/reactions/{emoji} (after, limit 1–100,
// type 0 normal / 1 burst).
func (s *Service) ReactionUsers(ctx context.Context, actor, channelID, messageID snowflake.ID, e EmojiRef, burst bool, after snowflake.ID, limit int) ([]opcodes.User, error) {
	if _, _, _, err := s.reactionTarget(ctx, actor, channelID, messageID); err != nil {
		return nil, err
	}
	var v validator
	if limit < 1 || limit > 100 {
		v.add("limit", "NUMBER_TYPE_MAX", "int value should be between 1 and 100.")
		return nil, v.err()
	}
	ids, err := s.store.Reactions().ListUsers(ctx, messageID, e.key(), burst, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list reaction users: %w", err)
	}
	users, err := s.usersByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]opcodes.User, 0, len(ids))
	for _, id := range ids {
		if u, ok := users[id]; ok {
			out = append(out, userShape(u))
		}
	}
	return out, nil
}

// reactionSummaries aggregates reactions per message in first-reacted order, marking the
// viewer's own.
func (s *Service) reactionSummaries(ctx context.Context, viewer snowflake.ID, msgIDs []snowflake.ID) (map[snowflake.ID][]opcodes.Reaction, error) {
	if len(msgIDs) == 0 {
		return nil, nil
	}
	rs, err := s.store.Reactions().ListForMessages(ctx, msgIDs)
	if err != nil {
		return nil, fmt.Errorf("list reactions: %w", err)
	}
	out := make(map[snowflake.ID][]opcodes.Reaction)
	index := make(map[string]int) // message/emoji → position in out[message]
	for _, r := range rs {
		k := r.MessageID.String() + "/" + r.EmojiKey
		i, ok := index[k]
		if !ok {
			out[r.MessageID] = append(out[r.MessageID], opcodes.Reaction{Emoji: reactionEmoji(r), BurstColors: []string{}})
			i = len(out[r.MessageID]) - 1
			index[k] = i
		}
		agg := &out[r.MessageID][i]
		agg.Count++
		if r.Burst {
			agg.CountDetails.Burst++
			agg.MeBurst = agg.MeBurst || r.UserID == viewer
		} else {
			agg.CountDetails.Normal++
			agg.Me = agg.Me || r.UserID == viewer
		}
	}
	return out, nil
}
