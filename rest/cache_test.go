package rest_test

import "testing"

// TestNoStaleReadsAfterWrites: the domain caches users, applications, members and channels;
// over HTTP, each write must show on the next read.
func TestNoStaleReadsAfterWrites(t *testing.T) {
	e := newEnv(t, nil)
	w := e.newWorld(t)
	want(t, e.call(t, "GET", "/users/@me", w.member.Token, nil), 200)
	want(t, e.call(t, "PATCH", "/users/@me", w.member.Token, map[string]any{"global_name": "Renamed"}), 200)
	if got := str(want(t, e.call(t, "GET", "/users/@me", w.member.Token, nil), 200).obj(t), "global_name"); got != "Renamed" {
		t.Fatalf("GET /users/@me after PATCH: global_name = %q", got)
	}
	if got := str(want(t, e.call(t, "GET", "/users/"+w.member.ID, w.bot.Token, nil), 200).obj(t), "global_name"); got != "Renamed" {
		t.Fatalf("GET /users/{id} after PATCH: global_name = %q", got)
	}

	// Message content for a bot follows its application's MESSAGE_CONTENT flag at once.
	path := "/channels/" + w.channelID + "/messages"
	want(t, e.call(t, "POST", path, w.member.Token, map[string]any{"content": "for bots"}), 200)
	content := func() string {
		return str(want(t, e.call(t, "GET", path+"?limit=1", w.bot.Token, nil), 200).arr(t)[0].(map[string]any), "content")
	}
	if got := content(); got != "" {
		t.Fatalf("content without the intent flag = %q", got)
	}
	want(t, e.call(t, "PATCH", "/applications/"+w.appID, w.owner.Token, map[string]any{"flags": 1 << 19}), 200)
	if got := content(); got != "for bots" {
		t.Fatalf("content after setting GATEWAY_MESSAGE_CONTENT_LIMITED = %q", got)
	}

	// A nick change shows on the next read of the member.
	want(t, e.call(t, "PATCH", "/guilds/"+w.guildID+"/members/"+w.member.ID, w.owner.Token, map[string]any{"nick": "Nicky"}), 200)
	if got := str(want(t, e.call(t, "GET", "/guilds/"+w.guildID+"/members/"+w.member.ID, w.bot.Token, nil), 200).obj(t), "nick"); got != "Nicky" {
		t.Fatalf("member nick after PATCH = %q", got)
	}
}
