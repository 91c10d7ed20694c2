-- Issue 7 (performance targets): monev facts kept per complaint, and
-- register indexes for the common filter pairs.
--
-- 1. Monev facts (indicators without replaying every timeline at query time).
--
-- One row per complaint with at least one status step on its timeline, kept
-- by the trigger below in the same transaction as the step (every status
-- change, from any path: intake, workflow, accepted remote decisions), so it
-- can never disagree with the timeline it summarises. Instants, not dates:
-- the office-local date is derived when reading (as the replay does), so a
-- change of the office's zone needs nothing rewritten.
--
-- A period report reads a complaint from here when every status step is
-- before the end of the period (last_at < end): its state then is its state
-- now. Only complaints that moved after the end are replayed from the
-- timeline (posko-core monev.rs).
--
-- Idempotent (IF NOT EXISTS, rebuilt from the timeline), so a store whose
-- user_version was set back applies it again cleanly.
CREATE TABLE IF NOT EXISTS complaint_facts (
    complaint_id       INTEGER PRIMARY KEY REFERENCES complaints (id) ON DELETE CASCADE,
    status             TEXT NOT NULL,  -- to_status of the last status step (timeline order)
    status_at          TEXT NOT NULL,  -- its instant (the closing, when closed)
    last_at            TEXT NOT NULL,  -- the latest instant of any status step
    verified_at        TEXT,           -- first step to verified
    routed_at          TEXT,           -- first step to routed
    first_follow_up_at TEXT,           -- first step to waiting_reporter (a follow-up given)
    reopened_at        TEXT            -- first step from finished to an open status
) STRICT;

-- The period scan (unit IN (...) AND received_date BETWEEN) reads the
-- vocabulary of each complaint from this index alone, not from the wide
-- complaint rows (unit first: an equality beats the unique index on unit_id).
CREATE INDEX IF NOT EXISTS complaints_monev
    ON complaints (unit_id, received_date, kind, channel, topic_id, is_secret, is_anonymous);

-- The status codes are posko_domain::Status (a unit test checks the lists);
-- an unknown code is skipped, as the replay skips it.
CREATE TRIGGER IF NOT EXISTS complaint_facts_step AFTER INSERT ON complaint_events
WHEN NEW.to_status IN ('received', 'verified', 'routed', 'in_follow_up', 'waiting_reporter',
                       'finished', 'postponed', 'forwarded', 'archived', 'rejected')
BEGIN
    INSERT INTO complaint_facts (complaint_id, status, status_at, last_at, verified_at, routed_at,
                                 first_follow_up_at, reopened_at)
    VALUES (NEW.complaint_id, NEW.to_status, NEW.at, NEW.at,
            iif(NEW.to_status = 'verified', NEW.at, NULL),
            iif(NEW.to_status = 'routed', NEW.at, NULL),
            iif(NEW.to_status = 'waiting_reporter', NEW.at, NULL),
            iif(NEW.from_status = 'finished' AND NEW.to_status IN
                    ('received', 'verified', 'routed', 'in_follow_up', 'waiting_reporter', 'postponed'),
                NEW.at, NULL))
    ON CONFLICT (complaint_id) DO UPDATE SET
        status = excluded.status,
        status_at = excluded.status_at,
        last_at = max(last_at, excluded.last_at),
        verified_at = coalesce(verified_at, excluded.verified_at),
        routed_at = coalesce(routed_at, excluded.routed_at),
        first_follow_up_at = coalesce(first_follow_up_at, excluded.first_follow_up_at),
        reopened_at = coalesce(reopened_at, excluded.reopened_at);
END;

-- Backfill: the same fold over every status step, in timeline order.
DELETE FROM complaint_facts;
INSERT INTO complaint_facts (complaint_id, status, status_at, last_at, verified_at, routed_at,
                             first_follow_up_at, reopened_at)
SELECT complaint_id, to_status, at, at,
       iif(to_status = 'verified', at, NULL),
       iif(to_status = 'routed', at, NULL),
       iif(to_status = 'waiting_reporter', at, NULL),
       iif(from_status = 'finished' AND to_status IN
               ('received', 'verified', 'routed', 'in_follow_up', 'waiting_reporter', 'postponed'),
           at, NULL)
FROM complaint_events
WHERE to_status IN ('received', 'verified', 'routed', 'in_follow_up', 'waiting_reporter',
                    'finished', 'postponed', 'forwarded', 'archived', 'rejected')
ORDER BY id
ON CONFLICT (complaint_id) DO UPDATE SET
    status = excluded.status,
    status_at = excluded.status_at,
    last_at = max(last_at, excluded.last_at),
    verified_at = coalesce(verified_at, excluded.verified_at),
    routed_at = coalesce(routed_at, excluded.routed_at),
    first_follow_up_at = coalesce(first_follow_up_at, excluded.first_follow_up_at),
    reopened_at = coalesce(reopened_at, excluded.reopened_at);

-- 2. The register's common filter pairs, each with the page order (newest
-- first) and is_secret, so the total (count) and the page's ids are read from
-- the index alone (complaints.rs list_complaints reads the page's ids first,
-- then only those rows).
-- complaints_kind (0001) becomes covering for kind + status or date: the
-- page walks it newest first and tests status and is_secret in the index.
DROP INDEX IF EXISTS complaints_kind;
CREATE INDEX IF NOT EXISTS complaints_kind_date
    ON complaints (kind, received_date DESC, id DESC, status, is_secret);
CREATE INDEX IF NOT EXISTS complaints_kind_status
    ON complaints (kind, status, received_date DESC, id DESC, is_secret);
CREATE INDEX IF NOT EXISTS complaints_channel_open
    ON complaints (channel, is_open, received_date DESC, id DESC, is_secret);

-- 3. Staff activity of a period (monev) reads the events of its last month,
-- not every event of the store.
CREATE INDEX IF NOT EXISTS complaint_events_at ON complaint_events (at, actor_id);
