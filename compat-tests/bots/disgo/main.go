// Command disgo drives github.com/disgoorg/disgo against Parley.
//
// Knobs: rest.WithURL(PARLEY_API+"/v10"); the gateway URL then comes from
// the server's GET /api/v10/gateway. PARLEY_VARIANT selects the transport:
// "zstd-stream" (disgo's default, left untouched) or "zlib-stream"
// (gateway.WithCompression(gateway.CompressionZlibStream)).
package main

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"time"

	"github.com/disgoorg/disgo"
	"github.com/disgoorg/disgo/bot"
	"github.com/disgoorg/disgo/cache"
	"github.com/disgoorg/disgo/discord"
	"github.com/disgoorg/disgo/events"
	"github.com/disgoorg/disgo/gateway"
	"github.com/disgoorg/disgo/rest"
	"github.com/disgoorg/snowflake/v2"

	"github.com/parley-chat/parley/compat-tests/internal/scenario"
)

func main() {
	env := scenario.LoadEnv()
	sc := scenario.New(env, 60*time.Second)

	level := slog.LevelWarn
	if os.Getenv("PARLEY_BOT_DEBUG") != "" {
		level = slog.LevelDebug
	}
	logger := slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: level}))

	gwOpts := []gateway.ConfigOpt{
		gateway.WithIntents(gateway.IntentGuilds, gateway.IntentGuildMessages,
			gateway.IntentMessageContent, gateway.IntentGuildMessageReactions),
	}
	transport := "zstd-stream"
	switch env.Variant {
	case "", "zstd-stream":
		// disgo's default compression; nothing to set.
	case "zlib-stream":
		transport = "zlib-stream"
		gwOpts = append(gwOpts, gateway.WithCompression(gateway.CompressionZlibStream))
	default:
		scenario.Fail("ready", fmt.Errorf("unknown PARLEY_VARIANT %q", env.Variant))
	}
	scenario.Info("disgo", scenario.ModuleVersion("github.com/disgoorg/disgo"), transport)

	client, err := disgo.New(env.BotToken,
		bot.WithLogger(logger),
		bot.WithRestClientConfigOpts(rest.WithURL(env.API+"/v10")),
		// disgo caches nothing by default (cache.FlagsNone).
		bot.WithCacheConfigOpts(cache.WithCaches(cache.FlagGuilds, cache.FlagChannels)),
		bot.WithGatewayConfigOpts(gwOpts...),
		bot.WithEventListenerFunc(func(*events.Ready) { sc.Ready() }),
		bot.WithEventListenerFunc(func(*events.Resumed) { sc.Resumed() }),
		bot.WithEventListenerFunc(func(e *events.MessageCreate) {
			sc.Message(e.Message.Author.ID.String(), e.Message.Content)
		}),
	)
	if err != nil {
		scenario.Fail("ready", fmt.Errorf("disgo.New: %w", err))
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	if err := client.OpenGateway(ctx); err != nil {
		scenario.Fail("ready", fmt.Errorf("OpenGateway: %w", err))
	}
	cancel()
	sc.Run(lib{client})
	client.Close(context.Background())
	os.Exit(0)
}

type lib struct{ c *bot.Client }

func (l lib) Cached(guildID, channelID string) error {
	gid, err := snowflake.Parse(guildID)
	if err != nil {
		return err
	}
	cid, err := snowflake.Parse(channelID)
	if err != nil {
		return err
	}
	if _, ok := l.c.Caches.Guild(gid); !ok {
		return fmt.Errorf("guild %s not in cache", guildID)
	}
	ch, ok := l.c.Caches.Channel(cid)
	if !ok {
		return fmt.Errorf("channel %s not in cache", channelID)
	}
	if ch.GuildID() != gid || ch.Type() != discord.ChannelTypeGuildText {
		return fmt.Errorf("channel %s: guild %s type %d", channelID, ch.GuildID(), ch.Type())
	}
	return nil
}

func ids(ch, id string) (snowflake.ID, snowflake.ID, error) {
	c, err := snowflake.Parse(ch)
	if err != nil {
		return 0, 0, err
	}
	if id == "" {
		return c, 0, nil
	}
	m, err := snowflake.Parse(id)
	return c, m, err
}

func (l lib) Send(ctx context.Context, ch, content string) (string, string, error) {
	c, _, err := ids(ch, "")
	if err != nil {
		return "", "", err
	}
	m, err := l.c.Rest.CreateMessage(c, discord.NewMessageCreate().WithContent(content), rest.WithCtx(ctx))
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
	return l.c.Rest.AddReaction(c, m, emoji, rest.WithCtx(ctx))
}

func (l lib) Edit(ctx context.Context, ch, id, content string) (string, error) {
	c, m, err := ids(ch, id)
	if err != nil {
		return "", err
	}
	msg, err := l.c.Rest.UpdateMessage(c, m, discord.NewMessageUpdate().WithContent(content), rest.WithCtx(ctx))
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
	msg, err := l.c.Rest.GetMessage(c, m, rest.WithCtx(ctx))
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
	return l.c.Rest.DeleteMessage(c, m, rest.WithCtx(ctx))
}
