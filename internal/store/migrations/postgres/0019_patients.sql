-- Placeholder: the patient records branch (h-records) ships the real 0019_patients.sql. At merge, take
-- theirs; this file exists only so the teams branch (0020) migrates on its own. It changes nothing.
SELECT 1;
