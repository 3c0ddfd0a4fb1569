package gateway

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"testing/synctest"
	"time"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// Intent values as a client writes them.
const (
	iGuilds         = 1
	iGuildMembers   = 2
	iGuildPresences = 256
	iGuildMessages  = 512
	iDirectMessages = 4096
	iMessageContent = 32768
	iBasic          = iGuilds | iGuildMessages | iDirectMessages
)

var msgID snowflake.ID = 900000

func publishMessage(t *testing.T, srv *Server, guildID, channelID, author snowflake.ID, content string, mentions ...snowflake.ID) {
	t.Helper()
	msgID++
	m := opcodes.Message{
		ID: msgID, ChannelID: channelID, Content: content,
		Author:      opcodes.User{ID: author, Username: "author", Discriminator: "0"},
		Timestamp:   opcodes.NewTimestamp(time.Unix(1700000000, 0)),
		Mentions:    []opcodes.User{},
		Embeds:      []opcodes.Embed{{Title: "embed"}},
		Attachments: []opcodes.Attachment{},
		Components:  []json.RawMessage{json.RawMessage(`{"type":1}`)},
		Poll:        json.RawMessage(`{"question":{"text":"q"}}`),
	}
	for _, u := range mentions {
		m.Mentions = append(m.Mentions, opcodes.User{ID: u, Username: "m", Discriminator: "0"})
	}
	ev := events.Event{Name: opcodes.EventMessageCreate, GuildID: guildID, ChannelID: channelID, AuthorID: author, Mentions: mentions}
	if guildID == 0 {
		ev.ChannelID = 0
		ev.UserIDs = []snowflake.ID{botA, botB}
	} else {
		// As the domain publishes a guild message: with its MESSAGE_CONTENT-stripped form.
		g := guildID
		m.GuildID = &g
		stripped := m
		guilds.StripContent(&stripped)
		ev.Stripped = mustJSON(t, stripped)
	}
	srv.publish(context.Background(), ev, m)
}

func contentOf(t *testing.T, m msg) string {
	t.Helper()
	var d struct {
		Content *string `json:"content"`
	}
	if err := json.Unmarshal(m.D, &d); err != nil || d.Content == nil {
		t.Fatalf("message without content: %s", m.raw)
	}
	return *d.Content
}

// 1. Connect: any path, any parameter order, v 9/10/absent, bad values.
func TestConnect(t *testing.T) {
	ts := newTestServer(t, Config{}, nil)
	for _, path := range []string{"/", "/x", "/x/", "/resume/"} {
		for _, q := range []string{"v=10&encoding=json", "encoding=json&v=9", "encoding=json", "", "compress=zlib-stream&encoding=json&v=10"} {
			t.Run(path+"?"+q, func(t *testing.T) {
				comp := ""
				if strings.Contains(q, "zlib") {
					comp = "zlib"
				}
				c := dial(t, ts.url, dialOpt{path: path, query: q + "&", compress: comp})
				if got := c.hello(); got != 41250 {
					t.Fatalf("heartbeat_interval = %d, want 41250", got)
				}
			})
		}
	}
	t.Run("bad version closes 4012", func(t *testing.T) {
		c := dial(t, ts.url, dialOpt{query: "v=8&encoding=json"})
		c.expectClose(4012)
	})
	for _, q := range []string{"v=10&encoding=xml", "v=10&encoding=json&compress=gzip"} {
		t.Run(q, func(t *testing.T) {
			resp, err := http.Get(strings.Replace(ts.url, "ws", "http", 1) + "/?" + q)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			// Not an upgrade: 404. As an upgrade the query is checked first: 400.
			req, _ := http.NewRequest("GET", strings.Replace(ts.url, "ws", "http", 1)+"/?"+q, nil)
			req.Header.Set("Connection", "Upgrade")
			req.Header.Set("Upgrade", "websocket")
			req.Header.Set("Sec-WebSocket-Version", "13")
			req.Header.Set("Sec-WebSocket-Key", "dGhlIHNhbXBsZSBub25jZQ==")
			resp, err = http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != http.StatusBadRequest {
				t.Fatalf("status %d, want 400", resp.StatusCode)
			}
		})
	}
}

