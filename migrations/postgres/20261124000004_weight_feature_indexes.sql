-- SQLite gains per-feature covering indexes for the weight map in this version. Postgres
-- groups the window with hash aggregates and needs none; the file keeps the two backends'
-- migration versions in step.
SELECT 1;
