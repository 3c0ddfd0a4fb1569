package rest_test

import (
	"testing"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/snowflake"
)

// TestInteractionFlow drives every interaction and callback type and the interaction
// webhook's message routes over HTTP; each answer is validated against Discord's spec.
func TestInteractionFlow(t *testing.T) {
	e := newEnv(t, nil)
	w := e.newWorld(t)
	tap := make(interactionTap, 8)
	defer e.bus.Listen(tap)()
	appID, _ := snowflake.Parse(w.appID)
	e.bus.Subscribe(events.Topic{Kind: events.TopicUser, ID: appID})
	cmds := "/applications/" + w.appID + "/guilds/" + w.guildID + "/commands"
	cmd := want(t, e.call(t, "POST", cmds, w.bot.Token, map[string]any{"name": "file", "description": "takes a file",
		"options": []any{
			map[string]any{"type": 11, "name": "doc", "description": "the file", "required": true},
			map[string]any{"type": 3, "name": "city", "description": "where", "autocomplete": true},
		}}), 201).obj(t)
	menu := want(t, e.call(t, "POST", cmds, w.bot.Token, map[string]any{"name": "Inspect", "type": 2}), 201).obj(t)
	m := w.member.Token
	base := func(typ int, data map[string]any) map[string]any {
		return map[string]any{"type": typ, "application_id": w.appID, "guild_id": w.guildID, "channel_id": w.channelID,
			"session_id": "s", "nonce": "42", "data": data}
	}
	cmdData := func(opts ...any) map[string]any {
		return map[string]any{"id": str(cmd, "id"), "name": "file", "type": 1, "options": opts,
			"attachments": []any{map[string]any{"id": "0", "filename": "a.txt"}}}
	}
	doc := map[string]any{"name": "doc", "type": 11, "value": "0"}
	cb := func(id, token string) string { return "/interactions/" + id + "/" + token + "/callback" }

	var orig map[string]any
	var token string
	t.Run("multipart invoke with an attachment, multipart reply", func(t *testing.T) {
		want(t, e.send(t, "POST", "/interactions", m, base(2, cmdData(doc)), upload{"files[0]", "a.txt", "text/plain", []byte("hello")}), 204)
		in := tap.next(t)
		token = in.Token
		if in.Data == nil || in.Data.Resolved == nil || len(in.Data.Resolved.Attachments) != 1 {
			t.Fatalf("resolved = %+v", in.Data)
		}
		for id, a := range in.Data.Resolved.Attachments {
			if a.Filename != "a.txt" || a.Size != 5 || string(in.Data.Options[0].Value) != `"`+id.String()+`"` {
				t.Fatalf("attachment %v = %+v, option %s", id, a, in.Data.Options[0].Value)
			}
		}
		// Without the file, the option names nothing.
		fieldErr(t, wantErr(t, e.call(t, "POST", "/interactions", m, base(2, cmdData(doc))), 400, 50035), "data.options.0.value")
		r := want(t, e.send(t, "POST", cb(in.ID.String(), in.Token)+"?with_response=true", "",
			map[string]any{"type": 4, "data": map[string]any{"content": "got it", "attachments": []any{map[string]any{"id": 0}}}},
			upload{"files[0]", "r.txt", "text/plain", []byte("reply")}), 200).obj(t)
		orig = r["resource"].(map[string]any)["message"].(map[string]any)
		if atts := orig["attachments"].([]any); len(atts) != 1 {
			t.Fatalf("reply attachments = %v", atts)
		}
	})

	t.Run("interaction webhook message routes", func(t *testing.T) {
		wh := "/webhooks/" + w.appID + "/" + token + "/messages/"
		if g := want(t, e.call(t, "GET", wh+"@original", "", nil), 200).obj(t); str(g, "id") != str(orig, "id") {
			t.Fatalf("@original = %v", g)
		}
		want(t, e.call(t, "PATCH", wh+"@original", "", map[string]any{"content": "edited"}), 200)
		fu := want(t, e.call(t, "POST", "/webhooks/"+w.appID+"/"+token+"?wait=true", "", map[string]any{"content": "follow"}), 200).obj(t)
		id := str(fu, "id")
		want(t, e.call(t, "GET", wh+id, "", nil), 200)
		if p := want(t, e.call(t, "PATCH", wh+id, "", map[string]any{"content": "follow!"}), 200).obj(t); str(p, "content") != "follow!" {
			t.Fatalf("patched %v", p)
		}
		want(t, e.call(t, "DELETE", wh+id, "", nil), 204)
		wantErr(t, e.call(t, "GET", wh+id, "", nil), 404, 10008)
		wantErr(t, e.call(t, "GET", wh+w.channelID, "", nil), 404, 10008) // not this interaction's
		want(t, e.call(t, "DELETE", wh+"@original", "", nil), 204)
		wantErr(t, e.call(t, "GET", wh+"@original", "", nil), 404, 10008)
		bad := "/webhooks/" + w.appID + "/expired/messages/"
		wantErr(t, e.call(t, "GET", bad+"@original", "", nil), 404, 10015)
		wantErr(t, e.call(t, "DELETE", bad+"@original", "", nil), 404, 10015)
		wantErr(t, e.call(t, "GET", bad+id, "", nil), 404, 10015)
		wantErr(t, e.call(t, "PATCH", bad+id, "", map[string]any{"content": "x"}), 404, 10015)
		wantErr(t, e.call(t, "DELETE", bad+id, "", nil), 404, 10015)
	})

	t.Run("ephemeral reply stays out of history", func(t *testing.T) {
		want(t, e.call(t, "POST", "/interactions", m, base(2, map[string]any{"id": str(menu, "id"), "name": "Inspect", "type": 2, "target_id": w.owner.ID})), 204)
		in := tap.next(t)
		r := want(t, e.call(t, "POST", cb(in.ID.String(), in.Token)+"?with_response=true", "",
			map[string]any{"type": 4, "data": map[string]any{"content": "secret", "flags": 64}}), 200).obj(t)
		msg := r["resource"].(map[string]any)["message"].(map[string]any)
		if r["interaction"].(map[string]any)["response_message_ephemeral"] != true || msg["type"].(float64) != 23 {
			t.Fatalf("ephemeral callback = %v", r)
		}
		for _, h := range want(t, e.call(t, "GET", "/channels/"+w.channelID+"/messages?limit=10", w.owner.Token, nil), 200).arr(t) {
			if str(h.(map[string]any), "id") == str(msg, "id") {
				t.Fatal("ephemeral message in history")
			}
		}
		wantErr(t, e.call(t, "GET", "/channels/"+w.channelID+"/messages/"+str(msg, "id"), m, nil), 404, 10008)
		want(t, e.call(t, "GET", "/webhooks/"+w.appID+"/"+in.Token+"/messages/@original", "", nil), 200)
	})

	t.Run("autocomplete", func(t *testing.T) {
		focused := map[string]any{"name": "city", "type": 3, "value": "pa", "focused": true}
		want(t, e.call(t, "POST", "/interactions", m, base(4, map[string]any{"id": str(cmd, "id"), "name": "file", "type": 1, "options": []any{focused}})), 204)
		in := tap.next(t)
		u := cb(in.ID.String(), in.Token)
		fieldErr(t, wantErr(t, e.call(t, "POST", u, "", map[string]any{"type": 4, "data": map[string]any{"content": "x"}}), 400, 50035), "type")
		fieldErr(t, wantErr(t, e.call(t, "POST", u, "", map[string]any{"type": 8, "data": map[string]any{"choices": []any{map[string]any{"name": "", "value": "x"}}}}), 400, 50035), "data.choices.0.name")
		want(t, e.call(t, "POST", u+"?with_response=true", "", map[string]any{"type": 8, "data": map[string]any{"choices": []any{map[string]any{"name": "Paris", "value": "paris"}}}}), 200)
		wantErr(t, e.call(t, "POST", u, "", map[string]any{"type": 8, "data": map[string]any{"choices": []any{}}}), 400, 40060)
	})

	t.Run("modal, button, update", func(t *testing.T) {
		want(t, e.send(t, "POST", "/interactions", m, base(2, cmdData(doc)), upload{"files[0]", "a.txt", "text/plain", []byte("x")}), 204)
		in := tap.next(t)
		modal := map[string]any{"type": 9, "data": map[string]any{"custom_id": "form", "title": "Form",
			"components": []any{map[string]any{"type": 1, "components": []any{map[string]any{"type": 4, "custom_id": "name", "style": 1, "label": "Name"}}}}}}
		fieldErr(t, wantErr(t, e.call(t, "POST", cb(in.ID.String(), in.Token), "", map[string]any{"type": 9, "data": map[string]any{"custom_id": "f", "title": "T"}}), 400, 50035), "data.components")
		want(t, e.call(t, "POST", cb(in.ID.String(), in.Token)+"?with_response=true", "", modal), 200)
		sub := base(5, map[string]any{"id": in.ID.String(), "custom_id": "form",
			"components": []any{map[string]any{"type": 1, "components": []any{map[string]any{"type": 4, "custom_id": "name", "value": "Ann"}}}}})
		want(t, e.call(t, "POST", "/interactions", m, sub), 204)
		s := tap.next(t)
		// Component ids are given, as Discord fills them in (numbering them is the component
		// validator's work); the answer is checked against the spec.
		button := []any{map[string]any{"type": 1, "id": 1, "components": []any{map[string]any{"type": 2, "id": 2, "style": 1, "label": "Go", "custom_id": "go"}}}}
		r := want(t, e.call(t, "POST", cb(s.ID.String(), s.Token)+"?with_response=true", "",
			map[string]any{"type": 4, "data": map[string]any{"content": "thanks", "components": button}}), 200).obj(t)
		msgID := str(r["resource"].(map[string]any)["message"].(map[string]any), "id")
		click := map[string]any{"type": 3, "application_id": w.appID, "guild_id": w.guildID, "channel_id": w.channelID,
			"session_id": "s", "nonce": "43", "message_id": msgID, "data": map[string]any{"custom_id": "go", "component_type": 2}}
		want(t, e.call(t, "POST", "/interactions", m, click), 204)
		c := tap.next(t)
		if c.Message == nil || c.Message.ID.String() != msgID || c.Data.CustomID != "go" {
			t.Fatalf("click = %+v", c)
		}
		up := want(t, e.call(t, "POST", cb(c.ID.String(), c.Token)+"?with_response=true", "",
			map[string]any{"type": 7, "data": map[string]any{"content": "clicked", "components": []any{}}}), 200).obj(t)
		if um := up["resource"].(map[string]any)["message"].(map[string]any); str(um, "id") != msgID || str(um, "content") != "clicked" {
			t.Fatalf("update = %v", up)
		}
		click["data"] = map[string]any{"custom_id": "gone", "component_type": 2}
		fieldErr(t, wantErr(t, e.call(t, "POST", "/interactions", m, click), 400, 50035), "data.custom_id")
	})
}
