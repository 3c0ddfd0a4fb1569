package rest_test

import (
	"net/url"
	"strconv"
	"testing"
)

// TestThreadsOverHTTP drives every thread operation over real HTTP (each answer validated
// against Discord's spec by call): success, permission and validation paths, the archive and
// lock rules, and message routes used with a thread's ID.
func TestThreadsOverHTTP(t *testing.T) {
	e := newEnv(t, nil)
	w := e.newWorld(t)
	o, m, b := w.owner.Token, w.member.Token, w.bot.Token
	c := "/channels/" + w.channelID
	g := "/guilds/" + w.guildID

	// From a message.
	msg := want(t, e.call(t, "POST", c+"/messages", m, map[string]any{"content": "start here"}), 200).obj(t)
	mid := str(msg, "id")
	th := want(t, e.call(t, "POST", c+"/messages/"+mid+"/threads", o, map[string]any{"name": "From a message", "auto_archive_duration": 60}), 201).obj(t)
	if str(th, "id") != mid || th["type"].(float64) != 11 || str(th, "parent_id") != w.channelID || str(th, "owner_id") != w.owner.ID {
		t.Fatalf("thread from message: %v", th)
	}
	if md := th["thread_metadata"].(map[string]any); md["archived"] != false || md["auto_archive_duration"].(float64) != 60 {
		t.Fatalf("thread_metadata: %v", md)
	}
	tc := "/channels/" + mid
	wantErr(t, e.call(t, "POST", c+"/messages/"+mid+"/threads", o, map[string]any{"name": "again"}), 400, 160004)
	starter := want(t, e.call(t, "GET", c+"/messages/"+mid, o, nil), 200).obj(t)
	if starter["thread"] == nil || int(starter["flags"].(float64))&32 == 0 {
		t.Fatalf("starter message lacks thread/HAS_THREAD: %v", starter)
	}
	hist := want(t, e.call(t, "GET", tc+"/messages", o, nil), 200).arr(t)
	if len(hist) != 1 || hist[0].(map[string]any)["type"].(float64) != 21 || hist[0].(map[string]any)["referenced_message"] == nil {
		t.Fatalf("thread history: %v", hist)
	}
	other := want(t, e.call(t, "POST", c+"/messages", m, map[string]any{"content": "x"}), 200).obj(t)
	fe := wantErr(t, e.call(t, "POST", c+"/messages/"+str(other, "id")+"/threads", o, map[string]any{"auto_archive_duration": 61}), 400, 50035)
	fieldErr(t, fe, "name")
	fieldErr(t, fe, "auto_archive_duration")
	wantErr(t, e.call(t, "POST", "/channels/"+w.channelID+"/messages/1/threads", o, map[string]any{"name": "x"}), 404, 10008)

	// A channel where the member may not create threads.
	const createPublic, createPrivate, sendInThreads = 1 << 35, 1 << 36, 1 << 38
	locked := want(t, e.call(t, "POST", g+"/channels", o, map[string]any{"name": "nothreads",
		"permission_overwrites": []map[string]any{{"id": w.member.ID, "type": 1, "deny": strconv.FormatUint(createPublic|createPrivate|sendInThreads, 10)}}}), 201).obj(t)
	lc := "/channels/" + str(locked, "id")
	lmsg := want(t, e.call(t, "POST", lc+"/messages", m, map[string]any{"content": "x"}), 200).obj(t)
	wantErr(t, e.call(t, "POST", lc+"/messages/"+str(lmsg, "id")+"/threads", m, map[string]any{"name": "no"}), 403, 50013)
	wantErr(t, e.call(t, "POST", lc+"/threads", m, map[string]any{"name": "no", "type": 11}), 403, 50013)
	wantErr(t, e.call(t, "POST", lc+"/threads", m, map[string]any{"name": "no", "type": 12}), 403, 50013)
	// A thread there inherits the overwrite: the member may read but not send in it.
	inherit := want(t, e.call(t, "POST", lc+"/threads", o, map[string]any{"name": "inherits", "type": 11}), 201).obj(t)
	want(t, e.call(t, "GET", "/channels/"+str(inherit, "id")+"/messages", m, nil), 200)
	wantErr(t, e.call(t, "POST", "/channels/"+str(inherit, "id")+"/messages", m, map[string]any{"content": "no"}), 403, 50013)

	// Standalone public and private threads.
	pub := want(t, e.call(t, "POST", c+"/threads", m, map[string]any{"name": "Public one", "type": 11}), 201).obj(t)
	pc := "/channels/" + str(pub, "id")
	notice := want(t, e.call(t, "GET", c+"/messages?limit=1", o, nil), 200).arr(t)
	if n := notice[0].(map[string]any); n["type"].(float64) != 18 || str(n, "content") != "Public one" {
		t.Fatalf("THREAD_CREATED notice: %v", n)
	}
	priv := want(t, e.call(t, "POST", c+"/threads", o, map[string]any{"name": "Private", "invitable": false}), 201).obj(t)
	if priv["type"].(float64) != 12 || priv["thread_metadata"].(map[string]any)["invitable"] != false {
		t.Fatalf("private thread (the default type): %v", priv)
	}
	prc := "/channels/" + str(priv, "id")
	wantErr(t, e.call(t, "POST", c+"/threads", o, map[string]any{"name": "bad", "type": 5}), 400, 50035)
	wantErr(t, e.call(t, "GET", prc, m, nil), 403, 50001)
	wantErr(t, e.call(t, "PUT", prc+"/thread-members/@me", m, nil), 403, 50001)

	// Thread members.
	want(t, e.call(t, "PUT", prc+"/thread-members/"+w.member.ID, o, nil), 204)
	want(t, e.call(t, "GET", prc, m, nil), 200)
	wantErr(t, e.call(t, "PUT", prc+"/thread-members/"+w.owner.ID, m, nil), 403, 50013) // not invitable
	wantErr(t, e.call(t, "PUT", pc+"/thread-members/1", o, nil), 404, 10007)
	want(t, e.call(t, "PUT", pc+"/thread-members/@me", b, nil), 204)
	tm := want(t, e.call(t, "GET", pc+"/thread-members/"+w.bot.ID+"?with_member=true", o, nil), 200).obj(t)
	if str(tm, "user_id") != w.bot.ID || tm["member"] == nil {
		t.Fatalf("thread member: %v", tm)
	}
	wantErr(t, e.call(t, "GET", pc+"/thread-members/"+w.owner.ID, o, nil), 404, 10007)
	list := want(t, e.call(t, "GET", pc+"/thread-members?with_member=true&limit=10", o, nil), 200).arr(t)
	if len(list) != 2 || list[0].(map[string]any)["member"] == nil {
		t.Fatalf("thread members: %v", list)
	}
	after := want(t, e.call(t, "GET", pc+"/thread-members?after="+list[0].(map[string]any)["user_id"].(string), o, nil), 200).arr(t)
	if len(after) != 1 {
		t.Fatalf("thread members after: %v", after)
	}
	wantErr(t, e.call(t, "GET", pc+"/thread-members?limit=101", o, nil), 400, 50035)
	wantErr(t, e.call(t, "DELETE", pc+"/thread-members/"+w.bot.ID, m, nil), 403, 50013)
	want(t, e.call(t, "DELETE", pc+"/thread-members/"+w.bot.ID, o, nil), 204)
	want(t, e.call(t, "DELETE", pc+"/thread-members/@me", m, nil), 204)
	wantErr(t, e.call(t, "DELETE", pc+"/thread-members/@me", m, nil), 404, 10007)
	wantErr(t, e.call(t, "GET", c+"/thread-members", o, nil), 404, 10003) // not a thread

	// Message routes with a thread's ID.
	tmsg := want(t, e.call(t, "POST", pc+"/messages", m, map[string]any{"content": "in thread"}), 200).obj(t)
	tmid := str(tmsg, "id")
	want(t, e.call(t, "PATCH", pc+"/messages/"+tmid, m, map[string]any{"content": "edited"}), 200)
	want(t, e.call(t, "PUT", pc+"/messages/"+tmid+"/reactions/"+url.PathEscape("👍")+"/@me", m, nil), 204)
	want(t, e.call(t, "POST", pc+"/typing", m, nil), 204)
	want(t, e.call(t, "PUT", pc+"/messages/pins/"+tmid, o, nil), 204)
	want(t, e.call(t, "POST", pc+"/messages", m, map[string]any{"content": "second"}), 200)
	got := want(t, e.call(t, "GET", pc, m, nil), 200).obj(t)
	if got["message_count"].(float64) != 3 || got["total_message_sent"].(float64) != 3 { // two messages and the pin notice
		t.Fatalf("counters: %v", got)
	}

	// Archive, lists, unarchive by sending.
	wantErr(t, e.call(t, "PATCH", pc, m, map[string]any{"locked": true}), 403, 50013)
	wantErr(t, e.call(t, "PATCH", pc, o, map[string]any{"auto_archive_duration": 5}), 400, 50035)
	arch := want(t, e.call(t, "PATCH", pc, m, map[string]any{"archived": true}), 200).obj(t) // the creator may
	if arch["thread_metadata"].(map[string]any)["archived"] != true {
		t.Fatalf("archive: %v", arch)
	}
	wantErr(t, e.call(t, "PUT", pc+"/thread-members/@me", b, nil), 400, 50083)
	pubList := want(t, e.call(t, "GET", c+"/threads/archived/public", m, nil), 200).obj(t)
	if ths := pubList["threads"].([]any); len(ths) != 1 || str(ths[0].(map[string]any), "id") != str(pub, "id") || pubList["has_more"] != false {
		t.Fatalf("archived public: %v", pubList)
	}
	wantErr(t, e.call(t, "GET", c+"/threads/archived/public?limit=1", m, nil), 400, 50035)
	wantErr(t, e.call(t, "GET", c+"/threads/archived/public?before=yesterday", m, nil), 400, 50035)
	wantErr(t, e.call(t, "GET", c+"/threads/archived/private", m, nil), 403, 50013)
	const history = 1 << 16
	nohist := want(t, e.call(t, "POST", g+"/channels", o, map[string]any{"name": "nohistory",
		"permission_overwrites": []map[string]any{{"id": w.member.ID, "type": 1, "deny": strconv.FormatUint(history, 10)}}}), 201).obj(t)
	wantErr(t, e.call(t, "GET", "/channels/"+str(nohist, "id")+"/threads/archived/public", m, nil), 403, 50013)
	wantErr(t, e.call(t, "GET", "/channels/"+str(nohist, "id")+"/users/@me/threads/archived/private", m, nil), 403, 50013)
	want(t, e.call(t, "PATCH", prc, o, map[string]any{"archived": true}), 200)
	privList := want(t, e.call(t, "GET", c+"/threads/archived/private", o, nil), 200).obj(t)
	if ths := privList["threads"].([]any); len(ths) != 1 || len(privList["members"].([]any)) != 1 {
		t.Fatalf("archived private: %v", privList)
	}
	joined := want(t, e.call(t, "GET", c+"/users/@me/threads/archived/private", m, nil), 200).obj(t)
	if ths := joined["threads"].([]any); len(ths) != 1 {
		t.Fatalf("joined private archived: %v", joined)
	}
	joined = want(t, e.call(t, "GET", c+"/users/@me/threads/archived/private?before="+str(priv, "id"), m, nil), 200).obj(t)
	if ths := joined["threads"].([]any); len(ths) != 0 {
		t.Fatalf("joined private archived before itself: %v", joined)
	}
	wantErr(t, e.call(t, "PATCH", pc, o, map[string]any{"name": "renamed while archived"}), 400, 50083)
	want(t, e.call(t, "POST", pc+"/messages", m, map[string]any{"content": "wakes it"}), 200)
	got = want(t, e.call(t, "GET", pc, m, nil), 200).obj(t)
	if got["thread_metadata"].(map[string]any)["archived"] != false {
		t.Fatalf("a message did not unarchive: %v", got)
	}

	// Locked: only MANAGE_THREADS may send or unarchive.
	want(t, e.call(t, "PATCH", pc, o, map[string]any{"locked": true}), 200)
	wantErr(t, e.call(t, "POST", pc+"/messages", m, map[string]any{"content": "no"}), 403, 160005)
	want(t, e.call(t, "POST", pc+"/messages", o, map[string]any{"content": "moderator"}), 200)
	want(t, e.call(t, "PATCH", pc, o, map[string]any{"archived": true}), 200)
	wantErr(t, e.call(t, "PATCH", pc, m, map[string]any{"archived": false}), 403, 50013)

	// Active threads: the member does not see the private thread it is not in.
	want(t, e.call(t, "PATCH", prc, o, map[string]any{"archived": false}), 200)
	own := want(t, e.call(t, "POST", c+"/threads", o, map[string]any{"name": "owner only", "type": 12}), 201).obj(t)
	active := want(t, e.call(t, "GET", g+"/threads/active", m, nil), 200).obj(t)
	seen := map[string]bool{}
	for _, x := range active["threads"].([]any) {
		seen[str(x.(map[string]any), "id")] = true
	}
	if !seen[mid] || !seen[str(priv, "id")] || seen[str(own, "id")] {
		t.Fatalf("active threads for the member: %v", active)
	}
	if len(want(t, e.call(t, "GET", g+"/threads/active", o, nil), 200).obj(t)["threads"].([]any)) < 4 {
		t.Fatal("the owner (MANAGE_THREADS) sees every active thread")
	}
	outsider := e.register(t, "outsider")
	wantErr(t, e.call(t, "GET", g+"/threads/active", outsider.Token, nil), 404, 10004) // as every guild route answers outsiders
	// GET /guilds/{id}/channels leaves threads out.
	for _, x := range want(t, e.call(t, "GET", g+"/channels", o, nil), 200).arr(t) {
		if tt := x.(map[string]any)["type"].(float64); tt >= 10 && tt <= 12 {
			t.Fatalf("guild channel list has a thread: %v", x)
		}
	}

	// Delete: MANAGE_THREADS.
	wantErr(t, e.call(t, "DELETE", tc, m, nil), 403, 50013)
	want(t, e.call(t, "DELETE", tc, o, nil), 200)
	wantErr(t, e.call(t, "GET", tc, o, nil), 404, 10003)
}

