package guilds

import (
	"context"
	"errors"
	"fmt"
	"slices"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// maxStickers is a guild's sticker slots without boosts (Parley has no boosting: tier 0).
const maxStickers = 5

// maxMessageStickers is how many sticker_ids one message may carry.
const maxMessageStickers = 3

// CreateStickerParams is POST /guilds/{id}/stickers: multipart form fields and the file.
type CreateStickerParams struct {
	Name        string
	Description string
	Tags        string
	Files       []File
}

// ModifyStickerParams is PATCH /guilds/{id}/stickers/{id}; nil fields are left alone.
type ModifyStickerParams struct {
	Name        *string                  `json:"name"`
	Description opcodes.Nullable[string] `json:"description"`
	Tags        *string                  `json:"tags"`
}

func validateSticker(v *validator, name, description, tags string) {
	v.length("name", name, 2, 30)
	if n := len([]rune(description)); n != 0 && (n < 2 || n > 100) {
		v.length("description", description, 2, 100)
	}
	if tags == "" {
		v.required("tags")
	} else {
		v.length("tags", tags, 1, 200)
	}
}

func stickerShape(st storage.Sticker, creator *storage.User) opcodes.Sticker {
	o := opcodes.Sticker{ID: st.ID, Name: st.Name, Tags: st.Tags, Type: opcodes.StickerTypeGuild,
		FormatType: st.FormatType, Available: st.Available, GuildID: ptrID(st.GuildID)}
	if st.Description != "" {
		o.Description = &st.Description
	}
	if creator != nil {
		u := userShape(*creator)
		o.User = &u
	}
	return o
}

func (s *Service) stickerShapes(ctx context.Context, sts []storage.Sticker, withUser bool) ([]opcodes.Sticker, error) {
	var users map[snowflake.ID]storage.User
	if withUser {
		ids := make([]snowflake.ID, len(sts))
		for i, st := range sts {
			ids[i] = st.CreatorID
		}
		var err error
		if users, err = s.usersByID(ctx, ids); err != nil {
			return nil, err
		}
	}
	out := make([]opcodes.Sticker, 0, len(sts))
	for _, st := range sts {
		var creator *storage.User
		if u, ok := users[st.CreatorID]; ok {
			creator = &u
		}
		out = append(out, stickerShape(st, creator))
	}
	return out, nil
}

// guildStickers is a guild's stickers as GUILD_CREATE and the guild object carry them.
func (s *Service) guildStickers(ctx context.Context, guildID snowflake.ID) ([]opcodes.Sticker, error) {
	sts, err := s.store.Stickers().ListByGuild(ctx, guildID)
	if err != nil {
		return nil, fmt.Errorf("list stickers: %w", err)
	}
	return s.stickerShapes(ctx, sts, false)
}

// Stickers is GET /guilds/{id}/stickers: members; user for expression managers.
func (s *Service) Stickers(ctx context.Context, actor, guildID snowflake.ID) ([]opcodes.Sticker, error) {
	withUser, err := s.emojiReader(ctx, actor, guildID)
	if err != nil {
		return nil, err
	}
	sts, err := s.store.Stickers().ListByGuild(ctx, guildID)
	if err != nil {
		return nil, fmt.Errorf("list stickers: %w", err)
	}
	return s.stickerShapes(ctx, sts, withUser)
}

// GuildSticker is GET /guilds/{id}/stickers/{id}.
func (s *Service) GuildSticker(ctx context.Context, actor, guildID, stickerID snowflake.ID) (opcodes.Sticker, error) {
	withUser, err := s.emojiReader(ctx, actor, guildID)
	if err != nil {
		return opcodes.Sticker{}, err
	}
	st, err := s.store.Stickers().Get(ctx, stickerID)
	if err != nil {
		return opcodes.Sticker{}, notFound(err, ErrUnknownSticker, "load sticker")
	}
	if st.GuildID != guildID {
		return opcodes.Sticker{}, ErrUnknownSticker
	}
	out, err := s.stickerShapes(ctx, []storage.Sticker{st}, withUser)
	if err != nil {
		return opcodes.Sticker{}, err
	}
	return out[0], nil
}

// Sticker is GET /stickers/{id}: any sticker by ID, as Discord serves it to anyone who has
// seen it in a message; no user field.
func (s *Service) Sticker(ctx context.Context, stickerID snowflake.ID) (opcodes.Sticker, error) {
	st, err := s.store.Stickers().Get(ctx, stickerID)
	if err != nil {
		return opcodes.Sticker{}, notFound(err, ErrUnknownSticker, "load sticker")
	}
	return stickerShape(st, nil), nil
}

// StickerPacks is GET /sticker-packs: Parley has no Nitro sticker packs, so the list is empty.
func (s *Service) StickerPacks(context.Context) opcodes.StickerPacks {
	return opcodes.StickerPacks{StickerPacks: []opcodes.StickerPack{}}
}

// StickerPack is GET /sticker-packs/{id}: always 10061, there are no packs.
func (s *Service) StickerPack(context.Context, snowflake.ID) (opcodes.StickerPack, error) {
	return opcodes.StickerPack{}, ErrUnknownStickerPack
}

// StickerFile is a sticker's uploaded bytes for the CDN route.
type StickerFile struct {
	FormatType int
	Data       []byte
}

// StickerImage is the CDN's /stickers/{id}.{ext}: public, as Discord's CDN is.
func (s *Service) StickerImage(ctx context.Context, stickerID snowflake.ID) (StickerFile, error) {
	st, err := s.store.Stickers().Get(ctx, stickerID)
	if err != nil {
		return StickerFile{}, notFound(err, ErrUnknownSticker, "load sticker")
	}
	return StickerFile{FormatType: st.FormatType, Data: st.Image}, nil
}

// publishStickers sends GUILD_STICKERS_UPDATE with the guild's full sticker list.
func (s *Service) publishStickers(ctx context.Context, guildID snowflake.ID) {
	list, err := s.guildStickers(ctx, guildID)
	if err != nil {
		s.log.WarnContext(ctx, "publish stickers", "guild_id", guildID, "err", err)
		return
	}
	s.publish(ctx, events.Event{Name: opcodes.EventGuildStickersUpdate, GuildID: guildID},
		opcodes.GuildStickersUpdate{GuildID: guildID, Stickers: list})
}

// CreateSticker is POST /guilds/{id}/stickers: CREATE_GUILD_EXPRESSIONS or
// MANAGE_GUILD_EXPRESSIONS; a PNG, APNG, GIF (≤ 320 × 320) or, in VERIFIED or PARTNERED
// guilds, Lottie JSON file of at most 512 KiB; five stickers per guild. Publishes
// GUILD_STICKERS_UPDATE.
func (s *Service) CreateSticker(ctx context.Context, actor, guildID snowflake.ID, p CreateStickerParams) (opcodes.Sticker, error) {
	perms, err := s.memberGuildPerms(ctx, guildID, actor)
	if err != nil {
		return opcodes.Sticker{}, err
	}
	if perms&(opcodes.PermCreateGuildExpressions|opcodes.PermManageGuildExpressions) == 0 {
		return opcodes.Sticker{}, ErrMissingPermissions
	}
	var v validator
	validateSticker(&v, p.Name, p.Description, p.Tags)
	if len(p.Files) == 0 {
		v.required("file")
	}
	if err := v.err(); err != nil {
		return opcodes.Sticker{}, err
	}
	data := p.Files[0].Data
	if len(data) > maxStickerBytes {
		v.add("file", "BINARY_TYPE_MAX_SIZE", "File cannot be larger than 512.0 kb.")
		return opcodes.Sticker{}, v.err()
	}
	format := stickerFormat(data)
	if format == 0 {
		return opcodes.Sticker{}, ErrInvalidFile
	}
	if format == opcodes.StickerFormatLottie {
		g, err := s.store.Guilds().Get(ctx, guildID)
		if err != nil {
			return opcodes.Sticker{}, notFound(err, ErrUnknownGuild, "load guild")
		}
		if !slices.Contains(g.Features, "VERIFIED") && !slices.Contains(g.Features, "PARTNERED") {
			return opcodes.Sticker{}, ErrInvalidFile
		}
	}
	existing, err := s.store.Stickers().ListByGuild(ctx, guildID)
	if err != nil {
		return opcodes.Sticker{}, fmt.Errorf("list stickers: %w", err)
	}
	if len(existing) >= maxStickers {
		return opcodes.Sticker{}, ErrMaxStickers
	}
	creator, err := s.store.Users().Get(ctx, actor)
	if err != nil {
		return opcodes.Sticker{}, notFound(err, ErrUnauthorized, "load user")
	}
	st := storage.Sticker{ID: s.ids.Next(), GuildID: guildID, Name: p.Name, Description: p.Description, Tags: p.Tags,
		FormatType: format, Available: true, CreatorID: actor, Image: data}
	if err := s.store.Stickers().Create(ctx, st); err != nil {
		return opcodes.Sticker{}, fmt.Errorf("create sticker: %w", err)
	}
	s.audit(ctx, auditEntry{GuildID: guildID, Action: opcodes.AuditStickerCreate, ActorID: actor, TargetID: st.ID})
	s.publishStickers(ctx, guildID)
	return stickerShape(st, &creator), nil
}

// stickerManager loads a sticker and checks actor may edit or delete it, as for emojis.
func (s *Service) stickerManager(ctx context.Context, actor, guildID, stickerID snowflake.ID) (storage.Sticker, error) {
	perms, err := s.memberGuildPerms(ctx, guildID, actor)
	if err != nil {
		return storage.Sticker{}, err
	}
	st, err := s.store.Stickers().Get(ctx, stickerID)
	if err != nil {
		return st, notFound(err, ErrUnknownSticker, "load sticker")
	}
	if st.GuildID != guildID {
		return st, ErrUnknownSticker
	}
	if !perms.Has(opcodes.PermManageGuildExpressions) &&
		!(st.CreatorID == actor && perms.Has(opcodes.PermCreateGuildExpressions)) {
		return st, ErrMissingPermissions
	}
	return st, nil
}

// ModifySticker is PATCH /guilds/{id}/stickers/{id}; publishes GUILD_STICKERS_UPDATE.
func (s *Service) ModifySticker(ctx context.Context, actor, guildID, stickerID snowflake.ID, p ModifyStickerParams) (opcodes.Sticker, error) {
	st, err := s.stickerManager(ctx, actor, guildID, stickerID)
	if err != nil {
		return opcodes.Sticker{}, err
	}
	if p.Name != nil {
		st.Name = *p.Name
	}
	if p.Description.Set {
		st.Description = p.Description.Value
	}
	if p.Tags != nil {
		st.Tags = *p.Tags
	}
	var v validator
	validateSticker(&v, st.Name, st.Description, st.Tags)
	if err := v.err(); err != nil {
		return opcodes.Sticker{}, err
	}
	st.Image = nil
	if err := s.store.Stickers().Update(ctx, st); err != nil {
		return opcodes.Sticker{}, notFound(err, ErrUnknownSticker, "update sticker")
	}
	var creator *storage.User
	if u, err := s.store.Users().Get(ctx, st.CreatorID); err == nil {
		creator = &u
	} else if !errors.Is(err, storage.ErrNotFound) {
		return opcodes.Sticker{}, fmt.Errorf("load creator: %w", err)
	}
	s.audit(ctx, auditEntry{GuildID: guildID, Action: opcodes.AuditStickerUpdate, ActorID: actor, TargetID: st.ID})
	s.publishStickers(ctx, guildID)
	return stickerShape(st, creator), nil
}

// DeleteSticker is DELETE /guilds/{id}/stickers/{id}; publishes GUILD_STICKERS_UPDATE.
func (s *Service) DeleteSticker(ctx context.Context, actor, guildID, stickerID snowflake.ID) error {
	if _, err := s.stickerManager(ctx, actor, guildID, stickerID); err != nil {
		return err
	}
	if err := s.store.Stickers().Delete(ctx, guildID, stickerID); err != nil {
		return notFound(err, ErrUnknownSticker, "delete sticker")
	}
	s.audit(ctx, auditEntry{GuildID: guildID, Action: opcodes.AuditStickerDelete, ActorID: actor, TargetID: stickerID})
	s.publishStickers(ctx, guildID)
	return nil
}
