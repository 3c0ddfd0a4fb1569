package rest_test

import (
	"context"
	"errors"
	"log/slog"
	"net"
	"net/http"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/guilds/ratelimit"
	"github.com/parley-chat/parley/rest"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
	"github.com/parley-chat/parley/storage/embedded"
)

func TestLogout(t *testing.T) {
	e := newEnv(t, nil)
	w := e.newWorld(t)
	name := uniqueName("leaver")
	reg := want(t, e.call(t, "POST", "/auth/register", "", map[string]any{"username": name, "password": "hunter2hunter2"}), 201).obj(t)
	other := want(t, e.call(t, "POST", "/auth/login", "", map[string]any{"login": name, "password": "hunter2hunter2"}), 200).obj(t)

	// Discord's client sends these fields; they are ignored.
	want(t, e.call(t, "POST", "/auth/logout", str(reg, "token"), map[string]any{"provider": nil, "voip_provider": nil}), 204)
	wantErr(t, e.call(t, "GET", "/users/@me", str(reg, "token"), nil), 401, 0)
	wantErr(t, e.call(t, "POST", "/auth/token/refresh", "", map[string]any{"refresh_token": str(reg, "refresh_token")}), 401, 0)
	wantErr(t, e.call(t, "POST", "/auth/logout", str(reg, "token"), nil), 401, 0)
	// The other login (another family) is untouched.
	want(t, e.call(t, "GET", "/users/@me", "Bearer "+str(other, "token"), nil), 200)

	wantErr(t, e.call(t, "POST", "/auth/logout", w.bot.Token, nil), 403, 20001)
	wantErr(t, e.call(t, "POST", "/auth/logout", "", nil), 401, 0)
	want(t, e.call(t, "GET", "/users/@me", w.bot.Token, nil), 200)
}

func TestLoginThrottlePerAccount(t *testing.T) {
	e := newEnv(t, func(c *rest.Config) {
		c.LoginBackOff = ratelimit.BackOff{Free: 3, Base: time.Hour, Max: 2 * time.Hour}
	})
	victim, bystander := uniqueName("victim"), uniqueName("bystander")
	for _, n := range []string{victim, bystander} {
		want(t, e.call(t, "POST", "/auth/register", "", map[string]any{"username": n, "password": "hunter2hunter2"}), 201)
	}
	login := func(name, pw string) resp {
		return e.call(t, "POST", "/auth/login", "", map[string]any{"login": name, "password": pw})
	}
	// A successful login clears the record: two failures, a success, then three more free.
	for range 2 {
		wantErr(t, login(victim, "wrong-password"), 400, 50035)
	}
	want(t, login(victim, "hunter2hunter2"), 200)
	for range 3 {
		wantErr(t, login(victim, "wrong-password"), 400, 50035)
	}
	// The fourth waits Base, even with the right password, and whatever the name's case.
	for _, name := range []string{victim, strings.ToUpper(victim), "  " + victim} {
		r := login(name, "hunter2hunter2")
		m := wantErr(t, r, 429, 0)
		if ra, _ := m["retry_after"].(float64); ra < 3500 || ra > 3600 {
			t.Fatalf("retry_after = %v, want about 3600", m["retry_after"])
		}
		if m["global"] != false || r.Header.Get("Retry-After") == "" || r.Header.Get("Via") == "" {
			t.Fatalf("429 shape: body %s, headers %v", r.Body, r.Header)
		}
	}
	// Other accounts are not affected.
	want(t, login(bystander, "hunter2hunter2"), 200)
}

// brokenAttempts is a LoginAttempts whose backend is down.
type brokenAttempts struct{}

func (brokenAttempts) Attempt(context.Context, string, ratelimit.BackOff) (time.Duration, error) {
	return 0, errors.New("redis down")
}
func (brokenAttempts) Succeeded(context.Context, string) error { return errors.New("redis down") }

func TestLoginThrottleOutageAllowsLogin(t *testing.T) {
	var logs lockedBuffer
	e := newEnv(t, func(c *rest.Config) {
		c.LoginAttempts = brokenAttempts{}
		c.Logger = slog.New(slog.NewTextHandler(&logs, nil))
	})
	name := uniqueName("outage")
	want(t, e.call(t, "POST", "/auth/register", "", map[string]any{"username": name, "password": "hunter2hunter2"}), 201)
	want(t, e.call(t, "POST", "/auth/login", "", map[string]any{"login": name, "password": "hunter2hunter2"}), 200)
	if !strings.Contains(logs.String(), "login throttle unavailable") {
		t.Fatalf("outage not logged: %q", logs.String())
	}
}

