package opcodes

import (
	"fmt"
	"strconv"
)

// Permissions is a permission bitfield. On the wire it is a decimal string.
type Permissions uint64

// Permission bits.
const (
	PermCreateInstantInvite     Permissions = 1 << 0
	PermKickMembers             Permissions = 1 << 1
	PermBanMembers              Permissions = 1 << 2
	PermAdministrator           Permissions = 1 << 3
	PermManageChannels          Permissions = 1 << 4
	PermManageGuild             Permissions = 1 << 5
	PermAddReactions            Permissions = 1 << 6
	PermViewAuditLog            Permissions = 1 << 7
	PermPrioritySpeaker         Permissions = 1 << 8
	PermStream                  Permissions = 1 << 9
	PermViewChannel             Permissions = 1 << 10
	PermSendMessages            Permissions = 1 << 11
	PermSendTTSMessages         Permissions = 1 << 12
	PermManageMessages          Permissions = 1 << 13
	PermEmbedLinks              Permissions = 1 << 14
	PermAttachFiles             Permissions = 1 << 15
	PermReadMessageHistory      Permissions = 1 << 16
	PermMentionEveryone         Permissions = 1 << 17
	PermUseExternalEmojis       Permissions = 1 << 18
	PermViewGuildInsights       Permissions = 1 << 19
	PermConnect                 Permissions = 1 << 20
	PermSpeak                   Permissions = 1 << 21
	PermMuteMembers             Permissions = 1 << 22
	PermDeafenMembers           Permissions = 1 << 23
	PermMoveMembers             Permissions = 1 << 24
	PermUseVAD                  Permissions = 1 << 25
	PermChangeNickname          Permissions = 1 << 26
	PermManageNicknames         Permissions = 1 << 27
	PermManageRoles             Permissions = 1 << 28
	PermManageWebhooks          Permissions = 1 << 29
	PermManageGuildExpressions  Permissions = 1 << 30
	PermUseApplicationCommands  Permissions = 1 << 31
	PermRequestToSpeak          Permissions = 1 << 32
	PermManageEvents            Permissions = 1 << 33
	PermManageThreads           Permissions = 1 << 34
	PermCreatePublicThreads     Permissions = 1 << 35
	PermCreatePrivateThreads    Permissions = 1 << 36
	PermUseExternalStickers     Permissions = 1 << 37
	PermSendMessagesInThreads   Permissions = 1 << 38
	PermUseEmbeddedActivities   Permissions = 1 << 39
	PermModerateMembers         Permissions = 1 << 40
	PermViewCreatorMonetization Permissions = 1 << 41
	PermUseSoundboard           Permissions = 1 << 42
	PermCreateGuildExpressions  Permissions = 1 << 43
	PermCreateEvents            Permissions = 1 << 44
	PermUseExternalSounds       Permissions = 1 << 45
	PermSendVoiceMessages       Permissions = 1 << 46
	PermSetVoiceChannelStatus   Permissions = 1 << 48
	PermSendPolls               Permissions = 1 << 49
	PermUseExternalApps         Permissions = 1 << 50
	PermPinMessages             Permissions = 1 << 51
	PermBypassSlowmode          Permissions = 1 << 52
	PermAll                     Permissions = 8866461766385663
	PermDefaultEveryone                     = PermCreateInstantInvite | PermAddReactions | PermStream |
		PermViewChannel | PermSendMessages | PermEmbedLinks | PermAttachFiles |
		PermReadMessageHistory | PermMentionEveryone | PermUseExternalEmojis | PermConnect |
		PermSpeak | PermUseVAD | PermChangeNickname | PermUseApplicationCommands |
		PermRequestToSpeak | PermCreatePublicThreads | PermCreatePrivateThreads |
		PermUseExternalStickers | PermSendMessagesInThreads | PermUseEmbeddedActivities |
		PermUseSoundboard | PermCreateGuildExpressions | PermCreateEvents | PermUseExternalSounds |
		PermSendVoiceMessages | PermSendPolls | PermUseExternalApps
)

// Has reports whether every bit of want is set.
func (p Permissions) Has(want Permissions) bool { return p&want == want }

// String returns the decimal form.
func (p Permissions) String() string { return strconv.FormatUint(uint64(p), 10) }

// MarshalJSON writes a decimal string.
func (p Permissions) MarshalJSON() ([]byte, error) {
	b := make([]byte, 0, 24)
	b = append(b, '"')
	b = strconv.AppendUint(b, uint64(p), 10)
	return append(b, '"'), nil
}

// UnmarshalJSON accepts a decimal string, a number or null (zero).
func (p *Permissions) UnmarshalJSON(b []byte) error {
	s := string(b)
	if s == "null" {
		*p = 0
		return nil
	}
	if len(s) >= 2 && s[0] == '"' && s[len(s)-1] == '"' {
		s = s[1 : len(s)-1]
	}
	v, err := strconv.ParseUint(s, 10, 64)
	if err != nil {
		return fmt.Errorf("permissions %s: not a decimal bitfield", b)
	}
	*p = Permissions(v)
	return nil
}