// 3. Identify parsed loosely, READY complete, then GUILD_CREATE per guild.
func TestIdentifyReady(t *testing.T) {
	ts := newTestServer(t, Config{PublicURL: "ws://gw.example:1/"}, nil)
	c := dial(t, ts.url, dialOpt{})
	c.hello()
	// discordgo-style: "Bot " prefix, $-keys, zero-time game presence; arikawa: intents null.
	c.send(`{"op":2,"d":{"token":"Bot tokA","intents":null,"compress":false,"large_threshold":250,` +
		`"properties":{"$os":"linux","$browser":"discordgo","$device":"discordgo"},` +
		`"presence":{"game":{"name":"","type":0,"since":"0001-01-01T00:00:00Z"},"status":"online","since":0,"afk":false,"activities":null},"v":10}}`)
	ready := c.expectDispatch("READY")
	if ready.seq() != 1 {
		t.Fatalf("READY s = %d, want 1", ready.seq())
	}
	var d struct {
		V                int               `json:"v"`
		User             map[string]any    `json:"user"`
		Guilds           []map[string]any  `json:"guilds"`
		SessionID        string            `json:"session_id"`
		ResumeGatewayURL string            `json:"resume_gateway_url"`
		Shard            []int             `json:"shard"`
		Application      map[string]any    `json:"application"`
		SessionType      string            `json:"session_type"`
		PrivateChannels  []any             `json:"private_channels"`
		Presences        []any             `json:"presences"`
		Relationships    []any             `json:"relationships"`
		GuildJoinReqs    []any             `json:"guild_join_requests"`
		UserSettings     map[string]any    `json:"user_settings"`
		Trace            []string          `json:"_trace"`
		Rest             map[string]string `json:"-"`
	}
	if err := json.Unmarshal(ready.D, &d); err != nil {
		t.Fatal(err)
	}
	switch {
	case d.V != 10, d.User["id"] != botA.String(), d.User["bot"] != true, len(d.Guilds) != 2,
		d.Guilds[0]["unavailable"] != true, d.SessionID == "", d.ResumeGatewayURL != "ws://gw.example:1",
		len(d.Shard) != 2 || d.Shard[1] != 1, d.Application["id"] != botA.String(), d.Application["flags"] == nil,
		d.SessionType != "normal", d.PrivateChannels == nil, d.Presences == nil, d.Relationships == nil,
		d.GuildJoinReqs == nil, d.UserSettings == nil, len(d.Trace) == 0:
		t.Fatalf("incomplete READY: %s", ready.raw)
	}
	seen := map[string]bool{}
	for i := range 2 {
		gc := c.expectDispatch("GUILD_CREATE")
		if gc.seq() != int64(2+i) {
			t.Fatalf("GUILD_CREATE s = %d, want %d", gc.seq(), 2+i)
		}
		seen[gc.data(t)["id"].(string)] = true
	}
	if !seen[guild0.String()] || !seen[guild1.String()] {
		t.Fatalf("GUILD_CREATEs for %v", seen)
	}
	// Users get no application object.
	h := dial(t, ts.url, dialOpt{})
	h.hello()
	hr := h.identify("tokH", iBasic, "")
	if _, ok := hr.data(t)["application"]; ok {
		t.Fatalf("user READY has application: %s", hr.raw)
	}
}

// 3. Heartbeats before Identify, with d null or 0, each ACKed; server op 1 via test control.
func TestHeartbeat(t *testing.T) {
	ts := newTestServer(t, Config{TestControls: true}, nil)
	c := dial(t, ts.url, dialOpt{})
	c.hello()
	c.send(`{"op":1,"d":null}`)
	if m := c.next(); m.Op != 11 || m.raw == nil || !strings.Contains(string(m.raw), `"t":null`) {
		t.Fatalf("want op 11 with all four keys, got %s", m.raw)
	}
	c.send(`{"op":1,"d":0}`)
	c.expectOp(11)
	c.identify("tokA", iBasic, "")
	c.send(`{"op":1,"d":3}`)
	c.expectOp(11)
	body := fmt.Sprintf(`{"user_id":"%s","mode":"heartbeat"}`, botA)
	resp, err := http.Post(strings.Replace(ts.url, "ws", "http", 1)+"/_parley/test/disconnect", "application/json", strings.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	c.expectOp(1)
}

// 3/7. A silent client is closed with 4009 exactly heartbeat_interval + grace after its
// last payload, and its session stays resumable. Discord's own interval, on the fake clock.
func TestHeartbeatTimeoutResumable(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ts := newBubbleServer(t, Config{}, nil)
		const deadline = 41250*time.Millisecond + 15*time.Second
		c := dial(t, ts.url, dialOpt{})
		if got := c.hello(); got != 41250 {
			t.Fatalf("heartbeat_interval %d", got)
		}
		ready := c.identify("tokA", iBasic, "")
		// A heartbeat just inside the deadline keeps the socket open and restarts the clock.
		advance(deadline - time.Millisecond)
		c.send(`{"op":1,"d":3}`)
		c.expectOp(11)
		beat := time.Now()
		select {
		case code := <-c.closed:
			if code != 4009 {
				t.Fatalf("closed with %d, want 4009", code)
			}
		case <-time.After(2 * deadline):
			t.Fatal("silent client not closed")
		}
		if got := time.Since(beat); got != deadline {
			t.Fatalf("closed %v after the last heartbeat, want %v", got, deadline)
		}
		c2 := dial(t, ts.url, dialOpt{})
		c2.hello()
		c2.sendf(`{"op":6,"d":{"token":"tokA","session_id":%q,"seq":3}}`, sessionID(t, ready))
		if r := c2.expectDispatch("RESUMED"); r.seq() != 4 {
			t.Fatalf("RESUMED s = %d, want 4", r.seq())
		}
	})
}

// 5. A dropped session can be resumed until ResumeWindow has passed, and not after.
func TestResumeWindow(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ts := newBubbleServer(t, Config{}, nil) // default window: 3 min
		const window = 3 * time.Minute
		resume := func(sid string) msg {
			t.Helper()
			c := dial(t, ts.url, dialOpt{})
			c.hello()
			c.sendf(`{"op":6,"d":{"token":"tokA","session_id":%q,"seq":3}}`, sid)
			m := c.next()
			c.ws.Close()
			return m
		}
		drop := func() string {
			t.Helper()
			c := dial(t, ts.url, dialOpt{})
			c.hello()
			sid := sessionID(t, c.identify("tokA", iBasic, ""))
			c.ws.Close()
			synctest.Wait() // the server has seen the drop: the window runs from here
			return sid
		}
		inside := drop()
		advance(window - time.Millisecond)
		if m := resume(inside); m.name() != "RESUMED" {
			t.Fatalf("resume just inside the window: op %d %s", m.Op, m.raw)
		}
		expired := drop()
		advance(window)
		if m := resume(expired); m.Op != 9 || string(m.D) != "false" {
			t.Fatalf("resume after the window: op %d %s, want op 9 false", m.Op, m.raw)
		}
	})
}

