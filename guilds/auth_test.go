package guilds_test

import (
	"encoding/base64"
	"strings"
	"testing"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
)

func TestBotTokenShapeAndReset(t *testing.T) {
	f := newFixture(t)
	appID, tok := f.bot("tokenbot", 0)
	parts := strings.Split(tok, ".")
	if len(parts) != 3 || len(parts[1]) < 6 || len(parts[2]) < 27 {
		t.Fatalf("token %q not in Discord's shape", tok)
	}
	// disgo and Discord4J decode the first part into the application ID.
	raw, err := base64.RawStdEncoding.DecodeString(parts[0])
	if err != nil || string(raw) != appID.String() {
		t.Fatalf("first part decodes to %q (%v), want %s", raw, err, appID)
	}
	for _, p := range parts {
		if strings.ContainsAny(p, "=+/") {
			t.Fatalf("token part %q has characters outside [A-Za-z0-9_-]", p)
		}
	}
	for _, form := range []string{tok, "Bot " + tok} {
		id, err := f.svc.Authenticate(f.ctx, form)
		if err != nil || id.UserID != appID || !id.Bot {
			t.Fatalf("Authenticate(%q) = %+v, %v", form, id, err)
		}
	}
	fresh, err := f.svc.ResetBotToken(f.ctx, f.owner, appID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(f.ctx, tok); err != guilds.ErrUnauthorized {
		t.Fatalf("old token after reset: err = %v, want ErrUnauthorized", err)
	}
	if _, err := f.svc.Authenticate(f.ctx, fresh.Token); err != nil {
		t.Fatalf("new token: %v", err)
	}
	tampered := parts[0] + "." + parts[1] + "." + strings.Repeat("A", len(parts[2]))
	if _, err := f.svc.Authenticate(f.ctx, tampered); err != guilds.ErrUnauthorized {
		t.Fatalf("tampered token: err = %v", err)
	}
	if _, err := f.svc.ResetBotToken(f.ctx, appID, appID); err != guilds.ErrUnknownApplication {
		t.Fatalf("reset by non-owner: err = %v", err)
	}
}

func TestLoginAndRefreshRotation(t *testing.T) {
	svc, _ := newService(t)
	f := &fixture{t: t, ctx: t.Context(), svc: svc}
	reg, err := svc.Register(f.ctx, guilds.RegisterParams{Username: "alice", Password: "s3cret-password"})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Login(f.ctx, guilds.LoginParams{Login: "alice", Password: "wrong-password"}); err != guilds.ErrInvalidLogin {
		t.Fatalf("wrong password: err = %v", err)
	}
	if _, err := svc.Login(f.ctx, guilds.LoginParams{Login: "nobody", Password: "whatever1"}); err != guilds.ErrInvalidLogin {
		t.Fatalf("unknown user: err = %v", err)
	}
	sess, err := svc.Login(f.ctx, guilds.LoginParams{Login: "ALICE", Password: "s3cret-password"})
	if err != nil || sess.UserID != reg.UserID {
		t.Fatalf("login = %+v, %v", sess, err)
	}
	for _, form := range []string{sess.Token, "Bearer " + sess.Token} {
		id, err := svc.Authenticate(f.ctx, form)
		if err != nil || id.UserID != reg.UserID || id.Bot {
			t.Fatalf("Authenticate(%q) = %+v, %v", form, id, err)
		}
	}
	next, err := svc.Refresh(f.ctx, sess.RefreshToken)
	if err != nil || next.RefreshToken == sess.RefreshToken {
		t.Fatalf("refresh = %+v, %v", next, err)
	}
	// Reusing the old refresh token revokes the family, including the new one.
	if _, err := svc.Refresh(f.ctx, sess.RefreshToken); err != guilds.ErrRefreshReused {
		t.Fatalf("reuse: err = %v, want ErrRefreshReused", err)
	}
	if _, err := svc.Refresh(f.ctx, next.RefreshToken); err != guilds.ErrUnauthorized {
		t.Fatalf("refresh after family revoked: err = %v", err)
	}
	if _, err := svc.Authenticate(f.ctx, "garbage"); err != guilds.ErrUnauthorized {
		t.Fatalf("garbage token: err = %v", err)
	}
}

func TestAuthorizeBotNeedsManageGuild(t *testing.T) {
	f := newFixture(t)
	m := f.member("mod")
	app, err := f.svc.CreateApplication(f.ctx, m, guilds.CreateApplicationParams{Name: "other bot"})
	if err != nil {
		t.Fatal(err)
	}
	err = f.svc.AuthorizeBot(f.ctx, m, app.ID, guilds.AuthorizeBotParams{GuildID: f.guild.ID, Authorize: true})
	wantErr(t, err, guilds.ErrMissingPermissions)
	// Owner may, but cannot grant more than it has (it has everything) → managed role made.
	if err := f.svc.AuthorizeBot(f.ctx, f.owner, app.ID, guilds.AuthorizeBotParams{GuildID: f.guild.ID, Permissions: opcodes.PermKickMembers, Authorize: true}); err != nil {
		t.Fatal(err)
	}
	mem, err := f.svc.Member(f.ctx, f.owner, f.guild.ID, app.ID)
	if err != nil || len(mem.Roles) != 1 {
		t.Fatalf("bot member = %+v, %v", mem, err)
	}
	role, err := f.svc.Role(f.ctx, f.owner, f.guild.ID, mem.Roles[0])
	if err != nil || !role.Managed || role.Tags == nil || *role.Tags.BotID != app.ID {
		t.Fatalf("bot role = %+v, %v", role, err)
	}
}
