package guilds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// Guild administration: the small per-guild documents (widget, welcome screen, onboarding,
// incident actions) kept in storage.GuildConfigStore, the vanity URL and voice regions.

// ErrWidgetDisabled: the guild's widget is off (GET widget.json / widget.png).
var ErrWidgetDisabled = errors.New("guilds: widget disabled")

// Config document kinds in storage.GuildConfigStore.
const (
	configWidget     = "widget"
	configWelcome    = "welcome_screen"
	configOnboarding = "onboarding"
	configIncidents  = "incidents"
)

// loadConfig decodes the guild's document of kind into v; false (v untouched) when none
// was written yet.
func (s *Service) loadConfig(ctx context.Context, guildID snowflake.ID, kind string, v any) (bool, error) {
	raw, err := s.store.GuildConfigs().Get(ctx, guildID, kind)
	if errors.Is(err, storage.ErrNotFound) {
		return false, nil
	}
	if err != nil {
		return false, fmt.Errorf("load %s: %w", kind, err)
	}
	if err := json.Unmarshal(raw, v); err != nil {
		return false, fmt.Errorf("decode %s: %w", kind, err)
	}
	return true, nil
}

func (s *Service) saveConfig(ctx context.Context, guildID snowflake.ID, kind string, v any) error {
	raw, err := json.Marshal(v)
	if err != nil {
		return fmt.Errorf("encode %s: %w", kind, err)
	}
	if err := s.store.GuildConfigs().Put(ctx, guildID, kind, raw); err != nil {
		return fmt.Errorf("save %s: %w", kind, err)
	}
	return nil
}

// requireGuildAdmin checks actor is a member (10004 otherwise) holding every bit of want.
func (s *Service) requireGuildAdmin(ctx context.Context, guildID, actor snowflake.ID, want opcodes.Permissions) (*guildPerms, error) {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return nil, err
	}
	return s.requireGuildPerm(ctx, guildID, actor, want)
}

// widgetConfig is the stored widget settings.
type widgetConfig struct {
	Enabled   bool         `json:"enabled"`
	ChannelID snowflake.ID `json:"channel_id,omitempty"`
}

func (w widgetConfig) shape() opcodes.WidgetSettings {
	return opcodes.WidgetSettings{Enabled: w.Enabled, ChannelID: ptrID(w.ChannelID)}
}

// WidgetSettings is GET /guilds/{id}/widget: MANAGE_GUILD.
func (s *Service) WidgetSettings(ctx context.Context, actor, guildID snowflake.ID) (opcodes.WidgetSettings, error) {
	if _, err := s.requireGuildAdmin(ctx, guildID, actor, opcodes.PermManageGuild); err != nil {
		return opcodes.WidgetSettings{}, err
	}
	var w widgetConfig
	if _, err := s.loadConfig(ctx, guildID, configWidget, &w); err != nil {
		return opcodes.WidgetSettings{}, err
	}
	return w.shape(), nil
}

// ModifyWidgetParams is PATCH /guilds/{id}/widget. Absent fields are kept.
type ModifyWidgetParams struct {
	Enabled   opcodes.Nullable[bool]         `json:"enabled"`
	ChannelID opcodes.Nullable[snowflake.ID] `json:"channel_id"`
}

// ModifyWidget is PATCH /guilds/{id}/widget: MANAGE_GUILD; the channel must be one of the
// guild's (its invite target).
func (s *Service) ModifyWidget(ctx context.Context, actor, guildID snowflake.ID, p ModifyWidgetParams) (opcodes.WidgetSettings, error) {
	gp, err := s.requireGuildAdmin(ctx, guildID, actor, opcodes.PermManageGuild)
	if err != nil {
		return opcodes.WidgetSettings{}, err
	}
	var w widgetConfig
	if _, err := s.loadConfig(ctx, guildID, configWidget, &w); err != nil {
		return opcodes.WidgetSettings{}, err
	}
	before := w
	var v validator
	if p.Enabled.Set {
		w.Enabled = p.Enabled.Value // null means false
	}
	if p.ChannelID.Set {
		w.ChannelID = 0
		if !p.ChannelID.Null {
			ch, ok := gp.channels[p.ChannelID.Value]
			if !ok || opcodes.ChannelType(ch.Type) == opcodes.ChannelGuildCategory {
				v.add("channel_id", "CHANNEL_INVALID", "Invalid channel")
			}
			w.ChannelID = p.ChannelID.Value
		}
	}
	if err := v.err(); err != nil {
		return opcodes.WidgetSettings{}, err
	}
	if err := s.saveConfig(ctx, guildID, configWidget, w); err != nil {
		return opcodes.WidgetSettings{}, err
	}
	// Discord logs widget changes as a guild update of widget_enabled / widget_channel_id.
	if c := fieldChanges(widgetFields(before), widgetFields(w)); len(c) > 0 {
		s.audit(ctx, auditEntry{GuildID: guildID, Action: opcodes.AuditGuildUpdate, ActorID: actor, TargetID: guildID, Changes: c})
	}
	return w.shape(), nil
}

