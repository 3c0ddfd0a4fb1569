package guilds

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"time"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// PermissionState is what Discord's permission algorithm reads: the guild owner, the roles'
// permissions and the member's roles and timeout.
type PermissionState struct {
	OwnerID     snowflake.ID
	GuildID     snowflake.ID // also the @everyone role's ID
	RolePerms   map[snowflake.ID]opcodes.Permissions
	MemberRoles []snowflake.ID
	// TimedOutUntil is the member's communication_disabled_until, zero when not timed out.
	TimedOutUntil time.Time
}

// BasePermissions computes a member's guild-level permissions: owner → all; @everyone OR every
// role; ADMINISTRATOR → all.
func BasePermissions(st PermissionState, userID snowflake.ID) opcodes.Permissions {
	if userID == st.OwnerID {
		return opcodes.PermAll
	}
	p := st.RolePerms[st.GuildID]
	for _, r := range st.MemberRoles {
		p |= st.RolePerms[r]
	}
	if p.Has(opcodes.PermAdministrator) {
		return opcodes.PermAll
	}
	return p
}

// ChannelPermissions applies a channel's overwrites to the base permissions in Discord's order:
// @everyone overwrite, then all role overwrites together (denies then allows), then the
// member's overwrite. Without VIEW_CHANNEL nothing else is granted; a timed-out member keeps
// only VIEW_CHANNEL and READ_MESSAGE_HISTORY. Overwrite IDs are unique per channel (the domain
// stores them so). The gateway calls this once per recipient per event, so it does one pass
// over the overwrites and allocates nothing.
func ChannelPermissions(st PermissionState, userID snowflake.ID, overwrites []storage.Overwrite, now time.Time) opcodes.Permissions {
	base := BasePermissions(st, userID)
	if base == opcodes.PermAll {
		return base
	}
	var everyone, member *storage.Overwrite
	var allow, deny opcodes.Permissions
	for i := range overwrites {
		ow := &overwrites[i]
		switch {
		case ow.Type == opcodes.OverwriteRole && ow.ID == st.GuildID:
			everyone = ow
		case ow.Type == opcodes.OverwriteRole && slices.Contains(st.MemberRoles, ow.ID):
			allow |= opcodes.Permissions(ow.Allow)
			deny |= opcodes.Permissions(ow.Deny)
		case ow.Type == opcodes.OverwriteMember && ow.ID == userID:
			member = ow
		}
	}
	p := base
	if everyone != nil {
		p = (p &^ opcodes.Permissions(everyone.Deny)) | opcodes.Permissions(everyone.Allow)
	}
	p = (p &^ deny) | allow
	if member != nil {
		p = (p &^ opcodes.Permissions(member.Deny)) | opcodes.Permissions(member.Allow)
	}
	if !p.Has(opcodes.PermViewChannel) {
		return 0
	}
	if !st.TimedOutUntil.IsZero() && now.Before(st.TimedOutUntil) {
		p &= opcodes.PermViewChannel | opcodes.PermReadMessageHistory
	}
	return p
}

// guildPerms is one guild's cached permission inputs.
type guildPerms struct {
	ownerID    snowflake.ID
	rolePerms  map[snowflake.ID]opcodes.Permissions
	rolePos    map[snowflake.ID]int
	members    map[snowflake.ID]memberPerms
	overwrites map[snowflake.ID][]storage.Overwrite // by channel
	// channels are the guild's channels as loaded. Their LastMessageID is stale (sending a
	// message moves it without invalidating the cache): callers must not rely on it.
	channels map[snowflake.ID]storage.Channel
}

type memberPerms struct {
	roles    []snowflake.ID
	timedOut time.Time
	// member is the whole row (nick, avatar, joined_at…), for the member object that
	// MESSAGE_CREATE carries. Every member write publishes an event that drops the entry.
	member storage.Member
}

// permCache keeps each guild's permission inputs in memory, because the gateway asks for a
// permission per recipient per event. Any event that may change them drops the guild's entry;
// the next question reloads it.
type permCache struct {
	store storage.Store
	mu    sync.Mutex
	// guilds maps a guild to its loaded state; gen counts invalidations so a load that raced
	// with a write is not cached.
	guilds map[snowflake.ID]*guildPerms
	gen    map[snowflake.ID]uint64
	// guildOf maps a guild channel to its guild (which never changes), filled by loads, so
	// that a request naming only a channel can find the guild's entry without the store.
	guildOf map[snowflake.ID]snowflake.ID
	// epoch counts resets (see reset).
	epoch uint64
}

