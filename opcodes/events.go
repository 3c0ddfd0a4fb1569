package opcodes

// EventName is a dispatch's t field.
type EventName string

// Dispatch event names.
const (
	EventReady                      EventName = "READY"
	EventResumed                    EventName = "RESUMED"
	EventRateLimited                EventName = "RATE_LIMITED"
	EventGuildCreate                EventName = "GUILD_CREATE"
	EventGuildUpdate                EventName = "GUILD_UPDATE"
	EventGuildDelete                EventName = "GUILD_DELETE"
	EventGuildMemberAdd             EventName = "GUILD_MEMBER_ADD"
	EventGuildMemberUpdate          EventName = "GUILD_MEMBER_UPDATE"
	EventGuildMemberRemove          EventName = "GUILD_MEMBER_REMOVE"
	EventGuildMembersChunk          EventName = "GUILD_MEMBERS_CHUNK"
	EventGuildRoleCreate            EventName = "GUILD_ROLE_CREATE"
	EventGuildRoleUpdate            EventName = "GUILD_ROLE_UPDATE"
	EventGuildRoleDelete            EventName = "GUILD_ROLE_DELETE"
	EventGuildBanAdd                EventName = "GUILD_BAN_ADD"
	EventGuildBanRemove             EventName = "GUILD_BAN_REMOVE"
	EventGuildEmojisUpdate          EventName = "GUILD_EMOJIS_UPDATE"
	EventChannelCreate              EventName = "CHANNEL_CREATE"
	EventChannelUpdate              EventName = "CHANNEL_UPDATE"
	EventChannelDelete              EventName = "CHANNEL_DELETE"
	EventChannelPinsUpdate          EventName = "CHANNEL_PINS_UPDATE"
	EventMessageCreate              EventName = "MESSAGE_CREATE"
	EventMessageUpdate              EventName = "MESSAGE_UPDATE"
	EventMessageDelete              EventName = "MESSAGE_DELETE"
	EventMessageDeleteBulk          EventName = "MESSAGE_DELETE_BULK"
	EventMessageReactionAdd         EventName = "MESSAGE_REACTION_ADD"
	EventMessageReactionRemove      EventName = "MESSAGE_REACTION_REMOVE"
	EventMessageReactionRemoveAll   EventName = "MESSAGE_REACTION_REMOVE_ALL"
	EventMessageReactionRemoveEmoji EventName = "MESSAGE_REACTION_REMOVE_EMOJI"
	EventTypingStart                EventName = "TYPING_START"
	EventPresenceUpdate             EventName = "PRESENCE_UPDATE"
	EventUserUpdate                 EventName = "USER_UPDATE"
	EventInviteCreate               EventName = "INVITE_CREATE"
	EventInviteDelete               EventName = "INVITE_DELETE"
	EventWebhooksUpdate             EventName = "WEBHOOKS_UPDATE"
	EventVoiceStateUpdate           EventName = "VOICE_STATE_UPDATE"
	EventSoundboardSounds           EventName = "SOUNDBOARD_SOUNDS"
	EventChannelInfo                EventName = "CHANNEL_INFO"
	EventGuildAuditLogEntryCreate   EventName = "GUILD_AUDIT_LOG_ENTRY_CREATE"
	EventAutoModRuleCreate          EventName = "AUTO_MODERATION_RULE_CREATE"
	EventAutoModRuleUpdate          EventName = "AUTO_MODERATION_RULE_UPDATE"
	EventAutoModRuleDelete          EventName = "AUTO_MODERATION_RULE_DELETE"
	EventAutoModActionExecution     EventName = "AUTO_MODERATION_ACTION_EXECUTION"
	EventVoiceServerUpdate          EventName = "VOICE_SERVER_UPDATE"
	EventGuildIntegrationsUpdate    EventName = "GUILD_INTEGRATIONS_UPDATE"
	EventIntegrationCreate          EventName = "INTEGRATION_CREATE"
	EventIntegrationUpdate          EventName = "INTEGRATION_UPDATE"
	EventIntegrationDelete          EventName = "INTEGRATION_DELETE"
	EventGuildStickersUpdate        EventName = "GUILD_STICKERS_UPDATE"
	EventScheduledEventCreate       EventName = "GUILD_SCHEDULED_EVENT_CREATE"
	EventScheduledEventUpdate       EventName = "GUILD_SCHEDULED_EVENT_UPDATE"
	EventScheduledEventDelete       EventName = "GUILD_SCHEDULED_EVENT_DELETE"
	EventScheduledEventUserAdd      EventName = "GUILD_SCHEDULED_EVENT_USER_ADD"
	EventScheduledEventUserRemove   EventName = "GUILD_SCHEDULED_EVENT_USER_REMOVE"
	EventStageInstanceCreate        EventName = "STAGE_INSTANCE_CREATE"
	EventStageInstanceUpdate        EventName = "STAGE_INSTANCE_UPDATE"
	EventStageInstanceDelete        EventName = "STAGE_INSTANCE_DELETE"
	EventSoundboardSoundCreate      EventName = "GUILD_SOUNDBOARD_SOUND_CREATE"
	EventSoundboardSoundUpdate      EventName = "GUILD_SOUNDBOARD_SOUND_UPDATE"
	EventSoundboardSoundDelete      EventName = "GUILD_SOUNDBOARD_SOUND_DELETE"
	EventSoundboardSoundsUpdate     EventName = "GUILD_SOUNDBOARD_SOUNDS_UPDATE"
)

