package guilds

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// maxOpenScheduledEvents is Discord's cap on a guild's SCHEDULED and ACTIVE events (30038).
const maxOpenScheduledEvents = 100

// imageKindEventCover is the CDN segment of scheduled event covers: /guild-events/{id}/{hash}.
const imageKindEventCover = "guild-events"

// ScheduledEventParams is the body of POST and PATCH /guilds/{id}/scheduled-events[/{id}].
// Create requires name, privacy_level, scheduled_start_time and entity_type; on PATCH every
// field is optional and absent ones are left alone.
type ScheduledEventParams struct {
	ChannelID          opcodes.Nullable[snowflake.ID]           `json:"channel_id"`
	EntityMetadata     opcodes.Nullable[opcodes.EntityMetadata] `json:"entity_metadata"`
	Name               *string                                  `json:"name"`
	PrivacyLevel       *int                                     `json:"privacy_level"`
	ScheduledStartTime *opcodes.Timestamp                       `json:"scheduled_start_time"`
	ScheduledEndTime   opcodes.Nullable[opcodes.Timestamp]      `json:"scheduled_end_time"`
	Description        opcodes.Nullable[string]                 `json:"description"`
	EntityType         *int                                     `json:"entity_type"`
	Status             *int                                     `json:"status"`
	Image              opcodes.Nullable[string]                 `json:"image"`
	RecurrenceRule     opcodes.Nullable[RecurrenceRule]         `json:"recurrence_rule"`
}

// ScheduledEventUsersQuery is GET .../scheduled-events/{id}/users: before wins over after,
// as Discord documents.
type ScheduledEventUsersQuery struct {
	Limit      int
	WithMember bool
	Before     snowflake.ID
	After      snowflake.ID
}

// loadEvent loads a guild's event for a member; ErrUnknownScheduledEvent when it does not
// exist or the actor cannot view its channel (Discord hides it).
func (s *Service) loadEvent(ctx context.Context, actor, guildID, eventID snowflake.ID) (storage.ScheduledEvent, error) {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return storage.ScheduledEvent{}, err
	}
	e, err := s.store.ScheduledEvents().Get(ctx, guildID, eventID)
	if err != nil {
		return e, notFound(err, ErrUnknownScheduledEvent, "load scheduled event")
	}
	ok, err := s.canViewEvent(ctx, actor, e)
	if err != nil {
		return e, err
	}
	if !ok {
		return e, ErrUnknownScheduledEvent
	}
	return e, nil
}

// canViewEvent: stage and voice events need VIEW_CHANNEL in their channel.
func (s *Service) canViewEvent(ctx context.Context, actor snowflake.ID, e storage.ScheduledEvent) (bool, error) {
	if e.ChannelID == 0 {
		return true, nil
	}
	p, err := s.ChannelPermissions(ctx, e.GuildID, e.ChannelID, actor)
	if err != nil {
		return false, err
	}
	return p.Has(opcodes.PermViewChannel), nil
}

// ScheduledEvents is GET /guilds/{id}/scheduled-events: the events the member can see.
func (s *Service) ScheduledEvents(ctx context.Context, actor, guildID snowflake.ID, withUserCount bool) ([]opcodes.ScheduledEvent, error) {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return nil, err
	}
	es, err := s.store.ScheduledEvents().ListByGuild(ctx, guildID)
	if err != nil {
		return nil, fmt.Errorf("list scheduled events: %w", err)
	}
	visible := es[:0]
	for _, e := range es {
		ok, err := s.canViewEvent(ctx, actor, e)
		if err != nil {
			return nil, err
		}
		if ok {
			visible = append(visible, e)
		}
	}
	return s.eventShapes(ctx, visible, withUserCount)
}

// ScheduledEvent is GET /guilds/{id}/scheduled-events/{id}.
func (s *Service) ScheduledEvent(ctx context.Context, actor, guildID, eventID snowflake.ID, withUserCount bool) (opcodes.ScheduledEvent, error) {
	e, err := s.loadEvent(ctx, actor, guildID, eventID)
	if err != nil {
		return opcodes.ScheduledEvent{}, err
	}
	out, err := s.eventShapes(ctx, []storage.ScheduledEvent{e}, withUserCount)
	if err != nil {
		return opcodes.ScheduledEvent{}, err
	}
	return out[0], nil
}

