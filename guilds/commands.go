package guilds

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// Application command errors.
var (
	// ErrUnknownCommand: no such command in that application's scope (10063).
	ErrUnknownCommand = errors.New("guilds: unknown application command")
	// ErrUnknownCommandPermissions: the command has no permission overwrites there (10066).
	ErrUnknownCommandPermissions = errors.New("guilds: unknown application command permissions")
	// ErrMaxCommands: the scope holds Discord's maximum of commands of that type (30032).
	ErrMaxCommands = errors.New("guilds: maximum number of application commands reached")
)

// commandCaps are Discord's per-scope limits by command type.
var commandCaps = map[opcodes.CommandType]int{
	opcodes.CommandChatInput:         100,
	opcodes.CommandUser:              15,
	opcodes.CommandMessage:           15,
	opcodes.CommandPrimaryEntryPoint: 1,
}

// maxCommandPermissions caps one command's overwrites in a guild.
const maxCommandPermissions = 100

// CommandParams is the body of POST /applications/{id}[/guilds/{guild_id}]/commands and one
// element of the PUT (bulk overwrite) body.
type CommandParams struct {
	// ID, in a bulk overwrite, names the existing command to update (a rename keeps its ID).
	ID                       snowflake.ID            `json:"id"`
	Type                     opcodes.CommandType     `json:"type"`
	Name                     string                  `json:"name"`
	NameLocalizations        *opcodes.Localizations  `json:"name_localizations"`
	Description              string                  `json:"description"`
	DescriptionLocalizations *opcodes.Localizations  `json:"description_localizations"`
	Options                  []opcodes.CommandOption `json:"options"`
	DefaultMemberPermissions *opcodes.Permissions    `json:"default_member_permissions"`
	DMPermission             *bool                   `json:"dm_permission"`
	// DefaultPermission is deprecated and ignored, as Discord now ignores it.
	DefaultPermission *bool                            `json:"default_permission"`
	IntegrationTypes  []opcodes.IntegrationType        `json:"integration_types"`
	Contexts          []opcodes.InteractionContextType `json:"contexts"`
	NSFW              bool                             `json:"nsfw"`
	Handler           opcodes.EntryPointHandler        `json:"handler"`
}

func (p CommandParams) def() commandDef {
	return commandDef{Type: p.Type, Name: p.Name, doc: doc{
		NameLocalizations:        localized(p.NameLocalizations),
		Description:              p.Description,
		DescriptionLocalizations: localized(p.DescriptionLocalizations),
		Options:                  p.Options,
		DefaultMemberPermissions: p.DefaultMemberPermissions,
		DMPermission:             p.DMPermission,
		NSFW:                     p.NSFW,
		IntegrationTypes:         p.IntegrationTypes,
		Contexts:                 p.Contexts,
		Handler:                  p.Handler,
	}}
}

// ModifyCommandParams is PATCH /applications/{id}[/guilds/{guild_id}]/commands/{command_id}:
// every field optional; null clears the nullable ones.
type ModifyCommandParams struct {
	Name                     *string                                            `json:"name"`
	NameLocalizations        opcodes.Nullable[opcodes.Localizations]            `json:"name_localizations"`
	Description              *string                                            `json:"description"`
	DescriptionLocalizations opcodes.Nullable[opcodes.Localizations]            `json:"description_localizations"`
	Options                  opcodes.Nullable[[]opcodes.CommandOption]          `json:"options"`
	DefaultMemberPermissions opcodes.Nullable[opcodes.Permissions]              `json:"default_member_permissions"`
	DMPermission             opcodes.Nullable[bool]                             `json:"dm_permission"`
	DefaultPermission        *bool                                              `json:"default_permission"`
	IntegrationTypes         opcodes.Nullable[[]opcodes.IntegrationType]        `json:"integration_types"`
	Contexts                 opcodes.Nullable[[]opcodes.InteractionContextType] `json:"contexts"`
	NSFW                     *bool                                              `json:"nsfw"`
	Handler                  *opcodes.EntryPointHandler                         `json:"handler"`
}

