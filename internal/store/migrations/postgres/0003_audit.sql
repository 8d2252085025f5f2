-- audit tables: written by the audit work (placeholder until then).
SELECT 1;
