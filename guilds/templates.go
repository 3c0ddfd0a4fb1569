package guilds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// Guild templates: a snapshot of a guild's settings, roles (without managed ones) and
// channels (with role overwrites), from which new guilds are created. Discord allows one
// template per guild.

var (
	// ErrUnknownTemplate: no template with that code.
	ErrUnknownTemplate = errors.New("guilds: unknown guild template")
	// ErrTemplateExists: the guild already has its one template.
	ErrTemplateExists = errors.New("guilds: guild already has a template")
)

const (
	templateCodeLen      = 12
	templateCodeAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"
)

// snapshot is the guild as a template records it. Roles are numbered from 0 (@everyone) in
// position order, channels from 1 in list order; references use those numbers.
func (s *Service) snapshot(ctx context.Context, guildID snowflake.ID) (opcodes.TemplateGuild, error) {
	g, err := s.store.Guilds().Get(ctx, guildID)
	if err != nil {
		return opcodes.TemplateGuild{}, notFound(err, ErrUnknownGuild, "load guild")
	}
	roles, err := s.store.Roles().ListByGuild(ctx, guildID)
	if err != nil {
		return opcodes.TemplateGuild{}, fmt.Errorf("list roles: %w", err)
	}
	chans, err := s.store.Channels().ListByGuild(ctx, guildID)
	if err != nil {
		return opcodes.TemplateGuild{}, fmt.Errorf("list channels: %w", err)
	}
	out := opcodes.TemplateGuild{
		Name: g.Name, Description: g.Description, VerificationLevel: g.VerificationLevel,
		DefaultMessageNotifications: g.DefaultMessageNotifications, ExplicitContentFilter: g.ExplicitContentFilter,
		PreferredLocale: g.PreferredLocale, AFKTimeout: g.AFKTimeout, SystemChannelFlags: g.SystemChannelFlags,
		Roles: []opcodes.TemplateRole{}, Channels: []opcodes.TemplateChannel{},
	}
	if out.PreferredLocale == "" {
		out.PreferredLocale = "en-US"
	}
	roleNum := map[snowflake.ID]int{guildID: 0}
	add := func(r storage.Role, n int) {
		roleNum[r.ID] = n
		out.Roles = append(out.Roles, opcodes.TemplateRole{
			ID: n, Name: r.Name, Permissions: opcodes.Permissions(r.Permissions), Color: r.Colors.Primary,
			Colors: &opcodes.TemplateRoleColors{Primary: r.Colors.Primary, Secondary: r.Colors.Secondary, Tertiary: r.Colors.Tertiary},
			Hoist:  r.Hoist, Mentionable: r.Mentionable, Icon: r.Icon, UnicodeEmoji: r.UnicodeEmoji,
		})
	}
	for _, r := range roles {
		if r.ID == guildID {
			add(r, 0)
		}
	}
	for _, r := range roles {
		if r.ID != guildID && !r.Managed {
			add(r, len(out.Roles))
		}
	}
	chanNum := map[snowflake.ID]snowflake.ID{}
	for i, ch := range chans {
		chanNum[ch.ID] = snowflake.ID(i + 1)
	}
	ref := func(id snowflake.ID) *snowflake.ID {
		if n, ok := chanNum[id]; ok {
			return &n
		}
		return nil
	}
	out.AFKChannelID, out.SystemChannelID = ref(g.AFKChannelID), ref(g.SystemChannelID)
	for i, ch := range chans {
		t := opcodes.ChannelType(ch.Type)
		switch t {
		case opcodes.ChannelGuildText, opcodes.ChannelGuildVoice, opcodes.ChannelGuildCategory, opcodes.ChannelGuildForum:
		default:
			continue // the types a template can carry
		}
		tc := opcodes.TemplateChannel{
			ID: i + 1, Type: t, Name: ch.Name, Position: ch.Position, Topic: ch.Topic, Bitrate: ch.Bitrate,
			UserLimit: ch.UserLimit, NSFW: ch.NSFW, RateLimitPerUser: ch.RateLimitPerUser, ParentID: ref(ch.ParentID),
			PermissionOverwrites: []opcodes.TemplateOverwrite{},
		}
		if t == opcodes.ChannelGuildVoice && tc.Bitrate == 0 {
			tc.Bitrate = 64000
		}
		for _, ow := range ch.Overwrites {
			n, ok := roleNum[ow.ID]
			if ow.Type != opcodes.OverwriteRole || !ok {
				continue // member overwrites and managed roles do not travel
			}
			tc.PermissionOverwrites = append(tc.PermissionOverwrites, opcodes.TemplateOverwrite{
				ID: snowflake.ID(n), Type: opcodes.OverwriteRole, Allow: opcodes.Permissions(ow.Allow), Deny: opcodes.Permissions(ow.Deny)})
		}
		out.Channels = append(out.Channels, tc)
	}
	return out, nil
}

