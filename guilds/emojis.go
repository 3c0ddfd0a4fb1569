package guilds

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"regexp"
	"strings"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// maxEmojisPerKind is a guild's emoji limit without boosts: 50 static and 50 animated.
const maxEmojisPerKind = 50

var emojiNamePattern = regexp.MustCompile(`^[A-Za-z0-9_]+$`)

// EmojiParams is POST /guilds/{id}/emojis.
type EmojiParams struct {
	Name  string         `json:"name"`
	Image string         `json:"image"`
	Roles []snowflake.ID `json:"roles"`
}

// ModifyEmojiParams is PATCH /guilds/{id}/emojis/{emoji}. Nil fields are left alone.
type ModifyEmojiParams struct {
	Name  *string         `json:"name"`
	Roles *[]snowflake.ID `json:"roles"`
}

// validateEmojiName: 2–32 characters of [A-Za-z0-9_].
func validateEmojiName(v *validator, name string) {
	n := len([]rune(name))
	if n < 2 || n > 32 {
		v.length("name", name, 2, 32)
		return
	}
	if !emojiNamePattern.MatchString(name) {
		v.add("name", "STRING_TYPE_REGEX", "String value did not match validation regex.")
	}
}

// validateEmojiRoles checks every role belongs to the guild (and is not @everyone).
func (s *Service) validateEmojiRoles(ctx context.Context, v *validator, guildID snowflake.ID, roles []snowflake.ID) ([]snowflake.ID, error) {
	roles = dedupe(roles)
	if len(roles) == 0 {
		return []snowflake.ID{}, nil
	}
	gp, err := s.perms.get(ctx, guildID)
	if err != nil {
		return nil, err
	}
	for _, r := range roles {
		if _, ok := gp.rolePerms[r]; !ok || r == guildID {
			v.add("roles", "ROLE_INVALID", "Unknown role "+r.String())
		}
	}
	return roles, nil
}

// emojiImageError tells an oversized image (Discord's BINARY_TYPE_MAX_SIZE) from an invalid one.
func emojiImageError(v *validator, uri string) {
	if _, payload, ok := strings.Cut(uri, ","); ok && strings.HasPrefix(uri, "data:") {
		if n, err := base64.StdEncoding.DecodeString(payload); err == nil && len(n) > maxImageBytes {
			v.add("image", "BINARY_TYPE_MAX_SIZE", "File cannot be larger than 256.0 kb.")
			return
		}
	}
	v.add("image", "IMAGE_INVALID", "Invalid image data")
}

// emojiReader returns whether actor may see emoji creators: Discord includes user only for
// holders of CREATE_GUILD_EXPRESSIONS or MANAGE_GUILD_EXPRESSIONS.
func (s *Service) emojiReader(ctx context.Context, actor, guildID snowflake.ID) (bool, error) {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return false, err
	}
	perms, err := s.GuildPermissions(ctx, guildID, actor)
	if err != nil {
		return false, err
	}
	return perms&(opcodes.PermCreateGuildExpressions|opcodes.PermManageGuildExpressions) != 0, nil
}

func (s *Service) emojiShapes(ctx context.Context, es []storage.Emoji, withUser bool) ([]opcodes.Emoji, error) {
	var users map[snowflake.ID]storage.User
	if withUser {
		ids := make([]snowflake.ID, len(es))
		for i, e := range es {
			ids[i] = e.CreatorID
		}
		var err error
		if users, err = s.usersByID(ctx, ids); err != nil {
			return nil, err
		}
	}
	out := make([]opcodes.Emoji, 0, len(es))
	for _, e := range es {
		var creator *storage.User
		if u, ok := users[e.CreatorID]; ok {
			creator = &u
		}
		out = append(out, emojiShape(e, creator))
	}
	return out, nil
}

// Emojis is GET /guilds/{id}/emojis: members only.
func (s *Service) Emojis(ctx context.Context, actor, guildID snowflake.ID) ([]opcodes.Emoji, error) {
	withUser, err := s.emojiReader(ctx, actor, guildID)
	if err != nil {
		return nil, err
	}
	es, err := s.store.Emojis().ListByGuild(ctx, guildID)
	if err != nil {
		return nil, fmt.Errorf("list emojis: %w", err)
	}
	return s.emojiShapes(ctx, es, withUser)
}

