-- Scheduled events, their subscribers, stickers, application emojis, stage instances,
-- soundboard sounds and the bytes behind image hashes (avatars, icons, event covers).
CREATE TABLE scheduled_events (
	guild_id BIGINT NOT NULL,
	id BIGINT NOT NULL,
	data TEXT NOT NULL,
	PRIMARY KEY (guild_id, id)
);

-- exception_id 0 is the whole series.
CREATE TABLE scheduled_event_users (
	guild_id BIGINT NOT NULL,
	event_id BIGINT NOT NULL,
	exception_id BIGINT NOT NULL,
	user_id BIGINT NOT NULL,
	PRIMARY KEY (event_id, exception_id, user_id)
);
CREATE INDEX scheduled_event_users_guild ON scheduled_event_users (guild_id, user_id);

CREATE TABLE stickers (
	id BIGINT PRIMARY KEY,
	guild_id BIGINT NOT NULL,
	data TEXT NOT NULL,
	image BYTEA
);
CREATE INDEX stickers_guild ON stickers (guild_id, id);

CREATE TABLE application_emojis (
	guild_id BIGINT NOT NULL,
	id BIGINT NOT NULL,
	data TEXT NOT NULL,
	image BYTEA,
	PRIMARY KEY (guild_id, id)
);

CREATE TABLE stage_instances (
	channel_id BIGINT PRIMARY KEY,
	guild_id BIGINT NOT NULL,
	id BIGINT NOT NULL,
	data TEXT NOT NULL
);
CREATE INDEX stage_instances_guild ON stage_instances (guild_id, id);

CREATE TABLE soundboard_sounds (
	id BIGINT PRIMARY KEY,
	guild_id BIGINT NOT NULL,
	data TEXT NOT NULL,
	sound BYTEA
);
CREATE INDEX soundboard_sounds_guild ON soundboard_sounds (guild_id, id);

CREATE TABLE images (
	kind TEXT NOT NULL,
	owner_id BIGINT NOT NULL,
	hash TEXT NOT NULL,
	data BYTEA NOT NULL,
	PRIMARY KEY (kind, owner_id, hash)
);