// eventShapes adds creators and, when asked, subscriber counts.
func (s *Service) eventShapes(ctx context.Context, es []storage.ScheduledEvent, withUserCount bool) ([]opcodes.ScheduledEvent, error) {
	ids := make([]snowflake.ID, 0, len(es))
	evIDs := make([]snowflake.ID, 0, len(es))
	for _, e := range es {
		ids = append(ids, e.CreatorID)
		evIDs = append(evIDs, e.ID)
	}
	users, err := s.usersByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	var counts map[snowflake.ID]map[snowflake.ID]int
	if withUserCount && len(es) > 0 {
		if counts, err = s.store.ScheduledEvents().CountUsers(ctx, evIDs); err != nil {
			return nil, fmt.Errorf("count scheduled event users: %w", err)
		}
	}
	out := make([]opcodes.ScheduledEvent, 0, len(es))
	for _, e := range es {
		var creator *storage.User
		if u, ok := users[e.CreatorID]; ok {
			creator = &u
		}
		o := eventShape(e, creator)
		if withUserCount {
			o.UserCount = ptrInt(counts[e.ID][0])
		}
		out = append(out, o)
	}
	return out, nil
}

func eventShape(e storage.ScheduledEvent, creator *storage.User) opcodes.ScheduledEvent {
	o := opcodes.ScheduledEvent{
		ID:                 e.ID,
		GuildID:            e.GuildID,
		ChannelID:          ptrID(e.ChannelID),
		CreatorID:          ptrID(e.CreatorID),
		Name:               e.Name,
		Description:        e.Description,
		Image:              e.Image,
		ScheduledStartTime: opcodes.NewTimestamp(e.Start),
		Status:             e.Status,
		EntityType:         e.EntityType,
		EntityID:           ptrID(e.EntityID),
		RecurrenceRule:     json.RawMessage("null"),
		PrivacyLevel:       e.PrivacyLevel,
		Exceptions:         make([]opcodes.ScheduledException, 0, len(e.Exceptions)),
	}
	if creator != nil {
		u := userShape(*creator)
		o.Creator = &u
	}
	if e.End != nil {
		o.ScheduledEndTime = opcodes.TimestampPtr(*e.End)
	}
	if e.EntityType == opcodes.EntityExternal {
		o.EntityMetadata = &opcodes.EntityMetadata{Location: e.Location}
	}
	if len(e.Recurrence) > 0 {
		o.RecurrenceRule = e.Recurrence
	}
	for _, x := range e.Exceptions {
		o.Exceptions = append(o.Exceptions, exceptionShape(e.ID, x))
	}
	return o
}

func exceptionShape(eventID snowflake.ID, x storage.ScheduledEventException) opcodes.ScheduledException {
	o := opcodes.ScheduledException{EventID: eventID, EventExceptionID: x.ID, IsCanceled: x.Canceled}
	if x.Start != nil {
		o.ScheduledStartTime = opcodes.TimestampPtr(*x.Start)
	}
	if x.End != nil {
		o.ScheduledEndTime = opcodes.TimestampPtr(*x.End)
	}
	return o
}

// eventChannelPerms checks the channel permissions Discord requires for an event's entity
// type on top of CREATE_EVENTS/MANAGE_EVENTS: MANAGE_CHANNELS, MUTE_MEMBERS and MOVE_MEMBERS
// for a stage, VIEW_CHANNEL and CONNECT for a voice channel.
func (s *Service) eventChannelPerms(ctx context.Context, actor, guildID snowflake.ID, entityType int, channelID snowflake.ID) error {
	var want opcodes.Permissions
	switch entityType {
	case opcodes.EntityStageInstance:
		want = opcodes.PermManageChannels | opcodes.PermMuteMembers | opcodes.PermMoveMembers
	case opcodes.EntityVoice:
		want = opcodes.PermViewChannel | opcodes.PermConnect
	default:
		return nil
	}
	p, err := s.ChannelPermissions(ctx, guildID, channelID, actor)
	if err != nil {
		return err
	}
	if !p.Has(want) {
		return ErrMissingPermissions
	}
	return nil
}

