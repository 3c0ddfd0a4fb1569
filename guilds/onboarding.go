package guilds

import (
	"context"
	"strconv"

	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// Welcome screen and onboarding: documents in storage.GuildConfigStore, validated against the
// guild's channels, roles and emojis as Discord does.

// welcomeConfig is the stored welcome screen.
type welcomeConfig struct {
	Enabled bool                  `json:"enabled"`
	Screen  opcodes.WelcomeScreen `json:"screen"`
}

func emptyWelcome() opcodes.WelcomeScreen {
	return opcodes.WelcomeScreen{WelcomeChannels: []opcodes.WelcomeScreenChannel{}}
}

// WelcomeScreen is GET /guilds/{id}/welcome-screen: any member once it is enabled, otherwise
// MANAGE_GUILD.
func (s *Service) WelcomeScreen(ctx context.Context, actor, guildID snowflake.ID) (opcodes.WelcomeScreen, error) {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return opcodes.WelcomeScreen{}, err
	}
	w := welcomeConfig{Screen: emptyWelcome()}
	if _, err := s.loadConfig(ctx, guildID, configWelcome, &w); err != nil {
		return opcodes.WelcomeScreen{}, err
	}
	if !w.Enabled {
		if _, err := s.requireGuildPerm(ctx, guildID, actor, opcodes.PermManageGuild); err != nil {
			return opcodes.WelcomeScreen{}, err
		}
	}
	return w.Screen, nil
}

// WelcomeChannelParams is one channel of PATCH /guilds/{id}/welcome-screen.
type WelcomeChannelParams struct {
	ChannelID   snowflake.ID  `json:"channel_id"`
	Description string        `json:"description"`
	EmojiID     *snowflake.ID `json:"emoji_id"`
	EmojiName   *string       `json:"emoji_name"`
}

// ModifyWelcomeScreenParams is PATCH /guilds/{id}/welcome-screen. Absent fields are kept.
type ModifyWelcomeScreenParams struct {
	Enabled         opcodes.Nullable[bool]                   `json:"enabled"`
	WelcomeChannels opcodes.Nullable[[]WelcomeChannelParams] `json:"welcome_channels"`
	Description     opcodes.Nullable[string]                 `json:"description"`
}

// ModifyWelcomeScreen is PATCH /guilds/{id}/welcome-screen: MANAGE_GUILD; description ≤ 140,
// at most 5 channels of the guild, each described in 1–50 characters, custom emojis the
// guild's own.
func (s *Service) ModifyWelcomeScreen(ctx context.Context, actor, guildID snowflake.ID, p ModifyWelcomeScreenParams) (opcodes.WelcomeScreen, error) {
	gp, err := s.requireGuildAdmin(ctx, guildID, actor, opcodes.PermManageGuild)
	if err != nil {
		return opcodes.WelcomeScreen{}, err
	}
	w := welcomeConfig{Screen: emptyWelcome()}
	if _, err := s.loadConfig(ctx, guildID, configWelcome, &w); err != nil {
		return opcodes.WelcomeScreen{}, err
	}
	var v validator
	if p.Enabled.Set {
		w.Enabled = p.Enabled.Value
	}
	if p.Description.Set {
		w.Screen.Description = nil
		if !p.Description.Null && p.Description.Value != "" {
			v.length("description", p.Description.Value, 0, 140)
			w.Screen.Description = p.Description.Ptr()
		}
	}
	if p.WelcomeChannels.Set {
		chans := p.WelcomeChannels.Value
		if len(chans) > 5 {
			v.add("welcome_channels", "BASE_TYPE_MAX_LENGTH", "Must be 5 or fewer in length.")
		}
		w.Screen.WelcomeChannels = []opcodes.WelcomeScreenChannel{}
		for i, c := range chans {
			at := "welcome_channels." + strconv.Itoa(i)
			if _, ok := gp.channels[c.ChannelID]; !ok {
				v.add(at+".channel_id", "CHANNEL_INVALID", "Invalid channel")
			}
			v.length(at+".description", c.Description, 1, 50)
			if c.EmojiID != nil {
				if _, err := s.store.Emojis().Get(ctx, guildID, *c.EmojiID); err != nil {
					v.add(at+".emoji_id", "EMOJI_INVALID", "Invalid emoji")
				}
			}
			w.Screen.WelcomeChannels = append(w.Screen.WelcomeChannels, opcodes.WelcomeScreenChannel(c))
		}
	}
	if err := v.err(); err != nil {
		return opcodes.WelcomeScreen{}, err
	}
	if err := s.saveConfig(ctx, guildID, configWelcome, w); err != nil {
		return opcodes.WelcomeScreen{}, err
	}
	return w.Screen, nil
}

