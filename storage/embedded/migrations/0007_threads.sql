-- Threads are channels. thread_parent_id is a thread's parent (0 for every other channel), so
-- the guild's channel list leaves threads out and the thread lists are index scans. The archive
-- state is mirrored from the document for those lists and the auto-archive sweep: archive_ts
-- (Unix ms of the last archive-state change) and auto_archive (minutes). The counters are kept
-- here, not in the document, so that the triggers below move them in the message's own INSERT
-- or DELETE and a stale copy of the document cannot move them back.
ALTER TABLE channels ADD COLUMN thread_parent_id INTEGER NOT NULL DEFAULT 0;
ALTER TABLE channels ADD COLUMN thread_private INTEGER NOT NULL DEFAULT 0;
ALTER TABLE channels ADD COLUMN archived INTEGER NOT NULL DEFAULT 0;
ALTER TABLE channels ADD COLUMN archive_ts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE channels ADD COLUMN auto_archive INTEGER NOT NULL DEFAULT 0;
ALTER TABLE channels ADD COLUMN message_count INTEGER NOT NULL DEFAULT 0;
ALTER TABLE channels ADD COLUMN total_message_sent INTEGER NOT NULL DEFAULT 0;
ALTER TABLE channels ADD COLUMN member_count INTEGER NOT NULL DEFAULT 0;
CREATE INDEX channels_archived_threads ON channels (thread_parent_id, thread_private, archive_ts) WHERE thread_parent_id <> 0 AND archived = 1;
CREATE INDEX channels_active_threads ON channels (guild_id, id) WHERE thread_parent_id <> 0 AND archived = 0;

CREATE TABLE thread_members (
	thread_id INTEGER NOT NULL,
	user_id INTEGER NOT NULL,
	guild_id INTEGER NOT NULL,
	data TEXT NOT NULL,
	PRIMARY KEY (thread_id, user_id)
);
CREATE INDEX thread_members_user ON thread_members (user_id, thread_id);
CREATE INDEX thread_members_guild ON thread_members (guild_id);

-- A message in a thread counts, except a forum post's first message (its ID is the thread's).
CREATE TRIGGER messages_thread_count AFTER INSERT ON messages
BEGIN
	UPDATE channels SET message_count = message_count + 1, total_message_sent = total_message_sent + 1
	WHERE id = NEW.channel_id AND thread_parent_id <> 0 AND NEW.id <> NEW.channel_id;
END;

CREATE TRIGGER messages_thread_uncount AFTER DELETE ON messages
BEGIN
	UPDATE channels SET message_count = message_count - 1
	WHERE id = OLD.channel_id AND thread_parent_id <> 0 AND OLD.id <> OLD.channel_id AND message_count > 0;
END;
