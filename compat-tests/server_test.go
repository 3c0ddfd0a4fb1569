package compattests

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"
)

// workDir holds everything the suite builds or writes (binaries, data dirs,
// logs). It is removed at the end unless a test failed.
var (
	workDir    string
	keepWork   bool
	keepWorkMu sync.Mutex
)

func TestMain(m *testing.M) {
	d, err := os.MkdirTemp("", "parley-compat-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	workDir = d
	code := m.Run()
	keepWorkMu.Lock()
	keep := keepWork || code != 0
	keepWorkMu.Unlock()
	if keep {
		fmt.Fprintf(os.Stderr, "compat-tests: kept logs and binaries in %s\n", workDir)
	} else {
		os.RemoveAll(workDir)
	}
	os.Exit(code)
}

func markKeep() {
	keepWorkMu.Lock()
	keepWork = true
	keepWorkMu.Unlock()
}

// inCI reports whether missing toolchains must fail rather than skip.
func inCI() bool {
	v := strings.ToLower(os.Getenv("CI"))
	return v == "true" || v == "1"
}

// missing skips (loudly) or, under CI=true, fails a test whose toolchain or
// dependency is not installed.
func missing(t *testing.T, format string, args ...any) {
	t.Helper()
	msg := fmt.Sprintf(format, args...)
	if inCI() {
		t.Fatalf("MISSING DEPENDENCY (CI=true, so this fails): %s; run compat-tests/install.sh", msg)
	}
	fmt.Fprintf(os.Stderr, "\n!!! compat-tests: SKIPPING %s: %s; run compat-tests/install.sh (with CI=true this fails) !!!\n\n", t.Name(), msg)
	t.Skipf("SKIPPED, missing dependency: %s; run compat-tests/install.sh", msg)
}

func goTool() string {
	if p, err := exec.LookPath("go"); err == nil {
		return p
	}
	return filepath.Join(runtime.GOROOT(), "bin", "go")
}

var (
	serverOnce sync.Once
	serverBin  string
	serverErr  error
)

// buildServer builds ../cmd/parley once per test binary. PARLEY_SERVER_BIN
// names a prebuilt binary to use instead (it must take the same flags).
func buildServer(t *testing.T) string {
	t.Helper()
	serverOnce.Do(func() {
		if p := os.Getenv("PARLEY_SERVER_BIN"); p != "" {
			serverBin = p
			return
		}
		out := filepath.Join(workDir, "bin", "parley")
		cmd := exec.Command(goTool(), "build", "-o", out, "./cmd/parley")
		cmd.Dir = ".."
		b, err := cmd.CombinedOutput()
		if err != nil {
			serverErr = fmt.Errorf("go build ./cmd/parley (in ..): %v\n%s", err, b)
			return
		}
		serverBin = out
	})
	if serverErr != nil {
		t.Fatal(serverErr)
	}
	return serverBin
}

// readyInfo is the server's --ready-file.
type readyInfo struct {
	RESTURL         string `json:"rest_url"`
	GatewayURL      string `json:"gateway_url"`
	TestControlsURL string `json:"test_controls_url"`
}

type server struct {
	readyInfo
	API     string // rest_url + "/api"
	logPath string
	cmd     *exec.Cmd
	done    chan struct{}
	// botEnv is added to every bot's environment (e.g. the CA a TLS server's certificate is from).
	botEnv []string
}

// startServer runs the real parley binary on free ports with the embedded
// store (plus extra flags) and waits for its ready file. It is stopped (SIGTERM) at cleanup; on
// failure its log is printed.
func startServer(t *testing.T, testControls bool, extra ...string) *server {
	t.Helper()
	bin := buildServer(t)
	dir, err := os.MkdirTemp(workDir, "server-")
	if err != nil {
		t.Fatal(err)
	}
	readyFile := filepath.Join(dir, "ready.json")
	args := []string{"serve",
		"--rest-addr", "127.0.0.1:0",
		"--gateway-addr", "127.0.0.1:0",
		"--data-dir", filepath.Join(dir, "data"),
		"--ready-file", readyFile,
		"--log-level", "debug",
	}
	if testControls {
		args = append(args, "--test-controls")
	}
	args = append(args, extra...)
	s := &server{logPath: filepath.Join(dir, "parley.log"), done: make(chan struct{})}
	logf, err := os.Create(s.logPath)
	if err != nil {
		t.Fatal(err)
	}
	s.cmd = exec.Command(bin, args...)
	s.cmd.Stdout = logf
	s.cmd.Stderr = logf
	if err := s.cmd.Start(); err != nil {
		t.Fatalf("start %s: %v", bin, err)
	}
	var waitErr error
	go func() {
		waitErr = s.cmd.Wait()
		logf.Close()
		close(s.done)
	}()
	t.Cleanup(func() {
		select {
		case <-s.done:
		default:
			_ = s.cmd.Process.Signal(syscall.SIGTERM)
			select {
			case <-s.done:
			case <-time.After(10 * time.Second):
				t.Errorf("parley did not exit 10s after SIGTERM; killing it")
				_ = s.cmd.Process.Kill()
				<-s.done
			}
		}
		if t.Failed() {
			markKeep()
			s.dumpLog(t)
		}
	})

	deadline := time.Now().Add(60 * time.Second)
	for {
		b, err := os.ReadFile(readyFile)
		if err == nil && len(b) > 0 {
			if err := json.Unmarshal(b, &s.readyInfo); err != nil {
				t.Fatalf("ready file %s: %v: %q", readyFile, err, b)
			}
			break
		}
		select {
		case <-s.done:
			t.Fatalf("parley %s exited before writing %s: %v", strings.Join(args, " "), readyFile, waitErr)
		case <-time.After(50 * time.Millisecond):
		}
		if time.Now().After(deadline) {
			t.Fatalf("parley did not write %s within 60s (flags: %s)", readyFile, strings.Join(args, " "))
		}
	}
	if s.RESTURL == "" || s.GatewayURL == "" {
		t.Fatalf("ready file lacks rest_url/gateway_url: %+v", s.readyInfo)
	}
	if testControls && s.TestControlsURL == "" {
		t.Fatalf("ready file lacks test_controls_url although --test-controls was given: %+v", s.readyInfo)
	}
	s.API = strings.TrimRight(s.RESTURL, "/") + "/api"
	return s
}

// dumpLog prints the tail of the server log.
func (s *server) dumpLog(t *testing.T) {
	b, err := os.ReadFile(s.logPath)
	if err != nil {
		t.Logf("server log %s: %v", s.logPath, err)
		return
	}
	lines := strings.Split(strings.TrimRight(string(b), "\n"), "\n")
	const max = 400
	if len(lines) > max {
		t.Logf("server log (%s), last %d of %d lines:", s.logPath, max, len(lines))
		lines = lines[len(lines)-max:]
	} else {
		t.Logf("server log (%s):", s.logPath)
	}
	t.Log("\n" + strings.Join(lines, "\n"))
}

// apiError is a non-2xx answer.
type apiError struct {
	Method, URL string
	Status      int
	Body        string
}

func (e *apiError) Error() string {
	return fmt.Sprintf("%s %s: HTTP %d: %s", e.Method, e.URL, e.Status, e.Body)
}

var httpClient = &http.Client{Timeout: 15 * time.Second}

// call does one JSON request. auth is sent verbatim in Authorization.
func call(ctx context.Context, method, url, auth string, in, out any) error {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, body)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := httpClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return &apiError{method, url, resp.StatusCode, strings.TrimSpace(string(b))}
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: decode %q: %w", method, url, b, err)
		}
	}
	return nil
}

func randHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// owner is the human user that owns every guild and application.
type owner struct {
	Token string
	ID    string
}

func registerOwner(ctx context.Context, s *server) (owner, error) {
	var o owner
	v10 := s.API + "/v10"
	var reg struct {
		Token string `json:"token"`
	}
	if err := call(ctx, "POST", v10+"/auth/register", "", map[string]string{
		"username": "compat_owner_" + randHex(3), "password": "compat-" + randHex(8),
	}, &reg); err != nil {
		return o, err
	}
	if reg.Token == "" {
		return o, errors.New("POST /auth/register: empty token")
	}
	o.Token = reg.Token
	var me struct {
		ID string `json:"id"`
	}
	if err := call(ctx, "GET", v10+"/users/@me", o.Token, nil, &me); err != nil {
		return o, err
	}
	if me.ID == "" {
		return o, errors.New("GET /users/@me: empty id")
	}
	o.ID = me.ID
	return o, nil
}

// appFlagGatewayMessageContentLimited is Discord's application flag for the
// (unverified-bot) Message Content intent toggle.
const appFlagGatewayMessageContentLimited = 1 << 19

// fixture is one bot run's world: a fresh guild with its general channel and
// a fresh application/bot authorized into it, so the server-side stats of the
// bot user count exactly this run.
type fixture struct {
	Owner     owner
	GuildID   string
	ChannelID string
	AppID     string
	BotToken  string
}

