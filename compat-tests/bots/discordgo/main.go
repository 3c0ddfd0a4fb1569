// Command discordgo drives github.com/bwmarrin/discordgo against Parley.
//
// Knob: discordgo has no base-URL option, so the session's *http.Client gets
// a RoundTripper that sends https://discord.com/… to PARLEY_API's host. The
// gateway URL then comes from the server's GET /api/v9/gateway. Transport:
// the library's default, IDENTIFY compress:true (per-payload zlib).
package main

import (
	"context"
	"fmt"
	"log"
	"net/http"
	"net/url"
	"os"
	"time"

	"github.com/bwmarrin/discordgo"

	"github.com/parley-chat/parley/compat-tests/internal/scenario"
)

// rewrite points every request at the Parley REST listener, keeping the path.
type rewrite struct {
	target *url.URL
	next   http.RoundTripper
}

func (t rewrite) RoundTrip(r *http.Request) (*http.Response, error) {
	r = r.Clone(r.Context())
	r.URL.Scheme = t.target.Scheme
	r.URL.Host = t.target.Host
	r.Host = ""
	return t.next.RoundTrip(r)
}

func main() {
	env := scenario.LoadEnv()
	sc := scenario.New(env, 60*time.Second)
	scenario.Info("discordgo", scenario.ModuleVersion("github.com/bwmarrin/discordgo"), "payload-zlib (identify compress:true)")

	target, err := url.Parse(env.API)
	if err != nil {
		scenario.Fail("ready", err)
	}
	s, err := discordgo.New("Bot " + env.BotToken)
	if err != nil {
		scenario.Fail("ready", err)
	}
	s.Client = &http.Client{Timeout: 20 * time.Second, Transport: rewrite{target, http.DefaultTransport}}
	s.Identify.Intents = discordgo.IntentsGuilds | discordgo.IntentsGuildMessages |
		discordgo.IntentMessageContent | discordgo.IntentsGuildMessageReactions
	if os.Getenv("PARLEY_BOT_DEBUG") != "" {
		s.LogLevel = discordgo.LogDebug
	}
	log.SetOutput(os.Stderr)

	s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Ready) { sc.Ready() })
	s.AddHandler(func(_ *discordgo.Session, _ *discordgo.Resumed) { sc.Resumed() })
	s.AddHandler(func(_ *discordgo.Session, m *discordgo.MessageCreate) {
		if m.Author != nil {
			sc.Message(m.Author.ID, m.Content)
		}
	})
	if err := s.Open(); err != nil {
		scenario.Fail("ready", fmt.Errorf("Open: %w", err))
	}
	sc.Run(lib{s})
	_ = s.Close()
	os.Exit(0)
}

type lib struct{ s *discordgo.Session }

func (l lib) Cached(guildID, channelID string) error {
	g, err := l.s.State.Guild(guildID)
	if err != nil {
		return fmt.Errorf("guild %s not in state: %w", guildID, err)
	}
	c, err := l.s.State.Channel(channelID)
	if err != nil {
		return fmt.Errorf("channel %s not in state: %w", channelID, err)
	}
	if c.GuildID != g.ID || c.Type != discordgo.ChannelTypeGuildText {
		return fmt.Errorf("channel %s: guild %q type %d", channelID, c.GuildID, c.Type)
	}
	return nil
}

func (l lib) Send(ctx context.Context, ch, content string) (string, string, error) {
	m, err := l.s.ChannelMessageSend(ch, content, discordgo.WithContext(ctx))
	if err != nil {
		return "", "", err
	}
	return m.ID, m.Content, nil
}

func (l lib) React(ctx context.Context, ch, id, emoji string) error {
	return l.s.MessageReactionAdd(ch, id, emoji, discordgo.WithContext(ctx))
}

func (l lib) Edit(ctx context.Context, ch, id, content string) (string, error) {
	m, err := l.s.ChannelMessageEdit(ch, id, content, discordgo.WithContext(ctx))
	if err != nil {
		return "", err
	}
	return m.Content, nil
}

func (l lib) Fetch(ctx context.Context, ch, id string) (string, error) {
	m, err := l.s.ChannelMessage(ch, id, discordgo.WithContext(ctx))
	if err != nil {
		return "", err
	}
	return m.Content, nil
}

func (l lib) Delete(ctx context.Context, ch, id string) error {
	return l.s.ChannelMessageDelete(ch, id, discordgo.WithContext(ctx))
}