func newPermCache(st storage.Store) *permCache {
	return &permCache{store: st, guilds: make(map[snowflake.ID]*guildPerms), gen: make(map[snowflake.ID]uint64),
		guildOf: make(map[snowflake.ID]snowflake.ID)}
}

// channelGuild returns the guild of a channel seen by an earlier load.
func (c *permCache) channelGuild(channelID snowflake.ID) (snowflake.ID, bool) {
	c.mu.Lock()
	g, ok := c.guildOf[channelID]
	c.mu.Unlock()
	return g, ok
}

func (c *permCache) invalidate(guildID snowflake.ID) {
	c.mu.Lock()
	delete(c.guilds, guildID)
	c.gen[guildID]++
	c.mu.Unlock()
}

func (c *permCache) observe(ev events.Event) {
	if ev.GuildID == 0 {
		return
	}
	if changesGuildPerms(ev.Name) {
		c.invalidate(ev.GuildID)
	}
	if ev.Name == opcodes.EventChannelDelete && ev.ChannelID != 0 {
		c.mu.Lock()
		delete(c.guildOf, ev.ChannelID)
		c.mu.Unlock()
	}
}

// changesGuildPerms lists the events after which a guild's cached permission inputs are
// stale; cacheEvent sends them to every node.
func changesGuildPerms(name opcodes.EventName) bool {
	switch name {
	case opcodes.EventGuildUpdate, opcodes.EventGuildDelete, opcodes.EventGuildCreate,
		opcodes.EventGuildRoleCreate, opcodes.EventGuildRoleUpdate, opcodes.EventGuildRoleDelete,
		opcodes.EventChannelCreate, opcodes.EventChannelUpdate, opcodes.EventChannelDelete,
		opcodes.EventGuildMemberAdd, opcodes.EventGuildMemberUpdate, opcodes.EventGuildMemberRemove,
		opcodes.EventGuildBanAdd:
		return true
	}
	return false
}

// reset drops every guild's entry (after a gap in the event stream: any entry may be stale).
// epoch makes loads that started before the reset discard their result.
func (c *permCache) reset() {
	c.mu.Lock()
	clear(c.guilds)
	c.epoch++
	c.mu.Unlock()
}

func (c *permCache) get(ctx context.Context, guildID snowflake.ID) (*guildPerms, error) {
	c.mu.Lock()
	gp, ok := c.guilds[guildID]
	gen := c.gen[guildID]
	epoch := c.epoch
	c.mu.Unlock()
	if ok {
		return gp, nil
	}
	g, err := c.store.Guilds().Get(ctx, guildID)
	if err != nil {
		return nil, notFound(err, ErrUnknownGuild, "load guild")
	}
	roles, err := c.store.Roles().ListByGuild(ctx, guildID)
	if err != nil {
		return nil, fmt.Errorf("load roles: %w", err)
	}
	chans, err := c.store.Channels().ListByGuild(ctx, guildID)
	if err != nil {
		return nil, fmt.Errorf("load channels: %w", err)
	}
	members, err := c.store.Members().List(ctx, guildID, 0, 0)
	if err != nil {
		return nil, fmt.Errorf("load members: %w", err)
	}
	gp = &guildPerms{
		ownerID:    g.OwnerID,
		rolePerms:  make(map[snowflake.ID]opcodes.Permissions, len(roles)),
		rolePos:    make(map[snowflake.ID]int, len(roles)),
		members:    make(map[snowflake.ID]memberPerms, len(members)),
		overwrites: make(map[snowflake.ID][]storage.Overwrite, len(chans)),
		channels:   make(map[snowflake.ID]storage.Channel, len(chans)),
	}
	for _, r := range roles {
		gp.rolePerms[r.ID] = opcodes.Permissions(r.Permissions)
		gp.rolePos[r.ID] = r.Position
	}
	for _, ch := range chans {
		gp.overwrites[ch.ID] = ch.Overwrites
		gp.channels[ch.ID] = ch
	}
	for _, m := range members {
		mp := memberPerms{roles: m.Roles, member: m}
		if m.CommunicationDisabledUntil != nil {
			mp.timedOut = *m.CommunicationDisabledUntil
		}
		gp.members[m.UserID] = mp
	}
	c.mu.Lock()
	if c.gen[guildID] == gen && c.epoch == epoch {
		c.guilds[guildID] = gp
	}
	for _, ch := range chans {
		c.guildOf[ch.ID] = guildID
	}
	c.mu.Unlock()
	return gp, nil
}

