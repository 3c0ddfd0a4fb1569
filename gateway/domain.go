package gateway

import (
	"context"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// Domain is the part of *guilds.Service the gateway uses. It is declared here, at the
// consumer, so tests run against a fake and the gateway never depends on more of the domain
// than this list.
type Domain interface {
	// Authenticate resolves an Identify/Resume token, with or without the "Bot " prefix.
	// guilds.ErrUnauthorized means a bad token (close 4004).
	Authenticate(ctx context.Context, token string) (guilds.Identity, error)
	// CurrentUser is READY's user, private fields included.
	CurrentUser(ctx context.Context, userID snowflake.ID) (opcodes.User, error)
	// UserGuildIDs lists the guilds userID is a member of.
	UserGuildIDs(ctx context.Context, userID snowflake.ID) ([]snowflake.ID, error)
	// GuildCreate builds the full GUILD_CREATE for userID: channels it can see, roles,
	// members up to largeThreshold, presences when withPresences.
	GuildCreate(ctx context.Context, guildID, userID snowflake.ID, largeThreshold int, withPresences bool) (opcodes.GuildCreate, error)
	// ChannelPermissions is userID's effective permissions in a channel. It is called once per
	// recipient per channel-scoped event, so it must be served from memory.
	ChannelPermissions(ctx context.Context, guildID, channelID, userID snowflake.ID) (opcodes.Permissions, error)
	// GuildPermissions is userID's guild-wide permissions; same cost contract.
	GuildPermissions(ctx context.Context, guildID, userID snowflake.ID) (opcodes.Permissions, error)
	// SearchMembers returns members whose username or nick starts with query; query "" with
	// limit 0 means every member.
	SearchMembers(ctx context.Context, guildID snowflake.ID, query string, limit int) ([]opcodes.Member, error)
	// GuildSounds is a guild's soundboard sounds, op 31's answer (SOUNDBOARD_SOUNDS).
	GuildSounds(ctx context.Context, guildID snowflake.ID) ([]opcodes.SoundboardSound, error)
	// MembersByID returns the members among ids; missing ones are simply absent.
	MembersByID(ctx context.Context, guildID snowflake.ID, ids []snowflake.ID) ([]opcodes.Member, error)
	// UpdateVoiceState applies op 4 from a session (join, move, mute toggles, leave) and
	// publishes VOICE_STATE_UPDATE; a non-nil answer is the VOICE_SERVER_UPDATE for that
	// session alone. An error is a refused join (no CONNECT, full, not a voice channel).
	UpdateVoiceState(ctx context.Context, userID snowflake.ID, sessionID string, d opcodes.VoiceStateUpdateData) (*opcodes.VoiceServerUpdate, error)
	// EndVoiceSession drops the voice states a session held when it ends for good.
	EndVoiceSession(ctx context.Context, sessionID string) error
}

// PostMessageFunc creates a message as authorID. The test controls use it for then_post; cmd
// wires it to guilds.Service.CreateMessage.
type PostMessageFunc func(ctx context.Context, authorID, channelID snowflake.ID, content string) error