// templateShape renders t; dirty says whether the guild changed since the last sync (nil
// when the guild is gone).
func (s *Service) templateShape(ctx context.Context, t storage.Template) (opcodes.Template, error) {
	var src opcodes.TemplateGuild
	if err := json.Unmarshal(t.Source, &src); err != nil {
		return opcodes.Template{}, fmt.Errorf("decode template snapshot: %w", err)
	}
	out := opcodes.Template{
		Code: t.Code, Name: t.Name, Description: t.Description, UsageCount: t.UsageCount, CreatorID: t.CreatorID,
		CreatedAt: opcodes.NewTimestamp(t.CreatedAt), UpdatedAt: opcodes.NewTimestamp(t.UpdatedAt),
		SourceGuildID: t.GuildID, SerializedSourceGuild: src,
	}
	if u, err := s.store.Users().Get(ctx, t.CreatorID); err == nil {
		us := userShape(u)
		out.Creator = &us
	}
	now, err := s.snapshot(ctx, t.GuildID)
	if err == nil {
		cur, err := json.Marshal(now)
		if err != nil {
			return opcodes.Template{}, fmt.Errorf("encode snapshot: %w", err)
		}
		dirty := string(cur) != string(t.Source)
		out.IsDirty = &dirty
	} else if !errors.Is(err, ErrUnknownGuild) {
		return opcodes.Template{}, err
	}
	return out, nil
}

// Template is GET /guilds/templates/{code}: public.
func (s *Service) Template(ctx context.Context, code string) (opcodes.Template, error) {
	t, err := s.store.Templates().Get(ctx, code)
	if err != nil {
		return opcodes.Template{}, notFound(err, ErrUnknownTemplate, "load template")
	}
	return s.templateShape(ctx, t)
}

// Templates is GET /guilds/{id}/templates: MANAGE_GUILD.
func (s *Service) Templates(ctx context.Context, actor, guildID snowflake.ID) ([]opcodes.Template, error) {
	if _, err := s.requireGuildAdmin(ctx, guildID, actor, opcodes.PermManageGuild); err != nil {
		return nil, err
	}
	ts, err := s.store.Templates().ListByGuild(ctx, guildID)
	if err != nil {
		return nil, fmt.Errorf("list templates: %w", err)
	}
	out := make([]opcodes.Template, 0, len(ts))
	for _, t := range ts {
		sh, err := s.templateShape(ctx, t)
		if err != nil {
			return nil, err
		}
		out = append(out, sh)
	}
	return out, nil
}

// TemplateParams is POST /guilds/{id}/templates and, with both optional, PATCH.
type TemplateParams struct {
	Name        *string                  `json:"name"`
	Description opcodes.Nullable[string] `json:"description"`
}

func validateTemplate(v *validator, p TemplateParams, create bool) {
	if p.Name == nil {
		if create {
			v.required("name")
		}
	} else {
		v.length("name", *p.Name, 1, 100)
	}
	if p.Description.Set && !p.Description.Null {
		v.length("description", p.Description.Value, 0, 120)
	}
}

// CreateTemplate is POST /guilds/{id}/templates: MANAGE_GUILD; one per guild (30031).
func (s *Service) CreateTemplate(ctx context.Context, actor, guildID snowflake.ID, p TemplateParams) (opcodes.Template, error) {
	if _, err := s.requireGuildAdmin(ctx, guildID, actor, opcodes.PermManageGuild); err != nil {
		return opcodes.Template{}, err
	}
	var v validator
	validateTemplate(&v, p, true)
	if err := v.err(); err != nil {
		return opcodes.Template{}, err
	}
	existing, err := s.store.Templates().ListByGuild(ctx, guildID)
	if err != nil {
		return opcodes.Template{}, fmt.Errorf("list templates: %w", err)
	}
	if len(existing) > 0 {
		return opcodes.Template{}, ErrTemplateExists
	}
	snap, err := s.snapshot(ctx, guildID)
	if err != nil {
		return opcodes.Template{}, err
	}
	src, err := json.Marshal(snap)
	if err != nil {
		return opcodes.Template{}, fmt.Errorf("encode snapshot: %w", err)
	}
	now := s.now()
	t := storage.Template{Code: randomString(templateCodeLen, templateCodeAlphabet), GuildID: guildID, Name: *p.Name,
		Description: p.Description.Ptr(), CreatorID: actor, CreatedAt: now, UpdatedAt: now, Source: src}
	if err := s.store.Templates().Create(ctx, t); err != nil {
		return opcodes.Template{}, fmt.Errorf("create template: %w", err)
	}
	return s.templateShape(ctx, t)
}

