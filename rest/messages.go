package rest

import (
	"time"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
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
func (s *Server) messageRoutes() []*route {
	type list struct {
		inChannel
		Around snowflake.ID `query:"around"`
		Before snowflake.ID `query:"before"`
		After  snowflake.ID `query:"after"`
		Limit  int          `query:"limit" default:"50" min:"1" max:"100"`
	}
	type bulk struct {
		Messages []snowflake.ID `json:"messages"`
	}
	return []*route{
		op("GET /channels/{channel_id}/messages", "list_messages", anyone, func(c *call, p list) ([]opcodes.Message, error) {
			page := guilds.Page{Around: p.Around, Before: p.Before, After: p.After, Limit: p.Limit}
			// The cursors are mutually exclusive; like Discord, the first of around, before,
			// after wins.
			switch {
			case page.Around != 0:
				page.Before, page.After = 0, 0
			case page.Before != 0:
				page.After = 0
			}
			return s.svc.Messages(c.ctx, c.user, p.ChannelID, page)
		}),
		op("POST /channels/{channel_id}/messages", "create_message", anyone, func(c *call, p channelBody[guilds.MessageParams]) (opcodes.Message, error) {
			return s.svc.CreateMessage(c.ctx, c.user, p.ChannelID, p.Body)
		}).withUploads(),
		do("POST /channels/{channel_id}/messages/bulk-delete", "bulk_delete_messages", anyone, func(c *call, p channelBody[bulk]) error {
			if p.Body.Messages == nil {
				return required("messages")
			}
			return s.svc.BulkDelete(c.ctx, c.user, p.ChannelID, p.Body.Messages)
		}).audited(),
		op("GET /channels/{channel_id}/messages/{message_id}", "get_message", anyone, func(c *call, p inMessage) (opcodes.Message, error) {
			return s.svc.Message(c.ctx, c.user, p.ChannelID, p.MessageID)
		}),
		op("PATCH /channels/{channel_id}/messages/{message_id}", "update_message", anyone, func(c *call, p messageBody[guilds.EditMessageParams]) (opcodes.Message, error) {
			return s.svc.EditMessage(c.ctx, c.user, p.ChannelID, p.MessageID, p.Body)
		}).withUploads(),
		do("DELETE /channels/{channel_id}/messages/{message_id}", "delete_message", anyone, func(c *call, p inMessage) error {
			return s.svc.DeleteMessage(c.ctx, c.user, p.ChannelID, p.MessageID)
		}).audited(),
		op("POST /channels/{channel_id}/messages/{message_id}/crosspost", "crosspost_message", anyone, func(c *call, p inMessage) (opcodes.Message, error) {
			return s.svc.Crosspost(c.ctx, c.user, p.ChannelID, p.MessageID)
		}),
	}
}

// pinRoutes:
//
//	GET    /channels/{channel_id}/messages/pins               ?before(ISO8601)&limit(1-50, 50) → {items, has_more}
//	PUT    /channels/{channel_id}/messages/pins/{message_id}  → 204
//	DELETE /channels/{channel_id}/messages/pins/{message_id}  → 204
//	GET    /channels/{channel_id}/pins                        (deprecated) → messages
//	PUT    /channels/{channel_id}/pins/{message_id}           (deprecated) → 204
//	DELETE /channels/{channel_id}/pins/{message_id}           (deprecated) → 204
func (s *Server) pinRoutes() []*route {
	type list struct {
		inChannel
		Before *time.Time `query:"before"`
		Limit  int        `query:"limit" default:"50" min:"1" max:"50"`
	}
	pin := func(c *call, p inMessage) error { return s.svc.Pin(c.ctx, c.user, p.ChannelID, p.MessageID) }
	unpin := func(c *call, p inMessage) error { return s.svc.Unpin(c.ctx, c.user, p.ChannelID, p.MessageID) }
	return []*route{
		op("GET /channels/{channel_id}/messages/pins", "list_pins", anyone, func(c *call, p list) (guilds.PinsPage, error) {
			return s.svc.PinsPaged(c.ctx, c.user, p.ChannelID, p.Before, p.Limit)
		}),
		do("PUT /channels/{channel_id}/messages/pins/{message_id}", "create_pin", anyone, pin).audited(),
		do("DELETE /channels/{channel_id}/messages/pins/{message_id}", "delete_pin", anyone, unpin).audited(),
		op("GET /channels/{channel_id}/pins", "deprecated_list_pins", anyone, func(c *call, p inChannel) ([]opcodes.Message, error) {
			return s.svc.Pins(c.ctx, c.user, p.ChannelID)
		}),
		do("PUT /channels/{channel_id}/pins/{message_id}", "deprecated_create_pin", anyone, pin).audited(),
		do("DELETE /channels/{channel_id}/pins/{message_id}", "deprecated_delete_pin", anyone, unpin).audited(),
	}
}
