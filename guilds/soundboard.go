package guilds

import (
	"context"
	"encoding/base64"
	"errors"
	"fmt"
	"strings"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// maxSounds is a guild's soundboard slots without boosts (tier 0).
const maxSounds = 8

// SoundParams is POST /guilds/{id}/soundboard-sounds (name and sound required) and PATCH
// …/{sound_id} (sound ignored, every field optional).
type SoundParams struct {
	Name      *string                        `json:"name"`
	Sound     string                         `json:"sound"`
	Volume    opcodes.Nullable[float64]      `json:"volume"`
	EmojiID   opcodes.Nullable[snowflake.ID] `json:"emoji_id"`
	EmojiName opcodes.Nullable[string]       `json:"emoji_name"`
}

// SendSoundParams is POST /channels/{id}/send-soundboard-sound.
type SendSoundParams struct {
	SoundID       snowflake.ID `json:"sound_id"`
	SourceGuildID snowflake.ID `json:"source_guild_id"`
}

// defaultSounds is GET /soundboard-default-sounds: a small fixed set in Discord's shape,
// with Discord's IDs for them. Parley ships no audio for them.
var defaultSounds = []opcodes.SoundboardSound{
	{Name: "quack", SoundID: 1, Volume: 1, EmojiName: ptrStr("🦆"), Available: true},
	{Name: "airhorn", SoundID: 2, Volume: 1, EmojiName: ptrStr("🔊"), Available: true},
	{Name: "cricket", SoundID: 3, Volume: 1, EmojiName: ptrStr("🦗"), Available: true},
	{Name: "golf clap", SoundID: 4, Volume: 1, EmojiName: ptrStr("⛳"), Available: true},
	{Name: "sad horn", SoundID: 5, Volume: 1, EmojiName: ptrStr("🎺"), Available: true},
	{Name: "ba dum tss", SoundID: 6, Volume: 1, EmojiName: ptrStr("🥁"), Available: true},
}

// DefaultSounds is GET /soundboard-default-sounds.
func (s *Service) DefaultSounds(context.Context) []opcodes.SoundboardSound {
	return append([]opcodes.SoundboardSound(nil), defaultSounds...)
}

func soundShape(snd storage.Sound, creator *storage.User) opcodes.SoundboardSound {
	o := opcodes.SoundboardSound{Name: snd.Name, SoundID: snd.ID, Volume: snd.Volume, EmojiID: ptrID(snd.EmojiID),
		EmojiName: snd.EmojiName, GuildID: ptrID(snd.GuildID), Available: snd.Available}
	if creator != nil {
		u := userShape(*creator)
		o.User = &u
	}
	return o
}

func (s *Service) soundShapes(ctx context.Context, snds []storage.Sound, withUser bool) ([]opcodes.SoundboardSound, error) {
	var users map[snowflake.ID]storage.User
	if withUser {
		ids := make([]snowflake.ID, len(snds))
		for i, x := range snds {
			ids[i] = x.CreatorID
		}
		var err error
		if users, err = s.usersByID(ctx, ids); err != nil {
			return nil, err
		}
	}
	out := make([]opcodes.SoundboardSound, 0, len(snds))
	for _, x := range snds {
		var creator *storage.User
		if u, ok := users[x.CreatorID]; ok {
			creator = &u
		}
		out = append(out, soundShape(x, creator))
	}
	return out, nil
}

// GuildSounds is a guild's sounds as GUILD_CREATE, op 31's SOUNDBOARD_SOUNDS and the list
// route carry them (with creators, as Discord includes user).
func (s *Service) GuildSounds(ctx context.Context, guildID snowflake.ID) ([]opcodes.SoundboardSound, error) {
	snds, err := s.store.Sounds().ListByGuild(ctx, guildID)
	if err != nil {
		return nil, fmt.Errorf("list sounds: %w", err)
	}
	return s.soundShapes(ctx, snds, true)
}

// Sounds is GET /guilds/{id}/soundboard-sounds: members only.
func (s *Service) Sounds(ctx context.Context, actor, guildID snowflake.ID) (opcodes.SoundboardSounds, error) {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return opcodes.SoundboardSounds{}, err
	}
	items, err := s.GuildSounds(ctx, guildID)
	if err != nil {
		return opcodes.SoundboardSounds{}, err
	}
	return opcodes.SoundboardSounds{Items: items}, nil
}

