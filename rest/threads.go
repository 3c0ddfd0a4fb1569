package rest

import (
	"time"

	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// threadRoutes:
//
//	POST   /channels/{channel_id}/messages/{message_id}/threads  {name, auto_archive_duration?, rate_limit_per_user?} → 201
//	POST   /channels/{channel_id}/threads                        {name, type?, invitable?, auto_archive_duration?, rate_limit_per_user?}
//	                                                             forum/media: {name, message, applied_tags?, ...}, JSON or multipart → 201
//	PUT    /channels/{channel_id}/thread-members/@me             → 204
//	DELETE /channels/{channel_id}/thread-members/@me             → 204
//	PUT    /channels/{channel_id}/thread-members/{user_id}       → 204
//	DELETE /channels/{channel_id}/thread-members/{user_id}       → 204
//	GET    /channels/{channel_id}/thread-members/{user_id}       ?with_member
//	GET    /channels/{channel_id}/thread-members                 ?with_member&after&limit(1-100, 100)
//	GET    /channels/{channel_id}/threads/archived/public        ?before(ISO8601)&limit(2-100, 50)
//	GET    /channels/{channel_id}/threads/archived/private       ?before(ISO8601)&limit(2-100, 50)
//	GET    /channels/{channel_id}/users/@me/threads/archived/private  ?before(thread id)&limit(2-100, 50)
//	GET    /guilds/{guild_id}/threads/active
//
// PATCH and DELETE /channels/{channel_id} on a thread are the channel routes.
func (s *Server) threadRoutes() []*route {
	type threadMember struct {
		inChannel
		UserID snowflake.ID `path:"user_id"`
	}
	type getMember struct {
		threadMember
		WithMember bool `query:"with_member"`
	}
	type listMembers struct {
		inChannel
		WithMember bool         `query:"with_member"`
		After      snowflake.ID `query:"after"`
		Limit      int          `query:"limit" default:"100" min:"1" max:"100"`
	}
	type archived struct {
		inChannel
		Before *time.Time `query:"before"`
		Limit  int        `query:"limit" default:"50" min:"2" max:"100"`
	}
	type joined struct {
		inChannel
		Before snowflake.ID `query:"before"`
		Limit  int          `query:"limit" default:"50" min:"2" max:"100"`
	}
	return []*route{
		op("POST /channels/{channel_id}/messages/{message_id}/threads", "create_thread_from_message", anyone, func(c *call, p messageBody[guilds.ThreadParams]) (opcodes.Channel, error) {
			return s.svc.StartThreadFromMessage(c.ctx, c.user, p.ChannelID, p.MessageID, p.Body)
		}).created().audited(),
		op("POST /channels/{channel_id}/threads", "create_thread", anyone, func(c *call, p channelBody[guilds.ThreadParams]) (opcodes.Channel, error) {
			return s.svc.StartThread(c.ctx, c.user, p.ChannelID, p.Body)
		}).created().audited().withUploads(),
		do("PUT /channels/{channel_id}/thread-members/@me", "join_thread", anyone, func(c *call, p inChannel) error {
			return s.svc.JoinThread(c.ctx, c.user, p.ChannelID)
		}),
		do("DELETE /channels/{channel_id}/thread-members/@me", "leave_thread", anyone, func(c *call, p inChannel) error {
			return s.svc.LeaveThread(c.ctx, c.user, p.ChannelID)
		}),
		do("PUT /channels/{channel_id}/thread-members/{user_id}", "add_thread_member", anyone, func(c *call, p threadMember) error {
			return s.svc.AddThreadMember(c.ctx, c.user, p.ChannelID, p.UserID)
		}),
		do("DELETE /channels/{channel_id}/thread-members/{user_id}", "delete_thread_member", anyone, func(c *call, p threadMember) error {
			return s.svc.RemoveThreadMember(c.ctx, c.user, p.ChannelID, p.UserID)
		}),
		op("GET /channels/{channel_id}/thread-members/{user_id}", "get_thread_member", anyone, func(c *call, p getMember) (opcodes.ThreadMember, error) {
			return s.svc.ThreadMember(c.ctx, c.user, p.ChannelID, p.UserID, p.WithMember)
		}),
		op("GET /channels/{channel_id}/thread-members", "list_thread_members", anyone, func(c *call, p listMembers) ([]opcodes.ThreadMember, error) {
			return s.svc.ThreadMembers(c.ctx, c.user, p.ChannelID, p.After, p.Limit, p.WithMember)
		}),
		op("GET /channels/{channel_id}/threads/archived/public", "list_public_archived_threads", anyone, func(c *call, p archived) (opcodes.ThreadList, error) {
			return s.svc.ArchivedThreads(c.ctx, c.user, p.ChannelID, false, p.Before, p.Limit)
		}),
		op("GET /channels/{channel_id}/threads/archived/private", "list_private_archived_threads", anyone, func(c *call, p archived) (opcodes.ThreadList, error) {
			return s.svc.ArchivedThreads(c.ctx, c.user, p.ChannelID, true, p.Before, p.Limit)
		}),
		op("GET /channels/{channel_id}/users/@me/threads/archived/private", "list_my_private_archived_threads", anyone, func(c *call, p joined) (opcodes.ThreadList, error) {
			return s.svc.JoinedPrivateArchivedThreads(c.ctx, c.user, p.ChannelID, p.Before, p.Limit)
		}),
		op("GET /guilds/{guild_id}/threads/active", "get_active_guild_threads", anyone, func(c *call, p inGuild) (opcodes.ThreadList, error) {
			return s.svc.ActiveThreads(c.ctx, c.user, p.GuildID)
		}),
	}
}