func widgetFields(w widgetConfig) []auditField {
	return []auditField{{"widget_enabled", w.Enabled}, {"widget_channel_id", idOrNil(w.ChannelID)}}
}

// Widget is the public GET /guilds/{id}/widget.json: ErrWidgetDisabled unless enabled. It
// lists the voice channels @everyone may connect to and, as online members, the members in
// voice (Parley keeps presence in each gateway node's memory, not in the domain, so voice
// is the online state it can vouch for). Members are numbered, not identified, as Discord's.
func (s *Service) Widget(ctx context.Context, guildID snowflake.ID) (opcodes.Widget, error) {
	g, err := s.store.Guilds().Get(ctx, guildID)
	if err != nil {
		return opcodes.Widget{}, notFound(err, ErrUnknownGuild, "load guild")
	}
	var w widgetConfig
	if _, err := s.loadConfig(ctx, guildID, configWidget, &w); err != nil {
		return opcodes.Widget{}, err
	}
	if !w.Enabled {
		return opcodes.Widget{}, ErrWidgetDisabled
	}
	gp, err := s.perms.get(ctx, guildID)
	if err != nil {
		return opcodes.Widget{}, err
	}
	out := opcodes.Widget{ID: g.ID, Name: g.Name, Channels: []opcodes.WidgetChannel{}, Members: []opcodes.WidgetMember{}}
	everyone := PermissionState{OwnerID: gp.ownerID, GuildID: guildID, RolePerms: gp.rolePerms}
	chans, err := s.store.Channels().ListByGuild(ctx, guildID)
	if err != nil {
		return opcodes.Widget{}, fmt.Errorf("list channels: %w", err)
	}
	public := map[snowflake.ID]bool{}
	for _, ch := range chans {
		t := opcodes.ChannelType(ch.Type)
		if t != opcodes.ChannelGuildVoice && t != opcodes.ChannelGuildStageVoice {
			continue
		}
		if ChannelPermissions(everyone, 0, ch.Overwrites, s.now()).Has(opcodes.PermViewChannel | opcodes.PermConnect) {
			public[ch.ID] = true
			out.Channels = append(out.Channels, opcodes.WidgetChannel{ID: ch.ID, Name: ch.Name, Position: ch.Position})
		}
	}
	vs, err := s.store.VoiceStates().ListByGuild(ctx, guildID)
	if err != nil {
		return opcodes.Widget{}, fmt.Errorf("list voice states: %w", err)
	}
	ids := make([]snowflake.ID, len(vs))
	for i, v := range vs {
		ids[i] = v.UserID
	}
	users, err := s.usersByID(ctx, ids)
	if err != nil {
		return opcodes.Widget{}, err
	}
	// Parley serves no per-user avatar images; every member's avatar_url is the guild's own
	// widget image, a real PNG, rather than a link that answers 404.
	widgetAvatar := s.cdn + "/api/v10/guilds/" + guildID.String() + "/widget.png"
	for i, v := range vs {
		if len(out.Members) == 100 {
			break
		}
		u, ok := users[v.UserID]
		if !ok {
			continue
		}
		m := opcodes.WidgetMember{ID: fmt.Sprint(i), Username: u.Username, Discriminator: "0000", Status: "online",
			AvatarURL: widgetAvatar, SelfDeaf: v.SelfDeaf, SelfMute: v.SelfMute, Suppress: v.Suppress}
		if public[v.ChannelID] {
			m.ChannelID = ptrID(v.ChannelID)
		}
		if mp, ok := gp.members[v.UserID]; ok {
			m.Deaf, m.Mute = mp.member.Deaf, mp.member.Mute
		}
		out.Members = append(out.Members, m)
	}
	out.PresenceCount = len(vs)
	return out, nil
}