// apply merges the present fields onto def.
func (p ModifyCommandParams) apply(def *commandDef) {
	if p.Name != nil {
		def.Name = *p.Name
	}
	if p.NameLocalizations.Set {
		def.NameLocalizations = p.NameLocalizations.Value
	}
	if p.Description != nil {
		def.Description = *p.Description
	}
	if p.DescriptionLocalizations.Set {
		def.DescriptionLocalizations = p.DescriptionLocalizations.Value
	}
	if p.Options.Set {
		def.Options = p.Options.Value
	}
	if p.DefaultMemberPermissions.Set {
		def.DefaultMemberPermissions = p.DefaultMemberPermissions.Ptr()
	}
	if p.DMPermission.Set {
		def.DMPermission = p.DMPermission.Ptr()
	}
	if p.IntegrationTypes.Set {
		def.IntegrationTypes = p.IntegrationTypes.Value
	}
	if p.Contexts.Set {
		def.Contexts = p.Contexts.Value
	}
	if p.NSFW != nil {
		def.NSFW = *p.NSFW
	}
	if p.Handler != nil {
		def.Handler = *p.Handler
	}
}

// EditCommandPermissionsParams is PUT .../commands/{command_id}/permissions.
type EditCommandPermissionsParams struct {
	Permissions []opcodes.CommandPermission `json:"permissions"`
}

// commandScope checks that actor may manage appID's commands in guildID (0: global): only
// the application's own bot may, and in a guild only where the application is present (its
// bot is a member, or it was installed with applications.commands). Anything else is
// Discord's 50001 Missing Access.
func (s *Service) commandScope(ctx context.Context, actor, appID, guildID snowflake.ID) error {
	if actor != appID {
		return ErrMissingAccess
	}
	if _, err := s.getApplication(ctx, appID); err != nil {
		return notFound(err, ErrUnknownApplication, "load application")
	}
	if guildID == 0 {
		return nil
	}
	return s.appInGuild(ctx, appID, guildID)
}

// appInGuild reports ErrMissingAccess unless the application's bot is a member of the guild
// or the application was installed there with the applications.commands scope.
func (s *Service) appInGuild(ctx context.Context, appID, guildID snowflake.ID) error {
	if _, err := s.store.Members().Get(ctx, guildID, appID); err == nil {
		return nil
	} else if !errors.Is(err, storage.ErrNotFound) {
		return fmt.Errorf("load bot member: %w", err)
	}
	ok, err := s.store.Commands().Installed(ctx, appID, guildID)
	if err != nil {
		return err
	}
	if !ok {
		return ErrMissingAccess
	}
	return nil
}

// decodeCommand reads a stored command's definition.
func decodeCommand(c storage.Command) (commandDef, error) {
	def := commandDef{Type: opcodes.CommandType(c.Type), Name: c.Name}
	if err := json.Unmarshal(c.Data, &def.doc); err != nil {
		return def, fmt.Errorf("decode command %d: %w", c.ID, err)
	}
	return def, nil
}

func encodeCommand(def commandDef) (json.RawMessage, error) {
	b, err := json.Marshal(def.doc)
	if err != nil {
		return nil, fmt.Errorf("encode command: %w", err)
	}
	return b, nil
}

// commandShape renders a stored command. withLoc includes the localization dictionaries
// (null where there are none); lists leave them out unless with_localizations is set.
func commandShape(c storage.Command, withLoc bool) (opcodes.ApplicationCommand, error) {
	def, err := decodeCommand(c)
	if err != nil {
		return opcodes.ApplicationCommand{}, err
	}
	o := opcodes.ApplicationCommand{
		ID:                       c.ID,
		Type:                     def.Type,
		ApplicationID:            c.ApplicationID,
		GuildID:                  c.GuildID,
		Name:                     def.Name,
		Description:              def.Description,
		Options:                  def.Options,
		DefaultMemberPermissions: def.DefaultMemberPermissions,
		NSFW:                     def.NSFW,
		IntegrationTypes:         def.IntegrationTypes,
		Contexts:                 def.Contexts,
		Version:                  c.Version,
		Handler:                  def.Handler,
	}
	if o.IntegrationTypes == nil {
		o.IntegrationTypes = []opcodes.IntegrationType{opcodes.IntegrationGuildInstall}
	}
	if c.GuildID == 0 {
		dm := def.DMPermission == nil || *def.DMPermission
		o.DMPermission = &dm
	}
	if withLoc {
		nl, dl := def.NameLocalizations, def.DescriptionLocalizations
		o.NameLocalizations, o.DescriptionLocalizations = &nl, &dl
	} else {
		o.Options = stripLocalizations(o.Options)
	}
	return o, nil
}

