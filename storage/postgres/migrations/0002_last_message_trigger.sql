-- Creating a message advances its channel's last_message_id (forward only) within the INSERT
-- itself: one statement, one round trip and one commit per message instead of a second UPDATE.
CREATE OR REPLACE FUNCTION messages_last_message() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	UPDATE channels SET last_message_id = NEW.id WHERE id = NEW.channel_id AND last_message_id < NEW.id;
	RETURN NULL;
END
$$;

CREATE TRIGGER messages_last_message AFTER INSERT ON messages
	FOR EACH ROW EXECUTE FUNCTION messages_last_message();
