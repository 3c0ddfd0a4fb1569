package gateway

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// fakeDomain is an in-memory Domain for gateway tests, independent of the real service.
type fakeDomain struct {
	mu     sync.Mutex
	tokens map[string]guilds.Identity
	guilds map[snowflake.ID][]snowflake.ID // guild → member user IDs
	hidden map[[2]snowflake.ID]bool        // (channel, user) without VIEW_CHANNEL
	perms  map[[2]snowflake.ID]opcodes.Permissions
	// extraMembers pads a guild's member list for op 8 tests.
	extraMembers map[snowflake.ID]int
	// voiceJoins and voiceEnded record op 4 calls and ended voice sessions.
	voiceJoins []opcodes.VoiceStateUpdateData
	voiceEnded []string
}

func newFakeDomain() *fakeDomain {
	return &fakeDomain{
		tokens:       make(map[string]guilds.Identity),
		guilds:       make(map[snowflake.ID][]snowflake.ID),
		hidden:       make(map[[2]snowflake.ID]bool),
		perms:        make(map[[2]snowflake.ID]opcodes.Permissions),
		extraMembers: make(map[snowflake.ID]int),
	}
}

// Snowflake-shaped IDs for fixtures. Guild IDs are chosen so (id >> 22) % 2 is known.
const (
	botA   snowflake.ID = 1000000000000000001
	botB   snowflake.ID = 1000000000000000002
	human  snowflake.ID = 1000000000000000003
	guild0 snowflake.ID = 10 << 22 // shard 0 of 2
	guild1 snowflake.ID = 11 << 22 // shard 1 of 2
	chanG0 snowflake.ID = 5000
	chanG1 snowflake.ID = 5001
)

func (f *fakeDomain) addUser(token string, id guilds.Identity) {
	f.mu.Lock()
	f.tokens[token] = id
	f.mu.Unlock()
}

func (f *fakeDomain) join(guildID snowflake.ID, users ...snowflake.ID) {
	f.mu.Lock()
	f.guilds[guildID] = append(f.guilds[guildID], users...)
	f.mu.Unlock()
}

func (f *fakeDomain) leave(guildID, user snowflake.ID) {
	f.mu.Lock()
	defer f.mu.Unlock()
	ms := f.guilds[guildID]
	for i, u := range ms {
		if u == user {
			f.guilds[guildID] = append(ms[:i:i], ms[i+1:]...)
			return
		}
	}
}

func (f *fakeDomain) Authenticate(_ context.Context, token string) (guilds.Identity, error) {
	token = strings.TrimPrefix(token, "Bot ")
	f.mu.Lock()
	defer f.mu.Unlock()
	id, ok := f.tokens[token]
	if !ok {
		return guilds.Identity{}, guilds.ErrUnauthorized
	}
	return id, nil
}

func (f *fakeDomain) CurrentUser(_ context.Context, userID snowflake.ID) (opcodes.User, error) {
	verified := true
	return opcodes.User{ID: userID, Username: "user" + userID.String()[15:], Discriminator: "0", Bot: userID != human, Verified: &verified}, nil
}

func (f *fakeDomain) UserGuildIDs(_ context.Context, userID snowflake.ID) ([]snowflake.ID, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []snowflake.ID
	for g, ms := range f.guilds {
		for _, u := range ms {
			if u == userID {
				out = append(out, g)
			}
		}
	}
	return out, nil
}

func (f *fakeDomain) isMember(guildID, userID snowflake.ID) bool {
	for _, u := range f.guilds[guildID] {
		if u == userID {
			return true
		}
	}
	return false
}

func (f *fakeDomain) member(userID snowflake.ID) opcodes.Member {
	u := opcodes.User{ID: userID, Username: "member" + userID.String(), Discriminator: "0"}
	return opcodes.Member{User: &u, Roles: []snowflake.ID{}, JoinedAt: opcodes.NewTimestamp(time.Unix(1700000000, 0))}
}

func (f *fakeDomain) GuildCreate(_ context.Context, guildID, userID snowflake.ID, largeThreshold int, withPresences bool) (opcodes.GuildCreate, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.isMember(guildID, userID) {
		return opcodes.GuildCreate{}, guilds.ErrUnknownGuild
	}
	name := "general"
	gid := guildID
	var gc opcodes.GuildCreate
	gc.ID = guildID
	gc.Name = "guild " + guildID.String()
	gc.Roles = []opcodes.Role{{ID: guildID, Name: "@everyone", Permissions: opcodes.PermDefaultEveryone}}
	gc.Emojis, gc.Features, gc.Stickers = []opcodes.Emoji{}, []string{}, []opcodes.Sticker{}
	gc.JoinedAt = opcodes.NewTimestamp(time.Unix(1700000000, 0))
	gc.Channels = []opcodes.Channel{{ID: chanG0, Type: opcodes.ChannelGuildText, GuildID: &gid, Name: &name}}
	for _, u := range f.guilds[guildID] {
		if len(gc.Members) < largeThreshold {
			gc.Members = append(gc.Members, f.member(u))
		}
	}
	gc.MemberCount = len(f.guilds[guildID]) + f.extraMembers[guildID]
	gc.Large = gc.MemberCount > largeThreshold
	gc.VoiceStates, gc.Threads, gc.Presences = []opcodes.VoiceState{}, []opcodes.Channel{}, []opcodes.Presence{}
	gc.StageInstances, gc.GuildScheduledEvents, gc.SoundboardSounds = []opcodes.StageInstance{}, []opcodes.ScheduledEvent{}, []opcodes.SoundboardSound{}
	// Pad the description so GUILD_CREATE exceeds the payload-compression threshold.
	desc := strings.Repeat("a guild for gateway tests. ", 60)
	gc.Description = &desc
	return gc, nil
}

