package guilds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"

	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// ixBuild is an interaction being minted: who, where, and the payload the application gets.
type ixBuild struct {
	user    storage.User
	app     storage.Application
	ch      storage.Channel
	perms   opcodes.Permissions // the invoker's, in the channel
	member  *storage.Member     // nil outside guilds
	out     opcodes.Interaction
	doc     interactionDoc
	uploads []storage.Attachment
}

// interactionBase checks that actor can see the channel and that the application is there
// (its bot in the guild, or installed with applications.commands; in a DM, the bot DM or a
// private channel), and fills the parts of the payload every type shares: channel, guild,
// member (with permissions) or user, app_permissions, context, authorizing owners.
func (s *Service) interactionBase(ctx context.Context, u storage.User, app storage.Application, p InteractionParams) (*ixBuild, error) {
	ch, perms, err := s.channelAccess(ctx, u.ID, p.ChannelID)
	if err != nil {
		return nil, err
	}
	if p.GuildID != 0 && ch.GuildID != p.GuildID {
		return nil, ErrUnknownChannel
	}
	b := &ixBuild{user: u, app: app, ch: ch, perms: perms}
	partial := channelShape(ch)
	b.out = opcodes.Interaction{ID: s.ids.Next(), ApplicationID: app.ID, Type: p.Type, ChannelID: ch.ID, Channel: &partial,
		Version: 1, Locale: userLocale(u), Entitlements: []json.RawMessage{}, AttachmentSizeLimit: int64(s.maxFile)}
	if ch.GuildID == 0 {
		us := userShape(u)
		b.out.User, b.out.AppPermissions = &us, dmPermissions
		if slices.Contains(ch.Recipients, app.ID) {
			b.out.Context = opcodes.ContextBotDM
			b.out.AuthorizingIntegrationOwners = map[opcodes.IntegrationType]snowflake.ID{opcodes.IntegrationGuildInstall: 0}
		} else {
			b.out.Context = opcodes.ContextPrivateChannel
			b.out.AuthorizingIntegrationOwners = map[opcodes.IntegrationType]snowflake.ID{opcodes.IntegrationUserInstall: u.ID}
		}
		return b, nil
	}
	if err := s.appInGuild(ctx, app.ID, ch.GuildID); err != nil {
		if errors.Is(err, ErrMissingAccess) {
			// The application is not in the guild: none of its commands or messages are there.
			return nil, absentError(p.Type)
		}
		return nil, err
	}
	g, err := s.store.Guilds().Get(ctx, ch.GuildID)
	if err != nil {
		return nil, notFound(err, ErrUnknownGuild, "load guild")
	}
	m, err := s.store.Members().Get(ctx, ch.GuildID, u.ID)
	if err != nil {
		return nil, notFound(err, ErrMissingAccess, "load member")
	}
	b.member = &m
	ms := memberShape(m, &u)
	ms.Permissions = &perms
	features := g.Features
	if features == nil {
		features = []string{}
	}
	b.out.Member, b.out.GuildID, b.out.GuildLocale = &ms, g.ID, g.PreferredLocale
	b.out.Guild = &opcodes.InteractionGuild{ID: g.ID, Features: features, Locale: g.PreferredLocale}
	b.out.Context = opcodes.ContextGuild
	b.out.AuthorizingIntegrationOwners = map[opcodes.IntegrationType]snowflake.ID{opcodes.IntegrationGuildInstall: g.ID}
	if ap, err := s.ChannelPermissions(ctx, g.ID, ch.ID, app.ID); err == nil {
		b.out.AppPermissions = ap
	} else if !errors.Is(err, ErrUnknownMember) && !errors.Is(err, ErrMissingAccess) {
		return nil, err
	}
	return b, nil
}

// absentError is what an interaction with an application that is not in the guild gets.
func absentError(t opcodes.InteractionType) error {
	switch t {
	case opcodes.InteractionMessageComponent:
		return ErrUnknownMessage
	case opcodes.InteractionModalSubmit:
		return ErrUnknownInteraction
	}
	return ErrUnknownCommand
}

