package rest_test

import (
	"testing"
)

// auditEntries returns the audit log's entries for a query.
func auditEntries(t *testing.T, e *env, w world, query string) []map[string]any {
	t.Helper()
	log := want(t, e.call(t, "GET", "/guilds/"+w.guildID+"/audit-logs"+query, w.owner.Token, nil), 200).obj(t)
	var out []map[string]any
	for _, x := range log["audit_log_entries"].([]any) {
		out = append(out, x.(map[string]any))
	}
	return out
}

func TestAuditLog(t *testing.T) {
	e := newEnv(t, nil)
	w := e.newWorld(t)
	o := w.owner.Token
	g := "/guilds/" + w.guildID

	role := want(t, e.call(t, "POST", g+"/roles", o, map[string]any{"name": "mods"}, "X-Audit-Log-Reason", "for%20the%20mods"), 200).obj(t)
	msg := want(t, e.call(t, "POST", "/channels/"+w.channelID+"/messages", w.member.Token, map[string]any{"content": "one"}), 200).obj(t)
	msg2 := want(t, e.call(t, "POST", "/channels/"+w.channelID+"/messages", w.member.Token, map[string]any{"content": "two"}), 200).obj(t)
	want(t, e.call(t, "DELETE", "/channels/"+w.channelID+"/messages/"+str(msg, "id"), o, nil), 204)
	want(t, e.call(t, "DELETE", "/channels/"+w.channelID+"/messages/"+str(msg2, "id"), o, nil), 204)
	want(t, e.call(t, "PUT", g+"/members/"+w.member.ID+"/roles/"+str(role, "id"), o, nil), 204)
	ch := want(t, e.call(t, "POST", g+"/channels", o, map[string]any{"name": "audited"}), 201).obj(t)
	want(t, e.call(t, "PUT", "/channels/"+str(ch, "id")+"/permissions/"+str(role, "id"), o, map[string]any{"type": 0, "allow": "1024", "deny": "0"}), 204)
	want(t, e.call(t, "DELETE", g+"/members/"+w.member.ID, o, nil, "X-Audit-Log-Reason", "spam"), 204)

	t.Run("entries, newest first, with reason and changes", func(t *testing.T) {
		log := want(t, e.call(t, "GET", g+"/audit-logs", o, nil), 200).obj(t)
		entries := log["audit_log_entries"].([]any)
		first := entries[0].(map[string]any)
		if first["action_type"].(float64) != 20 || str(first, "target_id") != w.member.ID || str(first, "user_id") != w.owner.ID || str(first, "reason") != "spam" {
			t.Fatalf("newest entry %v", first)
		}
		var sawRole bool
		for _, x := range entries {
			en := x.(map[string]any)
			if en["action_type"].(float64) == 30 && str(en, "target_id") == str(role, "id") {
				sawRole = true
				if str(en, "reason") != "for the mods" {
					t.Fatalf("role entry reason %v", en)
				}
				found := false
				for _, c := range en["changes"].([]any) {
					ch := c.(map[string]any)
					if ch["key"] == "name" && ch["new_value"] == "mods" {
						found = true
					}
				}
				if !found {
					t.Fatalf("role entry changes %v", en["changes"])
				}
			}
		}
		if !sawRole {
			t.Fatalf("no ROLE_CREATE entry in %v", entries)
		}
		users := log["users"].([]any)
		ids := map[string]bool{}
		for _, u := range users {
			ids[str(u.(map[string]any), "id")] = true
		}
		if !ids[w.owner.ID] || !ids[w.member.ID] {
			t.Fatalf("users %v", users)
		}
	})

	t.Run("role, channel and overwrite entries", func(t *testing.T) {
		ru := auditEntries(t, e, w, "?action_type=25")
		if len(ru) != 1 || str(ru[0], "target_id") != w.member.ID {
			t.Fatalf("MEMBER_ROLE_UPDATE %v", ru)
		}
		c := ru[0]["changes"].([]any)[0].(map[string]any)
		added := c["new_value"].([]any)[0].(map[string]any)
		if c["key"] != "$add" || added["id"] != str(role, "id") || added["name"] != "mods" {
			t.Fatalf("MEMBER_ROLE_UPDATE changes %v", c)
		}
		if cc := auditEntries(t, e, w, "?action_type=10"); len(cc) != 1 || str(cc[0], "target_id") != str(ch, "id") {
			t.Fatalf("CHANNEL_CREATE %v", cc)
		}
		ow := auditEntries(t, e, w, "?action_type=13")
		if len(ow) != 1 {
			t.Fatalf("CHANNEL_OVERWRITE_CREATE %v", ow)
		}
		if opt := ow[0]["options"].(map[string]any); opt["id"] != str(role, "id") || opt["type"] != "0" || opt["role_name"] != "mods" {
			t.Fatalf("overwrite options %v", opt)
		}
		if ba := auditEntries(t, e, w, "?action_type=28"); len(ba) != 1 || str(ba[0], "target_id") != w.appID {
			t.Fatalf("BOT_ADD %v", ba)
		}
	})

	t.Run("message deletes coalesce", func(t *testing.T) {
		del := auditEntries(t, e, w, "?action_type=72")
		if len(del) != 1 {
			t.Fatalf("MESSAGE_DELETE entries %v", del)
		}
		opt := del[0]["options"].(map[string]any)
		if opt["count"] != "2" || opt["channel_id"] != w.channelID || str(del[0], "target_id") != w.member.ID {
			t.Fatalf("MESSAGE_DELETE entry %v", del[0])
		}
	})

	t.Run("filters and paging", func(t *testing.T) {
		all := auditEntries(t, e, w, "")
		if got := auditEntries(t, e, w, "?action_type=20"); len(got) != 1 || got[0]["action_type"].(float64) != 20 {
			t.Fatalf("action_type filter %v", got)
		}
		if got := auditEntries(t, e, w, "?user_id="+w.member.ID); len(got) != 0 {
			t.Fatalf("user_id filter %v", got)
		}
		if got := auditEntries(t, e, w, "?limit=1"); len(got) != 1 || str(got[0], "id") != str(all[0], "id") {
			t.Fatalf("limit 1 %v", got)
		}
		if got := auditEntries(t, e, w, "?before="+str(all[0], "id")); len(got) != len(all)-1 {
			t.Fatalf("before: %d entries, want %d", len(got), len(all)-1)
		}
		last := str(all[len(all)-1], "id")
		if got := auditEntries(t, e, w, "?after="+last+"&limit=1"); len(got) != 1 || str(got[0], "id") != str(all[len(all)-2], "id") {
			t.Fatalf("after %v", got)
		}
	})

	t.Run("permission and validation", func(t *testing.T) {
		other := e.register(t, "outsider")
		wantErr(t, e.call(t, "GET", g+"/audit-logs", other.Token, nil), 403, 50001)
		inv := want(t, e.call(t, "POST", "/channels/"+w.channelID+"/invites", o, map[string]any{}), 200).obj(t)
		want(t, e.call(t, "POST", "/invites/"+str(inv, "code"), other.Token, nil), 200)
		wantErr(t, e.call(t, "GET", g+"/audit-logs", other.Token, nil), 403, 50013)
		wantErr(t, e.call(t, "GET", g+"/audit-logs?limit=0", o, nil), 400, 50035)
		wantErr(t, e.call(t, "GET", g+"/audit-logs?limit=101", o, nil), 400, 50035)
		wantErr(t, e.call(t, "GET", g+"/audit-logs?user_id=abc", o, nil), 400, 50035)
	})
}

