-- Which front end an operator action came from: 'console' or 'cli' (NULL on rows written
-- before this column existed).
ALTER TABLE operator_audit ADD COLUMN via TEXT;