// commandInteraction checks a command invocation (type 2) or autocomplete request (type 4):
// the command exists in the channel's scope (guild command, else global), its context
// allows the channel, the invoker may use it (command permission overwrites, else
// default_member_permissions), and the options (or the context menu's target) match.
func (s *Service) commandInteraction(ctx context.Context, b *ixBuild, p InteractionParams) error {
	guildID := b.ch.GuildID
	if p.Data.ID == 0 {
		return ErrUnknownCommand
	}
	cmd, err := s.store.Commands().Get(ctx, b.app.ID, guildID, p.Data.ID)
	if guildID != 0 && errors.Is(err, storage.ErrNotFound) {
		cmd, err = s.store.Commands().Get(ctx, b.app.ID, 0, p.Data.ID)
	}
	if err != nil {
		return notFound(err, ErrUnknownCommand, "load command")
	}
	def, err := decodeCommand(cmd)
	if err != nil {
		return err
	}
	if (p.Data.Type != 0 && p.Data.Type != def.Type) || (p.Data.Name != "" && p.Data.Name != def.Name) ||
		def.Type == opcodes.CommandPrimaryEntryPoint {
		return ErrUnknownCommand
	}
	if !contextAllowed(def, cmd.GuildID != 0, b.out.Context) {
		return ErrUnknownCommand
	}
	if def.NSFW && guildID != 0 && !b.ch.NSFW {
		return ErrMissingAccess
	}
	if guildID != 0 {
		if err := s.checkCommandUse(ctx, b, cmd, def); err != nil {
			return err
		}
	}
	var v validator
	autocomplete := p.Type == opcodes.InteractionApplicationCommandAutocomplete
	if autocomplete && def.Type != opcodes.CommandChatInput {
		v.add("data.type", "BASE_TYPE_CHOICES", "Value must be one of (1,).")
	}
	resolved := &opcodes.Resolved{}
	data := &opcodes.InteractionData{ID: cmd.ID, Name: def.Name, Type: def.Type, GuildID: cmd.GuildID}
	b.doc.CommandID, b.doc.Name, b.doc.CommandType = cmd.ID, def.Name, def.Type
	switch def.Type {
	case opcodes.CommandChatInput:
		files, err := s.interactionUploads(&v, b, p)
		if err != nil {
			return err
		}
		oc := optionCheck{v: &v, guildID: guildID, resolved: resolved, autocomplete: autocomplete, files: files}
		if err := s.checkInteractionOptions(ctx, &oc, "data.options", def.Options, p.Data.Options); err != nil {
			return err
		}
		if autocomplete && oc.focused != 1 {
			v.add("data.options", "APPLICATION_COMMAND_AUTOCOMPLETE_FOCUSED_INVALID", "Exactly one option must be focused.")
		}
		data.Options = oc.rewritten(p.Data.Options)
	case opcodes.CommandUser, opcodes.CommandMessage:
		if len(p.Data.Options) > 0 {
			v.add("data.options", "APPLICATION_COMMAND_OPTION_UNKNOWN", "Context menu commands have no options.")
		}
		if err := s.resolveTarget(ctx, &v, b, def.Type, p.Data.TargetID, resolved); err != nil {
			return err
		}
		data.TargetID = p.Data.TargetID
	}
	if err := v.err(); err != nil {
		return err
	}
	if !resolvedEmpty(resolved) {
		data.Resolved = resolved
	}
	b.out.Data = data
	return nil
}

// resolvedEmpty reports whether nothing was resolved (the field is then omitted).
func resolvedEmpty(r *opcodes.Resolved) bool {
	return len(r.Users)+len(r.Members)+len(r.Roles)+len(r.Channels)+len(r.Messages)+len(r.Attachments) == 0
}

// contextAllowed applies a command's contexts: guild commands work in their guild only;
// global ones where contexts (default: guild and bot DM) allow, a bot DM unless
// dm_permission is false, and private channels only for user-installable commands.
func contextAllowed(def commandDef, guildCmd bool, c opcodes.InteractionContextType) bool {
	if guildCmd {
		return c == opcodes.ContextGuild
	}
	if def.Contexts != nil && !slices.Contains(def.Contexts, c) {
		return false
	}
	switch c {
	case opcodes.ContextBotDM:
		return def.DMPermission == nil || *def.DMPermission
	case opcodes.ContextPrivateChannel:
		return slices.Contains(def.IntegrationTypes, opcodes.IntegrationUserInstall)
	}
	return true
}