// 7. Every close code the gateway sends.
func TestCloseCodes(t *testing.T) {
	dom := standardDomain()
	dom.join(guild0+1<<22*100, botB) // a third guild for botB, for 4011
	big := strings.Repeat("x", 5000)
	cases := []struct {
		name  string
		cfg   Config
		steps func(c *client)
		code  int
	}{
		{"4001 unknown opcode", Config{}, func(c *client) { c.send(`{"op":99,"d":null}`) }, 4001},
		{"4001 missing op", Config{}, func(c *client) { c.send(`{"d":null}`) }, 4001},
		{"4002 not JSON", Config{}, func(c *client) { c.send(`{"op":`) }, 4002},
		{"4002 too large", Config{}, func(c *client) { c.sendf(`{"op":1,"d":null,"x":%q}`, big) }, 4002},
		{"4003 before identify", Config{}, func(c *client) { c.send(`{"op":3,"d":{"status":"online"}}`) }, 4003},
		{"4004 bad token", Config{}, func(c *client) { c.send(`{"op":2,"d":{"token":"nope","intents":1}}`) }, 4004},
		{"4005 second identify", Config{}, func(c *client) {
			c.identify("tokA", iBasic, "")
			c.send(`{"op":2,"d":{"token":"tokA","intents":1}}`)
		}, 4005},
		{"4008 rate limited", Config{ClientRateLimit: 5}, func(c *client) {
			for range 6 {
				c.send(`{"op":1,"d":null}`)
			}
		}, 4008},
		{"4010 invalid shard", Config{}, func(c *client) { c.send(`{"op":2,"d":{"token":"tokA","intents":1,"shard":[2,2]}}`) }, 4010},
		{"4011 sharding required", Config{MaxGuildsPerShard: 2}, func(c *client) { c.send(`{"op":2,"d":{"token":"tokB","intents":1}}`) }, 4011},
		{"4013 invalid intents", Config{}, func(c *client) { c.send(`{"op":2,"d":{"token":"tokA","intents":1073741824}}`) }, 4013},
		{"4014 disallowed intents", Config{}, func(c *client) { c.send(`{"op":2,"d":{"token":"tokB","intents":32769}}`) }, 4014},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			ts := newTestServer(t, tc.cfg, dom)
			c := dial(t, ts.url, dialOpt{})
			c.hello()
			tc.steps(c)
			c.expectClose(tc.code)
		})
	}
	t.Run("4007 seq ahead of session", func(t *testing.T) {
		ts := newTestServer(t, Config{}, nil)
		a := dial(t, ts.url, dialOpt{})
		a.hello()
		ready := a.identify("tokA", iBasic, "")
		b := dial(t, ts.url, dialOpt{})
		b.hello()
		b.sendf(`{"op":6,"d":{"token":"tokA","session_id":%q,"seq":99}}`, sessionID(t, ready))
		b.expectClose(4007)
	})
	t.Run("users may use privileged intents", func(t *testing.T) {
		ts := newTestServer(t, Config{}, nil)
		c := dial(t, ts.url, dialOpt{})
		c.hello()
		c.identify("tokH", iBasic|iMessageContent|iGuildMembers, "")
	})
}

// 7. Identify limits: max_concurrency per interval and the daily budget → op 9 false.
func TestIdentifyRateLimit(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ts := newBubbleServer(t, Config{IdentifyInterval: time.Hour, SessionStartLimit: 3}, nil)
		a := dial(t, ts.url, dialOpt{})
		a.hello()
		a.identify("tokA", iBasic, "")
		b := dial(t, ts.url, dialOpt{})
		b.hello()
		b.send(`{"op":2,"d":{"token":"tokA","intents":1}}`)
		m := b.expectOp(9)
		if string(m.D) != "false" {
			t.Fatalf("op 9 d = %s, want false", m.D)
		}
		// Another bucket (shard 1 of 2 with max_concurrency 1 is the same bucket): still limited.
		total, remaining, reset, mc := ts.srv.SessionStartLimit(botA)
		if total != 3 || remaining != 2 || reset <= 0 || mc != 1 {
			t.Fatalf("SessionStartLimit = %d %d %v %d", total, remaining, reset, mc)
		}
		if _, rem, _, _ := ts.srv.SessionStartLimit(botB); rem != 3 {
			t.Fatalf("botB remaining %d", rem)
		}
		// The max_concurrency bucket opens again after IdentifyInterval (fake clock).
		advance(time.Hour)
		c := dial(t, ts.url, dialOpt{})
		c.hello()
		c.identify("tokA", iBasic, "")
		advance(time.Hour)
		d := dial(t, ts.url, dialOpt{})
		d.hello()
		d.identify("tokA", iBasic, "") // the third of SessionStartLimit=3
		// The daily budget is spent: refused even with the bucket open, until
		// SessionStartWindow (24 h from the first Identify) has passed.
		advance(time.Hour)
		e := dial(t, ts.url, dialOpt{})
		e.hello()
		e.send(`{"op":2,"d":{"token":"tokA","intents":1}}`)
		if m := e.expectOp(9); string(m.D) != "false" {
			t.Fatalf("over the daily budget: op 9 d = %s", m.D)
		}
		if _, rem, reset, _ := ts.srv.SessionStartLimit(botA); rem != 0 || reset != 21*time.Hour {
			t.Fatalf("remaining %d reset %v, want 0 and 21h", rem, reset)
		}
		advance(21 * time.Hour)
		f := dial(t, ts.url, dialOpt{})
		f.hello()
		f.identify("tokA", iBasic, "")
	})
}

