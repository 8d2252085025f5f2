-- Nothing on SQLite: PostgreSQL's 0045 chains audit rows in the INSERT that stores them, so that a
-- transaction holds the chain's lock for no round trip. SQLite's single writer chains them in ward's
-- process, under its own lock. The file keeps the two dialects' versions in step.
SELECT 1;
