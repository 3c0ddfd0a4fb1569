package opcodes

import (
	"encoding/json"
	"strconv"

	"github.com/parley-chat/parley/snowflake"
)

// Opcode is a gateway payload's op field.
type Opcode int

// Gateway opcodes. Direction: S→C is server to client, C→S client to server.
const (
	Dispatch                 Opcode = 0  // S→C: an event; t and s are set
	Heartbeat                Opcode = 1  // C→S: last seq or null; S→C: "heartbeat now"
	Identify                 Opcode = 2  // C→S: start a session
	PresenceUpdate           Opcode = 3  // C→S: set own presence
	VoiceStateUpdate         Opcode = 4  // C→S: join, move or leave voice
	Resume                   Opcode = 6  // C→S: continue a session on a new socket
	Reconnect                Opcode = 7  // S→C: reconnect and resume
	RequestGuildMembers      Opcode = 8  // C→S: ask for GUILD_MEMBERS_CHUNK
	InvalidSession           Opcode = 9  // S→C: d is a bool, "may resume"
	Hello                    Opcode = 10 // S→C: first frame, heartbeat_interval
	HeartbeatAck             Opcode = 11 // S→C: answer to Heartbeat
	RequestSoundboardSounds  Opcode = 31 // C→S: ask for SOUNDBOARD_SOUNDS
	RequestChannelInfoOpcode Opcode = 43 // C→S: ask for CHANNEL_INFO
)

// CloseCode is a WebSocket close code the gateway sends.
type CloseCode int

// Gateway close codes. Codes 4004 and 4010–4014 are fatal; every other code lets the client
// resume or re-identify.
const (
	CloseUnknownError         CloseCode = 4000
	CloseUnknownOpcode        CloseCode = 4001
	CloseDecodeError          CloseCode = 4002
	CloseNotAuthenticated     CloseCode = 4003
	CloseAuthenticationFailed CloseCode = 4004
	CloseAlreadyAuthenticated CloseCode = 4005
	CloseInvalidSeq           CloseCode = 4007
	CloseRateLimited          CloseCode = 4008
	CloseSessionTimedOut      CloseCode = 4009
	CloseInvalidShard         CloseCode = 4010
	CloseShardingRequired     CloseCode = 4011
	CloseInvalidAPIVersion    CloseCode = 4012
	CloseInvalidIntents       CloseCode = 4013
	CloseDisallowedIntents    CloseCode = 4014
)

// Reconnectable reports whether a client may reconnect after this close code.
func (c CloseCode) Reconnectable() bool {
	switch c {
	case CloseAuthenticationFailed, CloseInvalidShard, CloseShardingRequired,
		CloseInvalidAPIVersion, CloseInvalidIntents, CloseDisallowedIntents:
		return false
	}
	return true
}

// String returns Discord's name for the close code.
func (c CloseCode) String() string {
	switch c {
	case CloseUnknownError:
		return "Unknown error"
	case CloseUnknownOpcode:
		return "Unknown opcode"
	case CloseDecodeError:
		return "Decode error"
	case CloseNotAuthenticated:
		return "Not authenticated"
	case CloseAuthenticationFailed:
		return "Authentication failed"
	case CloseAlreadyAuthenticated:
		return "Already authenticated"
	case CloseInvalidSeq:
		return "Invalid seq"
	case CloseRateLimited:
		return "Rate limited"
	case CloseSessionTimedOut:
		return "Session timed out"
	case CloseInvalidShard:
		return "Invalid shard"
	case CloseShardingRequired:
		return "Sharding required"
	case CloseInvalidAPIVersion:
		return "Invalid API version"
	case CloseInvalidIntents:
		return "Invalid intent(s)"
	case CloseDisallowedIntents:
		return "Disallowed intent(s)"
	}
	return "close " + strconv.Itoa(int(c))
}

// CloseError asks the gateway to close a connection with Code; deep code returns it the way an
// HTTP handler returns a status.
type CloseError struct {
	Code   CloseCode
	Reason string
}

// Error implements error.
func (e *CloseError) Error() string {
	if e.Reason == "" {
		return e.Code.String()
	}
	return e.Code.String() + ": " + e.Reason
}

// Payload is the gateway envelope. D stays raw so it is decoded once its op is known; S and T
// are always sent (as null when unset) because strictly typed clients expect all four keys.
type Payload struct {
	Op Opcode          `json:"op"`
	D  json.RawMessage `json:"d"`
	S  *int64          `json:"s"`
	T  *EventName      `json:"t"`
}

// HelloData is op 10's d.
type HelloData struct {
	HeartbeatInterval int `json:"heartbeat_interval"`
}

// IdentifyProperties is Identify's connection properties. Legacy clients send $-prefixed keys.
type IdentifyProperties struct {
	OS            string `json:"os"`
	Browser       string `json:"browser"`
	Device        string `json:"device"`
	LegacyOS      string `json:"$os,omitempty"`
	LegacyBrowser string `json:"$browser,omitempty"`
	LegacyDevice  string `json:"$device,omitempty"`
}