// 5. Resume after a drop replays missed dispatches in order, then RESUMED; seq never skips.
func TestResumeReplay(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ts := newBubbleServer(t, Config{}, nil)
		a := dial(t, ts.url, dialOpt{})
		a.hello()
		ready := a.identify("tokA", iBasic|iMessageContent, "")
		publishMessage(t, ts.srv, guild0, chanG0, human, "live")
		if m := a.expectDispatch("MESSAGE_CREATE"); m.seq() != 4 {
			t.Fatalf("first live dispatch s = %d, want 4", m.seq())
		}
		a.ws.Close()    // abrupt drop: session stays resumable
		synctest.Wait() // the server has detached the session
		for i := range 3 {
			publishMessage(t, ts.srv, guild0, chanG0, human, fmt.Sprint("missed ", i))
		}
		b := dial(t, ts.url, dialOpt{path: "/resume"})
		b.hello()
		b.sendf(`{"op":6,"d":{"token":"Bot tokA","session_id":%q,"seq":4}}`, sessionID(t, ready))
		for i := range 3 {
			m := b.expectDispatch("MESSAGE_CREATE")
			if m.seq() != int64(5+i) || contentOf(t, m) != fmt.Sprint("missed ", i) {
				t.Fatalf("replay %d: s=%d %s", i, m.seq(), m.raw)
			}
		}
		if r := b.expectDispatch("RESUMED"); r.seq() != 8 {
			t.Fatalf("RESUMED s = %d, want 8", r.seq())
		}
		publishMessage(t, ts.srv, guild0, chanG0, human, "after")
		if m := b.expectDispatch("MESSAGE_CREATE"); m.seq() != 9 {
			t.Fatalf("post-resume s = %d, want 9", m.seq())
		}
	})
}

// 5. RESUME on a new socket while the old one is open takes the session over.
func TestResumeTakeover(t *testing.T) {
	ts := newTestServer(t, Config{}, nil)
	a := dial(t, ts.url, dialOpt{})
	a.hello()
	ready := a.identify("tokA", iBasic, "")
	b := dial(t, ts.url, dialOpt{})
	b.hello()
	b.sendf(`{"op":6,"d":{"token":"tokA","session_id":%q,"seq":3}}`, sessionID(t, ready))
	b.expectDispatch("RESUMED")
	a.expectClose(4000)
	publishMessage(t, ts.srv, guild0, chanG0, human, "to b")
	b.expectDispatch("MESSAGE_CREATE")
}

// 5. Unknown session, a session ended by a 1000 close, or an overflowed buffer → op 9 false.
func TestResumeInvalid(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ts := newBubbleServer(t, Config{ReplayBufferSize: 2}, nil)
		expect9 := func(sid string, seq int) {
			t.Helper()
			c := dial(t, ts.url, dialOpt{})
			c.hello()
			c.sendf(`{"op":6,"d":{"token":"tokA","session_id":%q,"seq":%d}}`, sid, seq)
			if m := c.expectOp(9); string(m.D) != "false" {
				t.Fatalf("op 9 d = %s", m.D)
			}
		}
		expect9("no-such-session", 1)

		a := dial(t, ts.url, dialOpt{})
		a.hello()
		ready := a.identify("tokA", iBasic, "")
		a.ws.WriteMessage(8, []byte{0x03, 0xe8}) // close 1000: log out
		a.expectClose(1000)
		synctest.Wait() // the server has ended the session
		expect9(sessionID(t, ready), 3)

		b := dial(t, ts.url, dialOpt{})
		b.hello()
		ready = b.identify("tokA", iBasic, "")
		b.ws.Close()
		synctest.Wait() // the server has detached the session
		for range 3 {
			publishMessage(t, ts.srv, guild0, chanG0, human, "overflow")
		}
		expect9(sessionID(t, ready), 3)
	})
}

