package gateway

import (
	"context"
	"testing"
	"testing/synctest"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

const (
	iGuildExpressions     = 1 << 3
	iGuildScheduledEvents = 1 << 16
)

// The scheduled event, sticker, stage instance and soundboard events reach sessions with the
// event's intent (GUILD_SCHEDULED_EVENTS, GUILD_EXPRESSIONS, GUILDS) and, for the events the
// domain scopes to a channel (stage and voice scheduled events, stage instances), only those
// who can view the channel.
func TestContentEvents(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dom := standardDomain()
		dom.mu.Lock()
		dom.hidden[[2]snowflake.ID{chanG0, human}] = true
		dom.mu.Unlock()
		ts := newBubbleServer(t, Config{}, dom)
		all := iGuilds | iGuildExpressions | iGuildScheduledEvents
		a := dial(t, ts.url, dialOpt{}) // every intent, sees the channel
		a.hello()
		a.identify("tokA", all, "")
		hidden := dial(t, ts.url, dialOpt{}) // every intent, cannot view chanG0
		hidden.hello()
		hidden.identify("tokH", all, "")
		none := dial(t, ts.url, dialOpt{}) // none of the three intents
		none.hello()
		none.identify("tokB", iGuildMessages, "")
		ctx := context.Background()

		ev := opcodes.ScheduledEvent{ID: 9, GuildID: guild0, ChannelID: ptr(chanG0), Name: "Talk", Status: 1, EntityType: 1, PrivacyLevel: 2}
		for _, name := range []opcodes.EventName{opcodes.EventScheduledEventCreate, opcodes.EventScheduledEventUpdate, opcodes.EventScheduledEventDelete} {
			ts.srv.publish(ctx, events.Event{Name: name, GuildID: guild0, ChannelID: chanG0}, ev)
			if d := a.expectDispatch(string(name)).data(t); d["name"] != "Talk" {
				t.Fatalf("%s: %v", name, d)
			}
		}
		for _, name := range []opcodes.EventName{opcodes.EventScheduledEventUserAdd, opcodes.EventScheduledEventUserRemove} {
			ts.srv.publish(ctx, events.Event{Name: name, GuildID: guild0, ChannelID: chanG0},
				opcodes.ScheduledEventUserEvent{GuildScheduledEventID: 9, UserID: human, GuildID: guild0})
			if d := a.expectDispatch(string(name)).data(t); d["guild_scheduled_event_id"] != "9" {
				t.Fatalf("%s: %v", name, d)
			}
		}
		si := opcodes.StageInstance{ID: 4, GuildID: guild0, ChannelID: chanG0, Topic: "Live", PrivacyLevel: 2}
		for _, name := range []opcodes.EventName{opcodes.EventStageInstanceCreate, opcodes.EventStageInstanceUpdate, opcodes.EventStageInstanceDelete} {
			ts.srv.publish(ctx, events.Event{Name: name, GuildID: guild0, ChannelID: chanG0}, si)
			if d := a.expectDispatch(string(name)).data(t); d["topic"] != "Live" {
				t.Fatalf("%s: %v", name, d)
			}
		}
		hidden.expectNothing() // every event so far was scoped to a channel it cannot view
		none.expectNothing()

		// External events (no channel) and expressions reach every member with the intent.
		ext := opcodes.ScheduledEvent{ID: 10, GuildID: guild0, Name: "Meetup", Status: 1, EntityType: 3, PrivacyLevel: 2}
		ts.srv.publish(ctx, events.Event{Name: opcodes.EventScheduledEventCreate, GuildID: guild0}, ext)
		ts.srv.publish(ctx, events.Event{Name: opcodes.EventGuildStickersUpdate, GuildID: guild0},
			opcodes.GuildStickersUpdate{GuildID: guild0, Stickers: []opcodes.Sticker{{ID: 3, Name: "wave", Tags: "wave", Type: 2, FormatType: 1}}})
		snd := opcodes.SoundboardSound{Name: "honk", SoundID: 6, Volume: 1, GuildID: ptr(guild0), Available: true}
		ts.srv.publish(ctx, events.Event{Name: opcodes.EventSoundboardSoundCreate, GuildID: guild0}, snd)
		ts.srv.publish(ctx, events.Event{Name: opcodes.EventSoundboardSoundUpdate, GuildID: guild0}, snd)
		ts.srv.publish(ctx, events.Event{Name: opcodes.EventSoundboardSoundDelete, GuildID: guild0},
			opcodes.SoundboardSoundDelete{SoundID: 6, GuildID: guild0})
		for _, s := range []*client{a, hidden} {
			if d := s.expectDispatch("GUILD_SCHEDULED_EVENT_CREATE").data(t); d["name"] != "Meetup" {
				t.Fatalf("external event: %v", d)
			}
			if d := s.expectDispatch("GUILD_STICKERS_UPDATE").data(t); len(d["stickers"].([]any)) != 1 {
				t.Fatalf("stickers: %v", d)
			}
			s.expectDispatch("GUILD_SOUNDBOARD_SOUND_CREATE")
			s.expectDispatch("GUILD_SOUNDBOARD_SOUND_UPDATE")
			if d := s.expectDispatch("GUILD_SOUNDBOARD_SOUND_DELETE").data(t); d["sound_id"] != "6" {
				t.Fatalf("sound delete: %v", d)
			}
		}
		none.expectNothing()
	})
}
