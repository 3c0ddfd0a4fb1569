package guilds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"regexp"
	"strconv"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// Discord's auto moderation limits.
const (
	autoModNameMax          = 100
	autoModKeywordsMax      = 1000
	autoModKeywordLen       = 60
	autoModRegexMax         = 10
	autoModRegexLen         = 260
	autoModAllowMax         = 100
	autoModPresetAllowMax   = 1000
	autoModMentionLimitMax  = 50
	autoModActionsMax       = 5
	autoModCustomMessageLen = 150
	autoModTimeoutMax       = 2419200 // 4 weeks, in seconds
	autoModExemptRolesMax   = 20
	autoModExemptChansMax   = 50
)

// autoModRulesPerType is Discord's per-guild cap on rules of each trigger type.
var autoModRulesPerType = map[int]int{
	opcodes.AutoModTriggerKeyword:       6,
	opcodes.AutoModTriggerSpam:          1,
	opcodes.AutoModTriggerKeywordPreset: 1,
	opcodes.AutoModTriggerMentionSpam:   1,
	opcodes.AutoModTriggerMemberProfile: 1,
}

// ErrUnknownAutoModRule: no such auto moderation rule in the guild.
var ErrUnknownAutoModRule = errors.New("guilds: unknown auto moderation rule")

// AutoModRuleParams is POST and PATCH /guilds/{id}/auto-moderation/rules: nil fields are
// absent (PATCH keeps them; POST requires name, event_type, trigger_type and actions).
type AutoModRuleParams struct {
	Name            *string                         `json:"name"`
	EventType       *int                            `json:"event_type"`
	TriggerType     *int                            `json:"trigger_type"`
	TriggerMetadata *opcodes.AutoModTriggerMetadata `json:"trigger_metadata"`
	Actions         *[]opcodes.AutoModAction        `json:"actions"`
	Enabled         *bool                           `json:"enabled"`
	ExemptRoles     *[]snowflake.ID                 `json:"exempt_roles"`
	ExemptChannels  *[]snowflake.ID                 `json:"exempt_channels"`
}

// autoModShape decodes a stored rule; its document is the rule object without the columns.
func autoModShape(r storage.AutoModRule) (opcodes.AutoModRule, error) {
	var out opcodes.AutoModRule
	if err := json.Unmarshal(r.Data, &out); err != nil {
		return out, fmt.Errorf("decode automod rule %d: %w", r.ID, err)
	}
	out.ID, out.GuildID, out.CreatorID, out.TriggerType = r.ID, r.GuildID, r.CreatorID, r.TriggerType
	return out, nil
}

// AutoModRules is GET /guilds/{id}/auto-moderation/rules: MANAGE_GUILD.
func (s *Service) AutoModRules(ctx context.Context, actor, guildID snowflake.ID) ([]opcodes.AutoModRule, error) {
	if _, err := s.requireGuildPerm(ctx, guildID, actor, opcodes.PermManageGuild); err != nil {
		return nil, err
	}
	rs, err := s.store.AutoModRules().List(ctx, guildID)
	if err != nil {
		return nil, fmt.Errorf("list automod rules: %w", err)
	}
	out := make([]opcodes.AutoModRule, 0, len(rs))
	for _, r := range rs {
		shape, err := autoModShape(r)
		if err != nil {
			return nil, err
		}
		out = append(out, shape)
	}
	return out, nil
}

// AutoModRule is GET /guilds/{id}/auto-moderation/rules/{rule}: MANAGE_GUILD.
func (s *Service) AutoModRule(ctx context.Context, actor, guildID, ruleID snowflake.ID) (opcodes.AutoModRule, error) {
	if _, err := s.requireGuildPerm(ctx, guildID, actor, opcodes.PermManageGuild); err != nil {
		return opcodes.AutoModRule{}, err
	}
	r, err := s.store.AutoModRules().Get(ctx, guildID, ruleID)
	if err != nil {
		return opcodes.AutoModRule{}, notFound(err, ErrUnknownAutoModRule, "load automod rule")
	}
	return autoModShape(r)
}

