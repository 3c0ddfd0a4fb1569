-- Application commands. guild_id 0 is the global scope; type and name are unique per scope
-- (Discord's rule), everything else is the domain's JSON document.
CREATE TABLE commands (
	id INTEGER PRIMARY KEY,
	application_id INTEGER NOT NULL,
	guild_id INTEGER NOT NULL,
	type INTEGER NOT NULL,
	name TEXT NOT NULL,
	version INTEGER NOT NULL,
	data TEXT NOT NULL
);
CREATE UNIQUE INDEX commands_scope_name ON commands (application_id, guild_id, type, name);
CREATE INDEX commands_guild ON commands (guild_id);

-- Per-guild permission overwrites of one command (command_id = application_id: all of them).
CREATE TABLE command_permissions (
	application_id INTEGER NOT NULL,
	guild_id INTEGER NOT NULL,
	command_id INTEGER NOT NULL,
	data TEXT NOT NULL,
	PRIMARY KEY (application_id, guild_id, command_id)
);
CREATE INDEX command_permissions_guild ON command_permissions (guild_id);
CREATE INDEX command_permissions_command ON command_permissions (command_id);

-- Guilds an application was authorized in with applications.commands alone.
CREATE TABLE command_installs (
	application_id INTEGER NOT NULL,
	guild_id INTEGER NOT NULL,
	PRIMARY KEY (application_id, guild_id)
);
CREATE INDEX command_installs_guild ON command_installs (guild_id);
