package rest_test

import (
	"context"
	"crypto/ed25519"
	"encoding/hex"
	"encoding/json"
	"io"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// messageTap hands over the MESSAGE_CREATE payloads the domain publishes.
type messageTap chan opcodes.Message

func (c messageTap) Receive(_ context.Context, ev events.Event, _ bool) {
	if ev.Name != opcodes.EventMessageCreate {
		return
	}
	var m opcodes.Message
	if json.Unmarshal(ev.Data, &m) == nil {
		c <- m
	}
}
func (messageTap) Gap()  {}
func (messageTap) Lost() {}

func (c messageTap) next(t *testing.T) opcodes.Message {
	t.Helper()
	select {
	case m := <-c:
		return m
	case <-time.After(10 * time.Second):
		t.Fatal("no MESSAGE_CREATE")
		return opcodes.Message{}
	}
}

// signedEndpoint is an HTTP-only bot: it checks Parley's Ed25519 signatures with verifyKey,
// PONGs PINGs and answers a command with a reply echoing its "text" option.
func signedEndpoint(t *testing.T, verifyKey string, check bool) *httptest.Server {
	t.Helper()
	pub, err := hex.DecodeString(verifyKey)
	if err != nil || len(pub) != ed25519.PublicKeySize {
		t.Fatalf("verify_key %q is not a hex Ed25519 public key", verifyKey)
	}
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, _ := io.ReadAll(r.Body)
		sig, _ := hex.DecodeString(r.Header.Get("X-Signature-Ed25519"))
		if check && !ed25519.Verify(pub, append([]byte(r.Header.Get("X-Signature-Timestamp")), body...), sig) {
			http.Error(w, "invalid request signature", http.StatusUnauthorized)
			return
		}
		var in opcodes.Interaction
		_ = json.Unmarshal(body, &in)
		w.Header().Set("Content-Type", "application/json")
		if in.Type == opcodes.InteractionPing {
			_, _ = w.Write([]byte(`{"type":1}`))
			return
		}
		var text string
		if in.Data != nil && len(in.Data.Options) > 0 {
			_ = json.Unmarshal(in.Data.Options[0].Value, &text)
		}
		_ = json.NewEncoder(w).Encode(map[string]any{"type": 4, "data": map[string]any{"content": "http says " + text}})
	}))
	t.Cleanup(srv.Close)
	return srv
}

func TestInteractionsOverHTTP(t *testing.T) {
	e := newEnvWith(t, func(c *guilds.Config) { c.AllowPrivateEndpoints = true }, nil)
	w := e.newWorld(t)
	me := want(t, e.call(t, "GET", "/applications/@me", w.bot.Token, nil), 200).obj(t)
	key := str(me, "verify_key")
	if me["interactions_endpoint_url"] != nil {
		t.Fatalf("new application has interactions_endpoint_url %v", me["interactions_endpoint_url"])
	}
	if got := str(want(t, e.call(t, "GET", "/applications/"+w.appID, w.owner.Token, nil), 200).obj(t), "verify_key"); got != key {
		t.Fatalf("verify_key differs between @me (%s) and /applications/{id} (%s)", key, got)
	}
	good := signedEndpoint(t, key, true)
	naive := signedEndpoint(t, key, false) // PONGs even a forged PING

	t.Run("errors", func(t *testing.T) {
		for _, u := range []string{naive.URL, "notaurl", "ftp://127.0.0.1/"} {
			r := wantErr(t, e.call(t, "PATCH", "/applications/@me", w.bot.Token, map[string]any{"interactions_endpoint_url": u}), 400, 50035)
			fieldErr(t, r, "interactions_endpoint_url")
		}
		r := wantErr(t, e.call(t, "PATCH", "/applications/@me", w.bot.Token, map[string]any{"interactions_endpoint_url": naive.URL}), 400, 50035)
		if fe := fieldErr(t, r, "interactions_endpoint_url"); str(fe, "message") != "The specified interactions endpoint url could not be verified." {
			t.Fatalf("field error %v", fe)
		}
		// Not the application's owner nor its bot.
		wantErr(t, e.call(t, "PATCH", "/applications/"+w.appID, w.member.Token, map[string]any{"interactions_endpoint_url": good.URL}), 404, 10002)
	})

	t.Run("set, invoke, reply", func(t *testing.T) {
		a := want(t, e.call(t, "PATCH", "/applications/"+w.appID, w.owner.Token, map[string]any{"interactions_endpoint_url": good.URL}), 200).obj(t)
		if str(a, "interactions_endpoint_url") != good.URL || str(a, "verify_key") != key {
			t.Fatalf("PATCH answer %v", a)
		}
		cmd := want(t, e.call(t, "POST", "/applications/"+w.appID+"/guilds/"+w.guildID+"/commands", w.bot.Token, slash("echo")), 201).obj(t)
		tap := make(messageTap, 8)
		defer e.bus.Listen(tap)()
		gid, _ := snowflake.Parse(w.guildID)
		e.bus.Subscribe(events.Topic{Kind: events.TopicGuild, ID: gid})
		want(t, e.call(t, "POST", "/interactions", w.owner.Token, map[string]any{"type": 2, "application_id": w.appID,
			"guild_id": w.guildID, "channel_id": w.channelID, "session_id": "s", "nonce": "1",
			"data": map[string]any{"id": str(cmd, "id"), "name": "echo", "type": 1,
				"options": []any{map[string]any{"name": "text", "type": 3, "value": "hello"}}}}), 204)
		m := tap.next(t)
		if m.Content != "http says hello" || m.Author.ID.String() != w.appID || m.Type != opcodes.MessageChatInputCommand {
			t.Fatalf("reply %+v", m)
		}
		msgs := want(t, e.call(t, "GET", "/channels/"+w.channelID+"/messages?limit=1", w.owner.Token, nil), 200).arr(t)
		if str(msgs[0].(map[string]any), "id") != m.ID.String() {
			t.Fatalf("history's newest message %v, want the reply %s", msgs[0], m.ID)
		}
		cleared := want(t, e.call(t, "PATCH", "/applications/@me", w.bot.Token, map[string]any{"interactions_endpoint_url": nil}), 200).obj(t)
		if cleared["interactions_endpoint_url"] != nil {
			t.Fatalf("cleared URL still %v", cleared["interactions_endpoint_url"])
		}
	})
}
