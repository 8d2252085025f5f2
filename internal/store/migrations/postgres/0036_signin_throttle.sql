-- The sign-in throttle's counts, shared by the nodes of a cluster (internal/cluster): one row per throttled key
-- (an account, a source address), named by an HMAC under a master-wrapped key, never in the clear. level is the
-- leaky bucket's failures as of at (microseconds); blocked_until is when the key may try again; a row whose
-- failures have drained and whose block has passed (expires) is purged by the job leader.
CREATE TABLE signin_throttle (
	key           TEXT PRIMARY KEY,
	level         DOUBLE PRECISION NOT NULL,
	at            BIGINT NOT NULL,
	blocked_until BIGINT NOT NULL,
	expires       BIGINT NOT NULL
);
CREATE INDEX signin_throttle_expires ON signin_throttle (expires);
