-- Merging duplicate patient records (internal/patients): merged_into is the id of the record a duplicate
-- was merged into (NULL: not merged). Conversations about the duplicate list under the survivor too;
-- unmerging sets it back to NULL. The duplicate's own fields stay sealed as they were.
ALTER TABLE patients ADD COLUMN merged_into TEXT;
CREATE INDEX patients_merged_into ON patients (org_id, merged_into);
