-- Audit log entries: the ID orders and dates them (retention deletes by it); who did what to
-- which target are columns for the list filters, the changes/options/reason document is data.
CREATE TABLE audit_log_entries (
	id BIGINT PRIMARY KEY,
	guild_id BIGINT NOT NULL,
	action_type BIGINT NOT NULL,
	user_id BIGINT NOT NULL,
	target_id BIGINT NOT NULL,
	data TEXT NOT NULL
);
CREATE INDEX audit_log_entries_guild ON audit_log_entries (guild_id, id);

-- Auto moderation rules: trigger_type is a column because Discord caps rules per type and
-- guild; everything else is the domain's JSON document.
CREATE TABLE automod_rules (
	id BIGINT PRIMARY KEY,
	guild_id BIGINT NOT NULL,
	creator_id BIGINT NOT NULL,
	trigger_type BIGINT NOT NULL,
	data TEXT NOT NULL
);
CREATE INDEX automod_rules_guild ON automod_rules (guild_id, trigger_type);