// guildTemplate loads code and checks it belongs to guildID and actor has MANAGE_GUILD.
func (s *Service) guildTemplate(ctx context.Context, actor, guildID snowflake.ID, code string) (storage.Template, error) {
	if _, err := s.requireGuildAdmin(ctx, guildID, actor, opcodes.PermManageGuild); err != nil {
		return storage.Template{}, err
	}
	t, err := s.store.Templates().Get(ctx, code)
	if err != nil {
		return storage.Template{}, notFound(err, ErrUnknownTemplate, "load template")
	}
	if t.GuildID != guildID {
		return storage.Template{}, ErrUnknownTemplate
	}
	return t, nil
}

// SyncTemplate is PUT /guilds/{id}/templates/{code}: MANAGE_GUILD; the snapshot is taken anew.
func (s *Service) SyncTemplate(ctx context.Context, actor, guildID snowflake.ID, code string) (opcodes.Template, error) {
	t, err := s.guildTemplate(ctx, actor, guildID, code)
	if err != nil {
		return opcodes.Template{}, err
	}
	snap, err := s.snapshot(ctx, guildID)
	if err != nil {
		return opcodes.Template{}, err
	}
	if t.Source, err = json.Marshal(snap); err != nil {
		return opcodes.Template{}, fmt.Errorf("encode snapshot: %w", err)
	}
	t.UpdatedAt = s.now()
	if err := s.store.Templates().Update(ctx, t); err != nil {
		return opcodes.Template{}, notFound(err, ErrUnknownTemplate, "sync template")
	}
	return s.templateShape(ctx, t)
}

// ModifyTemplate is PATCH /guilds/{id}/templates/{code}: MANAGE_GUILD.
func (s *Service) ModifyTemplate(ctx context.Context, actor, guildID snowflake.ID, code string, p TemplateParams) (opcodes.Template, error) {
	t, err := s.guildTemplate(ctx, actor, guildID, code)
	if err != nil {
		return opcodes.Template{}, err
	}
	var v validator
	validateTemplate(&v, p, false)
	if err := v.err(); err != nil {
		return opcodes.Template{}, err
	}
	if p.Name != nil {
		t.Name = *p.Name
	}
	if p.Description.Set {
		t.Description = p.Description.Ptr()
	}
	t.UpdatedAt = s.now()
	if err := s.store.Templates().Update(ctx, t); err != nil {
		return opcodes.Template{}, notFound(err, ErrUnknownTemplate, "update template")
	}
	return s.templateShape(ctx, t)
}

// DeleteTemplate is DELETE /guilds/{id}/templates/{code}: MANAGE_GUILD; answers the template.
func (s *Service) DeleteTemplate(ctx context.Context, actor, guildID snowflake.ID, code string) (opcodes.Template, error) {
	t, err := s.guildTemplate(ctx, actor, guildID, code)
	if err != nil {
		return opcodes.Template{}, err
	}
	out, err := s.templateShape(ctx, t)
	if err != nil {
		return opcodes.Template{}, err
	}
	if err := s.store.Templates().Delete(ctx, code); err != nil {
		return opcodes.Template{}, notFound(err, ErrUnknownTemplate, "delete template")
	}
	return out, nil
}

// CreateGuildFromTemplateParams is POST /guilds/templates/{code}.
type CreateGuildFromTemplateParams struct {
	Name string  `json:"name"`
	Icon *string `json:"icon"`
}

