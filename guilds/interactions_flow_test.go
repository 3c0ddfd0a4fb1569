package guilds_test

import (
	"encoding/json"
	"slices"
	"testing"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

func callback(t opcodes.InteractionCallbackType, content string, flags int) guilds.InteractionCallbackParams {
	return guilds.InteractionCallbackParams{Type: t, Data: &guilds.InteractionCallbackData{MessageParams: guilds.MessageParams{Content: content, Flags: flags}}}
}

func (f *interactionFixture) answer(t *testing.T, in opcodes.Interaction, p guilds.InteractionCallbackParams) *opcodes.InteractionCallbackResponse {
	t.Helper()
	res, err := f.svc.InteractionCallback(f.ctx, in.ID, in.Token, p, true)
	if err != nil {
		t.Fatalf("callback %d: %v", p.Type, err)
	}
	return res
}

// onlyTo asserts ev is scoped to exactly users.
func onlyTo(t *testing.T, ev events.Event, users ...snowflake.ID) {
	t.Helper()
	if !slices.Equal(ev.UserIDs, users) {
		t.Fatalf("%s scope = %v, want only %v", ev.Name, ev.UserIDs, users)
	}
}

func TestEphemeralResponse(t *testing.T) {
	f := newInteractionFixture(t)
	in := f.invoke(t, f.member, f.params(strOpt("text", "x")))
	mark := bwMark(f.fixture)
	res := f.answer(t, in, callback(opcodes.CallbackChannelMessageWithSource, "for your eyes", opcodes.MessageFlagEphemeral))
	m := res.Resource.Message
	if !res.Interaction.ResponseMessageEphemeral || m.Flags&opcodes.MessageFlagEphemeral == 0 || m.Content != "for your eyes" {
		t.Fatalf("ephemeral response = %+v / %+v", res.Interaction, m)
	}
	onlyTo(t, bwOneEvent(t, f.fixture, mark, opcodes.EventMessageCreate), f.member)
	onlyTo(t, bwOneEvent(t, f.fixture, mark, opcodes.EventInteractionSuccess), f.member)
	// Never in history, for anyone.
	for _, viewer := range []snowflake.ID{f.member, f.owner} {
		hist, err := f.svc.Messages(f.ctx, viewer, f.chID, guilds.Page{Limit: 50})
		if err != nil {
			t.Fatal(err)
		}
		for _, h := range hist {
			if h.ID == m.ID {
				t.Fatalf("ephemeral message in %v's history", viewer)
			}
		}
		_, err = f.svc.Message(f.ctx, viewer, f.chID, m.ID)
		wantErr(t, err, guilds.ErrUnknownMessage)
	}
	// The interaction webhook reads, edits and deletes it; events go to the invoker alone.
	got, err := f.svc.WebhookMessage(f.ctx, f.app, in.Token, 0)
	if err != nil || got.ID != m.ID || got.InteractionMetadata == nil {
		t.Fatalf("get @original = %+v, %v", got, err)
	}
	got, err = f.svc.WebhookMessage(f.ctx, f.app, in.Token, m.ID)
	if err != nil || got.ID != m.ID {
		t.Fatalf("get by id = %+v, %v", got, err)
	}
	mark = bwMark(f.fixture)
	content := "edited"
	ed, err := f.svc.EditWebhookMessage(f.ctx, f.app, in.Token, m.ID, guilds.EditMessageParams{Content: &content})
	if err != nil || ed.Content != "edited" || ed.Flags&opcodes.MessageFlagEphemeral == 0 {
		t.Fatalf("edit = %+v, %v", ed, err)
	}
	onlyTo(t, bwOneEvent(t, f.fixture, mark, opcodes.EventMessageUpdate), f.member)
	// An ephemeral follow-up.
	fu, err := f.svc.ExecuteWebhook(f.ctx, f.app, in.Token, guilds.ExecuteWebhookParams{MessageParams: guilds.MessageParams{Content: "psst", Flags: opcodes.MessageFlagEphemeral}})
	if err != nil || fu.Flags&opcodes.MessageFlagEphemeral == 0 || fu.InteractionMetadata.OriginalResponseMessageID != m.ID {
		t.Fatalf("ephemeral follow-up = %+v, %v", fu, err)
	}
	mark = bwMark(f.fixture)
	if err := f.svc.DeleteWebhookMessage(f.ctx, f.app, in.Token, 0); err != nil {
		t.Fatal(err)
	}
	onlyTo(t, bwOneEvent(t, f.fixture, mark, opcodes.EventMessageDelete), f.member)
	_, err = f.svc.WebhookMessage(f.ctx, f.app, in.Token, 0)
	wantErr(t, err, guilds.ErrUnknownMessage)
	// Another interaction's token does not reach these messages.
	other := f.invoke(t, f.member, f.params(strOpt("text", "y")))
	f.answer(t, other, callback(opcodes.CallbackChannelMessageWithSource, "other", 0))
	_, err = f.svc.WebhookMessage(f.ctx, f.app, other.Token, fu.ID)
	wantErr(t, err, guilds.ErrUnknownMessage)
}

func TestDeferredEphemeralThenEdit(t *testing.T) {
	f := newInteractionFixture(t)
	in := f.invoke(t, f.member, f.params(strOpt("text", "x")))
	mark := bwMark(f.fixture)
	res := f.answer(t, in, callback(opcodes.CallbackDeferredChannelMessageWithSource, "", opcodes.MessageFlagEphemeral))
	if !res.Interaction.ResponseMessageLoading || !res.Interaction.ResponseMessageEphemeral {
		t.Fatalf("deferred = %+v", res.Interaction)
	}
	onlyTo(t, bwOneEvent(t, f.fixture, mark, opcodes.EventMessageCreate), f.member)
	content := "done"
	m, err := f.svc.EditWebhookMessage(f.ctx, f.app, in.Token, 0, guilds.EditMessageParams{Content: &content})
	if err != nil || m.Flags&opcodes.MessageFlagLoading != 0 || m.Flags&opcodes.MessageFlagEphemeral == 0 || m.Content != "done" {
		t.Fatalf("edit = %+v, %v", m, err)
	}
}

func TestDeferredFirstFollowUpEditsLoading(t *testing.T) {
	f := newInteractionFixture(t)
	in := f.invoke(t, f.member, f.params(strOpt("text", "x")))
	res := f.answer(t, in, callback(opcodes.CallbackDeferredChannelMessageWithSource, "", 0))
	first, err := f.svc.ExecuteWebhook(f.ctx, f.app, in.Token, guilds.ExecuteWebhookParams{MessageParams: guilds.MessageParams{Content: "one"}})
	if err != nil || first.ID != res.Resource.Message.ID || first.Flags&opcodes.MessageFlagLoading != 0 || first.Type != opcodes.MessageChatInputCommand {
		t.Fatalf("first follow-up = %+v, %v", first, err)
	}
	second, err := f.svc.ExecuteWebhook(f.ctx, f.app, in.Token, guilds.ExecuteWebhookParams{MessageParams: guilds.MessageParams{Content: "two"}})
	if err != nil || second.ID == first.ID || second.Type != opcodes.MessageReply || second.MessageReference == nil ||
		*second.MessageReference.MessageID != first.ID || second.InteractionMetadata.OriginalResponseMessageID != first.ID {
		t.Fatalf("second follow-up = %+v, %v", second, err)
	}
	// Follow-ups are in history with their metadata, and the webhook reaches them by ID.
	back, err := f.svc.Message(f.ctx, f.member, f.chID, second.ID)
	if err != nil || back.InteractionMetadata == nil || back.InteractionMetadata.ID != in.ID || back.Interaction == nil {
		t.Fatalf("history = %+v, %v", back, err)
	}
	content := "two!"
	if m, err := f.svc.EditWebhookMessage(f.ctx, f.app, in.Token, second.ID, guilds.EditMessageParams{Content: &content}); err != nil || m.Content != "two!" {
		t.Fatalf("edit follow-up = %+v, %v", m, err)
	}
	if err := f.svc.DeleteWebhookMessage(f.ctx, f.app, in.Token, second.ID); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.Message(f.ctx, f.member, f.chID, second.ID)
	wantErr(t, err, guilds.ErrUnknownMessage)
	// A message that is not the interaction's is unknown to its webhook.
	other := bwPost(f.fixture, f.member, f.chID, "mine")
	_, err = f.svc.WebhookMessage(f.ctx, f.app, in.Token, other)
	wantErr(t, err, guilds.ErrUnknownMessage)
	wantErr(t, f.svc.DeleteWebhookMessage(f.ctx, f.app, in.Token, other), guilds.ErrUnknownMessage)
	// A token that is no live interaction's is an unknown webhook on every route.
	_, err = f.svc.WebhookMessage(f.ctx, f.app, in.Token+"x", 0)
	wantErr(t, err, guilds.ErrUnknownWebhook)
	wantErr(t, f.svc.DeleteWebhookMessage(f.ctx, f.app, "nope", 0), guilds.ErrUnknownWebhook)
}

func TestContextMenuCommands(t *testing.T) {
	f := newInteractionFixture(t)
	userCmd, _, err := f.svc.CreateCommand(f.ctx, f.app, f.app, f.guild.ID, guilds.CommandParams{Type: opcodes.CommandUser, Name: "Greet"})
	if err != nil {
		t.Fatal(err)
	}
	msgCmd, _, err := f.svc.CreateCommand(f.ctx, f.app, f.app, f.guild.ID, guilds.CommandParams{Type: opcodes.CommandMessage, Name: "Quote"})
	if err != nil {
		t.Fatal(err)
	}
	p := func(cmd opcodes.ApplicationCommand, target snowflake.ID) guilds.InteractionParams {
		return guilds.InteractionParams{Type: opcodes.InteractionApplicationCommand, ApplicationID: f.app, GuildID: f.guild.ID,
			ChannelID: f.chID, Nonce: "n1", Data: guilds.InteractionDataParams{ID: cmd.ID, Name: cmd.Name, Type: cmd.Type, TargetID: target}}
	}
	in := f.invoke(t, f.member, p(userCmd, f.owner))
	if in.Data.TargetID != f.owner || in.Data.Type != opcodes.CommandUser || in.Data.Resolved.Users[f.owner].ID != f.owner ||
		in.Data.Resolved.Members[f.owner].Roles == nil {
		t.Fatalf("user command data = %+v", in.Data)
	}
	m := f.answer(t, in, callback(opcodes.CallbackChannelMessageWithSource, "hello", 0)).Resource.Message
	if m.Type != opcodes.MessageContextMenuCommand || m.InteractionMetadata.TargetUser == nil || m.InteractionMetadata.TargetUser.ID != f.owner {
		t.Fatalf("user command reply = %+v / %+v", m, m.InteractionMetadata)
	}
	target := bwPost(f.fixture, f.owner, f.chID, "quote me")
	in = f.invoke(t, f.member, p(msgCmd, target))
	if in.Data.TargetID != target || in.Data.Resolved.Messages[target].Content != "quote me" {
		t.Fatalf("message command data = %+v", in.Data)
	}
	m = f.answer(t, in, callback(opcodes.CallbackChannelMessageWithSource, "quoted", 0)).Resource.Message
	if m.Type != opcodes.MessageContextMenuCommand || m.InteractionMetadata.TargetMessageID != target {
		t.Fatalf("message command reply = %+v", m)
	}
	wantValidation(t, f.svc.CreateInteraction(f.ctx, f.member, p(msgCmd, 0)), "data.target_id")
	wantValidation(t, f.svc.CreateInteraction(f.ctx, f.member, p(msgCmd, target+1)), "data.target_id")
	wantValidation(t, f.svc.CreateInteraction(f.ctx, f.member, p(userCmd, 12345)), "data.target_id")
	// The data names the wrong command type: unknown command.
	bad := p(userCmd, f.owner)
	bad.Data.Type = opcodes.CommandMessage
	wantErr(t, f.svc.CreateInteraction(f.ctx, f.member, bad), guilds.ErrUnknownCommand)
}

func TestCommandPermissionOverwrites(t *testing.T) {
	f := newInteractionFixture(t)
	g := f.guild.ID
	role := bwRole(f.fixture, 0, f.member)
	set := func(cmdID snowflake.ID, ps ...opcodes.CommandPermission) {
		t.Helper()
		if _, err := f.svc.EditCommandPermissions(f.ctx, f.owner, f.app, g, cmdID, guilds.EditCommandPermissionsParams{Permissions: ps}); err != nil {
			t.Fatalf("edit permissions: %v", err)
		}
	}
	try := func() error { return f.svc.CreateInteraction(f.ctx, f.member, f.params(strOpt("text", "x"))) }
	everyone := func(ok bool) opcodes.CommandPermission {
		return opcodes.CommandPermission{ID: g, Type: opcodes.CommandPermissionRole, Permission: ok}
	}
	if err := try(); err != nil {
		t.Fatalf("no overwrites: %v", err)
	}
	set(f.cmd.ID, everyone(false))
	wantErr(t, try(), guilds.ErrMissingPermissions)
	set(f.cmd.ID, everyone(false), opcodes.CommandPermission{ID: role, Type: opcodes.CommandPermissionRole, Permission: true})
	if err := try(); err != nil {
		t.Fatalf("role allow over @everyone deny: %v", err)
	}
	set(f.cmd.ID, opcodes.CommandPermission{ID: role, Type: opcodes.CommandPermissionRole, Permission: true},
		opcodes.CommandPermission{ID: f.member, Type: opcodes.CommandPermissionUser, Permission: false})
	wantErr(t, try(), guilds.ErrMissingPermissions) // the user's own entry wins
	set(f.cmd.ID, opcodes.CommandPermission{ID: g - 1, Type: opcodes.CommandPermissionChannel, Permission: false})
	wantErr(t, try(), guilds.ErrMissingPermissions) // all channels
	set(f.cmd.ID, opcodes.CommandPermission{ID: g - 1, Type: opcodes.CommandPermissionChannel, Permission: false},
		opcodes.CommandPermission{ID: f.chID, Type: opcodes.CommandPermissionChannel, Permission: true})
	if err := try(); err != nil {
		t.Fatalf("channel allow over all-channels deny: %v", err)
	}
	// Application-wide overwrites apply when the command has none.
	set(f.cmd.ID)
	set(f.app, everyone(false))
	wantErr(t, try(), guilds.ErrMissingPermissions)
	set(f.cmd.ID, everyone(true))
	if err := try(); err != nil {
		t.Fatalf("command allow over application deny: %v", err)
	}
	// Without USE_APPLICATION_COMMANDS nothing is usable.
	set(f.cmd.ID)
	set(f.app)
	bwEveryone(f.fixture, opcodes.PermViewChannel|opcodes.PermSendMessages)
	wantErr(t, try(), guilds.ErrMissingPermissions)
}

func TestBotDMInteraction(t *testing.T) {
	f := newInteractionFixture(t)
	global, _, err := f.svc.CreateCommand(f.ctx, f.app, f.app, 0, chat("ping"))
	if err != nil {
		t.Fatal(err)
	}
	guildOnly := chat("guildonly")
	guildOnly.Contexts = []opcodes.InteractionContextType{opcodes.ContextGuild}
	gcmd, _, err := f.svc.CreateCommand(f.ctx, f.app, f.app, 0, guildOnly)
	if err != nil {
		t.Fatal(err)
	}
	dm, err := f.svc.CreateDM(f.ctx, f.member, f.app)
	if err != nil {
		t.Fatal(err)
	}
	p := guilds.InteractionParams{Type: opcodes.InteractionApplicationCommand, ApplicationID: f.app, ChannelID: dm.ID,
		Data: guilds.InteractionDataParams{ID: global.ID, Name: "ping", Type: opcodes.CommandChatInput}}
	in := f.invoke(t, f.member, p)
	if in.Context != opcodes.ContextBotDM || in.User == nil || in.User.ID != f.member || in.Member != nil || in.GuildID != 0 {
		t.Fatalf("DM interaction = %+v", in)
	}
	if owner, ok := in.AuthorizingIntegrationOwners[opcodes.IntegrationGuildInstall]; !ok || owner != 0 {
		t.Fatalf("owners = %v", in.AuthorizingIntegrationOwners)
	}
	m := f.answer(t, in, callback(opcodes.CallbackChannelMessageWithSource, "pong", 0)).Resource.Message
	if m.ChannelID != dm.ID || m.Author.ID != f.app {
		t.Fatalf("DM reply = %+v", m)
	}
	// A guild-only command and a guild command are not usable in the DM.
	p.Data.ID, p.Data.Name = gcmd.ID, "guildonly"
	wantErr(t, f.svc.CreateInteraction(f.ctx, f.member, p), guilds.ErrUnknownCommand)
	p.Data.ID, p.Data.Name = f.cmd.ID, "echo"
	p.Data.Options = []opcodes.InteractionOption{strOpt("text", "x")}
	wantErr(t, f.svc.CreateInteraction(f.ctx, f.member, p), guilds.ErrUnknownCommand)
}

func TestAutocomplete(t *testing.T) {
	f := newInteractionFixture(t, func(p *guilds.CommandParams) { p.Options[0].Autocomplete = true })
	focused := opcodes.InteractionOption{Name: "text", Type: opcodes.OptionString, Value: json.RawMessage(`"pa"`), Focused: true}
	p := f.params(focused)
	p.Type, p.Nonce = opcodes.InteractionApplicationCommandAutocomplete, "ac1"
	in := f.invoke(t, f.member, p)
	if in.Type != opcodes.InteractionApplicationCommandAutocomplete || !in.Data.Options[0].Focused {
		t.Fatalf("autocomplete = %+v", in)
	}
	// Only a result answers it, and the choices are checked.
	_, err := f.svc.InteractionCallback(f.ctx, in.ID, in.Token, callback(opcodes.CallbackChannelMessageWithSource, "x", 0), false)
	wantValidation(t, err, "type")
	many := make([]opcodes.CommandChoice, 26)
	for i := range many {
		many[i] = opcodes.CommandChoice{Name: "c", Value: json.RawMessage(`"c"`)}
	}
	result := func(cs ...opcodes.CommandChoice) guilds.InteractionCallbackParams {
		return guilds.InteractionCallbackParams{Type: opcodes.CallbackAutocompleteResult, Data: &guilds.InteractionCallbackData{Choices: cs}}
	}
	_, err = f.svc.InteractionCallback(f.ctx, in.ID, in.Token, result(many...), false)
	wantValidation(t, err, "data.choices")
	_, err = f.svc.InteractionCallback(f.ctx, in.ID, in.Token, result(opcodes.CommandChoice{Name: "", Value: json.RawMessage(`"x"`)}), false)
	wantValidation(t, err, "data.choices.0.name")
	mark := bwMark(f.fixture)
	if _, err := f.svc.InteractionCallback(f.ctx, in.ID, in.Token, result(opcodes.CommandChoice{Name: "paris", Value: json.RawMessage(`"paris"`)}), false); err != nil {
		t.Fatal(err)
	}
	ev := bwOneEvent(t, f.fixture, mark, opcodes.EventApplicationCommandAutocompleteResponse)
	onlyTo(t, ev, f.member)
	if d := eventData[opcodes.AutocompleteResponse](t, ev); d.Nonce != "ac1" || len(d.Choices) != 1 || d.Choices[0].Name != "paris" {
		t.Fatalf("autocomplete response = %+v", d)
	}
	if len(bwEventsSince(f.fixture, mark, opcodes.EventInteractionSuccess)) != 0 {
		t.Fatal("autocomplete answered with INTERACTION_SUCCESS")
	}
	// Focus rules: exactly one focused option, and only an autocomplete one.
	p.Data.Options = []opcodes.InteractionOption{strOpt("text", "x")}
	wantValidation(t, f.svc.CreateInteraction(f.ctx, f.member, p), "data.options")
	p.Data.Options = []opcodes.InteractionOption{focused, {Name: "who", Type: opcodes.OptionUser, Value: json.RawMessage(`"1"`), Focused: true}}
	wantValidation(t, f.svc.CreateInteraction(f.ctx, f.member, p), "data.options.1.focused")
	// A focused option in a command invocation is refused.
	cmd := f.params(focused)
	wantValidation(t, f.svc.CreateInteraction(f.ctx, f.member, cmd), "data.options.0.focused")
}
