-- The counters the CounterStore drivers of PostgreSQL and SQLite use. One
-- row per counter; the course's counter is 'visitorCount'.
CREATE TABLE counters (
  name  TEXT PRIMARY KEY,
  value BIGINT NOT NULL
);
