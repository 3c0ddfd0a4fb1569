package rest_test

import (
	"bytes"
	"context"
	"io"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// rawGet fetches a non-JSON answer (widget.png), which e.call would reject for its content type.
func (e *env) rawGet(t *testing.T, path string) (int, string, []byte) {
	t.Helper()
	res, err := e.client.Get(e.base + "/api/v10" + path)
	if err != nil {
		t.Fatal(err)
	}
	defer res.Body.Close()
	b, err := io.ReadAll(res.Body)
	if err != nil {
		t.Fatal(err)
	}
	return res.StatusCode, res.Header.Get("Content-Type"), b
}

func sid(t *testing.T, s string) snowflake.ID {
	t.Helper()
	id, err := snowflake.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return id
}

// joinVoice puts a user in a voice channel as gateway op 4 would.
func (e *env) joinVoice(t *testing.T, user, guild, channel string) {
	t.Helper()
	ch := sid(t, channel)
	if _, err := e.svc.UpdateVoiceState(context.Background(), sid(t, user), "session-"+user,
		opcodes.VoiceStateUpdateData{GuildID: sid(t, guild), ChannelID: &ch}); err != nil {
		t.Fatalf("join voice: %v", err)
	}
}

func TestGuildAdmin(t *testing.T) {
	e := newEnv(t, nil)
	w := e.newWorld(t)
	o, m := w.owner.Token, w.member.Token
	g := "/guilds/" + w.guildID
	outsider := e.register(t, "outsider")
	voice := str(want(t, e.call(t, "POST", g+"/channels", o, map[string]any{"name": "Lounge", "type": 2, "user_limit": 1}), 201).obj(t), "id")

	t.Run("widget", func(t *testing.T) {
		s := want(t, e.call(t, "GET", g+"/widget", o, nil), 200).obj(t)
		if s["enabled"] != false || s["channel_id"] != nil {
			t.Fatalf("default widget %v", s)
		}
		wantErr(t, e.call(t, "GET", g+"/widget", m, nil), 403, 50013)
		wantErr(t, e.call(t, "GET", g+"/widget.json", "", nil), 403, 50004)
		if code, _, _ := e.rawGet(t, g+"/widget.png"); code != 403 {
			t.Fatalf("disabled widget.png: %d", code)
		}
		wantErr(t, e.call(t, "PATCH", g+"/widget", m, map[string]any{"enabled": true}), 403, 50013)
		bad := wantErr(t, e.call(t, "PATCH", g+"/widget", o, map[string]any{"channel_id": "12345"}), 400, 50035)
		fieldErr(t, bad, "channel_id")
		s = want(t, e.call(t, "PATCH", g+"/widget", o, map[string]any{"enabled": true, "channel_id": w.channelID}), 200).obj(t)
		if s["enabled"] != true || str(s, "channel_id") != w.channelID {
			t.Fatalf("patched widget %v", s)
		}
		e.joinVoice(t, w.member.ID, w.guildID, voice)
		wj := want(t, e.call(t, "GET", g+"/widget.json", "", nil), 200).obj(t)
		chans, members := wj["channels"].([]any), wj["members"].([]any)
		if str(wj, "id") != w.guildID || len(chans) != 1 || str(chans[0].(map[string]any), "id") != voice ||
			len(members) != 1 || wj["presence_count"].(float64) != 1 || str(members[0].(map[string]any), "channel_id") != voice {
			t.Fatalf("widget.json %v", wj)
		}
		for _, style := range []string{"", "?style=shield", "?style=banner1", "?style=banner4"} {
			code, ct, body := e.rawGet(t, g+"/widget.png"+style)
			if code != 200 || ct != "image/png" || !bytes.HasPrefix(body, []byte("\x89PNG\r\n\x1a\n")) {
				t.Fatalf("widget.png%s: %d %q %q", style, code, ct, body[:min(len(body), 16)])
			}
		}
		wantErr(t, e.call(t, "GET", g+"/widget.png?style=banner9", "", nil), 400, 50035)
	})

	t.Run("welcome screen", func(t *testing.T) {
		ws := want(t, e.call(t, "GET", g+"/welcome-screen", o, nil), 200).obj(t)
		if ws["description"] != nil || len(ws["welcome_channels"].([]any)) != 0 {
			t.Fatalf("default welcome screen %v", ws)
		}
		wantErr(t, e.call(t, "GET", g+"/welcome-screen", m, nil), 403, 50013) // not enabled yet
		wantErr(t, e.call(t, "PATCH", g+"/welcome-screen", m, map[string]any{"enabled": true}), 403, 50013)
		six := []any{}
		for range 6 {
			six = append(six, map[string]any{"channel_id": w.channelID, "description": "hi"})
		}
		bad := wantErr(t, e.call(t, "PATCH", g+"/welcome-screen", o, map[string]any{"welcome_channels": six}), 400, 50035)
		fieldErr(t, bad, "welcome_channels")
		bad = wantErr(t, e.call(t, "PATCH", g+"/welcome-screen", o, map[string]any{"welcome_channels": []any{
			map[string]any{"channel_id": "999", "description": ""}}}), 400, 50035)
		fieldErr(t, bad, "welcome_channels.0.channel_id")
		fieldErr(t, bad, "welcome_channels.0.description")
		ws = want(t, e.call(t, "PATCH", g+"/welcome-screen", o, map[string]any{"enabled": true, "description": "Welcome!",
			"welcome_channels": []any{map[string]any{"channel_id": w.channelID, "description": "Say hi", "emoji_name": "👋"}}}), 200).obj(t)
		if str(ws, "description") != "Welcome!" || len(ws["welcome_channels"].([]any)) != 1 {
			t.Fatalf("patched welcome screen %v", ws)
		}
		ws = want(t, e.call(t, "GET", g+"/welcome-screen", m, nil), 200).obj(t)
		if str(ws["welcome_channels"].([]any)[0].(map[string]any), "emoji_name") != "👋" {
			t.Fatalf("member's welcome screen %v", ws)
		}
	})

	t.Run("onboarding", func(t *testing.T) {
		ob := want(t, e.call(t, "GET", g+"/onboarding", m, nil), 200).obj(t)
		if str(ob, "guild_id") != w.guildID || ob["enabled"] != false || len(ob["prompts"].([]any)) != 0 {
			t.Fatalf("default onboarding %v", ob)
		}
		wantErr(t, e.call(t, "GET", g+"/onboarding", outsider.Token, nil), 404, 10004)
		wantErr(t, e.call(t, "PUT", g+"/onboarding", m, map[string]any{"mode": 1}), 403, 50013)
		fieldErr(t, wantErr(t, e.call(t, "PUT", g+"/onboarding", o, map[string]any{"mode": 3}), 400, 50035), "mode")
		fieldErr(t, wantErr(t, e.call(t, "PUT", g+"/onboarding", o, map[string]any{"enabled": true, "default_channel_ids": []any{w.channelID}}), 400, 50035), "default_channel_ids")
		fieldErr(t, wantErr(t, e.call(t, "PUT", g+"/onboarding", o, map[string]any{"prompts": []any{
			map[string]any{"id": "1", "title": "Pick", "options": []any{}}}}), 400, 50035), "prompts.0.options")
		ob = want(t, e.call(t, "PUT", g+"/onboarding", o, map[string]any{"mode": 1, "default_channel_ids": []any{w.channelID},
			"prompts": []any{map[string]any{"id": "1", "title": "What brings you here?", "single_select": true, "options": []any{
				map[string]any{"title": "Chat", "channel_ids": []any{w.channelID}, "emoji_name": "💬"}}}}}), 200).obj(t)
		prompts := ob["prompts"].([]any)
		opt := prompts[0].(map[string]any)["options"].([]any)[0].(map[string]any)
		if ob["mode"].(float64) != 1 || len(prompts) != 1 || str(opt, "id") == "" || str(opt, "title") != "Chat" {
			t.Fatalf("put onboarding %v", ob)
		}
	})

	t.Run("vanity url and regions", func(t *testing.T) {
		v := want(t, e.call(t, "GET", g+"/vanity-url", o, nil), 200).obj(t)
		if v["code"] != nil || v["uses"].(float64) != 0 {
			t.Fatalf("vanity %v", v)
		}
		wantErr(t, e.call(t, "GET", g+"/vanity-url", m, nil), 403, 50013)
		for _, p := range []string{"/voice/regions", g + "/regions"} {
			rs := want(t, e.call(t, "GET", p, m, nil), 200).arr(t)
			if len(rs) == 0 || rs[0].(map[string]any)["optimal"] != true {
				t.Fatalf("%s: %v", p, rs)
			}
		}
		wantErr(t, e.call(t, "GET", g+"/regions", outsider.Token, nil), 404, 10004)
		want(t, e.call(t, "GET", g+"/new-member-welcome", m, nil), 204)
		wantErr(t, e.call(t, "GET", g+"/new-member-welcome", outsider.Token, nil), 404, 10004)
		wantErr(t, e.call(t, "GET", "/guilds/abc/new-member-welcome", m, nil), 400, 50035)
	})

	t.Run("incident actions", func(t *testing.T) {
		soon := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		wantErr(t, e.call(t, "PUT", g+"/incident-actions", m, map[string]any{"invites_disabled_until": soon}), 403, 50013)
		far := time.Now().Add(48 * time.Hour).UTC().Format(time.RFC3339)
		fieldErr(t, wantErr(t, e.call(t, "PUT", g+"/incident-actions", o, map[string]any{"dms_disabled_until": far}), 400, 50035), "dms_disabled_until")
		r := want(t, e.call(t, "PUT", g+"/incident-actions", o, map[string]any{"invites_disabled_until": soon}), 200).obj(t)
		if r["invites_disabled_until"] == nil || r["dms_disabled_until"] != nil {
			t.Fatalf("incidents %v", r)
		}
	})

	t.Run("templates", func(t *testing.T) {
		wantErr(t, e.call(t, "POST", g+"/templates", m, map[string]any{"name": "x"}), 403, 50013)
		fieldErr(t, wantErr(t, e.call(t, "POST", g+"/templates", o, map[string]any{"description": "no name"}), 400, 50035), "name")
		fieldErr(t, wantErr(t, e.call(t, "POST", g+"/templates", o, map[string]any{"name": strings.Repeat("n", 101)}), 400, 50035), "name")
		tpl := want(t, e.call(t, "POST", g+"/templates", o, map[string]any{"name": "Starter", "description": "a start"}), 200).obj(t)
		code := str(tpl, "code")
		src := tpl["serialized_source_guild"].(map[string]any)
		if code == "" || tpl["is_dirty"] != false || str(tpl, "source_guild_id") != w.guildID || len(src["channels"].([]any)) != 2 ||
			src["roles"].([]any)[0].(map[string]any)["id"].(float64) != 0 {
			t.Fatalf("template %v", tpl)
		}
		wantErr(t, e.call(t, "POST", g+"/templates", o, map[string]any{"name": "Again"}), 400, 30031)
		if l := want(t, e.call(t, "GET", g+"/templates", o, nil), 200).arr(t); len(l) != 1 {
			t.Fatalf("list %v", l)
		}
		wantErr(t, e.call(t, "GET", g+"/templates", m, nil), 403, 50013)
		want(t, e.call(t, "PATCH", g, o, map[string]any{"name": "Renamed Guild"}), 200)
		if got := want(t, e.call(t, "GET", "/guilds/templates/"+code, "", nil), 200).obj(t); got["is_dirty"] != true {
			t.Fatalf("after a guild change: %v", got)
		}
		synced := want(t, e.call(t, "PUT", g+"/templates/"+code, o, nil), 200).obj(t)
		if synced["is_dirty"] != false || synced["serialized_source_guild"].(map[string]any)["name"] != "Renamed Guild" {
			t.Fatalf("synced %v", synced)
		}
		wantErr(t, e.call(t, "PUT", g+"/templates/nope", o, nil), 404, 10057)
		fieldErr(t, wantErr(t, e.call(t, "PATCH", g+"/templates/"+code, o, map[string]any{"name": ""}), 400, 50035), "name")
		wantErr(t, e.call(t, "PATCH", g+"/templates/"+code, m, map[string]any{"name": "x"}), 403, 50013)
		p := want(t, e.call(t, "PATCH", g+"/templates/"+code, o, map[string]any{"name": "Starter 2", "description": nil}), 200).obj(t)
		if str(p, "name") != "Starter 2" || p["description"] != nil {
			t.Fatalf("patched %v", p)
		}
		ng := want(t, e.call(t, "POST", "/guilds/templates/"+code, m, map[string]any{"name": "From Template"}), 201).obj(t)
		if str(ng, "name") != "From Template" || str(ng, "owner_id") != w.member.ID {
			t.Fatalf("guild from template %v", ng)
		}
		chans := want(t, e.call(t, "GET", "/guilds/"+str(ng, "id")+"/channels", m, nil), 200).arr(t)
		if len(chans) != 2 {
			t.Fatalf("template guild channels %v", chans)
		}
		fieldErr(t, wantErr(t, e.call(t, "POST", "/guilds/templates/"+code, m, map[string]any{"name": "x"}), 400, 50035), "name")
		if got := want(t, e.call(t, "GET", "/guilds/templates/"+code, "", nil), 200).obj(t); got["usage_count"].(float64) != 1 {
			t.Fatalf("usage %v", got)
		}
		wantErr(t, e.call(t, "DELETE", g+"/templates/"+code, m, nil), 403, 50013)
		want(t, e.call(t, "DELETE", g+"/templates/"+code, o, nil), 200)
		wantErr(t, e.call(t, "GET", "/guilds/templates/"+code, "", nil), 404, 10057)
	})

	t.Run("voice states", func(t *testing.T) {
		stage := str(want(t, e.call(t, "POST", g+"/channels", o, map[string]any{"name": "Stage", "type": 13}), 201).obj(t), "id")
		vs := want(t, e.call(t, "GET", g+"/voice-states/@me", m, nil), 200).obj(t)
		if str(vs, "channel_id") != voice || str(vs, "user_id") != w.member.ID || vs["member"] == nil {
			t.Fatalf("own voice state %v", vs)
		}
		want(t, e.call(t, "GET", g+"/voice-states/"+w.member.ID, o, nil), 200)
		wantErr(t, e.call(t, "GET", g+"/voice-states/@me", o, nil), 404, 10065)
		wantErr(t, e.call(t, "GET", g+"/voice-states/"+w.member.ID, outsider.Token, nil), 404, 10004)
		// A full channel refuses a second user without MOVE_MEMBERS… the owner has it.
		e.joinVoice(t, w.owner.ID, w.guildID, voice)
		fieldErr(t, wantErr(t, e.call(t, "PATCH", g+"/voice-states/@me", m, map[string]any{"suppress": true}), 400, 50035), "channel_id")
		wantErr(t, e.call(t, "PATCH", g+"/voice-states/@me", m, map[string]any{"channel_id": voice, "suppress": true}), 400, 50024)
		e.joinVoice(t, w.member.ID, w.guildID, stage)
		vs = want(t, e.call(t, "GET", g+"/voice-states/@me", m, nil), 200).obj(t)
		if vs["suppress"] != true {
			t.Fatalf("stage audience not suppressed: %v", vs)
		}
		wantErr(t, e.call(t, "PATCH", g+"/voice-states/@me", m, map[string]any{"channel_id": stage, "suppress": false}), 403, 50013)
		want(t, e.call(t, "PATCH", g+"/voice-states/@me", m, map[string]any{"channel_id": stage,
			"request_to_speak_timestamp": time.Now().UTC().Format(time.RFC3339)}), 204)
		wantErr(t, e.call(t, "PATCH", g+"/voice-states/"+w.owner.ID, m, map[string]any{"channel_id": stage, "suppress": false}), 403, 50013)
		want(t, e.call(t, "PATCH", g+"/voice-states/"+w.member.ID, o, map[string]any{"channel_id": stage, "suppress": false}), 204)
		vs = want(t, e.call(t, "GET", g+"/voice-states/"+w.member.ID, o, nil), 200).obj(t)
		if vs["suppress"] != false || vs["request_to_speak_timestamp"] == nil {
			t.Fatalf("after unsuppress %v", vs)
		}
		wantErr(t, e.call(t, "PATCH", g+"/voice-states/"+w.owner.ID, o, map[string]any{"channel_id": stage, "suppress": false}), 404, 10065)
	})

	t.Run("move and disconnect", func(t *testing.T) {
		wantErr(t, e.call(t, "PATCH", g+"/members/"+w.owner.ID, m, map[string]any{"channel_id": nil}), 403, 50013)
		mv := want(t, e.call(t, "PATCH", g+"/members/"+w.member.ID, o, map[string]any{"channel_id": voice}), 200).obj(t)
		if str(mv["user"].(map[string]any), "id") != w.member.ID {
			t.Fatalf("moved %v", mv)
		}
		if vs := want(t, e.call(t, "GET", g+"/voice-states/"+w.member.ID, o, nil), 200).obj(t); str(vs, "channel_id") != voice {
			t.Fatalf("after move %v", vs)
		}
		fieldErr(t, wantErr(t, e.call(t, "PATCH", g+"/members/"+w.member.ID, o, map[string]any{"channel_id": w.channelID}), 400, 50035), "channel_id")
		want(t, e.call(t, "PATCH", g+"/members/"+w.member.ID, o, map[string]any{"channel_id": nil}), 200)
		wantErr(t, e.call(t, "GET", g+"/voice-states/"+w.member.ID, o, nil), 404, 10065)
		wantErr(t, e.call(t, "PATCH", g+"/members/"+w.member.ID, o, map[string]any{"channel_id": nil}), 400, 40032)
	})

	t.Run("prune", func(t *testing.T) {
		wantErr(t, e.call(t, "GET", g+"/prune", m, nil), 403, 50013)
		wantErr(t, e.call(t, "GET", g+"/prune?days=31", o, nil), 400, 50035)
		fieldErr(t, wantErr(t, e.call(t, "POST", g+"/prune", o, map[string]any{"days": 0}), 400, 50035), "days")
		if p := want(t, e.call(t, "GET", g+"/prune?days=1", o, nil), 200).obj(t); p["pruned"].(float64) != 0 {
			t.Fatalf("nobody is inactive yet: %v", p)
		}
		// The member joined two days ago and has posted nothing since: inactive for one day.
		mem, err := e.store.Members().Get(context.Background(), sid(t, w.guildID), sid(t, w.member.ID))
		if err != nil {
			t.Fatal(err)
		}
		mem.JoinedAt = time.Now().Add(-48 * time.Hour)
		if err := e.store.Members().Update(context.Background(), mem); err != nil {
			t.Fatal(err)
		}
		if p := want(t, e.call(t, "GET", g+"/prune?days=1", o, nil), 200).obj(t); p["pruned"].(float64) != 1 {
			t.Fatalf("prune count %v", p)
		}
		if p := want(t, e.call(t, "GET", g+"/prune?days=3", o, nil), 200).obj(t); p["pruned"].(float64) != 0 {
			t.Fatalf("joined within 3 days: %v", p)
		}
		p := want(t, e.call(t, "POST", g+"/prune", o, map[string]any{"days": 1, "compute_prune_count": false}), 200).obj(t)
		if p["pruned"] != nil {
			t.Fatalf("compute_prune_count false: %v", p)
		}
		wantErr(t, e.call(t, "GET", g+"/members/"+w.member.ID, o, nil), 404, 10007)
	})

	t.Run("integrations", func(t *testing.T) {
		wantErr(t, e.call(t, "GET", g+"/integrations", e.register(t, "x").Token, nil), 404, 10004)
		list := want(t, e.call(t, "GET", g+"/integrations", o, nil), 200).arr(t)
		if len(list) != 1 {
			t.Fatalf("integrations %v", list)
		}
		in := list[0].(map[string]any)
		if str(in, "id") != w.appID || str(in, "type") != "discord" || str(in["application"].(map[string]any), "id") != w.appID {
			t.Fatalf("integration %v", in)
		}
		wantErr(t, e.call(t, "DELETE", g+"/integrations/12345", o, nil), 404, 10005)
		wantErr(t, e.call(t, "DELETE", g+"/integrations/abc", o, nil), 400, 50035)
		want(t, e.call(t, "DELETE", g+"/integrations/"+w.appID, o, nil), 204)
		if list := want(t, e.call(t, "GET", g+"/integrations", o, nil), 200).arr(t); len(list) != 0 {
			t.Fatalf("after delete %v", list)
		}
		wantErr(t, e.call(t, "GET", g+"/members/"+w.appID, o, nil), 404, 10007)
		for _, r := range want(t, e.call(t, "GET", g+"/roles", o, nil), 200).arr(t) {
			if r.(map[string]any)["managed"] == true {
				t.Fatalf("managed role left behind: %v", r)
			}
		}
	})

	t.Run("audit log", func(t *testing.T) {
		// Move (26), disconnect (27), prune (21), integration delete (82) and the widget's
		// guild update (1) each left an entry.
		for _, action := range []string{"26", "27", "21", "82", "1"} {
			log := want(t, e.call(t, "GET", g+"/audit-logs?action_type="+action, o, nil), 200).obj(t)
			if len(log["audit_log_entries"].([]any)) == 0 {
				t.Fatalf("no audit entry of type %s: %v", action, log)
			}
		}
	})
}
