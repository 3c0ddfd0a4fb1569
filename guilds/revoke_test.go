package guilds_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/guilds/events/redisbus"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
	"github.com/parley-chat/parley/storage/embedded"
	"github.com/parley-chat/parley/storage/testenv"
)

// revocations returns the Revocations among the recorded events.
func (r *recorder) revocations() []guilds.Revocation {
	var out []guilds.Revocation
	for _, ev := range r.named(guilds.EventTokensRevoked) {
		rv, ok := guilds.RevocationOf(ev)
		if !ok {
			continue
		}
		if !ev.Cache || len(ev.UserIDs) != 1 || ev.UserIDs[0] != rv.UserID {
			panic("revocation event without all-nodes scope")
		}
		out = append(out, rv)
	}
	return out
}

func TestRefreshReuseRevokesAccessTokensAtOnce(t *testing.T) {
	svc, rec := newService(t)
	ctx := t.Context()
	reg, err := svc.Register(ctx, guilds.RegisterParams{Username: "alice", Password: "s3cret-password"})
	if err != nil {
		t.Fatal(err)
	}
	other, err := svc.Login(ctx, guilds.LoginParams{Login: "alice", Password: "s3cret-password"})
	if err != nil {
		t.Fatal(err)
	}
	next, err := svc.Refresh(ctx, reg.RefreshToken)
	if err != nil {
		t.Fatal(err)
	}
	// Both access tokens of the family work and name it; the other login is another family.
	a, err := svc.Authenticate(ctx, reg.Token)
	if err != nil {
		t.Fatal(err)
	}
	b, err := svc.Authenticate(ctx, next.Token)
	if err != nil || b.TokenFamily != a.TokenFamily || a.TokenFamily == "" {
		t.Fatalf("refreshed token family %q (%v), first %q", b.TokenFamily, err, a.TokenFamily)
	}
	if o, err := svc.Authenticate(ctx, other.Token); err != nil || o.TokenFamily == a.TokenFamily {
		t.Fatalf("second login: %+v, %v", o, err)
	}

	if _, err := svc.Refresh(ctx, reg.RefreshToken); err != guilds.ErrRefreshReused {
		t.Fatalf("reuse: err = %v", err)
	}
	for _, tok := range []string{reg.Token, next.Token} {
		if _, err := svc.Authenticate(ctx, tok); err != guilds.ErrUnauthorized {
			t.Fatalf("access token of the revoked family: err = %v, want ErrUnauthorized", err)
		}
	}
	if _, err := svc.Authenticate(ctx, other.Token); err != nil {
		t.Fatalf("another family's token after the revocation: %v", err)
	}
	got := rec.revocations()
	if len(got) != 1 || got[0] != (guilds.Revocation{UserID: reg.UserID, Family: a.TokenFamily}) {
		t.Fatalf("revocations published = %+v", got)
	}
}

func TestLogout(t *testing.T) {
	f := newFixture(t)
	login := func() (guilds.LoginTokens, guilds.Identity) {
		t.Helper()
		s, err := f.svc.Login(f.ctx, guilds.LoginParams{Login: "owner", Password: "correct horse battery"})
		if err != nil {
			t.Fatal(err)
		}
		id, err := f.svc.Authenticate(f.ctx, s.Token)
		if err != nil {
			t.Fatal(err)
		}
		return s, id
	}
	phone, phoneID := login()
	laptop, _ := login()
	if err := f.svc.Logout(f.ctx, phoneID); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.Authenticate(f.ctx, phone.Token); err != guilds.ErrUnauthorized {
		t.Fatalf("logged-out access token: err = %v", err)
	}
	if _, err := f.svc.Refresh(f.ctx, phone.RefreshToken); err != guilds.ErrUnauthorized {
		t.Fatalf("logged-out refresh token: err = %v", err)
	}
	if _, err := f.svc.Authenticate(f.ctx, laptop.Token); err != nil {
		t.Fatalf("the other login after logout: %v", err)
	}
	if got := f.rec.revocations(); len(got) != 1 || got[0] != (guilds.Revocation{UserID: f.owner, Family: phoneID.TokenFamily}) {
		t.Fatalf("revocations = %+v", got)
	}

	_, botTok := f.bot("logoutbot", 0)
	bot, err := f.svc.Authenticate(f.ctx, botTok)
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []guilds.Identity{bot, {UserID: f.owner}} {
		if err := f.svc.Logout(f.ctx, id); err != guilds.ErrUnauthorized {
			t.Fatalf("Logout(%+v) = %v, want ErrUnauthorized", id, err)
		}
	}
}

