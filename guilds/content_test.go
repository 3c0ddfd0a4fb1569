package guilds_test

import (
	"encoding/base64"
	"errors"
	"testing"
	"time"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
)

// The content areas publish their events with the scope the gateway needs: the guild for
// expressions and external events, the channel for stage and voice events and stage
// instances, with Discord's d shapes.
func TestContentEventScopes(t *testing.T) {
	f := newFixture(t)
	g := f.guild.ID
	name, typ := "stage", int(opcodes.ChannelGuildStageVoice)
	stage, err := f.svc.CreateChannel(f.ctx, f.owner, g, guilds.ChannelParams{Name: &name, Type: &typ})
	if err != nil {
		t.Fatal(err)
	}
	evName, privacy, entity := "Talk", 2, opcodes.EntityStageInstance
	start := opcodes.NewTimestamp(time.Now().Add(time.Hour))
	mark := bwMark(f)
	ev, err := f.svc.CreateScheduledEvent(f.ctx, f.owner, g, guilds.ScheduledEventParams{Name: &evName, PrivacyLevel: &privacy,
		EntityType: &entity, ScheduledStartTime: &start, ChannelID: opcodes.Some(stage.ID)})
	if err != nil {
		t.Fatalf("create event: %v", err)
	}
	e := bwOneEvent(t, f, mark, opcodes.EventScheduledEventCreate)
	if e.GuildID != g || e.ChannelID != stage.ID || eventData[opcodes.ScheduledEvent](t, e).ID != ev.ID {
		t.Fatalf("GUILD_SCHEDULED_EVENT_CREATE scope %+v", e)
	}

	mark = bwMark(f)
	member := f.user("member")
	if err := f.svc.SubscribeScheduledEvent(f.ctx, member, g, ev.ID); !errors.Is(err, guilds.ErrMissingAccess) && !errors.Is(err, guilds.ErrUnknownGuild) {
		t.Fatalf("outsider subscribe: %v", err)
	}
	if err := f.svc.SubscribeScheduledEvent(f.ctx, f.owner, g, ev.ID); err != nil {
		t.Fatal(err)
	}
	e = bwOneEvent(t, f, mark, opcodes.EventScheduledEventUserAdd)
	if d := eventData[opcodes.ScheduledEventUserEvent](t, e); e.ChannelID != stage.ID || d.UserID != f.owner || d.GuildID != g {
		t.Fatalf("USER_ADD %+v %+v", e, d)
	}

	mark = bwMark(f)
	si, err := f.svc.CreateStageInstance(f.ctx, f.owner, guilds.CreateStageInstanceParams{ChannelID: stage.ID, Topic: &evName, GuildScheduledEventID: ev.ID})
	if err != nil {
		t.Fatal(err)
	}
	e = bwOneEvent(t, f, mark, opcodes.EventStageInstanceCreate)
	if e.GuildID != g || e.ChannelID != stage.ID || eventData[opcodes.StageInstance](t, e).ID != si.ID {
		t.Fatalf("STAGE_INSTANCE_CREATE scope %+v", e)
	}
	if u := eventData[opcodes.ScheduledEvent](t, bwOneEvent(t, f, mark, opcodes.EventScheduledEventUpdate)); u.Status != opcodes.EventStatusActive {
		t.Fatalf("event not started by its stage: %+v", u)
	}

	mark = bwMark(f)
	snd := "honk"
	mp3 := "data:audio/mpeg;base64," + base64.StdEncoding.EncodeToString([]byte("ID3\x04\x00\x00\x00"))
	s, err := f.svc.CreateSound(f.ctx, f.owner, g, guilds.SoundParams{Name: &snd, Sound: mp3})
	if err != nil {
		t.Fatal(err)
	}
	e = bwOneEvent(t, f, mark, opcodes.EventSoundboardSoundCreate)
	if e.GuildID != g || e.ChannelID != 0 || eventData[opcodes.SoundboardSound](t, e).SoundID != s.SoundID {
		t.Fatalf("GUILD_SOUNDBOARD_SOUND_CREATE scope %+v", e)
	}
	mark = bwMark(f)
	if err := f.svc.DeleteSound(f.ctx, f.owner, g, s.SoundID); err != nil {
		t.Fatal(err)
	}
	if d := eventData[opcodes.SoundboardSoundDelete](t, bwOneEvent(t, f, mark, opcodes.EventSoundboardSoundDelete)); d.SoundID != s.SoundID {
		t.Fatalf("sound delete %+v", d)
	}

	mark = bwMark(f)
	if err := f.svc.DeleteScheduledEvent(f.ctx, f.owner, g, ev.ID); err != nil {
		t.Fatal(err)
	}
	if d := eventData[opcodes.ScheduledEvent](t, bwOneEvent(t, f, mark, opcodes.EventScheduledEventDelete)); d.ID != ev.ID {
		t.Fatalf("delete %+v", d)
	}
	gc, err := f.svc.GuildCreate(f.ctx, g, f.owner, 50, false)
	if err != nil || len(gc.StageInstances) != 1 || len(gc.GuildScheduledEvents) != 0 || gc.SoundboardSounds == nil {
		t.Fatalf("GUILD_CREATE lists: %+v %+v %v", gc.StageInstances, gc.GuildScheduledEvents, err)
	}
}
