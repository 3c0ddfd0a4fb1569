// Package events is the event bus of the domain: a committed state change becomes an Event,
// encoded once by the node that commits it, and a Broker carries it to every node that holds
// a subscription to one of its topics — the domain's own cache invalidation and the
// gateway's fan-out alike. Memory is the single-node Broker; events/redisbus carries events
// between nodes.
//
// The package knows nothing of transports: neither the gateway nor REST, and no network
// client (redisbus holds go-redis).
package events

import (
	"context"
	"encoding/json"

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
//     ThreadPrivate further narrows it to ThreadMembers and MANAGE_THREADS holders.
//   - Intents: opcodes.EventIntent(Name, GuildID == 0) gates delivery per session.
//
// d is encoded once, by the publisher, in every form a recipient may get: Data, and Stripped
// where the MESSAGE_CONTENT rule applies. A Broker moves those bytes unchanged, so one node
// and many nodes share one fan-out path and nothing is encoded per recipient.
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
	// AuthorID and Mentions say who sees a message's content without the MESSAGE_CONTENT
	// intent: its author and the users it mentions.
	AuthorID snowflake.ID
	Mentions []snowflake.ID
	// ThreadPrivate narrows a channel event (ChannelID is then the thread's parent) to a
	// private thread's audience: the users in ThreadMembers and those with MANAGE_THREADS in
	// the parent, as Discord shows private threads only to them.
	ThreadPrivate bool
	ThreadMembers []snowflake.ID
	// ThreadAffected are the users a THREAD_MEMBERS_UPDATE adds or removes: a session without
	// the GUILD_MEMBERS intent gets the event only when its user is one of them.
	ThreadAffected []snowflake.ID
	// Subject is the user a membership event is about. GUILD_MEMBER_ADD: the gateway sends that
	// user's sessions a GUILD_CREATE and adds the guild to them. GUILD_MEMBER_REMOVE (and
	// GUILD_BAN_ADD): it sends them GUILD_DELETE {id} and drops the guild. GUILD_MEMBER_UPDATE:
	// the member's own sessions get it even without GUILD_MEMBERS. GUILD_DELETE has no subject:
	// every member's sessions drop the guild.
	Subject snowflake.ID
	// Cache marks an event that makes state a node caches stale (permission inputs, users).
	// It is published on TopicCache too, which every node's domain subscribes to, so each
	// node invalidates even without a session that receives the event.
	Cache bool
	// Data is the dispatch's d, as the publisher encoded it. Shared by every recipient on
	// every node: never modified after Publish.
	Data json.RawMessage
	// Stripped is d as a recipient without the MESSAGE_CONTENT intent sees it (content,
	// embeds, attachments, components and poll removed), or nil when the rule does not apply
	// to this event. Who gets it is the gateway's decision (intents, author, mentions).
	Stripped json.RawMessage
}

// Topic names a stream of events a node can subscribe to: one per guild, one per user (DMs,
// USER_UPDATE, membership events about that user) and the cache topic.
type Topic struct {
	Kind TopicKind
	ID   snowflake.ID
}

// TopicKind says what a Topic's ID is.
type TopicKind uint8

// Topic kinds.
const (
	// TopicGuild is a guild's events; ID is the guild.
	TopicGuild TopicKind = iota + 1
	// TopicUser is the events scoped to a user; ID is the user.
	TopicUser
	// TopicCache is every event with Cache set; ID is 0. Every node's domain holds it for its
	// whole life. See CacheTopic.
	TopicCache
)

// CacheTopic is the one topic of kind TopicCache.
var CacheTopic = Topic{Kind: TopicCache}

// AppendTopics appends the topics ev is published on to dst. A node subscribed to any of
// them gets ev exactly once.
func (ev *Event) AppendTopics(dst []Topic) []Topic {
	if ev.GuildID != 0 && len(ev.UserIDs) == 0 {
		dst = append(dst, Topic{TopicGuild, ev.GuildID})
	}
	for _, u := range ev.UserIDs {
		dst = append(dst, Topic{TopicUser, u})
	}
	if ev.Subject != 0 {
		dst = append(dst, Topic{TopicUser, ev.Subject})
	}
	if ev.Cache {
		dst = append(dst, CacheTopic)
	}
	return dst
}

// Listener consumes the events a node receives. A node's subscriptions are the union of its
// consumers' (the domain holds CacheTopic, the gateway its sessions' guilds and users), and
// every Listener sees every event the node receives: it ignores what it has no use for.
type Listener interface {
	// Receive handles one event. local reports that this node published it (its domain
	// already applied it before publishing). It must not block for long: it runs on the
	// Broker's delivery goroutine, or on the publisher's for Memory.
	Receive(ctx context.Context, ev Event, local bool)
	// Gap reports that the broker's connection dropped and came back: whatever was derived
	// from the stream, such as invalidated caches, may be stale. Events published meanwhile
	// are still delivered (the broker replays them) unless Lost follows.
	Gap()
	// Lost reports that events this node should have received are gone for good (the
	// broker's replay log no longer holds them, or its backend lost its data): state built
	// from the stream, such as a gateway session's view of its guilds, must be rebuilt from
	// scratch. It is never called by a single-node broker.
	Lost()
}

// Broker moves committed events between the consumers of all nodes.
//
// Contract, checked by the conformance suite against every implementation:
//   - Publish returns once the event is handed to the transport. The caller's cancellation
//     does not undo a publish: the write it reports has committed.
//   - A node gets an event once if it is subscribed to any of its topics (whichever number
//     of them), and not at all after the last Unsubscribe of all of them is confirmed.
//     A lost connection loses no event: the broker replays what it missed, in order, after
//     calling Gap; only what its replay log no longer holds is lost, and Lost says so.
//   - Events of one topic reach a Listener in publish order. Listeners run in the order they
//     were added, each to completion, before the next event of that topic: a domain added
//     before the gateway has invalidated its caches before the gateway checks permissions.
//   - Subscribe and Unsubscribe are refcounted per node and never block on the network (the
//     gateway calls them under its hub locks); WaitSubscribed waits until they took effect.
//   - After Close nothing is delivered and Publish reports success without sending.
type Broker interface {
	// Listen adds l to this node's consumers; stop removes it. Events already in delivery
	// may still reach l after stop returns.
	Listen(l Listener) (stop func())
	// Publish sends ev to every node subscribed to one of its topics, this one included.
	Publish(ctx context.Context, ev Event) error
	// Subscribe adds a reference to t for this node.
	Subscribe(t Topic)
	// Unsubscribe drops one.
	Unsubscribe(t Topic)
	// WaitSubscribed blocks until every topic in ts delivers (or ctx ends): the gateway calls
	// it before building a new session's GUILD_CREATEs, so no later event can be missed.
	WaitSubscribed(ctx context.Context, ts []Topic) error
	// Close stops delivery and releases what the Broker holds. Whoever created the Broker
	// closes it, after its consumers stopped.
	Close() error
}