// validateEvent checks a whole event after create or patch values were applied: Discord's
// field requirements by entity type, lengths, times and the recurrence rule.
func (s *Service) validateEvent(ctx context.Context, v *validator, e *storage.ScheduledEvent, startChanged bool) error {
	v.length("name", e.Name, 1, 100)
	if e.Description != nil {
		v.length("description", *e.Description, 0, 1000)
	}
	if e.PrivacyLevel != opcodes.EventPrivacyGuildOnly {
		v.add("privacy_level", "BASE_TYPE_CHOICES", "Value must be one of {2}.")
	}
	if startChanged && e.Status == opcodes.EventStatusScheduled && e.Start.Before(s.now()) {
		v.add("scheduled_start_time", "GUILD_SCHEDULED_EVENT_SCHEDULE_PAST", "Cannot schedule event in the past.")
	}
	if e.End != nil && !e.End.After(e.Start) {
		v.add("scheduled_end_time", "GUILD_SCHEDULED_EVENT_END_BEFORE_START", "Cannot schedule event to end before starting.")
	}
	switch e.EntityType {
	case opcodes.EntityExternal:
		if e.ChannelID != 0 {
			v.add("channel_id", "GUILD_SCHEDULED_EVENT_CHANNEL_NOT_NULL", "Channel ID must be null for external events.")
		}
		if e.Location == "" {
			v.required("entity_metadata.location")
		} else {
			v.length("entity_metadata.location", e.Location, 1, 100)
		}
		if e.End == nil {
			v.required("scheduled_end_time")
		}
	case opcodes.EntityStageInstance, opcodes.EntityVoice:
		e.Location = ""
		if e.ChannelID == 0 {
			v.required("channel_id")
			return nil
		}
		ch, err := s.store.Channels().Get(ctx, e.ChannelID)
		if errors.Is(err, storage.ErrNotFound) || err == nil && ch.GuildID != e.GuildID {
			v.add("channel_id", "CHANNEL_INVALID", "Unknown channel")
			return nil
		}
		if err != nil {
			return fmt.Errorf("load channel: %w", err)
		}
		want := opcodes.ChannelGuildVoice
		if e.EntityType == opcodes.EntityStageInstance {
			want = opcodes.ChannelGuildStageVoice
		}
		if opcodes.ChannelType(ch.Type) != want {
			v.add("channel_id", "GUILD_SCHEDULED_EVENT_CHANNEL_TYPE_INVALID", "Channel type does not match the entity type.")
		}
	default:
		v.add("entity_type", "BASE_TYPE_CHOICES", "Value must be one of {1, 2, 3}.")
	}
	return nil
}