// checkCommandUse is Discord's command permission check in a guild: USE_APPLICATION_COMMANDS
// in the channel; then the channel overwrites (the command's, else the application's; a
// channel's own entry before "all channels", guild_id − 1); then the user and role overwrites
// (the command's, else the application's: the user's entry, else any allowed role, else any
// denied role, else @everyone = guild_id). A matching allow skips default_member_permissions,
// a deny refuses; with none, default_member_permissions decides (ADMINISTRATOR passes).
func (s *Service) checkCommandUse(ctx context.Context, b *ixBuild, cmd storage.Command, def commandDef) error {
	if !b.perms.Has(opcodes.PermUseApplicationCommands) {
		return ErrMissingPermissions
	}
	guildID := b.ch.GuildID
	var levels [2][]storage.CommandPermission
	for i, id := range []snowflake.ID{cmd.ID, b.app.ID} {
		ps, err := s.store.Commands().GetPermissions(ctx, b.app.ID, guildID, id)
		if err != nil && !errors.Is(err, storage.ErrNotFound) {
			return fmt.Errorf("load command permissions: %w", err)
		}
		levels[i] = ps.Permissions
	}
	for _, set := range levels {
		if ok, found := channelOverwrite(set, b.ch, guildID); found {
			if !ok {
				return ErrMissingPermissions
			}
			break
		}
	}
	for _, set := range levels {
		if ok, found := memberOverwrite(set, b.user.ID, b.member.Roles, guildID); found {
			if !ok {
				return ErrMissingPermissions
			}
			return nil
		}
	}
	if dp := def.DefaultMemberPermissions; dp != nil && !b.perms.Has(opcodes.PermAdministrator) && (*dp == 0 || !b.perms.Has(*dp)) {
		return ErrMissingPermissions
	}
	return nil
}

func channelOverwrite(set []storage.CommandPermission, ch storage.Channel, guildID snowflake.ID) (allowed, found bool) {
	for _, want := range []snowflake.ID{ch.ID, ch.ParentID, guildID - 1} {
		if want == 0 {
			continue
		}
		for _, p := range set {
			if p.Type == int(opcodes.CommandPermissionChannel) && p.ID == want {
				return p.Permission, true
			}
		}
	}
	return false, false
}

func memberOverwrite(set []storage.CommandPermission, userID snowflake.ID, roles []snowflake.ID, guildID snowflake.ID) (allowed, found bool) {
	for _, p := range set {
		if p.Type == int(opcodes.CommandPermissionUser) && p.ID == userID {
			return p.Permission, true
		}
	}
	denied := false
	for _, p := range set {
		if p.Type == int(opcodes.CommandPermissionRole) && p.ID != guildID && slices.Contains(roles, p.ID) {
			if p.Permission {
				return true, true
			}
			denied = true
		}
	}
	if denied {
		return false, true
	}
	for _, p := range set {
		if p.Type == int(opcodes.CommandPermissionRole) && p.ID == guildID {
			return p.Permission, true
		}
	}
	return false, false
}

// resolveTarget checks a context menu's target: a user (USER command) or a message of the
// channel the invoker may read (MESSAGE command), and resolves it.
func (s *Service) resolveTarget(ctx context.Context, v *validator, b *ixBuild, t opcodes.CommandType, target snowflake.ID, resolved *opcodes.Resolved) error {
	if target == 0 {
		v.required("data.target_id")
		return nil
	}
	if t == opcodes.CommandUser {
		d := opcodes.CommandOption{Type: opcodes.OptionUser}
		if err := s.resolveOption(ctx, v, "data.target_id", b.ch.GuildID, &d, target, resolved); err != nil {
			return err
		}
		if u, ok := resolved.Users[target]; ok {
			b.doc.Target = &u
		}
		return nil
	}
	if !b.perms.Has(opcodes.PermReadMessageHistory) {
		return ErrMissingAccess
	}
	m, err := s.store.Messages().Get(ctx, b.ch.ID, target)
	if errors.Is(err, storage.ErrNotFound) {
		v.add("data.target_id", "APPLICATION_COMMAND_TARGET_INVALID", "Unknown message.")
		return nil
	}
	if err != nil {
		return fmt.Errorf("load target message: %w", err)
	}
	// Interactions carry the target's content whatever the bot's intents, as on Discord:
	// the message is shaped for the invoker, who can read it.
	shapes, err := s.messageShapes(ctx, b.user.ID, []storage.Message{m}, false)
	if err != nil {
		return err
	}
	resolved.Messages = map[snowflake.ID]opcodes.Message{m.ID: shapes[0]}
	b.doc.TargetMsg = m.ID
	return nil
}

// interactionUploads stores nothing yet: it validates a multipart request's files, gives
// them IDs (the interaction's, as their message) and returns them by files[n] index, for
// attachment options to name.
func (s *Service) interactionUploads(v *validator, b *ixBuild, p InteractionParams) (map[int]opcodes.Attachment, error) {
	if len(p.Files) == 0 {
		return nil, nil
	}
	ups, err := s.checkUploads(v, p.Files, p.Data.Attachments, 0, nil)
	if err != nil || len(ups) == 0 {
		return nil, err
	}
	metas, rows := s.assignUploads(b.ch.ID, b.out.ID, ups)
	s.withURLs(b.ch.ID, metas)
	b.uploads = rows
	out := make(map[int]opcodes.Attachment, len(metas))
	for i, f := range p.Files {
		if i < len(metas) {
			out[f.Index] = metas[i]
		}
	}
	return out, nil
}