// Intents is the Identify intents bitfield.
type Intents uint64

// Intent bits.
const (
	IntentGuilds                      Intents = 1 << 0
	IntentGuildMembers                Intents = 1 << 1 // privileged
	IntentGuildModeration             Intents = 1 << 2
	IntentGuildExpressions            Intents = 1 << 3
	IntentGuildIntegrations           Intents = 1 << 4
	IntentGuildWebhooks               Intents = 1 << 5
	IntentGuildInvites                Intents = 1 << 6
	IntentGuildVoiceStates            Intents = 1 << 7
	IntentGuildPresences              Intents = 1 << 8 // privileged
	IntentGuildMessages               Intents = 1 << 9
	IntentGuildMessageReactions       Intents = 1 << 10
	IntentGuildMessageTyping          Intents = 1 << 11
	IntentDirectMessages              Intents = 1 << 12
	IntentDirectMessageReactions      Intents = 1 << 13
	IntentDirectMessageTyping         Intents = 1 << 14
	IntentMessageContent              Intents = 1 << 15 // privileged
	IntentGuildScheduledEvents        Intents = 1 << 16
	IntentAutoModerationConfiguration Intents = 1 << 20
	IntentAutoModerationExecution     Intents = 1 << 21
	IntentGuildMessagePolls           Intents = 1 << 24
	IntentDirectMessagePolls          Intents = 1 << 25

	// IntentsPrivileged are the intents an application must have enabled.
	IntentsPrivileged = IntentGuildMembers | IntentGuildPresences | IntentMessageContent
	// IntentsAll is every documented intent; other bits close the connection with 4013.
	IntentsAll = IntentGuilds | IntentGuildMembers | IntentGuildModeration | IntentGuildExpressions |
		IntentGuildIntegrations | IntentGuildWebhooks | IntentGuildInvites | IntentGuildVoiceStates |
		IntentGuildPresences | IntentGuildMessages | IntentGuildMessageReactions | IntentGuildMessageTyping |
		IntentDirectMessages | IntentDirectMessageReactions | IntentDirectMessageTyping | IntentMessageContent |
		IntentGuildScheduledEvents | IntentAutoModerationConfiguration | IntentAutoModerationExecution |
		IntentGuildMessagePolls | IntentDirectMessagePolls
	// IntentsDefault is what a null or absent intents field means: every non-privileged intent.
	IntentsDefault = IntentsAll &^ IntentsPrivileged
)

// Has reports whether all bits of want are set.
func (i Intents) Has(want Intents) bool { return i&want == want }

