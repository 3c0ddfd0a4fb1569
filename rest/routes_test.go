package rest_test

import (
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/parley-chat/parley/snowflake"
)

// TestRoutes drives every implemented route over real HTTP against the real domain, in the
// order a bot's life would: accounts, applications, guild setup, channels, messages,
// reactions, pins, members, roles, bans, invites, webhooks, emojis, teardown.
func TestRoutes(t *testing.T) {
	e := newEnv(t, nil)
	w := e.newWorld(t)
	o, m, b := w.owner.Token, w.member.Token, w.bot.Token
	g, c := "/guilds/"+w.guildID, "/channels/"+w.channelID

	t.Run("auth", func(t *testing.T) {
		name := uniqueName("login")
		reg := want(t, e.call(t, "POST", "/auth/register", "", map[string]any{"username": name, "password": "hunter2hunter2"}), 201).obj(t)
		if str(reg, "refresh_token") == "" || str(reg, "user_id") == "" {
			t.Fatalf("register: %v", reg)
		}
		login := want(t, e.call(t, "POST", "/auth/login", "", map[string]any{"login": name, "password": "hunter2hunter2"}), 200).obj(t)
		if str(login, "token") == "" || str(login, "user_id") != str(reg, "user_id") {
			t.Fatalf("login: %v", login)
		}
		ref := want(t, e.call(t, "POST", "/auth/token/refresh", "", map[string]any{"refresh_token": str(reg, "refresh_token")}), 200).obj(t)
		want(t, e.call(t, "GET", "/users/@me", "Bearer "+str(ref, "token"), nil), 200)
		// A refresh token works once; reuse revokes the family.
		wantErr(t, e.call(t, "POST", "/auth/token/refresh", "", map[string]any{"refresh_token": str(reg, "refresh_token")}), 401, 0)
		wantErr(t, e.call(t, "POST", "/auth/token/refresh", "", map[string]any{"refresh_token": str(ref, "refresh_token")}), 401, 0)
	})

	t.Run("gateway", func(t *testing.T) {
		gw := want(t, e.call(t, "GET", "/gateway", "", nil), 200).obj(t)
		if str(gw, "url") != "ws://127.0.0.1:1" {
			t.Fatalf("gateway url %q", str(gw, "url"))
		}
		gb := want(t, e.call(t, "GET", "/gateway/bot", b, nil), 200).obj(t)
		ssl := gb["session_start_limit"].(map[string]any)
		if gb["shards"].(float64) < 1 || ssl["remaining"].(float64) <= 0 || ssl["max_concurrency"].(float64) < 1 {
			t.Fatalf("gateway/bot: %v", gb)
		}
		want(t, e.call(t, "GET", "/api/v9/gateway", "", nil), 200)
		want(t, e.call(t, "GET", "/api/gateway", "", nil), 200)
	})

	t.Run("applications", func(t *testing.T) {
		for _, p := range []string{"/applications/@me", "/oauth2/applications/@me"} {
			a := want(t, e.call(t, "GET", p, b, nil), 200).obj(t)
			if str(a, "id") != w.appID {
				t.Fatalf("%s id %v", p, a["id"])
			}
		}
		want(t, e.call(t, "PATCH", "/applications/@me", b, map[string]any{"description": "a bot"}), 200)
		want(t, e.call(t, "GET", "/applications/"+w.appID, o, nil), 200)
		want(t, e.call(t, "PATCH", "/applications/"+w.appID, o, map[string]any{"name": "testbot2"}), 200)
		if n := len(want(t, e.call(t, "GET", "/applications", o, nil), 200).arr(t)); n != 1 {
			t.Fatalf("owned applications: %d", n)
		}
		// Reset revokes the old token.
		old := w.bot.Token
		tok := want(t, e.call(t, "POST", "/applications/"+w.appID+"/bot/reset", o, nil), 200).obj(t)
		wantErr(t, e.call(t, "GET", "/users/@me", old, nil), 401, 0)
		b = "Bot " + str(tok, "token")
		want(t, e.call(t, "GET", "/users/@me", b, nil), 200)
	})

	t.Run("users", func(t *testing.T) {
		me := want(t, e.call(t, "GET", "/users/@me", o, nil), 200).obj(t)
		if str(me, "id") != w.owner.ID {
			t.Fatalf("me %v", me)
		}
		want(t, e.call(t, "PATCH", "/users/@me", o, map[string]any{"global_name": "The Owner"}), 200)
		u := want(t, e.call(t, "GET", "/users/"+w.member.ID, b, nil), 200).obj(t)
		if _, leaked := u["email"]; leaked {
			t.Fatalf("public user leaks email: %v", u)
		}
		gs := want(t, e.call(t, "GET", "/users/@me/guilds?with_counts=true&limit=10", b, nil), 200).arr(t)
		if len(gs) != 1 || gs[0].(map[string]any)["approximate_member_count"] == nil {
			t.Fatalf("@me/guilds: %v", gs)
		}
		dm := want(t, e.call(t, "POST", "/users/@me/channels", b, map[string]any{"recipient_id": w.member.ID}), 200).obj(t)
		if dm["type"].(float64) != 1 {
			t.Fatalf("dm: %v", dm)
		}
		want(t, e.call(t, "POST", "/channels/"+str(dm, "id")+"/messages", b, map[string]any{"content": "hello in DM"}), 200)
	})

	t.Run("guild", func(t *testing.T) {
		gg := want(t, e.call(t, "GET", g+"?with_counts=true", b, nil), 200).obj(t)
		if gg["approximate_member_count"].(float64) != 3 {
			t.Fatalf("member count: %v", gg["approximate_member_count"])
		}
		want(t, e.call(t, "PATCH", g, o, map[string]any{"name": "Renamed Guild"}), 200)
		want(t, e.call(t, "GET", g+"/preview", m, nil), 200)
	})

	var textID, catID string
	t.Run("channels", func(t *testing.T) {
		ch := want(t, e.call(t, "POST", g+"/channels", b, map[string]any{"name": "bots"}), 201).obj(t)
		if ch["type"].(float64) != 0 {
			t.Fatalf("default type: %v", ch["type"])
		}
		textID = str(ch, "id")
		cat := want(t, e.call(t, "POST", g+"/channels", o, map[string]any{"name": "Cat", "type": 4}), 201).obj(t)
		catID = str(cat, "id")
		want(t, e.call(t, "GET", "/channels/"+textID, b, nil), 200)
		want(t, e.call(t, "PATCH", "/channels/"+textID, b, map[string]any{"topic": "bot stuff", "parent_id": catID}), 200)
		want(t, e.call(t, "PATCH", g+"/channels", o, []map[string]any{{"id": textID, "position": 3}}), 204)
		want(t, e.call(t, "PUT", "/channels/"+textID+"/permissions/"+w.member.ID, o, map[string]any{"type": 1, "deny": "2048"}), 204)
		wantErr(t, e.call(t, "POST", "/channels/"+textID+"/messages", m, map[string]any{"content": "denied"}), 403, 50013)
		want(t, e.call(t, "DELETE", "/channels/"+textID+"/permissions/"+w.member.ID, o, nil), 204)
		want(t, e.call(t, "POST", "/channels/"+textID+"/messages", m, map[string]any{"content": "allowed"}), 200)
		want(t, e.call(t, "POST", "/channels/"+textID+"/typing", b, nil), 204)
	})

	var msgID, replyID string
	t.Run("messages", func(t *testing.T) {
		msg := want(t, e.call(t, "POST", c+"/messages", b, map[string]any{
			"content": "hello <@" + w.member.ID + ">", "tts": false, "nonce": "n-1", "enforce_nonce": true,
			"embeds":           []map[string]any{{"title": "T", "description": "D", "fields": []map[string]any{{"name": "a", "value": "b"}}}},
			"allowed_mentions": map[string]any{"parse": []string{"users"}},
			"ID":               "discordgo sends this", "Channel": nil, // unknown fields are ignored
		}), 200).obj(t)
		msgID = str(msg, "id")
		again := want(t, e.call(t, "POST", c+"/messages", b, map[string]any{"content": "dup", "nonce": "n-1", "enforce_nonce": true}), 200).obj(t)
		if str(again, "id") != msgID {
			t.Fatalf("enforce_nonce made a second message")
		}
		reply := want(t, e.call(t, "POST", c+"/messages", m, map[string]any{
			"content": "a reply", "message_reference": map[string]any{"message_id": msgID}}), 200).obj(t)
		replyID = str(reply, "id")
		if ref, ok := reply["referenced_message"].(map[string]any); !ok || str(ref, "id") != msgID {
			t.Fatalf("reply without referenced_message: %v", reply["referenced_message"])
		}
		wantErr(t, e.call(t, "POST", c+"/messages", b, map[string]any{"sticker_ids": []string{"123"}}), 400, 50035)
		for i := 0; i < 3; i++ {
			want(t, e.call(t, "POST", c+"/messages", b, map[string]any{"content": "filler"}), 200)
		}
		list := want(t, e.call(t, "GET", c+"/messages?limit=2", b, nil), 200).arr(t)
		if len(list) != 2 {
			t.Fatalf("limit=2 gave %d", len(list))
		}
		want(t, e.call(t, "GET", c+"/messages?before="+replyID, b, nil), 200)
		want(t, e.call(t, "GET", c+"/messages?after="+msgID+"&limit=100", b, nil), 200)
		want(t, e.call(t, "GET", c+"/messages?around="+msgID+"&limit=3", b, nil), 200)
		want(t, e.call(t, "GET", c+"/messages/"+msgID, m, nil), 200)
		ed := want(t, e.call(t, "PATCH", c+"/messages/"+msgID, b, map[string]any{"content": "edited"}), 200).obj(t)
		if str(ed, "content") != "edited" || ed["edited_timestamp"] == nil {
			t.Fatalf("edit: %v", ed)
		}
		wantErr(t, e.call(t, "PATCH", c+"/messages/"+msgID, m, map[string]any{"content": "not mine"}), 403, 50005)
		tmp := want(t, e.call(t, "POST", c+"/messages", b, map[string]any{"content": "bye"}), 200).obj(t)
		// eris sends DELETE URLs ending in a bare "?".
		want(t, e.call(t, "DELETE", c+"/messages/"+str(tmp, "id")+"?", b, nil), 204)
		wantErr(t, e.call(t, "GET", c+"/messages/"+str(tmp, "id"), b, nil), 404, 10008)
		x := want(t, e.call(t, "POST", c+"/messages", b, map[string]any{"content": "x"}), 200).obj(t)
		y := want(t, e.call(t, "POST", c+"/messages", b, map[string]any{"content": "y"}), 200).obj(t)
		want(t, e.call(t, "POST", c+"/messages/bulk-delete", b, map[string]any{"messages": []string{str(x, "id"), str(y, "id")}}), 204)
		old := snowflake.FromTime(time.Now().Add(-15 * 24 * time.Hour)).String()
		wantErr(t, e.call(t, "POST", c+"/messages/bulk-delete", b, map[string]any{"messages": []string{old, msgID}}), 400, 50034)
		wantErr(t, e.call(t, "POST", c+"/messages/bulk-delete", b, map[string]any{"messages": []string{msgID}}), 400, 50035)
		// Crosspost needs an announcement channel.
		ann := want(t, e.call(t, "POST", g+"/channels", o, map[string]any{"name": "news", "type": 5}), 201).obj(t)
		am := want(t, e.call(t, "POST", "/channels/"+str(ann, "id")+"/messages", b, map[string]any{"content": "news!"}), 200).obj(t)
		want(t, e.call(t, "POST", "/channels/"+str(ann, "id")+"/messages/"+str(am, "id")+"/crosspost", b, nil), 200)
	})

	t.Run("reactions", func(t *testing.T) {
		base := c + "/messages/" + msgID + "/reactions/"
		thumbs := url.PathEscape("👍")
		want(t, e.call(t, "PUT", base+thumbs+"/@me", b, nil), 204)
		want(t, e.call(t, "PUT", base+thumbs+"/@me", m, nil), 204)
		want(t, e.call(t, "PUT", base+"%E2%9D%A4%EF%B8%8F/@me", m, nil), 204)
		us := want(t, e.call(t, "GET", base+thumbs+"?limit=10", b, nil), 200).arr(t)
		if len(us) != 2 {
			t.Fatalf("reaction users: %d", len(us))
		}
		want(t, e.call(t, "GET", base+thumbs+"?after="+w.owner.ID+"&type=0", b, nil), 200)
		msg := want(t, e.call(t, "GET", c+"/messages/"+msgID, b, nil), 200).obj(t)
		if rs, _ := msg["reactions"].([]any); len(rs) != 2 {
			t.Fatalf("message reactions: %v", msg["reactions"])
		}
		want(t, e.call(t, "DELETE", base+thumbs+"/@me", b, nil), 204)
		want(t, e.call(t, "DELETE", base+thumbs+"/"+w.member.ID, b, nil), 204)
		want(t, e.call(t, "DELETE", base+"%E2%9D%A4%EF%B8%8F", b, nil), 204)
		want(t, e.call(t, "PUT", base+thumbs+"/@me", m, nil), 204)
		want(t, e.call(t, "DELETE", c+"/messages/"+msgID+"/reactions", b, nil), 204)
		wantErr(t, e.call(t, "PUT", base+"nope:123/@me", b, nil), 400, 10014)
	})

	t.Run("pins", func(t *testing.T) {
		want(t, e.call(t, "PUT", c+"/messages/pins/"+msgID, b, nil), 204)
		want(t, e.call(t, "PUT", c+"/pins/"+replyID, b, nil), 204)
		page := want(t, e.call(t, "GET", c+"/messages/pins?limit=1", b, nil), 200).obj(t)
		items := page["items"].([]any)
		if len(items) != 1 || page["has_more"] != true {
			t.Fatalf("pins page: %v", page)
		}
		pinnedAt := str(items[0].(map[string]any), "pinned_at")
		want(t, e.call(t, "GET", c+"/messages/pins?before="+url.QueryEscape(pinnedAt), b, nil), 200)
		if n := len(want(t, e.call(t, "GET", c+"/pins", b, nil), 200).arr(t)); n != 2 {
			t.Fatalf("legacy pins: %d", n)
		}
		want(t, e.call(t, "DELETE", c+"/messages/pins/"+msgID, b, nil), 204)
		want(t, e.call(t, "DELETE", c+"/pins/"+replyID, b, nil), 204)
	})

	var roleID string
	t.Run("roles", func(t *testing.T) {
		want(t, e.call(t, "GET", g+"/roles", m, nil), 200)
		r := want(t, e.call(t, "POST", g+"/roles", b, map[string]any{"name": "mods", "permissions": "8192",
			"colors": map[string]any{"primary_color": 0xff0000}, "hoist": true, "mentionable": true}), 200).obj(t)
		roleID = str(r, "id")
		want(t, e.call(t, "GET", g+"/roles/"+roleID, m, nil), 200)
		want(t, e.call(t, "PATCH", g+"/roles/"+roleID, b, map[string]any{"name": "moderators"}), 200)
		want(t, e.call(t, "PATCH", g+"/roles", b, []map[string]any{{"id": roleID, "position": 1}}), 200)
		wantErr(t, e.call(t, "POST", g+"/roles", m, map[string]any{"name": "nope"}), 403, 50013)
	})

	t.Run("members", func(t *testing.T) {
		ms := want(t, e.call(t, "GET", g+"/members?limit=1000", b, nil), 200).arr(t)
		if len(ms) != 3 {
			t.Fatalf("members: %d", len(ms))
		}
		if n := len(want(t, e.call(t, "GET", g+"/members", b, nil), 200).arr(t)); n != 1 {
			t.Fatalf("default limit 1 gave %d", n)
		}
		want(t, e.call(t, "GET", g+"/members?after="+w.owner.ID+"&limit=10", b, nil), 200)
		want(t, e.call(t, "GET", g+"/members/search?query=mem&limit=5", b, nil), 200)
		want(t, e.call(t, "GET", g+"/members/"+w.member.ID, m, nil), 200)
		mm := want(t, e.call(t, "PATCH", g+"/members/"+w.member.ID, b, map[string]any{"nick": "Memb", "roles": []string{roleID}}), 200).obj(t)
		if str(mm, "nick") != "Memb" {
			t.Fatalf("nick: %v", mm)
		}
		counts := want(t, e.call(t, "GET", g+"/roles/member-counts", m, nil), 200).obj(t)
		if counts[roleID] != float64(1) || counts[w.guildID] != nil {
			t.Fatalf("role member counts = %v, want %s: 1 and no @everyone", counts, roleID)
		}
		self := want(t, e.call(t, "GET", "/users/@me/guilds/"+w.guildID+"/member", m, nil), 200).obj(t)
		if u, _ := self["user"].(map[string]any); u == nil || u["id"] != w.member.ID {
			t.Fatalf("own member = %v", self)
		}
		wantErr(t, e.call(t, "GET", "/users/@me/guilds/123456789012345678/member", m, nil), 404, 10004)
		until := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
		mm = want(t, e.call(t, "PATCH", g+"/members/"+w.member.ID, b, map[string]any{"communication_disabled_until": until}), 200).obj(t)
		if mm["communication_disabled_until"] == nil {
			t.Fatalf("timeout not set: %v", mm)
		}
		// An explicit null clears a field; an absent key leaves it alone.
		mm = want(t, e.call(t, "PATCH", g+"/members/"+w.member.ID, b, map[string]any{"communication_disabled_until": nil}), 200).obj(t)
		if mm["communication_disabled_until"] != nil || str(mm, "nick") != "Memb" {
			t.Fatalf("null did not clear the timeout, or absence touched the nick: %v", mm)
		}
		mm = want(t, e.call(t, "PATCH", g+"/members/"+w.member.ID, b, map[string]any{"nick": nil}), 200).obj(t)
		if mm["nick"] != nil {
			t.Fatalf("null did not clear the nick: %v", mm)
		}
		wantErr(t, e.call(t, "PATCH", g+"/members/"+w.member.ID, b, map[string]any{"nick": 5}), 400, 50035)
		want(t, e.call(t, "PATCH", g+"/members/@me", m, map[string]any{"nick": "me!"}), 200)
		want(t, e.call(t, "DELETE", g+"/members/"+w.member.ID+"/roles/"+roleID, b, nil), 204)
		want(t, e.call(t, "PUT", g+"/members/"+w.member.ID+"/roles/"+roleID, b, nil), 204)
		wantErr(t, e.call(t, "DELETE", g+"/members/"+w.owner.ID, m, nil), 403, 50013)
		want(t, e.call(t, "DELETE", g+"/roles/"+roleID, b, nil), 204)
	})

	var inviteCode string
	t.Run("invites", func(t *testing.T) {
		inv := want(t, e.call(t, "POST", c+"/invites", b, map[string]any{"max_age": 3600, "max_uses": 5, "unique": true}), 200).obj(t)
		inviteCode = str(inv, "code")
		want(t, e.call(t, "GET", c+"/invites", b, nil), 200)
		want(t, e.call(t, "GET", g+"/invites", b, nil), 200)
		want(t, e.call(t, "GET", "/invites/"+inviteCode+"?with_counts=true", "", nil), 200)
	})

	t.Run("bans", func(t *testing.T) {
		want(t, e.call(t, "PUT", g+"/bans/"+w.member.ID, b, map[string]any{"delete_message_seconds": 3600}, "X-Audit-Log-Reason", "spam%20and%20more"), 204)
		ban := want(t, e.call(t, "GET", g+"/bans/"+w.member.ID, b, nil), 200).obj(t)
		if str(ban, "reason") != "spam and more" {
			t.Fatalf("ban reason %v", ban["reason"])
		}
		if n := len(want(t, e.call(t, "GET", g+"/bans?limit=10", b, nil), 200).arr(t)); n != 1 {
			t.Fatalf("bans: %d", n)
		}
		wantErr(t, e.call(t, "POST", "/invites/"+inviteCode, m, nil), 403, 40007)
		want(t, e.call(t, "DELETE", g+"/bans/"+w.member.ID, b, nil), 204)
		wantErr(t, e.call(t, "GET", g+"/bans/"+w.member.ID, b, nil), 404, 10026)
		want(t, e.call(t, "POST", "/invites/"+inviteCode, m, nil), 200)
		x := e.register(t, "victim")
		res := want(t, e.call(t, "POST", g+"/bulk-ban", o, map[string]any{"user_ids": []string{x.ID, w.owner.ID}, "delete_message_seconds": 0}), 200).obj(t)
		if len(res["banned_users"].([]any)) != 1 || len(res["failed_users"].([]any)) != 1 {
			t.Fatalf("bulk-ban: %v", res)
		}
		want(t, e.call(t, "DELETE", "/invites/"+inviteCode, b, nil), 200)
		wantErr(t, e.call(t, "GET", "/invites/"+inviteCode, "", nil), 404, 10006)
	})

	t.Run("webhooks", func(t *testing.T) {
		wh := want(t, e.call(t, "POST", c+"/webhooks", b, map[string]any{"name": "hook"}), 200).obj(t)
		id, tok := str(wh, "id"), str(wh, "token")
		want(t, e.call(t, "GET", c+"/webhooks", b, nil), 200)
		want(t, e.call(t, "GET", g+"/webhooks", b, nil), 200)
		want(t, e.call(t, "GET", "/webhooks/"+id, b, nil), 200)
		want(t, e.call(t, "PATCH", "/webhooks/"+id, b, map[string]any{"name": "hook2", "channel_id": textID}), 200)
		want(t, e.call(t, "GET", "/webhooks/"+id+"/"+tok, "", nil), 200)
		want(t, e.call(t, "PATCH", "/webhooks/"+id+"/"+tok, "", map[string]any{"name": "hook3"}), 200)
		want(t, e.call(t, "POST", "/webhooks/"+id+"/"+tok, "", map[string]any{"content": "fire and forget"}), 204)
		wm := want(t, e.call(t, "POST", "/webhooks/"+id+"/"+tok+"?wait=true", "", map[string]any{"content": "waited", "username": "Hooky"}), 200).obj(t)
		if str(wm, "webhook_id") != id {
			t.Fatalf("webhook message: %v", wm)
		}
		wantErr(t, e.call(t, "POST", "/webhooks/"+id+"/wrongtoken", "", map[string]any{"content": "x"}), 401, 50027)
		wantErr(t, e.call(t, "POST", "/webhooks/123456789012345678/wrongtoken", "", map[string]any{"content": "x"}), 404, 10015)
		want(t, e.call(t, "DELETE", "/webhooks/"+id+"/"+tok, "", nil), 204)
		wh2 := want(t, e.call(t, "POST", c+"/webhooks", b, map[string]any{"name": "hook"}), 200).obj(t)
		want(t, e.call(t, "DELETE", "/webhooks/"+str(wh2, "id"), b, nil), 204)
		wantErr(t, e.call(t, "GET", "/webhooks/"+str(wh2, "id"), b, nil), 404, 10015)
	})

	t.Run("emojis", func(t *testing.T) {
		em := want(t, e.call(t, "POST", g+"/emojis", b, map[string]any{"name": "parley", "image": pngDataURI}), 201).obj(t)
		id := str(em, "id")
		want(t, e.call(t, "GET", g+"/emojis", m, nil), 200)
		want(t, e.call(t, "GET", g+"/emojis/"+id, m, nil), 200)
		want(t, e.call(t, "PATCH", g+"/emojis/"+id, b, map[string]any{"name": "parley2"}), 200)
		want(t, e.call(t, "PUT", c+"/messages/"+msgID+"/reactions/"+url.PathEscape("parley2:"+id)+"/@me", m, nil), 204)
		want(t, e.call(t, "PUT", c+"/messages/"+msgID+"/reactions/parley2:"+id+"/@me", b, nil), 204)
		want(t, e.call(t, "DELETE", g+"/emojis/"+id, b, nil), 204)
		wantErr(t, e.call(t, "GET", g+"/emojis/"+id, b, nil), 404, 10014)
	})

	t.Run("teardown", func(t *testing.T) {
		want(t, e.call(t, "DELETE", "/channels/"+textID, b, nil), 200)
		wantErr(t, e.call(t, "GET", "/channels/"+textID, b, nil), 404, 10003)
		want(t, e.call(t, "DELETE", "/channels/"+catID, o, nil), 200)
		want(t, e.call(t, "DELETE", g+"/members/"+w.member.ID, b, nil), 204)
		wantErr(t, e.call(t, "GET", g+"/members/"+w.member.ID, b, nil), 404, 10007)
		want(t, e.call(t, "DELETE", "/users/@me/guilds/"+w.guildID, b, nil), 204)
		wantErr(t, e.call(t, "DELETE", "/users/@me/guilds/"+w.guildID, o, nil), 400, 50055)
		want(t, e.call(t, "DELETE", g, o, nil), 204)
		wantErr(t, e.call(t, "GET", g, o, nil), 404, 10004)
	})
	_ = strings.TrimSpace
}

// pngDataURI is a 1×1 transparent PNG.
const pngDataURI = "data:image/png;base64,iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg=="
