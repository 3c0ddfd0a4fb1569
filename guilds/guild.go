package guilds

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// CreateGuildParams is POST /guilds.
type CreateGuildParams struct {
	Name string  `json:"name"`
	Icon *string `json:"icon"`
}

// CreateGuild creates a guild owned by actor with its @everyone role (ID = guild ID), a
// "general" text channel and the owner as its first member, in one transaction.
func (s *Service) CreateGuild(ctx context.Context, actor snowflake.ID, p CreateGuildParams) (opcodes.Guild, error) {
	owner, err := s.store.Users().Get(ctx, actor)
	if err != nil {
		return opcodes.Guild{}, notFound(err, ErrUnauthorized, "load owner")
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
	if icon != nil {
		s.keepImage(ctx, CDNIcons, gid, *p.Icon)
	}
	general := storage.Channel{ID: s.ids.Next(), GuildID: gid, Type: int(opcodes.ChannelGuildText), Name: "general"}
	g := storage.Guild{
		ID: gid, Name: p.Name, OwnerID: owner.ID, Icon: icon, PreferredLocale: "en-US",
		SystemChannelID: general.ID, AFKTimeout: 300, Features: []string{}, CreatedAt: now,
	}
	everyone := storage.Role{ID: gid, GuildID: gid, Name: "@everyone", Permissions: uint64(opcodes.PermDefaultEveryone)}
	ng := storage.NewGuild{
		Guild:    g,
		Roles:    []storage.Role{everyone},
		Channels: []storage.Channel{general},
		Members:  []storage.Member{{GuildID: gid, UserID: owner.ID, JoinedAt: now, Roles: []snowflake.ID{}}},
	}
	if err := s.store.Guilds().Create(ctx, ng); err != nil {
		return opcodes.Guild{}, fmt.Errorf("create guild: %w", err)
	}
	out := guildShape(g, ng.Roles, nil)
	// The owner's sessions learn about the guild the way a joining member does.
	s.publish(ctx, events.Event{Name: opcodes.EventGuildMemberAdd, GuildID: gid, Subject: owner.ID},
		s.memberAddShape(gid, ng.Members[0], owner))
	return out, nil
}

func (s *Service) memberAddShape(guildID snowflake.ID, m storage.Member, u storage.User) opcodes.Member {
	o := memberShape(m, &u)
	o.GuildID = guildID
	return o
}

// loadGuild loads the guild row and checks actor is a member.
func (s *Service) loadGuild(ctx context.Context, guildID, actor snowflake.ID) (storage.Guild, error) {
	g, err := s.store.Guilds().Get(ctx, guildID)
	if err != nil {
		return storage.Guild{}, notFound(err, ErrUnknownGuild, "load guild")
	}
	if _, err := s.store.Members().Get(ctx, guildID, actor); err != nil {
		if errors.Is(err, storage.ErrNotFound) {
			// Discord hides guilds from non-members.
			return storage.Guild{}, ErrUnknownGuild
		}
		return storage.Guild{}, fmt.Errorf("load member: %w", err)
	}
	return g, nil
}

func (s *Service) guildFull(ctx context.Context, g storage.Guild) (opcodes.Guild, error) {
	roles, err := s.store.Roles().ListByGuild(ctx, g.ID)
	if err != nil {
		return opcodes.Guild{}, fmt.Errorf("list roles: %w", err)
	}
	emojis, err := s.store.Emojis().ListByGuild(ctx, g.ID)
	if err != nil {
		return opcodes.Guild{}, fmt.Errorf("list emojis: %w", err)
	}
	out := guildShape(g, roles, emojis)
	if out.Stickers, err = s.guildStickers(ctx, g.ID); err != nil {
		return opcodes.Guild{}, err
	}
	return out, nil
}

// Guild is GET /guilds/{id}; withCounts adds approximate member and presence counts.
func (s *Service) Guild(ctx context.Context, actor, guildID snowflake.ID, withCounts bool) (opcodes.Guild, error) {
	g, err := s.loadGuild(ctx, guildID, actor)
	if err != nil {
		return opcodes.Guild{}, err
	}
	out, err := s.guildFull(ctx, g)
	if err != nil {
		return opcodes.Guild{}, err
	}
	if withCounts {
		n, err := s.store.Members().Count(ctx, guildID)
		if err != nil {
			return opcodes.Guild{}, fmt.Errorf("count members: %w", err)
		}
		zero := 0
		out.ApproximateMemberCount = &n
		out.ApproximatePresenceCount = &zero
	}
	return out, nil
}

// GuildPreview is GET /guilds/{id}/preview (members only; Parley has no discovery).
func (s *Service) GuildPreview(ctx context.Context, actor, guildID snowflake.ID) (opcodes.GuildPreview, error) {
	g, err := s.Guild(ctx, actor, guildID, true)
	if err != nil {
		return opcodes.GuildPreview{}, err
	}
	return opcodes.GuildPreview{
		ID: g.ID, Name: g.Name, Icon: g.Icon, Emojis: g.Emojis, Features: g.Features,
		ApproximateMemberCount: *g.ApproximateMemberCount, ApproximatePresenceCount: 0,
		Description: g.Description, Stickers: g.Stickers,
	}, nil
}

// ModifyGuildParams is PATCH /guilds/{id}. Nil fields are left alone; a nil inside a non-nil
// double pointer clears the field.
type ModifyGuildParams struct {
	Name                        *string                        `json:"name"`
	Icon                        opcodes.Nullable[string]       `json:"icon"`
	Description                 opcodes.Nullable[string]       `json:"description"`
	VerificationLevel           *int                           `json:"verification_level"`
	DefaultMessageNotifications *int                           `json:"default_message_notifications"`
	ExplicitContentFilter       *int                           `json:"explicit_content_filter"`
	AFKChannelID                opcodes.Nullable[snowflake.ID] `json:"afk_channel_id"`
	AFKTimeout                  *int                           `json:"afk_timeout"`
	SystemChannelID             opcodes.Nullable[snowflake.ID] `json:"system_channel_id"`
	SystemChannelFlags          *int                           `json:"system_channel_flags"`
	RulesChannelID              opcodes.Nullable[snowflake.ID] `json:"rules_channel_id"`
	PublicUpdatesChannelID      opcodes.Nullable[snowflake.ID] `json:"public_updates_channel_id"`
	PreferredLocale             *string                        `json:"preferred_locale"`
	OwnerID                     *snowflake.ID                  `json:"owner_id"`
	PremiumProgressBarEnabled   *bool                          `json:"premium_progress_bar_enabled"`
}

// ModifyGuild needs MANAGE_GUILD (ownership transfer needs to be the owner).
func (s *Service) ModifyGuild(ctx context.Context, actor, guildID snowflake.ID, p ModifyGuildParams) (opcodes.Guild, error) {
	g, err := s.loadGuild(ctx, guildID, actor)
	if err != nil {
		return opcodes.Guild{}, err
	}
	if _, err := s.requireGuildPerm(ctx, guildID, actor, opcodes.PermManageGuild); err != nil {
		return opcodes.Guild{}, err
	}
	before := g
	var v validator
	if p.Name != nil {
		name := strings.TrimSpace(*p.Name)
		v.length("name", name, 2, 100)
		g.Name = name
	}
	if p.Icon.Set {
		g.Icon = nil
		if !p.Icon.Null {
			h, err := imageHash(p.Icon.Value)
			if err != nil {
				v.add("icon", "IMAGE_INVALID", "Invalid image data")
			} else {
				s.keepImage(ctx, CDNIcons, g.ID, p.Icon.Value)
			}
			g.Icon = &h
		}
	}
	if p.Description.Set {
		if !p.Description.Null {
			v.length("description", p.Description.Value, 0, 120)
		}
		g.Description = p.Description.Ptr()
	}
	intIn := func(field string, val *int, lo, hi int, dst *int) {
		if val == nil {
			return
		}
		if *val < lo || *val > hi {
			v.add(field, "BASE_TYPE_CHOICES", "Value must be one of the allowed choices.")
			return
		}
		*dst = *val
	}
	intIn("verification_level", p.VerificationLevel, 0, 4, &g.VerificationLevel)
	intIn("default_message_notifications", p.DefaultMessageNotifications, 0, 1, &g.DefaultMessageNotifications)
	intIn("explicit_content_filter", p.ExplicitContentFilter, 0, 2, &g.ExplicitContentFilter)
	if p.AFKTimeout != nil {
		if !slices.Contains([]int{60, 300, 900, 1800, 3600}, *p.AFKTimeout) {
			v.add("afk_timeout", "BASE_TYPE_CHOICES", "Value must be one of {60, 300, 900, 1800, 3600}.")
		} else {
			g.AFKTimeout = *p.AFKTimeout
		}
	}
	if p.SystemChannelFlags != nil {
		g.SystemChannelFlags = *p.SystemChannelFlags
	}
	if p.PreferredLocale != nil {
		g.PreferredLocale = *p.PreferredLocale
	}
	if p.PremiumProgressBarEnabled != nil {
		g.PremiumProgressBarEnabled = *p.PremiumProgressBarEnabled
	}
	channelRef := func(field string, val opcodes.Nullable[snowflake.ID], dst *snowflake.ID) {
		if !val.Set {
			return
		}
		if val.Null {
			*dst = 0
			return
		}
		ch, err := s.store.Channels().Get(ctx, val.Value)
		if err != nil || ch.GuildID != guildID {
			v.add(field, "CHANNEL_INVALID", "Invalid channel")
			return
		}
		*dst = ch.ID
	}
	channelRef("afk_channel_id", p.AFKChannelID, &g.AFKChannelID)
	channelRef("system_channel_id", p.SystemChannelID, &g.SystemChannelID)
	channelRef("rules_channel_id", p.RulesChannelID, &g.RulesChannelID)
	channelRef("public_updates_channel_id", p.PublicUpdatesChannelID, &g.PublicUpdatesChannelID)
	if p.OwnerID != nil && *p.OwnerID != g.OwnerID {
		if actor != g.OwnerID {
			return opcodes.Guild{}, ErrMissingPermissions
		}
		if _, err := s.store.Members().Get(ctx, guildID, *p.OwnerID); err != nil {
			v.add("owner_id", "GUILD_OWNER_INVALID", "Invalid owner")
		} else {
			g.OwnerID = *p.OwnerID
		}
	}
	if err := v.err(); err != nil {
		return opcodes.Guild{}, err
	}
	if err := s.store.Guilds().Update(ctx, g); err != nil {
		return opcodes.Guild{}, fmt.Errorf("update guild: %w", err)
	}
	out, err := s.guildFull(ctx, g)
	if err != nil {
		return opcodes.Guild{}, err
	}
	s.publish(ctx, events.Event{Name: opcodes.EventGuildUpdate, GuildID: guildID}, out)
	if c := fieldChanges(guildFields(before), guildFields(g)); len(c) > 0 {
		s.audit(ctx, auditEntry{GuildID: guildID, Action: opcodes.AuditGuildUpdate, ActorID: actor, TargetID: guildID, Changes: c})
	}
	return out, nil
}

// DeleteGuild is owner-only.
func (s *Service) DeleteGuild(ctx context.Context, actor, guildID snowflake.ID) error {
	g, err := s.loadGuild(ctx, guildID, actor)
	if err != nil {
		return err
	}
	if g.OwnerID != actor {
		return ErrMissingPermissions
	}
	if err := s.store.Guilds().Delete(ctx, guildID); err != nil {
		return fmt.Errorf("delete guild: %w", err)
	}
	s.publish(ctx, events.Event{Name: opcodes.EventGuildDelete, GuildID: guildID}, opcodes.GuildDelete{ID: guildID})
	return nil
}

// UserGuildIDs lists the guilds a user is in (for READY).
func (s *Service) UserGuildIDs(ctx context.Context, userID snowflake.ID) ([]snowflake.ID, error) {
	gs, err := s.store.Guilds().ListForUser(ctx, userID, 0, 0, 0)
	if err != nil {
		return nil, fmt.Errorf("list guilds: %w", err)
	}
	ids := make([]snowflake.ID, len(gs))
	for i, g := range gs {
		ids[i] = g.ID
	}
	return ids, nil
}

// CurrentUserGuilds is GET /users/@me/guilds.
func (s *Service) CurrentUserGuilds(ctx context.Context, userID, before, after snowflake.ID, limit int, withCounts bool) ([]opcodes.PartialGuild, error) {
	if limit <= 0 || limit > 200 {
		limit = 200
	}
	gs, err := s.store.Guilds().ListForUser(ctx, userID, before, after, limit)
	if err != nil {
		return nil, fmt.Errorf("list guilds: %w", err)
	}
	out := make([]opcodes.PartialGuild, 0, len(gs))
	for _, g := range gs {
		perms, err := s.GuildPermissions(ctx, g.ID, userID)
		if err != nil && !errors.Is(err, ErrMissingAccess) {
			return nil, err
		}
		owner := g.OwnerID == userID
		pg := opcodes.PartialGuild{ID: g.ID, Name: g.Name, Icon: g.Icon, Owner: &owner, Permissions: &perms, Features: g.Features}
		if pg.Features == nil {
			pg.Features = []string{}
		}
		if withCounts {
			n, err := s.store.Members().Count(ctx, g.ID)
			if err != nil {
				return nil, fmt.Errorf("count members: %w", err)
			}
			zero := 0
			pg.ApproximateMemberCount, pg.ApproximatePresenceCount = &n, &zero
		}
		out = append(out, pg)
	}
	return out, nil
}

// LeaveGuild is DELETE /users/@me/guilds/{id}.
func (s *Service) LeaveGuild(ctx context.Context, userID, guildID snowflake.ID) error {
	g, err := s.loadGuild(ctx, guildID, userID)
	if err != nil {
		return err
	}
	if g.OwnerID == userID {
		return ErrOwnerCannotLeave
	}
	return s.removeMember(ctx, guildID, userID)
}

// GuildCreate builds the GUILD_CREATE payload for userID: the guild with its roles, the
// channels the user can see, members (all of them up to largeThreshold, else only the user),
// and the gateway extras.
func (s *Service) GuildCreate(ctx context.Context, guildID, userID snowflake.ID, largeThreshold int, withPresences bool) (opcodes.GuildCreate, error) {
	g, err := s.store.Guilds().Get(ctx, guildID)
	if err != nil {
		return opcodes.GuildCreate{}, notFound(err, ErrUnknownGuild, "load guild")
	}
	self, err := s.store.Members().Get(ctx, guildID, userID)
	if err != nil {
		return opcodes.GuildCreate{}, notFound(err, ErrMissingAccess, "load member")
	}
	base, err := s.guildFull(ctx, g)
	if err != nil {
		return opcodes.GuildCreate{}, err
	}
	count, err := s.store.Members().Count(ctx, guildID)
	if err != nil {
		return opcodes.GuildCreate{}, fmt.Errorf("count members: %w", err)
	}
	if largeThreshold < 50 || largeThreshold > 250 {
		largeThreshold = 50
	}
	large := count > largeThreshold
	var members []storage.Member
	if large {
		members = []storage.Member{self}
	} else {
		members, err = s.store.Members().List(ctx, guildID, 0, 0)
		if err != nil {
			return opcodes.GuildCreate{}, fmt.Errorf("list members: %w", err)
		}
	}
	ids := make([]snowflake.ID, len(members))
	for i, m := range members {
		ids[i] = m.UserID
	}
	users, err := s.usersByID(ctx, ids)
	if err != nil {
		return opcodes.GuildCreate{}, err
	}
	gc := opcodes.GuildCreate{
		Guild:       base,
		JoinedAt:    opcodes.NewTimestamp(self.JoinedAt),
		Large:       large,
		MemberCount: count,
		VoiceStates: []opcodes.VoiceState{},
		Members:     make([]opcodes.Member, 0, len(members)),
		Channels:    []opcodes.Channel{},
		Threads:     []opcodes.Channel{},
		Presences:   []opcodes.Presence{},
	}
	if gc.GuildScheduledEvents, err = s.guildCreateEvents(ctx, guildID, userID); err != nil {
		return opcodes.GuildCreate{}, err
	}
	if gc.StageInstances, err = s.guildStages(ctx, guildID, userID); err != nil {
		return opcodes.GuildCreate{}, err
	}
	if gc.SoundboardSounds, err = s.GuildSounds(ctx, guildID); err != nil {
		return opcodes.GuildCreate{}, err
	}
	for _, m := range members {
		if u, ok := users[m.UserID]; ok {
			gc.Members = append(gc.Members, memberShape(m, &u))
		}
	}
	chans, err := s.store.Channels().ListByGuild(ctx, guildID)
	if err != nil {
		return opcodes.GuildCreate{}, fmt.Errorf("list channels: %w", err)
	}
	for _, ch := range chans {
		p, err := s.ChannelPermissions(ctx, guildID, ch.ID, userID)
		if err != nil {
			return opcodes.GuildCreate{}, err
		}
		if p.Has(opcodes.PermViewChannel) {
			gc.Channels = append(gc.Channels, channelShape(ch))
		}
	}
	gp, err := s.perms.get(ctx, guildID)
	if err != nil {
		return opcodes.GuildCreate{}, err
	}
	if gc.VoiceStates, err = s.guildVoiceStates(ctx, guildID, gp); err != nil {
		return opcodes.GuildCreate{}, err
	}
	if gc.Threads, err = s.guildThreads(ctx, guildID, userID); err != nil {
		return opcodes.GuildCreate{}, err
	}
	return gc, nil
}