// Sound is GET /guilds/{id}/soundboard-sounds/{id}.
func (s *Service) Sound(ctx context.Context, actor, guildID, soundID snowflake.ID) (opcodes.SoundboardSound, error) {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return opcodes.SoundboardSound{}, err
	}
	snd, err := s.store.Sounds().Get(ctx, guildID, soundID)
	if err != nil {
		return opcodes.SoundboardSound{}, notFound(err, ErrUnknownSound, "load sound")
	}
	out, err := s.soundShapes(ctx, []storage.Sound{snd}, true)
	if err != nil {
		return opcodes.SoundboardSound{}, err
	}
	return out[0], nil
}

// SoundFile is a sound's bytes for the CDN route.
type SoundFile struct {
	ContentType string
	Data        []byte
}

// SoundData is the CDN's /soundboard-sounds/{id}: public, as Discord's CDN is.
func (s *Service) SoundData(ctx context.Context, soundID snowflake.ID) (SoundFile, error) {
	snd, err := s.store.Sounds().GetByID(ctx, soundID)
	if err != nil {
		return SoundFile{}, notFound(err, ErrUnknownSound, "load sound")
	}
	return SoundFile{ContentType: soundFormat(snd.Data), Data: snd.Data}, nil
}

// decodeSound reads a data URI of an MP3 or Ogg file of at most 512 KiB, checked by its bytes.
func decodeSound(v *validator, uri string) []byte {
	rest, ok := strings.CutPrefix(uri, "data:")
	mime, payload, ok2 := strings.Cut(rest, ",")
	if !ok || !ok2 || !strings.HasSuffix(mime, ";base64") {
		v.add("sound", "SOUND_INVALID", "Invalid sound data")
		return nil
	}
	if base64.StdEncoding.DecodedLen(len(payload)) > maxSoundBytes+3 {
		v.add("sound", "BINARY_TYPE_MAX_SIZE", "File cannot be larger than 512.0 kb.")
		return nil
	}
	data, err := base64.StdEncoding.DecodeString(payload)
	if err != nil || soundFormat(data) == "" {
		if err == nil && len(data) > maxSoundBytes {
			v.add("sound", "BINARY_TYPE_MAX_SIZE", "File cannot be larger than 512.0 kb.")
			return nil
		}
		v.add("sound", "SOUND_INVALID", "Invalid sound data")
		return nil
	}
	return data
}

// applySound validates and copies name, volume and emoji onto snd.
func (s *Service) applySound(ctx context.Context, v *validator, snd *storage.Sound, p SoundParams) error {
	if p.Name != nil {
		snd.Name = *p.Name
	}
	v.length("name", snd.Name, 2, 32)
	if p.Volume.Set {
		snd.Volume = 1
		if !p.Volume.Null {
			snd.Volume = p.Volume.Value
		}
	}
	if snd.Volume < 0 || snd.Volume > 1 {
		v.add("volume", "NUMBER_TYPE_MAX", "Volume must be between 0 and 1.")
	}
	if p.EmojiID.Set {
		snd.EmojiID = p.EmojiID.Value
		if snd.EmojiID != 0 {
			if _, err := s.store.Emojis().Get(ctx, snd.GuildID, snd.EmojiID); errors.Is(err, storage.ErrNotFound) {
				v.add("emoji_id", "EMOJI_INVALID", "Unknown emoji")
			} else if err != nil {
				return fmt.Errorf("load emoji: %w", err)
			}
		}
	}
	if p.EmojiName.Set {
		snd.EmojiName = p.EmojiName.Ptr()
		if snd.EmojiName != nil {
			v.length("emoji_name", *snd.EmojiName, 1, 32)
		}
	}
	return nil
}

