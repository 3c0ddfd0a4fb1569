package rest

import (
	"encoding/json"
	"errors"
	"io"
	"math/rand/v2"
	"net/http/httptest"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/snowflake"
)

// serveDecl serves one declaration on a bare Fiber app, with the server's error mapping but
// without authentication or rate limiting: what is under test is the adapter.
func serveDecl(t *testing.T, rt *route) *fiber.App {
	t.Helper()
	app := fiber.New(fiber.Config{DisableStartupMessage: true})
	h := rt.handler()
	app.Add(rt.method, strings.NewReplacer("{", ":", "}", "").Replace(rt.path), func(c *fiber.Ctx) error {
		if err := h(&request{c: c, ctx: c.UserContext()}); err != nil {
			ae := toAPIError(err)
			return writeJSON(c, ae.Status, ae)
		}
		return nil
	})
	return app
}

type answer struct {
	status int
	body   string
}

func send(t *testing.T, app *fiber.App, method, target, body string, hdr ...string) answer {
	t.Helper()
	req := httptest.NewRequest(method, target, strings.NewReader(body))
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for i := 0; i+1 < len(hdr); i += 2 {
		req.Header.Set(hdr[i], hdr[i+1])
	}
	res, err := app.Test(req, -1)
	if err != nil {
		t.Fatalf("%s %s: %v", method, target, err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return answer{res.StatusCode, string(b)}
}

// TestAuditReason checks that the X-Audit-Log-Reason header reaches the domain through the
// context on audited routes only, URL-decoded and cut to 512 UTF-16 code units.
func TestAuditReason(t *testing.T) {
	type seen struct {
		Reason  string `json:"reason"`
		Present bool   `json:"present"`
	}
	fn := func(c *call, _ none) (seen, error) {
		r, ok := guilds.AuditReason(c.ctx)
		return seen{r, ok}, nil
	}
	audited := serveDecl(t, op("POST /audited", "", public, fn).audited())
	plain := serveDecl(t, op("POST /plain", "", public, fn))
	emoji := "\U0001F600" // two UTF-16 code units
	cases := []struct {
		name   string
		app    *fiber.App
		header string // "" sends none
		want   seen
	}{
		{"decoded", audited, "spam%20and%20%E2%9C%93", seen{"spam and ✓", true}},
		{"plain text", audited, "just words", seen{"just words", true}},
		{"bad escape kept as sent", audited, "100%zz", seen{"100%zz", true}},
		{"absent", audited, "", seen{}},
		{"not an audited route", plain, "spam", seen{}},
		{"cut to 512", audited, strings.Repeat("a", 600), seen{strings.Repeat("a", 512), true}},
		{"exactly 512", audited, strings.Repeat("b", 512), seen{strings.Repeat("b", 512), true}},
		{"surrogate pairs count twice", audited, strings.Repeat(emoji, 300), seen{strings.Repeat(emoji, 256), true}},
		{"never half a pair", audited, strings.Repeat("c", 511) + emoji, seen{strings.Repeat("c", 511), true}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			path := "/audited"
			if tc.app == plain {
				path = "/plain"
			}
			var hdr []string
			if tc.header != "" {
				hdr = []string{"X-Audit-Log-Reason", tc.header}
			}
			a := send(t, tc.app, "POST", path, "", hdr...)
			var got seen
			if a.status != 200 || json.Unmarshal([]byte(a.body), &got) != nil {
				t.Fatalf("status %d body %s", a.status, a.body)
			}
			if got != tc.want {
				t.Fatalf("domain saw %+v, want %+v", got, tc.want)
			}
		})
	}
}

// TestParams drives the adapter's parsing of path, query and body fields and its status
// choice, one answer per row.
func TestParams(t *testing.T) {
	type body struct {
		N int `json:"n"`
	}
	type params struct {
		inMessage
		UserID snowflake.ID    `path:"user_id" unknown:"member"`
		Emoji  guilds.EmojiRef `path:"emoji_name"`
		Limit  int             `query:"limit" default:"5" min:"1" max:"10"`
		After  snowflake.ID    `query:"after"`
		Flag   bool            `query:"flag"`
		Name   string          `query:"name" required:"true"`
		Before *time.Time      `query:"before"`
		withBody[body]
	}
	type echo struct {
		Channel, Message, User snowflake.ID
		Emoji                  string
		Limit                  int
		After                  snowflake.ID
		Flag                   bool
		Name                   string
		Before                 string
		N                      int
	}
	rt := op("POST /c/{channel_id}/m/{message_id}/u/{user_id}/e/{emoji_name}", "", public, func(c *call, p params) (echo, error) {
		e := echo{p.ChannelID, p.MessageID, p.UserID, p.Emoji.Name, p.Limit, p.After, p.Flag, p.Name, "", p.Body.N}
		if p.Before != nil {
			e.Before = p.Before.UTC().Format(time.RFC3339)
		}
		return e, nil
	})
	app := serveDecl(t, rt)
	const ok = "/c/1/m/2/u/3/e/%F0%9F%91%8D"
	cases := []struct {
		name, target, body string
		status             int
		want               string // substring of the answer
	}{
		{"all parsed", ok + "?limit=7&after=9&flag=true&name=x&before=2024-01-02T03:04:05Z", `{"n":4}`, 200,
			`{"Channel":"1","Message":"2","User":"3","Emoji":"👍","Limit":7,"After":"9","Flag":true,"Name":"x","Before":"2024-01-02T03:04:05Z","N":4}`},
		{"defaults", ok + "?name=x", "", 200, `"Limit":5,"After":null,"Flag":false`},
		{"path not a snowflake", "/c/abc/m/2/u/3/e/x?name=x", "", 400, `"channel_id":{"_errors":[{"code":"NUMBER_TYPE_COERCE"`},
		{"impossible channel", "/c/0/m/2/u/3/e/x?name=x", "", 404, `"code":10003`},
		{"impossible message", "/c/1/m/0/u/3/e/x?name=x", "", 404, `"code":10008`},
		{"unknown override", "/c/1/m/2/u/0/e/x?name=x", "", 404, `"code":10007`},
		{"bad emoji", "/c/1/m/2/u/3/e/nope:abc?name=x", "", 400, `"code":10014`},
		{"limit too low", ok + "?name=x&limit=0", "", 400, `NUMBER_TYPE_MIN`},
		{"limit too high", ok + "?name=x&limit=11", "", 400, `NUMBER_TYPE_MAX`},
		{"limit not int", ok + "?name=x&limit=z", "", 400, `"limit":{"_errors":[{"code":"NUMBER_TYPE_COERCE"`},
		{"query id not int", ok + "?name=x&after=z", "", 400, `"after":{"_errors"`},
		{"bad bool", ok + "?name=x&flag=maybe", "", 400, `BASE_TYPE_BOOLEAN`},
		{"required missing", ok, "", 400, `"name":{"_errors":[{"code":"BASE_TYPE_REQUIRED"`},
		{"bad time", ok + "?name=x&before=yesterday", "", 400, `DATE_TYPE_PARSE`},
		{"bad json", ok + "?name=x", `{"n":`, 400, `"code":50109`},
		{"wrong json type", ok + "?name=x", `{"n":"four"}`, 400, `"n":{"_errors":[{"code":"NUMBER_TYPE_COERCE"`},
		{"path before query", "/c/abc/m/2/u/3/e/x?limit=0", "", 400, `"channel_id"`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := send(t, app, "POST", tc.target, tc.body)
			if a.status != tc.status || !strings.Contains(a.body, tc.want) {
				t.Fatalf("got %d %s, want %d containing %s", a.status, a.body, tc.status, tc.want)
			}
		})
	}
}

