package guilds_test

import (
	"regexp"
	"strings"
	"testing"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

var bwWebhookToken = regexp.MustCompile(`^[A-Za-z0-9_-]{68}$`)

// bwWebhook has the owner create a webhook in channelID.
func bwWebhook(f *fixture, channelID snowflake.ID, name string) opcodes.Webhook {
	f.t.Helper()
	w, err := f.svc.CreateWebhook(f.ctx, f.owner, channelID, guilds.WebhookParams{Name: name})
	if err != nil {
		f.t.Fatalf("create webhook: %v", err)
	}
	return w
}

func bwWebhooksUpdate(t *testing.T, f *fixture, mark int, channels ...snowflake.ID) {
	t.Helper()
	evs := bwEventsSince(f, mark, opcodes.EventWebhooksUpdate)
	if len(evs) != len(channels) {
		t.Fatalf("WEBHOOKS_UPDATE = %+v, want %d", evs, len(channels))
	}
	for i, ev := range evs {
		d := eventData[opcodes.WebhooksUpdate](t, ev)
		if ev.GuildID != f.guild.ID || ev.ChannelID != channels[i] || d.GuildID != f.guild.ID || d.ChannelID != channels[i] {
			t.Fatalf("WEBHOOKS_UPDATE %d = %+v, want channel %v", i, ev, channels[i])
		}
	}
}

func TestWebhookLifecycle(t *testing.T) {
	f := newFixture(t)
	avatar := bwPNG()
	mark := bwMark(f)
	w, err := f.svc.CreateWebhook(f.ctx, f.owner, f.chID, guilds.WebhookParams{Name: "Captain Hook", Avatar: &avatar})
	if err != nil {
		t.Fatalf("CreateWebhook: %v", err)
	}
	if w.Type != 1 || *w.Name != "Captain Hook" || w.Avatar == nil || w.ApplicationID != nil ||
		*w.GuildID != f.guild.ID || *w.ChannelID != f.chID || w.User == nil || w.User.ID != f.owner {
		t.Fatalf("webhook = %+v", w)
	}
	if !bwWebhookToken.MatchString(w.Token) || w.URL != "/api/webhooks/"+w.ID.String()+"/"+w.Token {
		t.Fatalf("token/url = %q / %q", w.Token, w.URL)
	}
	bwWebhooksUpdate(t, f, mark, f.chID)

	for name, list := range map[string]func() ([]opcodes.Webhook, error){
		"channel": func() ([]opcodes.Webhook, error) { return f.svc.ChannelWebhooks(f.ctx, f.owner, f.chID) },
		"guild":   func() ([]opcodes.Webhook, error) { return f.svc.GuildWebhooks(f.ctx, f.owner, f.guild.ID) },
	} {
		ws, err := list()
		if err != nil || len(ws) != 1 || ws[0].ID != w.ID || ws[0].Token != w.Token || ws[0].User == nil {
			t.Fatalf("%s webhooks = %+v, %v", name, ws, err)
		}
	}
	got, err := f.svc.Webhook(f.ctx, f.owner, w.ID)
	if err != nil || got.ID != w.ID || got.User == nil || got.Token != w.Token {
		t.Fatalf("Webhook = %+v, %v", got, err)
	}
	byToken, err := f.svc.WebhookWithToken(f.ctx, w.ID, w.Token)
	if err != nil || byToken.ID != w.ID || byToken.User != nil || byToken.Token != w.Token {
		t.Fatalf("WebhookWithToken = %+v, %v", byToken, err)
	}
	// Change the last character to a different one (a fixed replacement would be a no-op
	// when the random token already ends with it).
	last := "x"
	if strings.HasSuffix(w.Token, "x") {
		last = "y"
	}
	_, err = f.svc.WebhookWithToken(f.ctx, w.ID, w.Token[:67]+last)
	wantErr(t, err, guilds.ErrInvalidWebhookToken)
	_, err = f.svc.WebhookWithToken(f.ctx, w.ID, "")
	wantErr(t, err, guilds.ErrInvalidWebhookToken)
	_, err = f.svc.WebhookWithToken(f.ctx, 12345, w.Token)
	wantErr(t, err, guilds.ErrUnknownWebhook)
	_, err = f.svc.WebhookWithToken(f.ctx, 4242, w.Token)
	wantErr(t, err, guilds.ErrUnknownWebhook)

	// Rename, clear the avatar and move to another channel: both channels hear about it.
	other := bwChannel(f, "other", opcodes.ChannelGuildText)
	name := "Hook Two"
	mark = bwMark(f)
	mod, err := f.svc.ModifyWebhook(f.ctx, f.owner, w.ID, guilds.ModifyWebhookParams{Name: &name, Avatar: opcodes.Null[string](), ChannelID: &other})
	if err != nil || *mod.Name != name || mod.Avatar != nil || *mod.ChannelID != other || mod.User == nil {
		t.Fatalf("ModifyWebhook = %+v, %v", mod, err)
	}
	bwWebhooksUpdate(t, f, mark, f.chID, other)

	// With the token: name and avatar only; channel_id is ignored and no user is returned.
	name = "Hook Three"
	mark = bwMark(f)
	mod, err = f.svc.ModifyWebhookWithToken(f.ctx, w.ID, w.Token, guilds.ModifyWebhookParams{Name: &name, Avatar: opcodes.Some(avatar), ChannelID: &f.chID})
	if err != nil || *mod.Name != name || mod.Avatar == nil || *mod.ChannelID != other || mod.User != nil {
		t.Fatalf("ModifyWebhookWithToken = %+v, %v", mod, err)
	}
	bwWebhooksUpdate(t, f, mark, other)
	_, err = f.svc.ModifyWebhookWithToken(f.ctx, w.ID, "wrong", guilds.ModifyWebhookParams{Name: &name})
	wantErr(t, err, guilds.ErrInvalidWebhookToken)

	mark = bwMark(f)
	if err := f.svc.DeleteWebhookWithToken(f.ctx, w.ID, w.Token); err != nil {
		t.Fatalf("DeleteWebhookWithToken: %v", err)
	}
	bwWebhooksUpdate(t, f, mark, other)
	_, err = f.svc.Webhook(f.ctx, f.owner, w.ID)
	wantErr(t, err, guilds.ErrUnknownWebhook)
	wantErr(t, f.svc.DeleteWebhookWithToken(f.ctx, w.ID, w.Token), guilds.ErrUnknownWebhook)

	w2 := bwWebhook(f, f.chID, "Second")
	mark = bwMark(f)
	if err := f.svc.DeleteWebhook(f.ctx, f.owner, w2.ID); err != nil {
		t.Fatalf("DeleteWebhook: %v", err)
	}
	bwWebhooksUpdate(t, f, mark, f.chID)
	wantErr(t, f.svc.DeleteWebhook(f.ctx, f.owner, w2.ID), guilds.ErrUnknownWebhook)
}

func TestExecuteWebhook(t *testing.T) {
	f := newFixture(t)
	w := bwWebhook(f, f.chID, "Announcer")
	// Webhooks ignore member permissions: even if @everyone may not mention everyone or
	// send messages, the webhook can.
	bwEveryone(f, opcodes.PermViewChannel|opcodes.PermReadMessageHistory)

	mark := bwMark(f)
	msg, err := f.svc.ExecuteWebhook(f.ctx, w.ID, w.Token, guilds.ExecuteWebhookParams{
		MessageParams: guilds.MessageParams{Content: "hello @everyone", TTS: true},
	})
	if err != nil {
		t.Fatalf("ExecuteWebhook: %v", err)
	}
	if msg.WebhookID == nil || *msg.WebhookID != w.ID || msg.Author.ID != w.ID || msg.Author.Username != "Announcer" ||
		!msg.Author.Bot || !msg.MentionEveryone || !msg.TTS || msg.ChannelID != f.chID {
		t.Fatalf("message = %+v", msg)
	}
	ev := bwOneEvent(t, f, mark, opcodes.EventMessageCreate)
	if ev.GuildID != f.guild.ID || ev.ChannelID != f.chID {
		t.Fatalf("MESSAGE_CREATE scope = %+v", ev)
	}
	if d := eventData[opcodes.Message](t, ev); d.Member != nil || d.WebhookID == nil || *d.WebhookID != w.ID {
		t.Fatalf("MESSAGE_CREATE data = %+v", d)
	}
	stored, err := f.svc.Message(f.ctx, f.owner, f.chID, msg.ID)
	if err != nil || stored.WebhookID == nil || *stored.WebhookID != w.ID || stored.Author.ID != w.ID {
		t.Fatalf("stored message = %+v, %v", stored, err)
	}

	// A per-message username overrides the webhook's name for that message only.
	msg, err = f.svc.ExecuteWebhook(f.ctx, w.ID, w.Token, guilds.ExecuteWebhookParams{
		MessageParams: guilds.MessageParams{Content: "as someone else"},
		Username:      "Narrator",
		AvatarURL:     "https://example.com/a.png",
	})
	if err != nil || msg.Author.Username != "Narrator" || msg.Author.ID != w.ID {
		t.Fatalf("override = %+v, %v", msg.Author, err)
	}

	tests := []struct {
		name  string
		token string
		p     guilds.ExecuteWebhookParams
		want  error
		field string
	}{
		{"wrong token", "nope", guilds.ExecuteWebhookParams{MessageParams: guilds.MessageParams{Content: "x"}}, guilds.ErrInvalidWebhookToken, ""},
		{"empty message", w.Token, guilds.ExecuteWebhookParams{}, guilds.ErrEmptyMessage, ""},
		{"too long", w.Token, guilds.ExecuteWebhookParams{MessageParams: guilds.MessageParams{Content: strings.Repeat("x", 2001)}}, nil, "content"},
		{"username clyde", w.Token, guilds.ExecuteWebhookParams{MessageParams: guilds.MessageParams{Content: "x"}, Username: "Clyde"}, nil, "username"},
		{"username too long", w.Token, guilds.ExecuteWebhookParams{MessageParams: guilds.MessageParams{Content: "x"}, Username: strings.Repeat("n", 81)}, nil, "username"},
		{"avatar_url not a URL", w.Token, guilds.ExecuteWebhookParams{MessageParams: guilds.MessageParams{Content: "x"}, AvatarURL: "ftp://x"}, nil, "avatar_url"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mark := bwMark(f)
			_, err := f.svc.ExecuteWebhook(f.ctx, w.ID, tt.token, tt.p)
			if tt.field != "" {
				wantValidation(t, err, tt.field)
			} else {
				wantErr(t, err, tt.want)
			}
			bwNoEvents(t, f, mark)
		})
	}
}