// stripLocalizations copies options without their localization dictionaries.
func stripLocalizations(opts []opcodes.CommandOption) []opcodes.CommandOption {
	if opts == nil {
		return nil
	}
	out := make([]opcodes.CommandOption, len(opts))
	for i, o := range opts {
		o.NameLocalizations, o.DescriptionLocalizations = nil, nil
		if o.Choices != nil {
			cs := make([]opcodes.CommandChoice, len(o.Choices))
			for j, c := range o.Choices {
				c.NameLocalizations = nil
				cs[j] = c
			}
			o.Choices = cs
		}
		o.Options = stripLocalizations(o.Options)
		out[i] = o
	}
	return out
}

// normalizeOptions drops empty localization dictionaries so that responses omit them.
func normalizeOptions(opts []opcodes.CommandOption) {
	for i := range opts {
		o := &opts[i]
		if o.NameLocalizations != nil && len(*o.NameLocalizations) == 0 {
			o.NameLocalizations = nil
		}
		if o.DescriptionLocalizations != nil && len(*o.DescriptionLocalizations) == 0 {
			o.DescriptionLocalizations = nil
		}
		for j := range o.Choices {
			if l := o.Choices[j].NameLocalizations; l != nil && len(*l) == 0 {
				o.Choices[j].NameLocalizations = nil
			}
		}
		normalizeOptions(o.Options)
	}
}

// validateCommand checks def for the scope and normalises it.
func validateCommand(v *validator, prefix string, def *commandDef, guild bool) {
	checkCommand(v, prefix, def, guild)
	normalizeOptions(def.Options)
	if len(def.NameLocalizations) == 0 {
		def.NameLocalizations = nil
	}
	if len(def.DescriptionLocalizations) == 0 {
		def.DescriptionLocalizations = nil
	}
}

// Commands is GET /applications/{id}[/guilds/{guild_id}]/commands, in ID order.
func (s *Service) Commands(ctx context.Context, actor, appID, guildID snowflake.ID, withLocalizations bool) ([]opcodes.ApplicationCommand, error) {
	if err := s.commandScope(ctx, actor, appID, guildID); err != nil {
		return nil, err
	}
	cs, err := s.store.Commands().List(ctx, appID, guildID)
	if err != nil {
		return nil, fmt.Errorf("list commands: %w", err)
	}
	return commandShapes(cs, withLocalizations)
}

