-- Two functions that save a group commit a round trip each (docs/audit.md "Who seals", store/pgbatch.go).
-- Both run several statements, and a VOLATILE function takes a fresh snapshot for each statement it runs:
-- what a statement reads after a lock was granted includes the rows of the transaction that held it.

-- lock_audit_head takes the audit chain's lock and returns its head (store.Tx.lockAuditHead). Every
-- transaction that chains audit rows takes the chain's advisory lock at its end, reads the head there and
-- holds the lock to its commit: as two statements, the holder waited on one round trip more while the other
-- nodes' commits waited on it. The lock's key lives here only (store.Tx.LockAuditChain calls this too). No
-- row: the chain is empty, or retention removed every row (the head is then the last checkpoint's).
CREATE FUNCTION lock_audit_head() RETURNS TABLE (seq BIGINT, hash BYTEA) LANGUAGE sql VOLATILE AS $$
	SELECT pg_advisory_xact_lock(7720418, hashtext(current_schema()));
	SELECT e.seq, e.hash FROM audit_events e WHERE e.seq IS NOT NULL ORDER BY e.seq DESC LIMIT 1;
$$;

-- lock_conversations locks the rows of the conversations a group commit sends to (store.Tx.
-- lockConversations), in id order: those of wait waiting for each lock, then those of skip that no other
-- transaction holds (SKIP LOCKED). It returns, for every conversation it locked, its org, patient tag and
-- each member, with the highest sequence number of its messages, read after the locks.
CREATE FUNCTION lock_conversations(wait TEXT[], skip TEXT[])
RETURNS TABLE (id TEXT, org_id TEXT, patient_id TEXT, user_id TEXT, last_seq BIGINT) LANGUAGE plpgsql VOLATILE AS $$
#variable_conflict use_column
DECLARE
	locked TEXT[];
BEGIN
	PERFORM 1 FROM conversations c WHERE c.id = ANY(wait) ORDER BY c.id FOR UPDATE;
	SELECT array_agg(l.id) INTO locked
		FROM (SELECT c.id FROM conversations c WHERE c.id = ANY(skip) ORDER BY c.id FOR UPDATE SKIP LOCKED) l;
	RETURN QUERY SELECT c.id, c.org_id, c.patient_id, cm.user_id,
			(SELECT COALESCE(MAX(m.seq), 0) FROM messages m WHERE m.conversation_id = c.id)
		FROM conversations c JOIN conversation_members cm ON cm.conversation_id = c.id
		WHERE c.id = ANY(wait) OR c.id = ANY(locked);
END
$$;
