package compattests

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"time"
)

// stepDocs explains each matrix column.
var stepDocs = []struct{ step, what string }{
	{"ready", "the library connects (its own GET /gateway or /gateway/bot, HELLO, IDENTIFY) and fires its ready event"},
	{"cache", "the fixture guild and its `general` text channel are in the library's cache (from GUILD_CREATE)"},
	{"saw-human", "the owner posts through REST (user token); the bot receives MESSAGE_CREATE with the exact content and author"},
	{"send", "the library's REST client creates a message; the returned content matches"},
	{"react", "the library adds a 👍 reaction (PUT …/reactions/%F0%9F%91%8D/@me)"},
	{"edit", "the library edits the message; the returned content is the new one"},
	{"fetch", "the library fetches the message over REST and reads the edited content"},
	{"delete", "the library deletes the message"},
	{"resume-op7", "test control sends op 7 Reconnect; the library resumes and fires its resumed event"},
	{"replay-op7", "a message the server posted while the session was detached is replayed on RESUME"},
	{"resume-close4000", "test control closes the socket with 4000; the library resumes"},
	{"replay-close4000", "as replay-op7, for the close-4000 disconnect"},
	{statsStep, "runner check via test controls: exactly 1 IDENTIFY and 2 RESUMEs for the bot user (disgo: 2–3, see below)"},
}

// knobs is the per-library configuration the bots use (constant, not measured).
var knobs = []struct{ lib, rest, gateway, other string }{
	{"discordgo", "none in the library: `s.Client = &http.Client{Transport: rewrite}` (a RoundTripper that swaps scheme+host of `https://discord.com/api/v9/…`)",
		"follows `GET /api/v9/gateway` `url` (appends `/`)",
		"token `\"Bot \"+tok`; set `s.Identify.Intents` (the default lacks MESSAGE_CONTENT); event `*discordgo.Resumed`"},
	{"arikawa", "none in the library: reassign `api.BaseEndpoint`, `api.Endpoint`, `api.EndpointGateway(Bot)`, `EndpointChannels/Users/Me/Guilds/Applications/Webhooks/…` before `state.New`",
		"follows `GET /api/v9/gateway/bot` `url`",
		"token `\"Bot \"+tok`; `state.NewWithIntents`; fetch through `s.Session.Client.Message` (State.Message reads the cabinet)"},
	{"disgo", "`bot.WithRestClientConfigOpts(rest.WithURL(api+\"/v10\"))`",
		"follows `GET /api/v10/gateway` (inside `disgo.New`); resumes at `resume_gateway_url`",
		"enable caching (`bot.WithCacheConfigOpts(cache.WithCaches(cache.FlagGuilds, cache.FlagChannels))`; disgo caches nothing by default); raw token whose first segment is unpadded base64 of the bot id; default transport zstd-stream, `gateway.WithCompression(gateway.CompressionZlibStream)` for zlib"},
	{"discord.js", "`new Client({ rest: { api } })`",
		"follows `GET /api/v10/gateway/bot`; resumes at `resume_gateway_url`",
		"zlib-stream iff the optional `zlib-sync` package loads (the `none` variant hides it); events `clientReady`, `messageCreate`, `shardResume`"},
	{"@discordjs/ws + @discordjs/rest", "`new REST({ api }).setToken(tok)` passed as `rest` to `WebSocketManager`",
		"follows `GET /api/v10/gateway/bot`",
		"`compression: CompressionMethod.ZlibNative`; no cache (the GUILD_CREATE payload is checked instead)"},
	{"eris", "`rest: { domain, baseURL: \"/api/v10\", agent }` where `agent` is an `https.Agent` whose `createConnection` returns a plain `net` socket (eris's REST is hard-wired to `https.request`)",
		"follows `GET /api/v10/gateway/bot` (appends `/`); resumes at `resume_gateway_url`",
		"token `\"Bot \"+tok`; `compress: true` for zlib-stream (needs zlib-sync)"},
	{"oceanic.js", "`rest: { baseURL: api+\"/v10\" }`",
		"follows `GET /api/v10/gateway/bot` (appends `/`); resumes at `resume_gateway_url/`",
		"`auth: \"Bot \"+tok` (required prefix); `gateway.compress: \"zlib-stream\"`"},
	{"discord.py", "`discord.http.Route.BASE = api+\"/v10\"`",
		"hard-coded; set `discord.gateway.DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(gateway_url+\"/\")`; resumes at `resume_gateway_url`",
		"Debian `python3-discord` under `/usr/bin/python3`; calls `/users/@me` and `/oauth2/applications/@me` at login; zlib-stream always"},
}

func cell(s string) string {
	s = strings.ReplaceAll(s, "|", `\|`)
	return strings.ReplaceAll(s, "\n", " ")
}

func toolVersion(name string, args ...string) string {
	b, err := exec.Command(name, args...).Output()
	if err != nil {
		return "n/a"
	}
	return strings.TrimSpace(string(b))
}

// serverRevision describes the server source the suite built (read-only git).
func serverRevision() string {
	rev := toolVersion("git", "-C", "..", "rev-parse", "--short", "HEAD")
	if rev == "n/a" {
		return "an uncommitted tree"
	}
	if st := toolVersion("git", "-C", "..", "status", "--porcelain", "--untracked-files=no"); st != "" && st != "n/a" {
		rev += " (with local changes)"
	}
	return "commit " + rev
}

