-- Key and indexed fields are columns; the rest of each record is a JSON document in data.
-- Times are Unix nanoseconds. INTEGER PRIMARY KEY makes snowflake IDs the rowid.

CREATE TABLE users (
	id INTEGER PRIMARY KEY,
	username_key TEXT NOT NULL,
	bot INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	data TEXT NOT NULL
);
CREATE UNIQUE INDEX users_human_username ON users (username_key) WHERE bot = 0;

CREATE TABLE applications (
	id INTEGER PRIMARY KEY,
	owner_id INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	data TEXT NOT NULL
);
CREATE INDEX applications_owner ON applications (owner_id, id);

CREATE TABLE refresh_tokens (
	id TEXT PRIMARY KEY,
	user_id INTEGER NOT NULL,
	family_id TEXT NOT NULL,
	expires_at INTEGER NOT NULL,
	used_at INTEGER,
	revoked INTEGER NOT NULL
);
CREATE INDEX refresh_tokens_family ON refresh_tokens (family_id);

CREATE TABLE guilds (
	id INTEGER PRIMARY KEY,
	created_at INTEGER NOT NULL,
	data TEXT NOT NULL
);

CREATE TABLE channels (
	id INTEGER PRIMARY KEY,
	guild_id INTEGER NOT NULL,
	position INTEGER NOT NULL,
	last_message_id INTEGER NOT NULL,
	dm_key TEXT,
	data TEXT NOT NULL
);
CREATE INDEX channels_guild ON channels (guild_id, position, id);
CREATE INDEX channels_dm ON channels (dm_key) WHERE dm_key IS NOT NULL;

CREATE TABLE roles (
	guild_id INTEGER NOT NULL,
	id INTEGER NOT NULL,
	position INTEGER NOT NULL,
	data TEXT NOT NULL,
	PRIMARY KEY (guild_id, id)
);

CREATE TABLE members (
	guild_id INTEGER NOT NULL,
	user_id INTEGER NOT NULL,
	nick_key TEXT,
	data TEXT NOT NULL,
	PRIMARY KEY (guild_id, user_id)
);
CREATE INDEX members_user ON members (user_id, guild_id);

CREATE TABLE messages (
	id INTEGER PRIMARY KEY,
	channel_id INTEGER NOT NULL,
	guild_id INTEGER NOT NULL,
	author_id INTEGER NOT NULL,
	pinned INTEGER NOT NULL,
	pinned_at INTEGER NOT NULL,
	data TEXT NOT NULL
);
CREATE INDEX messages_channel ON messages (channel_id, id);
CREATE INDEX messages_pinned ON messages (channel_id, pinned_at) WHERE pinned = 1;

CREATE TABLE reactions (
	message_id INTEGER NOT NULL,
	emoji_key TEXT NOT NULL,
	user_id INTEGER NOT NULL,
	channel_id INTEGER NOT NULL,
	emoji_id INTEGER NOT NULL,
	emoji_name TEXT NOT NULL,
	emoji_animated INTEGER NOT NULL,
	burst INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	PRIMARY KEY (message_id, emoji_key, user_id)
) WITHOUT ROWID;

CREATE TABLE bans (
	guild_id INTEGER NOT NULL,
	user_id INTEGER NOT NULL,
	reason TEXT,
	PRIMARY KEY (guild_id, user_id)
);

CREATE TABLE invites (
	code TEXT PRIMARY KEY,
	guild_id INTEGER NOT NULL,
	channel_id INTEGER NOT NULL,
	max_uses INTEGER NOT NULL,
	uses INTEGER NOT NULL,
	created_at INTEGER NOT NULL,
	data TEXT NOT NULL
);
CREATE INDEX invites_guild ON invites (guild_id);
CREATE INDEX invites_channel ON invites (channel_id);

CREATE TABLE webhooks (
	id INTEGER PRIMARY KEY,
	guild_id INTEGER NOT NULL,
	channel_id INTEGER NOT NULL,
	data TEXT NOT NULL
);
CREATE INDEX webhooks_guild ON webhooks (guild_id, id);
CREATE INDEX webhooks_channel ON webhooks (channel_id, id);

CREATE TABLE emojis (
	guild_id INTEGER NOT NULL,
	id INTEGER NOT NULL,
	data TEXT NOT NULL,
	image BLOB,
	PRIMARY KEY (guild_id, id)
);

CREATE TABLE settings (
	key TEXT PRIMARY KEY,
	value BLOB NOT NULL
);