// TestAccessTokenWithoutFamilyRefused signs a token in the old shape (no sid claim) with the
// service's key: it must not be accepted, since it could never be revoked.
func TestAccessTokenWithoutFamilyRefused(t *testing.T) {
	secret := []byte("0123456789abcdef0123456789abcdef")
	svc, _ := newService(t, func(c *guilds.Config) { c.Secret = secret })
	reg, err := svc.Register(t.Context(), guilds.RegisterParams{Username: "olduser", Password: "s3cret-password"})
	if err != nil {
		t.Fatal(err)
	}
	m := hmac.New(sha256.New, secret)
	m.Write([]byte("jwt-access"))
	key := m.Sum(nil)
	sign := func(claims map[string]any) string {
		enc := base64.RawURLEncoding
		h := enc.EncodeToString([]byte(`{"alg":"HS256","typ":"JWT"}`))
		body, _ := json.Marshal(claims)
		p := h + "." + enc.EncodeToString(body)
		mac := hmac.New(sha256.New, key)
		mac.Write([]byte(p))
		return p + "." + enc.EncodeToString(mac.Sum(nil))
	}
	now := time.Now().Unix()
	base := map[string]any{"sub": reg.UserID.String(), "iat": now, "exp": now + 3600, "knd": "access"}
	if _, err := svc.Authenticate(t.Context(), sign(base)); err != guilds.ErrUnauthorized {
		t.Fatalf("token without family: err = %v, want ErrUnauthorized", err)
	}
	// The hand-made signature is right: the same claims with a family are accepted.
	base["sid"] = "some-family"
	if _, err := svc.Authenticate(t.Context(), sign(base)); err != nil {
		t.Fatalf("hand-signed token with a family: %v", err)
	}
}

// pairBus is one node's end of a two-node bus for tests: its own events reach its listeners
// as local, and its Cache events reach the other node's listeners as remote, unless muted.
type pairBus struct {
	mu        sync.Mutex
	listeners []events.Listener
	peer      *pairBus
	muted     *atomic.Bool
}

func (b *pairBus) Listen(l events.Listener) func() {
	b.mu.Lock()
	b.listeners = append(b.listeners, l)
	b.mu.Unlock()
	return func() {}
}

func (b *pairBus) deliver(ctx context.Context, ev events.Event, local bool) {
	b.mu.Lock()
	ls := slices.Clone(b.listeners)
	b.mu.Unlock()
	for _, l := range ls {
		l.Receive(ctx, ev, local)
	}
}

func (b *pairBus) Publish(ctx context.Context, ev events.Event) error {
	b.deliver(ctx, ev, true)
	if ev.Cache && !b.muted.Load() {
		b.peer.deliver(ctx, ev, false)
	}
	return nil
}

// gap tells b's listeners that events may have been lost.
func (b *pairBus) gap() {
	b.mu.Lock()
	ls := slices.Clone(b.listeners)
	b.mu.Unlock()
	for _, l := range ls {
		l.Gap()
	}
}

func (b *pairBus) Subscribe(events.Topic)                               {}
func (b *pairBus) Unsubscribe(events.Topic)                             {}
func (b *pairBus) WaitSubscribed(context.Context, []events.Topic) error { return nil }
func (b *pairBus) Close() error                                         { return nil }