func commandShapes(cs []storage.Command, withLoc bool) ([]opcodes.ApplicationCommand, error) {
	out := make([]opcodes.ApplicationCommand, 0, len(cs))
	for _, c := range cs {
		o, err := commandShape(c, withLoc)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// Command is GET /applications/{id}[/guilds/{guild_id}]/commands/{command_id}.
func (s *Service) Command(ctx context.Context, actor, appID, guildID, commandID snowflake.ID) (opcodes.ApplicationCommand, error) {
	if err := s.commandScope(ctx, actor, appID, guildID); err != nil {
		return opcodes.ApplicationCommand{}, err
	}
	c, err := s.store.Commands().Get(ctx, appID, guildID, commandID)
	if err != nil {
		return opcodes.ApplicationCommand{}, notFound(err, ErrUnknownCommand, "load command")
	}
	return commandShape(c, true)
}

// CreateCommand is POST /applications/{id}[/guilds/{guild_id}]/commands. As on Discord,
// a command with the type and name of an existing one updates that one (same ID, new
// version); created reports whether a new command was made (201 rather than 200).
func (s *Service) CreateCommand(ctx context.Context, actor, appID, guildID snowflake.ID, p CommandParams) (cmd opcodes.ApplicationCommand, created bool, err error) {
	if err := s.commandScope(ctx, actor, appID, guildID); err != nil {
		return opcodes.ApplicationCommand{}, false, err
	}
	def := p.def()
	var v validator
	validateCommand(&v, "", &def, guildID != 0)
	if err := v.err(); err != nil {
		return opcodes.ApplicationCommand{}, false, err
	}
	data, err := encodeCommand(def)
	if err != nil {
		return opcodes.ApplicationCommand{}, false, err
	}
	// A concurrent create of the same name makes the insert conflict: then it is an update.
	for attempt := 0; ; attempt++ {
		existing, err := s.store.Commands().List(ctx, appID, guildID)
		if err != nil {
			return opcodes.ApplicationCommand{}, false, fmt.Errorf("list commands: %w", err)
		}
		c := storage.Command{ApplicationID: appID, GuildID: guildID, Type: int(def.Type), Name: def.Name, Version: s.ids.Next(), Data: data}
		n := 0
		for _, e := range existing {
			if e.Type == c.Type && e.Name == c.Name {
				c.ID = e.ID
			} else if e.Type == c.Type {
				n++
			}
		}
		if c.ID != 0 {
			err = s.store.Commands().Update(ctx, c)
		} else {
			if n >= commandCaps[def.Type] {
				return opcodes.ApplicationCommand{}, false, ErrMaxCommands
			}
			c.ID = s.ids.Next()
			err = s.store.Commands().Create(ctx, c)
		}
		if (errors.Is(err, storage.ErrConflict) || errors.Is(err, storage.ErrNotFound)) && attempt < 3 {
			continue
		}
		if err != nil {
			return opcodes.ApplicationCommand{}, false, fmt.Errorf("store command: %w", err)
		}
		o, err := commandShape(c, true)
		return o, c.ID != 0 && !containsID(existing, c.ID), err
	}
}

func containsID(cs []storage.Command, id snowflake.ID) bool {
	for _, c := range cs {
		if c.ID == id {
			return true
		}
	}
	return false
}

// ModifyCommand is PATCH /applications/{id}[/guilds/{guild_id}]/commands/{command_id}: the
// merged command is validated as a whole and gets a new version.
func (s *Service) ModifyCommand(ctx context.Context, actor, appID, guildID, commandID snowflake.ID, p ModifyCommandParams) (opcodes.ApplicationCommand, error) {
	if err := s.commandScope(ctx, actor, appID, guildID); err != nil {
		return opcodes.ApplicationCommand{}, err
	}
	c, err := s.store.Commands().Get(ctx, appID, guildID, commandID)
	if err != nil {
		return opcodes.ApplicationCommand{}, notFound(err, ErrUnknownCommand, "load command")
	}
	def, err := decodeCommand(c)
	if err != nil {
		return opcodes.ApplicationCommand{}, err
	}
	p.apply(&def)
	var v validator
	validateCommand(&v, "", &def, guildID != 0)
	if err := v.err(); err != nil {
		return opcodes.ApplicationCommand{}, err
	}
	if c.Data, err = encodeCommand(def); err != nil {
		return opcodes.ApplicationCommand{}, err
	}
	c.Name, c.Version = def.Name, s.ids.Next()
	if err := s.store.Commands().Update(ctx, c); err != nil {
		switch {
		case errors.Is(err, storage.ErrConflict):
			v.add("name", "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique")
			return opcodes.ApplicationCommand{}, v.err()
		case errors.Is(err, storage.ErrNotFound):
			return opcodes.ApplicationCommand{}, ErrUnknownCommand
		}
		return opcodes.ApplicationCommand{}, fmt.Errorf("update command: %w", err)
	}
	return commandShape(c, true)
}

// DeleteCommand is DELETE /applications/{id}[/guilds/{guild_id}]/commands/{command_id}.
func (s *Service) DeleteCommand(ctx context.Context, actor, appID, guildID, commandID snowflake.ID) error {
	if err := s.commandScope(ctx, actor, appID, guildID); err != nil {
		return err
	}
	if err := s.store.Commands().Delete(ctx, appID, guildID, commandID); err != nil {
		return notFound(err, ErrUnknownCommand, "delete command")
	}
	return nil
}

// OverwriteCommands is PUT /applications/{id}[/guilds/{guild_id}]/commands: ps becomes the
// scope's whole command set, atomically. A command whose type and name (or id) match an
// existing one keeps its ID, and its version unless it changed; the rest are deleted.
func (s *Service) OverwriteCommands(ctx context.Context, actor, appID, guildID snowflake.ID, ps []CommandParams) ([]opcodes.ApplicationCommand, error) {
	if err := s.commandScope(ctx, actor, appID, guildID); err != nil {
		return nil, err
	}
	var v validator
	defs := make([]commandDef, len(ps))
	counts := map[opcodes.CommandType]int{}
	type key struct {
		t    opcodes.CommandType
		name string
	}
	seen := map[key]bool{}
	for i, p := range ps {
		defs[i] = p.def()
		validateCommand(&v, fmt.Sprintf("%d.", i), &defs[i], guildID != 0)
		k := key{defs[i].Type, defs[i].Name}
		if seen[k] {
			v.add("", "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique")
		}
		seen[k] = true
		counts[defs[i].Type]++
	}
	if err := v.err(); err != nil {
		return nil, err
	}
	for t, n := range counts {
		if n > commandCaps[t] {
			return nil, ErrMaxCommands
		}
	}
	existing, err := s.store.Commands().List(ctx, appID, guildID)
	if err != nil {
		return nil, fmt.Errorf("list commands: %w", err)
	}
	byID := map[snowflake.ID]storage.Command{}
	byKey := map[key]storage.Command{}
	for _, e := range existing {
		byID[e.ID] = e
		byKey[key{opcodes.CommandType(e.Type), e.Name}] = e
	}
	out := make([]storage.Command, len(defs))
	used := map[snowflake.ID]bool{}
	for i, def := range defs {
		data, err := encodeCommand(def)
		if err != nil {
			return nil, err
		}
		c := storage.Command{ApplicationID: appID, GuildID: guildID, Type: int(def.Type), Name: def.Name, Data: data}
		old, ok := byID[ps[i].ID]
		if !ok || old.Type != c.Type || used[old.ID] {
			old, ok = byKey[key{def.Type, def.Name}]
		}
		if ok && !used[old.ID] {
			c.ID, c.Version = old.ID, old.Version
			if old.Name != c.Name || !bytes.Equal(old.Data, c.Data) {
				c.Version = s.ids.Next()
			}
		} else {
			c.ID = s.ids.Next()
			c.Version = c.ID
		}
		used[c.ID] = true
		out[i] = c
	}
	if err := s.store.Commands().Replace(ctx, appID, guildID, out); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			v.add("", "APPLICATION_COMMANDS_DUPLICATE_NAME", "Application command names must be unique")
			return nil, v.err()
		}
		return nil, fmt.Errorf("overwrite commands: %w", err)
	}
	return commandShapes(out, true)
}

