package guilds_test

import (
	"context"
	"sync"
	"testing"
	"time"
	"unsafe"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage/embedded"
)

// The Service caches users, applications, and (in the permission cache) members and guild
// channels. These tests check that a write through the Service is visible on the very next
// read, and that an event from another node (Observe) invalidates.

func TestUserCacheSeesProfileChange(t *testing.T) {
	f := newFixture(t)
	sess, err := f.svc.Register(f.ctx, guilds.RegisterParams{Username: "before", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	id := sess.UserID
	inv, err := f.svc.CreateInvite(f.ctx, f.owner, f.chID, guilds.InviteParams{})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.AcceptInvite(f.ctx, id, inv.Code); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.CreateMessage(f.ctx, id, f.chID, guilds.MessageParams{Content: "hi"}); err != nil {
		t.Fatal(err)
	}
	// Warm every cached path.
	if _, err := f.svc.Authenticate(f.ctx, sess.Token); err != nil {
		t.Fatal(err)
	}
	if u, _ := f.svc.CurrentUser(f.ctx, id); u.Username != "before" {
		t.Fatalf("username = %q", u.Username)
	}
	if _, err := f.svc.Messages(f.ctx, f.owner, f.chID, pageLimit(10)); err != nil {
		t.Fatal(err)
	}

	name := "after"
	if _, err := f.svc.ModifyCurrentUser(f.ctx, id, guilds.ModifyUserParams{Username: &name, GlobalName: opcodes.Some("Shown")}); err != nil {
		t.Fatal(err)
	}
	if u, err := f.svc.CurrentUser(f.ctx, id); err != nil || u.Username != "after" || u.GlobalName == nil || *u.GlobalName != "Shown" {
		t.Fatalf("GET /users/@me after PATCH = %+v, %v", u, err)
	}
	if u, err := f.svc.User(f.ctx, id); err != nil || u.Username != "after" {
		t.Fatalf("GET /users/{id} after PATCH = %+v, %v", u, err)
	}
	ms, err := f.svc.Messages(f.ctx, f.owner, f.chID, pageLimit(10))
	if err != nil || len(ms) == 0 || ms[0].Author.Username != "after" {
		t.Fatalf("history author after PATCH = %+v, %v", ms, err)
	}
	if ident, err := f.svc.Authenticate(f.ctx, sess.Token); err != nil || ident.UserID != id || ident.Bot {
		t.Fatalf("authenticate after PATCH = %+v, %v", ident, err)
	}
}

func TestApplicationCacheSeesFlagsAndTokenReset(t *testing.T) {
	f := newFixture(t)
	botID, token := f.bot("reader", opcodes.PermViewChannel|opcodes.PermReadMessageHistory)
	if _, err := f.svc.CreateMessage(f.ctx, f.owner, f.chID, guilds.MessageParams{Content: "secret"}); err != nil {
		t.Fatal(err)
	}
	ident, err := f.svc.Authenticate(f.ctx, "Bot "+token)
	if err != nil || !ident.Bot || ident.AppFlags != 0 {
		t.Fatalf("authenticate = %+v, %v", ident, err)
	}
	ms, err := f.svc.Messages(f.ctx, botID, f.chID, pageLimit(1))
	if err != nil || len(ms) != 1 || ms[0].Content != "" {
		t.Fatalf("without MESSAGE_CONTENT the bot sees %+v, %v", ms, err)
	}

	flags := opcodes.AppFlagGatewayMessageContentLimited
	if _, err := f.svc.ModifyApplication(f.ctx, f.owner, botID, guilds.ModifyApplicationParams{Flags: &flags}); err != nil {
		t.Fatal(err)
	}
	if got, err := f.svc.ApplicationFlags(f.ctx, botID); err != nil || got != flags {
		t.Fatalf("ApplicationFlags after change = %d, %v", got, err)
	}
	if ident, err := f.svc.Authenticate(f.ctx, "Bot "+token); err != nil || ident.AppFlags != flags {
		t.Fatalf("authenticate after flag change = %+v, %v", ident, err)
	}
	ms, err = f.svc.Messages(f.ctx, botID, f.chID, pageLimit(1))
	if err != nil || len(ms) != 1 || ms[0].Content != "secret" {
		t.Fatalf("with MESSAGE_CONTENT the bot sees %+v, %v", ms, err)
	}

	fresh, err := f.svc.ResetBotToken(f.ctx, f.owner, botID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(f.ctx, "Bot "+token); err != guilds.ErrUnauthorized {
		t.Fatalf("old token after reset: err = %v, want ErrUnauthorized", err)
	}
	if ident, err := f.svc.Authenticate(f.ctx, "Bot "+fresh.Token); err != nil || ident.UserID != botID {
		t.Fatalf("new token after reset = %+v, %v", ident, err)
	}
}

// TestCachesAcrossNodes runs two Services over one store, as two nodes: node B's writes reach
// node A through A's subscription to the cache topic (users), or through the newer token
// stamp (bot tokens).
func TestCachesAcrossNodes(t *testing.T) {
	ctx := context.Background()
	st, err := embedded.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	node := func(n int) (*guilds.Service, *recorder) {
		gen, err := snowflake.NewGenerator(0, n)
		if err != nil {
			t.Fatal(err)
		}
		rec := &recorder{}
		svc, err := guilds.New(ctx, guilds.Config{Store: st, IDs: gen, Bus: rec})
		if err != nil {
			t.Fatal(err)
		}
		return svc, rec
	}
	a, recA := node(1)
	b, recB := node(2)
	sess, err := a.Register(ctx, guilds.RegisterParams{Username: "nodeuser", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	if u, _ := a.CurrentUser(ctx, sess.UserID); u.Username != "nodeuser" {
		t.Fatalf("username = %q", u.Username)
	}
	name := "renamed"
	if _, err := b.ModifyCurrentUser(ctx, sess.UserID, guilds.ModifyUserParams{Username: &name}); err != nil {
		t.Fatal(err)
	}
	evs := recB.named(opcodes.EventUserUpdate)
	if len(evs) != 1 {
		t.Fatalf("USER_UPDATE events = %d", len(evs))
	}
	if !evs[0].Cache {
		t.Fatal("USER_UPDATE not marked Cache: other nodes would not see it")
	}
	// An event of A's own would not invalidate twice; B's is applied.
	recA.remote(evs[0]) // what A's bus delivers from node B
	if u, _ := a.CurrentUser(ctx, sess.UserID); u.Username != "renamed" {
		t.Fatalf("node A after USER_UPDATE: username = %q", u.Username)
	}

	// A gap in A's stream (events from B lost) drops A's caches: B's next rename, whose
	// USER_UPDATE A never sees, shows on A after the gap.
	again := "renamed-again"
	if _, err := b.ModifyCurrentUser(ctx, sess.UserID, guilds.ModifyUserParams{Username: &again}); err != nil {
		t.Fatal(err)
	}
	if u, _ := a.CurrentUser(ctx, sess.UserID); u.Username != "renamed" {
		t.Fatalf("node A before the gap: username = %q, want the cached %q", u.Username, "renamed")
	}
	recA.gap()
	if u, _ := a.CurrentUser(ctx, sess.UserID); u.Username != again {
		t.Fatalf("node A after the gap: username = %q, want %q", u.Username, again)
	}

	// A bot token reset on node B: the new token works on node A at once.
	app, err := a.CreateApplication(ctx, sess.UserID, guilds.CreateApplicationParams{Name: "nodebot"})
	if err != nil {
		t.Fatal(err)
	}
	tok, err := a.CreateBot(ctx, sess.UserID, app.ID)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := a.Authenticate(ctx, "Bot "+tok.Token); err != nil {
		t.Fatal(err)
	}
	fresh, err := b.ResetBotToken(ctx, sess.UserID, app.ID)
	if err != nil {
		t.Fatal(err)
	}
	if ident, err := a.Authenticate(ctx, "Bot "+fresh.Token); err != nil || ident.UserID != app.ID {
		t.Fatalf("node A with the token reset on node B = %+v, %v", ident, err)
	}
	if _, err := a.Authenticate(ctx, "Bot "+tok.Token); err != guilds.ErrUnauthorized {
		t.Fatalf("node A with the old token after it saw the new one: err = %v", err)
	}
}

func TestMemberAndChannelCacheSeeWrites(t *testing.T) {
	f := newFixture(t)
	mem := f.member("cached")
	send := func(who snowflake.ID, content string) (opcodes.Message, error) {
		return f.svc.CreateMessage(f.ctx, who, f.chID, guilds.MessageParams{Content: content})
	}
	lastMember := func() *opcodes.Member {
		evs := f.rec.named(opcodes.EventMessageCreate)
		return eventData[opcodes.Message](t, evs[len(evs)-1]).Member
	}
	if _, err := send(mem, "one"); err != nil {
		t.Fatal(err)
	}
	if m := lastMember(); m == nil || m.Nick != nil {
		t.Fatalf("member before nick = %+v", m)
	}

	// Nick and role changes show in the next MESSAGE_CREATE's member.
	if _, err := f.svc.ModifyMember(f.ctx, f.owner, f.guild.ID, mem, guilds.ModifyMemberParams{Nick: opcodes.Some("Nick")}); err != nil {
		t.Fatal(err)
	}
	roleName := "speaker"
	role, err := f.svc.CreateRole(f.ctx, f.owner, f.guild.ID, guilds.RoleParams{Name: &roleName})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.svc.AddMemberRole(f.ctx, f.owner, f.guild.ID, mem, role.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := send(mem, "two"); err != nil {
		t.Fatal(err)
	}
	m := lastMember()
	if m == nil || m.Nick == nil || *m.Nick != "Nick" || len(m.Roles) != 1 || m.Roles[0] != role.ID {
		t.Fatalf("member after nick and role = %+v", m)
	}

	// A channel overwrite denying SEND_MESSAGES applies to the very next send.
	deny := opcodes.PermSendMessages
	everyone := 0
	if err := f.svc.EditOverwrite(f.ctx, f.owner, f.chID, guilds.OverwriteParams{ID: f.guild.ID, Type: &everyone, Deny: &deny}); err != nil {
		t.Fatal(err)
	}
	if _, err := send(mem, "three"); err != guilds.ErrMissingPermissions {
		t.Fatalf("send after deny overwrite: err = %v", err)
	}
	if err := f.svc.DeleteOverwrite(f.ctx, f.owner, f.chID, f.guild.ID); err != nil {
		t.Fatal(err)
	}
	if _, err := send(mem, "four"); err != nil {
		t.Fatalf("send after the overwrite is gone: %v", err)
	}

	// A kicked member is no longer mentioned, and can no longer send.
	if err := f.svc.KickMember(f.ctx, f.owner, f.guild.ID, mem); err != nil {
		t.Fatal(err)
	}
	msg, err := send(f.owner, "hey <@"+mem.String()+">")
	if err != nil || len(msg.Mentions) != 0 {
		t.Fatalf("mention of a kicked member = %+v, %v", msg.Mentions, err)
	}
	if _, err := send(mem, "five"); err != guilds.ErrMissingAccess {
		t.Fatalf("send after kick: err = %v", err)
	}

	// A deleted channel is unknown at once.
	if _, err := f.svc.DeleteChannel(f.ctx, f.owner, f.chID); err != nil {
		t.Fatal(err)
	}
	if _, err := send(f.owner, "six"); err != guilds.ErrUnknownChannel {
		t.Fatalf("send to a deleted channel: err = %v", err)
	}
}

func TestTokenCacheHonoursExpiryAndCopiesKeys(t *testing.T) {
	ctx := context.Background()
	st, err := embedded.Open(ctx, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	gen, err := snowflake.NewGenerator(0, 0)
	if err != nil {
		t.Fatal(err)
	}
	var mu sync.Mutex
	now := time.Now()
	clock := func() time.Time { mu.Lock(); defer mu.Unlock(); return now }
	svc, err := guilds.New(ctx, guilds.Config{Store: st, IDs: gen, Now: clock})
	if err != nil {
		t.Fatal(err)
	}
	a, err := svc.Register(ctx, guilds.RegisterParams{Username: "alpha", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}
	b, err := svc.Register(ctx, guilds.RegisterParams{Username: "bravo", Password: "correct horse battery"})
	if err != nil {
		t.Fatal(err)
	}

	// A token string that aliases a buffer the caller reuses, as Fiber's header values do.
	buf := []byte(a.Token)
	aliased := unsafe.String(&buf[0], len(buf))
	if id, err := svc.Authenticate(ctx, aliased); err != nil || id.UserID != a.UserID {
		t.Fatalf("authenticate a = %+v, %v", id, err)
	}
	copy(buf, b.Token)
	if id, err := svc.Authenticate(ctx, a.Token); err != nil || id.UserID != a.UserID {
		t.Fatalf("a's token after the buffer was reused = %+v, %v", id, err)
	}
	if id, err := svc.Authenticate(ctx, b.Token); err != nil || id.UserID != b.UserID {
		t.Fatalf("b's token = %+v, %v", id, err)
	}

	// A cached token still expires.
	mu.Lock()
	now = now.Add(2 * time.Hour)
	mu.Unlock()
	if _, err := svc.Authenticate(ctx, a.Token); err != guilds.ErrUnauthorized {
		t.Fatalf("expired cached token: err = %v, want ErrUnauthorized", err)
	}
}
