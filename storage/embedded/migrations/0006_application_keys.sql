-- Each application's Ed25519 key pair for signing the interactions Parley POSTs to its
-- interactions endpoint URL (public_key is the application object's verify_key). One row per
-- application, written once: a key is never replaced.
CREATE TABLE application_keys (
	application_id INTEGER PRIMARY KEY,
	public_key BLOB NOT NULL,
	private_key BLOB NOT NULL,
	created_at INTEGER NOT NULL
);
