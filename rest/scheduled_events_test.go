package rest_test

import (
	"testing"
	"time"
)

// TestScheduledEvents drives the scheduled event routes over HTTP: every answer is validated
// against Discord's spec by call.
func TestScheduledEvents(t *testing.T) {
	e := newEnv(t, nil)
	w := e.newWorld(t)
	o, m, b := w.owner.Token, w.member.Token, w.bot.Token
	g := "/guilds/" + w.guildID + "/scheduled-events"
	start := time.Now().Add(time.Hour).UTC().Format(time.RFC3339)
	end := time.Now().Add(2 * time.Hour).UTC().Format(time.RFC3339)
	stage := want(t, e.call(t, "POST", "/guilds/"+w.guildID+"/channels", o, map[string]any{"name": "stage", "type": 13}), 201).obj(t)
	voice := want(t, e.call(t, "POST", "/guilds/"+w.guildID+"/channels", o, map[string]any{"name": "voice", "type": 2}), 201).obj(t)

	external := map[string]any{"name": "Meetup", "privacy_level": 2, "entity_type": 3, "scheduled_start_time": start,
		"scheduled_end_time": end, "entity_metadata": map[string]any{"location": "The park"}, "description": "bring snacks"}
	ev := want(t, e.call(t, "POST", g, b, external), 200).obj(t)
	id := str(ev, "id")
	if ev["status"].(float64) != 1 || ev["entity_metadata"].(map[string]any)["location"] != "The park" || ev["creator"] == nil {
		t.Fatalf("created event: %v", ev)
	}
	st := want(t, e.call(t, "POST", g, b, map[string]any{"name": "Talk", "privacy_level": 2, "entity_type": 1,
		"scheduled_start_time": start, "channel_id": str(stage, "id"),
		"recurrence_rule": map[string]any{"start": start, "frequency": 2, "interval": 2, "by_weekday": []int{2}}}), 200).obj(t)
	if rr, _ := st["recurrence_rule"].(map[string]any); rr == nil || rr["interval"].(float64) != 2 || st["entity_metadata"] != nil {
		t.Fatalf("stage event: %v", st)
	}
	want(t, e.call(t, "POST", g, m, map[string]any{"name": "Hangout", "privacy_level": 2, "entity_type": 2,
		"scheduled_start_time": start, "channel_id": str(voice, "id")}), 200)

	t.Run("validation", func(t *testing.T) {
		bad := []struct {
			name  string
			body  map[string]any
			field string
		}{
			{"external without end", map[string]any{"name": "x", "privacy_level": 2, "entity_type": 3, "scheduled_start_time": start, "entity_metadata": map[string]any{"location": "here"}}, "scheduled_end_time"},
			{"external without location", map[string]any{"name": "x", "privacy_level": 2, "entity_type": 3, "scheduled_start_time": start, "scheduled_end_time": end}, "entity_metadata.location"},
			{"stage without channel", map[string]any{"name": "x", "privacy_level": 2, "entity_type": 1, "scheduled_start_time": start}, "channel_id"},
			{"stage in a voice channel", map[string]any{"name": "x", "privacy_level": 2, "entity_type": 1, "scheduled_start_time": start, "channel_id": str(voice, "id")}, "channel_id"},
			{"public privacy", map[string]any{"name": "x", "privacy_level": 1, "entity_type": 3, "scheduled_start_time": start, "scheduled_end_time": end, "entity_metadata": map[string]any{"location": "here"}}, "privacy_level"},
			{"in the past", map[string]any{"name": "x", "privacy_level": 2, "entity_type": 3, "scheduled_start_time": "2020-01-01T00:00:00Z", "scheduled_end_time": end, "entity_metadata": map[string]any{"location": "here"}}, "scheduled_start_time"},
			{"no name", map[string]any{"privacy_level": 2, "entity_type": 3, "scheduled_start_time": start}, "name"},
			{"daily rule with an odd weekday set", map[string]any{"name": "x", "privacy_level": 2, "entity_type": 1, "scheduled_start_time": start, "channel_id": str(stage, "id"),
				"recurrence_rule": map[string]any{"start": start, "frequency": 3, "by_weekday": []int{0, 2}}}, "recurrence_rule.by_weekday"},
			{"rule with count", map[string]any{"name": "x", "privacy_level": 2, "entity_type": 1, "scheduled_start_time": start, "channel_id": str(stage, "id"),
				"recurrence_rule": map[string]any{"start": start, "frequency": 2, "by_weekday": []int{1}, "count": 3}}, "recurrence_rule.count"},
		}
		for _, tc := range bad {
			fieldErr(t, wantErr(t, e.call(t, "POST", g, b, tc.body), 400, 50035), tc.field)
		}
	})

	t.Run("permissions", func(t *testing.T) {
		outsider := e.register(t, "outsider")
		wantErr(t, e.call(t, "GET", g, outsider.Token, nil), 404, 10004)
		// The member created none of these: modifying or deleting needs MANAGE_EVENTS.
		wantErr(t, e.call(t, "PATCH", g+"/"+id, m, map[string]any{"name": "mine"}), 403, 50013)
		wantErr(t, e.call(t, "DELETE", g+"/"+id, m, nil), 403, 50013)
		// A stage event needs MANAGE_CHANNELS, MUTE_MEMBERS and MOVE_MEMBERS in the channel.
		wantErr(t, e.call(t, "POST", g, m, map[string]any{"name": "x", "privacy_level": 2, "entity_type": 1,
			"scheduled_start_time": start, "channel_id": str(stage, "id")}), 403, 50013)
		wantErr(t, e.call(t, "GET", g+"/1", m, nil), 404, 10070)
	})

	t.Run("read", func(t *testing.T) {
		list := want(t, e.call(t, "GET", g+"?with_user_count=true", m, nil), 200).arr(t)
		if len(list) != 3 || list[0].(map[string]any)["user_count"] == nil {
			t.Fatalf("list: %v", list)
		}
		got := want(t, e.call(t, "GET", g+"/"+id, m, nil), 200).obj(t)
		if _, ok := got["user_count"]; ok {
			t.Fatalf("user_count without with_user_count: %v", got)
		}
	})

	t.Run("subscribers", func(t *testing.T) {
		want(t, e.call(t, "PUT", g+"/"+id+"/users/@me", m, nil), 204)
		want(t, e.call(t, "PUT", g+"/"+id+"/users/@me", o, nil), 204)
		wantErr(t, e.call(t, "PUT", g+"/"+id+"/users/@me", b, nil), 403, 20001)
		us := want(t, e.call(t, "GET", g+"/"+id+"/users?with_member=true", b, nil), 200).arr(t)
		if len(us) != 2 || us[0].(map[string]any)["member"] == nil {
			t.Fatalf("users: %v", us)
		}
		first := str(us[0].(map[string]any)["user"].(map[string]any), "id")
		if after := want(t, e.call(t, "GET", g+"/"+id+"/users?after="+first, b, nil), 200).arr(t); len(after) != 1 {
			t.Fatalf("after: %v", after)
		}
		if lim := want(t, e.call(t, "GET", g+"/"+id+"/users?limit=1", b, nil), 200).arr(t); len(lim) != 1 {
			t.Fatalf("limit: %v", lim)
		}
		wantErr(t, e.call(t, "GET", g+"/"+id+"/users?limit=101", b, nil), 400, 50035)
		c := want(t, e.call(t, "GET", g+"/"+id+"/users/counts", b, nil), 200).obj(t)
		if c["guild_scheduled_event_count"].(float64) != 2 {
			t.Fatalf("counts: %v", c)
		}
		got := want(t, e.call(t, "GET", g+"/"+id+"?with_user_count=true", b, nil), 200).obj(t)
		if got["user_count"].(float64) != 2 {
			t.Fatalf("user_count: %v", got)
		}
		want(t, e.call(t, "DELETE", g+"/"+id+"/users/@me", m, nil), 204)
		wantErr(t, e.call(t, "DELETE", g+"/"+id+"/users/@me", m, nil), 404, 10071)
	})

	t.Run("exceptions", func(t *testing.T) {
		sid := str(st, "id")
		occurrence := time.Now().Add(7 * 24 * time.Hour).UTC().Format(time.RFC3339)
		x := want(t, e.call(t, "POST", g+"/"+sid+"/exceptions", b, map[string]any{"original_scheduled_start_time": occurrence, "is_canceled": true}), 200).obj(t)
		if x["is_canceled"] != true {
			t.Fatalf("exception: %v", x)
		}
		xid := str(x, "event_exception_id")
		want(t, e.call(t, "PATCH", g+"/"+sid+"/exceptions/"+xid, b, map[string]any{"is_canceled": false}), 200)
		if us := want(t, e.call(t, "GET", g+"/"+sid+"/"+xid+"/users", b, nil), 200).arr(t); len(us) != 0 {
			t.Fatalf("exception users: %v", us)
		}
		wantErr(t, e.call(t, "GET", g+"/"+sid+"/1/users", b, nil), 404, 10070)
		wantErr(t, e.call(t, "PATCH", g+"/"+sid+"/exceptions/1", b, map[string]any{"is_canceled": false}), 404, 10070)
		// Exceptions exist only for recurring events.
		fieldErr(t, wantErr(t, e.call(t, "POST", g+"/"+id+"/exceptions", b, map[string]any{"original_scheduled_start_time": occurrence}), 400, 50035), "original_scheduled_start_time")
		wantErr(t, e.call(t, "POST", g+"/"+sid+"/exceptions", m, map[string]any{"original_scheduled_start_time": occurrence}), 403, 50013)
		want(t, e.call(t, "DELETE", g+"/"+sid+"/exceptions/"+xid, b, nil), 204)
		wantErr(t, e.call(t, "DELETE", g+"/"+sid+"/exceptions/"+xid, b, nil), 404, 10070)
	})

	t.Run("status", func(t *testing.T) {
		fieldErr(t, wantErr(t, e.call(t, "PATCH", g+"/"+id, b, map[string]any{"status": 3}), 400, 50035), "status")
		if got := want(t, e.call(t, "PATCH", g+"/"+id, b, map[string]any{"status": 2}), 200).obj(t); got["status"].(float64) != 2 {
			t.Fatalf("active: %v", got)
		}
		fieldErr(t, wantErr(t, e.call(t, "PATCH", g+"/"+id, b, map[string]any{"status": 4}), 400, 50035), "status")
		want(t, e.call(t, "PATCH", g+"/"+id, b, map[string]any{"status": 3}), 200)
		wantErr(t, e.call(t, "PATCH", g+"/"+id, b, map[string]any{"name": "again"}), 400, 180000)
		want(t, e.call(t, "DELETE", g+"/"+id, b, nil), 204)
		wantErr(t, e.call(t, "GET", g+"/"+id, b, nil), 404, 10070)
	})

	t.Run("entity type change", func(t *testing.T) {
		sid := str(st, "id")
		// To EXTERNAL: channel_id must be sent as null, with a location and an end.
		fieldErr(t, wantErr(t, e.call(t, "PATCH", g+"/"+sid, b, map[string]any{"entity_type": 3, "entity_metadata": map[string]any{"location": "x"}, "scheduled_end_time": end}), 400, 50035), "channel_id")
		got := want(t, e.call(t, "PATCH", g+"/"+sid, b, map[string]any{"entity_type": 3, "channel_id": nil,
			"entity_metadata": map[string]any{"location": "Online"}, "scheduled_end_time": end}), 200).obj(t)
		if got["channel_id"] != nil || got["entity_type"].(float64) != 3 {
			t.Fatalf("to external: %v", got)
		}
	})
}
