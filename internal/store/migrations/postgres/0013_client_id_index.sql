-- A message's client id is unique per sender and conversation as before, but the index that keeps it so
-- leads with the client id: (client_id, sender_id, conversation_id) instead of (conversation_id, sender_id,
-- client_id). Clients that make time-ordered client ids (UUIDv7, as ward's own do) then add each message's
-- entry at the end of the index instead of at a place of its conversation's own (SQLite's migration 0013
-- says why that matters there; the schemas stay alike).
CREATE UNIQUE INDEX messages_client ON messages (client_id, sender_id, conversation_id);
ALTER TABLE messages DROP CONSTRAINT messages_conversation_id_sender_id_client_id_key;
