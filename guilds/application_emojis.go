package guilds

import (
	"context"
	"errors"
	"fmt"

	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// maxApplicationEmojis is Discord's per-application emoji limit.
const maxApplicationEmojis = 2000

// appEmojiOwner checks that actor is appID's own bot (Discord's 50001 otherwise) and that the
// application exists.
func (s *Service) appEmojiOwner(ctx context.Context, actor, appID snowflake.ID) error {
	if actor != appID {
		return ErrMissingAccess
	}
	if _, err := s.getApplication(ctx, appID); err != nil {
		return notFound(err, ErrUnknownApplication, "load application")
	}
	return nil
}

// appEmojiShape is an application emoji: no roles, the bot as user.
func appEmojiShape(e storage.Emoji, bot *storage.User) opcodes.Emoji {
	e.Roles = []snowflake.ID{}
	return emojiShape(e, bot)
}

// ApplicationEmojis is GET /applications/{id}/emojis: {items: [...]}.
func (s *Service) ApplicationEmojis(ctx context.Context, actor, appID snowflake.ID) (opcodes.ApplicationEmojis, error) {
	if err := s.appEmojiOwner(ctx, actor, appID); err != nil {
		return opcodes.ApplicationEmojis{}, err
	}
	es, err := s.store.ApplicationEmojis().ListByGuild(ctx, appID)
	if err != nil {
		return opcodes.ApplicationEmojis{}, fmt.Errorf("list application emojis: %w", err)
	}
	bot, err := s.store.Users().Get(ctx, appID)
	if err != nil {
		return opcodes.ApplicationEmojis{}, notFound(err, ErrUnknownApplication, "load bot")
	}
	out := opcodes.ApplicationEmojis{Items: make([]opcodes.Emoji, 0, len(es))}
	for _, e := range es {
		out.Items = append(out.Items, appEmojiShape(e, &bot))
	}
	return out, nil
}

// ApplicationEmoji is GET /applications/{id}/emojis/{emoji_id}.
func (s *Service) ApplicationEmoji(ctx context.Context, actor, appID, emojiID snowflake.ID) (opcodes.Emoji, error) {
	e, bot, err := s.loadAppEmoji(ctx, actor, appID, emojiID)
	if err != nil {
		return opcodes.Emoji{}, err
	}
	return appEmojiShape(e, &bot), nil
}

func (s *Service) loadAppEmoji(ctx context.Context, actor, appID, emojiID snowflake.ID) (storage.Emoji, storage.User, error) {
	if err := s.appEmojiOwner(ctx, actor, appID); err != nil {
		return storage.Emoji{}, storage.User{}, err
	}
	e, err := s.store.ApplicationEmojis().Get(ctx, appID, emojiID)
	if err != nil {
		return e, storage.User{}, notFound(err, ErrUnknownEmoji, "load application emoji")
	}
	bot, err := s.store.Users().Get(ctx, appID)
	if err != nil {
		return e, bot, notFound(err, ErrUnknownApplication, "load bot")
	}
	return e, bot, nil
}

// CreateApplicationEmoji is POST /applications/{id}/emojis: the guild emoji rules for name
// and image (2–32 characters of [A-Za-z0-9_], a data URI of at most 256 KiB), names unique
// within the application, at most 2000 emojis.
func (s *Service) CreateApplicationEmoji(ctx context.Context, actor, appID snowflake.ID, p EmojiParams) (opcodes.Emoji, error) {
	if err := s.appEmojiOwner(ctx, actor, appID); err != nil {
		return opcodes.Emoji{}, err
	}
	var v validator
	validateEmojiName(&v, p.Name)
	var data []byte
	var animated bool
	var err error
	if p.Image == "" {
		v.required("image")
	} else if data, animated, err = decodeImage(p.Image); err != nil {
		emojiImageError(&v, p.Image)
	}
	if err := v.err(); err != nil {
		return opcodes.Emoji{}, err
	}
	existing, err := s.store.ApplicationEmojis().ListByGuild(ctx, appID)
	if err != nil {
		return opcodes.Emoji{}, fmt.Errorf("list application emojis: %w", err)
	}
	if len(existing) >= maxApplicationEmojis {
		return opcodes.Emoji{}, ErrMaxApplicationEmojis
	}
	if err := uniqueAppEmojiName(&v, existing, 0, p.Name); err != nil {
		return opcodes.Emoji{}, err
	}
	bot, err := s.store.Users().Get(ctx, appID)
	if err != nil {
		return opcodes.Emoji{}, notFound(err, ErrUnknownApplication, "load bot")
	}
	e := storage.Emoji{ID: s.ids.Next(), GuildID: appID, Name: p.Name, Roles: []snowflake.ID{}, CreatorID: appID,
		Animated: animated, Available: true, Image: data}
	if err := s.store.ApplicationEmojis().Create(ctx, e); err != nil {
		return opcodes.Emoji{}, fmt.Errorf("create application emoji: %w", err)
	}
	return appEmojiShape(e, &bot), nil
}

// uniqueAppEmojiName: Discord refuses a second application emoji with the same name.
func uniqueAppEmojiName(v *validator, existing []storage.Emoji, self snowflake.ID, name string) error {
	for _, x := range existing {
		if x.ID != self && x.Name == name {
			v.add("name", "APPLICATION_EMOJI_NAME_ALREADY_TAKEN", "An emoji with this name already exists.")
			return v.err()
		}
	}
	return nil
}

// ModifyApplicationEmoji is PATCH /applications/{id}/emojis/{emoji_id}: only name changes.
func (s *Service) ModifyApplicationEmoji(ctx context.Context, actor, appID, emojiID snowflake.ID, p ModifyEmojiParams) (opcodes.Emoji, error) {
	e, bot, err := s.loadAppEmoji(ctx, actor, appID, emojiID)
	if err != nil {
		return opcodes.Emoji{}, err
	}
	if p.Name != nil {
		var v validator
		validateEmojiName(&v, *p.Name)
		if err := v.err(); err != nil {
			return opcodes.Emoji{}, err
		}
		existing, err := s.store.ApplicationEmojis().ListByGuild(ctx, appID)
		if err != nil {
			return opcodes.Emoji{}, fmt.Errorf("list application emojis: %w", err)
		}
		if err := uniqueAppEmojiName(&v, existing, e.ID, *p.Name); err != nil {
			return opcodes.Emoji{}, err
		}
		e.Name = *p.Name
	}
	e.Image = nil
	if err := s.store.ApplicationEmojis().Update(ctx, e); err != nil {
		return opcodes.Emoji{}, notFound(err, ErrUnknownEmoji, "update application emoji")
	}
	return appEmojiShape(e, &bot), nil
}

// DeleteApplicationEmoji is DELETE /applications/{id}/emojis/{emoji_id}.
func (s *Service) DeleteApplicationEmoji(ctx context.Context, actor, appID, emojiID snowflake.ID) error {
	if err := s.appEmojiOwner(ctx, actor, appID); err != nil {
		return err
	}
	if err := s.store.ApplicationEmojis().Delete(ctx, appID, emojiID); err != nil {
		return notFound(err, ErrUnknownEmoji, "delete application emoji")
	}
	return nil
}

// EmojiImage is the CDN's /emojis/{id}: a guild or application emoji's bytes, found by ID
// alone as the CDN path names no owner.
func (s *Service) EmojiImage(ctx context.Context, emojiID snowflake.ID) ([]byte, error) {
	for _, st := range []storage.EmojiStore{s.store.Emojis(), s.store.ApplicationEmojis()} {
		e, err := st.GetByID(ctx, emojiID)
		if err == nil {
			return e.Image, nil
		}
		if !errors.Is(err, storage.ErrNotFound) {
			return nil, fmt.Errorf("load emoji: %w", err)
		}
	}
	return nil, ErrUnknownEmoji
}