// Emoji is GET /guilds/{id}/emojis/{emoji}: members only; ErrUnknownEmoji.
func (s *Service) Emoji(ctx context.Context, actor, guildID, emojiID snowflake.ID) (opcodes.Emoji, error) {
	withUser, err := s.emojiReader(ctx, actor, guildID)
	if err != nil {
		return opcodes.Emoji{}, err
	}
	e, err := s.store.Emojis().Get(ctx, guildID, emojiID)
	if err != nil {
		return opcodes.Emoji{}, notFound(err, ErrUnknownEmoji, "load emoji")
	}
	out, err := s.emojiShapes(ctx, []storage.Emoji{e}, withUser)
	if err != nil {
		return opcodes.Emoji{}, err
	}
	return out[0], nil
}

// publishEmojis sends GUILD_EMOJIS_UPDATE with the guild's full emoji list.
func (s *Service) publishEmojis(ctx context.Context, guildID snowflake.ID) error {
	es, err := s.store.Emojis().ListByGuild(ctx, guildID)
	if err != nil {
		return fmt.Errorf("list emojis: %w", err)
	}
	list := make([]opcodes.Emoji, 0, len(es))
	for _, e := range es {
		list = append(list, emojiShape(e, nil))
	}
	s.publish(ctx, events.Event{Name: opcodes.EventGuildEmojisUpdate, GuildID: guildID},
		opcodes.GuildEmojisUpdate{GuildID: guildID, Emojis: list})
	return nil
}

// CreateEmoji is POST /guilds/{id}/emojis: CREATE_GUILD_EXPRESSIONS or
// MANAGE_GUILD_EXPRESSIONS; a 2–32 character [A-Za-z0-9_] name, a data URI image of at most
// 256 KiB (GIF makes it animated), roles of the guild. A guild holds 50 static and 50
// animated emojis. Publishes GUILD_EMOJIS_UPDATE.
func (s *Service) CreateEmoji(ctx context.Context, actor, guildID snowflake.ID, p EmojiParams) (opcodes.Emoji, error) {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return opcodes.Emoji{}, err
	}
	perms, err := s.GuildPermissions(ctx, guildID, actor)
	if err != nil {
		return opcodes.Emoji{}, err
	}
	if perms&(opcodes.PermCreateGuildExpressions|opcodes.PermManageGuildExpressions) == 0 {
		return opcodes.Emoji{}, ErrMissingPermissions
	}
	var v validator
	validateEmojiName(&v, p.Name)
	var data []byte
	var animated bool
	if p.Image == "" {
		v.required("image")
	} else if data, animated, err = decodeImage(p.Image); err != nil {
		emojiImageError(&v, p.Image)
	}
	roles, err := s.validateEmojiRoles(ctx, &v, guildID, p.Roles)
	if err != nil {
		return opcodes.Emoji{}, err
	}
	if err := v.err(); err != nil {
		return opcodes.Emoji{}, err
	}
	existing, err := s.store.Emojis().ListByGuild(ctx, guildID)
	if err != nil {
		return opcodes.Emoji{}, fmt.Errorf("list emojis: %w", err)
	}
	same := 0
	for _, e := range existing {
		if e.Animated == animated {
			same++
		}
	}
	if same >= maxEmojisPerKind {
		return opcodes.Emoji{}, ErrMaxEmojis
	}
	creator, err := s.store.Users().Get(ctx, actor)
	if err != nil {
		return opcodes.Emoji{}, notFound(err, ErrUnauthorized, "load user")
	}
	e := storage.Emoji{
		ID:        s.ids.Next(),
		GuildID:   guildID,
		Name:      p.Name,
		Roles:     roles,
		CreatorID: actor,
		Animated:  animated,
		Available: true,
		Image:     data,
	}
	if err := s.store.Emojis().Create(ctx, e); err != nil {
		return opcodes.Emoji{}, fmt.Errorf("create emoji: %w", err)
	}
	if err := s.publishEmojis(ctx, guildID); err != nil {
		s.log.WarnContext(ctx, "publish emojis", "guild_id", guildID, "err", err)
	}
	s.audit(ctx, auditEntry{GuildID: guildID, Action: opcodes.AuditEmojiCreate, ActorID: actor, TargetID: e.ID,
		Changes: fieldChanges(nil, emojiFields(e))})
	return emojiShape(e, &creator), nil
}