func TestWebhookValidation(t *testing.T) {
	f := newFixture(t)
	w := bwWebhook(f, f.chID, "Valid")
	category := bwChannel(f, "cat", opcodes.ChannelGuildCategory)
	bad := "not-a-data-uri"
	long := strings.Repeat("w", 81)
	tests := []struct {
		name  string
		call  func() error
		field string
	}{
		{"empty name", func() error {
			_, err := f.svc.CreateWebhook(f.ctx, f.owner, f.chID, guilds.WebhookParams{})
			return err
		}, "name"},
		{"long name", func() error {
			_, err := f.svc.CreateWebhook(f.ctx, f.owner, f.chID, guilds.WebhookParams{Name: long})
			return err
		}, "name"},
		{"clyde", func() error {
			_, err := f.svc.CreateWebhook(f.ctx, f.owner, f.chID, guilds.WebhookParams{Name: "xXClYdEXx"})
			return err
		}, "name"},
		{"discord", func() error {
			_, err := f.svc.CreateWebhook(f.ctx, f.owner, f.chID, guilds.WebhookParams{Name: "My Discord Hook"})
			return err
		}, "name"},
		{"bad avatar", func() error {
			_, err := f.svc.CreateWebhook(f.ctx, f.owner, f.chID, guilds.WebhookParams{Name: "ok", Avatar: &bad})
			return err
		}, "avatar"},
		{"rename to clyde", func() error {
			n := "clyde"
			_, err := f.svc.ModifyWebhook(f.ctx, f.owner, w.ID, guilds.ModifyWebhookParams{Name: &n})
			return err
		}, "name"},
		{"token rename too long", func() error {
			_, err := f.svc.ModifyWebhookWithToken(f.ctx, w.ID, w.Token, guilds.ModifyWebhookParams{Name: &long})
			return err
		}, "name"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mark := bwMark(f)
			wantValidation(t, tt.call(), tt.field)
			bwNoEvents(t, f, mark)
		})
	}
	if _, err := f.svc.CreateWebhook(f.ctx, f.owner, category, guilds.WebhookParams{Name: "ok"}); err != guilds.ErrInvalidChannelType {
		t.Errorf("webhook on a category: err = %v, want ErrInvalidChannelType", err)
	}
	if _, err := f.svc.ModifyWebhook(f.ctx, f.owner, w.ID, guilds.ModifyWebhookParams{ChannelID: &category}); err != guilds.ErrInvalidChannelType {
		t.Errorf("move webhook to a category: err = %v, want ErrInvalidChannelType", err)
	}
	// 80 characters is fine.
	if _, err := f.svc.CreateWebhook(f.ctx, f.owner, f.chID, guilds.WebhookParams{Name: long[:80]}); err != nil {
		t.Fatalf("80-character name: %v", err)
	}
}

