package gateway

import (
	"testing"

	"github.com/parley-chat/parley/guilds/events/eventstest"
)

// TestMemoryPresencesConformance runs the shared PresenceStore contract on MemoryPresences.
func TestMemoryPresencesConformance(t *testing.T) {
	eventstest.TestPresences(t, eventstest.PresenceImpl{
		New: func(*testing.T) eventstest.PresenceStore { return NewMemoryPresences() },
	})
}

// TestMemoryIdentifyLimiterConformance runs the shared IdentifyLimiter contract on
// MemoryIdentifyLimiter.
func TestMemoryIdentifyLimiterConformance(t *testing.T) {
	eventstest.TestIdentifyLimiter(t, eventstest.IdentifyImpl{
		New: func(*testing.T) eventstest.IdentifyLimiter { return NewMemoryIdentifyLimiter(nil) },
	})
}

var (
	_ PresenceStore   = (*MemoryPresences)(nil)
	_ IdentifyLimiter = (*MemoryIdentifyLimiter)(nil)
)