// twoNodes builds two Services on one store, joined by buses (pairBus, or Redis when
// redisURL is set); for pairBus only, mute stops events between them and gap2 reports a
// gap to node 2.
func twoNodes(t *testing.T, redisURL string) (n1, n2 *guilds.Service, mute *atomic.Bool, gap2 func()) {
	t.Helper()
	st, err := embedded.Open(t.Context(), t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { st.Close() })
	var buses [2]events.Broker
	if redisURL == "" {
		mute = new(atomic.Bool)
		a, b := &pairBus{muted: mute}, &pairBus{muted: mute}
		a.peer, b.peer = b, a
		buses = [2]events.Broker{a, b}
		gap2 = b.gap
	} else {
		prefix := testenv.RedisPrefix(t, redisURL)
		for i := range buses {
			rb, err := redisbus.New(t.Context(), redisbus.Config{URL: redisURL, Prefix: prefix})
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { rb.Close() })
			buses[i] = rb
		}
	}
	var nodes [2]*guilds.Service
	for i := range nodes {
		gen, err := snowflake.NewGenerator(0, i)
		if err != nil {
			t.Fatal(err)
		}
		svc, err := guilds.New(t.Context(), guilds.Config{Store: st, IDs: gen, Bus: buses[i]})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(svc.Close)
		nodes[i] = svc
	}
	return nodes[0], nodes[1], mute, gap2
}

// eventually retries f until it returns nil, for a bus that delivers asynchronously
// (Redis: a round trip), or fails with f's last error.
func eventually(t *testing.T, f func() error) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for {
		err := f()
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
}

func TestRevocationReachesOtherNodes(t *testing.T) {
	t.Run("MemoryPair", func(t *testing.T) { testRevocationReachesOtherNodes(t, "") })
	t.Run("Redis", func(t *testing.T) { testRevocationReachesOtherNodes(t, testenv.RedisURL(t)) })
}

func testRevocationReachesOtherNodes(t *testing.T, redisURL string) {
	n1, n2, mute, gap2 := twoNodes(t, redisURL)
	ctx := t.Context()
	// refused waits for n2 to refuse a token (at once on the pair bus, within a round trip
	// on Redis).
	refused := func(what, token string) {
		t.Helper()
		eventually(t, func() error {
			if _, err := n2.Authenticate(ctx, token); err != guilds.ErrUnauthorized {
				return fmt.Errorf("node 2, %s: err = %v, want ErrUnauthorized", what, err)
			}
			return nil
		})
	}
	reg, err := n1.Register(ctx, guilds.RegisterParams{Username: "alice", Password: "s3cret-password"})
	if err != nil {
		t.Fatal(err)
	}
	login := func() (guilds.LoginTokens, guilds.Identity) {
		s, err := n1.Login(ctx, guilds.LoginParams{Login: "alice", Password: "s3cret-password"})
		if err != nil {
			t.Fatal(err)
		}
		// Node 2 has checked the family, so it holds it as not revoked in its cache.
		id, err := n2.Authenticate(ctx, s.Token)
		if err != nil {
			t.Fatal(err)
		}
		return s, id
	}

	t.Run("Logout", func(t *testing.T) {
		s, id := login()
		if err := n1.Logout(ctx, id); err != nil {
			t.Fatal(err)
		}
		refused("after logout on node 1", s.Token)
	})
	t.Run("RefreshReuse", func(t *testing.T) {
		s, _ := login()
		next, err := n2.Refresh(ctx, s.RefreshToken)
		if err != nil {
			t.Fatal(err)
		}
		if _, err := n1.Authenticate(ctx, next.Token); err != nil {
			t.Fatal(err)
		}
		if _, err := n2.Refresh(ctx, s.RefreshToken); err != guilds.ErrRefreshReused {
			t.Fatalf("reuse: %v", err)
		}
		eventually(t, func() error {
			if _, err := n1.Authenticate(ctx, next.Token); err != guilds.ErrUnauthorized {
				return fmt.Errorf("node 1 after reuse on node 2: err = %v", err)
			}
			return nil
		})
	})
	if mute != nil {
		t.Run("WithoutTheEventTheCacheAnswers", func(t *testing.T) {
			// What the bus event is for: a node that missed it trusts its cache (until the
			// TTL).
			s, id := login()
			mute.Store(true)
			defer mute.Store(false)
			if err := n1.Logout(ctx, id); err != nil {
				t.Fatal(err)
			}
			if _, err := n2.Authenticate(ctx, s.Token); err != nil {
				t.Fatalf("node 2 without the event: err = %v, want its cached answer", err)
			}
			// A gap (a reconnected broker) drops the family cache too.
			gap2()
			if _, err := n2.Authenticate(ctx, s.Token); err != guilds.ErrUnauthorized {
				t.Fatalf("node 2 after a gap: err = %v, want ErrUnauthorized", err)
			}
		})
	}
	t.Run("BotTokenReset", func(t *testing.T) {
		app, err := n1.CreateApplication(ctx, reg.UserID, guilds.CreateApplicationParams{Name: "resetbot"})
		if err != nil {
			t.Fatal(err)
		}
		old, err := n1.CreateBot(ctx, reg.UserID, app.ID)
		if err != nil {
			t.Fatal(err)
		}
		before, err := n2.Authenticate(ctx, old.Token)
		if err != nil || before.TokenFamily == "" {
			t.Fatalf("bot identity = %+v, %v", before, err)
		}
		fresh, err := n1.ResetBotToken(ctx, reg.UserID, app.ID)
		if err != nil {
			t.Fatal(err)
		}
		refused("old bot token after reset on node 1", old.Token)
		after, err := n2.Authenticate(ctx, fresh.Token)
		if err != nil || after.TokenFamily == before.TokenFamily {
			t.Fatalf("new bot token on node 2: %+v, %v", after, err)
		}
	})
}

