-- PLACEHOLDER of branch h-outside only, so that its 0028 runs: the lead drops this file at merge
-- (another branch brings the real 0027).
SELECT 1;
