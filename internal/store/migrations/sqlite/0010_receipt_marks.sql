-- Receipts of normal messages become each member's positions in a conversation: delivered_seq
-- and read_seq on conversation_members, and receipt_marks, one row each time a position moved
-- (the time a message was delivered or read is that of the first mark at or past its seq).
-- A send no longer writes a row per recipient (a group message to 40 wrote 39), and marking a
-- conversation delivered or read writes two rows however many messages it covers.
-- Urgent messages keep their receipt rows: each recipient acknowledges each one.
ALTER TABLE conversation_members ADD COLUMN delivered_seq BIGINT NOT NULL DEFAULT 0;
ALTER TABLE conversation_members ADD COLUMN read_seq BIGINT NOT NULL DEFAULT 0;

CREATE TABLE receipt_marks (
	conversation_id TEXT NOT NULL,
	user_id         TEXT NOT NULL,
	kind            TEXT NOT NULL,            -- delivered | read
	up_to_seq       BIGINT NOT NULL,
	at              BIGINT NOT NULL,          -- Unix microseconds
	PRIMARY KEY (conversation_id, user_id, kind, up_to_seq)
) WITHOUT ROWID;

-- Carry the normal messages' receipts over as marks, one per receipted message.
INSERT INTO receipt_marks (conversation_id, user_id, kind, up_to_seq, at)
	SELECT conversation_id, user_id, 'delivered', seq, delivered_at FROM receipts WHERE urgent = 0 AND delivered_at > 0;
INSERT INTO receipt_marks (conversation_id, user_id, kind, up_to_seq, at)
	SELECT conversation_id, user_id, 'read', seq, read_at FROM receipts WHERE urgent = 0 AND read_at > 0;
UPDATE conversation_members SET
	delivered_seq = COALESCE((SELECT MAX(k.up_to_seq) FROM receipt_marks k WHERE k.conversation_id = conversation_members.conversation_id
		AND k.user_id = conversation_members.user_id AND k.kind = 'delivered'), 0),
	read_seq = COALESCE((SELECT MAX(k.up_to_seq) FROM receipt_marks k WHERE k.conversation_id = conversation_members.conversation_id
		AND k.user_id = conversation_members.user_id AND k.kind = 'read'), 0);
DELETE FROM receipts WHERE urgent = 0;
