-- Uploaded message files. The bytes live here rather than in the message document so that
-- history reads never load them; message_id and channel_id drive the delete cascades.
CREATE TABLE attachments (
	id INTEGER PRIMARY KEY,
	channel_id INTEGER NOT NULL,
	message_id INTEGER NOT NULL,
	filename TEXT NOT NULL,
	content_type TEXT NOT NULL,
	size INTEGER NOT NULL,
	data BLOB NOT NULL
);
CREATE INDEX attachments_message ON attachments (message_id);
CREATE INDEX attachments_channel ON attachments (channel_id);
