package rest

// gatewayRoutes:
//
//	GET /gateway      (no auth) → {url}
//	GET /gateway/bot  → {url, shards, session_start_limit}
func (s *Server) gatewayRoutes() {
	s.handle("GET", "/gateway", public, func(r *request) error {
		return r.ok(struct {
			URL string `json:"url"`
		}{s.cfg.PublicGatewayURL})
	})
	s.handle("GET", "/gateway/bot", anyone, func(r *request) error {
		shards, total, remaining, resetAfter, maxConc := 1, 1000, 1000, 0, 1
		if s.cfg.GatewayBotInfo != nil {
			shards, total, remaining, resetAfter, maxConc = s.cfg.GatewayBotInfo(r.id.UserID)
		}
		type limit struct {
			Total          int `json:"total"`
			Remaining      int `json:"remaining"`
			ResetAfter     int `json:"reset_after"`
			MaxConcurrency int `json:"max_concurrency"`
		}
		return r.ok(struct {
			URL               string `json:"url"`
			Shards            int    `json:"shards"`
			SessionStartLimit limit  `json:"session_start_limit"`
		}{s.cfg.PublicGatewayURL, shards, limit{total, remaining, resetAfter, maxConc}})
	})
}
