-- Issue 7: the Today screen and the register's first page at 1 000 000
-- complaints. Both counted complaints by walking an index of every row: the
-- status groups (with the secret filter of a clerk's role, a row read per
-- entry), the open total, the register's unfiltered total. At 1 M that was
-- about 0.4 s per Today screen, and the register's first page waited behind
-- it on the app's one connection.
--
-- How many complaints are in each status, secret or not, kept by triggers in
-- the writer's own transaction (as the monev cache of 0009 is): a count read
-- is a handful of rows whatever the store's size. Rows that fall to zero stay
-- (a status comes back). `complaints::status_counts` (posko-core) reads it; the
-- random-operations test compares it with a GROUP BY after every step.
CREATE TABLE IF NOT EXISTS complaint_status_counts (
    status    TEXT    NOT NULL,
    is_secret INTEGER NOT NULL,
    n         INTEGER NOT NULL,
    PRIMARY KEY (status, is_secret)
) WITHOUT ROWID;

-- Counted afresh (also when run again over a store that has the table).
DELETE FROM complaint_status_counts;
INSERT INTO complaint_status_counts (status, is_secret, n)
SELECT status, is_secret, count(*) FROM complaints GROUP BY status, is_secret;

CREATE TRIGGER IF NOT EXISTS complaint_status_counts_insert AFTER INSERT ON complaints
BEGIN
    INSERT INTO complaint_status_counts (status, is_secret, n)
    VALUES (new.status, new.is_secret, 1)
    ON CONFLICT (status, is_secret) DO UPDATE SET n = n + 1;
END;

CREATE TRIGGER IF NOT EXISTS complaint_status_counts_delete AFTER DELETE ON complaints
BEGIN
    UPDATE complaint_status_counts SET n = n - 1
    WHERE status = old.status AND is_secret = old.is_secret;
END;

CREATE TRIGGER IF NOT EXISTS complaint_status_counts_update AFTER UPDATE OF status, is_secret ON complaints
WHEN old.status IS NOT new.status OR old.is_secret IS NOT new.is_secret
BEGIN
    UPDATE complaint_status_counts SET n = n - 1
    WHERE status = old.status AND is_secret = old.is_secret;
    INSERT INTO complaint_status_counts (status, is_secret, n)
    VALUES (new.status, new.is_secret, 1)
    ON CONFLICT (status, is_secret) DO UPDATE SET n = n + 1;
END;

-- The Today screen's overdue and due-today counts and its two lists (the
-- first overdue, the first due within two working days) read open complaints
-- by due date, most urgent first; a clerk's role also filters out secret
-- ones. Keyed (next_due, id, is_secret), the index gives the lists in their
-- order (no sort of every open complaint before the first 50) and the secret
-- filter without reading a row. It serves every query the index it replaces
-- (next_due) served: same leading column, same condition.
DROP INDEX IF EXISTS complaints_open_due;
CREATE INDEX complaints_open_due ON complaints (next_due, id, is_secret) WHERE is_open = 1;
