package compattests

import (
	"bufio"
	"context"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// snippet is one fenced code block of README.md.
type snippet struct {
	lang string
	line int // of the opening fence
	code string
}

func readmeSnippets(t *testing.T) []snippet {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	var out []snippet
	var cur *snippet
	var body strings.Builder
	for i, line := range strings.Split(string(b), "\n") {
		trimmed := strings.TrimSpace(line)
		switch {
		case cur == nil && strings.HasPrefix(trimmed, "```"):
			cur = &snippet{lang: strings.TrimPrefix(trimmed, "```"), line: i + 1}
			body.Reset()
		case cur != nil && trimmed == "```":
			cur.code = body.String()
			out = append(out, *cur)
			cur = nil
		case cur != nil:
			body.WriteString(line + "\n")
		}
	}
	if cur != nil {
		t.Fatalf("README.md:%d: unclosed code fence", cur.line)
	}
	return out
}

// demoEnv runs `parley demo --env` (the binary under test) against srv and returns the
// variables it exports: the ones the README tells a newcomer to load.
func demoEnv(t *testing.T, srv *server) map[string]string {
	t.Helper()
	out, err := exec.Command(buildServer(t), "demo", "--url", srv.RESTURL, "--env").Output()
	if err != nil {
		t.Fatalf("parley demo --env: %v", err)
	}
	env := map[string]string{}
	for _, line := range strings.Split(strings.TrimSpace(string(out)), "\n") {
		k, v, ok := strings.Cut(strings.TrimPrefix(line, "export "), "=")
		if !ok {
			t.Fatalf("parley demo --env line %q", line)
		}
		env[k] = strings.Trim(v, "'")
	}
	return env
}

func environ(env map[string]string) []string {
	out := os.Environ()
	for k, v := range env {
		out = append(out, k+"="+v)
	}
	return out
}

// TestREADMESnippets runs the README's code as a newcomer would after `eval "$(parley demo
// --env)"`: every js, python and go fence is a complete bot that must print "ready as ..." and
// answer "!ping" with "pong" (so its intents and token work with what the demo created), and
// every sh fence that uses the demo's variables (the curl examples) must exit 0. Each snippet
// gets a fresh demo. Other sh fences (build, serve, make) are commands about this checkout.
func TestREADMESnippets(t *testing.T) {
	snippets := readmeSnippets(t)
	checkToolchains()
	srv := startServer(t, false)
	seen := map[string]int{}
	for _, sn := range snippets {
		name := fmt.Sprintf("%s@README.md:%d", sn.lang, sn.line)
		switch sn.lang {
		case "js", "python", "go":
		case "sh":
			if !strings.Contains(sn.code, "$PARLEY_") {
				continue
			}
		default:
			t.Errorf("README.md:%d: code fence language %q: this test runs js, python, go and sh", sn.line, sn.lang)
			continue
		}
		seen[sn.lang]++
		t.Run(name, func(t *testing.T) {
			env := demoEnv(t, srv)
			switch sn.lang {
			case "sh":
				cmd := exec.Command("bash", "-euo", "pipefail", "-c", sn.code)
				cmd.Env = environ(env)
				if out, err := cmd.CombinedOutput(); err != nil {
					t.Fatalf("README.md:%d exited with %v:\n%s\n%s", sn.line, err, sn.code, out)
				} else {
					t.Logf("output: %s", out)
				}
			case "js":
				if nodeErr != nil {
					missing(t, "%v", nodeErr)
				}
				dir := t.TempDir()
				modules, err := filepath.Abs(filepath.Join("js", "node_modules"))
				if err != nil {
					t.Fatal(err)
				}
				if err := os.Symlink(modules, filepath.Join(dir, "node_modules")); err != nil {
					t.Fatal(err)
				}
				writeFile(t, filepath.Join(dir, "bot.mjs"), sn.code)
				runSnippetBot(t, srv, env, sn, dir, nodeBin, "bot.mjs")
			case "python":
				if pyErr != nil {
					missing(t, "%v", pyErr)
				}
				dir := t.TempDir()
				writeFile(t, filepath.Join(dir, "bot.py"), sn.code)
				runSnippetBot(t, srv, env, sn, dir, systemPython, "bot.py")
			case "go":
				// Inside this module (which requires discordgo), in a directory ./... skips.
				dir, err := os.MkdirTemp(".", "_readme-")
				if err != nil {
					t.Fatal(err)
				}
				t.Cleanup(func() { os.RemoveAll(dir) })
				writeFile(t, filepath.Join(dir, "main.go"), sn.code)
				bin := filepath.Join(workDir, "bin", filepath.Base(dir))
				if out, err := exec.Command(goTool(), "build", "-o", bin, "./"+filepath.ToSlash(dir)).CombinedOutput(); err != nil {
					t.Fatalf("README.md:%d does not build: %v\n%s", sn.line, err, out)
				}
				runSnippetBot(t, srv, env, sn, "", bin)
			}
		})
	}
	for _, lang := range []string{"js", "python", "go", "sh"} {
		if seen[lang] == 0 {
			t.Errorf("README.md has no runnable %s snippet", lang)
		}
	}
}

func writeFile(t *testing.T, path, s string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(s), 0o644); err != nil {
		t.Fatal(err)
	}
}

