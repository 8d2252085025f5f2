-- The compliance audit search pages an org's events by id, newest first;
-- the dashboard counts an org's messages by day.
CREATE INDEX audit_events_org ON audit_events (org_id, id);
CREATE INDEX messages_org_created ON messages (org_id, created_at);