// IdentifyData is op 2's d. Compress is raw because clients send a bool or a string; Intents is
// a pointer because null means the default set.
type IdentifyData struct {
	Token          string             `json:"token"`
	Properties     IdentifyProperties `json:"properties"`
	Compress       json.RawMessage    `json:"compress,omitempty"`
	LargeThreshold int                `json:"large_threshold,omitempty"`
	Shard          *[2]int            `json:"shard,omitempty"`
	Presence       json.RawMessage    `json:"presence,omitempty"`
	Intents        *Intents           `json:"intents"`
}

// WantsPayloadCompression reports whether Compress asks for per-payload zlib: true, or any
// non-empty string other than "false" (oceanic sends "zlib-stream").
func (d *IdentifyData) WantsPayloadCompression() bool {
	var b bool
	if json.Unmarshal(d.Compress, &b) == nil {
		return b
	}
	var s string
	if json.Unmarshal(d.Compress, &s) == nil {
		return s != "" && s != "false"
	}
	return false
}

// ResumeData is op 6's d.
type ResumeData struct {
	Token     string `json:"token"`
	SessionID string `json:"session_id"`
	Seq       int64  `json:"seq"`
}

// RequestGuildMembersData is op 8's d. UserIDs is raw because it may be one ID or a list.
type RequestGuildMembersData struct {
	GuildID   snowflake.ID    `json:"guild_id"`
	Query     *string         `json:"query,omitempty"`
	Limit     int             `json:"limit"`
	Presences bool            `json:"presences,omitempty"`
	UserIDs   json.RawMessage `json:"user_ids,omitempty"`
	Nonce     string          `json:"nonce,omitempty"`
}

// PresenceUpdateData is op 3's d, also Identify's presence.
type PresenceUpdateData struct {
	Since      *int64     `json:"since"`
	Activities []Activity `json:"activities"`
	Status     string     `json:"status"`
	AFK        bool       `json:"afk"`
}

// VoiceStateUpdateData is op 4's d.
type VoiceStateUpdateData struct {
	GuildID   snowflake.ID  `json:"guild_id"`
	ChannelID *snowflake.ID `json:"channel_id"`
	SelfMute  bool          `json:"self_mute"`
	SelfDeaf  bool          `json:"self_deaf"`
}

// RequestSoundboardSoundsData is op 31's d.
type RequestSoundboardSoundsData struct {
	GuildIDs []snowflake.ID `json:"guild_ids"`
}

// Activity is a presence activity.
type Activity struct {
	Name      string  `json:"name"`
	Type      int     `json:"type"`
	URL       *string `json:"url,omitempty"`
	State     *string `json:"state,omitempty"`
	CreatedAt int64   `json:"created_at,omitempty"`
}

// ReadyApplication is READY's partial application.
type ReadyApplication struct {
	ID    snowflake.ID `json:"id"`
	Flags int          `json:"flags"`
}

// Ready is the READY dispatch.
type Ready struct {
	V                int                `json:"v"`
	User             User               `json:"user"`
	Guilds           []UnavailableGuild `json:"guilds"`
	SessionID        string             `json:"session_id"`
	SessionType      string             `json:"session_type"`
	ResumeGatewayURL string             `json:"resume_gateway_url"`
	Shard            *[2]int            `json:"shard,omitempty"`
	// Application is set for bots only, as on Discord.
	Application      *ReadyApplication `json:"application,omitempty"`
	PrivateChannels  []Channel         `json:"private_channels"`
	Presences        []Presence        `json:"presences"`
	Relationships    []any             `json:"relationships"`
	GuildJoinRequest []any             `json:"guild_join_requests"`
	UserSettings     struct{}          `json:"user_settings"`
	Trace            []string          `json:"_trace"`
}

// Presence is a PRESENCE_UPDATE and an entry of GUILD_CREATE's presences.
type Presence struct {
	User         PartialUser  `json:"user"`
	GuildID      snowflake.ID `json:"guild_id,omitempty"`
	Status       string       `json:"status"`
	Activities   []Activity   `json:"activities"`
	ClientStatus ClientStatus `json:"client_status"`
}

// PartialUser is the {id} user inside presences.
type PartialUser struct {
	ID snowflake.ID `json:"id"`
}

// ClientStatus says on which platforms a user is active.
type ClientStatus struct {
	Desktop string `json:"desktop,omitempty"`
	Mobile  string `json:"mobile,omitempty"`
	Web     string `json:"web,omitempty"`
}

// GuildMembersChunk is the GUILD_MEMBERS_CHUNK dispatch.
type GuildMembersChunk struct {
	GuildID    snowflake.ID `json:"guild_id"`
	Members    []Member     `json:"members"`
	ChunkIndex int          `json:"chunk_index"`
	ChunkCount int          `json:"chunk_count"`
	NotFound   []any        `json:"not_found,omitempty"`
	Presences  []Presence   `json:"presences,omitempty"`
	Nonce      string       `json:"nonce,omitempty"`
}

// RateLimited is the RATE_LIMITED dispatch.
type RateLimited struct {
	Opcode     Opcode         `json:"opcode"`
	RetryAfter float64        `json:"retry_after"`
	Meta       map[string]any `json:"meta"`
}
