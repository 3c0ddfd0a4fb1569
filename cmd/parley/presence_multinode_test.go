package main

import (
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/parley-chat/parley/storage/testenv"
)

// TestMultiNodePresencesAndIdentify: with --redis-url, presences and the Identify limits are
// the cluster's, not each node's. A presence set by a session on node A is in node B's
// PRESENCE_UPDATE, op 8 presences and GUILD_CREATE presences; a bot's max_concurrency bucket
// is one budget across both nodes.
func TestMultiNodePresencesAndIdentify(t *testing.T) {
	redisURL := testenv.RedisURL(t)
	dbURL, _ := testenv.PostgresSchema(t)
	prefix := testenv.RedisPrefix(t, redisURL)
	node := func() *server {
		// An hour between Identifies in one bucket: the second Identify below is refused
		// however slow the machine.
		return startServer(t, t.TempDir(), "--database-url", dbURL, "--redis-url", redisURL,
			"--redis-prefix", prefix, "--identify-interval", "1h")
	}
	a, b := node(), node()

	const guildsIntent, guildMembers, guildPresences = 1, 1 << 1, 1 << 8
	const presenceFlag, membersFlag = 1 << 13, 1 << 15
	f := a.fixture(t, "presence", presenceFlag|membersFlag)

	// The bot watches from node B.
	bot := identify(t, b, f.botToken, guildsIntent|guildMembers|guildPresences)
	bot.expect("READY")
	bot.expect("GUILD_CREATE")

	// The guild's owner connects to node A as "dnd".
	userA := identifyWithPresence(t, a, f.userToken, `{"status":"dnd","since":null,"activities":[],"afk":false}`)
	userA.expect("READY")
	pu := bot.expect("PRESENCE_UPDATE")
	if p := decodePresence(t, pu.D); p.User.ID != f.userID || p.Status != "dnd" {
		t.Fatalf("PRESENCE_UPDATE on B = %s, want %s dnd", pu.D, f.userID)
	}

	// Op 8 on node B reports the presence held on node A.
	bot.send(fmt.Sprintf(`{"op":8,"d":{"guild_id":%q,"user_ids":[%q],"presences":true,"nonce":"n1"}}`, f.guildID, f.userID))
	chunk := bot.expect("GUILD_MEMBERS_CHUNK")
	var c struct {
		Presences []presenceWire `json:"presences"`
		Nonce     string         `json:"nonce"`
	}
	if err := json.Unmarshal(chunk.D, &c); err != nil || c.Nonce != "n1" || len(c.Presences) != 1 ||
		c.Presences[0].User.ID != f.userID || c.Presences[0].Status != "dnd" {
		t.Fatalf("GUILD_MEMBERS_CHUNK on B = %s (%v), want %s dnd", chunk.D, err, f.userID)
	}

	// A second session of the user, on node B: its GUILD_CREATE carries the presence from A.
	userB := identify(t, b, f.userToken, guildsIntent|guildPresences)
	userB.expect("READY")
	gc := userB.expect("GUILD_CREATE")
	var g struct {
		Presences []presenceWire `json:"presences"`
	}
	if err := json.Unmarshal(gc.D, &g); err != nil {
		t.Fatal(err)
	}
	found := false
	for _, p := range g.Presences {
		found = found || (p.User.ID == f.userID && p.Status == "dnd")
	}
	if !found {
		t.Fatalf("GUILD_CREATE on B lacks the presence set on A: %s", gc.D)
	}

	// Identify buckets: a second bot's Identify on A takes bucket 0; the same bucket on B is
	// refused with INVALID_SESSION (d false), since the interval is counted cluster-wide.
	f2 := a.fixture(t, "bucket", 0)
	first := identify(t, a, f2.botToken, guildsIntent)
	first.expect("READY")
	second := identify(t, b, f2.botToken, guildsIntent)
	for {
		fr, err := second.read(10 * time.Second)
		if err != nil {
			t.Fatalf("second Identify on B: %v, want op 9", err)
		}
		if fr.Op == 0 && fr.T != nil && *fr.T == "READY" {
			t.Fatal("second Identify in one bucket on another node was accepted")
		}
		if fr.Op == 9 {
			if string(fr.D) != "false" {
				t.Fatalf("INVALID_SESSION d = %s, want false", fr.D)
			}
			break
		}
	}
	// GET /gateway/bot on B counts the start made on A.
	var info struct {
		SessionStartLimit struct {
			Total     int `json:"total"`
			Remaining int `json:"remaining"`
		} `json:"session_start_limit"`
	}
	b.api(t, "GET", "/gateway/bot", "Bot "+f2.botToken, nil, &info)
	if info.SessionStartLimit.Remaining != info.SessionStartLimit.Total-1 {
		t.Fatalf("session_start_limit on B = %+v, want one start used (on A)", info.SessionStartLimit)
	}
}

type presenceWire struct {
	User struct {
		ID string `json:"id"`
	} `json:"user"`
	Status string `json:"status"`
}

func decodePresence(t *testing.T, d json.RawMessage) presenceWire {
	t.Helper()
	var p presenceWire
	if err := json.Unmarshal(d, &p); err != nil {
		t.Fatalf("presence %s: %v", d, err)
	}
	return p
}

// identifyWithPresence is identify with Identify's presence set.
func identifyWithPresence(t *testing.T, s *server, token, presence string) *gw {
	t.Helper()
	g := dial(t, s.GatewayURL)
	hello, err := g.read(5 * time.Second)
	if err != nil || hello.Op != 10 {
		t.Fatalf("hello = %+v, %v", hello, err)
	}
	g.send(fmt.Sprintf(`{"op":2,"d":{"token":%q,"intents":1,"presence":%s,"properties":{"os":"linux","browser":"test","device":"test"}}}`, token, presence))
	return g
}
