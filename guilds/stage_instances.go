package guilds

import (
	"context"
	"errors"
	"fmt"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// stageModerator is what Discord calls a stage moderator: these three in the channel.
const stageModerator = opcodes.PermManageChannels | opcodes.PermMuteMembers | opcodes.PermMoveMembers

// CreateStageInstanceParams is POST /stage-instances.
type CreateStageInstanceParams struct {
	ChannelID             snowflake.ID `json:"channel_id"`
	Topic                 *string      `json:"topic"`
	PrivacyLevel          *int         `json:"privacy_level"`
	SendStartNotification bool         `json:"send_start_notification"`
	GuildScheduledEventID snowflake.ID `json:"guild_scheduled_event_id"`
}

// ModifyStageInstanceParams is PATCH /stage-instances/{channel_id}.
type ModifyStageInstanceParams struct {
	Topic        *string `json:"topic"`
	PrivacyLevel *int    `json:"privacy_level"`
}

func stageShape(si storage.StageInstance) opcodes.StageInstance {
	return opcodes.StageInstance{ID: si.ID, GuildID: si.GuildID, ChannelID: si.ChannelID, Topic: si.Topic,
		PrivacyLevel: si.PrivacyLevel, DiscoverableDisabled: si.DiscoverableDisabled,
		GuildScheduledEventID: ptrID(si.ScheduledEventID)}
}

func validateStage(v *validator, topic string, privacy int) {
	v.length("topic", topic, 1, 120)
	if privacy != 1 && privacy != 2 {
		v.add("privacy_level", "BASE_TYPE_CHOICES", "Value must be one of {1, 2}.")
	}
}

// stageChannel loads a stage channel and the actor's permissions there: 10003 for an unknown
// channel, 50001 without VIEW_CHANNEL, 50024 for a channel that is not a stage.
func (s *Service) stageChannel(ctx context.Context, actor, channelID snowflake.ID) (storage.Channel, opcodes.Permissions, error) {
	ch, perms, err := s.channelAccess(ctx, actor, channelID)
	if err != nil {
		return ch, 0, err
	}
	if opcodes.ChannelType(ch.Type) != opcodes.ChannelGuildStageVoice {
		return ch, 0, ErrInvalidChannelType
	}
	return ch, perms, nil
}

// CreateStageInstance is POST /stage-instances: a stage moderator opens the stage channel
// (one instance per channel, 150006); send_start_notification needs MENTION_EVERYONE. With a
// scheduled event of that stage, the event becomes ACTIVE with the instance as its entity.
// Publishes STAGE_INSTANCE_CREATE.
func (s *Service) CreateStageInstance(ctx context.Context, actor snowflake.ID, p CreateStageInstanceParams) (opcodes.StageInstance, error) {
	var v validator
	if p.ChannelID == 0 {
		v.required("channel_id")
	}
	if p.Topic == nil {
		v.required("topic")
	}
	if err := v.err(); err != nil {
		return opcodes.StageInstance{}, err
	}
	ch, perms, err := s.stageChannel(ctx, actor, p.ChannelID)
	if err != nil {
		return opcodes.StageInstance{}, err
	}
	privacy := 2
	if p.PrivacyLevel != nil {
		privacy = *p.PrivacyLevel
	}
	validateStage(&v, *p.Topic, privacy)
	if err := v.err(); err != nil {
		return opcodes.StageInstance{}, err
	}
	if !perms.Has(stageModerator) || p.SendStartNotification && !perms.Has(opcodes.PermMentionEveryone) {
		return opcodes.StageInstance{}, ErrMissingPermissions
	}
	si := storage.StageInstance{ID: s.ids.Next(), GuildID: ch.GuildID, ChannelID: ch.ID, Topic: *p.Topic, PrivacyLevel: privacy, DiscoverableDisabled: true}
	var ev *storage.ScheduledEvent
	if p.GuildScheduledEventID != 0 {
		e, err := s.store.ScheduledEvents().Get(ctx, ch.GuildID, p.GuildScheduledEventID)
		if errors.Is(err, storage.ErrNotFound) || err == nil && (e.ChannelID != ch.ID || e.EntityType != opcodes.EntityStageInstance) {
			return opcodes.StageInstance{}, ErrUnknownScheduledEvent
		}
		if err != nil {
			return opcodes.StageInstance{}, fmt.Errorf("load scheduled event: %w", err)
		}
		si.ScheduledEventID, ev = e.ID, &e
	}
	if err := s.store.StageInstances().Create(ctx, si); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			return opcodes.StageInstance{}, ErrStageAlreadyOpen
		}
		return opcodes.StageInstance{}, fmt.Errorf("create stage instance: %w", err)
	}
	out := stageShape(si)
	s.audit(ctx, auditEntry{GuildID: si.GuildID, Action: opcodes.AuditStageInstanceCreate, ActorID: actor, TargetID: si.ID})
	s.publish(ctx, events.Event{Name: opcodes.EventStageInstanceCreate, GuildID: si.GuildID, ChannelID: si.ChannelID}, out)
	if ev != nil && ev.Status == opcodes.EventStatusScheduled {
		ev.Status, ev.EntityID = opcodes.EventStatusActive, si.ID
		s.updateEventQuietly(ctx, *ev)
	}
	return out, nil
}

