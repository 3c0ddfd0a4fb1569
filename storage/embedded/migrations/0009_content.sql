-- Scheduled events, their subscribers, stickers, application emojis, stage instances,
-- soundboard sounds and the bytes behind image hashes (avatars, icons, event covers).
CREATE TABLE scheduled_events (
	guild_id INTEGER NOT NULL,
	id INTEGER NOT NULL,
	data TEXT NOT NULL,
	PRIMARY KEY (guild_id, id)
);

-- exception_id 0 is the whole series.
CREATE TABLE scheduled_event_users (
	guild_id INTEGER NOT NULL,
	event_id INTEGER NOT NULL,
	exception_id INTEGER NOT NULL,
	user_id INTEGER NOT NULL,
	PRIMARY KEY (event_id, exception_id, user_id)
);
CREATE INDEX scheduled_event_users_guild ON scheduled_event_users (guild_id, user_id);

CREATE TABLE stickers (
	id INTEGER PRIMARY KEY,
	guild_id INTEGER NOT NULL,
	data TEXT NOT NULL,
	image BLOB
);
CREATE INDEX stickers_guild ON stickers (guild_id, id);

CREATE TABLE application_emojis (
	guild_id INTEGER NOT NULL,
	id INTEGER NOT NULL,
	data TEXT NOT NULL,
	image BLOB,
	PRIMARY KEY (guild_id, id)
);

CREATE TABLE stage_instances (
	channel_id INTEGER PRIMARY KEY,
	guild_id INTEGER NOT NULL,
	id INTEGER NOT NULL,
	data TEXT NOT NULL
);
CREATE INDEX stage_instances_guild ON stage_instances (guild_id, id);

CREATE TABLE soundboard_sounds (
	id INTEGER PRIMARY KEY,
	guild_id INTEGER NOT NULL,
	data TEXT NOT NULL,
	sound BLOB
);
CREATE INDEX soundboard_sounds_guild ON soundboard_sounds (guild_id, id);

CREATE TABLE images (
	kind TEXT NOT NULL,
	owner_id INTEGER NOT NULL,
	hash TEXT NOT NULL,
	data BLOB NOT NULL,
	PRIMARY KEY (kind, owner_id, hash)
);
