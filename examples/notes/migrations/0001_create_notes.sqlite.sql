-- The notes, newest last. created_at is RFC 3339 UTC text with
-- milliseconds, in both engines, so that the same SELECT answers the same
-- JSON on PostgreSQL and SQLite (and sorts as it reads). AUTOINCREMENT: an
-- id is never reused, even after the newest note is deleted.
CREATE TABLE notes (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  text TEXT NOT NULL,
  created_at TEXT NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now'))
);
