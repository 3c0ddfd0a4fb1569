package gateway

import (
	"context"
	"slices"
	"testing"
	"testing/synctest"

	"github.com/gorilla/websocket"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
)

const (
	iGuildIntegrations = 1 << 4
	iGuildVoiceStates  = 1 << 7
)

// Op 4 goes to the domain; a join answers the joining session alone with VOICE_SERVER_UPDATE
// (endpoint null), a refused join and a leave answer nothing, and the session's end drops its
// voice states.
func TestVoiceServerUpdate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dom := standardDomain()
		ts := newBubbleServer(t, Config{}, dom)
		a := dial(t, ts.url, dialOpt{})
		a.hello()
		sid := sessionID(t, a.identify("tokA", iBasic, ""))
		b := dial(t, ts.url, dialOpt{})
		b.hello()
		b.identify("tokB", iBasic, "")

		a.sendf(`{"op":4,"d":{"guild_id":"%s","channel_id":"%d","self_mute":false,"self_deaf":true}}`, guild0, chanG0)
		v := a.expectDispatch("VOICE_SERVER_UPDATE").data(t)
		if v["guild_id"] != guild0.String() || v["token"] != "vtok" {
			t.Fatalf("d = %v", v)
		}
		if ep, ok := v["endpoint"]; !ok || ep != nil {
			t.Fatalf("endpoint = %v, want null", v)
		}
		b.expectNothing() // another session of another user gets no server update

		a.sendf(`{"op":4,"d":{"guild_id":"%s","channel_id":"%d","self_mute":false,"self_deaf":false}}`, guild0, chanG1)
		a.sendf(`{"op":4,"d":{"guild_id":"%s","channel_id":null,"self_mute":false,"self_deaf":false}}`, guild0)
		a.sendf(`{"op":4,"d":{"guild_id":"%d","channel_id":"%d","self_mute":false,"self_deaf":false}}`, 999<<22, chanG0)
		a.expectNothing() // refused, left, and a guild the session is not in (not even asked)
		joins, _ := dom.voiceCalls()
		if len(joins) != 3 || joins[1].ChannelID == nil || *joins[1].ChannelID != chanG1 || joins[2].ChannelID != nil {
			t.Fatalf("domain saw %+v", joins)
		}

		_ = a.ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(1000, "bye"))
		synctest.Wait()
		if _, ended := dom.voiceCalls(); !slices.Equal(ended, []string{sid}) {
			t.Fatalf("ended voice sessions %v, want [%s]", ended, sid)
		}
	})
}

// A session that never joined voice costs its end no voice call.
func TestVoiceNotJoinedNoEnd(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dom := standardDomain()
		ts := newBubbleServer(t, Config{}, dom)
		a := dial(t, ts.url, dialOpt{})
		a.hello()
		a.identify("tokA", iBasic, "")
		_ = a.ws.WriteMessage(websocket.CloseMessage, websocket.FormatCloseMessage(1000, "bye"))
		synctest.Wait()
		if _, ended := dom.voiceCalls(); len(ended) != 0 {
			t.Fatalf("ended voice sessions %v", ended)
		}
	})
}

// VOICE_STATE_UPDATE and the integration events reach sessions with their intent only.
func TestVoiceAndIntegrationIntents(t *testing.T) {
	cases := []struct {
		ev     opcodes.EventName
		intent int
		d      any
	}{
		{opcodes.EventVoiceStateUpdate, iGuildVoiceStates, opcodes.VoiceState{UserID: human, SessionID: "s"}},
		{opcodes.EventIntegrationCreate, iGuildIntegrations, opcodes.Integration{ID: 5, Type: "discord", GuildID: guild0, Scopes: []string{"bot"}}},
		{opcodes.EventIntegrationUpdate, iGuildIntegrations, opcodes.Integration{ID: 5, Type: "discord", GuildID: guild0, Scopes: []string{"bot"}}},
		{opcodes.EventIntegrationDelete, iGuildIntegrations, opcodes.IntegrationDelete{ID: 5, GuildID: guild0}},
		{opcodes.EventGuildIntegrationsUpdate, iGuildIntegrations, opcodes.GuildIntegrationsUpdate{GuildID: guild0}},
	}
	for _, tc := range cases {
		t.Run(string(tc.ev), func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ts := newBubbleServer(t, Config{}, standardDomain())
				with := dial(t, ts.url, dialOpt{})
				with.hello()
				with.identify("tokA", iBasic|tc.intent, "")
				without := dial(t, ts.url, dialOpt{})
				without.hello()
				without.identify("tokB", iBasic, "")
				ts.srv.publish(context.Background(), events.Event{Name: tc.ev, GuildID: guild0}, tc.d)
				got := with.expectDispatch(string(tc.ev)).data(t)
				if len(got) == 0 {
					t.Fatalf("empty d")
				}
				without.expectNothing()
			})
		})
	}
}
