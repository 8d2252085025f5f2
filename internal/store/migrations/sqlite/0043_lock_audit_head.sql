-- Nothing on SQLite: PostgreSQL's 0043 adds lock_audit_head(), the audit chain's lock and head in one
-- round trip; SQLite's single writer already serialises whoever chains audit rows. The file keeps the two
-- dialects' versions in step.
SELECT 1;
