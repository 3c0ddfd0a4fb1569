package guilds_test

import (
	"encoding/json"
	"testing"
	"time"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// interactionFixture has a bot with a guild command "echo" (required string "text", optional
// user "who") and a guild member to invoke it.
type interactionFixture struct {
	*fixture
	clock  *bwClock
	app    snowflake.ID
	cmd    opcodes.ApplicationCommand
	member snowflake.ID
}

func newInteractionFixture(t *testing.T, p ...func(*guilds.CommandParams)) *interactionFixture {
	t.Helper()
	f, clock := bwClockFixture(t)
	app, _ := f.bot("echobot", opcodes.PermSendMessages|opcodes.PermViewChannel)
	cp := chat("echo")
	cp.Options = []opcodes.CommandOption{
		{Type: opcodes.OptionString, Name: "text", Description: "what to say", Required: true},
		{Type: opcodes.OptionUser, Name: "who", Description: "whom to greet"},
	}
	for _, m := range p {
		m(&cp)
	}
	cmd, _, err := f.svc.CreateCommand(f.ctx, app, app, f.guild.ID, cp)
	if err != nil {
		t.Fatalf("create command: %v", err)
	}
	return &interactionFixture{fixture: f, clock: clock, app: app, cmd: cmd, member: f.member("invoker")}
}

func (f *interactionFixture) params(opts ...opcodes.InteractionOption) guilds.InteractionParams {
	return guilds.InteractionParams{Type: opcodes.InteractionApplicationCommand, ApplicationID: f.app,
		GuildID: f.guild.ID, ChannelID: f.chID,
		Data: guilds.InteractionDataParams{ID: f.cmd.ID, Name: "echo", Type: opcodes.CommandChatInput, Options: opts}}
}

func strOpt(name, v string) opcodes.InteractionOption {
	b, _ := json.Marshal(v)
	return opcodes.InteractionOption{Name: name, Type: opcodes.OptionString, Value: b}
}

// invoke creates an interaction as actor and returns the INTERACTION_CREATE payload.
func (f *interactionFixture) invoke(t *testing.T, actor snowflake.ID, p guilds.InteractionParams) opcodes.Interaction {
	t.Helper()
	mark := bwMark(f.fixture)
	if err := f.svc.CreateInteraction(f.ctx, actor, p); err != nil {
		t.Fatalf("create interaction: %v", err)
	}
	evs := bwEventsSince(f.fixture, mark, opcodes.EventInteractionCreate)
	if len(evs) != 2 {
		t.Fatalf("INTERACTION_CREATE events = %+v, want the invoker's and the bot's", evs)
	}
	user, bot := evs[0], evs[1]
	if len(user.UserIDs) != 1 || user.UserIDs[0] != actor {
		t.Fatalf("user-side INTERACTION_CREATE scope = %v, want the invoker", user.UserIDs)
	}
	if ack := eventData[opcodes.InteractionAck](t, user); ack.ID == 0 || ack.Nonce != p.Nonce {
		t.Fatalf("user-side INTERACTION_CREATE = %+v", ack)
	}
	if len(bot.UserIDs) != 1 || bot.UserIDs[0] != f.app || bot.GuildID != p.GuildID {
		t.Fatalf("INTERACTION_CREATE scope = guild %v users %v, want the app's bot on the guild's shard", bot.GuildID, bot.UserIDs)
	}
	return eventData[opcodes.Interaction](t, bot)
}

func TestInteractionCreateAndReply(t *testing.T) {
	f := newInteractionFixture(t)
	who, _ := json.Marshal(f.owner.String())
	in := f.invoke(t, f.member, f.params(strOpt("text", "hi"), opcodes.InteractionOption{Name: "who", Type: opcodes.OptionUser, Value: who}))
	if in.ID == 0 || len(in.Token) < 40 || in.Version != 1 || in.ApplicationID != f.app || in.Type != opcodes.InteractionApplicationCommand {
		t.Fatalf("interaction = %+v", in)
	}
	if in.Data == nil || in.Data.ID != f.cmd.ID || in.Data.Name != "echo" || in.Data.GuildID != f.guild.ID || len(in.Data.Options) != 2 {
		t.Fatalf("data = %+v", in.Data)
	}
	if in.Data.Resolved == nil || in.Data.Resolved.Users[f.owner].ID != f.owner || in.Data.Resolved.Members[f.owner].Roles == nil {
		t.Fatalf("resolved = %+v", in.Data.Resolved)
	}
	if in.Member == nil || in.Member.User == nil || in.Member.User.ID != f.member || in.Member.Permissions == nil || in.User != nil {
		t.Fatalf("member = %+v, user = %+v", in.Member, in.User)
	}
	if in.Channel == nil || in.Channel.ID != f.chID || in.GuildID != f.guild.ID || !in.AppPermissions.Has(opcodes.PermSendMessages) {
		t.Fatalf("channel = %+v, app_permissions = %v", in.Channel, in.AppPermissions)
	}
	if in.AuthorizingIntegrationOwners[opcodes.IntegrationGuildInstall] != f.guild.ID || in.Entitlements == nil || in.AttachmentSizeLimit == 0 {
		t.Fatalf("owners = %v, entitlements = %v, size = %d", in.AuthorizingIntegrationOwners, in.Entitlements, in.AttachmentSizeLimit)
	}

	mark := bwMark(f.fixture)
	res, err := f.svc.InteractionCallback(f.ctx, in.ID, in.Token, guilds.InteractionCallbackParams{
		Type: opcodes.CallbackChannelMessageWithSource, Data: &guilds.InteractionCallbackData{MessageParams: guilds.MessageParams{Content: "hi"}}}, true)
	if err != nil {
		t.Fatalf("callback: %v", err)
	}
	m := res.Resource.Message
	if res.Interaction.ID != in.ID || res.Interaction.ResponseMessageID != m.ID || res.Interaction.ResponseMessageLoading || res.Resource.Type != opcodes.CallbackChannelMessageWithSource {
		t.Fatalf("callback response = %+v", res)
	}
	if m.Type != opcodes.MessageChatInputCommand || m.Author.ID != f.app || !m.Author.Bot || m.WebhookID == nil || *m.WebhookID != f.app ||
		m.ApplicationID == nil || *m.ApplicationID != f.app || m.Content != "hi" {
		t.Fatalf("reply = %+v", m)
	}
	if md := m.InteractionMetadata; md == nil || md.ID != in.ID || md.User.ID != f.member || md.Name != "echo" || md.CommandType != opcodes.CommandChatInput {
		t.Fatalf("interaction_metadata = %+v", md)
	}
	if li := m.Interaction; li == nil || li.ID != in.ID || li.Name != "echo" || li.User.ID != f.member {
		t.Fatalf("interaction = %+v", li)
	}
	ev := bwOneEvent(t, f.fixture, mark, opcodes.EventMessageCreate)
	if got := eventData[opcodes.Message](t, ev); got.ID != m.ID || got.InteractionMetadata == nil {
		t.Fatalf("MESSAGE_CREATE = %+v", got)
	}
	// Read back, the reply is still the bot's.
	back, err := f.svc.Message(f.ctx, f.member, f.chID, m.ID)
	if err != nil || back.Author.ID != f.app || back.Type != opcodes.MessageChatInputCommand {
		t.Fatalf("get reply = %+v, %v", back, err)
	}
}

func TestInteractionDeferred(t *testing.T) {
	f := newInteractionFixture(t)
	in := f.invoke(t, f.member, f.params(strOpt("text", "x")))
	res, err := f.svc.InteractionCallback(f.ctx, in.ID, in.Token, guilds.InteractionCallbackParams{Type: opcodes.CallbackDeferredChannelMessageWithSource}, true)
	if err != nil {
		t.Fatal(err)
	}
	if !res.Interaction.ResponseMessageLoading || res.Resource.Message.Flags&opcodes.MessageFlagLoading == 0 || res.Resource.Message.Content != "" {
		t.Fatalf("deferred = %+v / %+v", res.Interaction, res.Resource.Message)
	}
	// Without with_response the answer is empty (204).
	in2 := f.invoke(t, f.member, f.params(strOpt("text", "y")))
	if res, err := f.svc.InteractionCallback(f.ctx, in2.ID, in2.Token, guilds.InteractionCallbackParams{Type: opcodes.CallbackDeferredChannelMessageWithSource}, false); err != nil || res != nil {
		t.Fatalf("without response = %+v, %v", res, err)
	}
}

func TestInteractionCreateErrors(t *testing.T) {
	f := newInteractionFixture(t, func(p *guilds.CommandParams) {
		perm := opcodes.PermManageGuild
		p.DefaultMemberPermissions = &perm
	})
	other, _ := f.bot("otherbot", 0)
	outsider := f.user("outsider")
	// An application whose bot is not in the guild: its global command is not there.
	absent, err := f.svc.CreateApplication(f.ctx, f.owner, guilds.CreateApplicationParams{Name: "absent"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CreateBot(f.ctx, f.owner, absent.ID); err != nil {
		t.Fatal(err)
	}
	absentCmd, _, err := f.svc.CreateCommand(f.ctx, absent.ID, absent.ID, 0, chat("echo"))
	if err != nil {
		t.Fatal(err)
	}
	botUser := f.app
	intOpt := opcodes.InteractionOption{Name: "text", Type: opcodes.OptionInteger, Value: json.RawMessage("3")}
	cases := []struct {
		name   string
		actor  snowflake.ID
		mutate func(*guilds.InteractionParams)
		err    error
		field  string
	}{
		{"unknown command", f.owner, func(p *guilds.InteractionParams) { p.Data.ID = f.cmd.ID + 1 }, guilds.ErrUnknownCommand, ""},
		{"another app's command", f.owner, func(p *guilds.InteractionParams) { p.ApplicationID = other }, guilds.ErrUnknownCommand, ""},
		{"app not in the guild", f.owner, func(p *guilds.InteractionParams) {
			p.ApplicationID, p.Data.ID, p.Data.Options = absent.ID, absentCmd.ID, nil
		}, guilds.ErrUnknownCommand, ""},
		{"wrong option type", f.owner, func(p *guilds.InteractionParams) { p.Data.Options = []opcodes.InteractionOption{intOpt} }, nil, "data.options.0.type"},
		{"wrong value type", f.owner, func(p *guilds.InteractionParams) {
			p.Data.Options = []opcodes.InteractionOption{{Name: "text", Type: opcodes.OptionString, Value: json.RawMessage("3")}}
		}, nil, "data.options.0.value"},
		{"unknown option", f.owner, func(p *guilds.InteractionParams) {
			p.Data.Options = []opcodes.InteractionOption{strOpt("text", "a"), strOpt("nope", "b")}
		}, nil, "data.options.1.name"},
		{"missing required", f.owner, func(p *guilds.InteractionParams) { p.Data.Options = nil }, nil, "data.options"},
		{"unknown user value", f.owner, func(p *guilds.InteractionParams) {
			p.Data.Options = append(p.Data.Options, opcodes.InteractionOption{Name: "who", Type: opcodes.OptionUser, Value: json.RawMessage(`"12345"`)})
		}, nil, "data.options.1.value"},
		{"missing default_member_permissions", f.member, nil, guilds.ErrMissingPermissions, ""},
		{"not in the guild", outsider, nil, guilds.ErrMissingAccess, ""},
		{"bots cannot invoke", botUser, nil, guilds.ErrBotsForbidden, ""},
		{"not a command interaction", f.owner, func(p *guilds.InteractionParams) { p.Type = opcodes.InteractionPing }, nil, "type"},
		{"channel of another guild", f.owner, func(p *guilds.InteractionParams) { p.GuildID = f.guild.ID + 1 }, guilds.ErrUnknownChannel, ""},
		{"no channel", f.owner, func(p *guilds.InteractionParams) { p.ChannelID = 0 }, nil, "channel_id"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := f.params(strOpt("text", "hi"))
			if c.mutate != nil {
				c.mutate(&p)
			}
			mark := bwMark(f.fixture)
			err := f.svc.CreateInteraction(f.ctx, c.actor, p)
			if c.field != "" {
				wantValidation(t, err, c.field)
			} else {
				wantErr(t, err, c.err)
			}
			bwNoEvents(t, f.fixture, mark)
		})
	}
	// The owner holds MANAGE_GUILD: the same interaction succeeds.
	f.invoke(t, f.owner, f.params(strOpt("text", "hi")))
}

func TestInteractionNoViewChannel(t *testing.T) {
	f := newInteractionFixture(t)
	bwEveryone(f.fixture, opcodes.PermSendMessages)
	wantErr(t, f.svc.CreateInteraction(f.ctx, f.member, f.params(strOpt("text", "hi"))), guilds.ErrMissingAccess)
}

func TestInteractionCallbackErrors(t *testing.T) {
	f := newInteractionFixture(t)
	reply := guilds.InteractionCallbackParams{Type: opcodes.CallbackChannelMessageWithSource, Data: &guilds.InteractionCallbackData{MessageParams: guilds.MessageParams{Content: "ok"}}}

	in := f.invoke(t, f.member, f.params(strOpt("text", "a")))
	_, err := f.svc.InteractionCallback(f.ctx, in.ID, in.Token+"x", reply, false)
	wantErr(t, err, guilds.ErrUnknownInteraction)
	_, err = f.svc.InteractionCallback(f.ctx, in.ID+1, in.Token, reply, false)
	wantErr(t, err, guilds.ErrUnknownInteraction)
	_, err = f.svc.InteractionCallback(f.ctx, in.ID, in.Token, guilds.InteractionCallbackParams{Type: 42}, false)
	wantValidation(t, err, "type")
	// An autocomplete result does not answer a command; an update needs a component's message.
	for _, ct := range []opcodes.InteractionCallbackType{opcodes.CallbackAutocompleteResult, opcodes.CallbackUpdateMessage, opcodes.CallbackDeferredUpdateMessage, opcodes.CallbackPong} {
		_, err = f.svc.InteractionCallback(f.ctx, in.ID, in.Token, guilds.InteractionCallbackParams{Type: ct}, false)
		wantValidation(t, err, "type")
	}
	_, err = f.svc.InteractionCallback(f.ctx, in.ID, in.Token, guilds.InteractionCallbackParams{
		Type: opcodes.CallbackChannelMessageWithSource, Data: &guilds.InteractionCallbackData{MessageParams: guilds.MessageParams{Content: "secret", Flags: 1 << 1}}}, false)
	wantValidation(t, err, "data.flags")
	// A failed response (empty message) does not use up the interaction.
	_, err = f.svc.InteractionCallback(f.ctx, in.ID, in.Token, guilds.InteractionCallbackParams{Type: opcodes.CallbackChannelMessageWithSource}, false)
	wantErr(t, err, guilds.ErrEmptyMessage)
	if _, err := f.svc.InteractionCallback(f.ctx, in.ID, in.Token, reply, false); err != nil {
		t.Fatalf("first callback: %v", err)
	}
	mark := bwMark(f.fixture)
	_, err = f.svc.InteractionCallback(f.ctx, in.ID, in.Token, reply, false)
	wantErr(t, err, guilds.ErrInteractionAcknowledged)
	bwNoEvents(t, f.fixture, mark)

	// Three seconds is the window: at 3 s it is still open, just after it the interaction is unknown.
	late := f.invoke(t, f.member, f.params(strOpt("text", "b")))
	edge := f.invoke(t, f.member, f.params(strOpt("text", "c")))
	f.clock.advance(3 * time.Second)
	if _, err := f.svc.InteractionCallback(f.ctx, edge.ID, edge.Token, reply, false); err != nil {
		t.Fatalf("callback at 3 s: %v", err)
	}
	f.clock.advance(time.Millisecond)
	_, err = f.svc.InteractionCallback(f.ctx, late.ID, late.Token, reply, false)
	wantErr(t, err, guilds.ErrUnknownInteraction)
}

func TestEditOriginalInteractionMessage(t *testing.T) {
	f := newInteractionFixture(t)
	in := f.invoke(t, f.member, f.params(strOpt("text", "x")))
	content := "done"
	_, err := f.svc.EditWebhookMessage(f.ctx, f.app, in.Token, 0, guilds.EditMessageParams{Content: &content})
	wantErr(t, err, guilds.ErrUnknownMessage) // no reply yet
	if _, err := f.svc.InteractionCallback(f.ctx, in.ID, in.Token, guilds.InteractionCallbackParams{Type: opcodes.CallbackDeferredChannelMessageWithSource}, false); err != nil {
		t.Fatal(err)
	}
	_, err = f.svc.EditWebhookMessage(f.ctx, f.app, in.Token+"x", 0, guilds.EditMessageParams{Content: &content})
	wantErr(t, err, guilds.ErrUnknownWebhook)
	_, err = f.svc.EditWebhookMessage(f.ctx, f.app+1, in.Token, 0, guilds.EditMessageParams{Content: &content})
	wantErr(t, err, guilds.ErrUnknownWebhook)
	mark := bwMark(f.fixture)
	m, err := f.svc.EditWebhookMessage(f.ctx, f.app, in.Token, 0, guilds.EditMessageParams{Content: &content})
	if err != nil || m.Content != "done" || m.Flags&opcodes.MessageFlagLoading != 0 || m.Author.ID != f.app {
		t.Fatalf("edit = %+v, %v", m, err)
	}
	bwOneEvent(t, f.fixture, mark, opcodes.EventMessageUpdate)
	// The token lasts 15 minutes.
	f.clock.advance(15*time.Minute + time.Second)
	_, err = f.svc.EditWebhookMessage(f.ctx, f.app, in.Token, 0, guilds.EditMessageParams{Content: &content})
	wantErr(t, err, guilds.ErrUnknownWebhook)
}

func TestInteractionFollowUp(t *testing.T) {
	f := newInteractionFixture(t)
	in := f.invoke(t, f.member, f.params(strOpt("text", "x")))
	msg := guilds.ExecuteWebhookParams{MessageParams: guilds.MessageParams{Content: "more"}}
	_, err := f.svc.ExecuteWebhook(f.ctx, f.app, in.Token, msg)
	wantErr(t, err, guilds.ErrUnknownWebhook) // before the initial response
	if _, err := f.svc.InteractionCallback(f.ctx, in.ID, in.Token, guilds.InteractionCallbackParams{Type: opcodes.CallbackDeferredChannelMessageWithSource}, false); err != nil {
		t.Fatal(err)
	}
	m, err := f.svc.ExecuteWebhook(f.ctx, f.app, in.Token, msg)
	if err != nil || m.Content != "more" || m.Author.ID != f.app || m.Type != opcodes.MessageChatInputCommand || m.InteractionMetadata == nil || m.InteractionMetadata.ID != in.ID {
		t.Fatalf("follow-up = %+v, %v", m, err)
	}
	f.clock.advance(15*time.Minute + time.Second)
	_, err = f.svc.ExecuteWebhook(f.ctx, f.app, in.Token, msg)
	wantErr(t, err, guilds.ErrUnknownWebhook)
}