func keywordRule(name string, words ...string) map[string]any {
	return map[string]any{
		"name": name, "event_type": 1, "trigger_type": 1, "enabled": true,
		"trigger_metadata": map[string]any{"keyword_filter": words, "allow_list": []string{"scunthorpe"}},
		"actions":          []any{map[string]any{"type": 1, "metadata": map[string]any{"custom_message": "no"}}},
	}
}

func TestAutoModRules(t *testing.T) {
	e := newEnv(t, nil)
	w := e.newWorld(t)
	o := w.owner.Token
	rules := "/guilds/" + w.guildID + "/auto-moderation/rules"
	var id string

	t.Run("create, list, get", func(t *testing.T) {
		r := want(t, e.call(t, "POST", rules, o, keywordRule("words", "bad*", "*worse"), "X-Audit-Log-Reason", "tidy"), 200).obj(t)
		id = str(r, "id")
		if str(r, "guild_id") != w.guildID || str(r, "creator_id") != w.owner.ID || r["trigger_type"].(float64) != 1 {
			t.Fatalf("created %v", r)
		}
		md := r["trigger_metadata"].(map[string]any)
		if len(md["keyword_filter"].([]any)) != 2 || md["regex_patterns"] == nil || md["allow_list"] == nil {
			t.Fatalf("trigger_metadata %v", md)
		}
		if l := want(t, e.call(t, "GET", rules, o, nil), 200).arr(t); len(l) != 1 {
			t.Fatalf("list %v", l)
		}
		if got := want(t, e.call(t, "GET", rules+"/"+id, o, nil), 200).obj(t); str(got, "name") != "words" {
			t.Fatalf("get %v", got)
		}
		wantErr(t, e.call(t, "GET", rules+"/12345", o, nil), 404, 0)
		entry := auditEntries(t, e, w, "?action_type=140")
		if len(entry) != 1 || str(entry[0], "target_id") != id || str(entry[0], "reason") != "tidy" {
			t.Fatalf("AUTO_MODERATION_RULE_CREATE entry %v", entry)
		}
		log := want(t, e.call(t, "GET", "/guilds/"+w.guildID+"/audit-logs", o, nil), 200).obj(t)
		if len(log["auto_moderation_rules"].([]any)) != 1 {
			t.Fatalf("audit log rules %v", log["auto_moderation_rules"])
		}
	})

	t.Run("every trigger type", func(t *testing.T) {
		for _, body := range []map[string]any{
			{"name": "spam", "event_type": 1, "trigger_type": 3, "actions": []any{map[string]any{"type": 1}}},
			{"name": "preset", "event_type": 1, "trigger_type": 4, "trigger_metadata": map[string]any{"presets": []int{1, 2}},
				"actions": []any{map[string]any{"type": 2, "metadata": map[string]any{"channel_id": w.channelID}}}},
			{"name": "mentions", "event_type": 1, "trigger_type": 5, "trigger_metadata": map[string]any{"mention_total_limit": 3, "mention_raid_protection_enabled": true},
				"actions": []any{map[string]any{"type": 3, "metadata": map[string]any{"duration_seconds": 60}}}},
			{"name": "profile", "event_type": 2, "trigger_type": 6, "trigger_metadata": map[string]any{"keyword_filter": []string{"x"}},
				"actions": []any{map[string]any{"type": 4}}},
		} {
			want(t, e.call(t, "POST", rules, o, body), 200)
		}
	})

	t.Run("validation", func(t *testing.T) {
		long := make([]byte, 61)
		for i := range long {
			long[i] = 'a'
		}
		cases := []struct {
			name  string
			body  map[string]any
			field string
			code  string
		}{
			{"keyword too long", keywordRule("k", string(long)), "trigger_metadata.keyword_filter.0", "BASE_TYPE_BAD_LENGTH"},
			{"bad regex", map[string]any{"name": "r", "event_type": 1, "trigger_type": 1,
				"trigger_metadata": map[string]any{"regex_patterns": []string{"(unclosed"}}, "actions": []any{map[string]any{"type": 1}}},
				"trigger_metadata.regex_patterns.0", "AUTO_MODERATION_INVALID_REGEX"},
			{"second spam rule", map[string]any{"name": "spam2", "event_type": 1, "trigger_type": 3, "actions": []any{map[string]any{"type": 1}}},
				"trigger_type", "AUTO_MODERATION_MAX_RULES_OF_TYPE_EXCEEDED"},
			{"timeout on a preset rule", map[string]any{"name": "p", "event_type": 1, "trigger_type": 4,
				"trigger_metadata": map[string]any{"presets": []int{3}}, "actions": []any{map[string]any{"type": 3, "metadata": map[string]any{"duration_seconds": 60}}}},
				"actions.0.type", "AUTO_MODERATION_INVALID_ACTION_TYPE"},
			{"timeout too long", map[string]any{"name": "t", "event_type": 1, "trigger_type": 1,
				"actions": []any{map[string]any{"type": 3, "metadata": map[string]any{"duration_seconds": 2419201}}}},
				"actions.0.metadata.duration_seconds", "NUMBER_TYPE_MAX"},
			{"custom message too long", map[string]any{"name": "c", "event_type": 1, "trigger_type": 1,
				"actions": []any{map[string]any{"type": 1, "metadata": map[string]any{"custom_message": string(make([]byte, 151))}}}},
				"actions.0.metadata.custom_message", "BASE_TYPE_BAD_LENGTH"},
			{"missing name", map[string]any{"event_type": 1, "trigger_type": 1, "actions": []any{map[string]any{"type": 1}}}, "name", "BASE_TYPE_REQUIRED"},
			{"unknown trigger", map[string]any{"name": "u", "event_type": 1, "trigger_type": 2, "actions": []any{map[string]any{"type": 1}}}, "trigger_type", "BASE_TYPE_CHOICES"},
			{"member event for keywords", map[string]any{"name": "m", "event_type": 2, "trigger_type": 1, "actions": []any{map[string]any{"type": 1}}}, "event_type", "AUTO_MODERATION_INVALID_EVENT_TYPE"},
			{"mention limit", map[string]any{"name": "m", "event_type": 1, "trigger_type": 5, "trigger_metadata": map[string]any{"mention_total_limit": 51},
				"actions": []any{map[string]any{"type": 1}}}, "trigger_metadata.mention_total_limit", "NUMBER_TYPE_MAX"},
			{"alert channel unknown", map[string]any{"name": "a", "event_type": 1, "trigger_type": 1,
				"actions": []any{map[string]any{"type": 2, "metadata": map[string]any{"channel_id": "12345"}}}}, "actions.0.metadata.channel_id", "CHANNEL_INVALID"},
		}
		for _, tc := range cases {
			t.Run(tc.name, func(t *testing.T) {
				m := wantErr(t, e.call(t, "POST", rules, o, tc.body), 400, 50035)
				if got := fieldErr(t, m, tc.field)["code"]; got != tc.code {
					t.Fatalf("%s: code %v, want %s (%v)", tc.field, got, tc.code, m)
				}
			})
		}
		wantErr(t, e.call(t, "PATCH", rules+"/"+id, o, map[string]any{"name": ""}), 400, 50035)
	})

	t.Run("permission", func(t *testing.T) {
		m := w.member.Token
		wantErr(t, e.call(t, "GET", rules, m, nil), 403, 50013)
		wantErr(t, e.call(t, "GET", rules+"/"+id, m, nil), 403, 50013)
		wantErr(t, e.call(t, "POST", rules, m, keywordRule("x", "y")), 403, 50013)
		wantErr(t, e.call(t, "PATCH", rules+"/"+id, m, map[string]any{"name": "x"}), 403, 50013)
		wantErr(t, e.call(t, "DELETE", rules+"/"+id, m, nil), 403, 50013)
	})

	t.Run("modify and delete", func(t *testing.T) {
		r := want(t, e.call(t, "PATCH", rules+"/"+id, o, map[string]any{"name": "renamed", "trigger_type": 4}), 200).obj(t)
		if str(r, "name") != "renamed" || r["trigger_type"].(float64) != 1 {
			t.Fatalf("patched %v", r)
		}
		up := auditEntries(t, e, w, "?action_type=141")
		if len(up) != 1 || up[0]["changes"].([]any)[0].(map[string]any)["old_value"] != "words" {
			t.Fatalf("AUTO_MODERATION_RULE_UPDATE entry %v", up)
		}
		want(t, e.call(t, "DELETE", rules+"/"+id, o, nil), 204)
		wantErr(t, e.call(t, "DELETE", rules+"/"+id, o, nil), 404, 0)
		if len(auditEntries(t, e, w, "?action_type=142")) != 1 {
			t.Fatal("no AUTO_MODERATION_RULE_DELETE entry")
		}
	})
}

