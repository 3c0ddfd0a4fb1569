package guilds_test

import (
	"context"
	"encoding/json"
	"errors"
	"slices"
	"sync"
	"testing"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage/embedded"
)

// recorder is the Service's bus in tests: it keeps every published event, delivers it to
// the listeners as local (as events.Memory would), and lets a test deliver an event or a gap
// as if from another node.
type recorder struct {
	mu        sync.Mutex
	events    []events.Event
	listeners []events.Listener
	subs      map[events.Topic]int
}

func (r *recorder) Listen(l events.Listener) func() {
	r.mu.Lock()
	r.listeners = append(r.listeners, l)
	r.mu.Unlock()
	return func() {}
}

func (r *recorder) Publish(ctx context.Context, ev events.Event) error {
	r.mu.Lock()
	r.events = append(r.events, ev)
	ls := slices.Clone(r.listeners)
	r.mu.Unlock()
	for _, l := range ls {
		l.Receive(ctx, ev, true)
	}
	return nil
}

func (r *recorder) Subscribe(t events.Topic) {
	r.mu.Lock()
	if r.subs == nil {
		r.subs = make(map[events.Topic]int)
	}
	r.subs[t]++
	r.mu.Unlock()
}

func (r *recorder) Unsubscribe(t events.Topic) {
	r.mu.Lock()
	r.subs[t]--
	r.mu.Unlock()
}

func (r *recorder) WaitSubscribed(context.Context, []events.Topic) error { return nil }
func (r *recorder) Close() error                                         { return nil }

// remote delivers ev to the listeners as an event of another node.
func (r *recorder) remote(ev events.Event) {
	r.mu.Lock()
	ls := slices.Clone(r.listeners)
	r.mu.Unlock()
	for _, l := range ls {
		l.Receive(context.Background(), ev, false)
	}
}

// gap tells the listeners that events may have been lost.
func (r *recorder) gap() {
	r.mu.Lock()
	ls := slices.Clone(r.listeners)
	r.mu.Unlock()
	for _, l := range ls {
		l.Gap()
	}
}

func (r *recorder) named(name opcodes.EventName) []events.Event {
	r.mu.Lock()
	defer r.mu.Unlock()
	var out []events.Event
	for _, ev := range r.events {
		if ev.Name == name {
			out = append(out, ev)
		}
	}
	return out
}

// eventData decodes an event's d (as the publisher encoded it) into a T.
func eventData[T any](t testing.TB, ev events.Event) T {
	t.Helper()
	var v T
	if err := json.Unmarshal(ev.Data, &v); err != nil {
		t.Fatalf("%s: decode d %s: %v", ev.Name, ev.Data, err)
	}
	return v
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
	cfg := guilds.Config{Store: st, IDs: gen, Bus: rec}
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