// CreateGuildFromTemplate is POST /guilds/templates/{code} (Discord's, deprecated and absent
// from its spec): a new guild owned by actor with the snapshot's settings, roles and channels.
func (s *Service) CreateGuildFromTemplate(ctx context.Context, actor snowflake.ID, code string, p CreateGuildFromTemplateParams) (opcodes.Guild, error) {
	t, err := s.store.Templates().Get(ctx, code)
	if err != nil {
		return opcodes.Guild{}, notFound(err, ErrUnknownTemplate, "load template")
	}
	owner, err := s.store.Users().Get(ctx, actor)
	if err != nil {
		return opcodes.Guild{}, notFound(err, ErrUnauthorized, "load owner")
	}
	var src opcodes.TemplateGuild
	if err := json.Unmarshal(t.Source, &src); err != nil {
		return opcodes.Guild{}, fmt.Errorf("decode template snapshot: %w", err)
	}
	var v validator
	p.Name = strings.TrimSpace(p.Name)
	v.length("name", p.Name, 2, 100)
	var icon *string
	if p.Icon != nil {
		h, err := imageHash(*p.Icon)
		if err != nil {
			v.add("icon", "IMAGE_INVALID", "Invalid image data")
		}
		icon = &h
	}
	if err := v.err(); err != nil {
		return opcodes.Guild{}, err
	}
	now := s.now()
	gid := s.ids.Next()
	g := storage.Guild{
		ID: gid, Name: p.Name, OwnerID: owner.ID, Icon: icon, Description: src.Description, PreferredLocale: src.PreferredLocale,
		VerificationLevel: src.VerificationLevel, DefaultMessageNotifications: src.DefaultMessageNotifications,
		ExplicitContentFilter: src.ExplicitContentFilter, AFKTimeout: src.AFKTimeout, SystemChannelFlags: src.SystemChannelFlags,
		Features: []string{}, CreatedAt: now,
	}
	ng := storage.NewGuild{Guild: g, Members: []storage.Member{{GuildID: gid, UserID: owner.ID, JoinedAt: now, Roles: []snowflake.ID{}}}}
	roleID := map[int]snowflake.ID{}
	for i, r := range src.Roles {
		id := gid
		if r.ID != 0 {
			id = s.ids.Next()
		}
		roleID[r.ID] = id
		colors := storage.RoleColors{Primary: r.Color}
		if r.Colors != nil {
			colors = storage.RoleColors{Primary: r.Colors.Primary, Secondary: r.Colors.Secondary, Tertiary: r.Colors.Tertiary}
		}
		ng.Roles = append(ng.Roles, storage.Role{ID: id, GuildID: gid, Name: r.Name, Permissions: uint64(r.Permissions),
			Colors: colors, Hoist: r.Hoist, Mentionable: r.Mentionable, Icon: r.Icon, UnicodeEmoji: r.UnicodeEmoji, Position: i})
	}
	if _, ok := roleID[0]; !ok {
		ng.Roles = append([]storage.Role{{ID: gid, GuildID: gid, Name: "@everyone", Permissions: uint64(opcodes.PermDefaultEveryone)}}, ng.Roles...)
	}
	chanID := map[snowflake.ID]snowflake.ID{}
	for _, c := range src.Channels {
		chanID[snowflake.ID(c.ID)] = s.ids.Next()
	}
	mapped := func(ref *snowflake.ID) snowflake.ID {
		if ref == nil {
			return 0
		}
		return chanID[*ref]
	}
	for _, c := range src.Channels {
		ch := storage.Channel{ID: chanID[snowflake.ID(c.ID)], GuildID: gid, Type: int(c.Type), Name: c.Name, Position: c.Position,
			Topic: c.Topic, NSFW: c.NSFW, ParentID: mapped(c.ParentID), RateLimitPerUser: c.RateLimitPerUser,
			Bitrate: c.Bitrate, UserLimit: c.UserLimit}
		for _, ow := range c.PermissionOverwrites {
			if id, ok := roleID[int(ow.ID)]; ok {
				ch.Overwrites = append(ch.Overwrites, storage.Overwrite{ID: id, Type: opcodes.OverwriteRole, Allow: uint64(ow.Allow), Deny: uint64(ow.Deny)})
			}
		}
		ng.Channels = append(ng.Channels, ch)
	}
	ng.Guild.AFKChannelID, ng.Guild.SystemChannelID = mapped(src.AFKChannelID), mapped(src.SystemChannelID)
	if err := s.store.Guilds().Create(ctx, ng); err != nil {
		return opcodes.Guild{}, fmt.Errorf("create guild from template: %w", err)
	}
	if _, err := s.store.Templates().Use(ctx, code); err != nil {
		s.log.WarnContext(ctx, "count template use", "err", err)
	}
	s.publish(ctx, events.Event{Name: opcodes.EventGuildMemberAdd, GuildID: gid, Subject: owner.ID},
		s.memberAddShape(gid, ng.Members[0], owner))
	return guildShape(ng.Guild, ng.Roles, nil), nil
}
