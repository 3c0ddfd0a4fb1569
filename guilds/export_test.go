package guilds

// WaitDeliveries waits for the interaction POSTs in flight (tests assert on their outcome).
func (s *Service) WaitDeliveries() { s.deliveries.Wait() }