// CreateScheduledEvent is POST /guilds/{id}/scheduled-events: CREATE_EVENTS (plus the entity
// type's channel permissions), at most 100 open events. Publishes GUILD_SCHEDULED_EVENT_CREATE.
func (s *Service) CreateScheduledEvent(ctx context.Context, actor, guildID snowflake.ID, p ScheduledEventParams) (opcodes.ScheduledEvent, error) {
	perms, err := s.memberGuildPerms(ctx, guildID, actor)
	if err != nil {
		return opcodes.ScheduledEvent{}, err
	}
	if !perms.Has(opcodes.PermCreateEvents) {
		return opcodes.ScheduledEvent{}, ErrMissingPermissions
	}
	var v validator
	e := storage.ScheduledEvent{ID: s.ids.Next(), GuildID: guildID, CreatorID: actor, Status: opcodes.EventStatusScheduled}
	if p.Name == nil {
		v.required("name")
	} else {
		e.Name = *p.Name
	}
	if p.PrivacyLevel == nil {
		v.required("privacy_level")
	} else {
		e.PrivacyLevel = *p.PrivacyLevel
	}
	if p.ScheduledStartTime == nil || p.ScheduledStartTime.IsZero() {
		v.required("scheduled_start_time")
	} else {
		e.Start = p.ScheduledStartTime.Time
	}
	if p.EntityType == nil {
		v.required("entity_type")
	} else {
		e.EntityType = *p.EntityType
	}
	if p.Status != nil && *p.Status != opcodes.EventStatusScheduled {
		v.add("status", "BASE_TYPE_CHOICES", "Value must be one of {1}.")
	}
	s.applyEventFields(&v, &e, p)
	if len(v.fields) == 0 {
		if err := s.validateEvent(ctx, &v, &e, true); err != nil {
			return opcodes.ScheduledEvent{}, err
		}
	}
	if err := v.err(); err != nil {
		return opcodes.ScheduledEvent{}, err
	}
	if err := s.eventChannelPerms(ctx, actor, guildID, e.EntityType, e.ChannelID); err != nil {
		return opcodes.ScheduledEvent{}, err
	}
	existing, err := s.store.ScheduledEvents().ListByGuild(ctx, guildID)
	if err != nil {
		return opcodes.ScheduledEvent{}, fmt.Errorf("list scheduled events: %w", err)
	}
	open := 0
	for _, x := range existing {
		if x.Status == opcodes.EventStatusScheduled || x.Status == opcodes.EventStatusActive {
			open++
		}
	}
	if open >= maxOpenScheduledEvents {
		return opcodes.ScheduledEvent{}, ErrMaxScheduledEvents
	}
	if p.Image.Set && !p.Image.Null {
		h, err := s.saveImage(ctx, imageKindEventCover, e.ID, p.Image.Value)
		if err != nil {
			return opcodes.ScheduledEvent{}, imageFieldError("image", err)
		}
		e.Image = &h
	}
	if err := s.store.ScheduledEvents().Create(ctx, e); err != nil {
		return opcodes.ScheduledEvent{}, fmt.Errorf("create scheduled event: %w", err)
	}
	creator, err := s.store.Users().Get(ctx, actor)
	if err != nil {
		return opcodes.ScheduledEvent{}, notFound(err, ErrUnauthorized, "load user")
	}
	out := eventShape(e, &creator)
	s.audit(ctx, auditEntry{GuildID: guildID, Action: opcodes.AuditScheduledEventCreate, ActorID: actor, TargetID: e.ID})
	s.publishEvent(ctx, opcodes.EventScheduledEventCreate, e, out)
	return out, nil
}

// memberGuildPerms is the actor's guild permissions after the membership check (10004 for a
// guild the actor is not in).
func (s *Service) memberGuildPerms(ctx context.Context, guildID, actor snowflake.ID) (opcodes.Permissions, error) {
	if err := s.requireMember(ctx, guildID, actor); err != nil {
		return 0, err
	}
	return s.GuildPermissions(ctx, guildID, actor)
}

// applyEventFields copies the optional fields shared by create and modify onto e.
func (s *Service) applyEventFields(v *validator, e *storage.ScheduledEvent, p ScheduledEventParams) {
	if p.ChannelID.Set {
		e.ChannelID = p.ChannelID.Value
	}
	if p.EntityMetadata.Set {
		e.Location = p.EntityMetadata.Value.Location
	}
	if p.ScheduledEndTime.Set {
		if p.ScheduledEndTime.Null || p.ScheduledEndTime.Value.IsZero() {
			e.End = nil
		} else {
			t := p.ScheduledEndTime.Value.Time
			e.End = &t
		}
	}
	if p.Description.Set {
		e.Description = p.Description.Ptr()
	}
	if p.RecurrenceRule.Set {
		if p.RecurrenceRule.Null {
			e.Recurrence = nil
		} else {
			e.Recurrence = validateRecurrence(v, p.RecurrenceRule.Value)
		}
	}
}

// publishEvent sends a scheduled event dispatch to the members who can see the event: all of
// the guild for external events, those who can view the channel otherwise.
func (s *Service) publishEvent(ctx context.Context, name opcodes.EventName, e storage.ScheduledEvent, d any) {
	s.publish(ctx, events.Event{Name: name, GuildID: e.GuildID, ChannelID: e.ChannelID}, d)
}