func (f *fakeDomain) ChannelPermissions(_ context.Context, guildID, channelID, userID snowflake.ID) (opcodes.Permissions, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.isMember(guildID, userID) {
		return 0, guilds.ErrUnknownMember
	}
	if f.hidden[[2]snowflake.ID{channelID, userID}] {
		return opcodes.PermDefaultEveryone &^ opcodes.PermViewChannel, nil
	}
	return opcodes.PermDefaultEveryone | f.perms[[2]snowflake.ID{guildID, userID}], nil
}

func (f *fakeDomain) GuildPermissions(_ context.Context, guildID, userID snowflake.ID) (opcodes.Permissions, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if !f.isMember(guildID, userID) {
		return 0, guilds.ErrUnknownMember
	}
	return opcodes.PermDefaultEveryone | f.perms[[2]snowflake.ID{guildID, userID}], nil
}

func (f *fakeDomain) allMembers(guildID snowflake.ID) []opcodes.Member {
	var out []opcodes.Member
	for _, u := range f.guilds[guildID] {
		out = append(out, f.member(u))
	}
	for i := range f.extraMembers[guildID] {
		out = append(out, f.member(snowflake.ID(2000000000000000000+i)))
	}
	return out
}

func (f *fakeDomain) SearchMembers(_ context.Context, guildID snowflake.ID, query string, limit int) ([]opcodes.Member, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []opcodes.Member
	for _, m := range f.allMembers(guildID) {
		if strings.HasPrefix(m.User.Username, query) {
			out = append(out, m)
			if limit > 0 && len(out) == limit {
				break
			}
		}
	}
	return out, nil
}

func (f *fakeDomain) GuildSounds(_ context.Context, guildID snowflake.ID) ([]opcodes.SoundboardSound, error) {
	return []opcodes.SoundboardSound{{Name: "honk", SoundID: 6, Volume: 1, GuildID: &guildID, Available: true}}, nil
}

func (f *fakeDomain) MembersByID(_ context.Context, guildID snowflake.ID, ids []snowflake.ID) ([]opcodes.Member, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []opcodes.Member
	for _, id := range ids {
		if f.isMember(guildID, id) {
			out = append(out, f.member(id))
		}
	}
	return out, nil
}

func (f *fakeDomain) UpdateVoiceState(_ context.Context, userID snowflake.ID, sessionID string, d opcodes.VoiceStateUpdateData) (*opcodes.VoiceServerUpdate, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.voiceJoins = append(f.voiceJoins, d)
	if d.ChannelID == nil {
		return nil, nil
	}
	if *d.ChannelID == chanG1 { // the fixture's channel the user may not connect to
		return nil, guilds.ErrMissingPermissions
	}
	return &opcodes.VoiceServerUpdate{Token: "vtok", GuildID: d.GuildID}, nil
}

func (f *fakeDomain) EndVoiceSession(_ context.Context, sessionID string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.voiceEnded = append(f.voiceEnded, sessionID)
	return nil
}

func (f *fakeDomain) voiceCalls() ([]opcodes.VoiceStateUpdateData, []string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]opcodes.VoiceStateUpdateData(nil), f.voiceJoins...), append([]string(nil), f.voiceEnded...)
}

// standardDomain: botA (all privileged intents allowed) and botB (none) and a human, all in
// guild0 and guild1.
func standardDomain() *fakeDomain {
	f := newFakeDomain()
	all := opcodes.AppFlagGatewayPresence | opcodes.AppFlagGatewayGuildMembers | opcodes.AppFlagGatewayMessageContent
	f.addUser("tokA", guilds.Identity{UserID: botA, Bot: true, AppFlags: all})
	f.addUser("tokB", guilds.Identity{UserID: botB, Bot: true})
	f.addUser("tokH", guilds.Identity{UserID: human})
	f.join(guild0, botA, botB, human)
	f.join(guild1, botA, botB, human)
	return f
}

func tokenFor(id snowflake.ID) string {
	switch id {
	case botA:
		return "tokA"
	case botB:
		return "tokB"
	case human:
		return "tokH"
	}
	panic(fmt.Sprint("no token for ", id))
}
