package guilds

import (
	"context"

	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// Event is a committed state change, published after the write that caused it. The gateway
// turns it into one dispatch and decides who may see it; the scope fields say who that is.
//
// Scope rules, applied in order:
//   - UserIDs non-empty: exactly those users (DMs, USER_UPDATE), and no one else.
//   - GuildID non-zero: members of that guild; if ChannelID is also set, only those who have
//     VIEW_CHANNEL (and Perm, if set) there; otherwise only those with Perm in the guild, if set.
//   - Intents: opcodes.EventIntent(Name, GuildID == 0) gates delivery per session.
type Event struct {
	Name opcodes.EventName
	// GuildID scopes the event to a guild's members.
	GuildID snowflake.ID
	// ChannelID narrows a guild event to members who can view the channel.
	ChannelID snowflake.ID
	// UserIDs scopes the event to these users only.
	UserIDs []snowflake.ID
	// Perm is an extra permission recipients need (BAN_MEMBERS for bans, MANAGE_CHANNELS for
	// invites), checked on ChannelID when set, else guild-wide.
	Perm opcodes.Permissions
	// Data is the dispatch's d value (an opcodes type). It is shared by every recipient and
	// must not be modified after Publish.
	Data any
	// AuthorID and Mentions let the gateway apply MESSAGE_CONTENT rules to MESSAGE_CREATE and
	// MESSAGE_UPDATE: authors and mentioned users see content without the intent.
	AuthorID snowflake.ID
	Mentions []snowflake.ID
	// Subject is the user a membership event is about. GUILD_MEMBER_ADD: the gateway sends that
	// user's sessions a GUILD_CREATE and adds the guild to them. GUILD_MEMBER_REMOVE (and
	// GUILD_BAN_ADD): it sends them GUILD_DELETE {id} and drops the guild. GUILD_MEMBER_UPDATE:
	// the member's own sessions get it even without GUILD_MEMBERS. GUILD_DELETE has no subject:
	// every member's sessions drop the guild.
	Subject snowflake.ID
}

// Publisher receives events after their write commits. Implementations must not block for
// long: the caller is a REST request.
type Publisher interface {
	Publish(ctx context.Context, ev Event)
}

// PublisherFunc adapts a function to Publisher.
type PublisherFunc func(ctx context.Context, ev Event)

// Publish calls f.
func (f PublisherFunc) Publish(ctx context.Context, ev Event) { f(ctx, ev) }

type discardPublisher struct{}

func (discardPublisher) Publish(context.Context, Event) {}
