package rest_test

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// interactionTap hands over the INTERACTION_CREATE payloads the domain publishes.
type interactionTap chan opcodes.Interaction

func (c interactionTap) Receive(_ context.Context, ev events.Event, _ bool) {
	if ev.Name != opcodes.EventInteractionCreate {
		return
	}
	var in opcodes.Interaction
	if json.Unmarshal(ev.Data, &in) == nil {
		c <- in
	}
}
func (interactionTap) Gap()  {}
func (interactionTap) Lost() {}

func (c interactionTap) next(t *testing.T) opcodes.Interaction {
	t.Helper()
	select {
	case in := <-c:
		return in
	case <-time.After(10 * time.Second):
		t.Fatal("no INTERACTION_CREATE")
		return opcodes.Interaction{}
	}
}

func TestInteractions(t *testing.T) {
	e := newEnv(t, nil)
	w := e.newWorld(t)
	tap := make(interactionTap, 8)
	defer e.bus.Listen(tap)()
	appID, _ := snowflake.Parse(w.appID)
	// As the gateway does for a connected bot: the bot's user topic.
	e.bus.Subscribe(events.Topic{Kind: events.TopicUser, ID: appID})
	cmd := want(t, e.call(t, "POST", "/applications/"+w.appID+"/guilds/"+w.guildID+"/commands", w.bot.Token, slash("echo")), 201).obj(t)
	cmdID := str(cmd, "id")
	invoke := func(opts ...any) map[string]any {
		return map[string]any{"type": 2, "application_id": w.appID, "guild_id": w.guildID, "channel_id": w.channelID,
			"session_id": "s", "nonce": "1", "data": map[string]any{"id": cmdID, "name": "echo", "type": 1, "options": opts}}
	}
	text := map[string]any{"name": "text", "type": 3, "value": "hi"}

	t.Run("errors", func(t *testing.T) {
		// slash("echo") needs MANAGE_GUILD (default_member_permissions "32"): the member lacks it.
		wantErr(t, e.call(t, "POST", "/interactions", w.member.Token, invoke(text)), 403, 50013)
		wantErr(t, e.call(t, "POST", "/interactions", w.bot.Token, invoke(text)), 403, 20001)
		wantErr(t, e.call(t, "POST", "/interactions", "", invoke(text)), 401, 0)
		bad := invoke(map[string]any{"name": "text", "type": 4, "value": 3})
		fieldErr(t, wantErr(t, e.call(t, "POST", "/interactions", w.owner.Token, bad), 400, 50035), "data.options.0.type")
		fieldErr(t, wantErr(t, e.call(t, "POST", "/interactions", w.owner.Token, invoke()), 400, 50035), "data.options")
		unknown := invoke(text)
		unknown["data"].(map[string]any)["id"] = w.guildID
		wantErr(t, e.call(t, "POST", "/interactions", w.owner.Token, unknown), 404, 10063)
	})

	t.Run("invoke and reply", func(t *testing.T) {
		want(t, e.call(t, "POST", "/interactions", w.owner.Token, invoke(text)), 204)
		in := tap.next(t)
		if in.Data == nil || in.Data.ID.String() != cmdID || in.Member == nil || in.Member.User.ID.String() != w.owner.ID {
			t.Fatalf("interaction %+v", in)
		}
		cb := "/interactions/" + in.ID.String() + "/" + in.Token + "/callback"
		wantErr(t, e.call(t, "POST", "/interactions/"+in.ID.String()+"/wrong/callback", "", map[string]any{"type": 4, "data": map[string]any{"content": "x"}}), 404, 10062)
		fieldErr(t, wantErr(t, e.call(t, "POST", cb, "", map[string]any{"type": 4, "data": map[string]any{"content": "x", "flags": 2}}), 400, 50035), "data.flags")
		r := want(t, e.call(t, "POST", cb+"?with_response=true", "", map[string]any{"type": 4, "data": map[string]any{"content": "pong"}}), 200).obj(t)
		res := r["resource"].(map[string]any)
		msg := res["message"].(map[string]any)
		it := r["interaction"].(map[string]any)
		if str(it, "id") != in.ID.String() || str(it, "response_message_id") != str(msg, "id") || msg["type"].(float64) != 20 ||
			str(msg["author"].(map[string]any), "id") != w.appID || str(msg, "webhook_id") != w.appID || str(msg, "application_id") != w.appID {
			t.Fatalf("callback answer %v", r)
		}
		if md := msg["interaction_metadata"].(map[string]any); str(md, "id") != in.ID.String() || str(md["user"].(map[string]any), "id") != w.owner.ID {
			t.Fatalf("interaction_metadata %v", md)
		}
		wantErr(t, e.call(t, "POST", cb, "", map[string]any{"type": 4, "data": map[string]any{"content": "again"}}), 400, 40060)
	})

	t.Run("deferred without response", func(t *testing.T) {
		want(t, e.call(t, "POST", "/interactions", w.owner.Token, invoke(text)), 204)
		in := tap.next(t)
		want(t, e.call(t, "POST", "/interactions/"+in.ID.String()+"/"+in.Token+"/callback", "", map[string]any{"type": 5}), 204)
		msgs := want(t, e.call(t, "GET", "/channels/"+w.channelID+"/messages?limit=1", w.owner.Token, nil), 200).arr(t)
		if m := msgs[0].(map[string]any); m["flags"].(float64) != 128 || m["type"].(float64) != 20 {
			t.Fatalf("deferred message %v", m)
		}
		orig := "/webhooks/" + w.appID + "/" + in.Token + "/messages/@original"
		wantErr(t, e.call(t, "PATCH", "/webhooks/"+w.appID+"/nope/messages/@original", "", map[string]any{"content": "x"}), 404, 10015)
		m := want(t, e.call(t, "PATCH", orig, "", map[string]any{"content": "finished"}), 200).obj(t)
		if str(m, "content") != "finished" || m["flags"].(float64) != 0 || str(m, "id") != str(msgs[0].(map[string]any), "id") {
			t.Fatalf("edited %v", m)
		}
		fu := want(t, e.call(t, "POST", "/webhooks/"+w.appID+"/"+in.Token+"?wait=true", "", map[string]any{"content": "and more"}), 200).obj(t)
		// A follow-up replies (type 19) to the initial response and names it in its metadata.
		ref, _ := fu["message_reference"].(map[string]any)
		md, _ := fu["interaction_metadata"].(map[string]any)
		if str(fu, "content") != "and more" || fu["type"].(float64) != 19 || str(fu["author"].(map[string]any), "id") != w.appID ||
			str(ref, "message_id") != str(m, "id") || str(md, "original_response_message_id") != str(m, "id") {
			t.Fatalf("follow-up %v", fu)
		}
	})
}
