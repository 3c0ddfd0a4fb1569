package guilds

import (
	"context"
	"crypto/rand"
	"errors"
	"fmt"
	"time"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// Discord's invite limits.
const (
	defaultInviteMaxAge = 86400
	maxInviteMaxAge     = 604800
	maxInviteMaxUses    = 100
	inviteCodeLen       = 8
	inviteCodeAttempts  = 8
)

const inviteAlphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789"

// InviteParams is POST /channels/{id}/invites. Nil MaxAge means Discord's default of one day;
// nil MaxUses means unlimited.
type InviteParams struct {
	MaxAge    *int `json:"max_age"`
	MaxUses   *int `json:"max_uses"`
	Temporary bool `json:"temporary"`
	Unique    bool `json:"unique"`
}

// randomString returns n characters drawn uniformly from alphabet with crypto/rand.
func randomString(n int, alphabet string) string {
	// rand.Text-style rejection sampling keeps the distribution uniform.
	out := make([]byte, 0, n)
	buf := make([]byte, n*2)
	limit := 256 - 256%len(alphabet)
	for len(out) < n {
		if _, err := rand.Read(buf); err != nil {
			panic("guilds: crypto/rand failed: " + err.Error())
		}
		for _, b := range buf {
			if int(b) < limit {
				out = append(out, alphabet[int(b)%len(alphabet)])
				if len(out) == n {
					break
				}
			}
		}
	}
	return string(out)
}

// inviteExpiry is when the invite stops working; zero when it never expires.
func inviteExpiry(i storage.Invite) time.Time {
	if i.MaxAge <= 0 {
		return time.Time{}
	}
	return i.CreatedAt.Add(time.Duration(i.MaxAge) * time.Second)
}

// inviteLive reports whether the invite can still be used: not expired and not used up.
func (s *Service) inviteLive(i storage.Invite) bool {
	if exp := inviteExpiry(i); !exp.IsZero() && !s.now().Before(exp) {
		return false
	}
	return i.MaxUses <= 0 || i.Uses < i.MaxUses
}

// inviteShape is the invite object; withMeta adds the metadata (uses, max_uses, max_age,
// temporary, created_at) that Discord sends from create and the list endpoints.
func inviteShape(i storage.Invite, g storage.Guild, ch storage.Channel, inviter *storage.User, withMeta bool) opcodes.Invite {
	features := g.Features
	if features == nil {
		features = []string{}
	}
	name := ch.Name
	o := opcodes.Invite{
		Type:    0,
		Code:    i.Code,
		GuildID: ptrID(g.ID),
		Guild: &opcodes.InviteGuild{ID: g.ID, Name: g.Name, Icon: g.Icon, Description: g.Description,
			Features: features, VerificationLevel: g.VerificationLevel},
		Channel:   &opcodes.PartialChannel{ID: ch.ID, Name: &name, Type: opcodes.ChannelType(ch.Type)},
		ExpiresAt: opcodes.TimestampPtr(inviteExpiry(i)),
	}
	if inviter != nil {
		u := userShape(*inviter)
		o.Inviter = &u
	}
	if withMeta {
		temp := i.Temporary
		created := opcodes.NewTimestamp(i.CreatedAt)
		o.Uses, o.MaxUses, o.MaxAge = ptrInt(i.Uses), ptrInt(i.MaxUses), ptrInt(i.MaxAge)
		o.Temporary, o.CreatedAt = &temp, &created
	}
	return o
}

// CreateInvite is POST /channels/{id}/invites: CREATE_INSTANT_INVITE on a guild channel
// (not a category). Without Unique, a live invite by the same inviter with the same settings
// is returned instead of a new one, as Discord does. A new invite is published as
// INVITE_CREATE to those with MANAGE_CHANNELS on the channel.
func (s *Service) CreateInvite(ctx context.Context, actor, channelID snowflake.ID, p InviteParams) (opcodes.Invite, error) {
	ch, perms, err := s.channelAccess(ctx, actor, channelID)
	if err != nil {
		return opcodes.Invite{}, err
	}
	if ch.GuildID == 0 || opcodes.ChannelType(ch.Type) == opcodes.ChannelGuildCategory {
		return opcodes.Invite{}, ErrInvalidChannelType
	}
	if !perms.Has(opcodes.PermCreateInstantInvite) {
		return opcodes.Invite{}, ErrMissingPermissions
	}
	maxAge, maxUses := defaultInviteMaxAge, 0
	var v validator
	if p.MaxAge != nil {
		maxAge = *p.MaxAge
		if maxAge < 0 {
			v.add("max_age", "NUMBER_TYPE_MIN", "int value should be greater than or equal to 0.")
		} else if maxAge > maxInviteMaxAge {
			v.add("max_age", "NUMBER_TYPE_MAX", "int value should be less than or equal to 604800.")
		}
	}
	if p.MaxUses != nil {
		maxUses = *p.MaxUses
		if maxUses < 0 {
			v.add("max_uses", "NUMBER_TYPE_MIN", "int value should be greater than or equal to 0.")
		} else if maxUses > maxInviteMaxUses {
			v.add("max_uses", "NUMBER_TYPE_MAX", "int value should be less than or equal to 100.")
		}
	}
	if err := v.err(); err != nil {
		return opcodes.Invite{}, err
	}
	g, err := s.store.Guilds().Get(ctx, ch.GuildID)
	if err != nil {
		return opcodes.Invite{}, notFound(err, ErrUnknownGuild, "load guild")
	}
	inviter, err := s.store.Users().Get(ctx, actor)
	if err != nil {
		return opcodes.Invite{}, notFound(err, ErrUnauthorized, "load inviter")
	}
	if !p.Unique {
		existing, err := s.store.Invites().ListByChannel(ctx, ch.ID)
		if err != nil {
			return opcodes.Invite{}, fmt.Errorf("list invites: %w", err)
		}
		for _, i := range existing {
			if i.InviterID == actor && i.MaxAge == maxAge && i.MaxUses == maxUses && i.Temporary == p.Temporary && s.inviteLive(i) {
				return inviteShape(i, g, ch, &inviter, true), nil
			}
		}
	}
	inv := storage.Invite{
		GuildID: ch.GuildID, ChannelID: ch.ID, InviterID: actor,
		MaxAge: maxAge, MaxUses: maxUses, Temporary: p.Temporary, CreatedAt: s.now(),
	}
	for attempt := 0; ; attempt++ {
		inv.Code = randomString(inviteCodeLen, inviteAlphabet)
		err = s.store.Invites().Create(ctx, inv)
		if err == nil {
			break
		}
		if !errors.Is(err, storage.ErrConflict) || attempt+1 >= inviteCodeAttempts {
			return opcodes.Invite{}, fmt.Errorf("create invite: %w", err)
		}
	}
	out := inviteShape(inv, g, ch, &inviter, true)
	evInviter := userShape(inviter) // the event's data must not share pointers with the answer
	s.publish(ctx, events.Event{Name: opcodes.EventInviteCreate, GuildID: ch.GuildID, ChannelID: ch.ID, Perm: opcodes.PermManageChannels},
		opcodes.InviteCreate{
			ChannelID: ch.ID, Code: inv.Code, CreatedAt: opcodes.NewTimestamp(inv.CreatedAt),
			GuildID: ptrID(ch.GuildID), Inviter: &evInviter, MaxAge: inv.MaxAge, MaxUses: inv.MaxUses,
			Temporary: inv.Temporary, Uses: inv.Uses, ExpiresAt: opcodes.TimestampPtr(inviteExpiry(inv)),
		})
	// Discord's invite entries have no target_id: the code is in the changes.
	s.audit(ctx, auditEntry{GuildID: ch.GuildID, Action: opcodes.AuditInviteCreate, ActorID: actor,
		Changes: fieldChanges(nil, inviteFields(inv))})
	return out, nil
}

// inviteShapes shapes a guild's live invites with metadata, loading inviters in one batch.
func (s *Service) inviteShapes(ctx context.Context, g storage.Guild, chans map[snowflake.ID]storage.Channel, invs []storage.Invite) ([]opcodes.Invite, error) {
	ids := make([]snowflake.ID, 0, len(invs))
	for _, i := range invs {
		ids = append(ids, i.InviterID)
	}
	users, err := s.usersByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	out := make([]opcodes.Invite, 0, len(invs))
	for _, i := range invs {
		ch, ok := chans[i.ChannelID]
		if !ok || !s.inviteLive(i) {
			continue
		}
		var inviter *storage.User
		if u, ok := users[i.InviterID]; ok {
			inviter = &u
		}
		out = append(out, inviteShape(i, g, ch, inviter, true))
	}
	return out, nil
}

// ChannelInvites is GET /channels/{id}/invites: MANAGE_CHANNELS on the channel; live invites
// with metadata.
func (s *Service) ChannelInvites(ctx context.Context, actor, channelID snowflake.ID) ([]opcodes.Invite, error) {
	ch, perms, err := s.channelAccess(ctx, actor, channelID)
	if err != nil {
		return nil, err
	}
	if ch.GuildID == 0 || !perms.Has(opcodes.PermManageChannels) {
		return nil, ErrMissingPermissions
	}
	g, err := s.store.Guilds().Get(ctx, ch.GuildID)
	if err != nil {
		return nil, notFound(err, ErrUnknownGuild, "load guild")
	}
	invs, err := s.store.Invites().ListByChannel(ctx, ch.ID)
	if err != nil {
		return nil, fmt.Errorf("list invites: %w", err)
	}
	return s.inviteShapes(ctx, g, map[snowflake.ID]storage.Channel{ch.ID: ch}, invs)
}

// GuildInvites is GET /guilds/{id}/invites: MANAGE_GUILD; live invites with metadata.
func (s *Service) GuildInvites(ctx context.Context, actor, guildID snowflake.ID) ([]opcodes.Invite, error) {
	g, err := s.loadGuild(ctx, guildID, actor)
	if err != nil {
		return nil, err
	}
	if _, err := s.requireGuildPerm(ctx, guildID, actor, opcodes.PermManageGuild); err != nil {
		return nil, err
	}
	invs, err := s.store.Invites().ListByGuild(ctx, guildID)
	if err != nil {
		return nil, fmt.Errorf("list invites: %w", err)
	}
	chs, err := s.store.Channels().ListByGuild(ctx, guildID)
	if err != nil {
		return nil, fmt.Errorf("list channels: %w", err)
	}
	chans := make(map[snowflake.ID]storage.Channel, len(chs))
	for _, c := range chs {
		chans[c.ID] = c
	}
	return s.inviteShapes(ctx, g, chans, invs)
}

// loadInvite loads a live invite with its guild and channel; anything missing, expired or used
// up is ErrUnknownInvite.
func (s *Service) loadInvite(ctx context.Context, code string) (storage.Invite, storage.Guild, storage.Channel, error) {
	i, err := s.store.Invites().Get(ctx, code)
	if err != nil {
		return storage.Invite{}, storage.Guild{}, storage.Channel{}, notFound(err, ErrUnknownInvite, "load invite")
	}
	if !s.inviteLive(i) {
		return storage.Invite{}, storage.Guild{}, storage.Channel{}, ErrUnknownInvite
	}
	g, err := s.store.Guilds().Get(ctx, i.GuildID)
	if err != nil {
		return storage.Invite{}, storage.Guild{}, storage.Channel{}, notFound(err, ErrUnknownInvite, "load guild")
	}
	ch, err := s.store.Channels().Get(ctx, i.ChannelID)
	if err != nil {
		return storage.Invite{}, storage.Guild{}, storage.Channel{}, notFound(err, ErrUnknownInvite, "load channel")
	}
	return i, g, ch, nil
}

func (s *Service) inviteOut(ctx context.Context, i storage.Invite, g storage.Guild, ch storage.Channel) (opcodes.Invite, error) {
	var inviter *storage.User
	if i.InviterID != 0 {
		u, err := s.store.Users().Get(ctx, i.InviterID)
		switch {
		case err == nil:
			inviter = &u
		case !errors.Is(err, storage.ErrNotFound):
			return opcodes.Invite{}, fmt.Errorf("load inviter: %w", err)
		}
	}
	return inviteShape(i, g, ch, inviter, false), nil
}

// Invite is GET /invites/{code}. It needs no authentication; withCounts adds approximate
// member and presence counts (Parley reports presences as 0).
func (s *Service) Invite(ctx context.Context, code string, withCounts bool) (opcodes.Invite, error) {
	i, g, ch, err := s.loadInvite(ctx, code)
	if err != nil {
		return opcodes.Invite{}, err
	}
	out, err := s.inviteOut(ctx, i, g, ch)
	if err != nil {
		return opcodes.Invite{}, err
	}
	if withCounts {
		n, err := s.store.Members().Count(ctx, g.ID)
		if err != nil {
			return opcodes.Invite{}, fmt.Errorf("count members: %w", err)
		}
		zero := 0
		out.ApproximateMemberCount, out.ApproximatePresenceCount = &n, &zero
	}
	return out, nil
}

// DeleteInvite is DELETE /invites/{code}: MANAGE_CHANNELS on the invite's channel, or
// MANAGE_GUILD. It returns the invite and publishes INVITE_DELETE.
func (s *Service) DeleteInvite(ctx context.Context, actor snowflake.ID, code string) (opcodes.Invite, error) {
	i, err := s.store.Invites().Get(ctx, code)
	if err != nil {
		return opcodes.Invite{}, notFound(err, ErrUnknownInvite, "load invite")
	}
	guildPerms, err := s.GuildPermissions(ctx, i.GuildID, actor)
	if err != nil {
		if errors.Is(err, ErrMissingAccess) {
			return opcodes.Invite{}, ErrMissingPermissions
		}
		return opcodes.Invite{}, err
	}
	if !guildPerms.Has(opcodes.PermManageGuild) {
		chPerms, err := s.ChannelPermissions(ctx, i.GuildID, i.ChannelID, actor)
		if err != nil {
			return opcodes.Invite{}, err
		}
		if !chPerms.Has(opcodes.PermManageChannels) {
			return opcodes.Invite{}, ErrMissingPermissions
		}
	}
	g, err := s.store.Guilds().Get(ctx, i.GuildID)
	if err != nil {
		return opcodes.Invite{}, notFound(err, ErrUnknownInvite, "load guild")
	}
	ch, err := s.store.Channels().Get(ctx, i.ChannelID)
	if err != nil {
		return opcodes.Invite{}, notFound(err, ErrUnknownInvite, "load channel")
	}
	out, err := s.inviteOut(ctx, i, g, ch)
	if err != nil {
		return opcodes.Invite{}, err
	}
	if err := s.store.Invites().Delete(ctx, code); err != nil {
		return opcodes.Invite{}, notFound(err, ErrUnknownInvite, "delete invite")
	}
	s.publishInviteDelete(ctx, i)
	s.audit(ctx, auditEntry{GuildID: i.GuildID, Action: opcodes.AuditInviteDelete, ActorID: actor,
		Changes: fieldChanges(inviteFields(i), nil)})
	return out, nil
}

func (s *Service) publishInviteDelete(ctx context.Context, i storage.Invite) {
	s.publish(ctx, events.Event{Name: opcodes.EventInviteDelete, GuildID: i.GuildID, ChannelID: i.ChannelID, Perm: opcodes.PermManageChannels},
		opcodes.InviteDelete{ChannelID: i.ChannelID, GuildID: ptrID(i.GuildID), Code: i.Code})
}

// AcceptInvite is POST /invites/{code} (join a guild): human accounts only. Banned users get
// ErrBanned; a user who is already a member gets the invite back without spending a use.
// Otherwise a use is spent atomically and the user joins (GUILD_MEMBER_ADD); an invite that
// has just run out of uses is deleted (INVITE_DELETE), as Discord does. Temporary membership
// is not enforced: Parley does not kick temporary members when they go offline.
func (s *Service) AcceptInvite(ctx context.Context, actor snowflake.ID, code string) (opcodes.Invite, error) {
	u, err := s.store.Users().Get(ctx, actor)
	if err != nil {
		return opcodes.Invite{}, notFound(err, ErrUnauthorized, "load user")
	}
	if u.Bot {
		return opcodes.Invite{}, ErrBotsForbidden
	}
	i, g, ch, err := s.loadInvite(ctx, code)
	if err != nil {
		return opcodes.Invite{}, err
	}
	if _, err := s.store.Bans().Get(ctx, g.ID, actor); err == nil {
		return opcodes.Invite{}, ErrBanned
	} else if !errors.Is(err, storage.ErrNotFound) {
		return opcodes.Invite{}, fmt.Errorf("load ban: %w", err)
	}
	if _, err := s.store.Members().Get(ctx, g.ID, actor); err == nil {
		return s.inviteOut(ctx, i, g, ch)
	} else if !errors.Is(err, storage.ErrNotFound) {
		return opcodes.Invite{}, fmt.Errorf("load member: %w", err)
	}
	used, err := s.store.Invites().Use(ctx, code)
	if err != nil {
		return opcodes.Invite{}, notFound(err, ErrUnknownInvite, "use invite")
	}
	if err := s.addMember(ctx, g.ID, u, nil); err != nil {
		return opcodes.Invite{}, err
	}
	if used.MaxUses > 0 && used.Uses >= used.MaxUses {
		if err := s.store.Invites().Delete(ctx, code); err == nil {
			s.publishInviteDelete(ctx, used)
		} else if !errors.Is(err, storage.ErrNotFound) {
			s.log.WarnContext(ctx, "delete used-up invite", "code", code, "err", err)
		}
	}
	return s.inviteOut(ctx, used, g, ch)
}
