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

// Integrations. Parley's integrations are the applications whose bot was added to a guild
// (Discord's type "discord"); an integration's ID is its application's ID, which is also the
// bot user's. Removing one removes the bot and its managed role.

// ErrUnknownIntegration: no integration with that ID in the guild.
var ErrUnknownIntegration = errors.New("guilds: unknown integration")

// integrationShape is the "discord" integration of an application's bot in a guild.
func integrationShape(ctx context.Context, s *Service, guildID snowflake.ID, a storage.Application, bot storage.User) opcodes.Integration {
	scopes := []string{ScopeBot}
	if ok, err := s.store.Commands().Installed(ctx, a.ID, guildID); err == nil && ok {
		scopes = append(scopes, ScopeApplicationCommands)
	}
	b := userShape(bot)
	return opcodes.Integration{
		ID: a.ID, Name: a.Name, Type: "discord", Enabled: true,
		Account: opcodes.IntegrationAccount{ID: a.ID.String(), Name: a.Name},
		Application: &opcodes.IntegrationApplication{
			ID: a.ID, Name: a.Name, Icon: a.Icon, Description: a.Description, Bot: &b,
		},
		Scopes: scopes,
	}
}

// Integrations is GET /guilds/{id}/integrations: MANAGE_GUILD.
func (s *Service) Integrations(ctx context.Context, actor, guildID snowflake.ID) ([]opcodes.Integration, error) {
	gp, err := s.requireGuildAdmin(ctx, guildID, actor, opcodes.PermManageGuild)
	if err != nil {
		return nil, err
	}
	ids := make([]snowflake.ID, 0, len(gp.members))
	for id := range gp.members {
		ids = append(ids, id)
	}
	users, err := s.usersByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := []opcodes.Integration{}
	slices.Sort(ids)
	for _, id := range ids {
		u, ok := users[id]
		if !ok || !u.Bot {
			continue
		}
		a, err := s.store.Applications().Get(ctx, id)
		if errors.Is(err, storage.ErrNotFound) {
			continue
		}
		if err != nil {
			return nil, fmt.Errorf("load application: %w", err)
		}
		out = append(out, integrationShape(ctx, s, guildID, a, u))
	}
	return out, nil
}

// DeleteIntegration is DELETE /guilds/{id}/integrations/{integration_id}: MANAGE_GUILD. It
// removes the bot (GUILD_MEMBER_REMOVE) and its managed roles (GUILD_ROLE_DELETE), then
// publishes INTEGRATION_DELETE and GUILD_INTEGRATIONS_UPDATE.
func (s *Service) DeleteIntegration(ctx context.Context, actor, guildID, integrationID snowflake.ID) error {
	if _, err := s.requireGuildAdmin(ctx, guildID, actor, opcodes.PermManageGuild); err != nil {
		return err
	}
	u, err := s.store.Users().Get(ctx, integrationID)
	if err != nil {
		return notFound(err, ErrUnknownIntegration, "load bot")
	}
	if !u.Bot {
		return ErrUnknownIntegration
	}
	if _, err := s.store.Members().Get(ctx, guildID, integrationID); err != nil {
		return notFound(err, ErrUnknownIntegration, "load bot member")
	}
	if err := s.removeMember(ctx, guildID, integrationID); err != nil {
		return err
	}
	roles, err := s.store.Roles().ListByGuild(ctx, guildID)
	if err != nil {
		return fmt.Errorf("list roles: %w", err)
	}
	for _, r := range roles {
		if r.Managed && r.BotID == integrationID {
			if err := s.store.Roles().Delete(ctx, guildID, r.ID); err != nil && !errors.Is(err, storage.ErrNotFound) {
				return fmt.Errorf("delete managed role: %w", err)
			}
			s.publish(ctx, events.Event{Name: opcodes.EventGuildRoleDelete, GuildID: guildID},
				opcodes.GuildRoleDelete{GuildID: guildID, RoleID: r.ID})
		}
	}
	s.audit(ctx, auditEntry{GuildID: guildID, Action: opcodes.AuditIntegrationDelete, ActorID: actor, TargetID: integrationID,
		Changes: fieldChanges([]auditField{{"type", "discord"}, {"name", u.Username}}, nil)})
	app := integrationID
	s.publish(ctx, events.Event{Name: opcodes.EventIntegrationDelete, GuildID: guildID},
		opcodes.IntegrationDelete{ID: integrationID, GuildID: guildID, ApplicationID: &app})
	s.publish(ctx, events.Event{Name: opcodes.EventGuildIntegrationsUpdate, GuildID: guildID},
		opcodes.GuildIntegrationsUpdate{GuildID: guildID})
	return nil
}

// integrationAdded publishes INTEGRATION_CREATE and GUILD_INTEGRATIONS_UPDATE after a bot
// joined a guild through the OAuth2 flow.
func (s *Service) integrationAdded(ctx context.Context, guildID snowflake.ID, a storage.Application, bot storage.User) {
	in := integrationShape(ctx, s, guildID, a, bot)
	in.GuildID = guildID
	s.publish(ctx, events.Event{Name: opcodes.EventIntegrationCreate, GuildID: guildID}, in)
	s.publish(ctx, events.Event{Name: opcodes.EventGuildIntegrationsUpdate, GuildID: guildID},
		opcodes.GuildIntegrationsUpdate{GuildID: guildID})
}