// CreateAutoModRule is POST /guilds/{id}/auto-moderation/rules: MANAGE_GUILD (and
// MODERATE_MEMBERS for a timeout action), Discord's validation and per-type caps. Publishes
// AUTO_MODERATION_RULE_CREATE and writes an AUTO_MODERATION_RULE_CREATE audit entry.
func (s *Service) CreateAutoModRule(ctx context.Context, actor, guildID snowflake.ID, p AutoModRuleParams) (opcodes.AutoModRule, error) {
	perms, err := s.autoModManager(ctx, actor, guildID)
	if err != nil {
		return opcodes.AutoModRule{}, err
	}
	var v validator
	rule := opcodes.AutoModRule{ID: s.ids.Next(), GuildID: guildID, CreatorID: actor,
		Actions: []opcodes.AutoModAction{}, ExemptRoles: []snowflake.ID{}, ExemptChannels: []snowflake.ID{}}
	if p.Name == nil {
		v.required("name")
	}
	if p.EventType == nil {
		v.required("event_type")
	}
	if p.TriggerType == nil {
		v.required("trigger_type")
	} else {
		rule.TriggerType = *p.TriggerType
		if _, ok := autoModRulesPerType[rule.TriggerType]; !ok {
			v.add("trigger_type", "BASE_TYPE_CHOICES", "Value must be one of {1, 3, 4, 5, 6}.")
		}
	}
	if p.Actions == nil {
		v.required("actions")
	}
	if p.TriggerMetadata == nil {
		p.TriggerMetadata = &opcodes.AutoModTriggerMetadata{}
	}
	if err := s.applyAutoModRule(ctx, &v, &rule, p, perms); err != nil {
		return opcodes.AutoModRule{}, err
	}
	if err := v.err(); err != nil {
		return opcodes.AutoModRule{}, err
	}
	data, err := autoModDoc(rule)
	if err != nil {
		return opcodes.AutoModRule{}, err
	}
	rec := storage.AutoModRule{ID: rule.ID, GuildID: guildID, CreatorID: actor, TriggerType: rule.TriggerType, Data: data}
	max := autoModRulesPerType[rule.TriggerType]
	if err := s.store.AutoModRules().Create(ctx, rec, max); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			v.add("trigger_type", "AUTO_MODERATION_MAX_RULES_OF_TYPE_EXCEEDED", "Maximum number of rules of this type reached ("+strconv.Itoa(max)+").")
			return opcodes.AutoModRule{}, v.err()
		}
		return opcodes.AutoModRule{}, fmt.Errorf("create automod rule: %w", err)
	}
	s.autoMod.invalidate(guildID)
	s.publish(ctx, events.Event{Name: opcodes.EventAutoModRuleCreate, GuildID: guildID, Perm: opcodes.PermManageGuild}, rule)
	var ch auditChanges
	ch.created("name", rule.Name)
	ch.created("event_type", rule.EventType)
	ch.created("trigger_type", rule.TriggerType)
	ch.created("trigger_metadata", rule.TriggerMetadata)
	ch.created("actions", rule.Actions)
	ch.created("enabled", rule.Enabled)
	ch.created("exempt_roles", rule.ExemptRoles)
	ch.created("exempt_channels", rule.ExemptChannels)
	s.audit(ctx, auditEntry{GuildID: guildID, Action: opcodes.AuditAutoModRuleCreate, ActorID: actor, TargetID: rule.ID, Changes: ch})
	return rule, nil
}

// ModifyAutoModRule is PATCH /guilds/{id}/auto-moderation/rules/{rule}: every field optional,
// the trigger type fixed. Publishes AUTO_MODERATION_RULE_UPDATE and audits the changes.
func (s *Service) ModifyAutoModRule(ctx context.Context, actor, guildID, ruleID snowflake.ID, p AutoModRuleParams) (opcodes.AutoModRule, error) {
	perms, err := s.autoModManager(ctx, actor, guildID)
	if err != nil {
		return opcodes.AutoModRule{}, err
	}
	rec, err := s.store.AutoModRules().Get(ctx, guildID, ruleID)
	if err != nil {
		return opcodes.AutoModRule{}, notFound(err, ErrUnknownAutoModRule, "load automod rule")
	}
	old, err := autoModShape(rec)
	if err != nil {
		return opcodes.AutoModRule{}, err
	}
	rule := old
	p.TriggerType = nil // the trigger type cannot change
	var v validator
	if err := s.applyAutoModRule(ctx, &v, &rule, p, perms); err != nil {
		return opcodes.AutoModRule{}, err
	}
	if err := v.err(); err != nil {
		return opcodes.AutoModRule{}, err
	}
	if rec.Data, err = autoModDoc(rule); err != nil {
		return opcodes.AutoModRule{}, err
	}
	if err := s.store.AutoModRules().Update(ctx, rec); err != nil {
		return opcodes.AutoModRule{}, notFound(err, ErrUnknownAutoModRule, "update automod rule")
	}
	s.autoMod.invalidate(guildID)
	s.publish(ctx, events.Event{Name: opcodes.EventAutoModRuleUpdate, GuildID: guildID, Perm: opcodes.PermManageGuild}, rule)
	var ch auditChanges
	ch.update("name", old.Name, rule.Name)
	ch.update("event_type", old.EventType, rule.EventType)
	ch.update("trigger_metadata", old.TriggerMetadata, rule.TriggerMetadata)
	ch.update("actions", old.Actions, rule.Actions)
	ch.update("enabled", old.Enabled, rule.Enabled)
	ch.update("exempt_roles", old.ExemptRoles, rule.ExemptRoles)
	ch.update("exempt_channels", old.ExemptChannels, rule.ExemptChannels)
	s.audit(ctx, auditEntry{GuildID: guildID, Action: opcodes.AuditAutoModRuleUpdate, ActorID: actor, TargetID: rule.ID, Changes: ch})
	return rule, nil
}

