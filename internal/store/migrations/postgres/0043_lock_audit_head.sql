-- The audit chain's lock and head in one round trip (store.Tx.chainRows, docs/audit.md "Who seals").
-- Every transaction that chains audit rows takes the chain's advisory lock at its end and reads the head
-- there, and holds the lock to its commit: as two statements, the holder waited on one round trip more
-- while the other nodes' commits waited on it. A VOLATILE function takes a fresh snapshot for each
-- statement it runs, so the head it reads is the one after the lock was granted, with the rows of the
-- transaction that held the lock before. It is plpgsql, whose statements' plans a session keeps (a SQL
-- function's are made again at every call; pgbench, one client: 0.28 ms a transaction with BEGIN and
-- COMMIT, against 0.32 as a SQL function and 0.36 as the two statements). The lock's key lives here only
-- (store.Tx.LockAuditChain calls this too). seq is NULL when the chain has no row: it is empty, or
-- retention removed every row (the head is then the last checkpoint's).
CREATE FUNCTION lock_audit_head(OUT seq BIGINT, OUT hash BYTEA) LANGUAGE plpgsql VOLATILE AS $$
BEGIN
	PERFORM pg_advisory_xact_lock(7720418, hashtext(current_schema()));
	SELECT e.seq, e.hash INTO seq, hash FROM audit_events e WHERE e.seq IS NOT NULL ORDER BY e.seq DESC LIMIT 1;
END
$$;
