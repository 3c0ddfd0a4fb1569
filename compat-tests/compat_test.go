package compattests

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

// steps is the scenario every bot prints, in order (internal/scenario,
// js/common.mjs and py/discordpy_bot.py print the same list).
var steps = []string{
	"ready", "cache", "saw-human",
	"send", "react", "edit", "fetch", "delete",
	"resume-op7", "replay-op7",
	"resume-close4000", "replay-close4000",
}

// statsStep is the runner's own server-side check, shown as the last matrix column.
const statsStep = "server-stats"

type kind int

const (
	goBot kind = iota
	nodeBot
	pythonBot
)

// variant is one library run with one transport.
type variant struct {
	Library   string // matrix row label
	Variant   string // PARLEY_VARIANT
	Transport string // what goes on the wire (also printed by the bot)
	Kind      kind
	Target    string // go: package dir; node/python: script path
	// ExtraResumes is how many resumes beyond the two forced ones are
	// tolerated (disgo: a sub-millisecond heartbeat ACK can race its own
	// bookkeeping and trigger one spurious resume; bot-libraries.md §1.18).
	ExtraResumes  int
	NeedsZlibSync bool
}

func (v variant) name() string { return v.Library + "/" + v.Variant }

var variants = []variant{
	{Library: "discordgo", Variant: "default", Transport: "payload zlib (identify compress:true)", Kind: goBot, Target: "./bots/discordgo"},
	{Library: "arikawa", Variant: "default", Transport: "payload zlib (identify compress:true)", Kind: goBot, Target: "./bots/arikawa"},
	{Library: "disgo", Variant: "zstd-stream", Transport: "zstd-stream (disgo default)", Kind: goBot, Target: "./bots/disgo", ExtraResumes: 1},
	{Library: "disgo", Variant: "zlib-stream", Transport: "zlib-stream", Kind: goBot, Target: "./bots/disgo", ExtraResumes: 1},
	{Library: "discord.js", Variant: "none", Transport: "none (JSON text frames)", Kind: nodeBot, Target: "js/discordjs.mjs"},
	{Library: "discord.js", Variant: "zlib-stream", Transport: "zlib-stream (zlib-sync)", Kind: nodeBot, Target: "js/discordjs.mjs", NeedsZlibSync: true},
	{Library: "@discordjs/ws", Variant: "zlib-native", Transport: "zlib-stream (CompressionMethod.ZlibNative)", Kind: nodeBot, Target: "js/discordjs-ws.mjs"},
	{Library: "eris", Variant: "none", Transport: "none (JSON text frames)", Kind: nodeBot, Target: "js/eris.mjs"},
	{Library: "eris", Variant: "zlib-stream", Transport: "zlib-stream (zlib-sync)", Kind: nodeBot, Target: "js/eris.mjs", NeedsZlibSync: true},
	{Library: "oceanic.js", Variant: "zlib-stream", Transport: `zlib-stream (compress:"zlib-stream")`, Kind: nodeBot, Target: "js/oceanic.mjs"},
	{Library: "discord.py", Variant: "zlib-stream", Transport: "zlib-stream (always on)", Kind: pythonBot, Target: "py/discordpy_bot.py"},
}

// result is one variant's outcome, for docs/compatibility.md.
type result struct {
	Variant  variant
	Version  string            // from the bot's INFO line
	Steps    map[string]string // step -> "ok" | "FAIL reason"
	Skipped  string            // non-empty: why it did not run
	Problems []string          // runner-side failures (exit code, stats, ...)
}

func (r *result) passed() bool {
	if r.Skipped != "" || len(r.Problems) > 0 {
		return false
	}
	for _, s := range append(append([]string(nil), steps...), statsStep) {
		if r.Steps[s] != "ok" {
			return false
		}
	}
	return true
}

var (
	resultsMu sync.Mutex
	results   = map[string]*result{}
)

func record(r *result) {
	resultsMu.Lock()
	results[r.Variant.name()] = r
	resultsMu.Unlock()
}

// toolchains checks once which bot kinds can run here.
var (
	toolOnce sync.Once
	nodeBin  string
	nodeErr  error
	zlibErr  error
	pyErr    error
	goBots   = map[string]string{} // target -> binary
	goErr    error
)

const systemPython = "/usr/bin/python3"