// writeCompatDoc renders docs/compatibility.md from the results of this run.
func writeCompatDoc(path string) error {
	resultsMu.Lock()
	defer resultsMu.Unlock()
	var b strings.Builder
	w := func(format string, args ...any) { fmt.Fprintf(&b, format, args...) }

	w("# Bot library compatibility\n\n")
	w("<!-- Generated by compat-tests (TestLibraries). Do not edit by hand. -->\n\n")
	w("Real Discord bot libraries, unchanged, driven against a real `parley serve` (embedded store,\n")
	w("`--test-controls`) with only their base-URL knobs. This file is **generated** from the last run of\n")
	w("`compat-tests` with `PARLEY_WRITE_COMPAT_DOC=1`; the matrix is what that run observed.\n\n")
	w("Regenerate:\n\n```sh\ncompat-tests/install.sh\ncd compat-tests && PARLEY_WRITE_COMPAT_DOC=1 go test -count=1 -run 'TestLibraries' .\n```\n\n")
	server := "`go build ./cmd/parley` at " + serverRevision()
	if p := os.Getenv("PARLEY_SERVER_BIN"); p != "" {
		server = "prebuilt `PARLEY_SERVER_BIN=" + p + "` (not built from this tree)"
	}
	w("Run: %s · server %s · %s · node %s · %s\n\n", time.Now().UTC().Format("2006-01-02 15:04 UTC"), server,
		runtime.Version(), toolVersion("node", "--version"), toolVersion(systemPython, "--version"))

	w("## Matrix\n\n")
	w("✅ passed · ❌ failed · ⏹ not reached (an earlier step failed) · ⏭ skipped (toolchain missing)\n\n")
	w("| library | version | transport |")
	cols := append(append([]string(nil), steps...), statsStep)
	for _, s := range cols {
		w(" %s |", s)
	}
	w("\n|---|---|---|")
	for range cols {
		w(":-:|")
	}
	w("\n")
	var failures []string
	for _, v := range variants {
		r, ok := results[v.name()]
		version := ""
		if ok {
			version = r.Version
		}
		w("| %s | %s | %s |", cell(v.Library), cell(version), cell(v.Transport))
		for _, s := range cols {
			switch {
			case !ok:
				w(" not run |")
			case r.Skipped != "":
				w(" ⏭ |")
			case r.Steps[s] == "ok":
				w(" ✅ |")
			case r.Steps[s] == "":
				w(" ⏹ |")
			default:
				w(" ❌ |")
			}
		}
		w("\n")
		if !ok {
			continue
		}
		if r.Skipped != "" {
			failures = append(failures, fmt.Sprintf("**%s** skipped: %s", v.name(), r.Skipped))
			continue
		}
		for _, s := range cols {
			if st := r.Steps[s]; st != "" && st != "ok" {
				failures = append(failures, fmt.Sprintf("**%s** `%s`: %s", v.name(), s, strings.TrimPrefix(st, "FAIL ")))
			}
		}
		for _, p := range r.Problems {
			failures = append(failures, fmt.Sprintf("**%s**: %s", v.name(), p))
		}
	}
	w("\n")
	if len(failures) > 0 {
		w("### Failures in this run\n\n")
		for _, f := range failures {
			w("- %s\n", cell(f))
		}
		w("\n")
	}

	w("## Steps\n\n| step | what is checked |\n|---|---|\n")
	for _, s := range stepDocs {
		w("| `%s` | %s |\n", s.step, s.what)
	}
	w("\ndisgo records its heartbeat send time after the write returns, so a very fast ACK can be taken as\n")
	w("missing and trigger one extra resume; the runner tolerates one extra RESUME for disgo.\n\n")

	w("## Knobs each library needs\n\n")
	w("Nothing in any library is patched. These are the only settings the bots change\n")
	w("(`compat-tests/bots/*`, `compat-tests/js/*.mjs`, `compat-tests/py/discordpy_bot.py`).\n\n")
	w("| library | REST base URL | gateway URL | other |\n|---|---|---|---|\n")
	for _, k := range knobs {
		w("| %s | %s | %s | %s |\n", k.lib, cell(k.rest), cell(k.gateway), cell(k.other))
	}
	w("\nAll libraries: the fixture creates each application with `flags` = GATEWAY_MESSAGE_CONTENT_LIMITED\n")
	w("(1<<19), the equivalent of the developer portal's Message Content Intent toggle. Without it,\n")
	w("IDENTIFY with the MESSAGE_CONTENT intent is closed with 4014, as on Discord.\n")
	w("\nPinned versions: `compat-tests/go.mod` (Go), `compat-tests/js/package-lock.json` (npm),\n")
	w("Debian `python3-discord` (discord.py 2.2.2). See `compat-tests/README.md`.\n")

	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		return err
	}
	tmp := path + ".tmp"
	if err := os.WriteFile(tmp, []byte(b.String()), 0o644); err != nil {
		return err
	}
	return os.Rename(tmp, path)
}
