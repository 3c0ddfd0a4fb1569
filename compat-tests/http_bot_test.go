package compattests

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"testing"
	"time"
)

// TestHTTPOnlyBot: a bot with no gateway connection, on npm's discord-interactions
// (js/http-bot.mjs), receives a slash command through Parley's signed POST and answers in
// the HTTP response. Setting the endpoint URL passes Parley's verification only because the
// library checks Ed25519 signatures itself (a forged PING must get 401); the invoker's
// command then shows the bot's answer in the channel history.
func TestHTTPOnlyBot(t *testing.T) {
	checkToolchains()
	if nodeBin == "" {
		missing(t, "%v", nodeErr)
	}
	if _, err := os.Stat("js/node_modules/discord-interactions/package.json"); err != nil {
		missing(t, "js/node_modules lacks discord-interactions (cd compat-tests/js && npm ci)")
	}
	srv := startServer(t, false, "--interactions-allow-private")
	ctx, cancel := context.WithTimeout(context.Background(), 60*time.Second)
	defer cancel()
	o, err := registerOwner(ctx, srv)
	if err != nil {
		t.Fatalf("register owner: %v", err)
	}
	fx, err := newFixture(ctx, srv, o, "httpbot")
	if err != nil {
		t.Fatalf("fixture: %v", err)
	}
	v10, bot := srv.API+"/v10", "Bot "+fx.BotToken

	cmd := exec.CommandContext(ctx, nodeBin, "http-bot.mjs")
	cmd.Dir = "js"
	cmd.Env = append(os.Environ(), "PARLEY_API="+srv.API, "PARLEY_BOT_TOKEN="+fx.BotToken)
	cmd.Stderr = &lineWriter{line: func(l string) { t.Logf("http-bot stderr: %s", l) }}
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatalf("start http-bot.mjs: %v", err)
	}
	lines, readDone := make(chan string, 256), make(chan struct{})
	defer func() { _ = cmd.Process.Kill(); <-readDone; _ = cmd.Wait() }()
	go func() {
		defer close(readDone)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			t.Logf("http-bot: %s", sc.Text())
			lines <- sc.Text()
		}
		close(lines)
	}()
	var port string
	for port == "" {
		select {
		case l, ok := <-lines:
			if !ok {
				srv.dumpLog(t)
				t.Fatal("http-bot.mjs exited before listening")
			}
			port, _ = strings.CutPrefix(l, "listening ")
		case <-ctx.Done():
			t.Fatal("http-bot.mjs did not start listening")
		}
	}
	endpointURL := fmt.Sprintf("http://127.0.0.1:%s/interactions", port)

	var app struct {
		URL string `json:"interactions_endpoint_url"`
	}
	if err := call(ctx, "PATCH", v10+"/applications/@me", bot, map[string]any{"interactions_endpoint_url": endpointURL}, &app); err != nil {
		srv.dumpLog(t)
		t.Fatalf("set interactions_endpoint_url (Parley's verification against the library): %v", err)
	}
	if app.URL != endpointURL {
		t.Fatalf("interactions_endpoint_url = %q, want %q", app.URL, endpointURL)
	}
	var command struct {
		ID string `json:"id"`
	}
	if err := call(ctx, "POST", v10+"/applications/"+fx.AppID+"/guilds/"+fx.GuildID+"/commands", bot, map[string]any{
		"name": "echo", "description": "echo a text", "type": 1,
		"options": []any{map[string]any{"type": 3, "name": "text", "description": "what to say", "required": true}},
	}, &command); err != nil {
		t.Fatalf("register command: %v", err)
	}
	if err := call(ctx, "POST", v10+"/interactions", o.Token, map[string]any{
		"type": 2, "application_id": fx.AppID, "guild_id": fx.GuildID, "channel_id": fx.ChannelID,
		"session_id": "compat", "nonce": "1",
		"data": map[string]any{"id": command.ID, "name": "echo", "type": 1,
			"options": []any{map[string]any{"name": "text", "type": 3, "value": "over http"}}},
	}, nil); err != nil {
		t.Fatalf("invoke command: %v", err)
	}
	// The reply is made after POST /interactions answered: wait for the bot's line, then for
	// the message (the bot's answer is applied once Parley has read it).
	for answered := false; !answered; {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("http-bot.mjs exited before answering")
			}
			answered = strings.HasPrefix(l, "answered ")
		case <-ctx.Done():
			srv.dumpLog(t)
			t.Fatal("the bot never received the interaction")
		}
	}
	want := "http bot heard: over http"
	for {
		var msgs []struct {
			Content string `json:"content"`
			Type    int    `json:"type"`
			Author  struct {
				ID string `json:"id"`
			} `json:"author"`
		}
		if err := call(ctx, "GET", v10+"/channels/"+fx.ChannelID+"/messages?limit=5", o.Token, nil, &msgs); err != nil {
			t.Fatalf("channel history: %v", err)
		}
		for _, m := range msgs {
			if m.Content == want && m.Author.ID == fx.AppID && m.Type == 20 {
				return
			}
		}
		select {
		case <-ctx.Done():
			srv.dumpLog(t)
			t.Fatalf("no reply %q from the bot in the history: %+v", want, msgs)
		case <-time.After(100 * time.Millisecond): // poll an external process's effect
		}
	}
}
