package gateway

import (
	"sync"

	"github.com/parley-chat/parley/opcodes"
	"github.com/parley-chat/parley/snowflake"
)

// presenceFor renders a stored presence as Discord's presence object in a guild.
func presenceFor(userID, guildID snowflake.ID, d opcodes.PresenceUpdateData) opcodes.Presence {
	acts := d.Activities
	if acts == nil {
		acts = []opcodes.Activity{}
	}
	status := d.Status
	if status == "invisible" {
		status = "offline"
	}
	p := opcodes.Presence{User: opcodes.PartialUser{ID: userID}, GuildID: guildID, Status: status, Activities: acts}
	if status != "offline" {
		p.ClientStatus.Desktop = status
	}
	return p
}

// statsTable counts Identifies and Resumes per user for the test controls.
type statsTable struct {
	mu sync.Mutex
	m  map[snowflake.ID]*userStats
}

type userStats struct{ identifies, resumes int }

func newStatsTable() *statsTable { return &statsTable{m: make(map[snowflake.ID]*userStats)} }

func (t *statsTable) add(userID snowflake.ID, identify bool) {
	t.mu.Lock()
	st := t.m[userID]
	if st == nil {
		st = &userStats{}
		t.m[userID] = st
	}
	if identify {
		st.identifies++
	} else {
		st.resumes++
	}
	t.mu.Unlock()
}

func (t *statsTable) get(userID snowflake.ID) (identifies, resumes int) {
	t.mu.Lock()
	defer t.mu.Unlock()
	if st := t.m[userID]; st != nil {
		return st.identifies, st.resumes
	}
	return 0, 0
}
