package opcodes

import (
	"encoding/json"

	"github.com/parley-chat/parley/snowflake"
)

// AuditLogEvent is an audit log entry's action_type (Discord's audit log events).
type AuditLogEvent int

// Audit log action types Parley records. Areas that add moderating actions add their type here.
const (
	AuditGuildUpdate             AuditLogEvent = 1
	AuditChannelCreate           AuditLogEvent = 10
	AuditChannelUpdate           AuditLogEvent = 11
	AuditChannelDelete           AuditLogEvent = 12
	AuditChannelOverwriteCreate  AuditLogEvent = 13
	AuditChannelOverwriteUpdate  AuditLogEvent = 14
	AuditChannelOverwriteDelete  AuditLogEvent = 15
	AuditMemberKick              AuditLogEvent = 20
	AuditMemberPrune             AuditLogEvent = 21
	AuditMemberBanAdd            AuditLogEvent = 22
	AuditMemberBanRemove         AuditLogEvent = 23
	AuditMemberUpdate            AuditLogEvent = 24
	AuditMemberRoleUpdate        AuditLogEvent = 25
	AuditMemberMove              AuditLogEvent = 26
	AuditMemberDisconnect        AuditLogEvent = 27
	AuditBotAdd                  AuditLogEvent = 28
	AuditRoleCreate              AuditLogEvent = 30
	AuditRoleUpdate              AuditLogEvent = 31
	AuditRoleDelete              AuditLogEvent = 32
	AuditInviteCreate            AuditLogEvent = 40
	AuditInviteUpdate            AuditLogEvent = 41
	AuditInviteDelete            AuditLogEvent = 42
	AuditWebhookCreate           AuditLogEvent = 50
	AuditWebhookUpdate           AuditLogEvent = 51
	AuditWebhookDelete           AuditLogEvent = 52
	AuditEmojiCreate             AuditLogEvent = 60
	AuditEmojiUpdate             AuditLogEvent = 61
	AuditEmojiDelete             AuditLogEvent = 62
	AuditMessageDelete           AuditLogEvent = 72
	AuditMessageBulkDelete       AuditLogEvent = 73
	AuditMessagePin              AuditLogEvent = 74
	AuditMessageUnpin            AuditLogEvent = 75
	AuditIntegrationCreate       AuditLogEvent = 80
	AuditIntegrationUpdate       AuditLogEvent = 81
	AuditIntegrationDelete       AuditLogEvent = 82
	AuditStageInstanceCreate     AuditLogEvent = 83
	AuditStageInstanceUpdate     AuditLogEvent = 84
	AuditStageInstanceDelete     AuditLogEvent = 85
	AuditStickerCreate           AuditLogEvent = 90
	AuditStickerUpdate           AuditLogEvent = 91
	AuditStickerDelete           AuditLogEvent = 92
	AuditScheduledEventCreate    AuditLogEvent = 100
	AuditScheduledEventUpdate    AuditLogEvent = 101
	AuditScheduledEventDelete    AuditLogEvent = 102
	AuditThreadCreate            AuditLogEvent = 110
	AuditThreadUpdate            AuditLogEvent = 111
	AuditThreadDelete            AuditLogEvent = 112
	AuditCommandPermissionUpdate AuditLogEvent = 121
	AuditSoundboardSoundCreate   AuditLogEvent = 130
	AuditSoundboardSoundUpdate   AuditLogEvent = 131
	AuditSoundboardSoundDelete   AuditLogEvent = 132
	AuditAutoModRuleCreate       AuditLogEvent = 140
	AuditAutoModRuleUpdate       AuditLogEvent = 141
	AuditAutoModRuleDelete       AuditLogEvent = 142
	AuditAutoModBlockMessage     AuditLogEvent = 143
	AuditAutoModFlagToChannel    AuditLogEvent = 144
	AuditAutoModUserCommDisabled AuditLogEvent = 145
	AuditAutoModQuarantineUser   AuditLogEvent = 146
)

// AuditLogChange is one changed field of an entry's target: the key Discord names it with and
// its old and new values (absent for a created or deleted object's missing side).
type AuditLogChange struct {
	Key      string          `json:"key"`
	NewValue json.RawMessage `json:"new_value,omitempty"`
	OldValue json.RawMessage `json:"old_value,omitempty"`
}

// AuditEntryInfo is an entry's options: extra context for some action types. Discord sends
// every value as a string.
type AuditEntryInfo struct {
	ApplicationID                 string `json:"application_id,omitempty"`
	AutoModerationRuleName        string `json:"auto_moderation_rule_name,omitempty"`
	AutoModerationRuleTriggerType string `json:"auto_moderation_rule_trigger_type,omitempty"`
	ChannelID                     string `json:"channel_id,omitempty"`
	Count                         string `json:"count,omitempty"`
	DeleteMemberDays              string `json:"delete_member_days,omitempty"`
	ID                            string `json:"id,omitempty"`
	IntegrationType               string `json:"integration_type,omitempty"`
	MembersRemoved                string `json:"members_removed,omitempty"`
	MessageID                     string `json:"message_id,omitempty"`
	RoleName                      string `json:"role_name,omitempty"`
	Type                          string `json:"type,omitempty"`
}

