-- Audit rows chained by PostgreSQL, in the statement that inserts them (store.Tx.InsertAuditRows,
-- docs/audit.md "Who seals"). A transaction that chains rows holds the chain's lock from its head's read to
-- its commit; when the holder read the head and computed the hashes itself, the lock stayed held over a
-- round trip and over the time the holder's process took to get a core, and under load from two nodes
-- the other node's commits spent a quarter of their time waiting on it. Here the INSERT's rows come with
-- their canonical encodings (internal/audit, with seq 0), and this function, called by the INSERT, takes
-- the lock, reads the head (lock_audit_head, or the last checkpoint when retention removed every row)
-- and returns each row's seq, previous hash and hash: SHA-256(previous hash || the canonical encoding
-- with the seq written big-endian into its bytes 1 to 8), the hash internal/audit computes and
-- `ward audit verify` checks. The encoding keeps its seq there in every version (a new layout is a new
-- version byte; audit/canonical.go).
CREATE FUNCTION chain_audit_rows(canon BYTEA[], OUT seq BIGINT, OUT prev_hash BYTEA, OUT hash BYTEA)
	RETURNS SETOF RECORD LANGUAGE plpgsql VOLATILE AS $$
DECLARE
	c BYTEA;
BEGIN
	SELECT l.seq, l.hash INTO seq, hash FROM lock_audit_head() l;
	IF seq IS NULL THEN
		SELECT k.seq, k.hash INTO seq, hash FROM audit_checkpoints k ORDER BY k.n DESC LIMIT 1;
	END IF;
	IF seq IS NULL OR seq = 0 THEN
		seq := 0;
		hash := decode(repeat('00', 32), 'hex');
	END IF;
	FOREACH c IN ARRAY canon LOOP
		seq := seq + 1;
		prev_hash := hash;
		hash := sha256(hash || overlay(c PLACING int8send(seq) FROM 2));
		RETURN NEXT;
	END LOOP;
END
$$;