func TestWebhookPermissions(t *testing.T) {
	f := newFixture(t)
	outsider := f.user("outsider")
	plain := f.member("plain")
	hooker := f.member("hooker")
	role := bwRole(f, opcodes.PermManageWebhooks, hooker)
	// hooker may not manage webhooks in "locked".
	locked := bwChannel(f, "locked", opcodes.ChannelGuildText)
	deny := opcodes.PermManageWebhooks
	roleType := 0
	if err := f.svc.EditOverwrite(f.ctx, f.owner, locked, guilds.OverwriteParams{ID: role, Type: &roleType, Deny: &deny}); err != nil {
		t.Fatal(err)
	}
	w := bwWebhook(f, f.chID, "Owned")
	lockedHook := bwWebhook(f, locked, "Locked")
	secondGuild, err := f.svc.CreateGuild(f.ctx, f.owner, guilds.CreateGuildParams{Name: "Elsewhere"})
	if err != nil {
		t.Fatal(err)
	}
	elsewhere, err := f.svc.GuildChannels(f.ctx, f.owner, secondGuild.ID)
	if err != nil {
		t.Fatal(err)
	}
	name := "renamed"

	tests := []struct {
		name string
		call func() error
		want error
	}{
		{"outsider creates", func() error {
			_, err := f.svc.CreateWebhook(f.ctx, outsider, f.chID, guilds.WebhookParams{Name: "x"})
			return err
		}, guilds.ErrMissingAccess},
		{"member creates", func() error {
			_, err := f.svc.CreateWebhook(f.ctx, plain, f.chID, guilds.WebhookParams{Name: "x"})
			return err
		}, guilds.ErrMissingPermissions},
		{"creates in unknown channel", func() error {
			_, err := f.svc.CreateWebhook(f.ctx, f.owner, 777, guilds.WebhookParams{Name: "x"})
			return err
		}, guilds.ErrUnknownChannel},
		{"member lists channel", func() error { _, err := f.svc.ChannelWebhooks(f.ctx, plain, f.chID); return err }, guilds.ErrMissingPermissions},
		{"member lists guild", func() error { _, err := f.svc.GuildWebhooks(f.ctx, plain, f.guild.ID); return err }, guilds.ErrMissingPermissions},
		{"outsider lists guild", func() error { _, err := f.svc.GuildWebhooks(f.ctx, outsider, f.guild.ID); return err }, guilds.ErrUnknownGuild},
		{"member gets", func() error { _, err := f.svc.Webhook(f.ctx, plain, w.ID); return err }, guilds.ErrMissingPermissions},
		{"member modifies", func() error {
			_, err := f.svc.ModifyWebhook(f.ctx, plain, w.ID, guilds.ModifyWebhookParams{Name: &name})
			return err
		}, guilds.ErrMissingPermissions},
		{"member deletes", func() error { return f.svc.DeleteWebhook(f.ctx, plain, w.ID) }, guilds.ErrMissingPermissions},
		{"unknown webhook", func() error { _, err := f.svc.Webhook(f.ctx, f.owner, 31337); return err }, guilds.ErrUnknownWebhook},
		{"hooker lists locked channel", func() error { _, err := f.svc.ChannelWebhooks(f.ctx, hooker, locked); return err }, guilds.ErrMissingPermissions},
		{"hooker gets locked webhook", func() error { _, err := f.svc.Webhook(f.ctx, hooker, lockedHook.ID); return err }, guilds.ErrMissingPermissions},
		{"hooker moves into locked channel", func() error {
			_, err := f.svc.ModifyWebhook(f.ctx, hooker, w.ID, guilds.ModifyWebhookParams{ChannelID: &locked})
			return err
		}, guilds.ErrMissingPermissions},
		{"owner moves to another guild", func() error {
			_, err := f.svc.ModifyWebhook(f.ctx, f.owner, w.ID, guilds.ModifyWebhookParams{ChannelID: &elsewhere[0].ID})
			return err
		}, guilds.ErrUnknownChannel},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			mark := bwMark(f)
			wantErr(t, tt.call(), tt.want)
			bwNoEvents(t, f, mark)
		})
	}

	// MANAGE_WEBHOOKS through a role is enough where it is not overwritten.
	hw, err := f.svc.CreateWebhook(f.ctx, hooker, f.chID, guilds.WebhookParams{Name: "Hooker's"})
	if err != nil || hw.User == nil || hw.User.ID != hooker {
		t.Fatalf("hooker creates = %+v, %v", hw, err)
	}
	ws, err := f.svc.GuildWebhooks(f.ctx, hooker, f.guild.ID)
	if err != nil || len(ws) != 3 {
		t.Fatalf("hooker guild webhooks = %d, %v", len(ws), err)
	}
	if err := f.svc.DeleteWebhook(f.ctx, hooker, w.ID); err != nil {
		t.Fatalf("hooker deletes: %v", err)
	}
}

// Deleting a channel takes its webhooks with it.
func TestWebhookGoneWithChannel(t *testing.T) {
	f := newFixture(t)
	ch := bwChannel(f, "doomed", opcodes.ChannelGuildText)
	w := bwWebhook(f, ch, "Doomed")
	if _, err := f.svc.DeleteChannel(f.ctx, f.owner, ch); err != nil {
		t.Fatal(err)
	}
	_, err := f.svc.ExecuteWebhook(f.ctx, w.ID, w.Token, guilds.ExecuteWebhookParams{MessageParams: guilds.MessageParams{Content: "x"}})
	wantErr(t, err, guilds.ErrUnknownWebhook)
}
