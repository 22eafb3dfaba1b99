-- Live updates (the Postgres migration of the same version adds NOTIFY triggers). An SQLite
-- database is a local file: the console checks `PRAGMA data_version` instead. Nothing to create.
SELECT 1;
