package rest

// gatewayRoutes:
//
//	GET /gateway      (no auth) → {url}
//	GET /gateway/bot  → {url, shards, session_start_limit}
func (s *Server) gatewayRoutes() []*route {
	type gateway struct {
		URL string `json:"url"`
	}
	type limit struct {
		Total          int `json:"total"`
		Remaining      int `json:"remaining"`
		ResetAfter     int `json:"reset_after"`
		MaxConcurrency int `json:"max_concurrency"`
	}
	type gatewayBot struct {
		URL               string `json:"url"`
		Shards            int    `json:"shards"`
		SessionStartLimit limit  `json:"session_start_limit"`
	}
	return []*route{
		op("GET /gateway", "get_gateway", public, func(*call, none) (gateway, error) {
			return gateway{s.cfg.PublicGatewayURL}, nil
		}),
		op("GET /gateway/bot", "get_bot_gateway", anyone, func(c *call, _ none) (gatewayBot, error) {
			shards, total, remaining, resetAfter, maxConc := 1, 1000, 1000, 0, 1
			if s.cfg.GatewayBotInfo != nil {
				shards, total, remaining, resetAfter, maxConc = s.cfg.GatewayBotInfo(c.user)
			}
			return gatewayBot{s.cfg.PublicGatewayURL, shards, limit{total, remaining, resetAfter, maxConc}}, nil
		}),
	}
}
