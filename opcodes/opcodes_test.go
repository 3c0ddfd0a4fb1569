package opcodes

import (
	"encoding/json"
	"testing"
	"time"
)

func TestCloseCodeReconnectable(t *testing.T) {
	fatal := map[CloseCode]bool{4004: true, 4010: true, 4011: true, 4012: true, 4013: true, 4014: true}
	for c := CloseCode(4000); c <= 4014; c++ {
		if got := c.Reconnectable(); got == fatal[c] {
			t.Errorf("%d.Reconnectable() = %v, want %v", c, got, !fatal[c])
		}
	}
}

func TestIntents(t *testing.T) {
	// Discord documents the sum of every intent as 53608447 (bits 17-19 and 22-23 unused);
	// IntentsAll is built from the named bits, so a missing or misnumbered one shows here.
	if IntentsAll != 53608447 {
		t.Fatalf("IntentsAll = %d, want Discord's documented sum 53608447 (diff %b)", IntentsAll, IntentsAll^53608447)
	}
	if IntentsDefault != 53575421 {
		t.Fatalf("IntentsDefault = %d, want Discord's non-privileged sum 53575421", IntentsDefault)
	}
	if AllowedIntents(0).Has(IntentMessageContent) || !AllowedIntents(AppFlagGatewayMessageContentLimited).Has(IntentMessageContent) {
		t.Fatal("MESSAGE_CONTENT allowance does not follow the application flag")
	}
	tests := []struct {
		ev   EventName
		dm   bool
		want Intents
		ok   bool
	}{
		{EventMessageCreate, false, IntentGuildMessages, true},
		{EventMessageCreate, true, IntentDirectMessages, true},
		{EventTypingStart, true, IntentDirectMessageTyping, true},
		{EventGuildBanAdd, false, IntentGuildModeration, true},
		{EventGuildAuditLogEntryCreate, false, IntentGuildModeration, true},
		{EventAutoModRuleCreate, false, IntentAutoModerationConfiguration, true},
		{EventAutoModRuleUpdate, false, IntentAutoModerationConfiguration, true},
		{EventAutoModRuleDelete, false, IntentAutoModerationConfiguration, true},
		{EventAutoModActionExecution, false, IntentAutoModerationExecution, true},
		{EventIntegrationCreate, false, IntentGuildIntegrations, true},
		{EventIntegrationUpdate, false, IntentGuildIntegrations, true},
		{EventIntegrationDelete, false, IntentGuildIntegrations, true},
		{EventGuildIntegrationsUpdate, false, IntentGuildIntegrations, true},
		{EventVoiceStateUpdate, false, IntentGuildVoiceStates, true},
		{EventVoiceServerUpdate, false, 0, false},
		{EventReady, false, 0, false},
		{EventUserUpdate, false, 0, false},
		{EventApplicationCommandPermissionsUpdate, false, 0, false}, // sent regardless of intents
		{EventInteractionCreate, false, 0, false},
		{EventThreadCreate, false, IntentGuilds, true},
		{EventThreadUpdate, false, IntentGuilds, true},
		{EventThreadDelete, false, IntentGuilds, true},
		{EventThreadListSync, false, IntentGuilds, true},
		{EventThreadMemberUpdate, false, IntentGuilds, true},
		{EventThreadMembersUpdate, false, IntentGuilds, true}, // others' changes also need GUILD_MEMBERS (gateway)
		{EventInteractionSuccess, false, 0, false},
		{EventInteractionFailure, false, 0, false},
		{EventInteractionModalCreate, false, 0, false},
		{EventApplicationCommandAutocompleteResponse, false, 0, false},
		{EventGuildStickersUpdate, false, IntentGuildExpressions, true},
		{EventSoundboardSoundCreate, false, IntentGuildExpressions, true},
		{EventSoundboardSoundUpdate, false, IntentGuildExpressions, true},
		{EventSoundboardSoundDelete, false, IntentGuildExpressions, true},
		{EventSoundboardSoundsUpdate, false, IntentGuildExpressions, true},
		{EventScheduledEventCreate, false, IntentGuildScheduledEvents, true},
		{EventScheduledEventUpdate, false, IntentGuildScheduledEvents, true},
		{EventScheduledEventDelete, false, IntentGuildScheduledEvents, true},
		{EventScheduledEventUserAdd, false, IntentGuildScheduledEvents, true},
		{EventScheduledEventUserRemove, false, IntentGuildScheduledEvents, true},
		{EventStageInstanceCreate, false, IntentGuilds, true},
		{EventStageInstanceUpdate, false, IntentGuilds, true},
		{EventStageInstanceDelete, false, IntentGuilds, true},
	}
	for _, tt := range tests {
		got, ok := EventIntent(tt.ev, tt.dm)
		if got != tt.want || ok != tt.ok {
			t.Errorf("EventIntent(%s, %v) = %d, %v; want %d, %v", tt.ev, tt.dm, got, ok, tt.want, tt.ok)
		}
	}
}

