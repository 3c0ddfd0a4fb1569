// Package opcodes is Parley's wire vocabulary, shared by the REST API and the gateway: gateway
// opcodes, close codes, event names, intents, permission bits, the {op, d, s, t} envelope and
// the Discord JSON object shapes. It does no I/O.
//
// The gateway conversation, as Discord defines it:
//
//	client connects        ?v=10&encoding=json[&compress=zlib-stream|zstd-stream]
//	server → Hello         {heartbeat_interval}
//	client → Heartbeat     (any time after Hello; answered by HeartbeatAck)
//	client → Identify      {token, intents, properties, shard?, compress?, presence?}
//	server → Dispatch      READY (s=1), then one GUILD_CREATE per guild, then live events
//	   … socket drops …
//	client → Resume        {token, session_id, seq} on a new socket
//	server → Dispatch      every missed event in order, then RESUMED
//
// Naming rule, used everywhere: the wire event MESSAGE_CREATE is EventMessageCreate.
//
// Optional-versus-nullable follows Discord: a field Discord always sends but may be null is a
// pointer without omitempty; a field Discord may leave out has omitempty.
package opcodes
