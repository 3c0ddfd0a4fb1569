// Package scenario is the shared driver for the Go compatibility bots.
//
// Each bot (bots/<library>/main.go) configures a real Discord library with
// nothing but its base-URL knobs, forwards the library's ready, message and
// resumed events to a Scenario, and hands Run an adapter over the library's
// own REST client. Run then performs the compatibility scenario and prints
// one line per step:
//
//	STEP <name> ok
//	STEP <name> FAIL <reason>
//
// The first failing step ends the process with a non-zero exit code. The
// JavaScript (js/common.mjs) and Python (py/discordpy_bot.py) drivers print
// the same steps in the same order; compat_test.go parses them.
package scenario

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"runtime/debug"
	"strings"
	"sync"
	"time"
)

// Steps lists the scenario steps in the order they run. Keep in sync with
// js/common.mjs, py/discordpy_bot.py and compat_test.go.
var Steps = []string{
	"ready", "cache", "saw-human",
	"send", "react", "edit", "fetch", "delete",
	"resume-op7", "replay-op7",
	"resume-close4000", "replay-close4000",
}

// Env is what the runner passes to every bot.
type Env struct {
	API        string // http://127.0.0.1:P/api (no version)
	RESTURL    string
	GatewayURL string
	ControlURL string
	BotToken   string // raw, without "Bot "
	BotID      string
	UserToken  string
	UserID     string
	GuildID    string
	ChannelID  string
	Variant    string
	Nonce      string // random, makes message contents unique per run
}

// LoadEnv reads the PARLEY_* variables; a missing one is a setup failure.
func LoadEnv() Env {
	get := func(k string) string {
		v := os.Getenv(k)
		if v == "" {
			fmt.Printf("STEP ready FAIL missing env %s\n", k)
			os.Exit(2)
		}
		return v
	}
	b := make([]byte, 4)
	_, _ = rand.Read(b)
	return Env{
		API:        strings.TrimRight(get("PARLEY_API"), "/"),
		RESTURL:    get("PARLEY_REST_URL"),
		GatewayURL: get("PARLEY_GATEWAY_URL"),
		ControlURL: strings.TrimRight(get("PARLEY_CONTROL_URL"), "/"),
		BotToken:   get("PARLEY_BOT_TOKEN"),
		BotID:      get("PARLEY_BOT_ID"),
		UserToken:  get("PARLEY_USER_TOKEN"),
		UserID:     get("PARLEY_USER_ID"),
		GuildID:    get("PARLEY_GUILD_ID"),
		ChannelID:  get("PARLEY_CHANNEL_ID"),
		Variant:    os.Getenv("PARLEY_VARIANT"),
		Nonce:      hex.EncodeToString(b),
	}
}

// ModuleVersion returns the version of a dependency linked into this binary.
func ModuleVersion(path string) string {
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, d := range bi.Deps {
			if d.Path == path {
				if d.Replace != nil {
					return d.Replace.Version
				}
				return d.Version
			}
		}
	}
	return "unknown"
}

// Info prints the line the runner uses for the compatibility matrix.
func Info(library, version, transport string) {
	fmt.Printf("INFO library=%s version=%s transport=%s\n", library, version, transport)
}

// Library adapts one bot library's REST client and cache.
type Library interface {
	// Cached reports an error unless the guild and its text channel are in
	// the library's cache.
	Cached(guildID, channelID string) error
	Send(ctx context.Context, channelID, content string) (id, gotContent string, err error)
	React(ctx context.Context, channelID, messageID, emoji string) error
	Edit(ctx context.Context, channelID, messageID, content string) (gotContent string, err error)
	Fetch(ctx context.Context, channelID, messageID string) (content string, err error)
	Delete(ctx context.Context, channelID, messageID string) error
}

// Scenario collects library events and runs the steps.
type Scenario struct {
	Env Env

	mu       sync.Mutex
	ready    chan struct{}
	isReady  bool
	resumed  chan struct{}
	messages map[string]string // content -> author id
	msgCond  chan struct{}     // closed and replaced on every new message
	current  string
}