// DeleteAutoModRule is DELETE /guilds/{id}/auto-moderation/rules/{rule}: publishes
// AUTO_MODERATION_RULE_DELETE (the deleted rule) and audits it.
func (s *Service) DeleteAutoModRule(ctx context.Context, actor, guildID, ruleID snowflake.ID) error {
	if _, err := s.autoModManager(ctx, actor, guildID); err != nil {
		return err
	}
	rec, err := s.store.AutoModRules().Get(ctx, guildID, ruleID)
	if err != nil {
		return notFound(err, ErrUnknownAutoModRule, "load automod rule")
	}
	rule, err := autoModShape(rec)
	if err != nil {
		return err
	}
	if err := s.store.AutoModRules().Delete(ctx, guildID, ruleID); err != nil {
		return notFound(err, ErrUnknownAutoModRule, "delete automod rule")
	}
	s.autoMod.invalidate(guildID)
	s.publish(ctx, events.Event{Name: opcodes.EventAutoModRuleDelete, GuildID: guildID, Perm: opcodes.PermManageGuild}, rule)
	var ch auditChanges
	ch.deleted("name", rule.Name)
	ch.deleted("trigger_type", rule.TriggerType)
	s.audit(ctx, auditEntry{GuildID: guildID, Action: opcodes.AuditAutoModRuleDelete, ActorID: actor, TargetID: rule.ID, Changes: ch})
	return nil
}

// autoModManager checks membership and MANAGE_GUILD and returns the actor's permissions.
func (s *Service) autoModManager(ctx context.Context, actor, guildID snowflake.ID) (opcodes.Permissions, error) {
	if _, err := s.requireGuildPerm(ctx, guildID, actor, opcodes.PermManageGuild); err != nil {
		return 0, err
	}
	return s.GuildPermissions(ctx, guildID, actor)
}

// autoModDoc is the stored document: the rule object (the columns are repeated, harmlessly).
func autoModDoc(r opcodes.AutoModRule) (json.RawMessage, error) {
	b, err := json.Marshal(r)
	if err != nil {
		return nil, fmt.Errorf("encode automod rule: %w", err)
	}
	return b, nil
}