// runSnippetBot starts a README bot, waits for its "ready as" line, posts "!ping" as the demo
// user and waits for the bot's "pong" in the channel.
func runSnippetBot(t *testing.T, srv *server, env map[string]string, sn snippet, dir string, argv ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 90*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, argv[0], argv[1:]...)
	cmd.Dir = dir
	cmd.Env = environ(env)
	cmd.WaitDelay = 5 * time.Second
	var stderr strings.Builder
	var stderrMu sync.Mutex
	cmd.Stderr = writerFunc(func(p []byte) (int, error) {
		stderrMu.Lock()
		defer stderrMu.Unlock()
		return stderr.Write(p)
	})
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	exited := make(chan error, 1)
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			t.Logf("bot: %s", sc.Text())
			if strings.HasPrefix(sc.Text(), "ready as ") {
				select {
				case ready <- sc.Text():
				default:
				}
			}
		}
		exited <- cmd.Wait()
	}()
	waited := false // set once exited has been received from
	defer func() {
		if !waited {
			_ = cmd.Process.Kill()
			<-exited
		}
		if t.Failed() {
			stderrMu.Lock()
			t.Logf("bot stderr:\n%s", stderr.String())
			stderrMu.Unlock()
		}
	}()
	select {
	case line := <-ready:
		t.Logf("README.md:%d reached READY: %s", sn.line, line)
	case err := <-exited:
		waited = true
		t.Fatalf("README.md:%d exited before READY: %v", sn.line, err)
	case <-time.After(60 * time.Second):
		t.Fatalf("README.md:%d printed no \"ready as\" line within 60s", sn.line)
	}

	v10 := srv.API + "/v10"
	if err := call(ctx, "POST", v10+"/channels/"+env["PARLEY_CHANNEL_ID"]+"/messages", env["PARLEY_USER_TOKEN"],
		map[string]string{"content": "!ping"}, nil); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(20 * time.Second)
	for {
		var msgs []struct {
			Content string `json:"content"`
			Author  struct {
				Bot bool `json:"bot"`
			} `json:"author"`
		}
		if err := call(ctx, "GET", v10+"/channels/"+env["PARLEY_CHANNEL_ID"]+"/messages?limit=5", env["PARLEY_USER_TOKEN"], nil, &msgs); err != nil {
			t.Fatal(err)
		}
		for _, m := range msgs {
			if m.Content == "pong" && m.Author.Bot {
				return
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("README.md:%d: no pong from the bot within 20s of !ping; messages %+v", sn.line, msgs)
		}
		select {
		case err := <-exited:
			waited = true
			t.Fatalf("README.md:%d exited before answering !ping: %v", sn.line, err)
		case <-time.After(200 * time.Millisecond):
		}
	}
}

type writerFunc func([]byte) (int, error)

func (f writerFunc) Write(p []byte) (int, error) { return f(p) }