// permissionsShape renders an overwrite set.
func permissionsShape(p storage.CommandPermissions) opcodes.GuildCommandPermissions {
	o := opcodes.GuildCommandPermissions{ID: p.CommandID, ApplicationID: p.ApplicationID, GuildID: p.GuildID,
		Permissions: make([]opcodes.CommandPermission, 0, len(p.Permissions))}
	for _, x := range p.Permissions {
		o.Permissions = append(o.Permissions, opcodes.CommandPermission{ID: x.ID, Type: opcodes.CommandPermissionType(x.Type), Permission: x.Permission})
	}
	return o
}

// GuildCommandPermissions is GET /applications/{id}/guilds/{guild_id}/commands/permissions:
// the overwrite sets of the application's commands in the guild, for its bot.
func (s *Service) GuildCommandPermissions(ctx context.Context, actor, appID, guildID snowflake.ID) ([]opcodes.GuildCommandPermissions, error) {
	if err := s.commandScope(ctx, actor, appID, guildID); err != nil {
		return nil, err
	}
	ps, err := s.store.Commands().ListPermissions(ctx, appID, guildID)
	if err != nil {
		return nil, fmt.Errorf("list command permissions: %w", err)
	}
	out := make([]opcodes.GuildCommandPermissions, 0, len(ps))
	for _, p := range ps {
		out = append(out, permissionsShape(p))
	}
	return out, nil
}

// commandExists checks that commandID is one of the application's commands usable in the
// guild (a guild or global command), or the application ID itself (all commands).
func (s *Service) commandExists(ctx context.Context, appID, guildID, commandID snowflake.ID) error {
	if commandID == appID {
		return nil
	}
	_, err := s.store.Commands().Get(ctx, appID, guildID, commandID)
	if errors.Is(err, storage.ErrNotFound) {
		_, err = s.store.Commands().Get(ctx, appID, 0, commandID)
	}
	if err != nil {
		return notFound(err, ErrUnknownCommand, "load command")
	}
	return nil
}

// CommandPermissions is GET /applications/{id}/guilds/{guild_id}/commands/{command_id}/permissions.
func (s *Service) CommandPermissions(ctx context.Context, actor, appID, guildID, commandID snowflake.ID) (opcodes.GuildCommandPermissions, error) {
	if err := s.commandScope(ctx, actor, appID, guildID); err != nil {
		return opcodes.GuildCommandPermissions{}, err
	}
	if err := s.commandExists(ctx, appID, guildID, commandID); err != nil {
		return opcodes.GuildCommandPermissions{}, err
	}
	p, err := s.store.Commands().GetPermissions(ctx, appID, guildID, commandID)
	if err != nil {
		return opcodes.GuildCommandPermissions{}, notFound(err, ErrUnknownCommandPermissions, "load command permissions")
	}
	return permissionsShape(p), nil
}

