-- Key and indexed fields are columns; the rest of each record is a JSON document in data.
-- Times are Unix nanoseconds. Snowflakes are stored as BIGINT (bit-identical to the uint64).

CREATE TABLE users (
	id BIGINT PRIMARY KEY,
	username_key TEXT NOT NULL,
	bot BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	data TEXT NOT NULL
);
CREATE UNIQUE INDEX users_human_username ON users (username_key) WHERE bot = 0;

CREATE TABLE applications (
	id BIGINT PRIMARY KEY,
	owner_id BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	data TEXT NOT NULL
);
CREATE INDEX applications_owner ON applications (owner_id, id);

CREATE TABLE refresh_tokens (
	id TEXT PRIMARY KEY,
	user_id BIGINT NOT NULL,
	family_id TEXT NOT NULL,
	expires_at BIGINT NOT NULL,
	used_at BIGINT,
	revoked BIGINT NOT NULL
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

CREATE TABLE guilds (
	id BIGINT PRIMARY KEY,
	created_at BIGINT NOT NULL,
	data TEXT NOT NULL
);

CREATE TABLE channels (
	id BIGINT PRIMARY KEY,
	guild_id BIGINT NOT NULL,
	position BIGINT NOT NULL,
	last_message_id BIGINT NOT NULL,
	dm_key TEXT,
	data TEXT NOT NULL
);
CREATE INDEX channels_guild ON channels (guild_id, position, id);
CREATE INDEX channels_dm ON channels (dm_key) WHERE dm_key IS NOT NULL;

CREATE TABLE roles (
	guild_id BIGINT NOT NULL,
	id BIGINT NOT NULL,
	position BIGINT NOT NULL,
	data TEXT NOT NULL,
	PRIMARY KEY (guild_id, id)
);

CREATE TABLE members (
	guild_id BIGINT NOT NULL,
	user_id BIGINT NOT NULL,
	nick_key TEXT,
	data TEXT NOT NULL,
	PRIMARY KEY (guild_id, user_id)
);
CREATE INDEX members_user ON members (user_id, guild_id);

CREATE TABLE messages (
	id BIGINT PRIMARY KEY,
	channel_id BIGINT NOT NULL,
	guild_id BIGINT NOT NULL,
	author_id BIGINT NOT NULL,
	pinned BIGINT NOT NULL,
	pinned_at BIGINT NOT NULL,
	data TEXT NOT NULL
);
CREATE INDEX messages_channel ON messages (channel_id, id);
CREATE INDEX messages_pinned ON messages (channel_id, pinned_at) WHERE pinned = 1;

CREATE TABLE reactions (
	message_id BIGINT NOT NULL,
	emoji_key TEXT NOT NULL,
	user_id BIGINT NOT NULL,
	channel_id BIGINT NOT NULL,
	emoji_id BIGINT NOT NULL,
	emoji_name TEXT NOT NULL,
	emoji_animated BIGINT NOT NULL,
	burst BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	PRIMARY KEY (message_id, emoji_key, user_id)
);

CREATE TABLE bans (
	guild_id BIGINT NOT NULL,
	user_id BIGINT NOT NULL,
	reason TEXT,
	PRIMARY KEY (guild_id, user_id)
);

CREATE TABLE invites (
	code TEXT PRIMARY KEY,
	guild_id BIGINT NOT NULL,
	channel_id BIGINT NOT NULL,
	max_uses BIGINT NOT NULL,
	uses BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	data TEXT NOT NULL
);
CREATE INDEX invites_guild ON invites (guild_id);
CREATE INDEX invites_channel ON invites (channel_id);

CREATE TABLE webhooks (
	id BIGINT PRIMARY KEY,
	guild_id BIGINT NOT NULL,
	channel_id BIGINT NOT NULL,
	data TEXT NOT NULL
);
CREATE INDEX webhooks_guild ON webhooks (guild_id, id);
CREATE INDEX webhooks_channel ON webhooks (channel_id, id);

CREATE TABLE emojis (
	guild_id BIGINT NOT NULL,
	id BIGINT NOT NULL,
	data TEXT NOT NULL,
	image BYTEA,
	PRIMARY KEY (guild_id, id)
);

CREATE TABLE settings (
	key TEXT PRIMARY KEY,
	value BYTEA NOT NULL
);