// updateEventQuietly writes an event change the stage caused and publishes it; a failure is
// logged, because the stage change itself has committed.
func (s *Service) updateEventQuietly(ctx context.Context, e storage.ScheduledEvent) {
	if err := s.store.ScheduledEvents().Update(ctx, e); err != nil {
		s.log.WarnContext(ctx, "update scheduled event for stage", "event_id", e.ID, "err", err)
		return
	}
	s.publishEventUpdate(ctx, e)
}

// StageInstance is GET /stage-instances/{channel_id}: anyone who can view the channel.
func (s *Service) StageInstance(ctx context.Context, actor, channelID snowflake.ID) (opcodes.StageInstance, error) {
	if _, _, err := s.stageChannel(ctx, actor, channelID); err != nil {
		return opcodes.StageInstance{}, err
	}
	si, err := s.store.StageInstances().Get(ctx, channelID)
	if err != nil {
		return opcodes.StageInstance{}, notFound(err, ErrUnknownStageInstance, "load stage instance")
	}
	return stageShape(si), nil
}

// stageManager loads the channel's instance for a stage moderator.
func (s *Service) stageManager(ctx context.Context, actor, channelID snowflake.ID) (storage.StageInstance, error) {
	_, perms, err := s.stageChannel(ctx, actor, channelID)
	if err != nil {
		return storage.StageInstance{}, err
	}
	si, err := s.store.StageInstances().Get(ctx, channelID)
	if err != nil {
		return si, notFound(err, ErrUnknownStageInstance, "load stage instance")
	}
	if !perms.Has(stageModerator) {
		return si, ErrMissingPermissions
	}
	return si, nil
}

// ModifyStageInstance is PATCH /stage-instances/{channel_id}; publishes STAGE_INSTANCE_UPDATE.
func (s *Service) ModifyStageInstance(ctx context.Context, actor, channelID snowflake.ID, p ModifyStageInstanceParams) (opcodes.StageInstance, error) {
	si, err := s.stageManager(ctx, actor, channelID)
	if err != nil {
		return opcodes.StageInstance{}, err
	}
	if p.Topic != nil {
		si.Topic = *p.Topic
	}
	if p.PrivacyLevel != nil {
		si.PrivacyLevel = *p.PrivacyLevel
	}
	var v validator
	validateStage(&v, si.Topic, si.PrivacyLevel)
	if err := v.err(); err != nil {
		return opcodes.StageInstance{}, err
	}
	if err := s.store.StageInstances().Update(ctx, si); err != nil {
		return opcodes.StageInstance{}, notFound(err, ErrUnknownStageInstance, "update stage instance")
	}
	out := stageShape(si)
	s.audit(ctx, auditEntry{GuildID: si.GuildID, Action: opcodes.AuditStageInstanceUpdate, ActorID: actor, TargetID: si.ID})
	s.publish(ctx, events.Event{Name: opcodes.EventStageInstanceUpdate, GuildID: si.GuildID, ChannelID: si.ChannelID}, out)
	return out, nil
}

// DeleteStageInstance is DELETE /stage-instances/{channel_id}: the stage closes, and its
// active scheduled event completes. Publishes STAGE_INSTANCE_DELETE.
func (s *Service) DeleteStageInstance(ctx context.Context, actor, channelID snowflake.ID) error {
	si, err := s.stageManager(ctx, actor, channelID)
	if err != nil {
		return err
	}
	if err := s.store.StageInstances().Delete(ctx, channelID); err != nil {
		return notFound(err, ErrUnknownStageInstance, "delete stage instance")
	}
	s.audit(ctx, auditEntry{GuildID: si.GuildID, Action: opcodes.AuditStageInstanceDelete, ActorID: actor, TargetID: si.ID})
	s.publish(ctx, events.Event{Name: opcodes.EventStageInstanceDelete, GuildID: si.GuildID, ChannelID: si.ChannelID}, stageShape(si))
	if si.ScheduledEventID != 0 {
		e, err := s.store.ScheduledEvents().Get(ctx, si.GuildID, si.ScheduledEventID)
		if err == nil && e.Status == opcodes.EventStatusActive {
			e.Status = opcodes.EventStatusCompleted
			s.updateEventQuietly(ctx, e)
		}
	}
	return nil
}

// guildStages is GUILD_CREATE's stage_instances: those in channels userID can view.
func (s *Service) guildStages(ctx context.Context, guildID, userID snowflake.ID) ([]opcodes.StageInstance, error) {
	sis, err := s.store.StageInstances().ListByGuild(ctx, guildID)
	if err != nil {
		return nil, fmt.Errorf("list stage instances: %w", err)
	}
	out := make([]opcodes.StageInstance, 0, len(sis))
	for _, si := range sis {
		p, err := s.ChannelPermissions(ctx, guildID, si.ChannelID, userID)
		if err != nil {
			return nil, err
		}
		if p.Has(opcodes.PermViewChannel) {
			out = append(out, stageShape(si))
		}
	}
	return out, nil
}
