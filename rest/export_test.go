package rest

// Declared is one route declaration as the external tests see it: the coverage document and
// the OpenAPI validation work from these, not from Fiber's route table.
type Declared struct {
	Method, Path string
	OpID         string // "" for Parley's own operations
	Auth         string // public, anyone, humans, bots
	Audited      bool
	Status       int
}

// Declared lists the server's declarations in registration order.
func (s *Server) Declared() []Declared {
	out := make([]Declared, 0, len(s.decls))
	for _, rt := range s.decls {
		out = append(out, Declared{Method: rt.method, Path: rt.path, OpID: rt.opID,
			Auth: [...]string{"public", "anyone", "humans", "bots"}[rt.auth], Audited: rt.audit, Status: rt.status})
	}
	return out
}
