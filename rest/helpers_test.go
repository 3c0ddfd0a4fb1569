package rest_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/rest"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage/embedded"
)

// env is one Parley REST server on a real 127.0.0.1:0 listener, backed by the real domain
// over a fresh embedded store.
type env struct {
	t      *testing.T
	base   string // http://127.0.0.1:port
	srv    *rest.Server
	svc    *guilds.Service
	store  *embedded.Store
	client *http.Client
	// bus is the domain's event bus: tests that need what only the gateway sees (an
	// interaction's token) listen on it.
	bus *events.Memory
}

func newEnv(t testing.TB, mutate func(*rest.Config)) *env {
	t.Helper()
	return newEnvWith(t, nil, mutate)
}

// newEnvWith is newEnv with the domain's config adjusted too (svcMutate, if not nil).
func newEnvWith(t testing.TB, svcMutate func(*guilds.Config), mutate func(*rest.Config)) *env {
	t.Helper()
	ctx := context.Background()
	st, err := embedded.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	gen, err := snowflake.NewGenerator(1, 1)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	// Attachment URLs point at this server, as cmd/parley configures them.
	bus := events.NewMemory()
	svcCfg := guilds.Config{Store: st, IDs: gen, Bus: bus, CDNURL: "http://" + ln.Addr().String()}
	if svcMutate != nil {
		svcMutate(&svcCfg)
	}
	svc, err := guilds.New(ctx, svcCfg)
	if err != nil {
		t.Fatalf("new service: %v", err)
	}
	cfg := rest.Config{
		PublicGatewayURL: "ws://127.0.0.1:1/",
		// Tests must not trip the default limits by accident; rate-limit tests set their own.
		RateLimits: rest.RateLimits{Global: 100000, Default: rest.Rate{Limit: 100000, Window: time.Second},
			Routes: map[string]rest.Rate{
				"POST /channels/{channel_id}/messages":                {Limit: 100000, Window: time.Second},
				"DELETE /channels/{channel_id}/messages/{message_id}": {Limit: 100000, Window: time.Second},
				"POST /channels/{channel_id}/messages/bulk-delete":    {Limit: 100000, Window: time.Second},
				"POST /webhooks/{webhook_id}/{webhook_token}":         {Limit: 100000, Window: time.Second},
				"PATCH /channels/{channel_id}":                        {Limit: 100000, Window: time.Second},
				"POST /auth/register":                                 {Limit: 100000, Window: time.Second},
				"POST /auth/login":                                    {Limit: 100000, Window: time.Second},
			}},
	}
	if mutate != nil {
		mutate(&cfg)
	}
	srv, err := rest.New(cfg, svc)
	if err != nil {
		ln.Close()
		t.Fatalf("rest.New: %v", err)
	}
	done := make(chan error, 1)
	go func() { done <- srv.Listener(ln) }()
	t.Cleanup(func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		if err := srv.Shutdown(ctx); err != nil {
			t.Errorf("shutdown: %v", err)
		}
		// A test that made no request can reach Shutdown before the serving goroutine has
		// entered Serve; fasthttp then serves on regardless. Closing the listener ends it.
		ln.Close()
		<-done
	})
	e := &env{base: "http://" + ln.Addr().String(), srv: srv, svc: svc, store: st, bus: bus,
		client: &http.Client{Timeout: 30 * time.Second}}
	if tt, ok := t.(*testing.T); ok {
		e.t = tt
	}
	return e
}

// resp is one HTTP answer.
type resp struct {
	Method, Path string
	Status       int
	Header       http.Header
	Body         []byte
}

func (r resp) obj(t testing.TB) map[string]any {
	t.Helper()
	var m map[string]any
	if err := json.Unmarshal(r.Body, &m); err != nil {
		t.Fatalf("%s %s: decode object %q: %v", r.Method, r.Path, r.Body, err)
	}
	return m
}

func (r resp) arr(t testing.TB) []any {
	t.Helper()
	var a []any
	if err := json.Unmarshal(r.Body, &a); err != nil {
		t.Fatalf("%s %s: decode array %q: %v", r.Method, r.Path, r.Body, err)
	}
	return a
}

// call sends a request. path is relative to /api/v10 unless it starts with /api or http.
// body is JSON-encoded unless it is a string or []byte (sent raw). Every answer is checked
// for the Content-Type contract and validated against Discord's OpenAPI spec.
func (e *env) call(t testing.TB, method, path, token string, body any, hdr ...string) resp {
	t.Helper()
	url := path
	switch {
	case strings.HasPrefix(path, "http"):
	case strings.HasPrefix(path, "/api"):
		url = e.base + path
	default:
		url = e.base + "/api/v10" + path
	}
	var rd io.Reader
	switch b := body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	case []byte:
		rd = bytes.NewReader(b)
	default:
		raw, err := json.Marshal(b)
		if err != nil {
			t.Fatal(err)
		}
		rd = bytes.NewReader(raw)
	}
	req, err := http.NewRequest(method, url, rd)
	if err != nil {
		t.Fatal(err)
	}
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if token != "" {
		req.Header.Set("Authorization", token)
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := e.client.Do(req)
	if err != nil {
		t.Fatalf("%s %s: %v", method, path, err)
	}
	defer res.Body.Close()
	raw, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	r := resp{Method: method, Path: req.URL.Path, Status: res.StatusCode, Header: res.Header, Body: raw}
	if len(raw) > 0 {
		if ct := res.Header.Get("Content-Type"); ct != "application/json" {
			t.Errorf("%s %s: Content-Type %q, want exactly application/json", method, path, ct)
		}
	}
	if _, bench := t.(*testing.B); !bench {
		checkSpec(t, e.srv, req, r) // benchmarks measure the server, not the validator
	}
	return r
}

