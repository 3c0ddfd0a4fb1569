package guilds

import (
	"context"
	"fmt"
	"time"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
	"github.com/parley-chat/parley/storage"
)

// maxPins is Discord's per-channel pin limit (raised from 50 to 250 in 2025).
const maxPins = 250

// PinnedMessage is one entry of GET /channels/{id}/messages/pins.
type PinnedMessage struct {
	PinnedAt opcodes.Timestamp `json:"pinned_at"`
	Message  opcodes.Message   `json:"message"`
}

// PinsPage is GET /channels/{id}/messages/pins.
type PinsPage struct {
	Items   []PinnedMessage `json:"items"`
	HasMore bool            `json:"has_more"`
}

// Pins is the legacy GET /channels/{id}/pins: every pinned message, newest pin first.
func (s *Service) Pins(ctx context.Context, actor, channelID snowflake.ID) ([]opcodes.Message, error) {
	_, perms, err := s.channelAccess(ctx, actor, channelID)
	if err != nil {
		return nil, err
	}
	if !perms.Has(opcodes.PermReadMessageHistory) {
		return []opcodes.Message{}, nil
	}
	ms, err := s.store.Messages().ListPinned(ctx, channelID, nil, 0)
	if err != nil {
		return nil, fmt.Errorf("list pins: %w", err)
	}
	return s.messageShapes(ctx, actor, ms, true)
}

// PinsPaged is GET /channels/{id}/messages/pins?before=&limit= (limit 1–50).
func (s *Service) PinsPaged(ctx context.Context, actor, channelID snowflake.ID, before *time.Time, limit int) (PinsPage, error) {
	_, perms, err := s.channelAccess(ctx, actor, channelID)
	if err != nil {
		return PinsPage{}, err
	}
	var v validator
	if limit < 1 || limit > 50 {
		v.add("limit", "NUMBER_TYPE_MAX", "int value should be between 1 and 50.")
		return PinsPage{}, v.err()
	}
	if !perms.Has(opcodes.PermReadMessageHistory) {
		return PinsPage{Items: []PinnedMessage{}}, nil
	}
	ms, err := s.store.Messages().ListPinned(ctx, channelID, before, limit+1)
	if err != nil {
		return PinsPage{}, fmt.Errorf("list pins: %w", err)
	}
	page := PinsPage{Items: []PinnedMessage{}}
	if len(ms) > limit {
		page.HasMore = true
		ms = ms[:limit]
	}
	shapes, err := s.messageShapes(ctx, actor, ms, true)
	if err != nil {
		return PinsPage{}, err
	}
	for i, m := range ms {
		at := m.ID.Time()
		if m.PinnedAt != nil {
			at = *m.PinnedAt
		}
		page.Items = append(page.Items, PinnedMessage{PinnedAt: opcodes.NewTimestamp(at), Message: shapes[i]})
	}
	return page, nil
}

// Pin pins a message: PIN_MESSAGES (Discord's rule since 2026-02). It posts the
// CHANNEL_PINNED_MESSAGE system message and publishes MESSAGE_UPDATE and CHANNEL_PINS_UPDATE.
func (s *Service) Pin(ctx context.Context, actor, channelID, messageID snowflake.ID) error {
	return s.setPinned(ctx, actor, channelID, messageID, true)
}

// Unpin unpins a message.
func (s *Service) Unpin(ctx context.Context, actor, channelID, messageID snowflake.ID) error {
	return s.setPinned(ctx, actor, channelID, messageID, false)
}

func (s *Service) setPinned(ctx context.Context, actor, channelID, messageID snowflake.ID, pinned bool) error {
	ch, perms, err := s.channelAccess(ctx, actor, channelID)
	if err != nil {
		return err
	}
	if !perms.Has(opcodes.PermPinMessages) {
		return ErrMissingPermissions
	}
	m, err := s.store.Messages().Get(ctx, channelID, messageID)
	if err != nil {
		return notFound(err, ErrUnknownMessage, "load message")
	}
	if m.Pinned == pinned {
		return nil
	}
	now := s.now()
	if pinned {
		existing, err := s.store.Messages().ListPinned(ctx, channelID, nil, maxPins)
		if err != nil {
			return fmt.Errorf("count pins: %w", err)
		}
		if len(existing) >= maxPins {
			return ErrMaxPins
		}
		m.Pinned, m.PinnedAt = true, &now
	} else {
		m.Pinned, m.PinnedAt = false, nil
	}
	if err := s.store.Messages().Update(ctx, m); err != nil {
		return notFound(err, ErrUnknownMessage, "update message")
	}
	if pinned {
		ch.LastPinAt = &now
		if err := s.store.Channels().Update(ctx, ch); err != nil {
			return fmt.Errorf("update channel: %w", err)
		}
	}
	out, err := s.messageShapes(ctx, actor, []storage.Message{m}, true)
	if err != nil {
		return err
	}
	s.publishMessage(ctx, opcodes.EventMessageUpdate, ch, m, out[0])
	pu := opcodes.ChannelPinsUpdate{GuildID: ptrID(ch.GuildID), ChannelID: ch.ID, LastPinTimestamp: timePtr(ch.LastPinAt)}
	if ch.GuildID == 0 {
		s.publish(ctx, events.Event{Name: opcodes.EventChannelPinsUpdate, UserIDs: ch.Recipients}, pu)
	} else {
		s.publish(ctx, events.Event{Name: opcodes.EventChannelPinsUpdate, GuildID: ch.GuildID, ChannelID: ch.ID}, pu)
		action := opcodes.AuditMessageUnpin
		if pinned {
			action = opcodes.AuditMessagePin
		}
		// Discord's pin entries target the message's author, with the channel and message.
		s.audit(ctx, auditEntry{GuildID: ch.GuildID, Action: action, ActorID: actor, TargetID: m.AuthorID,
			Options: &opcodes.AuditEntryInfo{ChannelID: ch.ID.String(), MessageID: m.ID.String()}})
	}
	if pinned {
		sys := storage.Message{ID: s.ids.Next(), ChannelID: ch.ID, GuildID: ch.GuildID, AuthorID: actor,
			Type:      int(opcodes.MessageChannelPinnedMessage),
			Reference: &storage.MessageReference{MessageID: m.ID, ChannelID: ch.ID, GuildID: ch.GuildID}}
		if err := s.store.Messages().Create(ctx, sys); err != nil {
			return fmt.Errorf("create pin notice: %w", err)
		}
		if sysOut, err := s.messageShapes(ctx, actor, []storage.Message{sys}, false); err == nil {
			s.publishMessage(ctx, opcodes.EventMessageCreate, ch, sys, sysOut[0])
		}
	}
	return nil
}