// Onboarding modes and prompt types.
const (
	onboardingModeDefault  = 0
	onboardingModeAdvanced = 1
	promptMultipleChoice   = 0
	promptDropdown         = 1
)

func emptyOnboarding(guildID snowflake.ID) opcodes.Onboarding {
	return opcodes.Onboarding{GuildID: guildID, Prompts: []opcodes.OnboardingPrompt{}, DefaultChannelIDs: []snowflake.ID{}}
}

// Onboarding is GET /guilds/{id}/onboarding: members only.
func (s *Service) Onboarding(ctx context.Context, actor, guildID snowflake.ID) (opcodes.Onboarding, error) {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return opcodes.Onboarding{}, err
	}
	o := emptyOnboarding(guildID)
	if _, err := s.loadConfig(ctx, guildID, configOnboarding, &o); err != nil {
		return opcodes.Onboarding{}, err
	}
	return o, nil
}

// OnboardingOptionParams is one option of a prompt in PUT /guilds/{id}/onboarding.
type OnboardingOptionParams struct {
	ID            *snowflake.ID  `json:"id"`
	Title         string         `json:"title"`
	Description   *string        `json:"description"`
	EmojiID       *snowflake.ID  `json:"emoji_id"`
	EmojiName     *string        `json:"emoji_name"`
	EmojiAnimated *bool          `json:"emoji_animated"`
	RoleIDs       []snowflake.ID `json:"role_ids"`
	ChannelIDs    []snowflake.ID `json:"channel_ids"`
}

// OnboardingPromptParams is one prompt of PUT /guilds/{id}/onboarding.
type OnboardingPromptParams struct {
	ID           snowflake.ID             `json:"id"`
	Type         *int                     `json:"type"`
	Title        string                   `json:"title"`
	Options      []OnboardingOptionParams `json:"options"`
	SingleSelect *bool                    `json:"single_select"`
	Required     *bool                    `json:"required"`
	InOnboarding *bool                    `json:"in_onboarding"`
}

// OnboardingParams is PUT /guilds/{id}/onboarding. Absent fields are kept.
type OnboardingParams struct {
	Prompts           *[]OnboardingPromptParams `json:"prompts"`
	DefaultChannelIDs *[]snowflake.ID           `json:"default_channel_ids"`
	Enabled           *bool                     `json:"enabled"`
	Mode              *int                      `json:"mode"`
}

// Discord's onboarding constraints: enabling needs at least 7 default channels, 5 of which
// @everyone may send messages in (in the default mode, where only default channels count).
const (
	onboardingMinChannels     = 7
	onboardingMinSendChannels = 5
)