// 4. Intents and permissions: MESSAGE_CONTENT variant, VIEW_CHANNEL, authors and mentions.
func TestDispatchFiltering(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dom := standardDomain()
		dom.addUser("tokH2", guilds.Identity{UserID: 1000000000000000004})
		dom.join(guild0, 1000000000000000004)
		dom.hidden[[2]snowflake.ID{chanG1, botA}] = true
		ts := newBubbleServer(t, Config{}, dom)
		a := dial(t, ts.url, dialOpt{}) // with MESSAGE_CONTENT
		a.hello()
		a.identify("tokA", iBasic|iMessageContent, "")
		b := dial(t, ts.url, dialOpt{}) // without
		b.hello()
		b.identify("tokB", iBasic, "")
		n := dial(t, ts.url, dialOpt{}) // no GUILD_MESSAGES at all
		n.hello()
		n.identify("tokH", iGuilds, "")

		publishMessage(t, ts.srv, guild0, chanG0, human, "hello")
		if got := contentOf(t, a.expectDispatch("MESSAGE_CREATE")); got != "hello" {
			t.Fatalf("with intent: %q", got)
		}
		m := b.expectDispatch("MESSAGE_CREATE")
		d := m.data(t)
		if d["content"] != "" || len(d["embeds"].([]any)) != 0 || len(d["components"].([]any)) != 0 || len(d["attachments"].([]any)) != 0 {
			t.Fatalf("without intent: %s", m.raw)
		}
		if _, ok := d["poll"]; ok {
			t.Fatalf("poll not removed: %s", m.raw)
		}
		// Mentioned, and own messages, keep content.
		publishMessage(t, ts.srv, guild0, chanG0, human, "hi B", botB)
		a.expectDispatch("MESSAGE_CREATE")
		if got := contentOf(t, b.expectDispatch("MESSAGE_CREATE")); got != "hi B" {
			t.Fatalf("mentioned: %q", got)
		}
		publishMessage(t, ts.srv, guild0, chanG0, botB, "mine")
		a.expectDispatch("MESSAGE_CREATE")
		if got := contentOf(t, b.expectDispatch("MESSAGE_CREATE")); got != "mine" {
			t.Fatalf("own: %q", got)
		}
		// DMs keep content.
		publishMessage(t, ts.srv, 0, 777, human, "dm")
		a.expectDispatch("MESSAGE_CREATE")
		if got := contentOf(t, b.expectDispatch("MESSAGE_CREATE")); got != "dm" {
			t.Fatalf("dm: %q", got)
		}
		// No VIEW_CHANNEL: nothing (then a visible one arrives first).
		publishMessage(t, ts.srv, guild0, chanG1, human, "secret")
		publishMessage(t, ts.srv, guild0, chanG0, human, "public")
		if got := contentOf(t, a.expectDispatch("MESSAGE_CREATE")); got != "public" {
			t.Fatalf("hidden channel leaked: %q", got)
		}
		b.expectDispatch("MESSAGE_CREATE")
		b.expectDispatch("MESSAGE_CREATE")
		n.expectNothing()
		// Perm on guild scope: only botA has BAN_MEMBERS.
		dom.mu.Lock()
		dom.perms[[2]snowflake.ID{guild0, botA}] = opcodes.PermBanMembers
		dom.mu.Unlock()
		ts.srv.publish(context.Background(), events.Event{Name: opcodes.EventGuildRoleCreate, GuildID: guild0, Perm: opcodes.PermBanMembers}, map[string]any{"guild_id": guild0})
		a.expectDispatch("GUILD_ROLE_CREATE")
		b.expectNothing()
	})
}

// 4. Membership subjects: join → GUILD_CREATE, leave/ban → GUILD_DELETE and no more events,
// own GUILD_MEMBER_UPDATE without GUILD_MEMBERS.
func TestSubjectEvents(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dom := standardDomain()
		g := snowflake.ID(12 << 22)
		ts := newBubbleServer(t, Config{}, dom)
		b := dial(t, ts.url, dialOpt{})
		b.hello()
		b.identify("tokB", iBasic, "")
		dom.join(g, botB)
		ts.srv.publish(context.Background(), events.Event{Name: opcodes.EventGuildMemberAdd, GuildID: g, Subject: botB}, map[string]any{"guild_id": g})
		if gc := b.expectDispatch("GUILD_CREATE"); gc.data(t)["id"] != g.String() {
			t.Fatalf("GUILD_CREATE for %v", gc.data(t)["id"])
		}
		publishMessage(t, ts.srv, g, chanG0, human, "in new guild")
		b.expectDispatch("MESSAGE_CREATE")
		ts.srv.publish(context.Background(), events.Event{Name: opcodes.EventGuildMemberUpdate, GuildID: g, Subject: botB}, map[string]any{"guild_id": g})
		b.expectDispatch("GUILD_MEMBER_UPDATE")
		dom.leave(g, botB)
		ts.srv.publish(context.Background(), events.Event{Name: opcodes.EventGuildMemberRemove, GuildID: g, Subject: botB}, map[string]any{"guild_id": g})
		if gd := b.expectDispatch("GUILD_DELETE"); gd.data(t)["id"] != g.String() || gd.data(t)["unavailable"] != nil {
			t.Fatalf("GUILD_DELETE: %s", gd.raw)
		}
		dom.join(g, botB) // even if the domain still says member, the session dropped it
		publishMessage(t, ts.srv, g, chanG0, human, "gone")
		b.expectNothing()
		// GUILD_DELETE drops the guild for everyone.
		ts.srv.publish(context.Background(), events.Event{Name: opcodes.EventGuildDelete, GuildID: guild1}, opcodes.GuildDelete{ID: guild1})
		b.expectDispatch("GUILD_DELETE")
		publishMessage(t, ts.srv, guild1, chanG0, human, "deleted guild")
		b.expectNothing()
	})
}

// 4. Shard routing: (guild_id >> 22) % num_shards; DMs to shard 0 only.
func TestShardRouting(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ts := newBubbleServer(t, Config{}, nil)
		s0 := dial(t, ts.url, dialOpt{})
		s0.hello()
		r0 := s0.identify("tokA", iBasic|iMessageContent, `,"shard":[0,2]`)
		s1 := dial(t, ts.url, dialOpt{})
		s1.hello()
		r1 := s1.identify("tokA", iBasic|iMessageContent, `,"shard":[1,2]`)
		for i, r := range []msg{r0, r1} {
			var d struct {
				Guilds []struct{ ID string } `json:"guilds"`
				Shard  []int                 `json:"shard"`
			}
			_ = json.Unmarshal(r.D, &d)
			want := []snowflake.ID{guild0, guild1}[i]
			if len(d.Guilds) != 1 || d.Guilds[0].ID != want.String() || d.Shard[0] != i || d.Shard[1] != 2 {
				t.Fatalf("shard %d READY: %s", i, r.raw)
			}
		}
		publishMessage(t, ts.srv, guild1, chanG0, human, "g1")
		publishMessage(t, ts.srv, guild0, chanG0, human, "g0")
		publishMessage(t, ts.srv, 0, 1, human, "dm")
		if got := contentOf(t, s0.expectDispatch("MESSAGE_CREATE")); got != "g0" {
			t.Fatalf("shard 0 got %q", got)
		}
		s0.expectDispatch("MESSAGE_CREATE") // the DM
		if got := contentOf(t, s1.expectDispatch("MESSAGE_CREATE")); got != "g1" {
			t.Fatalf("shard 1 got %q", got)
		}
		s1.expectNothing()
	})
}

