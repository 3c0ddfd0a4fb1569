package rest

import (
	"fmt"
	"time"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/snowflake"
)

// messageRoutes:
//
//	GET    /channels/{channel_id}/messages                 ?around|before|after&limit(1-100, 50)
//	POST   /channels/{channel_id}/messages                 {content, embeds, allowed_mentions, message_reference, nonce, enforce_nonce, tts, flags, attachments, ...}
//	                                                       or multipart: payload_json + files[n] (see files)
//	POST   /channels/{channel_id}/messages/bulk-delete     {messages: [2-100 ids]} → 204
//	GET    /channels/{channel_id}/messages/{message_id}
//	PATCH  /channels/{channel_id}/messages/{message_id}   JSON or multipart; attachments = the ones to keep + new files[n]
//	DELETE /channels/{channel_id}/messages/{message_id}    → 204
//	POST   /channels/{channel_id}/messages/{message_id}/crosspost
func (s *Server) messageRoutes() {
	s.handle("GET", "/channels/{channel_id}/messages", anyone, func(r *request) error {
		cid, err := r.pathID("channel_id", guilds.ErrUnknownChannel)
		if err != nil {
			return err
		}
		var page guilds.Page
		if page.Around, err = r.queryID("around"); err != nil {
			return err
		}
		if page.Before, err = r.queryID("before"); err != nil {
			return err
		}
		if page.After, err = r.queryID("after"); err != nil {
			return err
		}
		// The cursors are mutually exclusive; like Discord, the first of around, before,
		// after wins.
		switch {
		case page.Around != 0:
			page.Before, page.After = 0, 0
		case page.Before != 0:
			page.After = 0
		}
		if page.Limit, err = r.queryInt("limit", 50, 1, 100); err != nil {
			return err
		}
		ms, err := s.svc.Messages(r.ctx, r.id.UserID, cid, page)
		if err != nil {
			return fmt.Errorf("list messages: %w", err)
		}
		return r.ok(ms)
	})
	s.handle("POST", "/channels/{channel_id}/messages", anyone, func(r *request) error {
		cid, err := r.pathID("channel_id", guilds.ErrUnknownChannel)
		if err != nil {
			return err
		}
		var p guilds.MessageParams
		if err := r.decode(&p); err != nil {
			return err
		}
		if p.Files, err = r.files(); err != nil {
			return err
		}
		m, err := s.svc.CreateMessage(r.ctx, r.id.UserID, cid, p)
		if err != nil {
			return fmt.Errorf("create message: %w", err)
		}
		return r.ok(m)
	})
	s.handle("POST", "/channels/{channel_id}/messages/bulk-delete", anyone, func(r *request) error {
		cid, err := r.pathID("channel_id", guilds.ErrUnknownChannel)
		if err != nil {
			return err
		}
		var p struct {
			Messages []snowflake.ID `json:"messages"`
		}
		if err := r.decode(&p); err != nil {
			return err
		}
		if p.Messages == nil {
			return fieldError("messages", "BASE_TYPE_REQUIRED", "This field is required")
		}
		if err := s.svc.BulkDelete(r.ctx, r.id.UserID, cid, p.Messages); err != nil {
			return fmt.Errorf("bulk delete: %w", err)
		}
		return r.noContent()
	})
	s.pinRoutes() // before {message_id}: "pins" is a static segment at that level
	s.handle("GET", "/channels/{channel_id}/messages/{message_id}", anyone, func(r *request) error {
		cid, mid, err := r.channelMessage()
		if err != nil {
			return err
		}
		m, err := s.svc.Message(r.ctx, r.id.UserID, cid, mid)
		if err != nil {
			return fmt.Errorf("get message: %w", err)
		}
		return r.ok(m)
	})
	s.handle("PATCH", "/channels/{channel_id}/messages/{message_id}", anyone, func(r *request) error {
		cid, mid, err := r.channelMessage()
		if err != nil {
			return err
		}
		var p guilds.EditMessageParams
		if err := r.decode(&p); err != nil {
			return err
		}
		if p.Files, err = r.files(); err != nil {
			return err
		}
		m, err := s.svc.EditMessage(r.ctx, r.id.UserID, cid, mid, p)
		if err != nil {
			return fmt.Errorf("edit message: %w", err)
		}
		return r.ok(m)
	})
	s.handle("DELETE", "/channels/{channel_id}/messages/{message_id}", anyone, func(r *request) error {
		cid, mid, err := r.channelMessage()
		if err != nil {
			return err
		}
		if err := s.svc.DeleteMessage(r.ctx, r.id.UserID, cid, mid); err != nil {
			return fmt.Errorf("delete message: %w", err)
		}
		return r.noContent()
	})
	s.handle("POST", "/channels/{channel_id}/messages/{message_id}/crosspost", anyone, func(r *request) error {
		cid, mid, err := r.channelMessage()
		if err != nil {
			return err
		}
		m, err := s.svc.Crosspost(r.ctx, r.id.UserID, cid, mid)
		if err != nil {
			return fmt.Errorf("crosspost: %w", err)
		}
		return r.ok(m)
	})
}