func checkToolchains() {
	toolOnce.Do(func() {
		if p, err := exec.LookPath("node"); err != nil {
			nodeErr = errors.New("node is not on PATH")
		} else if _, err := os.Stat("js/node_modules/discord.js/package.json"); err != nil {
			nodeErr = errors.New("js/node_modules is not installed (cd compat-tests/js && npm ci)")
		} else {
			nodeBin = p
			cmd := exec.Command(p, "-e", "require('zlib-sync')")
			cmd.Dir = "js"
			if b, err := cmd.CombinedOutput(); err != nil {
				zlibErr = fmt.Errorf("zlib-sync does not load: %v: %s", err, strings.TrimSpace(string(b)))
			}
		}
		if _, err := os.Stat(systemPython); err != nil {
			pyErr = fmt.Errorf("%s is missing", systemPython)
		} else if b, err := exec.Command(systemPython, "-c", "import discord, yarl, aiohttp").CombinedOutput(); err != nil {
			pyErr = fmt.Errorf("%s cannot import discord (apt-get install -y python3-discord): %s", systemPython, strings.TrimSpace(string(b)))
		}
		for _, v := range variants {
			if v.Kind != goBot || goBots[v.Target] != "" {
				continue
			}
			out := filepath.Join(workDir, "bin", filepath.Base(v.Target))
			cmd := exec.Command(goTool(), "build", "-o", out, v.Target)
			if b, err := cmd.CombinedOutput(); err != nil {
				goErr = fmt.Errorf("go build %s: %v\n%s", v.Target, err, b)
				return
			}
			goBots[v.Target] = out
		}
	})
}

// TestLibraries runs every real bot library against a real parley server.
func TestLibraries(t *testing.T) {
	checkToolchains()
	if goErr != nil {
		// The Go bots are part of this module: a build failure is a bug here.
		t.Fatal(goErr)
	}
	srv := startServer(t, true)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	o, err := registerOwner(ctx, srv)
	cancel()
	if err != nil {
		t.Fatalf("fixture: register the owner user: %v", err)
	}

	for _, v := range variants {
		t.Run(v.name(), func(t *testing.T) {
			r := &result{Variant: v, Steps: map[string]string{}}
			defer record(r)
			switch {
			case v.Kind == nodeBot && nodeErr != nil:
				r.Skipped = nodeErr.Error()
			case v.Kind == nodeBot && v.NeedsZlibSync && zlibErr != nil:
				r.Skipped = zlibErr.Error()
			case v.Kind == pythonBot && pyErr != nil:
				r.Skipped = pyErr.Error()
			}
			if r.Skipped != "" {
				missing(t, "%s", r.Skipped)
			}
			runVariant(t, srv, o, v, r)
			if t.Failed() {
				markKeep()
			}
		})
	}
	if os.Getenv("PARLEY_WRITE_COMPAT_DOC") == "1" {
		path := filepath.Join("..", "docs", "compatibility.md")
		if err := writeCompatDoc(path); err != nil {
			t.Errorf("write %s: %v", path, err)
		} else {
			t.Logf("wrote %s", path)
		}
	}
}

var (
	stepRE = regexp.MustCompile(`^STEP (\S+) (ok|FAIL)(?: (.*))?$`)
	infoRE = regexp.MustCompile(`^INFO library=(\S+) version=(.+?) transport=(.*)$`)
)