func TestRevocationOfIgnoresOtherEvents(t *testing.T) {
	for _, ev := range []events.Event{
		{Name: "MESSAGE_CREATE", Data: json.RawMessage(`{"user_id":"1","family":"f"}`)},
		{Name: guilds.EventTokensRevoked, Data: json.RawMessage(`{"user_id":"1"}`)},
		{Name: guilds.EventTokensRevoked, Data: json.RawMessage(`not json`)},
		{Name: guilds.EventTokensRevoked},
	} {
		if r, ok := guilds.RevocationOf(ev); ok {
			t.Errorf("RevocationOf(%+v) = %+v, true", ev, r)
		}
	}
	r, ok := guilds.RevocationOf(events.Event{Name: guilds.EventTokensRevoked, Data: json.RawMessage(`{"user_id":"7","family":"f"}`)})
	if !ok || r != (guilds.Revocation{UserID: 7, Family: "f"}) {
		t.Fatalf("decoded revocation = %+v, %v", r, ok)
	}
}

// brokenTokens fails FamilyRevoked, as a store outage would.
type brokenTokens struct {
	storage.TokenStore
	fail *atomic.Bool
}

var errOutage = errors.New("store unreachable")

func (b brokenTokens) FamilyRevoked(ctx context.Context, family string) (bool, error) {
	if b.fail.Load() {
		return false, errOutage
	}
	return b.TokenStore.FamilyRevoked(ctx, family)
}

type brokenStore struct {
	storage.Store
	fail *atomic.Bool
}

func (b brokenStore) Tokens() storage.TokenStore {
	return brokenTokens{TokenStore: b.Store.Tokens(), fail: b.fail}
}

func TestFamilyCheckOutageIsNotUnauthorized(t *testing.T) {
	fail := new(atomic.Bool)
	svc, _ := newService(t, func(c *guilds.Config) { c.Store = brokenStore{Store: c.Store, fail: fail} })
	reg, err := svc.Register(t.Context(), guilds.RegisterParams{Username: "alice", Password: "s3cret-password"})
	if err != nil {
		t.Fatal(err)
	}
	fail.Store(true)
	// An outage must not look like a bad token (clients drop bad tokens; 503 is retried).
	if _, err := svc.Authenticate(t.Context(), reg.Token); !errors.Is(err, errOutage) {
		t.Fatalf("Authenticate during outage: err = %v, want the store's error", err)
	}
	if _, err := svc.Refresh(t.Context(), reg.RefreshToken); !errors.Is(err, errOutage) {
		t.Fatalf("Refresh during outage: err = %v, want the store's error", err)
	}
	fail.Store(false)
	if _, err := svc.Authenticate(t.Context(), reg.Token); err != nil {
		t.Fatalf("after the outage: %v", err)
	}
}