// pinRoutes:
//
//	GET    /channels/{channel_id}/messages/pins               ?before(ISO8601)&limit(1-50, 50) → {items, has_more}
//	PUT    /channels/{channel_id}/messages/pins/{message_id}  → 204
//	DELETE /channels/{channel_id}/messages/pins/{message_id}  → 204
//	GET    /channels/{channel_id}/pins                        (deprecated) → messages
//	PUT    /channels/{channel_id}/pins/{message_id}           (deprecated) → 204
//	DELETE /channels/{channel_id}/pins/{message_id}           (deprecated) → 204
func (s *Server) pinRoutes() {
	s.handle("GET", "/channels/{channel_id}/messages/pins", anyone, func(r *request) error {
		cid, err := r.pathID("channel_id", guilds.ErrUnknownChannel)
		if err != nil {
			return err
		}
		var before *time.Time
		if raw := r.c.Query("before"); raw != "" {
			t, err := time.Parse(time.RFC3339Nano, raw)
			if err != nil {
				return fieldError("before", "DATE_TYPE_PARSE", fmt.Sprintf("Could not parse %s. Should be ISO8601.", raw))
			}
			before = &t
		}
		limit, err := r.queryInt("limit", 50, 1, 50)
		if err != nil {
			return err
		}
		page, err := s.svc.PinsPaged(r.ctx, r.id.UserID, cid, before, limit)
		if err != nil {
			return fmt.Errorf("list pins: %w", err)
		}
		return r.ok(page)
	})
	s.handle("GET", "/channels/{channel_id}/pins", anyone, func(r *request) error {
		cid, err := r.pathID("channel_id", guilds.ErrUnknownChannel)
		if err != nil {
			return err
		}
		ms, err := s.svc.Pins(r.ctx, r.id.UserID, cid)
		if err != nil {
			return fmt.Errorf("list pins: %w", err)
		}
		return r.ok(ms)
	})
	pin := func(on bool) handler {
		return func(r *request) error {
			cid, mid, err := r.channelMessage()
			if err != nil {
				return err
			}
			if on {
				err = s.svc.Pin(r.ctx, r.id.UserID, cid, mid)
			} else {
				err = s.svc.Unpin(r.ctx, r.id.UserID, cid, mid)
			}
			if err != nil {
				return fmt.Errorf("pin (on=%v): %w", on, err)
			}
			return r.noContent()
		}
	}
	for _, base := range []string{"/channels/{channel_id}/messages/pins/{message_id}", "/channels/{channel_id}/pins/{message_id}"} {
		s.handle("PUT", base, anyone, pin(true))
		s.handle("DELETE", base, anyone, pin(false))
	}
}

// channelMessage parses {channel_id} and {message_id}.
func (r *request) channelMessage() (cid, mid snowflake.ID, err error) {
	cid, err = r.pathID("channel_id", guilds.ErrUnknownChannel)
	if err != nil {
		return 0, 0, err
	}
	mid, err = r.pathID("message_id", guilds.ErrUnknownMessage)
	return cid, mid, err
}
