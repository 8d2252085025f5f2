-- A member may read a conversation's messages from history_from on (a sequence number; 0: all of
-- them). The backup an urgent message escalates to joins with the urgent message's number, so
-- escalation never opens older history unless the org's policy says so. Existing members keep 0.
ALTER TABLE conversation_members ADD COLUMN history_from BIGINT NOT NULL DEFAULT 0;
