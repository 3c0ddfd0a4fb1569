package main

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/parley-chat/parley/opcodes"
)

// demoResult is what `parley demo` prints.
type demoResult struct {
	APIBase       string `json:"api_base"`
	GatewayURL    string `json:"gateway_url"`
	Username      string `json:"username"`
	Password      string `json:"password"`
	UserID        string `json:"user_id"`
	UserToken     string `json:"user_token"`
	RefreshToken  string `json:"refresh_token"`
	GuildID       string `json:"guild_id"`
	ChannelID     string `json:"channel_id"`
	ApplicationID string `json:"application_id"`
	BotToken      string `json:"bot_token"`
}

// runDemo creates a demo user, guild and bot through the public REST API, so it works against
// any Parley (or Discord-compatible) server a newcomer points it at.
func runDemo(ctx context.Context, args []string, stdout, stderr io.Writer) int {
	fs := flag.NewFlagSet("demo", flag.ContinueOnError)
	fs.SetOutput(stderr)
	base := fs.String("url", envOr("PARLEY_PUBLIC_REST_URL", "http://127.0.0.1:8080"), "REST base URL of a running server")
	asJSON := fs.Bool("json", false, "print JSON")
	asEnv := fs.Bool("env", false, "print shell export lines (PARLEY_URL, PARLEY_BOT_TOKEN, …) for eval \"$(parley demo --env)\"")
	if err := fs.Parse(args); err != nil {
		return 2
	}
	if fs.NArg() > 0 {
		fmt.Fprintf(stderr, "parley demo: unexpected arguments: %v\n", fs.Args())
		return 2
	}
	res, err := demo(ctx, strings.TrimRight(*base, "/"))
	if err != nil {
		fmt.Fprintf(stderr, "parley demo: %v\n", err)
		return 1
	}
	switch {
	case *asJSON:
		enc := json.NewEncoder(stdout)
		enc.SetIndent("", "  ")
		_ = enc.Encode(res)
	case *asEnv:
		fmt.Fprint(stdout, res.env())
	default:
		fmt.Fprintf(stdout, `Demo data created on %s

  user        %s  (id %s, password %s)
  user token  %s  (expires in an hour; refresh it with the refresh token, see README)
  guild       %s
  channel     %s  (#general)
  bot app     %s  (privileged intents enabled: GUILD_MEMBERS, GUILD_PRESENCES, MESSAGE_CONTENT)
  bot token   %s

The README's bot and curl snippets read these variables; paste them into your shell
(or run: eval "$(parley demo --env)"):

%s`, res.APIBase, res.Username, res.UserID, res.Password, res.UserToken, res.GuildID, res.ChannelID,
			res.ApplicationID, res.BotToken, res.env())
	}
	return 0
}

// env is the demo as shell assignments: the names the README's snippets read.
func (r demoResult) env() string {
	var b strings.Builder
	for _, kv := range [][2]string{
		{"PARLEY_URL", r.APIBase}, {"PARLEY_GATEWAY_URL", r.GatewayURL},
		{"PARLEY_BOT_TOKEN", r.BotToken}, {"PARLEY_USERNAME", r.Username}, {"PARLEY_PASSWORD", r.Password},
		{"PARLEY_USER_TOKEN", r.UserToken}, {"PARLEY_REFRESH_TOKEN", r.RefreshToken},
		{"PARLEY_GUILD_ID", r.GuildID}, {"PARLEY_CHANNEL_ID", r.ChannelID},
	} {
		fmt.Fprintf(&b, "export %s='%s'\n", kv[0], strings.ReplaceAll(kv[1], "'", `'\''`))
	}
	return b.String()
}

// privilegedIntentFlags are the application flags that enable GUILD_MEMBERS, GUILD_PRESENCES
// and MESSAGE_CONTENT (the _LIMITED bits, as the developer portal's toggles set them), so the
// demo bot can connect with any intents a snippet asks for instead of getting close 4014.
const privilegedIntentFlags = opcodes.AppFlagGatewayPresenceLimited | opcodes.AppFlagGatewayGuildMembersLimited |
	opcodes.AppFlagGatewayMessageContentLimited

