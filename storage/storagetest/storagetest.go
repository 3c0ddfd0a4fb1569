// Package storagetest is the conformance suite every storage backend must pass, so the
// domain can rely on the contract in package storage rather than on one implementation.
package storagetest

import (
	"testing"

	"github.com/parley-chat/parley/storage"
)

// Run runs the suite. open must return an empty store for each call; Run closes every store
// it opens when that store's subtest ends, so open only has to clean up what lies beneath
// (a directory, a schema). Subtests run in parallel, each on its own store.
func Run(t *testing.T, open func(t *testing.T) storage.Store) {
	t.Helper()
	tests := []struct {
		name string
		fn   func(*testing.T, storage.Store)
	}{
		{"Users", testUsers},
		{"Applications", testApplications},
		{"ApplicationKeys", testApplicationKeys},
		{"Tokens", testTokens},
		{"Guilds", testGuilds},
		{"GuildDeleteCascade", testGuildDelete},
		{"Channels", testChannels},
		{"ChannelDeleteCascade", testChannelDelete},
		{"Roles", testRoles},
		{"Members", testMembers},
		{"Messages", testMessages},
		{"MessagePages", testMessagePages},
		{"MessagesConcurrent", testMessagesConcurrent},
		{"Reactions", testReactions},
		{"Bans", testBans},
		{"Invites", testInvites},
		{"Webhooks", testWebhooks},
		{"Emojis", testEmojis},
		{"Settings", testSettings},
		{"Attachments", testAttachments},
		{"AttachmentCascades", testAttachmentCascades},
		{"Commands", testCommands},
		{"CommandGuildCascade", testCommandGuildCascade},
		{"AuditLog", testAuditLog},
		{"AutoModRules", testAutoModRules},
		{"GuildConfigs", testGuildConfigs},
		{"Templates", testTemplates},
		{"VoiceStates", testVoiceStates},
		{"Activity", testActivity},
		{"Threads", testThreads},
		{"Interactions", testInteractions},
		{"InteractionAckRace", testInteractionAckRace},
		{"ScheduledEvents", testScheduledEvents},
		{"Stickers", testStickers},
		{"ApplicationEmojis", testApplicationEmojis},
		{"StageInstances", testStageInstances},
		{"Sounds", testSounds},
		{"Images", testImages},
		{"ContentGuildCascade", testContentGuildCascade},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			s := open(t)
			t.Cleanup(func() {
				if err := s.Close(); err != nil {
					t.Errorf("close: %v", err)
				}
			})
			tc.fn(t, s)
		})
	}
}