func TestAutoModEnforcement(t *testing.T) {
	e := newEnv(t, nil)
	w := e.newWorld(t)
	o, m := w.owner.Token, w.member.Token
	g := "/guilds/" + w.guildID
	alerts := want(t, e.call(t, "POST", g+"/channels", o, map[string]any{"name": "mod-log"}), 201).obj(t)
	quiet := want(t, e.call(t, "POST", g+"/channels", o, map[string]any{"name": "anything-goes"}), 201).obj(t)
	rule := keywordRule("words", "bad*", "*worse", "exact phrase")
	rule["actions"] = append(rule["actions"].([]any),
		map[string]any{"type": 2, "metadata": map[string]any{"channel_id": str(alerts, "id")}},
		map[string]any{"type": 3, "metadata": map[string]any{"duration_seconds": 60}})
	rule["exempt_channels"] = []string{str(quiet, "id")}
	want(t, e.call(t, "POST", g+"/auto-moderation/rules", o, rule), 200)
	post := func(token, channel, content string) resp {
		return e.call(t, "POST", "/channels/"+channel+"/messages", token, map[string]any{"content": content})
	}

	t.Run("keyword semantics", func(t *testing.T) {
		for _, c := range []struct {
			content string
			blocked bool
		}{
			{"this is BADLY done", true}, // prefix
			{"it got even worse", true},  // suffix
			{"that was an exact phrase!", true},
			{"embadded", false},             // bad* must start a word
			{"worsened", false},             // *worse must end one
			{"exact phrases", false},        // whole phrase only
			{"Scunthorpe is fine", false},   // nothing matches
			{"fine words only here", false}, // no keyword at all
		} {
			r := post(m, w.channelID, c.content)
			if c.blocked {
				wantErr(t, r, 400, 200000)
				// The rule also times the member out: lift it for the next case.
				want(t, e.call(t, "PATCH", g+"/members/"+w.member.ID, o, map[string]any{"communication_disabled_until": nil}), 200)
			} else {
				want(t, r, 200)
			}
		}
	})

	t.Run("block posts the alert and times the member out", func(t *testing.T) {
		wantErr(t, post(m, w.channelID, "so bad"), 400, 200000)
		msgs := want(t, e.call(t, "GET", "/channels/"+str(alerts, "id")+"/messages", o, nil), 200).arr(t)
		if len(msgs) == 0 {
			t.Fatal("no alert message")
		}
		a := msgs[0].(map[string]any)
		emb := a["embeds"].([]any)[0].(map[string]any)
		if a["type"].(float64) != 24 || str(a["author"].(map[string]any), "id") != w.member.ID || emb["type"] != "auto_moderation_message" {
			t.Fatalf("alert %v", a)
		}
		fields := map[string]string{}
		for _, f := range emb["fields"].([]any) {
			fm := f.(map[string]any)
			fields[fm["name"].(string)] = fm["value"].(string)
		}
		if fields["rule_name"] != "words" || fields["decision_outcome"] != "blocked" || fields["channel_id"] != w.channelID || fields["keyword"] == "" {
			t.Fatalf("alert fields %v", fields)
		}
		mem := want(t, e.call(t, "GET", g+"/members/"+w.member.ID, o, nil), 200).obj(t)
		if mem["communication_disabled_until"] == nil {
			t.Fatalf("member not timed out: %v", mem)
		}
		for _, at := range []string{"143", "144", "145"} {
			en := auditEntries(t, e, w, "?action_type="+at)
			if len(en) == 0 || str(en[0], "user_id") != w.member.ID || en[0]["options"].(map[string]any)["auto_moderation_rule_name"] != "words" {
				t.Fatalf("audit %s: %v", at, en)
			}
		}
	})

	t.Run("exemptions and bypass", func(t *testing.T) {
		want(t, post(o, w.channelID, "bad owner"), 200) // MANAGE_GUILD bypasses
		want(t, e.call(t, "PATCH", g+"/members/"+w.member.ID, o, map[string]any{"communication_disabled_until": nil}), 200)
		want(t, post(m, str(quiet, "id"), "bad but exempt"), 200)
	})

	t.Run("edit is checked too", func(t *testing.T) {
		msg := want(t, post(m, w.channelID, "harmless"), 200).obj(t)
		wantErr(t, e.call(t, "PATCH", "/channels/"+w.channelID+"/messages/"+str(msg, "id"), m, map[string]any{"content": "now bad"}), 400, 200000)
	})
}