// TestForumPostsOverHTTP covers forum and media channels: their settings, refusing direct
// messages, posts with a first message (JSON and multipart), tags and PINNED.
func TestForumPostsOverHTTP(t *testing.T) {
	e := newEnv(t, nil)
	w := e.newWorld(t)
	o, m := w.owner.Token, w.member.Token
	g := "/guilds/" + w.guildID
	forum := want(t, e.call(t, "POST", g+"/channels", o, map[string]any{"name": "help", "type": 15,
		"available_tags":         []map[string]any{{"name": "bug", "emoji_name": "🐛"}, {"name": "staff", "moderated": true}},
		"default_reaction_emoji": map[string]any{"emoji_name": "👍"}, "default_sort_order": 1, "default_forum_layout": 1,
		"default_thread_rate_limit_per_user": 10, "default_auto_archive_duration": 1440}), 201).obj(t)
	fc := "/channels/" + str(forum, "id")
	tags := forum["available_tags"].([]any)
	if len(tags) != 2 || forum["default_reaction_emoji"] == nil || forum["default_sort_order"].(float64) != 1 {
		t.Fatalf("forum settings: %v", forum)
	}
	bug, staff := str(tags[0].(map[string]any), "id"), str(tags[1].(map[string]any), "id")
	many := make([]map[string]any, 21)
	for i := range many {
		many[i] = map[string]any{"name": "t" + strconv.Itoa(i)}
	}
	wantErr(t, e.call(t, "PATCH", fc, o, map[string]any{"available_tags": many}), 400, 50035)
	wantErr(t, e.call(t, "PATCH", fc, o, map[string]any{"available_tags": []map[string]any{{"name": "much too long for a forum tag"}}}), 400, 50035)
	wantErr(t, e.call(t, "POST", fc+"/messages", m, map[string]any{"content": "hi"}), 400, 50008)

	post := want(t, e.call(t, "POST", fc+"/threads", m, map[string]any{"name": "It crashes",
		"applied_tags": []string{bug}, "message": map[string]any{"content": "steps to reproduce"}}), 201).obj(t)
	pc := "/channels/" + str(post, "id")
	if post["type"].(float64) != 11 || post["rate_limit_per_user"].(float64) != 10 || post["thread_metadata"].(map[string]any)["auto_archive_duration"].(float64) != 1440 {
		t.Fatalf("forum post: %v", post)
	}
	first := want(t, e.call(t, "GET", pc+"/messages/"+str(post, "id"), m, nil), 200).obj(t)
	if str(first, "content") != "steps to reproduce" {
		t.Fatalf("first message: %v", first)
	}
	if got := want(t, e.call(t, "GET", pc, m, nil), 200).obj(t); got["message_count"].(float64) != 0 {
		t.Fatalf("the first message is not counted: %v", got)
	}
	wantErr(t, e.call(t, "POST", fc+"/threads", m, map[string]any{"name": "no message"}), 400, 50035)
	fe := wantErr(t, e.call(t, "POST", fc+"/threads", m, map[string]any{"name": "empty", "message": map[string]any{"content": string(make([]byte, 2001))}}), 400, 50035)
	fieldErr(t, fe, "message.content")
	wantErr(t, e.call(t, "POST", fc+"/threads", m, map[string]any{"name": "bad tag", "applied_tags": []string{"1"}, "message": map[string]any{"content": "x"}}), 400, 50035)
	wantErr(t, e.call(t, "POST", fc+"/threads", m, map[string]any{"name": "moderated tag", "applied_tags": []string{staff}, "message": map[string]any{"content": "x"}}), 403, 50013)
	// Multipart post with an attachment.
	mp := want(t, e.send(t, "POST", fc+"/threads", m, map[string]any{"name": "With a file", "message": map[string]any{"content": "see file"}},
		upload{"files[0]", "log.txt", "text/plain", []byte("trace")}), 201).obj(t)
	firstMP := want(t, e.call(t, "GET", "/channels/"+str(mp, "id")+"/messages/"+str(mp, "id"), m, nil), 200).obj(t)
	if len(attachmentsOf(t, firstMP)) != 1 {
		t.Fatalf("multipart post's attachment: %v", firstMP)
	}

	// Require a tag.
	want(t, e.call(t, "PATCH", fc, o, map[string]any{"flags": 16}), 200)
	wantErr(t, e.call(t, "POST", fc+"/threads", m, map[string]any{"name": "untagged", "message": map[string]any{"content": "x"}}), 400, 40067)
	wantErr(t, e.call(t, "PATCH", fc, o, map[string]any{"flags": 1 << 1}), 400, 50035)

	// Tags and PINNED on a post.
	want(t, e.call(t, "PATCH", pc, m, map[string]any{"applied_tags": []string{bug}}), 200) // the creator may
	wantErr(t, e.call(t, "PATCH", pc, m, map[string]any{"flags": 2}), 403, 50013)
	pinned := want(t, e.call(t, "PATCH", pc, o, map[string]any{"flags": 2}), 200).obj(t)
	if int(pinned["flags"].(float64))&2 == 0 {
		t.Fatalf("PINNED: %v", pinned)
	}
	want(t, e.call(t, "PATCH", "/channels/"+str(mp, "id"), o, map[string]any{"flags": 2}), 200)
	if got := want(t, e.call(t, "GET", pc, o, nil), 200).obj(t); int(got["flags"].(float64))&2 != 0 {
		t.Fatal("pinning a second post did not unpin the first")
	}
	thr := want(t, e.call(t, "POST", "/channels/"+w.channelID+"/threads", o, map[string]any{"name": "plain", "type": 11}), 201).obj(t)
	wantErr(t, e.call(t, "PATCH", "/channels/"+str(thr, "id"), o, map[string]any{"flags": 2}), 400, 50035)
	wantErr(t, e.call(t, "PATCH", "/channels/"+str(thr, "id"), o, map[string]any{"applied_tags": []string{bug}}), 400, 50035)

	// (Media channels take posts the same way; Discord's spec has no type 16 in its channel
	// answers, so the guilds tests cover them.)
	// Without SEND_MESSAGES in the forum, no post.
	const send = 1 << 11
	closed := want(t, e.call(t, "POST", g+"/channels", o, map[string]any{"name": "closed", "type": 15,
		"permission_overwrites": []map[string]any{{"id": w.member.ID, "type": 1, "deny": strconv.FormatUint(send, 10)}}}), 201).obj(t)
	wantErr(t, e.call(t, "POST", "/channels/"+str(closed, "id")+"/threads", m, map[string]any{"name": "no", "message": map[string]any{"content": "x"}}), 403, 50013)
}
