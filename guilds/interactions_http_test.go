package guilds_test

import (
	"bytes"
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"errors"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/guilds/endpoint"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/storage"
)

// httpBot is an interactions endpoint on 127.0.0.1 that checks Parley's signatures with the
// application's verify_key, as endpoint libraries do: PING → PONG, bad signature → 401, and
// any other interaction → answer(interaction).
type httpBot struct {
	srv    *httptest.Server
	pub    ed25519.PublicKey
	answer func(w http.ResponseWriter, r *http.Request, in opcodes.Interaction)

	mu       sync.Mutex
	received []opcodes.Interaction
	refused  int
}

func newHTTPBot(t *testing.T, verifyKey string, answer func(w http.ResponseWriter, r *http.Request, in opcodes.Interaction)) *httpBot {
	t.Helper()
	pub, err := hex.DecodeString(verifyKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		t.Fatalf("verify_key %q is not a hex Ed25519 public key", verifyKey)
	}
	b := &httpBot{pub: pub, answer: answer}
	b.srv = httptest.NewServer(http.HandlerFunc(b.serve))
	t.Cleanup(b.srv.Close)
	return b
}

func (b *httpBot) serve(w http.ResponseWriter, r *http.Request) {
	body, _ := io.ReadAll(r.Body)
	sig, err := hex.DecodeString(r.Header.Get("X-Signature-Ed25519"))
	if err != nil || !ed25519.Verify(b.pub, append([]byte(r.Header.Get("X-Signature-Timestamp")), body...), sig) {
		b.mu.Lock()
		b.refused++
		b.mu.Unlock()
		http.Error(w, "invalid request signature", http.StatusUnauthorized)
		return
	}
	var in opcodes.Interaction
	if err := json.Unmarshal(body, &in); err != nil {
		http.Error(w, "bad json", http.StatusBadRequest)
		return
	}
	if in.Type == opcodes.InteractionPing {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"type":1}`))
		return
	}
	b.mu.Lock()
	b.received = append(b.received, in)
	b.mu.Unlock()
	b.answer(w, r, in)
}

func (b *httpBot) got() []opcodes.Interaction {
	b.mu.Lock()
	defer b.mu.Unlock()
	return append([]opcodes.Interaction(nil), b.received...)
}

func jsonAnswer(v any) func(http.ResponseWriter, *http.Request, opcodes.Interaction) {
	return func(w http.ResponseWriter, _ *http.Request, _ opcodes.Interaction) {
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(v)
	}
}

// httpFixture is an interaction fixture whose service may dial loopback endpoints.
func newHTTPFixture(t *testing.T, mutate ...func(*guilds.Config)) *interactionFixture {
	t.Helper()
	clock := &bwClock{}
	clock.set(time.Now())
	f := newFixture(t, append([]func(*guilds.Config){func(c *guilds.Config) {
		c.Now, c.AllowPrivateEndpoints = clock.now, true
	}}, mutate...)...)
	return completeInteractionFixture(t, f, clock)
}

// completeInteractionFixture adds newInteractionFixture's bot, command and member to f.
func completeInteractionFixture(t *testing.T, f *fixture, clock *bwClock) *interactionFixture {
	t.Helper()
	app, _ := f.bot("echobot", opcodes.PermSendMessages|opcodes.PermViewChannel|opcodes.PermAttachFiles)
	cp := chat("echo")
	cp.Options = []opcodes.CommandOption{{Type: opcodes.OptionString, Name: "text", Description: "what to say", Required: true}}
	cmd, _, err := f.svc.CreateCommand(f.ctx, app, app, f.guild.ID, cp)
	if err != nil {
		t.Fatalf("create command: %v", err)
	}
	return &interactionFixture{fixture: f, clock: clock, app: app, cmd: cmd, member: f.member("invoker")}
}

func (f *interactionFixture) verifyKey(t *testing.T) string {
	t.Helper()
	a, err := f.svc.Application(f.ctx, f.owner, f.app)
	if err != nil {
		t.Fatalf("get application: %v", err)
	}
	return a.VerifyKey
}

func (f *interactionFixture) setEndpoint(url string) (opcodes.Application, error) {
	return f.svc.ModifyApplication(f.ctx, f.app, f.app, guilds.ModifyApplicationParams{
		InteractionsEndpointURL: opcodes.Some(url)})
}

// lastMessages is the channel's newest messages as the invoker sees them.
func (f *interactionFixture) lastMessages(t *testing.T) []opcodes.Message {
	t.Helper()
	ms, err := f.svc.Messages(f.ctx, f.member, f.chID, guilds.Page{Limit: 10})
	if err != nil {
		t.Fatalf("list messages: %v", err)
	}
	return ms
}

func wantFieldCode(t *testing.T, err error, field, code string) {
	t.Helper()
	var ve *guilds.ValidationError
	if !errors.As(err, &ve) || len(ve.Fields[field]) == 0 || ve.Fields[field][0].Code != code {
		t.Fatalf("err = %v, want a 50035 %s error on %s", err, code, field)
	}
}

func TestApplicationVerifyKeyIsEd25519(t *testing.T) {
	var st storage.Store
	f := newFixture(t, func(c *guilds.Config) { st = c.Store })
	app, err := f.svc.CreateApplication(f.ctx, f.owner, guilds.CreateApplicationParams{Name: "keyed"})
	if err != nil {
		t.Fatal(err)
	}
	if pub, err := hex.DecodeString(app.VerifyKey); err != nil || len(pub) != ed25519.PublicKeySize {
		t.Fatalf("verify_key %q is not a hex Ed25519 public key", app.VerifyKey)
	}
	stored, err := st.Applications().Key(f.ctx, app.ID)
	if err != nil || hex.EncodeToString(stored.PublicKey) != app.VerifyKey ||
		!bytes.Equal(ed25519.NewKeyFromSeed(stored.PrivateKey).Public().(ed25519.PublicKey), stored.PublicKey) {
		t.Fatalf("stored key = %x, %v; want the pair behind verify_key %s", stored.PublicKey, err, app.VerifyKey)
	}
	again, err := f.svc.Application(f.ctx, f.owner, app.ID)
	if err != nil || again.VerifyKey != app.VerifyKey {
		t.Fatalf("verify_key on GET = %q, %v; want %q", again.VerifyKey, err, app.VerifyKey)
	}

	// An application stored before keys existed gets one on first use, and keeps it.
	legacy := storage.Application{ID: 4242, OwnerID: f.owner, Name: "legacy", VerifyKey: "derived", CreatedAt: time.Now()}
	if err := st.Users().Create(f.ctx, storage.User{ID: legacy.ID, Username: "legacy", Bot: true, CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	if err := st.Applications().Create(f.ctx, legacy); err != nil {
		t.Fatal(err)
	}
	first, err := f.svc.Application(f.ctx, f.owner, legacy.ID)
	if err != nil || len(first.VerifyKey) != 2*ed25519.PublicKeySize {
		t.Fatalf("legacy application's verify_key = %q, %v", first.VerifyKey, err)
	}
	second, err := f.svc.Application(f.ctx, f.owner, legacy.ID)
	if err != nil || second.VerifyKey != first.VerifyKey {
		t.Fatalf("legacy verify_key changed: %q then %q (%v)", first.VerifyKey, second.VerifyKey, err)
	}
}

func TestSetInteractionsEndpointURL(t *testing.T) {
	f := newHTTPFixture(t)
	bot := newHTTPBot(t, f.verifyKey(t), jsonAnswer(map[string]any{"type": 4, "data": map[string]any{"content": "hi"}}))
	app, err := f.setEndpoint(bot.srv.URL + "/interactions")
	if err != nil {
		t.Fatalf("set a verifying endpoint: %v", err)
	}
	if app.InteractionsURL == nil || *app.InteractionsURL != bot.srv.URL+"/interactions" {
		t.Fatalf("interactions_endpoint_url = %v", app.InteractionsURL)
	}
	if bot.refused != 1 {
		t.Fatalf("endpoint refused %d requests, want exactly the one forged PING", bot.refused)
	}
	back, err := f.svc.CurrentApplication(f.ctx, f.app)
	if err != nil || back.InteractionsURL == nil || *back.InteractionsURL != *app.InteractionsURL {
		t.Fatalf("GET after PATCH: %v, %v", back.InteractionsURL, err)
	}
	// null clears it: interactions go to the gateway again.
	cleared, err := f.svc.ModifyApplication(f.ctx, f.app, f.app, guilds.ModifyApplicationParams{InteractionsEndpointURL: opcodes.Null[string]()})
	if err != nil || cleared.InteractionsURL != nil {
		t.Fatalf("clear = %v, %v", cleared.InteractionsURL, err)
	}
	f.invoke(t, f.member, f.params(strOpt("text", "x"))) // fails unless INTERACTION_CREATE is published
}

func TestSetInteractionsEndpointURLRefused(t *testing.T) {
	f := newHTTPFixture(t)
	pong := func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		_, _ = w.Write([]byte(`{"type":1}`))
	}
	down := httptest.NewServer(http.NotFoundHandler())
	down.Close()
	for _, tc := range []struct {
		name    string
		handler http.HandlerFunc // nil: the URL is used as given
		url     string
		code    string
	}{
		// Answers PONG to everything: it does not check signatures.
		{"no signature check", pong, "", "APPLICATION_INTERACTIONS_ENDPOINT_URL_INVALID"},
		{"server error", func(w http.ResponseWriter, _ *http.Request) { http.Error(w, "boom", 500) }, "", "APPLICATION_INTERACTIONS_ENDPOINT_URL_INVALID"},
		{"wrong pong type", func(w http.ResponseWriter, r *http.Request) {
			w.Header().Set("Content-Type", "application/json")
			_, _ = w.Write([]byte(`{"type":4}`))
		}, "", "APPLICATION_INTERACTIONS_ENDPOINT_URL_INVALID"},
		{"pong without a json content type", func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain")
			_, _ = w.Write([]byte(`{"type":1}`))
		}, "", "APPLICATION_INTERACTIONS_ENDPOINT_URL_INVALID"},
		{"redirect", func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, "/elsewhere", http.StatusFound) }, "", "APPLICATION_INTERACTIONS_ENDPOINT_URL_INVALID"},
		{"endpoint down", nil, down.URL, "APPLICATION_INTERACTIONS_ENDPOINT_URL_INVALID"},
		{"not a url", nil, "not a url", "URL_TYPE_INVALID_URL"},
		{"not http", nil, "ftp://127.0.0.1/x", "URL_TYPE_INVALID_URL"},
		{"too long", nil, "https://bot.example/" + strings.Repeat("a", endpoint.MaxURLLength), "BASE_TYPE_MAX_LENGTH"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			url := tc.url
			if tc.handler != nil {
				srv := httptest.NewServer(tc.handler)
				defer srv.Close()
				url = srv.URL
			}
			_, err := f.setEndpoint(url)
			wantFieldCode(t, err, "interactions_endpoint_url", tc.code)
			a, err := f.svc.CurrentApplication(f.ctx, f.app)
			if err != nil || a.InteractionsURL != nil {
				t.Fatalf("refused URL was saved: %v, %v", a.InteractionsURL, err)
			}
		})
	}
}

func TestEndpointOnLoopbackRefusedByDefault(t *testing.T) {
	clock := &bwClock{}
	clock.set(time.Now())
	f := completeInteractionFixture(t, newFixture(t, func(c *guilds.Config) { c.Now = clock.now }), clock)
	bot := newHTTPBot(t, f.verifyKey(t), jsonAnswer(map[string]any{"type": 4}))
	_, err := f.setEndpoint(bot.srv.URL)
	wantFieldCode(t, err, "interactions_endpoint_url", "APPLICATION_INTERACTIONS_ENDPOINT_URL_INVALID")
	if bot.refused != 0 || len(bot.got()) != 0 {
		t.Fatalf("a loopback endpoint was contacted without AllowPrivateEndpoints")
	}
}

func TestInteractionDeliveredByHTTP(t *testing.T) {
	f := newHTTPFixture(t)
	bot := newHTTPBot(t, f.verifyKey(t), func(w http.ResponseWriter, r *http.Request, in opcodes.Interaction) {
		var text string
		_ = json.Unmarshal(in.Data.Options[0].Value, &text)
		jsonAnswer(map[string]any{"type": 4, "data": map[string]any{"content": "echo: " + text}})(w, r, in)
	})
	if _, err := f.setEndpoint(bot.srv.URL); err != nil {
		t.Fatal(err)
	}
	mark := bwMark(f.fixture)
	if err := f.svc.CreateInteraction(f.ctx, f.member, f.params(strOpt("text", "over http"))); err != nil {
		t.Fatalf("create interaction: %v", err)
	}
	f.svc.WaitDeliveries()
	for _, ev := range f.rec.named(opcodes.EventInteractionCreate) {
		// The invoker's own {id, nonce} acknowledgement is expected; the bot gets none.
		if slices.Contains(ev.UserIDs, f.app) {
			t.Fatalf("INTERACTION_CREATE published to an HTTP application's bot: %+v", ev)
		}
	}
	got := bot.got()
	if len(got) != 1 || got[0].Type != opcodes.InteractionApplicationCommand || got[0].ApplicationID != f.app ||
		got[0].Data == nil || got[0].Data.Name != "echo" || got[0].Member == nil || got[0].Member.User.ID != f.member || got[0].Token == "" {
		t.Fatalf("endpoint received %+v", got)
	}
	ms := f.lastMessages(t)
	if len(ms) == 0 || ms[0].Content != "echo: over http" || ms[0].Author.ID != f.app || ms[0].Type != opcodes.MessageChatInputCommand {
		t.Fatalf("newest message = %+v, want the endpoint's answer as the reply", ms)
	}
	ev := bwOneEvent(t, f.fixture, mark, opcodes.EventMessageCreate)
	if m := eventData[opcodes.Message](t, ev); m.ID != ms[0].ID || m.InteractionMetadata == nil || m.InteractionMetadata.ID != got[0].ID {
		t.Fatalf("MESSAGE_CREATE = %+v, want the reply to the interaction the endpoint got", m)
	}
	// The answer was the initial response: a callback now is a second one.
	_, err := f.svc.InteractionCallback(f.ctx, got[0].ID, got[0].Token, guilds.InteractionCallbackParams{
		Type: opcodes.CallbackChannelMessageWithSource, Data: &guilds.InteractionCallbackData{MessageParams: guilds.MessageParams{Content: "again"}}}, false)
	wantErr(t, err, guilds.ErrInteractionAcknowledged)
}

func TestInteractionHTTPMultipartAnswer(t *testing.T) {
	f := newHTTPFixture(t)
	bot := newHTTPBot(t, f.verifyKey(t), func(w http.ResponseWriter, _ *http.Request, _ opcodes.Interaction) {
		var buf bytes.Buffer
		mw := multipart.NewWriter(&buf)
		_ = mw.WriteField("payload_json", `{"type":4,"data":{"content":"with a file","attachments":[{"id":0,"filename":"a.txt"}]}}`)
		fw, _ := mw.CreateFormFile("files[0]", "a.txt")
		_, _ = fw.Write([]byte("hello file"))
		_ = mw.Close()
		w.Header().Set("Content-Type", mw.FormDataContentType())
		_, _ = w.Write(buf.Bytes())
	})
	if _, err := f.setEndpoint(bot.srv.URL); err != nil {
		t.Fatal(err)
	}
	if err := f.svc.CreateInteraction(f.ctx, f.member, f.params(strOpt("text", "x"))); err != nil {
		t.Fatal(err)
	}
	f.svc.WaitDeliveries()
	ms := f.lastMessages(t)
	if len(ms) == 0 || ms[0].Content != "with a file" || len(ms[0].Attachments) != 1 || ms[0].Attachments[0].Filename != "a.txt" {
		t.Fatalf("newest message = %+v, want the multipart answer with its file", ms)
	}
}

func TestInteractionHTTPDeliveryFailures(t *testing.T) {
	for _, tc := range []struct {
		name   string
		answer func(http.ResponseWriter, *http.Request, opcodes.Interaction)
	}{
		{"server error", func(w http.ResponseWriter, _ *http.Request, _ opcodes.Interaction) { http.Error(w, "boom", 500) }},
		{"not json", func(w http.ResponseWriter, _ *http.Request, _ opcodes.Interaction) { _, _ = w.Write([]byte("ok")) }},
		{"invalid callback type", jsonAnswer(map[string]any{"type": 42})},
		{"pong to a command", jsonAnswer(map[string]any{"type": 1})},
		{"oversized body", jsonAnswer(map[string]any{"type": 4, "data": map[string]any{"content": strings.Repeat("x", 4096)}})},
		// Blocks until Parley gives up and hangs up (bounded by the endpoint time-out).
		{"no answer in time", func(_ http.ResponseWriter, r *http.Request, _ opcodes.Interaction) { <-r.Context().Done() }},
	} {
		t.Run(tc.name, func(t *testing.T) {
			f := newHTTPFixture(t, func(c *guilds.Config) {
				c.Endpoints = endpoint.New(endpoint.Config{AllowPrivate: true, MaxBody: 1024, Timeout: 300 * time.Millisecond})
			})
			bot := newHTTPBot(t, f.verifyKey(t), tc.answer)
			if _, err := f.setEndpoint(bot.srv.URL); err != nil {
				t.Fatal(err)
			}
			before := len(f.lastMessages(t))
			if err := f.svc.CreateInteraction(f.ctx, f.member, f.params(strOpt("text", "x"))); err != nil {
				t.Fatalf("a failing endpoint failed POST /interactions: %v", err)
			}
			f.svc.WaitDeliveries()
			if len(bot.got()) != 1 {
				t.Fatalf("endpoint got %d interactions", len(bot.got()))
			}
			if n := len(f.lastMessages(t)); n != before {
				t.Fatalf("a bad answer produced a message (%d → %d messages)", before, n)
			}
		})
	}
}

func TestInteractionHTTPEndpointDown(t *testing.T) {
	f := newHTTPFixture(t)
	bot := newHTTPBot(t, f.verifyKey(t), jsonAnswer(map[string]any{"type": 4, "data": map[string]any{"content": "hi"}}))
	if _, err := f.setEndpoint(bot.srv.URL); err != nil {
		t.Fatal(err)
	}
	before := len(f.lastMessages(t))
	bot.srv.Close()
	ctx, cancel := context.WithCancel(f.ctx)
	cancel() // the request that minted it is long gone when the POST runs
	if err := f.svc.CreateInteraction(context.WithoutCancel(ctx), f.member, f.params(strOpt("text", "x"))); err != nil {
		t.Fatalf("an unreachable endpoint failed POST /interactions: %v", err)
	}
	f.svc.WaitDeliveries()
	if n := len(f.lastMessages(t)); n != before {
		t.Fatalf("a failed delivery produced a message (%d → %d messages)", before, n)
	}
}

// FuzzDecodeEndpointAnswer: whatever an endpoint answers, decoding returns (never panics),
// and a decoded answer carries at most 10 files.
func FuzzDecodeEndpointAnswer(f *testing.F) {
	f.Add("application/json", []byte(`{"type":4,"data":{"content":"hi"}}`))
	f.Add("multipart/form-data; boundary=X", []byte("--X\r\nContent-Disposition: form-data; name=\"payload_json\"\r\n\r\n{\"type\":4}\r\n--X\r\nContent-Disposition: form-data; name=\"files[0]\"; filename=\"a.txt\"\r\n\r\nhello\r\n--X--\r\n"))
	f.Add("multipart/form-data", []byte("--X--"))
	f.Add("text/plain", []byte("ok"))
	f.Fuzz(func(t *testing.T, contentType string, body []byte) {
		p, err := guilds.DecodeEndpointAnswer(contentType, body)
		if err == nil && len(p.Files) > 10 {
			t.Fatalf("%d files decoded", len(p.Files))
		}
	})
}
