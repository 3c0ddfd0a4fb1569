package events_test

import (
	"testing"

	"github.com/parley-chat/parley/guilds/events"
	"github.com/parley-chat/parley/guilds/events/eventstest"
)

func TestMemoryConformance(t *testing.T) {
	eventstest.Run(t, eventstest.Impl{New: func(*testing.T) events.Broker { return events.NewMemory() }})
}