// VanityURL is GET /guilds/{id}/vanity-url: MANAGE_GUILD. Parley guilds have no VANITY_URL
// feature, so the code is null and unused, as Discord answers such guilds.
func (s *Service) VanityURL(ctx context.Context, actor, guildID snowflake.ID) (opcodes.VanityURL, error) {
	if _, err := s.requireGuildAdmin(ctx, guildID, actor, opcodes.PermManageGuild); err != nil {
		return opcodes.VanityURL{}, err
	}
	return opcodes.VanityURL{}, nil
}

// voiceRegions is the fixed region list: Parley has no voice servers, so one honest region
// names the server itself.
var voiceRegions = []opcodes.VoiceRegion{{ID: "parley", Name: "Parley", Optimal: true}}

// VoiceRegions is GET /voice/regions.
func (s *Service) VoiceRegions(context.Context) []opcodes.VoiceRegion {
	return append([]opcodes.VoiceRegion(nil), voiceRegions...)
}

// GuildVoiceRegions is GET /guilds/{id}/regions: members only.
func (s *Service) GuildVoiceRegions(ctx context.Context, actor, guildID snowflake.ID) ([]opcodes.VoiceRegion, error) {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return nil, err
	}
	return s.VoiceRegions(ctx), nil
}

// incidentsConfig is the stored incident actions.
type incidentsConfig struct {
	InvitesDisabledUntil *time.Time `json:"invites_disabled_until,omitempty"`
	DMsDisabledUntil     *time.Time `json:"dms_disabled_until,omitempty"`
}

// IncidentActionsParams is PUT /guilds/{id}/incident-actions. Absent or null clears.
type IncidentActionsParams struct {
	InvitesDisabledUntil *opcodes.Timestamp `json:"invites_disabled_until"`
	DMsDisabledUntil     *opcodes.Timestamp `json:"dms_disabled_until"`
}

// maxIncidentPause is how far ahead Discord lets a guild pause invites or DMs.
const maxIncidentPause = 24 * time.Hour

// UpdateIncidentActions is PUT /guilds/{id}/incident-actions: MANAGE_GUILD; each pause ends at
// most 24 hours ahead. The pauses are recorded and answered; Parley does not enforce them yet.
func (s *Service) UpdateIncidentActions(ctx context.Context, actor, guildID snowflake.ID, p IncidentActionsParams) (opcodes.IncidentsData, error) {
	if _, err := s.requireGuildAdmin(ctx, guildID, actor, opcodes.PermManageGuild); err != nil {
		return opcodes.IncidentsData{}, err
	}
	var v validator
	var c incidentsConfig
	limit := s.now().Add(maxIncidentPause)
	check := func(field string, ts *opcodes.Timestamp) *time.Time {
		if ts == nil {
			return nil
		}
		if ts.After(limit) {
			v.add(field, "BASE_TYPE_BAD_TIME", "Cannot be more than 24 hours in the future")
		}
		t := ts.UTC()
		return &t
	}
	c.InvitesDisabledUntil = check("invites_disabled_until", p.InvitesDisabledUntil)
	c.DMsDisabledUntil = check("dms_disabled_until", p.DMsDisabledUntil)
	if err := v.err(); err != nil {
		return opcodes.IncidentsData{}, err
	}
	if err := s.saveConfig(ctx, guildID, configIncidents, c); err != nil {
		return opcodes.IncidentsData{}, err
	}
	return opcodes.IncidentsData{InvitesDisabledUntil: timePtr(c.InvitesDisabledUntil), DMsDisabledUntil: timePtr(c.DMsDisabledUntil)}, nil
}

// NewMemberWelcome is GET /guilds/{id}/new-member-welcome: members only. Parley guilds have
// no server guide (welcome message, new member actions, resource channels), so the answer is
// nil, which Discord's 204 stands for.
func (s *Service) NewMemberWelcome(ctx context.Context, actor, guildID snowflake.ID) (*opcodes.GuildHomeSettings, error) {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return nil, err
	}
	return nil, nil
}
