package rest_test

import (
	"encoding/json"
	"reflect"
	"strings"
	"testing"
)

// TestMessageComponents: messages with v1 and Components V2 components are stored and read
// back as Discord returns them (every answer validated against Discord's spec by e.call), and
// the limits, the V2 rules and the webhook rules answer 50035 at the right path.
func TestMessageComponents(t *testing.T) {
	e := newEnv(t, nil)
	w := e.newWorld(t)
	msgs := "/channels/" + w.channelID + "/messages"
	row := func(kids ...any) map[string]any { return map[string]any{"type": 1, "components": kids} }
	button := func(id string) map[string]any {
		return map[string]any{"type": 2, "style": 1, "label": "Click", "custom_id": id, "emoji": map[string]any{"name": "🔥"}}
	}
	link := map[string]any{"type": 2, "style": 5, "label": "Docs", "url": "https://example.com/docs"}

	t.Run("v1 round trip", func(t *testing.T) {
		body := map[string]any{"content": "pick", "components": []any{
			row(button("a"), link),
			row(map[string]any{"type": 3, "custom_id": "s", "placeholder": "Choose", "max_values": 2,
				"options": []any{map[string]any{"label": "One", "value": "1", "description": "first"}, map[string]any{"label": "Two", "value": "2", "default": true}}}),
			row(map[string]any{"type": 5, "custom_id": "u", "default_values": []any{map[string]any{"id": w.owner.ID, "type": "user"}}}),
			row(map[string]any{"type": 8, "custom_id": "c", "channel_types": []int{0, 2}, "min_values": 0}),
		}}
		m := want(t, e.call(t, "POST", msgs, w.bot.Token, body), 200).obj(t)
		cs := m["components"].([]any)
		if len(cs) != 4 {
			t.Fatalf("components = %v", cs)
		}
		b := cs[0].(map[string]any)["components"].([]any)[0].(map[string]any)
		if str(b, "custom_id") != "a" || b["id"].(float64) != 2 || b["style"].(float64) != 1 {
			t.Fatalf("button = %v, want it as sent with id 2 (after its row)", b)
		}
		s := cs[1].(map[string]any)["components"].([]any)[0].(map[string]any)
		if s["min_values"].(float64) != 1 || s["max_values"].(float64) != 2 || len(s["options"].([]any)) != 2 {
			t.Fatalf("select = %v", s)
		}
		got := want(t, e.call(t, "GET", msgs+"/"+str(m, "id"), w.bot.Token, nil), 200).obj(t)
		if !reflect.DeepEqual(got["components"], m["components"]) {
			t.Fatalf("read back %v\nwant %v", got["components"], m["components"])
		}
	})

	t.Run("v1 limits", func(t *testing.T) {
		six := []any{}
		for range 6 {
			six = append(six, row(link))
		}
		r := wantErr(t, e.call(t, "POST", msgs, w.bot.Token, map[string]any{"content": "x", "components": six}), 400, 50035)
		if c := str(fieldErr(t, r, "components"), "code"); c != "BASE_TYPE_MAX_LENGTH" {
			t.Fatalf("code %s", c)
		}
		r = wantErr(t, e.call(t, "POST", msgs, w.bot.Token, map[string]any{"components": []any{row(button("a"), button("a"))}}), 400, 50035)
		if c := str(fieldErr(t, r, "components.0.components.1.custom_id"), "code"); c != "COMPONENT_CUSTOM_ID_DUPLICATED" {
			t.Fatalf("code %s", c)
		}
		r = wantErr(t, e.call(t, "POST", msgs, w.bot.Token, map[string]any{"components": []any{map[string]any{"type": 10, "content": "no flag"}}}), 400, 50035)
		fieldErr(t, r, "components.0")
		// A wrong JSON type is found by the decoder, with its path.
		fieldErr(t, wantErr(t, e.call(t, "POST", msgs, w.bot.Token, `{"components":[{"type":1,"components":[{"type":2,"style":"big"}]}]}`), 400, 50035), "components.0.components.0.style")
	})

	t.Run("permission", func(t *testing.T) {
		// Components do not lift the channel's rules: no SEND_MESSAGES in another guild.
		outsider := e.register(t, "outsider")
		wantErr(t, e.call(t, "POST", msgs, outsider.Token, map[string]any{"components": []any{row(link)}}), 403, 50001)
	})

	var v2ID string
	t.Run("v2 round trip with a file", func(t *testing.T) {
		payload := map[string]any{"flags": 1 << 15, "attachments": []any{map[string]any{"id": 0, "filename": "notes.txt"}},
			"components": []any{
				map[string]any{"type": 17, "accent_color": 0x5865F2, "components": []any{
					map[string]any{"type": 10, "content": "# Report <@" + w.member.ID + ">"},
					map[string]any{"type": 9, "components": []any{map[string]any{"type": 10, "content": "side"}},
						"accessory": map[string]any{"type": 11, "media": map[string]any{"url": "https://example.com/a.png"}, "description": "alt"}},
					map[string]any{"type": 14, "divider": false, "spacing": 2},
					map[string]any{"type": 12, "items": []any{map[string]any{"media": map[string]any{"url": "https://example.com/b.png"}}}},
					map[string]any{"type": 13, "file": map[string]any{"url": "attachment://notes.txt"}},
					row(button("v2")),
				}},
			}}
		m := want(t, e.send(t, "POST", msgs, w.bot.Token, payload, upload{field: "files[0]", filename: "notes.txt", contentType: "text/plain", data: []byte("hello")}), 200).obj(t)
		v2ID = str(m, "id")
		if m["flags"].(float64) != 1<<15 || str(m, "content") != "" {
			t.Fatalf("message %v", m)
		}
		if ms := m["mentions"].([]any); len(ms) != 1 || str(ms[0].(map[string]any), "id") != w.member.ID {
			t.Fatalf("mentions = %v, want the member mentioned in a text display", ms)
		}
		box := m["components"].([]any)[0].(map[string]any)
		kids := box["components"].([]any)
		file := kids[4].(map[string]any)
		media := file["file"].(map[string]any)
		att := m["attachments"].([]any)[0].(map[string]any)
		if str(file, "name") != "notes.txt" || file["size"].(float64) != 5 || str(media, "attachment_id") != str(att, "id") ||
			str(media, "url") != str(att, "url") || str(media, "content_type") == "" {
			t.Fatalf("file component %v, attachment %v", file, att)
		}
		if sep := kids[2].(map[string]any); sep["divider"] != false || sep["spacing"].(float64) != 2 {
			t.Fatalf("separator %v", sep)
		}
		got := want(t, e.call(t, "GET", msgs+"/"+v2ID, w.bot.Token, nil), 200).obj(t)
		if !reflect.DeepEqual(got["components"], m["components"]) {
			t.Fatalf("read back %v\nwant %v", got["components"], m["components"])
		}
		dl, _, data := e.download(t, str(media, "url"))
		if dl != 200 || string(data) != "hello" {
			t.Fatalf("file url %s: %d %q", str(media, "url"), dl, data)
		}
	})

	t.Run("v2 rules", func(t *testing.T) {
		text := map[string]any{"type": 10, "content": "t"}
		r := wantErr(t, e.call(t, "POST", msgs, w.bot.Token, map[string]any{"flags": 1 << 15, "content": "legacy", "embeds": []any{map[string]any{"title": "x"}}, "components": []any{text}}), 400, 50035)
		for _, f := range []string{"content", "embeds"} {
			if c := str(fieldErr(t, r, f), "code"); c != "MESSAGE_CANNOT_USE_LEGACY_FIELDS_WITH_COMPONENTS_V2" {
				t.Fatalf("%s: code %s", f, c)
			}
		}
		many := []any{}
		for range 41 {
			many = append(many, text)
		}
		fieldErr(t, wantErr(t, e.call(t, "POST", msgs, w.bot.Token, map[string]any{"flags": 1 << 15, "components": many}), 400, 50035), "components")
		fieldErr(t, wantErr(t, e.call(t, "POST", msgs, w.bot.Token, map[string]any{"flags": 1 << 15,
			"components": []any{map[string]any{"type": 13, "file": map[string]any{"url": "attachment://missing.txt"}}}}), 400, 50035), "components.0.file.url")

		// The flag cannot be removed: an edit with flags 0 keeps it.
		m := want(t, e.call(t, "PATCH", msgs+"/"+v2ID, w.bot.Token, map[string]any{"flags": 0, "components": []any{text}}), 200).obj(t)
		if m["flags"].(float64) != 1<<15 || len(m["components"].([]any)) != 1 {
			t.Fatalf("edited %v", m)
		}
		fieldErr(t, wantErr(t, e.call(t, "PATCH", msgs+"/"+v2ID, w.bot.Token, map[string]any{"content": "now text"}), 400, 50035), "content")

		// Setting the flag on a legacy message needs its content cleared in the same edit.
		old := want(t, e.call(t, "POST", msgs, w.bot.Token, map[string]any{"content": "legacy"}), 200).obj(t)
		fieldErr(t, wantErr(t, e.call(t, "PATCH", msgs+"/"+str(old, "id"), w.bot.Token, map[string]any{"flags": 1 << 15, "components": []any{text}}), 400, 50035), "content")
		up := want(t, e.call(t, "PATCH", msgs+"/"+str(old, "id"), w.bot.Token, map[string]any{"flags": 1 << 15, "content": "", "components": []any{text}}), 200).obj(t)
		if up["flags"].(float64) != 1<<15 {
			t.Fatalf("upgraded %v", up)
		}
	})

	t.Run("webhooks", func(t *testing.T) {
		// A webhook a person made: components are ignored without with_components, and with
		// it only non-interactive ones are accepted.
		wh := want(t, e.call(t, "POST", "/channels/"+w.channelID+"/webhooks", w.owner.Token, map[string]any{"name": "hook"}), 200).obj(t)
		if wh["application_id"] != nil {
			t.Fatalf("a person's webhook has application_id: %v", wh)
		}
		hook := "/webhooks/" + str(wh, "id") + "/" + str(wh, "token")
		m := want(t, e.call(t, "POST", hook+"?wait=true", "", map[string]any{"content": "c", "components": []any{row(link)}}), 200).obj(t)
		if len(m["components"].([]any)) != 0 {
			t.Fatalf("components kept without with_components: %v", m["components"])
		}
		m = want(t, e.call(t, "POST", hook+"?wait=true&with_components=true", "", map[string]any{"components": []any{row(link)}}), 200).obj(t)
		if len(m["components"].([]any)) != 1 {
			t.Fatalf("link button dropped: %v", m)
		}
		r := wantErr(t, e.call(t, "POST", hook+"?wait=true&with_components=true", "", map[string]any{"components": []any{row(button("x"))}}), 400, 50035)
		fieldErr(t, r, "components.0.components.0")

		// A bot's webhook belongs to its application and may send buttons.
		bh := want(t, e.call(t, "POST", "/channels/"+w.channelID+"/webhooks", w.bot.Token, map[string]any{"name": "bothook"}), 200).obj(t)
		if str(bh, "application_id") != w.appID {
			t.Fatalf("bot webhook %v", bh)
		}
		m = want(t, e.call(t, "POST", "/webhooks/"+str(bh, "id")+"/"+str(bh, "token")+"?wait=true", "", map[string]any{"components": []any{row(button("x"))}}), 200).obj(t)
		if b, _ := json.Marshal(m["components"]); !strings.Contains(string(b), `"custom_id":"x"`) {
			t.Fatalf("components %s", b)
		}
	})
}