// TestStatuses checks the declared status, 204 for a nil pointer result, error wrapping and
// remapping.
func TestStatuses(t *testing.T) {
	type result struct {
		OK bool `json:"ok"`
	}
	type q struct {
		Wait bool `query:"wait"`
	}
	errBoom := errors.New("boom")
	cases := []struct {
		name   string
		rt     *route
		target string
		status int
		body   string
	}{
		{"ok", op("GET /x", "", public, func(*call, none) (result, error) { return result{true}, nil }), "/x", 200, `{"ok":true}`},
		{"created", op("GET /x", "", public, func(*call, none) (result, error) { return result{true}, nil }).created(), "/x", 201, `{"ok":true}`},
		{"do", do("GET /x", "", public, func(*call, none) error { return nil }), "/x", 204, ""},
		{"nil pointer", op("GET /x", "", public, func(_ *call, p q) (*result, error) {
			if !p.Wait {
				return nil, nil
			}
			return &result{true}, nil
		}), "/x", 204, ""},
		{"pointer", op("GET /x", "", public, func(_ *call, p q) (*result, error) { return &result{p.Wait}, nil }), "/x?wait=true", 200, `{"ok":true}`},
		{"domain error", do("GET /x", "", public, func(*call, none) error { return guilds.ErrUnknownGuild }), "/x", 404, `{"code":10004,"message":"Unknown Guild"}`},
		{"unknown error is 500", do("GET /x", "", public, func(*call, none) error { return errBoom }), "/x", 500, `"code":0`},
		{"remapped", do("GET /x", "", public, func(*call, none) error { return guilds.ErrUnknownEmoji }).remapErr(guilds.ErrUnknownEmoji, errUnknownEmojiReaction), "/x", 400, `{"code":10014,"message":"Unknown Emoji"}`},
		{"not remapped", do("GET /x", "", public, func(*call, none) error { return guilds.ErrUnknownEmoji }), "/x", 404, `"code":10014`},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			a := send(t, serveDecl(t, tc.rt), "GET", tc.target, "")
			if a.status != tc.status || a.body != tc.body && !strings.Contains(a.body, tc.body) || tc.body == "" && a.body != "" {
				t.Fatalf("got %d %q, want %d %q", a.status, a.body, tc.status, tc.body)
			}
		})
	}
}

