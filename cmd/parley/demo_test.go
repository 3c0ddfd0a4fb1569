package main

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
)

// TestDemoBotConnects: the demo bot may ask for every privileged intent (the README's snippets
// ask for MESSAGE_CONTENT) and reaches READY instead of close 4014; --env prints the variables
// the snippets read, and they work.
func TestDemoBotConnects(t *testing.T) {
	srv := startServer(t, t.TempDir())
	var out bytes.Buffer
	if code := run(context.Background(), []string{"demo", "--url", srv.RESTURL, "--env"}, &out, io.Discard); code != 0 {
		t.Fatalf("demo --env exited %d", code)
	}
	env := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(out.String()), "\n") {
		k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if !ok || !strings.HasPrefix(line, "export ") {
			t.Fatalf("demo --env line %q", line)
		}
		env[k] = strings.Trim(v, "'")
	}
	if env["PARLEY_URL"] != srv.RESTURL || env["PARLEY_GATEWAY_URL"] != srv.GatewayURL {
		t.Fatalf("demo --env URLs = %v; server %s %s", env, srv.RESTURL, srv.GatewayURL)
	}
	for _, k := range []string{"PARLEY_BOT_TOKEN", "PARLEY_USER_TOKEN", "PARLEY_REFRESH_TOKEN", "PARLEY_USERNAME", "PARLEY_PASSWORD", "PARLEY_CHANNEL_ID"} {
		if env[k] == "" {
			t.Errorf("demo --env lacks %s:\n%s", k, out.String())
		}
	}
	const guildMembers, guildPresences, messageContent = 1 << 1, 1 << 8, 1 << 15
	g := identify(t, srv, env["PARLEY_BOT_TOKEN"], 1|1<<9|guildMembers|guildPresences|messageContent)
	g.expect("READY")
	// The printed refresh token works once.
	var sess map[string]any
	srv.api(t, "POST", "/auth/token/refresh", "", map[string]any{"refresh_token": env["PARLEY_REFRESH_TOKEN"]}, &sess)
	if sess["token"] == "" || sess["token"] == nil {
		t.Fatalf("refresh = %v", sess)
	}

	// The human-readable form carries the same export lines.
	out.Reset()
	if code := run(context.Background(), []string{"demo", "--url", srv.RESTURL}, &out, io.Discard); code != 0 {
		t.Fatalf("demo exited %d", code)
	}
	if !strings.Contains(out.String(), "export PARLEY_BOT_TOKEN='") {
		t.Fatalf("demo output lacks the export lines:\n%s", out.String())
	}
	if code := run(context.Background(), []string{"demo", "--url", srv.RESTURL, "stray"}, io.Discard, io.Discard); code != 2 {
		t.Fatalf("demo with a stray argument exited %d, want 2", code)
	}
}