func demo(ctx context.Context, base string) (demoResult, error) {
	c := &apiClient{base: base + "/api/v10", http: &http.Client{Timeout: 15 * time.Second}}
	suffix := randomHex(3)
	res := demoResult{APIBase: base, Username: "demo-" + suffix, Password: randomHex(12)}
	var gw struct {
		URL string `json:"url"`
	}
	if err := c.do(ctx, "GET", "/gateway", "", nil, &gw); err != nil {
		return res, fmt.Errorf("get gateway: %w", err)
	}
	res.GatewayURL = gw.URL
	var reg struct {
		Token        string `json:"token"`
		RefreshToken string `json:"refresh_token"`
		UserID       string `json:"user_id"`
	}
	if err := c.do(ctx, "POST", "/auth/register", "", map[string]any{"username": res.Username, "password": res.Password}, &reg); err != nil {
		return res, fmt.Errorf("register: %w", err)
	}
	res.UserToken, res.RefreshToken = reg.Token, reg.RefreshToken
	var me struct {
		ID string `json:"id"`
	}
	if err := c.do(ctx, "GET", "/users/@me", res.UserToken, nil, &me); err != nil {
		return res, fmt.Errorf("get user: %w", err)
	}
	res.UserID = me.ID
	var guild struct {
		ID string `json:"id"`
	}
	if err := c.do(ctx, "POST", "/guilds", res.UserToken, map[string]any{"name": "Demo Guild"}, &guild); err != nil {
		return res, fmt.Errorf("create guild: %w", err)
	}
	res.GuildID = guild.ID
	var channels []struct {
		ID   string `json:"id"`
		Type int    `json:"type"`
	}
	if err := c.do(ctx, "GET", "/guilds/"+guild.ID+"/channels", res.UserToken, nil, &channels); err != nil {
		return res, fmt.Errorf("list channels: %w", err)
	}
	for _, ch := range channels {
		if ch.Type == 0 {
			res.ChannelID = ch.ID
			break
		}
	}
	var app struct {
		ID string `json:"id"`
	}
	if err := c.do(ctx, "POST", "/applications", res.UserToken, map[string]any{"name": "Demo Bot " + suffix, "flags": privilegedIntentFlags}, &app); err != nil {
		return res, fmt.Errorf("create application: %w", err)
	}
	res.ApplicationID = app.ID
	var bot struct {
		Token string `json:"token"`
	}
	if err := c.do(ctx, "POST", "/applications/"+app.ID+"/bot", res.UserToken, nil, &bot); err != nil {
		return res, fmt.Errorf("create bot: %w", err)
	}
	res.BotToken = bot.Token
	auth := map[string]any{"guild_id": guild.ID, "permissions": "8", "authorize": true}
	if err := c.do(ctx, "POST", "/oauth2/authorize?client_id="+app.ID+"&scope=bot", res.UserToken, auth, nil); err != nil {
		return res, fmt.Errorf("authorize bot: %w", err)
	}
	return res, nil
}

type apiClient struct {
	base string
	http *http.Client
}

func (c *apiClient) do(ctx context.Context, method, path, token string, body, out any) error {
	var rd io.Reader
	if body != nil {
		b, err := json.Marshal(body)
		if err != nil {
			return err
		}
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, c.base+path, rd)
	if err != nil {
		return err
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	resp, err := c.http.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(io.LimitReader(resp.Body, 1<<20))
	if resp.StatusCode >= 300 {
		return fmt.Errorf("%s %s: HTTP %d: %s", method, path, resp.StatusCode, bytes.TrimSpace(b))
	}
	if out != nil && len(b) > 0 {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("decode %s %s: %w", method, path, err)
		}
	}
	return nil
}

func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

func envOr(key, def string) string {
	if v, ok := os.LookupEnv(key); ok && v != "" {
		return v
	}
	return def
}
