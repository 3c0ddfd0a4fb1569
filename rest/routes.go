package rest

import "slices"

// routes declares every implemented operation and registers it under every served version
// prefix. Each area file returns its declarations; adding an operation is one op or do line
// in its area (see CONTRIBUTING.md). Registration order is derived (staticFirst), so a
// literal segment such as "@me" or "pins" is never shadowed by a parameter.
func (s *Server) routes() {
	s.decls = slices.Concat(
		s.authRoutes(),
		s.gatewayRoutes(),
		s.userRoutes(),
		s.applicationRoutes(),
		s.commandRoutes(),
		s.interactionRoutes(),
		s.guildRoutes(),
		s.channelRoutes(),
		s.memberRoutes(),
		s.roleRoutes(),
		s.messageRoutes(),
		s.pinRoutes(),
		s.reactionRoutes(),
		s.banRoutes(),
		s.inviteRoutes(),
		s.webhookRoutes(),
		s.emojiRoutes(),
		s.moderationRoutes(),
		s.adminRoutes(),
		s.voiceRoutes(),
		s.threadRoutes(),
		s.scheduledEventRoutes(),
		s.stickerRoutes(),
		s.stageRoutes(),
		s.soundboardRoutes(),
		s.applicationEmojiRoutes(),
	)
	staticFirst(s.decls)
	for _, rt := range s.decls {
		s.handle(rt.method, rt.path, rt.auth, rt.uploads, rt.handler())
	}
	s.attachmentRoutes()
	s.cdnRoutes()
	s.indexRoutes()
}