// applyAutoModRule validates p's present fields against the rule's trigger type and applies
// them to r.
func (s *Service) applyAutoModRule(ctx context.Context, v *validator, r *opcodes.AutoModRule, p AutoModRuleParams, perms opcodes.Permissions) error {
	if p.Name != nil {
		v.length("name", *p.Name, 1, autoModNameMax)
		r.Name = *p.Name
	}
	if p.EventType != nil {
		r.EventType = *p.EventType
	}
	wantEvent := opcodes.AutoModEventMessageSend
	if r.TriggerType == opcodes.AutoModTriggerMemberProfile {
		wantEvent = opcodes.AutoModEventMemberUpdate
	}
	if (p.EventType != nil || p.TriggerType != nil) && r.EventType != wantEvent {
		if r.EventType != opcodes.AutoModEventMessageSend && r.EventType != opcodes.AutoModEventMemberUpdate {
			v.add("event_type", "BASE_TYPE_CHOICES", "Value must be one of {1, 2}.")
		} else if _, ok := autoModRulesPerType[r.TriggerType]; ok {
			v.add("event_type", "AUTO_MODERATION_INVALID_EVENT_TYPE", "Invalid event type for this trigger type.")
		}
	}
	if p.TriggerMetadata != nil {
		r.TriggerMetadata = validateTriggerMetadata(v, r.TriggerType, *p.TriggerMetadata)
	}
	if p.Actions != nil {
		r.Actions = s.validateAutoModActions(ctx, v, r.GuildID, r.TriggerType, *p.Actions, perms)
	}
	if p.Enabled != nil {
		r.Enabled = *p.Enabled
	}
	if p.ExemptRoles != nil {
		roles := dedupe(*p.ExemptRoles)
		if len(roles) > autoModExemptRolesMax {
			v.add("exempt_roles", "BASE_TYPE_MAX_LENGTH", "Must be 20 or fewer in length.")
		}
		gp, err := s.perms.get(ctx, r.GuildID)
		if err != nil {
			return err
		}
		for i, id := range roles {
			if _, ok := gp.rolePerms[id]; !ok {
				v.add("exempt_roles."+strconv.Itoa(i), "AUTO_MODERATION_INVALID_ROLE", "Unknown role "+id.String())
			}
		}
		r.ExemptRoles = append([]snowflake.ID{}, roles...)
	}
	if p.ExemptChannels != nil {
		chans := dedupe(*p.ExemptChannels)
		if len(chans) > autoModExemptChansMax {
			v.add("exempt_channels", "BASE_TYPE_MAX_LENGTH", "Must be 50 or fewer in length.")
		}
		for i, id := range chans {
			if ch, err := s.store.Channels().Get(ctx, id); err != nil || ch.GuildID != r.GuildID {
				if err != nil && !errors.Is(err, storage.ErrNotFound) {
					return fmt.Errorf("load exempt channel: %w", err)
				}
				v.add("exempt_channels."+strconv.Itoa(i), "AUTO_MODERATION_INVALID_CHANNEL", "Unknown channel "+id.String())
			}
		}
		r.ExemptChannels = append([]snowflake.ID{}, chans...)
	}
	return nil
}

// validateTriggerMetadata keeps exactly the fields of the trigger type, with Discord's limits:
// keywords and allow-list entries of 1–60 characters, regex patterns of 1–260 that compile,
// presets 1–3, a mention limit of 0–50.
func validateTriggerMetadata(v *validator, trigger int, m opcodes.AutoModTriggerMetadata) opcodes.AutoModTriggerMetadata {
	strs := func(field string, in *[]string, max, maxLen int) *[]string {
		out := []string{}
		if in == nil {
			return &out
		}
		if len(*in) > max {
			v.add("trigger_metadata."+field, "BASE_TYPE_MAX_LENGTH", "Must be "+strconv.Itoa(max)+" or fewer in length.")
			return &out
		}
		for i, s := range *in {
			v.length("trigger_metadata."+field+"."+strconv.Itoa(i), s, 1, maxLen)
		}
		out = append(out, *in...)
		return &out
	}
	var out opcodes.AutoModTriggerMetadata
	switch trigger {
	case opcodes.AutoModTriggerKeyword, opcodes.AutoModTriggerMemberProfile:
		out.KeywordFilter = strs("keyword_filter", m.KeywordFilter, autoModKeywordsMax, autoModKeywordLen)
		out.RegexPatterns = strs("regex_patterns", m.RegexPatterns, autoModRegexMax, autoModRegexLen)
		for i, pat := range *out.RegexPatterns {
			if _, err := regexp.Compile(pat); err != nil {
				v.add("trigger_metadata.regex_patterns."+strconv.Itoa(i), "AUTO_MODERATION_INVALID_REGEX", "Invalid regex pattern")
			}
		}
		out.AllowList = strs("allow_list", m.AllowList, autoModAllowMax, autoModKeywordLen)
	case opcodes.AutoModTriggerKeywordPreset:
		presets := []int{}
		if m.Presets != nil {
			for i, p := range dedupeInts(*m.Presets) {
				if p < 1 || p > 3 {
					v.add("trigger_metadata.presets."+strconv.Itoa(i), "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3}.")
				}
				presets = append(presets, p)
			}
		}
		out.Presets = &presets
		out.AllowList = strs("allow_list", m.AllowList, autoModPresetAllowMax, autoModKeywordLen)
	case opcodes.AutoModTriggerMentionSpam:
		limit, raid := 0, false
		if m.MentionTotalLimit != nil {
			limit = *m.MentionTotalLimit
			if limit < 0 || limit > autoModMentionLimitMax {
				v.add("trigger_metadata.mention_total_limit", "NUMBER_TYPE_MAX", "int value should be less than or equal to 50.")
			}
		}
		if m.MentionRaidProtectionEnabled != nil {
			raid = *m.MentionRaidProtectionEnabled
		}
		out.MentionTotalLimit, out.MentionRaidProtectionEnabled = &limit, &raid
	}
	return out
}

