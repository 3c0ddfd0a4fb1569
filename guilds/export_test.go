package guilds

// WaitDeliveries waits for the interaction POSTs in flight (tests assert on their outcome).
func (s *Service) WaitDeliveries() { s.deliveries.Wait() }

// DecodeEndpointAnswer exposes the endpoint answer decoder to the fuzz target.
var DecodeEndpointAnswer = decodeEndpointAnswer
