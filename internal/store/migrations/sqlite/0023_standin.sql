-- STAND-IN for the inbox helper's 0023 (h-replies only; the lead keeps the real one).
SELECT 1;