// PutOnboarding is PUT /guilds/{id}/onboarding: MANAGE_GUILD and MANAGE_ROLES. At most 15
// prompts of 1–50 options; titles 1–100 (prompt) and 1–50 (option), descriptions ≤ 100;
// roles, channels and emojis must be the guild's; enabling checks Discord's default-channel
// constraints. New prompts and options (unknown or absent IDs) get fresh snowflakes.
func (s *Service) PutOnboarding(ctx context.Context, actor, guildID snowflake.ID, p OnboardingParams) (opcodes.Onboarding, error) {
	gp, err := s.requireGuildAdmin(ctx, guildID, actor, opcodes.PermManageGuild|opcodes.PermManageRoles)
	if err != nil {
		return opcodes.Onboarding{}, err
	}
	o := emptyOnboarding(guildID)
	if _, err := s.loadConfig(ctx, guildID, configOnboarding, &o); err != nil {
		return opcodes.Onboarding{}, err
	}
	var v validator
	channelOK := func(field string, id snowflake.ID) {
		if _, ok := gp.channels[id]; !ok {
			v.add(field, "CHANNEL_INVALID", "Invalid channel")
		}
	}
	if p.Mode != nil {
		if *p.Mode != onboardingModeDefault && *p.Mode != onboardingModeAdvanced {
			v.add("mode", "BASE_TYPE_CHOICES", "Value must be one of {0, 1}.")
		}
		o.Mode = *p.Mode
	}
	if p.DefaultChannelIDs != nil {
		ids := dedupe(*p.DefaultChannelIDs)
		if len(ids) > 500 {
			v.add("default_channel_ids", "BASE_TYPE_MAX_LENGTH", "Must be 500 or fewer in length.")
		}
		for i, id := range ids {
			channelOK("default_channel_ids."+strconv.Itoa(i), id)
		}
		o.DefaultChannelIDs = ids
		if o.DefaultChannelIDs == nil {
			o.DefaultChannelIDs = []snowflake.ID{}
		}
	}
	if p.Prompts != nil {
		if len(*p.Prompts) > 15 {
			v.add("prompts", "BASE_TYPE_MAX_LENGTH", "Must be 15 or fewer in length.")
		}
		o.Prompts = []opcodes.OnboardingPrompt{}
		for i, pp := range *p.Prompts {
			at := "prompts." + strconv.Itoa(i)
			v.length(at+".title", pp.Title, 1, 100)
			if n := len(pp.Options); n < 1 || n > 50 {
				v.add(at+".options", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 50 in length.")
			}
			pr := opcodes.OnboardingPrompt{ID: pp.ID, Title: pp.Title, InOnboarding: true, Options: []opcodes.OnboardingOption{}}
			if pr.ID == 0 {
				pr.ID = s.ids.Next()
			}
			if pp.Type != nil {
				if *pp.Type != promptMultipleChoice && *pp.Type != promptDropdown {
					v.add(at+".type", "BASE_TYPE_CHOICES", "Value must be one of {0, 1}.")
				}
				pr.Type = *pp.Type
			}
			if pp.SingleSelect != nil {
				pr.SingleSelect = *pp.SingleSelect
			}
			if pp.Required != nil {
				pr.Required = *pp.Required
			}
			if pp.InOnboarding != nil {
				pr.InOnboarding = *pp.InOnboarding
			}
			for j, op := range pp.Options {
				oat := at + ".options." + strconv.Itoa(j)
				v.length(oat+".title", op.Title, 1, 50)
				opt := opcodes.OnboardingOption{Title: op.Title, RoleIDs: dedupe(op.RoleIDs), ChannelIDs: dedupe(op.ChannelIDs)}
				if op.ID != nil && *op.ID != 0 {
					opt.ID = *op.ID
				} else {
					opt.ID = s.ids.Next()
				}
				if op.Description != nil {
					v.length(oat+".description", *op.Description, 0, 100)
					opt.Description = *op.Description
				}
				if len(opt.RoleIDs) > 50 {
					v.add(oat+".role_ids", "BASE_TYPE_MAX_LENGTH", "Must be 50 or fewer in length.")
				}
				if len(opt.ChannelIDs) > 50 {
					v.add(oat+".channel_ids", "BASE_TYPE_MAX_LENGTH", "Must be 50 or fewer in length.")
				}
				for k, r := range opt.RoleIDs {
					if _, ok := gp.rolePerms[r]; !ok || r == guildID {
						v.add(oat+".role_ids."+strconv.Itoa(k), "ROLE_INVALID", "Unknown role "+r.String())
					}
				}
				for k, c := range opt.ChannelIDs {
					channelOK(oat+".channel_ids."+strconv.Itoa(k), c)
				}
				if len(opt.RoleIDs) == 0 && len(opt.ChannelIDs) == 0 {
					v.add(oat, "ONBOARDING_OPTION_EMPTY", "An option must grant a role or a channel")
				}
				if opt.RoleIDs == nil {
					opt.RoleIDs = []snowflake.ID{}
				}
				if opt.ChannelIDs == nil {
					opt.ChannelIDs = []snowflake.ID{}
				}
				if op.EmojiID != nil || op.EmojiName != nil {
					e := opcodes.OnboardingEmoji{ID: op.EmojiID, Name: op.EmojiName}
					if op.EmojiAnimated != nil {
						e.Animated = *op.EmojiAnimated
					}
					if op.EmojiID != nil {
						if _, err := s.store.Emojis().Get(ctx, guildID, *op.EmojiID); err != nil {
							v.add(oat+".emoji_id", "EMOJI_INVALID", "Invalid emoji")
						}
					}
					opt.Emoji = e
				}
				pr.Options = append(pr.Options, opt)
			}
			o.Prompts = append(o.Prompts, pr)
		}
	}
	if p.Enabled != nil {
		o.Enabled = *p.Enabled
	}
	if err := v.err(); err != nil {
		return opcodes.Onboarding{}, err
	}
	if o.Enabled {
		everyone := PermissionState{OwnerID: gp.ownerID, GuildID: guildID, RolePerms: gp.rolePerms}
		send := 0
		for _, id := range o.DefaultChannelIDs {
			if ChannelPermissions(everyone, 0, gp.channels[id].Overwrites, s.now()).Has(opcodes.PermViewChannel | opcodes.PermSendMessages) {
				send++
			}
		}
		if len(o.DefaultChannelIDs) < onboardingMinChannels || send < onboardingMinSendChannels {
			v.add("default_channel_ids", "GUILD_ONBOARDING_INVALID_DEFAULT_CHANNELS",
				"Onboarding needs at least 7 default channels, 5 of which @everyone can send messages in")
			return opcodes.Onboarding{}, v.err()
		}
	}
	if err := s.saveConfig(ctx, guildID, configOnboarding, o); err != nil {
		return opcodes.Onboarding{}, err
	}
	return o, nil
}