// Application flags that enable privileged intents (the portal toggles).
const (
	AppFlagGatewayPresence              = 1 << 12
	AppFlagGatewayPresenceLimited       = 1 << 13
	AppFlagGatewayGuildMembers          = 1 << 14
	AppFlagGatewayGuildMembersLimited   = 1 << 15
	AppFlagGatewayMessageContent        = 1 << 18
	AppFlagGatewayMessageContentLimited = 1 << 19
)

// AllowedIntents returns the privileged intents that application flags enable.
func AllowedIntents(appFlags int) Intents {
	allowed := IntentsAll &^ IntentsPrivileged
	if appFlags&(AppFlagGatewayPresence|AppFlagGatewayPresenceLimited) != 0 {
		allowed |= IntentGuildPresences
	}
	if appFlags&(AppFlagGatewayGuildMembers|AppFlagGatewayGuildMembersLimited) != 0 {
		allowed |= IntentGuildMembers
	}
	if appFlags&(AppFlagGatewayMessageContent|AppFlagGatewayMessageContentLimited) != 0 {
		allowed |= IntentMessageContent
	}
	return allowed
}

// EventIntent returns the intent that gates ev in a guild (dm=false) or DM (dm=true) context,
// and false when the event is sent regardless of intents.
func EventIntent(ev EventName, dm bool) (Intents, bool) {
	switch ev {
	case EventGuildCreate, EventGuildUpdate, EventGuildDelete, EventGuildRoleCreate,
		EventGuildRoleUpdate, EventGuildRoleDelete, EventChannelCreate, EventChannelUpdate,
		EventChannelDelete, EventThreadCreate, EventThreadUpdate, EventThreadDelete,
		EventThreadListSync, EventThreadMemberUpdate, EventThreadMembersUpdate,
		EventStageInstanceCreate, EventStageInstanceUpdate, EventStageInstanceDelete:
		return IntentGuilds, true
	case EventChannelPinsUpdate:
		if dm {
			return IntentDirectMessages, true
		}
		return IntentGuilds, true
	case EventGuildMemberAdd, EventGuildMemberUpdate, EventGuildMemberRemove:
		return IntentGuildMembers, true
	case EventGuildBanAdd, EventGuildBanRemove, EventGuildAuditLogEntryCreate:
		return IntentGuildModeration, true
	case EventAutoModRuleCreate, EventAutoModRuleUpdate, EventAutoModRuleDelete:
		return IntentAutoModerationConfiguration, true
	case EventAutoModActionExecution:
		return IntentAutoModerationExecution, true
	case EventGuildEmojisUpdate, EventGuildStickersUpdate, EventSoundboardSoundCreate,
		EventSoundboardSoundUpdate, EventSoundboardSoundDelete, EventSoundboardSoundsUpdate:
		return IntentGuildExpressions, true
	case EventScheduledEventCreate, EventScheduledEventUpdate, EventScheduledEventDelete,
		EventScheduledEventUserAdd, EventScheduledEventUserRemove:
		return IntentGuildScheduledEvents, true
	case EventWebhooksUpdate:
		return IntentGuildWebhooks, true
	case EventInviteCreate, EventInviteDelete:
		return IntentGuildInvites, true
	case EventVoiceStateUpdate:
		return IntentGuildVoiceStates, true
	case EventGuildIntegrationsUpdate, EventIntegrationCreate, EventIntegrationUpdate, EventIntegrationDelete:
		return IntentGuildIntegrations, true
	case EventPresenceUpdate:
		return IntentGuildPresences, true
	case EventMessageCreate, EventMessageUpdate, EventMessageDelete, EventMessageDeleteBulk:
		if dm {
			return IntentDirectMessages, true
		}
		return IntentGuildMessages, true
	case EventMessageReactionAdd, EventMessageReactionRemove, EventMessageReactionRemoveAll,
		EventMessageReactionRemoveEmoji:
		if dm {
			return IntentDirectMessageReactions, true
		}
		return IntentGuildMessageReactions, true
	case EventTypingStart:
		if dm {
			return IntentDirectMessageTyping, true
		}
		return IntentGuildMessageTyping, true
	}
	return 0, false
}