func TestCORS(t *testing.T) {
	const web = "https://chat.example.org"
	e := newEnv(t, func(c *rest.Config) {
		c.AllowedOrigins = []string{web, "http://localhost:8080/"}
		// One request per route window: a preflight that counted would show as a 429.
		c.RateLimits.Routes["GET /users/@me"] = rest.Rate{Limit: 1, Window: time.Hour}
	})
	u := e.register(t, "cors")
	preflight := func(origin string) *http.Response {
		req, _ := http.NewRequest("OPTIONS", e.base+"/api/v10/users/@me", nil)
		req.Header.Set("Origin", origin)
		req.Header.Set("Access-Control-Request-Method", "GET")
		req.Header.Set("Access-Control-Request-Headers", "authorization, x-super-properties")
		res, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		return res
	}
	for _, origin := range []string{web, "http://localhost:8080"} {
		res := preflight(origin)
		h := res.Header
		if res.StatusCode != 204 || h.Get("Access-Control-Allow-Origin") != origin ||
			h.Get("Access-Control-Allow-Credentials") != "true" || h.Get("Vary") != "Origin" ||
			!strings.Contains(h.Get("Access-Control-Allow-Methods"), "PATCH") || h.Get("Access-Control-Max-Age") == "" ||
			h.Get("X-RateLimit-Bucket") != "" {
			t.Fatalf("preflight from %s: %d %v", origin, res.StatusCode, h)
		}
		for _, want := range []string{"Authorization", "Content-Type", "X-Audit-Log-Reason", "X-Super-Properties"} {
			if !strings.Contains(h.Get("Access-Control-Allow-Headers"), want) {
				t.Fatalf("Allow-Headers %q lacks %s", h.Get("Access-Control-Allow-Headers"), want)
			}
		}
	}
	for _, origin := range []string{"https://evil.example", "null", web + ".evil.example", "http://chat.example.org"} {
		if res := preflight(origin); res.StatusCode != 403 || res.Header.Get("Access-Control-Allow-Origin") != "" {
			t.Fatalf("preflight from %s: %d %v", origin, res.StatusCode, res.Header)
		}
	}

	// The preflights used no rate limit: the route's single request is still available.
	r := want(t, e.call(t, "GET", "/users/@me", u.Token, nil, "Origin", web), 200)
	if r.Header.Get("Access-Control-Allow-Origin") != web || r.Header.Get("Access-Control-Allow-Credentials") != "true" ||
		!strings.Contains(r.Header.Get("Access-Control-Expose-Headers"), "X-RateLimit-Reset-After") {
		t.Fatalf("answer to an allowed origin: %v", r.Header)
	}
	// A credentialed call from another origin is refused before it runs.
	wantErr(t, e.call(t, "GET", "/users/@me", u.Token, nil, "Origin", "https://evil.example"), 403, 0)
	// Public calls from other origins run, but carry no CORS headers (the page cannot read them).
	r = want(t, e.call(t, "GET", "/gateway", "", nil, "Origin", "https://evil.example"), 200)
	if r.Header.Get("Access-Control-Allow-Origin") != "" || r.Header.Get("Access-Control-Allow-Credentials") != "" {
		t.Fatalf("answer to another origin has CORS headers: %v", r.Header)
	}
	// Without Origin (bots): no CORS headers, nothing refused.
	r = want(t, e.call(t, "GET", "/gateway", "", nil), 200)
	if r.Header.Get("Access-Control-Allow-Origin") != "" || r.Header.Get("Vary") != "Origin" {
		t.Fatalf("answer without Origin has CORS headers: %v", r.Header)
	}
}

func TestCORSDefaultAllowsNoOrigin(t *testing.T) {
	e := newEnv(t, nil)
	req, _ := http.NewRequest("OPTIONS", e.base+"/api/v10/gateway", nil)
	req.Header.Set("Origin", "https://chat.example.org")
	req.Header.Set("Access-Control-Request-Method", "GET")
	res, err := e.client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	res.Body.Close()
	if res.StatusCode != 403 || res.Header.Get("Access-Control-Allow-Origin") != "" {
		t.Fatalf("preflight with no origins configured: %d %v", res.StatusCode, res.Header)
	}
}

