package guilds_test

import (
	"context"
	"encoding/json"
	"sync"
	"testing"
	"testing/synctest"
	"time"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// componentRows is a message's components: a button, a disabled button, a string select
// (1–2 of a, b) and a user select.
const componentRows = `[
 {"type":1,"components":[{"type":2,"style":1,"label":"Go","custom_id":"go"},{"type":2,"style":2,"label":"No","custom_id":"off","disabled":true},
   {"type":2,"style":5,"label":"Web","url":"https://example.com"}]},
 {"type":1,"components":[{"type":3,"custom_id":"pick","min_values":1,"max_values":2,"options":[{"label":"A","value":"a"},{"label":"B","value":"b"}]}]},
 {"type":1,"components":[{"type":5,"custom_id":"who"}]}]`

func rawComponents(t *testing.T, s string) []json.RawMessage {
	t.Helper()
	var out []json.RawMessage
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// typedComponents decodes s as a message's (or modal's) components.
func typedComponents(t *testing.T, s string) []opcodes.Component {
	t.Helper()
	var out []opcodes.Component
	if err := json.Unmarshal([]byte(s), &out); err != nil {
		t.Fatal(err)
	}
	return out
}

// componentMessage posts the app's reply carrying componentRows and returns it.
func (f *interactionFixture) componentMessage(t *testing.T, flags int) opcodes.Message {
	t.Helper()
	in := f.invoke(t, f.member, f.params(strOpt("text", "x")))
	cb := callback(opcodes.CallbackChannelMessageWithSource, "choose", flags)
	cb.Data.Components = typedComponents(t, componentRows)
	return *f.answer(t, in, cb).Resource.Message
}

func (f *interactionFixture) click(msgID snowflake.ID, customID string, ctype int, values ...string) guilds.InteractionParams {
	return guilds.InteractionParams{Type: opcodes.InteractionMessageComponent, ApplicationID: f.app, GuildID: f.guild.ID,
		ChannelID: f.chID, MessageID: msgID, Nonce: "c1",
		Data: guilds.InteractionDataParams{CustomID: customID, ComponentType: ctype, Values: values}}
}

func TestComponentClick(t *testing.T) {
	f := newInteractionFixture(t)
	msg := f.componentMessage(t, 0)
	in := f.invoke(t, f.member, f.click(msg.ID, "go", 2))
	if in.Type != opcodes.InteractionMessageComponent || in.Message == nil || in.Message.ID != msg.ID ||
		in.Data.CustomID != "go" || in.Data.ComponentType != 2 || in.Data.ID != 0 || in.Data.Values != nil {
		t.Fatalf("click = %+v / %+v", in, in.Data)
	}
	// 7 edits the component's message.
	mark := bwMark(f.fixture)
	upd := callback(opcodes.CallbackUpdateMessage, "chosen", 0)
	upd.Data.Components = []opcodes.Component{}
	res := f.answer(t, in, upd)
	if m := res.Resource.Message; m.ID != msg.ID || m.Content != "chosen" || len(m.Components) != 0 {
		t.Fatalf("update = %+v", m)
	}
	if ev := bwOneEvent(t, f.fixture, mark, opcodes.EventMessageUpdate); ev.GuildID != f.guild.ID || len(ev.UserIDs) != 0 {
		t.Fatalf("MESSAGE_UPDATE scope = %+v", ev)
	}
	// @original of a click answered with 7 is the component's message.
	if m, err := f.svc.WebhookMessage(f.ctx, f.app, in.Token, 0); err != nil || m.ID != msg.ID {
		t.Fatalf("@original = %+v, %v", m, err)
	}
	// The components are gone now: a click on them is refused.
	wantValidation(t, f.svc.CreateInteraction(f.ctx, f.member, f.click(msg.ID, "go", 2)), "data.custom_id")

	// Selects: values within the options and counts; entity selects are resolved.
	msg = f.componentMessage(t, 0)
	in = f.invoke(t, f.member, f.click(msg.ID, "pick", 3, "a", "b"))
	if len(in.Data.Values) != 2 {
		t.Fatalf("select values = %v", in.Data.Values)
	}
	// 6 defers; a reply (4) to a click is a reply to its message.
	if res := f.answer(t, in, guilds.InteractionCallbackParams{Type: opcodes.CallbackDeferredUpdateMessage}); res.Interaction.ResponseMessageID != msg.ID {
		t.Fatalf("deferred update = %+v", res.Interaction)
	}
	in = f.invoke(t, f.member, f.click(msg.ID, "who", 5, f.owner.String()))
	if in.Data.Resolved == nil || in.Data.Resolved.Users[f.owner].ID != f.owner {
		t.Fatalf("user select resolved = %+v", in.Data.Resolved)
	}
	reply := f.answer(t, in, callback(opcodes.CallbackChannelMessageWithSource, "ok", 0)).Resource.Message
	if reply.Type != opcodes.MessageReply || reply.MessageReference == nil || *reply.MessageReference.MessageID != msg.ID ||
		reply.InteractionMetadata.InteractedMessageID != msg.ID || reply.InteractionMetadata.Type != opcodes.InteractionMessageComponent {
		t.Fatalf("reply to a click = %+v / %+v", reply, reply.InteractionMetadata)
	}

	foreign := bwPost(f.fixture, f.owner, f.chID, "not the app's")
	cases := []struct {
		name  string
		p     guilds.InteractionParams
		err   error
		field string
	}{
		{"disabled", f.click(msg.ID, "off", 2), nil, "data.custom_id"},
		{"unknown custom_id", f.click(msg.ID, "nope", 2), nil, "data.custom_id"},
		{"wrong component type", f.click(msg.ID, "go", 3), nil, "data.component_type"},
		{"value not an option", f.click(msg.ID, "pick", 3, "z"), nil, "data.values.0"},
		{"too many values", f.click(msg.ID, "pick", 3, "a", "b", "a"), nil, "data.values"},
		{"too few values", f.click(msg.ID, "pick", 3), nil, "data.values"},
		{"unknown user", f.click(msg.ID, "who", 5, "12345"), nil, "data.values.0"},
		{"values on a button", f.click(msg.ID, "go", 2, "a"), nil, "data.values"},
		{"no message", f.click(0, "go", 2), nil, "message_id"},
		{"unknown message", f.click(msg.ID+1, "go", 2), guilds.ErrUnknownMessage, ""},
		{"another author's message", f.click(foreign, "go", 2), guilds.ErrUnknownMessage, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := f.svc.CreateInteraction(f.ctx, f.member, c.p)
			if c.field != "" {
				wantValidation(t, err, c.field)
			} else {
				wantErr(t, err, c.err)
			}
		})
	}
	// A member who cannot see the channel cannot click.
	bwEveryone(f.fixture, opcodes.PermSendMessages)
	wantErr(t, f.svc.CreateInteraction(f.ctx, f.member, f.click(msg.ID, "go", 2)), guilds.ErrMissingAccess)
}

func TestComponentOnEphemeralMessage(t *testing.T) {
	f := newInteractionFixture(t)
	msg := f.componentMessage(t, opcodes.MessageFlagEphemeral)
	other := f.member
	owner := f.owner
	// Only the user who sees the ephemeral message can click on it.
	wantErr(t, f.svc.CreateInteraction(f.ctx, owner, f.click(msg.ID, "go", 2)), guilds.ErrUnknownMessage)
	in := f.invoke(t, other, f.click(msg.ID, "go", 2))
	mark := bwMark(f.fixture)
	upd := callback(opcodes.CallbackUpdateMessage, "clicked", 0)
	m := f.answer(t, in, upd).Resource.Message
	if m.ID != msg.ID || m.Content != "clicked" || m.Flags&opcodes.MessageFlagEphemeral == 0 {
		t.Fatalf("ephemeral update = %+v", m)
	}
	onlyTo(t, bwOneEvent(t, f.fixture, mark, opcodes.EventMessageUpdate), other)
}

func TestModal(t *testing.T) {
	f := newInteractionFixture(t)
	in := f.invoke(t, f.member, f.params(strOpt("text", "x")))
	modal := func(custom, title string, comps string) guilds.InteractionCallbackParams {
		d := &guilds.InteractionCallbackData{CustomID: custom, Title: title}
		if comps != "" {
			d.Components = typedComponents(t, comps)
		}
		return guilds.InteractionCallbackParams{Type: opcodes.CallbackModal, Data: d}
	}
	inputs := `[{"type":1,"components":[{"type":4,"custom_id":"name","style":1,"label":"Name"}]},
	 {"type":18,"label":"Why","component":{"type":4,"custom_id":"why","style":2}}]`
	long := "0123456789012345678901234567890123456789012345"
	for field, p := range map[string]guilds.InteractionCallbackParams{
		"data.custom_id":  modal("", "Form", inputs),
		"data.title":      modal("form", long, inputs),
		"data.components": modal("form", "Form", ""),
	} {
		_, err := f.svc.InteractionCallback(f.ctx, in.ID, in.Token, p, false)
		wantValidation(t, err, field)
	}
	mark := bwMark(f.fixture)
	if res := f.answer(t, in, modal("form", "Form", inputs)); res.Resource != nil || res.Interaction.ID != in.ID {
		t.Fatalf("modal response = %+v", res)
	}
	ev := bwOneEvent(t, f.fixture, mark, opcodes.EventInteractionModalCreate)
	onlyTo(t, ev, f.member)
	if d := eventData[opcodes.InteractionModalCreate](t, ev); d.ID != in.ID || d.CustomID != "form" || d.Title != "Form" ||
		len(d.Components) != 2 || d.Application.ID != f.app || d.ChannelID != f.chID {
		t.Fatalf("INTERACTION_MODAL_CREATE = %+v", d)
	}
	submit := func(id snowflake.ID, custom, comps string) guilds.InteractionParams {
		return guilds.InteractionParams{Type: opcodes.InteractionModalSubmit, ApplicationID: f.app, GuildID: f.guild.ID, ChannelID: f.chID,
			Data: guilds.InteractionDataParams{ID: id, CustomID: custom, Components: rawComponents(t, comps)}}
	}
	values := `[{"type":1,"components":[{"type":4,"custom_id":"name","value":"Ann"}]},{"type":18,"component":{"type":4,"custom_id":"why","value":"because"}}]`
	wantValidation(t, f.svc.CreateInteraction(f.ctx, f.member, submit(in.ID, "other", values)), "data.custom_id")
	wantValidation(t, f.svc.CreateInteraction(f.ctx, f.member, submit(in.ID, "form", `[{"type":1,"components":[{"type":4,"custom_id":"zzz","value":"x"}]}]`)), "data.components")
	wantErr(t, f.svc.CreateInteraction(f.ctx, f.owner, submit(in.ID, "form", values)), guilds.ErrUnknownInteraction) // not the invoker's modal
	wantErr(t, f.svc.CreateInteraction(f.ctx, f.member, submit(in.ID+1, "form", values)), guilds.ErrUnknownInteraction)
	sub := f.invoke(t, f.member, submit(in.ID, "form", values))
	if sub.Type != opcodes.InteractionModalSubmit || sub.Data.CustomID != "form" || len(sub.Data.Components) != 2 {
		t.Fatalf("submission = %+v", sub.Data)
	}
	// A submission cannot open another modal, nor update a message (it came from a command).
	_, err := f.svc.InteractionCallback(f.ctx, sub.ID, sub.Token, modal("again", "Again", inputs), false)
	wantValidation(t, err, "type")
	_, err = f.svc.InteractionCallback(f.ctx, sub.ID, sub.Token, callback(opcodes.CallbackUpdateMessage, "x", 0), false)
	wantValidation(t, err, "type")
	m := f.answer(t, sub, callback(opcodes.CallbackChannelMessageWithSource, "thanks Ann", 0)).Resource.Message
	md := m.InteractionMetadata
	if m.Type != opcodes.MessageChatInputCommand || md.Type != opcodes.InteractionModalSubmit || md.TriggeringInteractionMetadata == nil ||
		md.TriggeringInteractionMetadata.ID != in.ID || md.TriggeringInteractionMetadata.Name != "echo" {
		t.Fatalf("modal reply = %+v / %+v", m, md)
	}
}

// Two nodes share one store: an interaction minted on one is answered on the other, and the
// "only once" rule holds across them.
func TestInteractionAcrossNodes(t *testing.T) {
	var store storage.Store
	f, clock := bwClockFixtureWith(t, func(c *guilds.Config) { store = c.Store })
	ix := &interactionFixture{fixture: f, clock: clock}
	ix.app, _ = f.bot("echobot", opcodes.PermSendMessages|opcodes.PermViewChannel)
	cmd, _, err := f.svc.CreateCommand(f.ctx, ix.app, ix.app, f.guild.ID, chat("echo"))
	if err != nil {
		t.Fatal(err)
	}
	ix.cmd, ix.member = cmd, f.member("invoker")
	gen, _ := snowflake.NewGenerator(1, 0)
	other, err := guilds.New(context.Background(), guilds.Config{Store: store, IDs: gen, Bus: f.rec, Secret: []byte("x"), Now: clock.now})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(other.Close)
	p := ix.params()
	in := ix.invoke(t, ix.member, p)
	reply := callback(opcodes.CallbackChannelMessageWithSource, "from node 2", 0)
	var wg sync.WaitGroup
	errs := make([]error, 2)
	for i, svc := range []*guilds.Service{f.svc, other} {
		wg.Go(func() { _, errs[i] = svc.InteractionCallback(f.ctx, in.ID, in.Token, reply, false) })
	}
	wg.Wait()
	if (errs[0] == nil) == (errs[1] == nil) {
		t.Fatalf("both or neither node acknowledged: %v / %v", errs[0], errs[1])
	}
	for _, err := range errs {
		if err != nil {
			wantErr(t, err, guilds.ErrInteractionAcknowledged)
		}
	}
	content := "edited on node 2"
	if m, err := other.EditWebhookMessage(f.ctx, ix.app, in.Token, 0, guilds.EditMessageParams{Content: &content}); err != nil || m.Content != content {
		t.Fatalf("edit on the other node = %+v, %v", m, err)
	}
}

// INTERACTION_FAILURE reaches the invoker when 3 seconds pass without an answer; the late
// callback then gets 10062. An answered interaction gets INTERACTION_SUCCESS and no failure.
func TestInteractionFailureTimer(t *testing.T) {
	// The fixture (store, service) is built outside the bubble; the interactions, and so their
	// timers, are minted inside it, on the bubble's fake clock.
	f := newInteractionFixture(t)
	synctest.Test(t, func(t *testing.T) {
		f.clock.set(time.Now())
		late := f.invoke(t, f.member, f.params(strOpt("text", "x")))
		answered := f.invoke(t, f.member, f.params(strOpt("text", "y")))
		mark := bwMark(f.fixture)
		f.answer(t, answered, callback(opcodes.CallbackChannelMessageWithSource, "ok", 0))
		if evs := bwEventsSince(f.fixture, mark, opcodes.EventInteractionSuccess); len(evs) != 1 {
			t.Fatalf("INTERACTION_SUCCESS = %+v", evs)
		}
		time.Sleep(2 * time.Second)
		synctest.Wait()
		if evs := bwEventsSince(f.fixture, mark, opcodes.EventInteractionFailure); len(evs) != 0 {
			t.Fatalf("failure before 3 s: %+v", evs)
		}
		f.clock.set(time.Now().Add(2 * time.Second)) // the service clock moves on with the bubble's
		time.Sleep(2 * time.Second)
		synctest.Wait()
		evs := bwEventsSince(f.fixture, mark, opcodes.EventInteractionFailure)
		if len(evs) != 1 {
			t.Fatalf("INTERACTION_FAILURE events = %+v, want one", evs)
		}
		onlyTo(t, evs[0], f.member)
		if d := eventData[opcodes.InteractionAck](t, evs[0]); d.ID != late.ID {
			t.Fatalf("failure for %v, want %v", d.ID, late.ID)
		}
		_, err := f.svc.InteractionCallback(f.ctx, late.ID, late.Token, callback(opcodes.CallbackChannelMessageWithSource, "late", 0), false)
		wantErr(t, err, guilds.ErrUnknownInteraction)
	})
}

// bwClockFixtureWith is bwClockFixture with a further config change.
func bwClockFixtureWith(t *testing.T, mutate func(*guilds.Config)) (*fixture, *bwClock) {
	t.Helper()
	clock := &bwClock{}
	clock.set(time.Now())
	return newFixture(t, func(c *guilds.Config) { c.Now = clock.now; mutate(c) }), clock
}