// eventManager loads an event for modify or delete: MANAGE_EVENTS, or CREATE_EVENTS for the
// event's creator, plus the entity type's channel permissions.
func (s *Service) eventManager(ctx context.Context, actor, guildID, eventID snowflake.ID) (storage.ScheduledEvent, error) {
	e, err := s.loadEvent(ctx, actor, guildID, eventID)
	if err != nil {
		return e, err
	}
	perms, err := s.GuildPermissions(ctx, guildID, actor)
	if err != nil {
		return e, err
	}
	if !perms.Has(opcodes.PermManageEvents) &&
		!(e.CreatorID == actor && perms.Has(opcodes.PermCreateEvents)) {
		return e, ErrMissingPermissions
	}
	return e, s.eventChannelPerms(ctx, actor, guildID, e.EntityType, e.ChannelID)
}

// validTransition is Discord's status graph: SCHEDULED → ACTIVE → COMPLETED and
// SCHEDULED → CANCELED.
func validTransition(from, to int) bool {
	return from == to ||
		from == opcodes.EventStatusScheduled && (to == opcodes.EventStatusActive || to == opcodes.EventStatusCanceled) ||
		from == opcodes.EventStatusActive && to == opcodes.EventStatusCompleted
}

// ModifyScheduledEvent is PATCH /guilds/{id}/scheduled-events/{id}. A finished (completed or
// canceled) event cannot change (180000); status follows Discord's transitions; changing
// entity_type revalidates the fields it requires. Publishes GUILD_SCHEDULED_EVENT_UPDATE.
func (s *Service) ModifyScheduledEvent(ctx context.Context, actor, guildID, eventID snowflake.ID, p ScheduledEventParams) (opcodes.ScheduledEvent, error) {
	e, err := s.eventManager(ctx, actor, guildID, eventID)
	if err != nil {
		return opcodes.ScheduledEvent{}, err
	}
	if e.Status == opcodes.EventStatusCompleted || e.Status == opcodes.EventStatusCanceled {
		return opcodes.ScheduledEvent{}, ErrEventFinished
	}
	var v validator
	oldChannel, oldType := e.ChannelID, e.EntityType
	if p.Name != nil {
		e.Name = *p.Name
	}
	if p.PrivacyLevel != nil {
		e.PrivacyLevel = *p.PrivacyLevel
	}
	startChanged := false
	if p.ScheduledStartTime != nil && !p.ScheduledStartTime.IsZero() && !p.ScheduledStartTime.Equal(e.Start) {
		e.Start, startChanged = p.ScheduledStartTime.Time, true
	}
	if p.EntityType != nil {
		e.EntityType = *p.EntityType
	}
	if p.Status != nil {
		if !validTransition(e.Status, *p.Status) {
			v.add("status", "GUILD_SCHEDULED_EVENT_INVALID_STATUS_TRANSITION", "Invalid status transition.")
		}
		e.Status = *p.Status
	}
	if p.EntityMetadata.Set && e.EntityType != opcodes.EntityExternal {
		p.EntityMetadata = opcodes.Nullable[opcodes.EntityMetadata]{} // Discord discards it
	}
	s.applyEventFields(&v, &e, p)
	if e.EntityType == opcodes.EntityExternal && oldType != opcodes.EntityExternal && !p.ChannelID.Set {
		v.add("channel_id", "GUILD_SCHEDULED_EVENT_CHANNEL_NOT_NULL", "Channel ID must be null for external events.")
	}
	if len(v.fields) == 0 {
		if err := s.validateEvent(ctx, &v, &e, startChanged); err != nil {
			return opcodes.ScheduledEvent{}, err
		}
	}
	if err := v.err(); err != nil {
		return opcodes.ScheduledEvent{}, err
	}
	if e.ChannelID != oldChannel || e.EntityType != oldType {
		if err := s.eventChannelPerms(ctx, actor, guildID, e.EntityType, e.ChannelID); err != nil {
			return opcodes.ScheduledEvent{}, err
		}
	}
	if p.Image.Set {
		if p.Image.Null {
			e.Image = nil
		} else {
			h, err := s.saveImage(ctx, imageKindEventCover, e.ID, p.Image.Value)
			if err != nil {
				return opcodes.ScheduledEvent{}, imageFieldError("image", err)
			}
			e.Image = &h
		}
	}
	if err := s.store.ScheduledEvents().Update(ctx, e); err != nil {
		return opcodes.ScheduledEvent{}, notFound(err, ErrUnknownScheduledEvent, "update scheduled event")
	}
	s.audit(ctx, auditEntry{GuildID: guildID, Action: opcodes.AuditScheduledEventUpdate, ActorID: actor, TargetID: e.ID})
	out, err := s.eventShapes(ctx, []storage.ScheduledEvent{e}, false)
	if err != nil {
		return opcodes.ScheduledEvent{}, err
	}
	s.publishEvent(ctx, opcodes.EventScheduledEventUpdate, e, out[0])
	return out[0], nil
}

