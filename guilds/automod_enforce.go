package guilds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// autoModCacheTTL bounds how long a node matches with a guild's compiled rules without
// reloading them. Rule changes invalidate the entry at once on every node (the
// AUTO_MODERATION_RULE_* events are cache events); the TTL is the safety net for a lost one.
const autoModCacheTTL = 30 * time.Second

// ErrAutoModBlocked: an auto moderation rule with a block action matched the message.
var ErrAutoModBlocked = errors.New("guilds: message was blocked by automatic moderation")

// MessageAutoModerationAction is the type of the alert message a SEND_ALERT_MESSAGE action
// posts.
const MessageAutoModerationAction opcodes.MessageType = 24

// guildRules returns a guild's compiled enabled MESSAGE_SEND rules, from the cache.
func (s *Service) guildRules(ctx context.Context, guildID snowflake.ID) (*guildAutoMod, error) {
	if g, ok, _ := s.autoMod.get(guildID); ok {
		return g, nil
	}
	_, _, gen := s.autoMod.get(guildID)
	rs, err := s.store.AutoModRules().List(ctx, guildID)
	if err != nil {
		return nil, fmt.Errorf("load automod rules: %w", err)
	}
	g := &guildAutoMod{}
	for _, r := range rs {
		shape, err := autoModShape(r)
		if err != nil {
			s.log.WarnContext(ctx, "skip automod rule", "rule_id", r.ID, "err", err)
			continue
		}
		if shape.Enabled && shape.EventType == opcodes.AutoModEventMessageSend {
			g.rules = append(g.rules, compileRule(shape))
		}
	}
	s.autoMod.put(guildID, g, gen)
	return g, nil
}

// autoModHit is one rule that matched a message.
type autoModHit struct {
	rule *compiledRule
	hit  *keywordHit
}

// autoModCheck runs a guild's message rules over content from a member. Webhooks, interaction
// replies, DMs, and members with ADMINISTRATOR or MANAGE_GUILD are not checked, as on Discord;
// a rule skips members with one of its exempt roles and its exempt channels (a category
// exempts its channels).
func (s *Service) autoModCheck(ctx context.Context, ch storage.Channel, a author, content string) ([]autoModHit, error) {
	if ch.GuildID == 0 || a.webhookID != 0 || a.reply != nil || content == "" {
		return nil, nil
	}
	g, err := s.guildRules(ctx, ch.GuildID)
	if err != nil || len(g.rules) == 0 {
		return nil, err
	}
	perms, err := s.GuildPermissions(ctx, ch.GuildID, a.userID)
	if err != nil {
		return nil, err
	}
	if perms.Has(opcodes.PermAdministrator) || perms.Has(opcodes.PermManageGuild) {
		return nil, nil
	}
	mem, _ := s.cachedMember(ctx, ch.GuildID, a.userID)
	lower := strings.ToLower(content)
	var grams *gramSet
	mentions := -1
	var hits []autoModHit
	for _, r := range g.rules {
		if r.exemptChannels[ch.ID] || (ch.ParentID != 0 && r.exemptChannels[ch.ParentID]) || hasAny(mem.Roles, r.exemptRoles) {
			continue
		}
		if r.rule.TriggerType == opcodes.AutoModTriggerMentionSpam && mentions < 0 {
			mentions = uniqueMentions(content)
		}
		if grams == nil && len(r.keywords) > 0 {
			grams = newGramSet(lower)
		}
		if h, ok := r.match(content, lower, grams, mentions); ok {
			hits = append(hits, autoModHit{rule: r, hit: h})
		}
	}
	return hits, nil
}

func hasAny(ids []snowflake.ID, set map[snowflake.ID]bool) bool {
	for _, id := range ids {
		if set[id] {
			return true
		}
	}
	return false
}

// autoModBlocks reports whether any hit blocks the message.
func autoModBlocks(hits []autoModHit) bool {
	for _, h := range hits {
		for _, a := range h.rule.rule.Actions {
			if a.Type == opcodes.AutoModActionBlockMessage {
				return true
			}
		}
	}
	return false
}

// runAutoMod executes the actions of every rule that matched: a block was already refused by
// the caller (messageID is zero then), alerts post a type-24 message in their channel, timeouts
// time the member out. Each action publishes AUTO_MODERATION_ACTION_EXECUTION (MANAGE_GUILD,
// AUTO_MODERATION_EXECUTION intent; content and matched_content only with MESSAGE_CONTENT)
// and writes its audit entry. The message's own write is not undone by a failing action.
func (s *Service) runAutoMod(ctx context.Context, ch storage.Channel, userID, messageID snowflake.ID, content string, hits []autoModHit) {
	ctx = context.WithoutCancel(ctx)
	for _, h := range hits {
		rule := h.rule.rule
		for _, act := range rule.Actions {
			exec := opcodes.AutoModActionExecution{GuildID: ch.GuildID, Action: act, RuleID: rule.ID,
				RuleTriggerType: rule.TriggerType, UserID: userID, ChannelID: ptrID(ch.ID), Content: content}
			if messageID != 0 {
				exec.MessageID = ptrID(messageID)
			}
			if h.hit != nil {
				exec.MatchedKeyword, exec.MatchedContent = &h.hit.keyword, &h.hit.matched
			}
			opts := &opcodes.AuditEntryInfo{ChannelID: ch.ID.String(), AutoModerationRuleName: rule.Name,
				AutoModerationRuleTriggerType: strconv.Itoa(rule.TriggerType)}
			var auditAction opcodes.AuditLogEvent
			switch act.Type {
			case opcodes.AutoModActionBlockMessage:
				auditAction = opcodes.AuditAutoModBlockMessage
			case opcodes.AutoModActionSendAlert:
				auditAction = opcodes.AuditAutoModFlagToChannel
				id, err := s.postAutoModAlert(ctx, ch, userID, messageID, content, h, act)
				if err != nil {
					s.log.ErrorContext(ctx, "post automod alert", "rule_id", rule.ID, "err", err)
					continue
				}
				exec.AlertSystemMessageID = ptrID(id)
			case opcodes.AutoModActionTimeout:
				auditAction = opcodes.AuditAutoModUserCommDisabled
				if err := s.autoModTimeout(ctx, ch.GuildID, userID, act); err != nil {
					s.log.ErrorContext(ctx, "automod timeout", "rule_id", rule.ID, "err", err)
					continue
				}
			default:
				continue // block member interaction applies to member profiles only
			}
			s.publishAutoModExecution(ctx, exec)
			s.audit(ctx, auditEntry{GuildID: ch.GuildID, Action: auditAction, ActorID: userID, TargetID: userID, Options: opts})
		}
	}
}