// 6. Op 8: chunks of ≤1000 with index/count/nonce, user_ids with not_found, RATE_LIMITED.
func TestRequestGuildMembers(t *testing.T) {
	dom := standardDomain()
	dom.extraMembers[guild0] = 2497 // 2500 members in all
	ts := newTestServer(t, Config{}, dom)
	c := dial(t, ts.url, dialOpt{})
	c.hello()
	c.identify("tokA", iBasic|iGuildMembers, "")
	c.sendf(`{"op":8,"d":{"guild_id":"%s","query":"","limit":0,"nonce":"n1"}}`, guild0)
	total := 0
	for i := range 3 {
		m := c.expectDispatch("GUILD_MEMBERS_CHUNK")
		var d struct {
			GuildID    string `json:"guild_id"`
			Members    []any  `json:"members"`
			ChunkIndex int    `json:"chunk_index"`
			ChunkCount int    `json:"chunk_count"`
			Nonce      string `json:"nonce"`
		}
		_ = json.Unmarshal(m.D, &d)
		if d.ChunkIndex != i || d.ChunkCount != 3 || d.Nonce != "n1" || d.GuildID != guild0.String() || len(d.Members) > 1000 {
			t.Fatalf("chunk %d: index %d count %d nonce %q members %d", i, d.ChunkIndex, d.ChunkCount, d.Nonce, len(d.Members))
		}
		total += len(d.Members)
	}
	if total != 2500 {
		t.Fatalf("%d members, want 2500", total)
	}
	c.sendf(`{"op":8,"d":{"guild_id":"%s","query":"","limit":0,"nonce":"n2"}}`, guild0)
	rl := c.expectDispatch("RATE_LIMITED")
	var d struct {
		Opcode     int     `json:"opcode"`
		RetryAfter float64 `json:"retry_after"`
		Meta       struct {
			GuildID string `json:"guild_id"`
			Nonce   string `json:"nonce"`
		} `json:"meta"`
	}
	_ = json.Unmarshal(rl.D, &d)
	if d.Opcode != 8 || d.RetryAfter <= 0 || d.Meta.GuildID != guild0.String() || d.Meta.Nonce != "n2" {
		t.Fatalf("RATE_LIMITED: %s", rl.raw)
	}
	// user_ids as a single ID and as a list with unknowns.
	c.sendf(`{"op":8,"d":{"guild_id":"%s","user_ids":"%s"}}`, guild0, human)
	if m := c.expectDispatch("GUILD_MEMBERS_CHUNK").data(t); len(m["members"].([]any)) != 1 || m["not_found"] != nil {
		t.Fatalf("single user_id: %v", m)
	}
	c.sendf(`{"op":8,"d":{"guild_id":"%s","user_ids":["%s","123",true],"nonce":"n3"}}`, guild0, botB)
	m := c.expectDispatch("GUILD_MEMBERS_CHUNK").data(t)
	if len(m["members"].([]any)) != 1 || len(m["not_found"].([]any)) != 2 || m["nonce"] != "n3" {
		t.Fatalf("user_ids list: %v", m)
	}
	// Query with a prefix.
	c.sendf(`{"op":8,"d":{"guild_id":"%s","query":"member2","limit":5}}`, guild0)
	if m := c.expectDispatch("GUILD_MEMBERS_CHUNK").data(t); len(m["members"].([]any)) != 5 {
		t.Fatalf("query: %d members", len(m["members"].([]any)))
	}
	// Without GUILD_MEMBERS, all-members gets an empty chunk.
	b := dial(t, ts.url, dialOpt{})
	b.hello()
	b.identify("tokB", iBasic, "")
	b.sendf(`{"op":8,"d":{"guild_id":"%s","query":"","limit":0}}`, guild0)
	if m := b.expectDispatch("GUILD_MEMBERS_CHUNK").data(t); len(m["members"].([]any)) != 0 {
		t.Fatalf("no intent: %v", m)
	}
}

