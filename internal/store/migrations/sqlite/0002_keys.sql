-- keyring tables: written by the keyring work (placeholder until then).
SELECT 1;