func runVariant(t *testing.T, srv *server, o owner, v variant, r *result) {
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	fx, err := newFixture(ctx, srv, o, strings.NewReplacer("/", "-", "@", "", ".", "").Replace(v.name()))
	cancel()
	if err != nil {
		r.Problems = append(r.Problems, "fixture: "+err.Error())
		t.Fatalf("fixture: %v", err)
	}

	var cmd *exec.Cmd
	runCtx, runCancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer runCancel()
	switch v.Kind {
	case goBot:
		cmd = exec.CommandContext(runCtx, goBots[v.Target])
	case nodeBot:
		cmd = exec.CommandContext(runCtx, nodeBin, filepath.Base(v.Target))
		cmd.Dir = filepath.Dir(v.Target)
	case pythonBot:
		cmd = exec.CommandContext(runCtx, systemPython, v.Target)
	}
	cmd.Env = append(os.Environ(),
		"PARLEY_API="+srv.API,
		"PARLEY_REST_URL="+srv.RESTURL,
		"PARLEY_GATEWAY_URL="+srv.GatewayURL,
		"PARLEY_CONTROL_URL="+srv.TestControlsURL,
		"PARLEY_BOT_TOKEN="+fx.BotToken,
		"PARLEY_BOT_ID="+fx.AppID,
		"PARLEY_USER_TOKEN="+o.Token,
		"PARLEY_USER_ID="+o.ID,
		"PARLEY_GUILD_ID="+fx.GuildID,
		"PARLEY_CHANNEL_ID="+fx.ChannelID,
		"PARLEY_VARIANT="+v.Variant,
	)
	cmd.Env = append(cmd.Env, srv.botEnv...)
	var stepOrder []string
	stdout := &lineWriter{line: func(l string) {
		t.Logf("bot: %s", l)
		if m := stepRE.FindStringSubmatch(l); m != nil {
			status := m[2]
			if status == "FAIL" {
				status = "FAIL " + m[3]
			}
			r.Steps[m[1]] = status
			stepOrder = append(stepOrder, m[1])
		} else if m := infoRE.FindStringSubmatch(l); m != nil {
			r.Version = m[2]
		}
	}}
	var stderr strings.Builder
	stderrW := &lineWriter{line: func(l string) { stderr.WriteString(l + "\n") }}
	cmd.Stdout = stdout
	cmd.Stderr = stderrW
	cmd.WaitDelay = 5 * time.Second
	start := time.Now()
	err = cmd.Run()
	stdout.flush()
	stderrW.flush()
	t.Logf("bot exited after %s: %v", time.Since(start).Round(time.Millisecond), err)
	if err != nil {
		if runCtx.Err() != nil {
			err = fmt.Errorf("killed after 90s: %w", err)
		}
		r.Problems = append(r.Problems, "bot exit: "+err.Error())
		t.Errorf("bot %s exited with %v", v.name(), err)
	}
	for i, s := range steps {
		got, ok := r.Steps[s]
		switch {
		case !ok:
			t.Errorf("step %s: not reached", s)
		case got != "ok":
			t.Errorf("step %s: %s", s, got)
		case i >= len(stepOrder) || stepOrder[i] != s:
			t.Errorf("step %s printed out of order: %v", s, stepOrder)
		}
	}

	// Server-side: exactly one IDENTIFY and the two forced RESUMEs.
	sctx, scancel := context.WithTimeout(context.Background(), 10*time.Second)
	st, err := getStats(sctx, srv, fx.AppID)
	scancel()
	switch {
	case err != nil:
		r.Steps[statsStep] = "FAIL " + err.Error()
	case st.Identifies != 1 || st.Resumes < 2 || st.Resumes > 2+v.ExtraResumes:
		want := "2"
		if v.ExtraResumes > 0 {
			want = fmt.Sprintf("2..%d", 2+v.ExtraResumes)
		}
		r.Steps[statsStep] = fmt.Sprintf("FAIL identifies=%d resumes=%d sessions=%d, want identifies=1 resumes=%s", st.Identifies, st.Resumes, st.Sessions, want)
	default:
		r.Steps[statsStep] = "ok"
		t.Logf("server stats: identifies=%d resumes=%d sessions=%d", st.Identifies, st.Resumes, st.Sessions)
	}
	if s := r.Steps[statsStep]; s != "ok" {
		t.Errorf("server stats: %s", s)
	}
	if (t.Failed() || os.Getenv("PARLEY_BOT_DEBUG") != "") && stderr.Len() > 0 {
		t.Logf("bot stderr:\n%s", stderr.String())
	}
}

// TestTestControlsDisabled checks that the test-control endpoints do not
// exist unless the server runs with --test-controls.
func TestTestControlsDisabled(t *testing.T) {
	srv := startServer(t, false)
	base := strings.Replace(strings.TrimRight(srv.GatewayURL, "/"), "ws://", "http://", 1) + "/_parley/test"
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	for _, c := range []struct{ method, path string }{
		{"POST", "/disconnect"},
		{"GET", "/stats?user_id=1"},
	} {
		var body any
		if c.method == "POST" {
			body = map[string]any{"user_id": "1", "mode": "reconnect"}
		}
		err := call(ctx, c.method, base+c.path, "", body, nil)
		var ae *apiError
		switch {
		case errors.As(err, &ae) && ae.Status == 404:
			// ok
		case err == nil:
			t.Errorf("%s %s%s without --test-controls: 2xx, want 404", c.method, base, c.path)
		default:
			t.Errorf("%s %s%s without --test-controls: %v, want HTTP 404", c.method, base, c.path, err)
		}
	}
}

// TestBotSources syntax-checks the JS and Python bots without a server, so a
// broken script shows up even when the server does not build.
func TestBotSources(t *testing.T) {
	checkToolchains()
	t.Run("js", func(t *testing.T) {
		if nodeBin == "" {
			missing(t, "%v", nodeErr)
		}
		files, _ := filepath.Glob("js/*.mjs")
		if len(files) == 0 {
			t.Fatal("no js/*.mjs")
		}
		for _, f := range files {
			if b, err := exec.Command(nodeBin, "--check", f).CombinedOutput(); err != nil {
				t.Errorf("node --check %s: %v\n%s", f, err, b)
			}
		}
	})
	t.Run("python", func(t *testing.T) {
		if _, err := os.Stat(systemPython); err != nil {
			missing(t, "%s is missing", systemPython)
		}
		const parse = "import ast, sys; ast.parse(open(sys.argv[1], encoding='utf-8').read(), sys.argv[1])"
		if b, err := exec.Command(systemPython, "-c", parse, "py/discordpy_bot.py").CombinedOutput(); err != nil {
			t.Errorf("parse py/discordpy_bot.py: %v\n%s", err, b)
		}
	})
}
