package rest

import (
	"github.com/parley-chat/parley/guilds"
	"github.com/parley-chat/parley/opcodes"
)

// inviteRoutes:
//
//	GET    /channels/{channel_id}/invites
//	POST   /channels/{channel_id}/invites  {max_age=86400, max_uses=0, temporary, unique}
//	GET    /guilds/{guild_id}/invites
//	GET    /invites/{code}                 ?with_counts (no auth needed)
//	DELETE /invites/{code}                 → the deleted invite
//	POST   /invites/{code}                 (user) accept: join the guild → the invite
func (s *Server) inviteRoutes() []*route {
	type invite struct {
		Code string `path:"code"`
	}
	type resolve struct {
		invite
		WithCounts bool `query:"with_counts"`
	}
	return []*route{
		op("GET /channels/{channel_id}/invites", "list_channel_invites", anyone, func(c *call, p inChannel) ([]opcodes.Invite, error) {
			return s.svc.ChannelInvites(c.ctx, c.user, p.ChannelID)
		}),
		op("POST /channels/{channel_id}/invites", "create_channel_invite", anyone, func(c *call, p channelBody[guilds.InviteParams]) (opcodes.Invite, error) {
			return s.svc.CreateInvite(c.ctx, c.user, p.ChannelID, p.Body)
		}).audited(),
		op("GET /guilds/{guild_id}/invites", "list_guild_invites", anyone, func(c *call, p inGuild) ([]opcodes.Invite, error) {
			return s.svc.GuildInvites(c.ctx, c.user, p.GuildID)
		}),
		op("GET /invites/{code}", "invite_resolve", public, func(c *call, p resolve) (opcodes.Invite, error) {
			return s.svc.Invite(c.ctx, p.Code, p.WithCounts)
		}),
		op("DELETE /invites/{code}", "invite_revoke", anyone, func(c *call, p invite) (opcodes.Invite, error) {
			return s.svc.DeleteInvite(c.ctx, c.user, p.Code)
		}).audited(),
		op("POST /invites/{code}", "", humans, func(c *call, p invite) (opcodes.Invite, error) {
			return s.svc.AcceptInvite(c.ctx, c.user, p.Code)
		}),
	}
}
