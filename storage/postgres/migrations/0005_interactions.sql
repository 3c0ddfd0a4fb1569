-- Live interactions (15 minutes) and their ephemeral messages, shared by every node. The token
-- is stored as its SHA-256 (hex); data is the domain's JSON document.
CREATE TABLE interactions (
	id BIGINT PRIMARY KEY,
	application_id BIGINT NOT NULL,
	type BIGINT NOT NULL,
	guild_id BIGINT NOT NULL,
	channel_id BIGINT NOT NULL,
	user_id BIGINT NOT NULL,
	token_hash TEXT NOT NULL,
	created_at BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	acknowledged BIGINT NOT NULL DEFAULT 0,
	response_type BIGINT NOT NULL DEFAULT 0,
	response_message_id BIGINT NOT NULL DEFAULT 0,
	data TEXT NOT NULL
);
CREATE UNIQUE INDEX interactions_token ON interactions (token_hash);
CREATE INDEX interactions_expires ON interactions (expires_at);

-- Ephemeral messages: visible to user_id only, never in a channel's history.
CREATE TABLE interaction_messages (
	id BIGINT PRIMARY KEY,
	interaction_id BIGINT NOT NULL,
	user_id BIGINT NOT NULL,
	expires_at BIGINT NOT NULL,
	data TEXT NOT NULL
);
CREATE INDEX interaction_messages_expires ON interaction_messages (expires_at);
