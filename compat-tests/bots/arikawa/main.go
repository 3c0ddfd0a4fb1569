// Command arikawa drives github.com/diamondburned/arikawa/v3 against Parley.
//
// Knob: arikawa has no base-URL option; its exported api.Endpoint* variables
// are reassigned before the state is built (they are computed at init from
// "https://discord.com"). The gateway URL then comes from the server's
// GET /api/v9/gateway/bot. Transport: the library's default, IDENTIFY
// compress:true (per-payload zlib).
package main

import (
	"context"
	"fmt"
	"log"
	"os"
	"time"

	"github.com/diamondburned/arikawa/v3/api"
	"github.com/diamondburned/arikawa/v3/discord"
	"github.com/diamondburned/arikawa/v3/gateway"
	"github.com/diamondburned/arikawa/v3/state"

	"github.com/parley-chat/parley/compat-tests/internal/scenario"
)

// pointAPIAt reassigns every exported endpoint variable of package api.
func pointAPIAt(base string) {
	api.BaseEndpoint = base
	api.Endpoint = api.BaseEndpoint + api.Path + "/"
	api.EndpointGateway = api.Endpoint + "gateway"
	api.EndpointGatewayBot = api.EndpointGateway + "/bot"
	api.EndpointApplications = api.Endpoint + "applications/"
	api.EndpointChannels = api.Endpoint + "channels/"
	api.EndpointGuilds = api.Endpoint + "guilds/"
	api.EndpointInteractions = api.Endpoint + "interactions/"
	api.EndpointInvites = api.Endpoint + "invites/"
	api.EndpointAuth = api.Endpoint + "auth/"
	api.EndpointLogin = api.EndpointAuth + "login"
	api.EndpointTOTP = api.EndpointAuth + "mfa/totp"
	api.EndpointStageInstances = api.Endpoint + "stage-instances/"
	api.EndpointUsers = api.Endpoint + "users/"
	api.EndpointMe = api.EndpointUsers + "@me"
	api.EndpointWebhooks = api.Endpoint + "webhooks/"
}

func main() {
	env := scenario.LoadEnv()
	sc := scenario.New(env, 60*time.Second)
	scenario.Info("arikawa", scenario.ModuleVersion("github.com/diamondburned/arikawa/v3"), "payload-zlib (identify compress:true)")

	// PARLEY_API is http://host:port/api; api.Path is "/api/v9".
	base := env.API[:len(env.API)-len("/api")]
	pointAPIAt(base)

	s := state.NewWithIntents("Bot "+env.BotToken,
		gateway.IntentGuilds, gateway.IntentGuildMessages,
		gateway.IntentMessageContent, gateway.IntentGuildMessageReactions)
	s.StateLog = func(err error) { log.Printf("arikawa state: %v", err) }
	s.AddHandler(func(*gateway.ReadyEvent) { sc.Ready() })
	s.AddHandler(func(*gateway.ResumedEvent) { sc.Resumed() })
	s.AddHandler(func(m *gateway.MessageCreateEvent) { sc.Message(m.Author.ID.String(), m.Content) })
	if os.Getenv("PARLEY_BOT_DEBUG") != "" {
		s.AddHandler(func(err error) { log.Printf("arikawa error: %v", err) })
	}

	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	if err := s.Open(ctx); err != nil {
		scenario.Fail("ready", fmt.Errorf("Open: %w", err))
	}
	cancel()
	sc.Run(lib{s})
	_ = s.Close()
	os.Exit(0)
}

type lib struct{ s *state.State }

func ids(ch, id string) (discord.ChannelID, discord.MessageID, error) {
	c, err := discord.ParseSnowflake(ch)
	if err != nil {
		return 0, 0, err
	}
	if id == "" {
		return discord.ChannelID(c), 0, nil
	}
	m, err := discord.ParseSnowflake(id)
	return discord.ChannelID(c), discord.MessageID(m), err
}

func (l lib) Cached(guildID, channelID string) error {
	g, err := discord.ParseSnowflake(guildID)
	if err != nil {
		return err
	}
	c, _, err := ids(channelID, "")
	if err != nil {
		return err
	}
	if _, err := l.s.Cabinet.Guild(discord.GuildID(g)); err != nil {
		return fmt.Errorf("guild %s not in cabinet: %w", guildID, err)
	}
	ch, err := l.s.Cabinet.Channel(c)
	if err != nil {
		return fmt.Errorf("channel %s not in cabinet: %w", channelID, err)
	}
	if ch.GuildID != discord.GuildID(g) || ch.Type != discord.GuildText {
		return fmt.Errorf("channel %s: guild %s type %d", channelID, ch.GuildID, ch.Type)
	}
	return nil
}

func (l lib) client(ctx context.Context) *api.Client { return l.s.Session.Client.WithContext(ctx) }

func (l lib) Send(ctx context.Context, ch, content string) (string, string, error) {
	c, _, err := ids(ch, "")
	if err != nil {
		return "", "", err
	}
	m, err := l.client(ctx).SendMessage(c, content)
	if err != nil {
		return "", "", err
	}
	return m.ID.String(), m.Content, nil
}

func (l lib) React(ctx context.Context, ch, id, emoji string) error {
	c, m, err := ids(ch, id)
	if err != nil {
		return err
	}
	return l.client(ctx).React(c, m, discord.APIEmoji(emoji))
}

func (l lib) Edit(ctx context.Context, ch, id, content string) (string, error) {
	c, m, err := ids(ch, id)
	if err != nil {
		return "", err
	}
	msg, err := l.client(ctx).EditMessage(c, m, content)
	if err != nil {
		return "", err
	}
	return msg.Content, nil
}

func (l lib) Fetch(ctx context.Context, ch, id string) (string, error) {
	c, m, err := ids(ch, id)
	if err != nil {
		return "", err
	}
	// api.Client.Message always hits REST (State.Message would read the cabinet).
	msg, err := l.client(ctx).Message(c, m)
	if err != nil {
		return "", err
	}
	return msg.Content, nil
}

func (l lib) Delete(ctx context.Context, ch, id string) error {
	c, m, err := ids(ch, id)
	if err != nil {
		return err
	}
	return l.client(ctx).DeleteMessage(c, m, "")
}