// DeleteScheduledEvent is DELETE /guilds/{id}/scheduled-events/{id}; publishes
// GUILD_SCHEDULED_EVENT_DELETE with the event as it was.
func (s *Service) DeleteScheduledEvent(ctx context.Context, actor, guildID, eventID snowflake.ID) error {
	e, err := s.eventManager(ctx, actor, guildID, eventID)
	if err != nil {
		return err
	}
	if err := s.store.ScheduledEvents().Delete(ctx, guildID, eventID); err != nil {
		return notFound(err, ErrUnknownScheduledEvent, "delete scheduled event")
	}
	s.audit(ctx, auditEntry{GuildID: guildID, Action: opcodes.AuditScheduledEventDelete, ActorID: actor, TargetID: e.ID})
	out, err := s.eventShapes(ctx, []storage.ScheduledEvent{e}, false)
	if err != nil {
		s.log.WarnContext(ctx, "shape deleted event", "err", err)
		return nil
	}
	s.publishEvent(ctx, opcodes.EventScheduledEventDelete, e, out[0])
	return nil
}

// ScheduledEventUsers is GET .../scheduled-events/{id}/users and, with exceptionID, the
// exception's users: ascending user ID, limit ≤ 100, member objects with with_member.
func (s *Service) ScheduledEventUsers(ctx context.Context, actor, guildID, eventID, exceptionID snowflake.ID, q ScheduledEventUsersQuery) ([]opcodes.ScheduledEventUser, error) {
	e, err := s.loadEvent(ctx, actor, guildID, eventID)
	if err != nil {
		return nil, err
	}
	if exceptionID != 0 && !slices.ContainsFunc(e.Exceptions, func(x storage.ScheduledEventException) bool { return x.ID == exceptionID }) {
		return nil, ErrUnknownScheduledEvent
	}
	after := q.After
	if q.Before != 0 {
		after = 0
	}
	ids, err := s.store.ScheduledEvents().ListUsers(ctx, eventID, exceptionID, q.Before, after, q.Limit)
	if err != nil {
		return nil, fmt.Errorf("list scheduled event users: %w", err)
	}
	users, err := s.usersByID(ctx, ids)
	if err != nil {
		return nil, err
	}
	members := map[snowflake.ID]opcodes.Member{}
	if q.WithMember {
		ms, err := s.MembersByID(ctx, guildID, ids)
		if err != nil {
			return nil, err
		}
		for _, m := range ms {
			if m.User != nil {
				members[m.User.ID] = m
			}
		}
	}
	out := make([]opcodes.ScheduledEventUser, 0, len(ids))
	for _, id := range ids {
		u, ok := users[id]
		if !ok {
			continue
		}
		o := opcodes.ScheduledEventUser{GuildScheduledEventID: eventID, ExceptionID: ptrID(exceptionID), UserID: id, User: userShape(u), Response: 1}
		if m, ok := members[id]; ok {
			o.Member = &m
		}
		out = append(out, o)
	}
	return out, nil
}

// ScheduledEventUserCounts is GET .../scheduled-events/{id}/users/counts: the series'
// subscribers and each exception's.
func (s *Service) ScheduledEventUserCounts(ctx context.Context, actor, guildID, eventID snowflake.ID) (opcodes.ScheduledEventUserCounts, error) {
	if _, err := s.loadEvent(ctx, actor, guildID, eventID); err != nil {
		return opcodes.ScheduledEventUserCounts{}, err
	}
	counts, err := s.store.ScheduledEvents().CountUsers(ctx, []snowflake.ID{eventID})
	if err != nil {
		return opcodes.ScheduledEventUserCounts{}, fmt.Errorf("count scheduled event users: %w", err)
	}
	out := opcodes.ScheduledEventUserCounts{Count: counts[eventID][0], ExceptionCounts: map[snowflake.ID]int{}}
	for x, n := range counts[eventID] {
		if x != 0 {
			out.ExceptionCounts[x] = n
		}
	}
	return out, nil
}

