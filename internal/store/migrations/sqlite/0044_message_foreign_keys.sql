-- Nothing on SQLite: PostgreSQL's 0044 drops the messages' foreign keys to their conversation and org,
-- which the transaction that stores a message checks under the conversation's row lock. SQLite's checks
-- are index lookups in the writer's process, and dropping them would mean copying the table. The file
-- keeps the two dialects' versions in step.
SELECT 1;
