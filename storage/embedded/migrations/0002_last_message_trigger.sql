-- Creating a message advances its channel's last_message_id (forward only) within the INSERT
-- itself: one statement and one commit per message instead of a second UPDATE.
CREATE TRIGGER messages_last_message AFTER INSERT ON messages
BEGIN
	UPDATE channels SET last_message_id = NEW.id WHERE id = NEW.channel_id AND last_message_id < NEW.id;
END;