// EditCommandPermissions is PUT .../commands/{command_id}/permissions. Discord takes it only
// from a user (a Bearer token), never from a bot: bots get 20001. The user needs MANAGE_GUILD
// and MANAGE_ROLES in the guild, and the application must be present there. On success the
// application's bot receives APPLICATION_COMMAND_PERMISSIONS_UPDATE.
func (s *Service) EditCommandPermissions(ctx context.Context, actor, appID, guildID, commandID snowflake.ID, p EditCommandPermissionsParams) (opcodes.GuildCommandPermissions, error) {
	u, err := s.getUser(ctx, actor)
	if err != nil {
		return opcodes.GuildCommandPermissions{}, notFound(err, ErrUnauthorized, "load actor")
	}
	if u.Bot {
		return opcodes.GuildCommandPermissions{}, ErrBotsForbidden
	}
	if _, err := s.getApplication(ctx, appID); err != nil {
		return opcodes.GuildCommandPermissions{}, notFound(err, ErrUnknownApplication, "load application")
	}
	perms, err := s.GuildPermissions(ctx, guildID, actor)
	if err != nil {
		return opcodes.GuildCommandPermissions{}, err
	}
	if !perms.Has(opcodes.PermManageGuild | opcodes.PermManageRoles) {
		return opcodes.GuildCommandPermissions{}, ErrMissingPermissions
	}
	if err := s.appInGuild(ctx, appID, guildID); err != nil {
		return opcodes.GuildCommandPermissions{}, err
	}
	if err := s.commandExists(ctx, appID, guildID, commandID); err != nil {
		return opcodes.GuildCommandPermissions{}, err
	}
	if err := s.checkCommandPermissions(ctx, guildID, p.Permissions); err != nil {
		return opcodes.GuildCommandPermissions{}, err
	}
	rec := storage.CommandPermissions{ApplicationID: appID, GuildID: guildID, CommandID: commandID}
	for _, x := range p.Permissions {
		rec.Permissions = append(rec.Permissions, storage.CommandPermission{ID: x.ID, Type: int(x.Type), Permission: x.Permission})
	}
	if err := s.store.Commands().PutPermissions(ctx, rec); err != nil {
		return opcodes.GuildCommandPermissions{}, fmt.Errorf("store command permissions: %w", err)
	}
	out := permissionsShape(rec)
	s.publish(ctx, events.Event{Name: opcodes.EventApplicationCommandPermissionsUpdate, GuildID: guildID,
		UserIDs: []snowflake.ID{appID}}, out)
	return out, nil
}

// checkCommandPermissions validates overwrites: at most 100, known types, no target twice,
// and targets that exist in the guild (the guild's ID is @everyone for roles, guild ID − 1
// every channel).
func (s *Service) checkCommandPermissions(ctx context.Context, guildID snowflake.ID, ps []opcodes.CommandPermission) error {
	var v validator
	if len(ps) > maxCommandPermissions {
		v.add("permissions", "BASE_TYPE_MAX_LENGTH", fmt.Sprintf("Must be %d or fewer in length.", maxCommandPermissions))
		return v.err()
	}
	for i, x := range ps {
		f := fmt.Sprintf("permissions.%d", i)
		if x.Type < opcodes.CommandPermissionRole || x.Type > opcodes.CommandPermissionChannel {
			v.add(f+".type", "BASE_TYPE_CHOICES", "Value must be one of (1, 2, 3).")
		}
		for _, y := range ps[:i] {
			if y.ID == x.ID && y.Type == x.Type {
				v.add(f+".id", "APPLICATION_COMMAND_PERMISSIONS_DUPLICATE", "Permission overwrites must be unique")
				break
			}
		}
	}
	if err := v.err(); err != nil {
		return err
	}
	for _, x := range ps {
		switch x.Type {
		case opcodes.CommandPermissionRole:
			if x.ID == guildID {
				continue
			}
			if _, err := s.store.Roles().Get(ctx, guildID, x.ID); err != nil {
				return notFound(err, ErrUnknownRole, "load role")
			}
		case opcodes.CommandPermissionUser:
			if _, err := s.getUser(ctx, x.ID); err != nil {
				return notFound(err, ErrUnknownUser, "load user")
			}
		case opcodes.CommandPermissionChannel:
			if x.ID == guildID-1 {
				continue
			}
			ch, err := s.store.Channels().Get(ctx, x.ID)
			if err != nil {
				return notFound(err, ErrUnknownChannel, "load channel")
			}
			if ch.GuildID != guildID {
				return ErrUnknownChannel
			}
		}
	}
	return nil
}