// SubscribeScheduledEvent is PUT .../scheduled-events/{id}/users/@me, the route Discord's
// client uses to mark interest (bots cannot). Publishes GUILD_SCHEDULED_EVENT_USER_ADD; a
// second subscribe changes nothing.
func (s *Service) SubscribeScheduledEvent(ctx context.Context, actor, guildID, eventID snowflake.ID) error {
	e, err := s.loadEvent(ctx, actor, guildID, eventID)
	if err != nil {
		return err
	}
	if err := s.store.ScheduledEvents().AddUser(ctx, eventID, 0, actor); err != nil {
		if errors.Is(err, storage.ErrConflict) {
			return nil
		}
		return fmt.Errorf("add scheduled event user: %w", err)
	}
	s.publishEvent(ctx, opcodes.EventScheduledEventUserAdd, e,
		opcodes.ScheduledEventUserEvent{GuildScheduledEventID: eventID, UserID: actor, GuildID: guildID})
	return nil
}

// UnsubscribeScheduledEvent is DELETE .../scheduled-events/{id}/users/@me; publishes
// GUILD_SCHEDULED_EVENT_USER_REMOVE when the user was subscribed (10071 otherwise).
func (s *Service) UnsubscribeScheduledEvent(ctx context.Context, actor, guildID, eventID snowflake.ID) error {
	e, err := s.loadEvent(ctx, actor, guildID, eventID)
	if err != nil {
		return err
	}
	if err := s.store.ScheduledEvents().RemoveUser(ctx, eventID, 0, actor); err != nil {
		return notFound(err, ErrUnknownScheduledEventUser, "remove scheduled event user")
	}
	s.publishEvent(ctx, opcodes.EventScheduledEventUserRemove, e,
		opcodes.ScheduledEventUserEvent{GuildScheduledEventID: eventID, UserID: actor, GuildID: guildID})
	return nil
}

// ScheduledExceptionParams is the body of POST and PATCH .../exceptions[/{id}].
type ScheduledExceptionParams struct {
	OriginalStart *opcodes.Timestamp                  `json:"original_scheduled_start_time"`
	Start         opcodes.Nullable[opcodes.Timestamp] `json:"scheduled_start_time"`
	End           opcodes.Nullable[opcodes.Timestamp] `json:"scheduled_end_time"`
	IsCanceled    *bool                               `json:"is_canceled"`
}

func applyException(x *storage.ScheduledEventException, p ScheduledExceptionParams) {
	set := func(n opcodes.Nullable[opcodes.Timestamp], dst **time.Time) {
		if !n.Set {
			return
		}
		if n.Null || n.Value.IsZero() {
			*dst = nil
			return
		}
		t := n.Value.Time
		*dst = &t
	}
	set(p.Start, &x.Start)
	set(p.End, &x.End)
	if p.IsCanceled != nil {
		x.Canceled = *p.IsCanceled
	}
}

// CreateScheduledException is POST .../exceptions: overrides or cancels one occurrence of a
// recurring event. Its ID is the snowflake of the occurrence's original start, so creating
// it twice answers the existing one changed. Publishes GUILD_SCHEDULED_EVENT_UPDATE.
func (s *Service) CreateScheduledException(ctx context.Context, actor, guildID, eventID snowflake.ID, p ScheduledExceptionParams) (opcodes.ScheduledException, error) {
	e, err := s.eventManager(ctx, actor, guildID, eventID)
	if err != nil {
		return opcodes.ScheduledException{}, err
	}
	var v validator
	if p.OriginalStart == nil || p.OriginalStart.IsZero() {
		v.required("original_scheduled_start_time")
	} else if p.OriginalStart.Before(e.Start) {
		v.add("original_scheduled_start_time", "GUILD_SCHEDULED_EVENT_EXCEPTION_INVALID", "The occurrence is before the event starts.")
	}
	if len(e.Recurrence) == 0 {
		v.add("original_scheduled_start_time", "GUILD_SCHEDULED_EVENT_NOT_RECURRING", "The event does not recur.")
	}
	if err := v.err(); err != nil {
		return opcodes.ScheduledException{}, err
	}
	id := snowflake.FromTime(p.OriginalStart.Time)
	i := slices.IndexFunc(e.Exceptions, func(x storage.ScheduledEventException) bool { return x.ID == id })
	if i < 0 {
		e.Exceptions = append(e.Exceptions, storage.ScheduledEventException{ID: id})
		i = len(e.Exceptions) - 1
	}
	applyException(&e.Exceptions[i], p)
	return s.saveException(ctx, e, i)
}