// AuditLogEntry is Discord's audit log entry; GuildID is the gateway's extra on
// GUILD_AUDIT_LOG_ENTRY_CREATE (omitted in REST answers).
type AuditLogEntry struct {
	ID         snowflake.ID     `json:"id"`
	ActionType AuditLogEvent    `json:"action_type"`
	UserID     *snowflake.ID    `json:"user_id"`
	TargetID   *snowflake.ID    `json:"target_id"`
	Changes    []AuditLogChange `json:"changes,omitempty"`
	Options    *AuditEntryInfo  `json:"options,omitempty"`
	Reason     *string          `json:"reason,omitempty"`
	GuildID    *snowflake.ID    `json:"guild_id,omitempty"`
}

// AuditLog is GET /guilds/{id}/audit-logs: the entries and the objects they refer to.
// Integrations, threads, commands and scheduled events are raw until their areas exist.
type AuditLog struct {
	ApplicationCommands  []ApplicationCommand `json:"application_commands"`
	AuditLogEntries      []AuditLogEntry      `json:"audit_log_entries"`
	AutoModerationRules  []AutoModRule        `json:"auto_moderation_rules"`
	GuildScheduledEvents []json.RawMessage    `json:"guild_scheduled_events"`
	Integrations         []json.RawMessage    `json:"integrations"`
	Threads              []Channel            `json:"threads"`
	Users                []User               `json:"users"`
	Webhooks             []Webhook            `json:"webhooks"`
}

// Auto moderation trigger types.
const (
	AutoModTriggerKeyword       = 1
	AutoModTriggerSpam          = 3
	AutoModTriggerKeywordPreset = 4
	AutoModTriggerMentionSpam   = 5
	AutoModTriggerMemberProfile = 6
)

// Auto moderation event types.
const (
	AutoModEventMessageSend  = 1
	AutoModEventMemberUpdate = 2
)

// Auto moderation action types.
const (
	AutoModActionBlockMessage           = 1
	AutoModActionSendAlert              = 2
	AutoModActionTimeout                = 3
	AutoModActionBlockMemberInteraction = 4
)

// AutoModTriggerMetadata is a rule's trigger_metadata. Which fields a rule has depends on its
// trigger type, so each is a pointer: the domain sets exactly the type's fields.
type AutoModTriggerMetadata struct {
	KeywordFilter                *[]string `json:"keyword_filter,omitempty"`
	RegexPatterns                *[]string `json:"regex_patterns,omitempty"`
	Presets                      *[]int    `json:"presets,omitempty"`
	AllowList                    *[]string `json:"allow_list,omitempty"`
	MentionTotalLimit            *int      `json:"mention_total_limit,omitempty"`
	MentionRaidProtectionEnabled *bool     `json:"mention_raid_protection_enabled,omitempty"`
}

// AutoModActionMetadata is an action's metadata; which fields apply depends on the type.
type AutoModActionMetadata struct {
	ChannelID       *snowflake.ID `json:"channel_id,omitempty"`
	DurationSeconds *int          `json:"duration_seconds,omitempty"`
	CustomMessage   *string       `json:"custom_message,omitempty"`
}

// AutoModAction is what a rule does when it triggers.
type AutoModAction struct {
	Type     int                    `json:"type"`
	Metadata *AutoModActionMetadata `json:"metadata,omitempty"`
}

// AutoModRule is Discord's auto moderation rule object.
type AutoModRule struct {
	ID              snowflake.ID           `json:"id"`
	GuildID         snowflake.ID           `json:"guild_id"`
	Name            string                 `json:"name"`
	CreatorID       snowflake.ID           `json:"creator_id"`
	EventType       int                    `json:"event_type"`
	TriggerType     int                    `json:"trigger_type"`
	TriggerMetadata AutoModTriggerMetadata `json:"trigger_metadata"`
	Actions         []AutoModAction        `json:"actions"`
	Enabled         bool                   `json:"enabled"`
	ExemptRoles     []snowflake.ID         `json:"exempt_roles"`
	ExemptChannels  []snowflake.ID         `json:"exempt_channels"`
}

// AutoModActionExecution is AUTO_MODERATION_ACTION_EXECUTION: one action a rule took.
// Content and MatchedContent are emptied for recipients without MESSAGE_CONTENT.
type AutoModActionExecution struct {
	GuildID              snowflake.ID  `json:"guild_id"`
	Action               AutoModAction `json:"action"`
	RuleID               snowflake.ID  `json:"rule_id"`
	RuleTriggerType      int           `json:"rule_trigger_type"`
	UserID               snowflake.ID  `json:"user_id"`
	ChannelID            *snowflake.ID `json:"channel_id,omitempty"`
	MessageID            *snowflake.ID `json:"message_id,omitempty"`
	AlertSystemMessageID *snowflake.ID `json:"alert_system_message_id,omitempty"`
	Content              string        `json:"content"`
	MatchedKeyword       *string       `json:"matched_keyword"`
	MatchedContent       *string       `json:"matched_content"`
}