// TestPlanErrors checks that a malformed declaration is refused when it is built, at start-up.
func TestPlanErrors(t *testing.T) {
	type noTag struct{ X int }
	type missing struct {
		inGuild
	}
	type extra struct {
		inChannel
		GuildID snowflake.ID `path:"guild_id"`
	}
	type noUnknown struct {
		ID snowflake.ID `path:"thing_id"`
	}
	type intNoBounds struct {
		N int `query:"n"`
	}
	type badKind struct {
		F float64 `query:"f"`
	}
	type twoBodies struct {
		A int `body:"json"`
		B int `body:"json"`
	}
	cases := []struct {
		name string
		typ  any
		path string
		want string
	}{
		{"untagged field", noTag{}, "/x", "no path, query or body tag"},
		{"path param without field", missing{}, "/g/{guild_id}/c/{channel_id}", "without a params field"},
		{"field without path param", extra{}, "/c/{channel_id}", "does not have"},
		{"no unknown error", noUnknown{}, "/t/{thing_id}", "no unknown-resource error"},
		{"int without bounds", intNoBounds{}, "/x", "needs default"},
		{"unsupported type", badKind{}, "/x", "cannot come from"},
		{"two bodies", twoBodies{}, "/x", "more than one body"},
		{"not a struct", 5, "/x", "must be a struct"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			_, err := planParams(reflect.TypeOf(tc.typ), tc.path)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Fatalf("err = %v, want %q", err, tc.want)
			}
		})
	}
	defer func() {
		if recover() == nil {
			t.Fatal("uploads on a body without Files did not panic")
		}
	}()
	op("POST /x", "", public, func(*call, withBody[struct{}]) (none, error) { return none{}, nil }).withUploads()
}

// TestStaticFirst checks that a literal segment is registered before a parameter at the same
// level, whatever order the declarations were written in.
func TestStaticFirst(t *testing.T) {
	want := []string{
		"/channels/{channel_id}/messages",
		"/channels/{channel_id}/messages/bulk-delete",
		"/channels/{channel_id}/messages/pins",
		"/channels/{channel_id}/messages/pins/{message_id}",
		"/channels/{channel_id}/messages/{message_id}",
		"/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/@me",
		"/channels/{channel_id}/messages/{message_id}/reactions/{emoji_name}/{user_id}",
		"/users/@me",
		"/users/@me/guilds",
		"/users/{user_id}",
	}
	for seed := uint64(0); seed < 20; seed++ {
		rs := make([]*route, len(want))
		for i, p := range want {
			rs[i] = &route{path: p}
		}
		r := rand.New(rand.NewPCG(seed, seed))
		r.Shuffle(len(rs), func(i, j int) { rs[i], rs[j] = rs[j], rs[i] })
		staticFirst(rs)
		got := make([]string, len(rs))
		for i, rt := range rs {
			got[i] = rt.path
		}
		if !slices.Equal(got, want) {
			t.Fatalf("seed %d: order\n%s\nwant\n%s", seed, strings.Join(got, "\n"), strings.Join(want, "\n"))
		}
	}
}
