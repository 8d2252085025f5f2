-- Team inbox: a conversation a patient starts with a care team belongs to that team's shared inbox (team_id).
-- inbox_status is open | waiting (on the patient) | closed; assignee_id the staff member handling it ('' none);
-- waiting_since (microseconds) when the patient's oldest unanswered message arrived, 0 when staff answered.
-- Ids, a status and a time only: no PHI. Other conversations keep team_id = ''.
ALTER TABLE conversations ADD COLUMN team_id TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN inbox_status TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN assignee_id TEXT NOT NULL DEFAULT '';
ALTER TABLE conversations ADD COLUMN waiting_since BIGINT NOT NULL DEFAULT 0;
-- The inbox opens with its longest-waiting threads first.
CREATE INDEX conversations_inbox ON conversations (team_id, inbox_status, waiting_since, id) WHERE team_id <> '';
