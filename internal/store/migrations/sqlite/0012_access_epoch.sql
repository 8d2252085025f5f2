-- A counter that every change able to end or restrict a session bumps in its own transaction
-- (sign-out, revocation, lock, wipe, disable, role, policy, enrolment). A node keeps a cached
-- session past its few seconds while the counter has not moved, instead of reading the session,
-- its device, its user and the org's policy again: a change made by another node or by the
-- command line is still seen within the cache's bound.
CREATE TABLE access_epoch (id INTEGER PRIMARY KEY CHECK (id = 1), n BIGINT NOT NULL);
INSERT INTO access_epoch (id, n) VALUES (1, 0);
