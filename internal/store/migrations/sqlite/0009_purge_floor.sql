-- The lifespan job walks a conversation's messages in sequence order from its purge floor
-- (every message up to purged_through is purged or recalled) instead of scanning an index on
-- (conversation, age): that index cost every send one more b-tree insert at a random place
-- (about a tenth of a send's store time on SQLite, BenchmarkSendMessageParallel).
ALTER TABLE conversations ADD COLUMN purged_through BIGINT NOT NULL DEFAULT 0;
DROP INDEX messages_age;