// want fails unless r has the status.
func want(t testing.TB, r resp, status int) resp {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s %s: status %d, want %d; body %s", r.Method, r.Path, r.Status, status, r.Body)
	}
	return r
}

// wantErr fails unless r is Discord's error answer with status and JSON code.
func wantErr(t testing.TB, r resp, status, code int) map[string]any {
	t.Helper()
	if r.Status != status {
		t.Fatalf("%s %s: status %d, want %d; body %s", r.Method, r.Path, r.Status, status, r.Body)
	}
	m := r.obj(t)
	c, ok := m["code"].(float64)
	if !ok || int(c) != code {
		t.Fatalf("%s %s: code %v, want %d; body %s", r.Method, r.Path, m["code"], code, r.Body)
	}
	if _, ok := m["message"].(string); !ok {
		t.Fatalf("%s %s: no message in %s", r.Method, r.Path, r.Body)
	}
	return m
}

// fieldErr returns the first _errors entry at a dotted path of a 50035 body's errors tree.
func fieldErr(t testing.TB, m map[string]any, path string) map[string]any {
	t.Helper()
	node, _ := m["errors"].(map[string]any)
	if path != "" {
		for _, p := range strings.Split(path, ".") {
			next, ok := node[p].(map[string]any)
			if !ok {
				t.Fatalf("errors tree has no %q (at %q): %v", path, p, m["errors"])
			}
			node = next
		}
	}
	errs, _ := node["_errors"].([]any)
	if len(errs) == 0 {
		t.Fatalf("errors tree has no _errors at %q: %v", path, m["errors"])
	}
	return errs[0].(map[string]any)
}

func str(m map[string]any, k string) string {
	s, _ := m[k].(string)
	return s
}

// account is a logged-in user or bot.
type account struct {
	ID    string
	Token string // full Authorization header value
}

var nameSeq struct {
	sync.Mutex
	n int
}

func uniqueName(prefix string) string {
	nameSeq.Lock()
	defer nameSeq.Unlock()
	nameSeq.n++
	return prefix + strings.Repeat("x", 0) + "_" + time.Now().Format("150405") + "_" + itoa(nameSeq.n)
}

func itoa(n int) string {
	b, _ := json.Marshal(n)
	return string(b)
}

// register creates a human account; the token is sent bare (a JWT), like compat-tests do.
func (e *env) register(t testing.TB, name string) account {
	t.Helper()
	r := want(t, e.call(t, "POST", "/auth/register", "", map[string]any{"username": uniqueName(name), "password": "correct horse battery"}), 201)
	m := r.obj(t)
	return account{ID: str(m, "user_id"), Token: str(m, "token")}
}

// world is a guild owned by owner with its general channel, a member who joined through an
// invite, and a bot authorized with administrator.
type world struct {
	owner, member, bot account
	appID              string
	guildID, channelID string
}

func (e *env) newWorld(t testing.TB) world {
	t.Helper()
	var w world
	w.owner = e.register(t, "owner")
	w.member = e.register(t, "member")
	g := want(t, e.call(t, "POST", "/guilds", w.owner.Token, map[string]any{"name": "Test Guild"}), 201).obj(t)
	w.guildID = str(g, "id")
	for _, c := range want(t, e.call(t, "GET", "/guilds/"+w.guildID+"/channels", w.owner.Token, nil), 200).arr(t) {
		ch := c.(map[string]any)
		if str(ch, "name") == "general" {
			w.channelID = str(ch, "id")
		}
	}
	if w.channelID == "" {
		t.Fatal("no general channel")
	}
	// GUILD_MEMBERS enabled (GATEWAY_GUILD_MEMBERS_LIMITED), so the bot may list members;
	// MESSAGE_CONTENT stays off, which the content-hiding tests rely on.
	app := want(t, e.call(t, "POST", "/applications", w.owner.Token, map[string]any{"name": "testbot", "flags": 1 << 15}), 201).obj(t)
	w.appID = str(app, "id")
	tok := want(t, e.call(t, "POST", "/applications/"+w.appID+"/bot", w.owner.Token, nil), 200).obj(t)
	w.bot = account{ID: w.appID, Token: "Bot " + str(tok, "token")}
	want(t, e.call(t, "POST", "/oauth2/authorize?client_id="+w.appID+"&scope=bot", w.owner.Token,
		map[string]any{"guild_id": w.guildID, "permissions": "8", "authorize": true}), 200)
	inv := want(t, e.call(t, "POST", "/channels/"+w.channelID+"/invites", w.owner.Token, map[string]any{}), 200).obj(t)
	want(t, e.call(t, "POST", "/invites/"+str(inv, "code"), w.member.Token, nil), 200)
	return w
}