// New returns a Scenario with the overall timeout armed.
func New(env Env, timeout time.Duration) *Scenario {
	s := &Scenario{
		Env:      env,
		ready:    make(chan struct{}),
		resumed:  make(chan struct{}, 16),
		messages: map[string]string{},
		msgCond:  make(chan struct{}),
		current:  "ready",
	}
	time.AfterFunc(timeout, func() {
		s.mu.Lock()
		cur := s.current
		s.mu.Unlock()
		fmt.Printf("STEP %s FAIL overall timeout %s\n", cur, timeout)
		os.Exit(3)
	})
	return s
}

// Ready is called from the library's ready event.
func (s *Scenario) Ready() {
	s.mu.Lock()
	defer s.mu.Unlock()
	if !s.isReady {
		s.isReady = true
		close(s.ready)
	}
}

// Resumed is called from the library's resumed event.
func (s *Scenario) Resumed() {
	select {
	case s.resumed <- struct{}{}:
	default:
	}
}

// Message is called from the library's message-create event.
func (s *Scenario) Message(authorID, content string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.messages[content]; !ok {
		s.messages[content] = authorID
	}
	close(s.msgCond)
	s.msgCond = make(chan struct{})
}

func (s *Scenario) waitMessage(ctx context.Context, content string) (author string, err error) {
	for {
		s.mu.Lock()
		a, ok := s.messages[content]
		c := s.msgCond
		s.mu.Unlock()
		if ok {
			return a, nil
		}
		select {
		case <-c:
		case <-ctx.Done():
			return "", fmt.Errorf("no MESSAGE_CREATE with content %q", content)
		}
	}
}

func (s *Scenario) waitResumed(ctx context.Context) error {
	select {
	case <-s.resumed:
		return nil
	case <-ctx.Done():
		return fmt.Errorf("library resumed event did not fire")
	}
}

func (s *Scenario) begin(name string) {
	s.mu.Lock()
	s.current = name
	s.mu.Unlock()
}

// OK prints a passing step.
func OK(name string) { fmt.Printf("STEP %s ok\n", name) }

// Fail prints a failing step and exits.
func Fail(name string, err error) {
	fmt.Printf("STEP %s FAIL %s\n", name, oneLine(err.Error()))
	os.Exit(1)
}

func oneLine(s string) string {
	s = strings.ReplaceAll(s, "\r", " ")
	s = strings.ReplaceAll(s, "\n", " ")
	if len(s) > 400 {
		s = s[:400] + "…"
	}
	return s
}

func (s *Scenario) step(name string, d time.Duration, f func(ctx context.Context) error) {
	s.begin(name)
	ctx, cancel := context.WithTimeout(context.Background(), d)
	defer cancel()
	if err := f(ctx); err != nil {
		Fail(name, err)
	}
	OK(name)
}