// CreateSound is POST /guilds/{id}/soundboard-sounds: CREATE_GUILD_EXPRESSIONS or
// MANAGE_GUILD_EXPRESSIONS, a 2–32 character name, an MP3 or Ogg data URI of at most
// 512 KiB, volume 0–1 (default 1), eight sounds per guild. Publishes
// GUILD_SOUNDBOARD_SOUND_CREATE.
func (s *Service) CreateSound(ctx context.Context, actor, guildID snowflake.ID, p SoundParams) (opcodes.SoundboardSound, error) {
	perms, err := s.memberGuildPerms(ctx, guildID, actor)
	if err != nil {
		return opcodes.SoundboardSound{}, err
	}
	if perms&(opcodes.PermCreateGuildExpressions|opcodes.PermManageGuildExpressions) == 0 {
		return opcodes.SoundboardSound{}, ErrMissingPermissions
	}
	var v validator
	snd := storage.Sound{ID: s.ids.Next(), GuildID: guildID, Volume: 1, Available: true, CreatorID: actor}
	if p.Name == nil {
		v.required("name")
	}
	if p.Sound == "" {
		v.required("sound")
	} else {
		snd.Data = decodeSound(&v, p.Sound)
	}
	if p.Name != nil {
		if err := s.applySound(ctx, &v, &snd, p); err != nil {
			return opcodes.SoundboardSound{}, err
		}
	}
	if err := v.err(); err != nil {
		return opcodes.SoundboardSound{}, err
	}
	existing, err := s.store.Sounds().ListByGuild(ctx, guildID)
	if err != nil {
		return opcodes.SoundboardSound{}, fmt.Errorf("list sounds: %w", err)
	}
	if len(existing) >= maxSounds {
		return opcodes.SoundboardSound{}, ErrMaxSounds
	}
	creator, err := s.store.Users().Get(ctx, actor)
	if err != nil {
		return opcodes.SoundboardSound{}, notFound(err, ErrUnauthorized, "load user")
	}
	if err := s.store.Sounds().Create(ctx, snd); err != nil {
		return opcodes.SoundboardSound{}, fmt.Errorf("create sound: %w", err)
	}
	out := soundShape(snd, &creator)
	s.audit(ctx, auditEntry{GuildID: guildID, Action: opcodes.AuditSoundboardSoundCreate, ActorID: actor, TargetID: snd.ID})
	s.publish(ctx, events.Event{Name: opcodes.EventSoundboardSoundCreate, GuildID: guildID}, out)
	return out, nil
}

// soundManager loads a sound and checks actor may edit or delete it, as for emojis.
func (s *Service) soundManager(ctx context.Context, actor, guildID, soundID snowflake.ID) (storage.Sound, error) {
	perms, err := s.memberGuildPerms(ctx, guildID, actor)
	if err != nil {
		return storage.Sound{}, err
	}
	snd, err := s.store.Sounds().Get(ctx, guildID, soundID)
	if err != nil {
		return snd, notFound(err, ErrUnknownSound, "load sound")
	}
	if !perms.Has(opcodes.PermManageGuildExpressions) &&
		!(snd.CreatorID == actor && perms.Has(opcodes.PermCreateGuildExpressions)) {
		return snd, ErrMissingPermissions
	}
	return snd, nil
}

