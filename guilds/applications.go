package guilds

import (
	"context"
	"errors"
	"fmt"
	"strconv"
	"strings"

	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// CreateApplicationParams is POST /applications.
type CreateApplicationParams struct {
	Name        string `json:"name"`
	Description string `json:"description"`
	// Flags may enable privileged intents (opcodes.AppFlagGateway*); only those bits are
	// accepted, as the developer portal toggles them.
	Flags int `json:"flags"`
}

const appFlagsSettable = opcodes.AppFlagGatewayPresenceLimited | opcodes.AppFlagGatewayGuildMembersLimited |
	opcodes.AppFlagGatewayMessageContentLimited | opcodes.AppFlagGatewayPresence |
	opcodes.AppFlagGatewayGuildMembers | opcodes.AppFlagGatewayMessageContent

// CreateApplication creates an application owned by a human user. The bot user is created with
// it (same ID), without a token until CreateBot.
func (s *Service) CreateApplication(ctx context.Context, ownerID snowflake.ID, p CreateApplicationParams) (opcodes.Application, error) {
	owner, err := s.store.Users().Get(ctx, ownerID)
	if err != nil {
		return opcodes.Application{}, notFound(err, ErrUnauthorized, "load owner")
	}
	if owner.Bot {
		return opcodes.Application{}, ErrBotsForbidden
	}
	var v validator
	p.Name = strings.TrimSpace(p.Name)
	v.length("name", p.Name, 2, 32)
	v.length("description", p.Description, 0, 400)
	if p.Flags&^appFlagsSettable != 0 {
		v.add("flags", "APPLICATION_FLAGS_INVALID", "Invalid flags")
	}
	if err := v.err(); err != nil {
		return opcodes.Application{}, err
	}
	id := s.ids.Next()
	app := storage.Application{
		ID:          id,
		OwnerID:     ownerID,
		Name:        p.Name,
		Description: p.Description,
		Flags:       p.Flags,
		BotPublic:   true,
		CreatedAt:   s.now(),
	}
	bot := storage.User{ID: id, Username: p.Name, Discriminator: botDiscriminator(), Bot: true, CreatedAt: s.now()}
	if err := s.store.Users().Create(ctx, bot); err != nil {
		return opcodes.Application{}, fmt.Errorf("create bot user: %w", err)
	}
	if err := s.store.Applications().Create(ctx, app); err != nil {
		return opcodes.Application{}, fmt.Errorf("create application: %w", err)
	}
	verifyKey, err := s.verifyKeyHex(ctx, id) // generates the key pair
	if err != nil {
		return opcodes.Application{}, fmt.Errorf("create signing key: %w", err)
	}
	return s.applicationShape(app, verifyKey, &bot, &owner), nil
}

// applicationShape is the application object; verifyKey is its hex public signing key.
func (s *Service) applicationShape(a storage.Application, verifyKey string, bot, owner *storage.User) opcodes.Application {
	o := opcodes.Application{
		ID:                   a.ID,
		Name:                 a.Name,
		Icon:                 a.Icon,
		Description:          a.Description,
		BotPublic:            a.BotPublic,
		BotRequireCodeGrant:  a.BotRequireCodeGrant,
		VerifyKey:            verifyKey,
		Flags:                a.Flags,
		FlagsNew:             strconv.Itoa(a.Flags),
		RPCOrigins:           []string{},
		RedirectURIs:         []string{},
		EligibleOAuth2Scopes: []string{},
	}
	if a.InteractionsEndpointURL != "" {
		o.InteractionsURL = &a.InteractionsEndpointURL
	}
	if bot != nil {
		u := userShape(*bot)
		o.Bot = &u
	}
	if owner != nil {
		u := userShape(*owner)
		o.Owner = &u
	}
	return o
}

// Application is GET /applications/{id}: visible to its owner and to its own bot.
func (s *Service) Application(ctx context.Context, actor, appID snowflake.ID) (opcodes.Application, error) {
	a, err := s.store.Applications().Get(ctx, appID)
	if err != nil {
		return opcodes.Application{}, notFound(err, ErrUnknownApplication, "load application")
	}
	if actor != a.OwnerID && actor != a.ID {
		return opcodes.Application{}, ErrUnknownApplication
	}
	return s.loadApplicationShape(ctx, a)
}

func (s *Service) loadApplicationShape(ctx context.Context, a storage.Application) (opcodes.Application, error) {
	users, err := s.usersByID(ctx, []snowflake.ID{a.ID, a.OwnerID})
	if err != nil {
		return opcodes.Application{}, err
	}
	var bot, owner *storage.User
	if u, ok := users[a.ID]; ok {
		bot = &u
	}
	if u, ok := users[a.OwnerID]; ok {
		owner = &u
	}
	verifyKey, err := s.verifyKeyHex(ctx, a.ID)
	if err != nil {
		return opcodes.Application{}, err
	}
	return s.applicationShape(a, verifyKey, bot, owner), nil
}

// CurrentApplication is GET /applications/@me and /oauth2/applications/@me for a bot.
func (s *Service) CurrentApplication(ctx context.Context, botID snowflake.ID) (opcodes.Application, error) {
	a, err := s.store.Applications().Get(ctx, botID)
	if err != nil {
		return opcodes.Application{}, notFound(err, ErrUnknownApplication, "load application")
	}
	return s.loadApplicationShape(ctx, a)
}

// ApplicationFlags returns an application's flags (privileged intents), for the gateway.
func (s *Service) ApplicationFlags(ctx context.Context, appID snowflake.ID) (int, error) {
	a, err := s.getApplication(ctx, appID)
	if err != nil {
		return 0, notFound(err, ErrUnknownApplication, "load application")
	}
	return a.Flags, nil
}

// OwnedApplications lists a user's applications.
func (s *Service) OwnedApplications(ctx context.Context, ownerID snowflake.ID) ([]opcodes.Application, error) {
	apps, err := s.store.Applications().ListByOwner(ctx, ownerID)
	if err != nil {
		return nil, fmt.Errorf("list applications: %w", err)
	}
	out := make([]opcodes.Application, 0, len(apps))
	for _, a := range apps {
		o, err := s.loadApplicationShape(ctx, a)
		if err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, nil
}

// ModifyApplicationParams is PATCH /applications/{id} and /applications/@me.
type ModifyApplicationParams struct {
	Name        *string `json:"name"`
	Description *string `json:"description"`
	Flags       *int    `json:"flags"`
	// InteractionsEndpointURL, when a URL, is verified before it is saved (see
	// setEndpointURL); null or "" removes it, and interactions go to the gateway again.
	InteractionsEndpointURL opcodes.Nullable[string] `json:"interactions_endpoint_url"`
}

// ModifyApplication changes name, description, intent flags or the interactions endpoint URL.
func (s *Service) ModifyApplication(ctx context.Context, actor, appID snowflake.ID, p ModifyApplicationParams) (opcodes.Application, error) {
	a, err := s.store.Applications().Get(ctx, appID)
	if err != nil {
		return opcodes.Application{}, notFound(err, ErrUnknownApplication, "load application")
	}
	if actor != a.OwnerID && actor != a.ID {
		return opcodes.Application{}, ErrUnknownApplication
	}
	var v validator
	if p.Name != nil {
		v.length("name", strings.TrimSpace(*p.Name), 2, 32)
		a.Name = strings.TrimSpace(*p.Name)
	}
	if p.Description != nil {
		v.length("description", *p.Description, 0, 400)
		a.Description = *p.Description
	}
	if p.Flags != nil {
		if *p.Flags&^appFlagsSettable != 0 {
			v.add("flags", "APPLICATION_FLAGS_INVALID", "Invalid flags")
		}
		a.Flags = *p.Flags
	}
	if p.InteractionsEndpointURL.Set {
		if err := s.setEndpointURL(ctx, &v, &a, p.InteractionsEndpointURL.Value); err != nil {
			return opcodes.Application{}, err
		}
	}
	if err := v.err(); err != nil {
		return opcodes.Application{}, err
	}
	err = s.store.Applications().Update(ctx, a)
	s.apps.invalidate(a.ID)
	if err != nil {
		return opcodes.Application{}, fmt.Errorf("update application: %w", err)
	}
	return s.loadApplicationShape(ctx, a)
}

// BotToken is the answer of POST /applications/{id}/bot and /bot/reset.
type BotToken struct {
	Token string `json:"token"`
}

// CreateBot issues the application's bot token if it has none; with one already issued it
// returns a fresh one too (like a reset), since Discord never shows a token twice.
func (s *Service) CreateBot(ctx context.Context, actor, appID snowflake.ID) (BotToken, error) {
	return s.ResetBotToken(ctx, actor, appID)
}

// ResetBotToken issues a new bot token and revokes the old one.
func (s *Service) ResetBotToken(ctx context.Context, actor, appID snowflake.ID) (BotToken, error) {
	a, err := s.store.Applications().Get(ctx, appID)
	if err != nil {
		return BotToken{}, notFound(err, ErrUnknownApplication, "load application")
	}
	if actor != a.OwnerID {
		return BotToken{}, ErrUnknownApplication
	}
	issued := s.now().UnixMilli()
	old := a.BotTokenIssued
	if issued <= old {
		issued = old + 1
	}
	a.BotTokenIssued = issued
	err = s.store.Applications().Update(ctx, a)
	s.apps.invalidate(a.ID)
	if err != nil {
		return BotToken{}, fmt.Errorf("store bot token stamp: %w", err)
	}
	if old != 0 {
		// Other nodes drop the cached stamp now rather than after appCacheTTL, and every
		// gateway closes the sessions the old token opened.
		s.publishRevocation(ctx, Revocation{UserID: a.ID, Family: botFamily(old)})
	}
	return BotToken{Token: s.botToken(a.ID, issued)}, nil
}

// AuthorizeBotParams is POST /oauth2/authorize?client_id=…&scope=bot[+applications.commands].
type AuthorizeBotParams struct {
	GuildID     snowflake.ID        `json:"guild_id"`
	Permissions opcodes.Permissions `json:"permissions"`
	Authorize   bool                `json:"authorize"`
	// Scope is the OAuth2 scope list from the query (space- or plus-separated): "bot" adds
	// the bot, "applications.commands" lets the application manage its guild commands there
	// even without its bot. Empty means "bot".
	Scope string `json:"-"`
}

// OAuth2 scopes of the guild install flow.
const (
	ScopeBot                 = "bot"
	ScopeApplicationCommands = "applications.commands"
)

// HasScope reports whether a space- or plus-separated OAuth2 scope list contains want.
func HasScope(list, want string) bool {
	for _, s := range strings.FieldsFunc(list, func(r rune) bool { return r == ' ' || r == '+' }) {
		if s == want {
			return true
		}
	}
	return false
}

// AuthorizeBot installs an application in a guild, as the OAuth2 flow does. The actor needs
// MANAGE_GUILD there. With the bot scope the bot joins and gets a managed role with the
// requested permissions (only those the actor has); with applications.commands the
// application may register guild commands there, with or without its bot.
func (s *Service) AuthorizeBot(ctx context.Context, actor, appID snowflake.ID, p AuthorizeBotParams) error {
	scope := p.Scope
	if strings.TrimSpace(scope) == "" {
		scope = ScopeBot
	}
	withBot, withCommands := HasScope(scope, ScopeBot), HasScope(scope, ScopeApplicationCommands)
	if !withBot && !withCommands {
		var v validator
		v.add("scope", "SCOPE_INVALID", "Only the bot and applications.commands scopes can be authorized here.")
		return v.err()
	}
	a, err := s.store.Applications().Get(ctx, appID)
	if err != nil {
		return notFound(err, ErrUnknownApplication, "load application")
	}
	if !a.BotPublic && actor != a.OwnerID {
		return ErrUnknownApplication
	}
	if !p.Authorize {
		var v validator
		v.add("authorize", "BASE_TYPE_REQUIRED", "This field is required")
		return v.err()
	}
	if p.GuildID == 0 {
		var v validator
		v.required("guild_id")
		return v.err()
	}
	actorPerms, err := s.GuildPermissions(ctx, p.GuildID, actor)
	if err != nil {
		if errors.Is(err, ErrMissingAccess) {
			return ErrUnknownGuild
		}
		return err
	}
	if !actorPerms.Has(opcodes.PermManageGuild) {
		return ErrMissingPermissions
	}
	if !withBot {
		if err := s.store.Commands().Install(ctx, appID, p.GuildID); err != nil {
			return fmt.Errorf("install application commands: %w", err)
		}
		return nil
	}
	if p.Permissions&^actorPerms != 0 {
		return ErrMissingPermissions
	}
	if _, err := s.store.Bans().Get(ctx, p.GuildID, a.ID); err == nil {
		return ErrBanned
	}
	if withCommands {
		if err := s.store.Commands().Install(ctx, appID, p.GuildID); err != nil {
			return fmt.Errorf("install application commands: %w", err)
		}
	}
	if _, err := s.store.Members().Get(ctx, p.GuildID, a.ID); err == nil {
		return nil // already in the guild: Discord answers success
	}
	bot, err := s.store.Users().Get(ctx, a.ID)
	if err != nil {
		return fmt.Errorf("load bot user: %w", err)
	}
	var roleIDs []snowflake.ID
	if p.Permissions != 0 {
		role, err := s.createRole(ctx, p.GuildID, storage.Role{
			Name: bot.Username, Permissions: uint64(p.Permissions), Managed: true, BotID: bot.ID,
		})
		if err != nil {
			return err
		}
		roleIDs = append(roleIDs, role.ID)
	}
	if err := s.addMember(ctx, p.GuildID, bot, roleIDs); err != nil {
		return err
	}
	s.audit(ctx, auditEntry{GuildID: p.GuildID, Action: opcodes.AuditBotAdd, ActorID: actor, TargetID: bot.ID})
	s.integrationAdded(ctx, p.GuildID, a, bot)
	return nil
}