// 6. Op 3 presence, op 4 voice state, op 31 soundboard.
func TestOtherOps(t *testing.T) {
	ts := newTestServer(t, Config{}, nil)
	a := dial(t, ts.url, dialOpt{})
	a.hello()
	a.identify("tokA", iBasic|iGuildPresences, "")
	h := dial(t, ts.url, dialOpt{})
	h.hello()
	h.identify("tokH", iBasic, "")
	// Human's Identify presence reaches botA (it has GUILD_PRESENCES), once per guild.
	for range 2 {
		a.expectDispatch("PRESENCE_UPDATE")
	}
	h.send(`{"op":3,"d":{"since":null,"activities":[{"name":"chess","type":0}],"status":"dnd","afk":false}}`)
	for range 2 {
		p := a.expectDispatch("PRESENCE_UPDATE").data(t)
		if p["status"] != "dnd" || p["user"].(map[string]any)["id"] != human.String() {
			t.Fatalf("presence: %v", p)
		}
	}
	// A new session with presences sees the human in GUILD_CREATE presences.
	a2 := dial(t, ts.url, dialOpt{})
	a2.hello()
	a2.send(`{"op":2,"d":{"token":"tokA","intents":257}}`)
	a2.expectDispatch("READY")
	gc := a2.expectDispatch("GUILD_CREATE").data(t)
	found := false
	for _, p := range gc["presences"].([]any) {
		if p.(map[string]any)["user"].(map[string]any)["id"] == human.String() {
			found = true
		}
	}
	if !found {
		t.Fatalf("GUILD_CREATE presences lack the human: %v", gc["presences"])
	}
	h.sendf(`{"op":4,"d":{"guild_id":"%s","channel_id":"123","self_mute":true,"self_deaf":false}}`, guild0)
	v := h.expectDispatch("VOICE_SERVER_UPDATE").data(t)
	if v["guild_id"] != guild0.String() || v["token"] != "vtok" {
		t.Fatalf("voice server update: %v", v)
	}
	if ep, ok := v["endpoint"]; !ok || ep != nil {
		t.Fatalf("voice server update endpoint: %v, want null", v)
	}
	h.sendf(`{"op":31,"d":{"guild_ids":["%s","%s"]}}`, guild0, guild1)
	for _, g := range []snowflake.ID{guild0, guild1} {
		s := h.expectDispatch("SOUNDBOARD_SOUNDS").data(t)
		sounds, _ := s["soundboard_sounds"].([]any)
		if s["guild_id"] != g.String() || len(sounds) != 1 || sounds[0].(map[string]any)["name"] != "honk" {
			t.Fatalf("soundboard: %v", s)
		}
	}
}

// 8. A consumer that cannot keep up is cut off resumably; the resume replays everything.
func TestSlowConsumer(t *testing.T) {
	ts := newTestServer(t, Config{WriteQueueSize: 4, ReplayBufferSize: 4096}, nil)
	srv := ts.srv
	c := dial(t, ts.url, dialOpt{})
	c.hello()
	ready := c.identify("tokA", iBasic|iMessageContent, "")
	// Stop reading: the writer blocks once the socket buffers fill, then the queue fills.
	sess := srv.hub.userSessions(botA)[0]
	big := strings.Repeat("y", 64<<10)
	sent := 0
	for sent < 2000 {
		publishMessage(t, srv, guild0, chanG0, human, big)
		sent++
		sess.mu.Lock()
		detached := sess.conn == nil
		sess.mu.Unlock()
		if detached {
			break
		}
	}
	sess.mu.Lock()
	detached, last := sess.conn == nil, sess.seq
	sess.mu.Unlock()
	if !detached {
		t.Fatalf("session still attached after %d large dispatches", sent)
	}
	r := dial(t, ts.url, dialOpt{})
	r.hello()
	r.sendf(`{"op":6,"d":{"token":"tokA","session_id":%q,"seq":3}}`, sessionID(t, ready))
	for s := int64(4); s <= last; s++ {
		if m := r.expectDispatch("MESSAGE_CREATE"); m.seq() != s {
			t.Fatalf("replay s = %d, want %d", m.seq(), s)
		}
	}
	r.expectDispatch("RESUMED")
}

// 9. Test controls: 404 when disabled; stats; reconnect with then_post; close with a code.
func TestControls(t *testing.T) {
	t.Run("disabled", func(t *testing.T) {
		ts := newTestServer(t, Config{}, nil)
		base := strings.Replace(ts.url, "ws", "http", 1)
		for _, req := range []struct{ method, path string }{{"GET", "/_parley/test/stats?user_id=1"}, {"POST", "/_parley/test/disconnect"}, {"GET", "/anything"}} {
			r, _ := http.NewRequest(req.method, base+req.path, strings.NewReader(`{"user_id":"1","mode":"reconnect"}`))
			resp, err := http.DefaultClient.Do(r)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if resp.StatusCode != 404 {
				t.Fatalf("%s %s: %d, want 404", req.method, req.path, resp.StatusCode)
			}
		}
	})
	t.Run("enabled", func(t *testing.T) {
		synctest.Test(t, func(t *testing.T) {
			var ts *testServer
			post := func(ctx context.Context, author, channel snowflake.ID, content string) error {
				publishMessage(t, ts.srv, guild0, channel, author, content)
				return nil
			}
			ts = newBubbleServer(t, Config{TestControls: true, PostMessage: post}, nil)
			base := strings.Replace(ts.url, "ws", "http", 1) + "/_parley/test"
			c := dial(t, ts.url, dialOpt{})
			c.hello()
			ready := c.identify("tokA", iBasic|iMessageContent, "")
			call := func(body string) int {
				resp, err := ts.httpClient().Post(base+"/disconnect", "application/json", strings.NewReader(body))
				if err != nil {
					t.Fatal(err)
				}
				defer resp.Body.Close()
				var out struct{ Disconnected int }
				_ = json.NewDecoder(resp.Body).Decode(&out)
				return out.Disconnected
			}
			n := call(fmt.Sprintf(`{"user_id":"%s","mode":"reconnect","then_post":{"channel_id":"%s","author_id":"%s","content":"while away"}}`, botA, chanG0, human))
			if n != 1 {
				t.Fatalf("disconnected %d", n)
			}
			c.expectOp(7)
			c.expectNothing() // the message went to the replay buffer only
			c.ws.Close()
			r := dial(t, ts.url, dialOpt{})
			r.hello()
			r.sendf(`{"op":6,"d":{"token":"tokA","session_id":%q,"seq":3}}`, sessionID(t, ready))
			if got := contentOf(t, r.expectDispatch("MESSAGE_CREATE")); got != "while away" {
				t.Fatalf("replayed %q", got)
			}
			r.expectDispatch("RESUMED")
			if call(fmt.Sprintf(`{"user_id":"%s","mode":"close","code":4000}`, botA)) != 1 {
				t.Fatal("close mode disconnected nobody")
			}
			r.expectClose(4000)
			synctest.Wait() // the server has ended the closed session
			resp, err := ts.httpClient().Get(base + "/stats?user_id=" + botA.String())
			if err != nil {
				t.Fatal(err)
			}
			var st struct{ Identifies, Resumes, Sessions int }
			_ = json.NewDecoder(resp.Body).Decode(&st)
			resp.Body.Close()
			if st.Identifies != 1 || st.Resumes != 1 || st.Sessions != 1 {
				t.Fatalf("stats %+v", st)
			}
		})
	})
}