// publishAutoModExecution sends AUTO_MODERATION_ACTION_EXECUTION with its content-stripped
// form for sessions without MESSAGE_CONTENT.
func (s *Service) publishAutoModExecution(ctx context.Context, exec opcodes.AutoModActionExecution) {
	ev := events.Event{Name: opcodes.EventAutoModActionExecution, GuildID: exec.GuildID, Perm: opcodes.PermManageGuild}
	stripped := exec
	stripped.Content = ""
	if stripped.MatchedContent != nil {
		empty := ""
		stripped.MatchedContent = &empty
	}
	ev.Stripped = s.encode(ev.Name, stripped)
	s.publish(ctx, ev, exec)
}

// postAutoModAlert posts the AUTO_MODERATION_ACTION message (type 24) in the action's channel:
// authored by the member whose content triggered the rule, with Discord's
// auto_moderation_message embed (the content as description, the decision as fields).
func (s *Service) postAutoModAlert(ctx context.Context, src storage.Channel, userID, messageID snowflake.ID, content string, h autoModHit, act opcodes.AutoModAction) (snowflake.ID, error) {
	if act.Metadata == nil || act.Metadata.ChannelID == nil {
		return 0, errors.New("alert action without channel")
	}
	ch, err := s.store.Channels().Get(ctx, *act.Metadata.ChannelID)
	if err != nil || ch.GuildID != src.GuildID {
		return 0, fmt.Errorf("load alert channel: %w", err)
	}
	rule := h.rule.rule
	field := func(name, value string) opcodes.EmbedField { return opcodes.EmbedField{Name: name, Value: value} }
	fields := []opcodes.EmbedField{field("rule_name", rule.Name), field("channel_id", src.ID.String()),
		field("decision_id", s.ids.Next().String())}
	if h.hit != nil {
		fields = append(fields, field("keyword", h.hit.keyword), field("keyword_matched_content", h.hit.matched))
	}
	outcome := "flagged"
	if messageID == 0 {
		outcome = "blocked"
	} else {
		fields = append(fields, field("flagged_message_id", messageID.String()))
	}
	for _, a := range rule.Actions {
		if a.Type == opcodes.AutoModActionTimeout && a.Metadata != nil && a.Metadata.DurationSeconds != nil {
			fields = append(fields, field("timeout_duration", strconv.Itoa(*a.Metadata.DurationSeconds)))
		}
	}
	fields = append(fields, field("decision_outcome", outcome))
	embeds, err := json.Marshal([]opcodes.Embed{{Type: "auto_moderation_message", Description: content, Fields: fields}})
	if err != nil {
		return 0, fmt.Errorf("encode alert embed: %w", err)
	}
	m := storage.Message{ID: s.ids.Next(), ChannelID: ch.ID, GuildID: ch.GuildID, AuthorID: userID,
		Type: int(MessageAutoModerationAction), Embeds: embeds}
	if err := s.store.Messages().Create(ctx, m); err != nil {
		return 0, fmt.Errorf("create alert message: %w", err)
	}
	out, err := s.messageShapes(ctx, userID, []storage.Message{m}, false)
	if err != nil {
		return 0, err
	}
	s.publishMessage(ctx, opcodes.EventMessageCreate, ch, m, out[0])
	return m.ID, nil
}

// autoModTimeout times the member out for the action's duration and publishes
// GUILD_MEMBER_UPDATE.
func (s *Service) autoModTimeout(ctx context.Context, guildID, userID snowflake.ID, act opcodes.AutoModAction) error {
	if act.Metadata == nil || act.Metadata.DurationSeconds == nil {
		return errors.New("timeout action without duration")
	}
	m, err := s.store.Members().Get(ctx, guildID, userID)
	if err != nil {
		return fmt.Errorf("load member: %w", err)
	}
	until := s.now().Add(time.Duration(*act.Metadata.DurationSeconds) * time.Second)
	m.CommunicationDisabledUntil = &until
	if err := s.store.Members().Update(ctx, m); err != nil {
		return fmt.Errorf("time member out: %w", err)
	}
	u, err := s.store.Users().Get(ctx, userID)
	if err != nil {
		return fmt.Errorf("load user: %w", err)
	}
	ev := memberShape(m, &u)
	ev.GuildID = guildID
	s.publish(ctx, events.Event{Name: opcodes.EventGuildMemberUpdate, GuildID: guildID, Subject: userID}, ev)
	return nil
}