// ModifySound is PATCH /guilds/{id}/soundboard-sounds/{id}; publishes
// GUILD_SOUNDBOARD_SOUND_UPDATE.
func (s *Service) ModifySound(ctx context.Context, actor, guildID, soundID snowflake.ID, p SoundParams) (opcodes.SoundboardSound, error) {
	snd, err := s.soundManager(ctx, actor, guildID, soundID)
	if err != nil {
		return opcodes.SoundboardSound{}, err
	}
	var v validator
	if err := s.applySound(ctx, &v, &snd, p); err != nil {
		return opcodes.SoundboardSound{}, err
	}
	if err := v.err(); err != nil {
		return opcodes.SoundboardSound{}, err
	}
	if err := s.store.Sounds().Update(ctx, snd); err != nil {
		return opcodes.SoundboardSound{}, notFound(err, ErrUnknownSound, "update sound")
	}
	out, err := s.soundShapes(ctx, []storage.Sound{snd}, true)
	if err != nil {
		return opcodes.SoundboardSound{}, err
	}
	s.audit(ctx, auditEntry{GuildID: guildID, Action: opcodes.AuditSoundboardSoundUpdate, ActorID: actor, TargetID: snd.ID})
	s.publish(ctx, events.Event{Name: opcodes.EventSoundboardSoundUpdate, GuildID: guildID}, out[0])
	return out[0], nil
}

// DeleteSound is DELETE /guilds/{id}/soundboard-sounds/{id}; publishes
// GUILD_SOUNDBOARD_SOUND_DELETE.
func (s *Service) DeleteSound(ctx context.Context, actor, guildID, soundID snowflake.ID) error {
	if _, err := s.soundManager(ctx, actor, guildID, soundID); err != nil {
		return err
	}
	if err := s.store.Sounds().Delete(ctx, guildID, soundID); err != nil {
		return notFound(err, ErrUnknownSound, "delete sound")
	}
	s.audit(ctx, auditEntry{GuildID: guildID, Action: opcodes.AuditSoundboardSoundDelete, ActorID: actor, TargetID: soundID})
	s.publish(ctx, events.Event{Name: opcodes.EventSoundboardSoundDelete, GuildID: guildID},
		opcodes.SoundboardSoundDelete{SoundID: soundID, GuildID: guildID})
	return nil
}

// SendSound is POST /channels/{id}/send-soundboard-sound: a voice or stage channel, SPEAK and
// USE_SOUNDBOARD there (USE_EXTERNAL_SOUNDS for another guild's sound), and a sound that
// exists. The caller must be connected to that channel (40032 otherwise), neither muted,
// deafened nor suppressed.
func (s *Service) SendSound(ctx context.Context, actor, channelID snowflake.ID, p SendSoundParams) error {
	ch, perms, err := s.channelAccess(ctx, actor, channelID)
	if err != nil {
		return err
	}
	if t := opcodes.ChannelType(ch.Type); t != opcodes.ChannelGuildVoice && t != opcodes.ChannelGuildStageVoice {
		return ErrInvalidChannelType
	}
	if p.SoundID == 0 {
		var v validator
		v.required("sound_id")
		return v.err()
	}
	want := opcodes.PermSpeak | opcodes.PermUseSoundboard
	source := p.SourceGuildID
	if source == 0 {
		source = ch.GuildID
	}
	if source != ch.GuildID {
		want |= opcodes.PermUseExternalSounds
	}
	if !perms.Has(want) {
		return ErrMissingPermissions
	}
	if !isDefaultSound(p.SoundID) {
		if _, err := s.store.Sounds().Get(ctx, source, p.SoundID); err != nil {
			return notFound(err, ErrUnknownSound, "load sound")
		}
	}
	vs, err := s.store.VoiceStates().Get(ctx, ch.GuildID, actor)
	if errors.Is(err, storage.ErrNotFound) || err == nil && vs.ChannelID != ch.ID {
		return ErrNotInVoice
	}
	if err != nil {
		return fmt.Errorf("load voice state: %w", err)
	}
	if vs.SelfMute || vs.SelfDeaf || vs.Suppress {
		return ErrMissingPermissions
	}
	// Parley has no voice server: the sound plays nowhere, and VOICE_CHANNEL_EFFECT_SEND is
	// not emitted yet.
	return nil
}

func isDefaultSound(id snowflake.ID) bool {
	for _, d := range defaultSounds {
		if d.SoundID == id {
			return true
		}
	}
	return false
}