// Run performs every step; it returns only if all passed.
func (s *Scenario) Run(lib Library) {
	e := s.Env
	s.step("ready", 30*time.Second, func(ctx context.Context) error {
		select {
		case <-s.ready:
			return nil
		case <-ctx.Done():
			return fmt.Errorf("library ready event did not fire")
		}
	})
	s.step("cache", 10*time.Second, func(ctx context.Context) error {
		for {
			err := lib.Cached(e.GuildID, e.ChannelID)
			if err == nil {
				return nil
			}
			select {
			case <-ctx.Done():
				return err
			case <-time.After(50 * time.Millisecond):
			}
		}
	})
	s.step("saw-human", 10*time.Second, func(ctx context.Context) error {
		content := "human says hi " + e.Nonce
		if err := e.PostAsHuman(ctx, content); err != nil {
			return err
		}
		author, err := s.waitMessage(ctx, content)
		if err != nil {
			return err
		}
		if author != e.UserID {
			return fmt.Errorf("author id %q, want %q", author, e.UserID)
		}
		return nil
	})
	var id string
	s.step("send", 10*time.Second, func(ctx context.Context) error {
		want := "bot says hi " + e.Nonce
		var got string
		var err error
		id, got, err = lib.Send(ctx, e.ChannelID, want)
		if err != nil {
			return err
		}
		if id == "" || got != want {
			return fmt.Errorf("created message id=%q content=%q, want content %q", id, got, want)
		}
		return nil
	})
	s.step("react", 10*time.Second, func(ctx context.Context) error {
		return lib.React(ctx, e.ChannelID, id, "👍")
	})
	edited := "bot edited " + e.Nonce
	s.step("edit", 10*time.Second, func(ctx context.Context) error {
		got, err := lib.Edit(ctx, e.ChannelID, id, edited)
		if err != nil {
			return err
		}
		if got != edited {
			return fmt.Errorf("edit returned content %q, want %q", got, edited)
		}
		return nil
	})
	s.step("fetch", 10*time.Second, func(ctx context.Context) error {
		got, err := lib.Fetch(ctx, e.ChannelID, id)
		if err != nil {
			return err
		}
		if got != edited {
			return fmt.Errorf("fetched content %q, want %q", got, edited)
		}
		return nil
	})
	s.step("delete", 10*time.Second, func(ctx context.Context) error {
		return lib.Delete(ctx, e.ChannelID, id)
	})
	for _, f := range []struct {
		name string
		mode string
		code int
	}{{"op7", "reconnect", 0}, {"close4000", "close", 4000}} {
		content := "posted while " + f.name + " " + e.Nonce
		s.step("resume-"+f.name, 20*time.Second, func(ctx context.Context) error {
			// Drain stale resumed signals (none expected).
			for len(s.resumed) > 0 {
				<-s.resumed
			}
			if err := e.Disconnect(ctx, f.mode, f.code, content); err != nil {
				return err
			}
			return s.waitResumed(ctx)
		})
		s.step("replay-"+f.name, 10*time.Second, func(ctx context.Context) error {
			_, err := s.waitMessage(ctx, content)
			return err
		})
	}
}

// PostAsHuman posts a message as the owner user through plain REST.
func (e Env) PostAsHuman(ctx context.Context, content string) error {
	body := map[string]any{"content": content}
	return doJSON(ctx, "POST", e.API+"/v10/channels/"+e.ChannelID+"/messages", e.UserToken, body, nil)
}

// Disconnect asks the server's test controls to force the bot's session off,
// then to post thenPost as the owner while the session is detached.
func (e Env) Disconnect(ctx context.Context, mode string, code int, thenPost string) error {
	body := map[string]any{"user_id": e.BotID, "mode": mode}
	if code != 0 {
		body["code"] = code
	}
	if thenPost != "" {
		body["then_post"] = map[string]any{
			"channel_id": e.ChannelID, "author_id": e.UserID, "content": thenPost,
		}
	}
	var out struct {
		Disconnected int `json:"disconnected"`
	}
	if err := doJSON(ctx, "POST", e.ControlURL+"/disconnect", "", body, &out); err != nil {
		return fmt.Errorf("test control disconnect: %w", err)
	}
	if out.Disconnected < 1 {
		return fmt.Errorf("test control disconnect: disconnected=%d, want >= 1", out.Disconnected)
	}
	return nil
}

func doJSON(ctx context.Context, method, url, auth string, in, out any) error {
	var r io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return err
		}
		r = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, method, url, r)
	if err != nil {
		return err
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if auth != "" {
		req.Header.Set("Authorization", auth)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		return err
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode/100 != 2 {
		return fmt.Errorf("%s %s: %s: %s", method, url, resp.Status, bytes.TrimSpace(b))
	}
	if out != nil {
		if err := json.Unmarshal(b, out); err != nil {
			return fmt.Errorf("%s %s: decode: %w", method, url, err)
		}
	}
	return nil
}