// ModifyScheduledException is PATCH .../exceptions/{id}.
func (s *Service) ModifyScheduledException(ctx context.Context, actor, guildID, eventID, exceptionID snowflake.ID, p ScheduledExceptionParams) (opcodes.ScheduledException, error) {
	e, err := s.eventManager(ctx, actor, guildID, eventID)
	if err != nil {
		return opcodes.ScheduledException{}, err
	}
	i := slices.IndexFunc(e.Exceptions, func(x storage.ScheduledEventException) bool { return x.ID == exceptionID })
	if i < 0 {
		return opcodes.ScheduledException{}, ErrUnknownScheduledEvent
	}
	applyException(&e.Exceptions[i], p)
	return s.saveException(ctx, e, i)
}

func (s *Service) saveException(ctx context.Context, e storage.ScheduledEvent, i int) (opcodes.ScheduledException, error) {
	x := e.Exceptions[i]
	if x.Start != nil && x.End != nil && !x.End.After(*x.Start) {
		var v validator
		v.add("scheduled_end_time", "GUILD_SCHEDULED_EVENT_END_BEFORE_START", "Cannot schedule event to end before starting.")
		return opcodes.ScheduledException{}, v.err()
	}
	if err := s.store.ScheduledEvents().Update(ctx, e); err != nil {
		return opcodes.ScheduledException{}, notFound(err, ErrUnknownScheduledEvent, "update scheduled event")
	}
	s.publishEventUpdate(ctx, e)
	return exceptionShape(e.ID, x), nil
}

// DeleteScheduledException is DELETE .../exceptions/{id}: the occurrence goes back to the rule.
func (s *Service) DeleteScheduledException(ctx context.Context, actor, guildID, eventID, exceptionID snowflake.ID) error {
	e, err := s.eventManager(ctx, actor, guildID, eventID)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(e.Exceptions, func(x storage.ScheduledEventException) bool { return x.ID == exceptionID })
	if i < 0 {
		return ErrUnknownScheduledEvent
	}
	e.Exceptions = slices.Delete(e.Exceptions, i, i+1)
	if err := s.store.ScheduledEvents().Update(ctx, e); err != nil {
		return notFound(err, ErrUnknownScheduledEvent, "update scheduled event")
	}
	s.publishEventUpdate(ctx, e)
	return nil
}

func (s *Service) publishEventUpdate(ctx context.Context, e storage.ScheduledEvent) {
	out, err := s.eventShapes(ctx, []storage.ScheduledEvent{e}, false)
	if err != nil {
		s.log.WarnContext(ctx, "shape scheduled event", "err", err)
		return
	}
	s.publishEvent(ctx, opcodes.EventScheduledEventUpdate, e, out[0])
}

// guildCreateEvents is GUILD_CREATE's guild_scheduled_events: the events userID can see.
func (s *Service) guildCreateEvents(ctx context.Context, guildID, userID snowflake.ID) ([]opcodes.ScheduledEvent, error) {
	es, err := s.store.ScheduledEvents().ListByGuild(ctx, guildID)
	if err != nil {
		return nil, fmt.Errorf("list scheduled events: %w", err)
	}
	visible := es[:0]
	for _, e := range es {
		if ok, err := s.canViewEvent(ctx, userID, e); err != nil {
			return nil, err
		} else if ok {
			visible = append(visible, e)
		}
	}
	return s.eventShapes(ctx, visible, false)
}
