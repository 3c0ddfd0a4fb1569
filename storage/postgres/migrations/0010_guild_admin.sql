-- Guild administration documents (widget, welcome screen, onboarding, incident actions): one
-- JSON document per guild and kind, owned by the domain.
CREATE TABLE guild_configs (
	guild_id BIGINT NOT NULL,
	kind TEXT NOT NULL,
	data BYTEA NOT NULL,
	PRIMARY KEY (guild_id, kind)
);

-- Guild templates; the code is global, the snapshot is the domain's JSON document.
CREATE TABLE guild_templates (
	code TEXT PRIMARY KEY,
	guild_id BIGINT NOT NULL,
	created_at BIGINT NOT NULL,
	usage_count BIGINT NOT NULL,
	data TEXT NOT NULL
);
CREATE INDEX guild_templates_guild ON guild_templates (guild_id, created_at);

-- Voice states: one per (guild, user), found by channel (user limits), by gateway session
-- (the session ended) and by node (the node restarted).
CREATE TABLE voice_states (
	guild_id BIGINT NOT NULL,
	user_id BIGINT NOT NULL,
	channel_id BIGINT NOT NULL,
	session_id TEXT NOT NULL,
	node BIGINT NOT NULL,
	data TEXT NOT NULL,
	PRIMARY KEY (guild_id, user_id)
);
CREATE INDEX voice_states_channel ON voice_states (channel_id);
CREATE INDEX voice_states_session ON voice_states (session_id);
CREATE INDEX voice_states_node ON voice_states (node);

-- Guild prune asks who posted in a guild recently.
CREATE INDEX messages_guild_author ON messages (guild_id, id, author_id);
