-- Issue 7: the monev indicators of a year at 1 000 000 complaints.
--
-- A cache of mergeable partial counts (posko_domain::monev::Partial, JSON)
-- per unit and bucket of the date received, so a period's indicators merge
-- a few rows per unit instead of reading every complaint (posko-core
-- monev.rs). A bucket (column `month`) is a month lying wholly inside the
-- period asked ('YYYY-MM') or one day of a month at its edges ('YYYY-MM-DD').
-- A row is written by the indicators themselves, only when every status
-- step, deadline start and deadline met date of its complaints is on or
-- before the end of the period asked (`last_change_date`); it is used for a
-- period ending on or after that date. The triggers below run in the
-- writer's own transaction: every write that can change what the indicators
-- read of a complaint drops the rows of its unit and month and of its unit
-- and day, and a change of the calendar (holidays, work week, zone:
-- durations are counted in working days, dates are office-local) drops them
-- all. Nothing else deletes from it but `posko bench` (to time a first
-- query). A test compares the cached indicators with the row-by-row ones
-- after random operations.
--
-- It is only a cache: dropping the table's rows loses nothing.
CREATE TABLE IF NOT EXISTS monev_month_cache (
    unit_id          INTEGER NOT NULL,
    month            TEXT NOT NULL,  -- 'YYYY-MM' of complaints.received_date, or the date itself
    last_change_date TEXT NOT NULL,  -- office-local 'YYYY-MM-DD'
    partial          TEXT NOT NULL,  -- JSON of the counts and the rule versions
    PRIMARY KEY (unit_id, month)
) STRICT, WITHOUT ROWID;

-- Complaints: a new or deleted complaint, or one whose unit, date received
-- or vocabulary changed (both its old and its new unit and month).
CREATE TRIGGER IF NOT EXISTS monev_cache_complaint_insert AFTER INSERT ON complaints
BEGIN
    DELETE FROM monev_month_cache
    WHERE unit_id = NEW.unit_id AND month IN (substr(NEW.received_date, 1, 7), NEW.received_date);
END;

CREATE TRIGGER IF NOT EXISTS monev_cache_complaint_delete AFTER DELETE ON complaints
BEGIN
    DELETE FROM monev_month_cache
    WHERE unit_id = OLD.unit_id AND month IN (substr(OLD.received_date, 1, 7), OLD.received_date);
END;

CREATE TRIGGER IF NOT EXISTS monev_cache_complaint_update
AFTER UPDATE OF id, unit_id, received_date, kind, channel, topic_id, is_secret, is_anonymous
ON complaints
BEGIN
    DELETE FROM monev_month_cache
    WHERE (unit_id = OLD.unit_id AND month IN (substr(OLD.received_date, 1, 7), OLD.received_date))
       OR (unit_id = NEW.unit_id AND month IN (substr(NEW.received_date, 1, 7), NEW.received_date));
END;

-- The kept status facts (0008; written by the trigger on complaint_events,
-- so every status step lands here).
CREATE TRIGGER IF NOT EXISTS monev_cache_facts_insert AFTER INSERT ON complaint_facts
BEGIN
    DELETE FROM monev_month_cache
    WHERE (unit_id, month) IN (SELECT unit_id, substr(received_date, 1, 7) FROM complaints
                               WHERE id = NEW.complaint_id
                               UNION ALL
                               SELECT unit_id, received_date FROM complaints
                               WHERE id = NEW.complaint_id);
END;

CREATE TRIGGER IF NOT EXISTS monev_cache_facts_update AFTER UPDATE ON complaint_facts
BEGIN
    DELETE FROM monev_month_cache
    WHERE (unit_id, month) IN (SELECT unit_id, substr(received_date, 1, 7) FROM complaints
                               WHERE id IN (OLD.complaint_id, NEW.complaint_id)
                               UNION ALL
                               SELECT unit_id, received_date FROM complaints
                               WHERE id IN (OLD.complaint_id, NEW.complaint_id));
END;

CREATE TRIGGER IF NOT EXISTS monev_cache_facts_delete AFTER DELETE ON complaint_facts
BEGIN
    DELETE FROM monev_month_cache
    WHERE (unit_id, month) IN (SELECT unit_id, substr(received_date, 1, 7) FROM complaints
                               WHERE id = OLD.complaint_id
                               UNION ALL
                               SELECT unit_id, received_date FROM complaints
                               WHERE id = OLD.complaint_id);
END;

-- Deadlines: started, met, due date recomputed, removed.
CREATE TRIGGER IF NOT EXISTS monev_cache_deadline_insert AFTER INSERT ON deadlines
BEGIN
    DELETE FROM monev_month_cache
    WHERE (unit_id, month) IN (SELECT unit_id, substr(received_date, 1, 7) FROM complaints
                               WHERE id = NEW.complaint_id
                               UNION ALL
                               SELECT unit_id, received_date FROM complaints
                               WHERE id = NEW.complaint_id);
END;

CREATE TRIGGER IF NOT EXISTS monev_cache_deadline_update AFTER UPDATE ON deadlines
BEGIN
    DELETE FROM monev_month_cache
    WHERE (unit_id, month) IN (SELECT unit_id, substr(received_date, 1, 7) FROM complaints
                               WHERE id IN (OLD.complaint_id, NEW.complaint_id)
                               UNION ALL
                               SELECT unit_id, received_date FROM complaints
                               WHERE id IN (OLD.complaint_id, NEW.complaint_id));
END;

CREATE TRIGGER IF NOT EXISTS monev_cache_deadline_delete AFTER DELETE ON deadlines
BEGIN
    DELETE FROM monev_month_cache
    WHERE (unit_id, month) IN (SELECT unit_id, substr(received_date, 1, 7) FROM complaints
                               WHERE id = OLD.complaint_id
                               UNION ALL
                               SELECT unit_id, received_date FROM complaints
                               WHERE id = OLD.complaint_id);
END;

-- A unit's code is what the counts are keyed by.
CREATE TRIGGER IF NOT EXISTS monev_cache_unit_code AFTER UPDATE OF id, code ON units
BEGIN
    DELETE FROM monev_month_cache WHERE unit_id IN (OLD.id, NEW.id);
END;

-- The calendar: holidays, and the office settings (work week, cuti bersama,
-- zone; any change of them drops every row).
CREATE TRIGGER IF NOT EXISTS monev_cache_holiday_insert AFTER INSERT ON holidays
BEGIN
    DELETE FROM monev_month_cache;
END;

CREATE TRIGGER IF NOT EXISTS monev_cache_holiday_update AFTER UPDATE ON holidays
BEGIN
    DELETE FROM monev_month_cache;
END;

CREATE TRIGGER IF NOT EXISTS monev_cache_holiday_delete AFTER DELETE ON holidays
BEGIN
    DELETE FROM monev_month_cache;
END;

CREATE TRIGGER IF NOT EXISTS monev_cache_settings_insert AFTER INSERT ON settings
WHEN NEW.key = 'office'
BEGIN
    DELETE FROM monev_month_cache;
END;

CREATE TRIGGER IF NOT EXISTS monev_cache_settings_update AFTER UPDATE ON settings
WHEN NEW.key = 'office' OR OLD.key = 'office'
BEGIN
    DELETE FROM monev_month_cache;
END;

CREATE TRIGGER IF NOT EXISTS monev_cache_settings_delete AFTER DELETE ON settings
WHEN OLD.key = 'office'
BEGIN
    DELETE FROM monev_month_cache;
END;

-- Rows written by an older build would be dropped anyway by the changes
-- above; a migration run again starts empty.
DELETE FROM monev_month_cache;