func (gp *guildPerms) state(guildID, userID snowflake.ID) (PermissionState, bool) {
	m, ok := gp.members[userID]
	if !ok {
		return PermissionState{}, false
	}
	return PermissionState{OwnerID: gp.ownerID, GuildID: guildID, RolePerms: gp.rolePerms,
		MemberRoles: m.roles, TimedOutUntil: m.timedOut}, true
}

// highestPosition is the position of the user's highest role (0 = only @everyone).
func (gp *guildPerms) highestPosition(userID snowflake.ID) int {
	best := 0
	for _, r := range gp.members[userID].roles {
		if p := gp.rolePos[r]; p > best {
			best = p
		}
	}
	return best
}

// GuildPermissions returns the user's guild-level permissions; ErrMissingAccess if the user is
// not a member, ErrUnknownGuild if the guild does not exist.
func (s *Service) GuildPermissions(ctx context.Context, guildID, userID snowflake.ID) (opcodes.Permissions, error) {
	gp, err := s.perms.get(ctx, guildID)
	if err != nil {
		return 0, err
	}
	st, ok := gp.state(guildID, userID)
	if !ok {
		return 0, ErrMissingAccess
	}
	p := BasePermissions(st, userID)
	if !st.TimedOutUntil.IsZero() && s.now().Before(st.TimedOutUntil) && p != opcodes.PermAll {
		p &= opcodes.PermViewChannel | opcodes.PermReadMessageHistory
	}
	return p, nil
}

// ChannelPermissions returns the user's permissions in a guild channel (0 and
// ErrMissingAccess if not a member). The gateway calls it per recipient, so it reads only the
// in-memory cache after the first load.
func (s *Service) ChannelPermissions(ctx context.Context, guildID, channelID, userID snowflake.ID) (opcodes.Permissions, error) {
	gp, err := s.perms.get(ctx, guildID)
	if err != nil {
		return 0, err
	}
	st, ok := gp.state(guildID, userID)
	if !ok {
		return 0, ErrMissingAccess
	}
	return ChannelPermissions(st, userID, gp.overwrites[channelID], s.now()), nil
}

// requireGuildPerm checks that actor is a member with want; it returns the cache entry for
// hierarchy checks.
func (s *Service) requireGuildPerm(ctx context.Context, guildID, actor snowflake.ID, want opcodes.Permissions) (*guildPerms, error) {
	gp, err := s.perms.get(ctx, guildID)
	if err != nil {
		return nil, err
	}
	st, ok := gp.state(guildID, actor)
	if !ok {
		return nil, ErrMissingAccess
	}
	p := BasePermissions(st, actor)
	if p != opcodes.PermAll && !st.TimedOutUntil.IsZero() && s.now().Before(st.TimedOutUntil) {
		p &= opcodes.PermViewChannel | opcodes.PermReadMessageHistory
	}
	if !p.Has(want) {
		return nil, ErrMissingPermissions
	}
	return gp, nil
}

// outranks reports whether actor may act on target by role hierarchy: the owner outranks
// everyone, nobody outranks the owner, otherwise the actor's highest role must be higher.
func (gp *guildPerms) outranks(actor, target snowflake.ID) bool {
	if actor == gp.ownerID {
		return true
	}
	if target == gp.ownerID {
		return false
	}
	return gp.highestPosition(actor) > gp.highestPosition(target)
}

// canManageRole reports whether actor may edit, assign or delete a role at rolePos.
func (gp *guildPerms) canManageRole(actor snowflake.ID, rolePos int) bool {
	return actor == gp.ownerID || gp.highestPosition(actor) > rolePos
}