// flakyStore fails, while fail is set, what the log test needs to end in a 500: the token
// family check (every user request) and webhook lookups.
type flakyStore struct {
	storage.Store
	fail *atomic.Bool
}

type flakyTokens struct {
	storage.TokenStore
	fail *atomic.Bool
}

type flakyWebhooks struct {
	storage.WebhookStore
	fail *atomic.Bool
}

var errBackend = errors.New("backend exploded")

func (f flakyStore) Tokens() storage.TokenStore { return flakyTokens{f.Store.Tokens(), f.fail} }
func (f flakyStore) Webhooks() storage.WebhookStore {
	return flakyWebhooks{f.Store.Webhooks(), f.fail}
}

func (f flakyTokens) FamilyRevoked(ctx context.Context, family string) (bool, error) {
	if f.fail.Load() {
		return false, errBackend
	}
	return f.TokenStore.FamilyRevoked(ctx, family)
}

func (f flakyWebhooks) Get(ctx context.Context, id snowflake.ID) (storage.Webhook, error) {
	if f.fail.Load() {
		return storage.Webhook{}, errBackend
	}
	return f.WebhookStore.Get(ctx, id)
}

// TestTokensNotLogged: requests that fail with 500 are logged, but neither the Authorization
// header nor a webhook token in the path reaches the log.
func TestTokensNotLogged(t *testing.T) {
	var logs lockedBuffer
	fail := new(atomic.Bool)
	st, err := embedded.Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	gen, _ := snowflake.NewGenerator(2, 2)
	svc, err := guilds.New(t.Context(), guilds.Config{Store: flakyStore{st, fail}, IDs: gen})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := rest.New(rest.Config{
		PublicGatewayURL: "ws://127.0.0.1:1",
		Logger:           slog.New(slog.NewJSONHandler(&logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
	}, svc)
	if err != nil {
		t.Fatal(err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go srv.Listener(ln)
	t.Cleanup(func() { srv.Shutdown(context.Background()) })
	e := &env{base: "http://" + ln.Addr().String(), srv: srv, svc: svc, client: &http.Client{Timeout: 30 * time.Second}}

	owner := e.register(t, "logged")
	g := want(t, e.call(t, "POST", "/guilds", owner.Token, map[string]any{"name": "logged guild"}), 201).obj(t)
	chans := want(t, e.call(t, "GET", "/guilds/"+str(g, "id")+"/channels", owner.Token, nil), 200).arr(t)
	chID := str(chans[0].(map[string]any), "id")
	hook := want(t, e.call(t, "POST", "/channels/"+chID+"/webhooks", owner.Token, map[string]any{"name": "hook"}), 200).obj(t)
	hookToken := str(hook, "token")
	// A fresh login: its family is not cached yet, so the check reaches the (failing) store.
	name := str(want(t, e.call(t, "GET", "/users/@me", owner.Token, nil), 200).obj(t), "username")
	fresh := str(want(t, e.call(t, "POST", "/auth/login", "", map[string]any{"login": name, "password": "correct horse battery"}), 200).obj(t), "token")

	fail.Store(true)
	// Raw requests: Discord's spec has no 500 answers to validate against.
	for _, rq := range []struct{ method, path, token, body string }{
		{"GET", "/users/@me", fresh, ""},
		{"POST", "/webhooks/" + str(hook, "id") + "/" + hookToken, "", `{"content":"hi"}`},
	} {
		req, _ := http.NewRequest(rq.method, e.base+"/api/v10"+rq.path, strings.NewReader(rq.body))
		req.Header.Set("Content-Type", "application/json")
		if rq.token != "" {
			req.Header.Set("Authorization", rq.token)
		}
		res, err := e.client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		res.Body.Close()
		if res.StatusCode != 500 {
			t.Fatalf("%s %s: HTTP %d, want 500", rq.method, rq.path, res.StatusCode)
		}
	}

	out := logs.String()
	if strings.Count(out, "request failed") != 2 || !strings.Contains(out, "/webhooks/"+str(hook, "id")+"/[redacted]") {
		t.Fatalf("the failures were not logged as expected: %q", out)
	}
	for _, secret := range []string{fresh, owner.Token, hookToken} {
		if strings.Contains(out, secret) {
			t.Fatalf("a token reached the log:\n%s", out)
		}
	}
}
