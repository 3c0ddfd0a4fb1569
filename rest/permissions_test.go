package rest_test

import (
	"net/url"
	"strconv"
	"strings"
	"testing"
)

// TestPermissionDenials drives each permission the issue names through HTTP: a member who
// lacks it gets 403 50013 (50001 where Discord hides the channel), and MENTION_EVERYONE is
// the exception that does not fail but does not ping.
func TestPermissionDenials(t *testing.T) {
	e := newEnv(t, nil)
	w := e.newWorld(t)
	o, m := w.owner.Token, w.member.Token
	g := "/guilds/" + w.guildID

	// A channel where the member (by a member overwrite) may view but not send, read
	// history or add reactions, and where @everyone may not mention everyone.
	const (
		send      = 1 << 11
		history   = 1 << 16
		reactions = 1 << 6
		everyone  = 1 << 17
	)
	ch := want(t, e.call(t, "POST", g+"/channels", o, map[string]any{
		"name": "locked",
		"permission_overwrites": []map[string]any{
			{"id": w.member.ID, "type": 1, "deny": strconv.FormatUint(send|history|reactions, 10)},
			{"id": w.guildID, "type": 0, "deny": strconv.FormatUint(everyone, 10)},
		},
	}), 201).obj(t)
	c := "/channels/" + str(ch, "id")
	msg := want(t, e.call(t, "POST", c+"/messages", o, map[string]any{"content": "owner's"}), 200).obj(t)
	mid := str(msg, "id")
	emoji := want(t, e.call(t, "POST", g+"/emojis", o, map[string]any{"name": "owners", "image": pngDataURI}), 201).obj(t)
	// A second channel where only ADD_REACTIONS is denied to the member.
	nr := want(t, e.call(t, "POST", g+"/channels", o, map[string]any{
		"name":                  "no-reactions",
		"permission_overwrites": []map[string]any{{"id": w.member.ID, "type": 1, "deny": strconv.FormatUint(reactions, 10)}},
	}), 201).obj(t)
	nrMsg := str(want(t, e.call(t, "POST", "/channels/"+str(nr, "id")+"/messages", o, map[string]any{"content": "react?"}), 200).obj(t), "id")
	nrReact := "/channels/" + str(nr, "id") + "/messages/" + nrMsg + "/reactions/" + url.PathEscape("👍")

	cases := []struct {
		name         string
		method, path string
		body         any
		status, code int
	}{
		{"SEND_MESSAGES", "POST", c + "/messages", map[string]any{"content": "hi"}, 403, 50013},
		{"SEND_MESSAGES for typing", "POST", c + "/typing", nil, 403, 50013},
		{"READ_MESSAGE_HISTORY", "GET", c + "/messages/" + mid, nil, 403, 50001},
		{"READ_MESSAGE_HISTORY for reactions", "PUT", c + "/messages/" + mid + "/reactions/" + url.PathEscape("👍") + "/@me", nil, 403, 50001},
		{"ADD_REACTIONS", "PUT", nrReact + "/@me", nil, 403, 50013},
		{"MANAGE_MESSAGES", "DELETE", c + "/messages/" + mid, nil, 403, 50013},
		{"PIN_MESSAGES", "PUT", "/channels/" + w.channelID + "/messages/pins/" + pinTarget(t, e, w), nil, 403, 50013},
		{"MANAGE_ROLES", "POST", g + "/roles", map[string]any{"name": "mine"}, 403, 50013},
		{"MANAGE_CHANNELS", "PATCH", c, map[string]any{"name": "renamed"}, 403, 50013},
		{"MANAGE_WEBHOOKS", "GET", g + "/webhooks", nil, 403, 50013},
		{"KICK_MEMBERS", "DELETE", g + "/members/" + w.owner.ID, nil, 403, 50013},
		{"BAN_MEMBERS", "PUT", g + "/bans/" + w.owner.ID, map[string]any{}, 403, 50013},
		{"MANAGE_GUILD_EXPRESSIONS", "PATCH", g + "/emojis/" + str(emoji, "id"), map[string]any{"name": "stolen"}, 403, 50013},
		{"MANAGE_GUILD for invites", "GET", g + "/invites", nil, 403, 50013},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			wantErr(t, e.call(t, tc.method, tc.path, m, tc.body), tc.status, tc.code)
		})
	}
	// Listing members needs the GUILD_MEMBERS intent enabled for a bot's application.
	app := want(t, e.call(t, "POST", "/applications", o, map[string]any{"name": "nointents"}), 201).obj(t)
	tok := want(t, e.call(t, "POST", "/applications/"+str(app, "id")+"/bot", o, nil), 200).obj(t)
	want(t, e.call(t, "POST", "/oauth2/authorize?client_id="+str(app, "id")+"&scope=bot", o,
		map[string]any{"guild_id": w.guildID, "permissions": "8", "authorize": true}), 200)
	wantErr(t, e.call(t, "GET", g+"/members?limit=10", "Bot "+str(tok, "token"), nil), 403, 50001)
	want(t, e.call(t, "GET", g+"/members?limit=10", w.bot.Token, nil), 200)
	want(t, e.call(t, "GET", g+"/members?limit=10", m, nil), 200) // humans are not gated

	// Joining an existing reaction needs no ADD_REACTIONS, as on Discord.
	want(t, e.call(t, "PUT", nrReact+"/@me", o, nil), 204)
	want(t, e.call(t, "PUT", nrReact+"/@me", m, nil), 204)

	t.Run("MENTION_EVERYONE", func(t *testing.T) {
		// #general keeps @everyone's default, which includes MENTION_EVERYONE, so take it
		// away guild-wide for this check.
		perms := want(t, e.call(t, "GET", g+"/roles/"+w.guildID, o, nil), 200).obj(t)
		all := str(perms, "permissions")
		reduced := clearBit(t, all, everyone)
		want(t, e.call(t, "PATCH", g+"/roles/"+w.guildID, o, map[string]any{"permissions": reduced}), 200)
		got := want(t, e.call(t, "POST", "/channels/"+w.channelID+"/messages", m, map[string]any{"content": "@everyone look"}), 200).obj(t)
		if got["mention_everyone"] != false {
			t.Fatalf("mention_everyone = %v without MENTION_EVERYONE, want false", got["mention_everyone"])
		}
		got = want(t, e.call(t, "POST", "/channels/"+w.channelID+"/messages", o, map[string]any{"content": "@everyone look"}), 200).obj(t)
		if got["mention_everyone"] != true {
			t.Fatalf("owner's mention_everyone = %v, want true", got["mention_everyone"])
		}
	})
}