func newFixture(ctx context.Context, s *server, o owner, name string) (fixture, error) {
	f := fixture{Owner: o}
	v10 := s.API + "/v10"
	var g struct {
		ID string `json:"id"`
	}
	if err := call(ctx, "POST", v10+"/guilds", o.Token, map[string]string{"name": "compat " + name}, &g); err != nil {
		return f, err
	}
	if g.ID == "" {
		return f, errors.New("POST /guilds: empty id")
	}
	f.GuildID = g.ID
	var chans []struct {
		ID   string `json:"id"`
		Name string `json:"name"`
		Type int    `json:"type"`
	}
	if err := call(ctx, "GET", v10+"/guilds/"+g.ID+"/channels", o.Token, nil, &chans); err != nil {
		return f, err
	}
	for _, c := range chans {
		if c.Name == "general" && c.Type == 0 {
			f.ChannelID = c.ID
		}
	}
	if f.ChannelID == "" {
		return f, fmt.Errorf("GET /guilds/%s/channels: no text channel named general in %+v", g.ID, chans)
	}
	var app struct {
		ID string `json:"id"`
	}
	// MESSAGE_CONTENT is a privileged intent: like toggling "Message Content
	// Intent" in Discord's developer portal, the application gets the flag
	// GATEWAY_MESSAGE_CONTENT_LIMITED (1<<19); without it IDENTIFY with that
	// intent is closed with 4014, as on Discord.
	if err := call(ctx, "POST", v10+"/applications", o.Token, map[string]any{
		"name": "compat-" + name, "flags": appFlagGatewayMessageContentLimited,
	}, &app); err != nil {
		return f, err
	}
	if app.ID == "" {
		return f, errors.New("POST /applications: empty id")
	}
	f.AppID = app.ID
	var bot struct {
		Token string `json:"token"`
	}
	if err := call(ctx, "POST", v10+"/applications/"+app.ID+"/bot", o.Token, nil, &bot); err != nil {
		return f, err
	}
	if bot.Token == "" {
		return f, errors.New("POST /applications/{id}/bot: empty token")
	}
	f.BotToken = bot.Token
	if err := call(ctx, "POST", v10+"/oauth2/authorize?client_id="+app.ID+"&scope=bot", o.Token, map[string]any{
		"guild_id": g.ID, "permissions": "8", "authorize": true,
	}, nil); err != nil {
		return f, err
	}
	return f, nil
}

// stats is GET <test_controls_url>/stats.
type stats struct {
	Identifies int `json:"identifies"`
	Resumes    int `json:"resumes"`
	Sessions   int `json:"sessions"`
}

func getStats(ctx context.Context, s *server, userID string) (stats, error) {
	var st stats
	err := call(ctx, "GET", strings.TrimRight(s.TestControlsURL, "/")+"/stats?user_id="+userID, "", nil, &st)
	return st, err
}

// lineWriter forwards complete lines to a callback.
type lineWriter struct {
	mu   sync.Mutex
	buf  bytes.Buffer
	line func(string)
}

func (w *lineWriter) Write(p []byte) (int, error) {
	w.mu.Lock()
	defer w.mu.Unlock()
	w.buf.Write(p)
	for {
		b := w.buf.Bytes()
		i := bytes.IndexByte(b, '\n')
		if i < 0 {
			return len(p), nil
		}
		w.line(string(b[:i]))
		w.buf.Next(i + 1)
	}
}

func (w *lineWriter) flush() {
	w.mu.Lock()
	defer w.mu.Unlock()
	if w.buf.Len() > 0 {
		w.line(w.buf.String())
		w.buf.Reset()
	}
}
