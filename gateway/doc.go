// Package gateway is Parley's Discord-compatible WebSocket gateway: Hello, heartbeats,
// Identify/READY/GUILD_CREATE, Resume with replay, intent- and permission-filtered dispatch,
// sharding, the zlib-stream/zstd-stream transports, ETF, and Discord's limits and close codes.
// It serves on its own net/http listener (Server.Handler); any path is accepted because
// libraries append "/" or "/resume/" to the URLs they are given.
//
// # Structure
//
// A Session (session.go) is an identified session: its seq counter, its replay buffer and the
// guilds it receives. It survives its socket for Config.ResumeWindow. A conn (conn.go) is one
// WebSocket with one permanent goroutine, the reader (started after the upgrade; it waits
// while the op handlers in handlers.go run), and at most one writer at a time: writeLoop,
// started when the queue becomes non-empty and gone when it is empty again (or the reader,
// for its own heartbeat ACK when no writeLoop runs), which drains one bounded queue, splices
// the envelope and compresses through the connection's own stream (compress.go).
//
// Events come from the domain's bus (package guilds/events), of which the Server is one
// consumer (a Listener): local and remote events take one path into the fan-out
// (dispatch.go), which finds recipients in a sharded index (hub.go), filters by shard,
// intents, VIEW_CHANNEL/Perm and MESSAGE_CONTENT, wraps each form of d the publisher encoded
// (full, and content-stripped for guild messages) in one shared payload, and appends to each
// session without blocking; nothing is encoded per recipient. A full queue is a slow consumer: the socket is closed with 4000 and the session
// stays resumable, since every dispatch is in its replay buffer first.
//
// Idle connections are kept small: the connection leaves the HTTP handler's goroutine after
// the upgrade (so net/http frees its per-request buffers); only the reader goroutine is
// permanent; Identify, Resume and every op but a compact heartbeat are decoded and handled on
// a short-lived goroutine so their deep stacks do not stay with the reader; the heartbeat ACK
// is written by the reader itself when no writer is running (and, on zlib-stream, from
// pre-compressed bytes); the write buffer (Upgrader.WriteBufferPool) and the writer's
// scratch buffers are pooled.
//
// # Several nodes
//
// Config.Bus decides the mode; cmd builds it and hands the same bus to the domain first.
// events.Memory is one node: Publish runs the fan-out before returning. redisbus.Broker
// (`parley serve --redis-url`) joins nodes sharing one database through Redis Pub/Sub. The
// gateway holds one bus subscription per guild and per user while a local session needs it
// (hub.go: the first session subscribes, the last one unsubscribes); the domain holds the
// cache topic, so every node sees cache events and the gateway fans them out too. The bytes
// the publisher encoded are spliced into frames as they are, on every node. A new session
// waits (Broker.WaitSubscribed) for its subscriptions before its GUILD_CREATEs are built.
// The gateway neither observes events for the domain nor resets its caches: the domain is a
// listener of its own.
//
// Sessions can be shared. Without Config.Shared a session (seq, replay buffer, socket) lives
// in the memory of the node that accepted its Identify, READY's resume_gateway_url is that
// node's own URL, and a Resume that reaches another node gets op 9. With Config.Shared
// (redisbus.Sessions, `--redis-url`) every node replicates its sessions' state and replay
// buffer write-behind (replicate.go: one batched write per ReplicateInterval, no round trip
// per dispatch), READY may name the cluster's URL (Config.ResumeURL), and a Resume on any node
// claims the session, closes it on its old node (a takeover notice on the user's topic),
// replays exactly the missed frames and goes on live (resume_remote.go). A Resume that needs
// frames the shared store does not hold (trimmed, or sent by a node that died before its
// flush) gets op 9, never a gap. Presences and the Identify and session-start limits are
// shared when Config.Presences and Config.IdentifyLimiter are (cmd wires redisbus's with
// --redis-url); when the shared one fails, they fall back to this node's own, with a log line.
//
// # Lock order
//
//	hubShard.mu → Session.mu → conn.qmu
//
// A lock on the left may be held while taking one on its right, never the reverse.
// replicator.mu (taken under Session.mu), Server.mu, MemoryIdentifyLimiter.mu, MemoryPresences.mu, statsTable.mu and MemorySessionStore.mu
// are leaves, and so are the bus's locks (taken under hubShard.mu by Subscribe/Unsubscribe,
// which never block on the network). No lock is held while calling the Domain, while publishing, or
// while touching a socket; fan-out snapshots a guild's sessions under the shard's read lock
// and releases it before filtering. Only the current writer (conn.writing) writes frames;
// closes from elsewhere go through the queue (closeAfterQueue, kill).
//
// # Choices and limits
//
//   - Query: v 9 or 10 (absent means 10; anything else closes 4012). encoding json or etf
//     and compress absent, zlib-stream or zstd-stream, in any order; any other encoding or
//     compress value is refused with HTTP 400 before the upgrade (reconnecting cannot fix
//     it). permessage-deflate is always declined.
//   - zlib-stream keeps only the last 12 KiB of plaintext per connection and compresses each
//     payload with a pooled writer primed with it (~12 KB per connection instead of ~1 MB;
//     ratio ~6.0 on a chat stream, 8 KiB gave ~5.85). zstd-stream keeps one encoder per
//     connection (SpeedDefault, 256 KiB window as Discord: ratio ~7.6, ~1.9 MB per
//     connection; the fastest level with 32 KiB took ~0.5 MB for ~6.4).
//   - Identify compress:true (bool or any string but "false") without transport compression
//     sends JSON payloads over 1 KiB as standalone zlib streams in binary frames.
//   - Heartbeats are accepted any time after Hello. Silence for HeartbeatInterval +
//     HeartbeatGrace closes with 4009; unlike Discord the session stays resumable.
//   - Identify: intents null/absent means opcodes.IntentsDefault; unknown bits 4013; a bot's
//     privileged intents must be allowed by opcodes.AllowedIntents(app flags) (4014); user
//     accounts may use any. Over Config.MaxGuildsPerShard guilds on the requested shard is
//     4011 (sharding required). Bots are limited to MaxConcurrency Identifies per
//     IdentifyInterval and SessionStartLimit per SessionStartWindow (in memory, per node);
//     excess gets op 9 false.
//   - Resume: unknown/expired/ended session, another user's token, or a replay buffer that
//     no longer reaches back to seq → op 9 false; seq beyond the session → 4007. Resume on a
//     new socket while the old is open moves the session and closes the old one with 4000.
//     A client close 1000/1001 ends the session; any other close keeps it.
//   - Sequence numbers start at 1 (READY) and never skip; RESUMED takes the next number.
//     Heartbeat d acknowledges dispatches, which lets the replay buffer shrink.
//   - Op 4 stores the voice state in the domain (shared by every node through storage), which
//     publishes VOICE_STATE_UPDATE to the guild (GUILD_VOICE_STATES). A join or move answers
//     the session with VOICE_SERVER_UPDATE {token, guild_id, endpoint: null}: there is no
//     voice server, so voice libraries see at once that no connection is possible. The voice
//     state is dropped when the session ends (not while it is resumable).
//   - Op 8: prefix queries return at most 100 members; all members (query "", limit 0)
//     needs GUILD_MEMBERS (without it the answer is one empty chunk) and is limited to once per
//     guild per MembersRequestInterval per session (RATE_LIMITED dispatch otherwise).
//     Presences in chunks come from the presence store (the cluster's, when shared).
//   - Op 31 answers an empty SOUNDBOARD_SOUNDS per guild; op 43 an empty CHANNEL_INFO.
//   - Presence (op 3, Identify) lives in the presence store (per node by default, the
//     cluster's with Config.Presences) until the user's last session ends; it is
//     published as PRESENCE_UPDATE to the user's guilds (not to the user's own sessions).
//   - Shutdown refuses new upgrades, sends op 7 in batches spread over Config.DrainTime
//     (drain.go: one goroutine, one timer), closes each socket with 4000 Config.DrainGrace
//     after its op 7 unless the client left first, and waits for them.
//   - Test controls (controls.go) exist only with Config.TestControls.
package gateway