// TestValidationLimits covers the limits that TestErrors does not: embeds, nick, names.
func TestValidationLimits(t *testing.T) {
	e := newEnv(t, nil)
	w := e.newWorld(t)
	b, o := w.bot.Token, w.owner.Token
	c := "/channels/" + w.channelID
	eleven := make([]map[string]any, 11)
	for i := range eleven {
		eleven[i] = map[string]any{"title": "t"}
	}
	cases := []struct {
		name         string
		method, path string
		token        string
		body         any
		field        string
	}{
		{"more than 10 embeds", "POST", c + "/messages", b, map[string]any{"embeds": eleven}, "embeds"},
		{"embeds over 6000 characters", "POST", c + "/messages", b, map[string]any{"embeds": []map[string]any{
			{"description": strings.Repeat("d", 4000)}, {"description": strings.Repeat("d", 2001)}}}, "embeds"},
		{"embed title over 256", "POST", c + "/messages", b, map[string]any{"embeds": []map[string]any{{"title": strings.Repeat("t", 257)}}}, "embeds.0.title"},
		{"embed over 25 fields", "POST", c + "/messages", b, map[string]any{"embeds": []map[string]any{{"fields": manyFields(26)}}}, "embeds.0.fields"},
		{"nick over 32", "PATCH", "/guilds/" + w.guildID + "/members/" + w.member.ID, o, map[string]any{"nick": strings.Repeat("n", 33)}, "nick"},
		{"channel name over 100", "POST", "/guilds/" + w.guildID + "/channels", o, map[string]any{"name": strings.Repeat("c", 101)}, "name"},
		{"topic over 1024", "PATCH", c, o, map[string]any{"topic": strings.Repeat("t", 1025)}, "topic"},
		{"bulk delete of one", "POST", c + "/messages/bulk-delete", b, map[string]any{"messages": []string{"1"}}, "messages"},
		{"reaction limit over 100", "GET", c + "/messages/1/reactions/%F0%9F%91%8D?limit=101", b, nil, "limit"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			body := wantErr(t, e.call(t, tc.method, tc.path, tc.token, tc.body), 400, 50035)
			fieldErr(t, body, tc.field)
		})
	}
}

func manyFields(n int) []map[string]any {
	out := make([]map[string]any, n)
	for i := range out {
		out[i] = map[string]any{"name": "n", "value": "v"}
	}
	return out
}

// pinTarget posts a message in #general as the owner for the member to try to pin.
func pinTarget(t *testing.T, e *env, w world) string {
	t.Helper()
	return str(want(t, e.call(t, "POST", "/channels/"+w.channelID+"/messages", w.owner.Token, map[string]any{"content": "pin?"}), 200).obj(t), "id")
}

func clearBit(t *testing.T, decimal string, bit uint64) string {
	t.Helper()
	n, err := strconv.ParseUint(decimal, 10, 64)
	if err != nil {
		t.Fatalf("permissions %q not decimal", decimal)
	}
	return strconv.FormatUint(n&^bit, 10)
}
