package guilds_test

import (
	"encoding/json"
	"testing"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

func (f *fixture) voiceChannel(name string, typ, limit int) snowflake.ID {
	f.t.Helper()
	ch, err := f.svc.CreateChannel(f.ctx, f.owner, f.guild.ID, guilds.ChannelParams{Name: &name, Type: &typ, UserLimit: &limit})
	if err != nil {
		f.t.Fatalf("create voice channel: %v", err)
	}
	return ch.ID
}

func (f *fixture) join(user snowflake.ID, channel *snowflake.ID) (*opcodes.VoiceServerUpdate, error) {
	return f.svc.UpdateVoiceState(f.ctx, user, "sess-"+user.String(), opcodes.VoiceStateUpdateData{GuildID: f.guild.ID, ChannelID: channel, SelfMute: true})
}

func TestVoiceJoinLeave(t *testing.T) {
	f := newFixture(t)
	a, b := f.member("alice"), f.member("bob")
	vc := f.voiceChannel("Lounge", 2, 1)

	srv, err := f.join(a, &vc)
	if err != nil || srv == nil || srv.Endpoint != nil || srv.Token == "" || srv.GuildID != f.guild.ID {
		t.Fatalf("join: %+v, %v", srv, err)
	}
	evs := f.rec.named(opcodes.EventVoiceStateUpdate)
	if len(evs) != 1 || evs[0].GuildID != f.guild.ID || evs[0].ChannelID != 0 || len(evs[0].UserIDs) != 0 {
		t.Fatalf("VOICE_STATE_UPDATE scope: %+v", evs)
	}
	vs := eventData[opcodes.VoiceState](t, evs[0])
	if vs.ChannelID == nil || *vs.ChannelID != vc || vs.UserID != a || !vs.SelfMute || vs.Member == nil || vs.SessionID != "sess-"+a.String() {
		t.Fatalf("d = %+v", vs)
	}
	// A mute toggle in the same channel keeps the voice connection: no new server update.
	if srv, err := f.join(a, &vc); err != nil || srv != nil {
		t.Fatalf("same channel again: %+v, %v", srv, err)
	}
	// user_limit 1: bob is refused, the owner (MOVE_MEMBERS) is not.
	if _, err := f.join(b, &vc); err != guilds.ErrVoiceChannelFull {
		t.Fatalf("full channel: %v", err)
	}
	if _, err := f.join(f.owner, &vc); err != nil {
		t.Fatalf("owner bypasses the limit: %v", err)
	}
	// Not a voice channel.
	if _, err := f.join(b, &f.chID); err != guilds.ErrUnknownChannel {
		t.Fatalf("text channel: %v", err)
	}
	// Without CONNECT.
	everyone := opcodes.PermDefaultEveryone &^ opcodes.PermConnect
	if _, err := f.svc.ModifyRole(f.ctx, f.owner, f.guild.ID, f.guild.ID, guilds.RoleParams{Permissions: &everyone}); err != nil {
		t.Fatal(err)
	}
	other := f.voiceChannel("Other", 2, 0)
	if _, err := f.join(b, &other); err != guilds.ErrMissingPermissions {
		t.Fatalf("without CONNECT: %v", err)
	}
	gc, err := f.svc.GuildCreate(f.ctx, f.guild.ID, b, 50, false)
	if err != nil || len(gc.VoiceStates) != 2 || gc.VoiceStates[0].GuildID != nil {
		t.Fatalf("GUILD_CREATE voice_states: %+v, %v", gc.VoiceStates, err)
	}

	before := len(f.rec.named(opcodes.EventVoiceStateUpdate))
	if err := f.svc.EndVoiceSession(f.ctx, "sess-"+a.String()); err != nil {
		t.Fatal(err)
	}
	evs = f.rec.named(opcodes.EventVoiceStateUpdate)
	if len(evs) != before+1 {
		t.Fatalf("session end published %d events", len(evs)-before)
	}
	left := eventData[map[string]any](t, evs[len(evs)-1])
	if v, ok := left["channel_id"]; !ok || v != nil || left["user_id"] != a.String() {
		t.Fatalf("leave d = %v", left)
	}
	if _, err := f.svc.VoiceState(f.ctx, f.owner, f.guild.ID, a); err != guilds.ErrUnknownVoiceState {
		t.Fatalf("after session end: %v", err)
	}
}

func TestIntegrationEvents(t *testing.T) {
	f := newFixture(t)
	app, _ := f.bot("helper", opcodes.PermSendMessages)
	for _, name := range []opcodes.EventName{opcodes.EventIntegrationCreate, opcodes.EventGuildIntegrationsUpdate} {
		evs := f.rec.named(name)
		if len(evs) != 1 || evs[0].GuildID != f.guild.ID {
			t.Fatalf("%s after authorize: %+v", name, evs)
		}
	}
	in := eventData[opcodes.Integration](t, f.rec.named(opcodes.EventIntegrationCreate)[0])
	if in.ID != app || in.Type != "discord" || in.GuildID != f.guild.ID || in.Application == nil || in.Application.Bot == nil {
		t.Fatalf("INTEGRATION_CREATE d = %+v", in)
	}
	member := f.member("mallory")
	if err := f.svc.DeleteIntegration(f.ctx, member, f.guild.ID, app); err != guilds.ErrMissingPermissions {
		t.Fatalf("member deletes integration: %v", err)
	}
	if err := f.svc.DeleteIntegration(f.ctx, f.owner, f.guild.ID, member); err != guilds.ErrUnknownIntegration {
		t.Fatalf("a human is no integration: %v", err)
	}
	if err := f.svc.DeleteIntegration(f.ctx, f.owner, f.guild.ID, app); err != nil {
		t.Fatal(err)
	}
	del := f.rec.named(opcodes.EventIntegrationDelete)
	if len(del) != 1 || del[0].GuildID != f.guild.ID {
		t.Fatalf("INTEGRATION_DELETE: %+v", del)
	}
	if d := eventData[opcodes.IntegrationDelete](t, del[0]); d.ID != app || d.ApplicationID == nil || *d.ApplicationID != app {
		t.Fatalf("INTEGRATION_DELETE d = %+v", d)
	}
	if n := len(f.rec.named(opcodes.EventGuildIntegrationsUpdate)); n != 2 {
		t.Fatalf("GUILD_INTEGRATIONS_UPDATE count %d", n)
	}
	if n := len(f.rec.named(opcodes.EventGuildRoleDelete)); n != 1 {
		t.Fatalf("managed role delete events %d", n)
	}
}

func FuzzRoleList(f *testing.F) {
	for _, s := range []string{`"1,2,3"`, `["1","2"]`, `""`, `null`, `[1]`, `"a,b"`, `{}`} {
		f.Add([]byte(s))
	}
	f.Fuzz(func(t *testing.T, b []byte) {
		var l guilds.RoleList
		if err := json.Unmarshal(b, &l); err != nil {
			return
		}
		for _, id := range l {
			if _, err := snowflake.Parse(id.String()); err != nil {
				t.Fatalf("decoded an unprintable ID %d from %q", id, b)
			}
		}
	})
}