func TestWireForms(t *testing.T) {
	ts := NewTimestamp(time.Date(2017, 7, 11, 17, 27, 7, 299000000, time.UTC))
	b, _ := json.Marshal(ts)
	if string(b) != `"2017-07-11T17:27:07.299000+00:00"` {
		t.Errorf("timestamp = %s", b)
	}
	b, _ = json.Marshal(Permissions(66321471))
	if string(b) != `"66321471"` {
		t.Errorf("permissions = %s", b)
	}
	var p Permissions
	for _, in := range []string{`"8"`, `8`} {
		if err := json.Unmarshal([]byte(in), &p); err != nil || p != 8 {
			t.Errorf("unmarshal %s = %d, %v", in, p, err)
		}
	}
	if err := json.Unmarshal([]byte(`"x"`), &p); err == nil {
		t.Error("permissions accepted a non-number")
	}
	var d IdentifyData
	for in, want := range map[string]bool{`true`: true, `false`: false, `"zlib-stream"`: true, `""`: false, `1`: false} {
		d.Compress = json.RawMessage(in)
		if got := d.WantsPayloadCompression(); got != want {
			t.Errorf("compress %s → %v, want %v", in, got, want)
		}
	}
	// Payload always carries all four keys.
	b, _ = json.Marshal(Payload{Op: HeartbeatAck, D: json.RawMessage("null")})
	if string(b) != `{"op":11,"d":null,"s":null,"t":null}` {
		t.Errorf("payload = %s", b)
	}
}

func FuzzPermissions(f *testing.F) {
	for _, s := range []string{`"8"`, `8`, `null`, `"18446744073709551615"`, `"-1"`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var p Permissions
		if err := p.UnmarshalJSON(b); err != nil {
			return
		}
		out, _ := p.MarshalJSON()
		var back Permissions
		if err := back.UnmarshalJSON(out); err != nil || back != p {
			t.Fatalf("round trip %s → %s → %d", b, out, back)
		}
	})
}

func FuzzTimestamp(f *testing.F) {
	for _, s := range []string{`"2017-07-11T17:27:07.299000+00:00"`, `"2017-07-11T17:27:07Z"`, `null`, `""`, `1`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var ts Timestamp
		if err := ts.UnmarshalJSON(b); err != nil || ts.IsZero() {
			return
		}
		out, _ := ts.MarshalJSON()
		var back Timestamp
		if err := back.UnmarshalJSON(out); err != nil || !back.Equal(ts.Truncate(time.Microsecond)) {
			t.Fatalf("round trip %s → %s → %v (%v)", b, out, back, err)
		}
	})
}

func TestNullable(t *testing.T) {
	var body struct {
		A Nullable[string] `json:"a"`
		B Nullable[string] `json:"b"`
		C Nullable[int]    `json:"c"`
	}
	if err := json.Unmarshal([]byte(`{"a":null,"c":5}`), &body); err != nil {
		t.Fatal(err)
	}
	if !body.A.Set || !body.A.Null || body.A.Ptr() != nil {
		t.Errorf("a = %+v, want present and null", body.A)
	}
	if body.B.Set {
		t.Errorf("b = %+v, want absent", body.B)
	}
	if !body.C.Set || body.C.Null || *body.C.Ptr() != 5 {
		t.Errorf("c = %+v, want 5", body.C)
	}
	var ue *json.UnmarshalTypeError
	err := json.Unmarshal([]byte(`{"c":"x"}`), &body)
	if !errorsAs(err, &ue) || ue.Field != "c" {
		t.Errorf("wrong type: err = %v, want an UnmarshalTypeError on c", err)
	}
}

func errorsAs(err error, target **json.UnmarshalTypeError) bool {
	e, ok := err.(*json.UnmarshalTypeError)
	if ok {
		*target = e
	}
	return ok
}