// 5. Shutdown sends op 7 and closes resumably.
func TestShutdownDrains(t *testing.T) {
	ts := newTestServer(t, Config{}, nil)
	c := dial(t, ts.url, dialOpt{})
	c.hello()
	c.identify("tokA", iBasic, "")
	done := make(chan error, 1)
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		done <- ts.srv.Shutdown(ctx)
	}()
	c.expectOp(7)
	c.expectClose(4000)
	if err := <-done; err != nil {
		t.Fatal(err)
	}
}

func mustJSON(t testing.TB, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// An event published without d (a publisher's bug) reaches no session, and the connection
// keeps working: the next event is the next thing it receives.
func TestEventWithoutDataDropped(t *testing.T) {
	ts := newTestServer(t, Config{}, nil)
	b := dial(t, ts.url, dialOpt{})
	b.hello()
	b.identify("tokB", iBasic, "")
	ctx := context.Background()
	if err := ts.srv.bus.Publish(ctx, events.Event{Name: opcodes.EventGuildRoleCreate, GuildID: guild0}); err != nil {
		t.Fatal(err)
	}
	ts.srv.publish(ctx, events.Event{Name: opcodes.EventGuildRoleUpdate, GuildID: guild0}, map[string]any{"guild_id": guild0})
	b.expectDispatch("GUILD_ROLE_UPDATE")
}

// APPLICATION_COMMAND_PERMISSIONS_UPDATE goes to the application's bot alone, whatever its
// intents, and not to other bots in the guild.
func TestCommandPermissionsUpdate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dom := standardDomain()
		ts := newBubbleServer(t, Config{}, dom)
		a := dial(t, ts.url, dialOpt{})
		a.hello()
		a.identify("tokA", 0, "")
		b := dial(t, ts.url, dialOpt{})
		b.hello()
		b.identify("tokB", iBasic, "")
		d := opcodes.GuildCommandPermissions{ID: botA, ApplicationID: botA, GuildID: guild0,
			Permissions: []opcodes.CommandPermission{{ID: guild0, Type: opcodes.CommandPermissionRole, Permission: false}}}
		ts.srv.publish(context.Background(), events.Event{Name: opcodes.EventApplicationCommandPermissionsUpdate, GuildID: guild0,
			UserIDs: []snowflake.ID{botA}}, d)
		got := a.expectDispatch("APPLICATION_COMMAND_PERMISSIONS_UPDATE").data(t)
		if got["guild_id"] != guild0.String() || got["application_id"] != botA.String() || len(got["permissions"].([]any)) != 1 {
			t.Fatalf("d = %v", got)
		}
		b.expectNothing()
	})
}

// INTERACTION_CREATE goes to the application's bot sessions alone, with no intent, in
// Discord's Interaction shape; another bot in the guild gets nothing.
func TestInteractionCreate(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		dom := standardDomain()
		ts := newBubbleServer(t, Config{}, dom)
		a := dial(t, ts.url, dialOpt{})
		a.hello()
		a.identify("tokA", 0, "")
		b := dial(t, ts.url, dialOpt{})
		b.hello()
		b.identify("tokB", iBasic, "")
		perms := opcodes.PermViewChannel
		d := opcodes.Interaction{ID: 77, ApplicationID: botA, Type: opcodes.InteractionApplicationCommand,
			Data:    &opcodes.InteractionData{ID: 78, Name: "echo", Type: opcodes.CommandChatInput},
			GuildID: guild0, ChannelID: 79, Channel: &opcodes.Channel{ID: 79},
			Member: &opcodes.Member{User: &opcodes.User{ID: 80, Username: "u"}, Roles: []snowflake.ID{}, Permissions: &perms},
			Token:  "tok", Version: 1, Entitlements: []json.RawMessage{},
			AuthorizingIntegrationOwners: map[opcodes.IntegrationType]snowflake.ID{opcodes.IntegrationGuildInstall: guild0}}
		ts.srv.publish(context.Background(), events.Event{Name: opcodes.EventInteractionCreate, UserIDs: []snowflake.ID{botA}}, d)
		got := a.expectDispatch("INTERACTION_CREATE").data(t)
		member, _ := got["member"].(map[string]any)
		owners, _ := got["authorizing_integration_owners"].(map[string]any)
		if got["id"] != "77" || got["token"] != "tok" || got["version"].(float64) != 1 || got["type"].(float64) != 2 ||
			got["guild_id"] != guild0.String() || member["permissions"] != "1024" || owners["0"] != guild0.String() ||
			got["app_permissions"] == nil || got["entitlements"] == nil {
			t.Fatalf("d = %v", got)
		}
		b.expectNothing()
	})
}