// emojiManager loads an emoji and checks actor may edit or delete it:
// MANAGE_GUILD_EXPRESSIONS, or CREATE_GUILD_EXPRESSIONS for an emoji the actor created.
func (s *Service) emojiManager(ctx context.Context, actor, guildID, emojiID snowflake.ID) (storage.Emoji, error) {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return storage.Emoji{}, err
	}
	e, err := s.store.Emojis().Get(ctx, guildID, emojiID)
	if err != nil {
		return storage.Emoji{}, notFound(err, ErrUnknownEmoji, "load emoji")
	}
	perms, err := s.GuildPermissions(ctx, guildID, actor)
	if err != nil {
		return storage.Emoji{}, err
	}
	if !perms.Has(opcodes.PermManageGuildExpressions) &&
		!(e.CreatorID == actor && perms.Has(opcodes.PermCreateGuildExpressions)) {
		return storage.Emoji{}, ErrMissingPermissions
	}
	return e, nil
}

// ModifyEmoji is PATCH /guilds/{id}/emojis/{emoji}; publishes GUILD_EMOJIS_UPDATE.
func (s *Service) ModifyEmoji(ctx context.Context, actor, guildID, emojiID snowflake.ID, p ModifyEmojiParams) (opcodes.Emoji, error) {
	e, err := s.emojiManager(ctx, actor, guildID, emojiID)
	if err != nil {
		return opcodes.Emoji{}, err
	}
	before := e
	var v validator
	if p.Name != nil {
		validateEmojiName(&v, *p.Name)
		e.Name = *p.Name
	}
	if p.Roles != nil {
		roles, err := s.validateEmojiRoles(ctx, &v, guildID, *p.Roles)
		if err != nil {
			return opcodes.Emoji{}, err
		}
		e.Roles = roles
	}
	if err := v.err(); err != nil {
		return opcodes.Emoji{}, err
	}
	if err := s.store.Emojis().Update(ctx, e); err != nil {
		return opcodes.Emoji{}, notFound(err, ErrUnknownEmoji, "update emoji")
	}
	var creator *storage.User
	if u, err := s.store.Users().Get(ctx, e.CreatorID); err == nil {
		creator = &u
	} else if !errors.Is(err, storage.ErrNotFound) {
		return opcodes.Emoji{}, fmt.Errorf("load creator: %w", err)
	}
	if err := s.publishEmojis(ctx, guildID); err != nil {
		s.log.WarnContext(ctx, "publish emojis", "guild_id", guildID, "err", err)
	}
	if c := fieldChanges(emojiFields(before), emojiFields(e)); len(c) > 0 {
		s.audit(ctx, auditEntry{GuildID: guildID, Action: opcodes.AuditEmojiUpdate, ActorID: actor, TargetID: e.ID, Changes: c})
	}
	return emojiShape(e, creator), nil
}

// DeleteEmoji is DELETE /guilds/{id}/emojis/{emoji}; publishes GUILD_EMOJIS_UPDATE.
func (s *Service) DeleteEmoji(ctx context.Context, actor, guildID, emojiID snowflake.ID) error {
	e, err := s.emojiManager(ctx, actor, guildID, emojiID)
	if err != nil {
		return err
	}
	if err := s.store.Emojis().Delete(ctx, guildID, emojiID); err != nil {
		return notFound(err, ErrUnknownEmoji, "delete emoji")
	}
	if err := s.publishEmojis(ctx, guildID); err != nil {
		s.log.WarnContext(ctx, "publish emojis", "guild_id", guildID, "err", err)
	}
	s.audit(ctx, auditEntry{GuildID: guildID, Action: opcodes.AuditEmojiDelete, ActorID: actor, TargetID: emojiID,
		Changes: fieldChanges(emojiFields(e), nil)})
	return nil
}
