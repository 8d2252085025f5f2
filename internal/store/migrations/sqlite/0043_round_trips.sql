-- Nothing on SQLite: PostgreSQL's 0043 adds two functions that save a group commit round trips to the
-- server (lock_audit_head, lock_conversations); SQLite's writer runs in-process and alone. The file keeps
-- the two dialects' versions in step.
SELECT 1;