// validateAutoModActions checks 1–5 actions: block (custom_message ≤ 150), send alert (an
// existing text channel of the guild), timeout (keyword and mention spam rules only, ≤ 4 weeks,
// MODERATE_MEMBERS), block member interaction (member profile rules only).
func (s *Service) validateAutoModActions(ctx context.Context, v *validator, guildID snowflake.ID, trigger int, in []opcodes.AutoModAction, perms opcodes.Permissions) []opcodes.AutoModAction {
	if len(in) < 1 || len(in) > autoModActionsMax {
		v.add("actions", "BASE_TYPE_BAD_LENGTH", "Must be between 1 and 5 in length.")
		return []opcodes.AutoModAction{}
	}
	out := make([]opcodes.AutoModAction, 0, len(in))
	for i, a := range in {
		field := "actions." + strconv.Itoa(i)
		md := opcodes.AutoModActionMetadata{}
		if a.Metadata != nil {
			md = *a.Metadata
		}
		clean := opcodes.AutoModActionMetadata{}
		switch a.Type {
		case opcodes.AutoModActionBlockMessage:
			if md.CustomMessage != nil {
				v.length(field+".metadata.custom_message", *md.CustomMessage, 0, autoModCustomMessageLen)
				clean.CustomMessage = md.CustomMessage
			}
			if trigger == opcodes.AutoModTriggerMemberProfile {
				v.add(field+".type", "AUTO_MODERATION_INVALID_ACTION_TYPE", "Invalid action type for this trigger type.")
			}
		case opcodes.AutoModActionSendAlert:
			if md.ChannelID == nil {
				v.required(field + ".metadata.channel_id")
				break
			}
			ch, err := s.store.Channels().Get(ctx, *md.ChannelID)
			if err != nil || ch.GuildID != guildID || !textChannel(ch.Type) {
				v.add(field+".metadata.channel_id", "CHANNEL_INVALID", "Invalid channel")
			}
			clean.ChannelID = md.ChannelID
		case opcodes.AutoModActionTimeout:
			if trigger != opcodes.AutoModTriggerKeyword && trigger != opcodes.AutoModTriggerMentionSpam {
				v.add(field+".type", "AUTO_MODERATION_INVALID_ACTION_TYPE", "Invalid action type for this trigger type.")
			}
			d := 0
			if md.DurationSeconds != nil {
				d = *md.DurationSeconds
			}
			if md.DurationSeconds == nil {
				v.required(field + ".metadata.duration_seconds")
			} else if d < 0 || d > autoModTimeoutMax {
				v.add(field+".metadata.duration_seconds", "NUMBER_TYPE_MAX", "int value should be less than or equal to 2419200.")
			}
			if !perms.Has(opcodes.PermModerateMembers) {
				v.add(field+".type", "AUTO_MODERATION_MISSING_PERMISSIONS", "Missing Permissions: MODERATE_MEMBERS")
			}
			clean.DurationSeconds = &d
		case opcodes.AutoModActionBlockMemberInteraction:
			if trigger != opcodes.AutoModTriggerMemberProfile {
				v.add(field+".type", "AUTO_MODERATION_INVALID_ACTION_TYPE", "Invalid action type for this trigger type.")
			}
		default:
			v.add(field+".type", "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3, 4}.")
		}
		out = append(out, opcodes.AutoModAction{Type: a.Type, Metadata: &clean})
	}
	return out
}

// textChannel reports whether messages can be posted in a guild channel of this type
// (text, announcement, voice text chat).
func textChannel(t int) bool {
	return t == int(opcodes.ChannelGuildText) || t == int(opcodes.ChannelGuildAnnouncement) || t == int(opcodes.ChannelGuildVoice)
}

func dedupeInts(xs []int) []int {
	seen := map[int]bool{}
	out := make([]int, 0, len(xs))
	for _, x := range xs {
		if !seen[x] {
			seen[x] = true
			out = append(out, x)
		}
	}
	return out
}
