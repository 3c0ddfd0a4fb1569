package guilds_test

import (
	"context"
	"errors"
	"sync"
	"testing"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage/embedded"
)

// recorder is a Publisher that keeps every event.
type recorder struct {
	mu     sync.Mutex
	events []guilds.Event
}

func (r *recorder) Publish(_ context.Context, ev guilds.Event) {
	r.mu.Lock()
	r.events = append(r.events, ev)
	r.mu.Unlock()
}

func (r *recorder) named(name opcodes.EventName) []guilds.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []guilds.Event
	for _, ev := range r.events {
		if ev.Name == name {
			out = append(out, ev)
		}
	}
	return out
}

type fixture struct {
	t     *testing.T
	ctx   context.Context
	svc   *guilds.Service
	rec   *recorder
	owner snowflake.ID
	guild opcodes.Guild
	chID  snowflake.ID
}

// newService builds a Service on a fresh embedded store; mutate, if given, adjusts the
// config (clock, CDN prefix, limits) before New.
func newService(t *testing.T, mutate ...func(*guilds.Config)) (*guilds.Service, *recorder) {
	t.Helper()
	ctx := context.Background()
	st, err := embedded.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { st.Close() })
	gen, err := snowflake.NewGenerator(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	rec := &recorder{}
	cfg := guilds.Config{Store: st, IDs: gen, Publisher: rec}
	for _, m := range mutate {
		m(&cfg)
	}
	svc, err := guilds.New(ctx, cfg)
	if err != nil {
		t.Fatalf("new service: %v", err)
	}
	return svc, rec
}

// newFixture makes a service with one owner and one guild; mutate adjusts the config.
func newFixture(t *testing.T, mutate ...func(*guilds.Config)) *fixture {
	t.Helper()
	svc, rec := newService(t, mutate...)
	f := &fixture{t: t, ctx: context.Background(), svc: svc, rec: rec}
	f.owner = f.user("owner")
	g, err := svc.CreateGuild(f.ctx, f.owner, guilds.CreateGuildParams{Name: "Test Guild"})
	if err != nil {
		t.Fatalf("create guild: %v", err)
	}
	f.guild = g
	chans, err := svc.GuildChannels(f.ctx, f.owner, g.ID)
	if err != nil || len(chans) != 1 {
		t.Fatalf("guild channels = %v, %v", chans, err)
	}
	f.chID = chans[0].ID
	return f
}

func (f *fixture) user(name string) snowflake.ID {
	f.t.Helper()
	sess, err := f.svc.Register(f.ctx, guilds.RegisterParams{Username: name, Password: "correct horse battery"})
	if err != nil {
		f.t.Fatalf("register %s: %v", name, err)
	}
	return sess.UserID
}

// bot creates an application owned by the fixture owner and adds its bot with perms.
func (f *fixture) bot(name string, perms opcodes.Permissions) (snowflake.ID, string) {
	f.t.Helper()
	app, err := f.svc.CreateApplication(f.ctx, f.owner, guilds.CreateApplicationParams{Name: name})
	if err != nil {
		f.t.Fatalf("create application: %v", err)
	}
	tok, err := f.svc.CreateBot(f.ctx, f.owner, app.ID)
	if err != nil {
		f.t.Fatalf("create bot: %v", err)
	}
	if err := f.svc.AuthorizeBot(f.ctx, f.owner, app.ID, guilds.AuthorizeBotParams{GuildID: f.guild.ID, Permissions: perms, Authorize: true}); err != nil {
		f.t.Fatalf("authorize bot: %v", err)
	}
	return app.ID, tok.Token
}

// member registers a user and joins them to the guild through an invite-free path: a bot
// authorised with no permissions would do, but humans join by AuthorizeBot's sibling in
// tests: the owner adds them with a role-less membership via an invite.
func (f *fixture) member(name string) snowflake.ID {
	f.t.Helper()
	id := f.user(name)
	inv, err := f.svc.CreateInvite(f.ctx, f.owner, f.chID, guilds.InviteParams{})
	if err != nil {
		f.t.Fatalf("create invite: %v", err)
	}
	if _, err := f.svc.AcceptInvite(f.ctx, id, inv.Code); err != nil {
		f.t.Fatalf("accept invite: %v", err)
	}
	return id
}

func wantErr(t *testing.T, err, want error) {
	t.Helper()
	if !errors.Is(err, want) {
		t.Fatalf("err = %v, want %v", err, want)
	}
}

func wantValidation(t *testing.T, err error, field string) {
	t.Helper()
	var ve *guilds.ValidationError
	if !errors.As(err, &ve) {
		t.Fatalf("err = %v, want a validation error on %q", err, field)
	}
	if _, ok := ve.Fields[field]; !ok {
		t.Fatalf("validation error fields = %v, want %q", ve.Fields, field)
	}
}
