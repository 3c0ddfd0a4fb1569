package rest

// routes registers every implemented route. Static segments are registered before parameters
// at the same level (Fiber matches in registration order): "@me" before "{user_id}",
// "bulk-delete" and "pins" before "{message_id}".
func (s *Server) routes() {
	s.authRoutes()
	s.gatewayRoutes()
	s.userRoutes()
	s.applicationRoutes()
	s.guildRoutes()
	s.channelRoutes()
	s.memberRoutes()
	s.roleRoutes()
	s.messageRoutes()
	s.reactionRoutes()
	s.banRoutes()
	s.inviteRoutes()
	s.webhookRoutes()
	s.emojiRoutes()
	s.attachmentRoutes()
}
