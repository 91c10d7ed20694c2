-- Sync with SP4N-LAPOR!: an outbox written in the same transaction as the
-- change it carries, the history of every attempt, and one row per sync run.

-- One row per thing to send. `state`:
--   pending      not yet sent (or due for a retry at next_attempt_at)
--   sending      a request is (or was, before a crash) on the wire
--   unknown      sent, outcome unknown (timeout, dropped answer): reconcile
--                before any resend, never send blindly again ("perlu dicek")
--   sent         accepted; remote ids are on the complaint / follow-up
--   quarantined  refused by the server or not sendable; needs a person
--   skipped      a person decided not to send it
CREATE TABLE outbox (
    id              INTEGER PRIMARY KEY,
    complaint_id    INTEGER NOT NULL REFERENCES complaints (id),
    op              TEXT NOT NULL CHECK (op IN ('create_complaint', 'add_follow_up')),
    follow_up_id    INTEGER REFERENCES follow_ups (id),
    state           TEXT NOT NULL CHECK (state IN ('pending', 'sending', 'unknown', 'sent', 'quarantined', 'skipped')),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at TEXT,
    last_error_code TEXT,
    last_error      TEXT,
    created_at      TEXT NOT NULL,
    updated_at      TEXT NOT NULL,
    CHECK ((op = 'add_follow_up') = (follow_up_id IS NOT NULL))
) STRICT;
CREATE INDEX outbox_work ON outbox (state, id) WHERE state IN ('pending', 'sending', 'unknown');
CREATE INDEX outbox_by_complaint ON outbox (complaint_id, id);
CREATE UNIQUE INDEX outbox_one_create ON outbox (complaint_id) WHERE op = 'create_complaint';
CREATE UNIQUE INDEX outbox_one_follow_up ON outbox (follow_up_id) WHERE op = 'add_follow_up';

CREATE TABLE sync_attempts (
    id          INTEGER PRIMARY KEY,
    outbox_id   INTEGER NOT NULL REFERENCES outbox (id),
    run_id      INTEGER REFERENCES sync_runs (id),
    at          TEXT NOT NULL,
    action      TEXT NOT NULL,            -- send | reconcile
    outcome     TEXT NOT NULL,            -- sent | retry | unknown | quarantined | adopted | resend
    http_status INTEGER,
    error_code  TEXT,
    message     TEXT,
    duration_ms INTEGER NOT NULL
) STRICT;
CREATE INDEX sync_attempts_by_outbox ON sync_attempts (outbox_id, id);

CREATE TABLE sync_runs (
    id              INTEGER PRIMARY KEY,
    started_at      TEXT NOT NULL,
    finished_at     TEXT,
    sent            INTEGER NOT NULL DEFAULT 0,
    retried         INTEGER NOT NULL DEFAULT 0,
    unknown         INTEGER NOT NULL DEFAULT 0,
    quarantined     INTEGER NOT NULL DEFAULT 0,
    adopted         INTEGER NOT NULL DEFAULT 0,
    pulled          INTEGER NOT NULL DEFAULT 0,
    clock_skew_secs INTEGER,
    error_code      TEXT,
    cancelled       INTEGER NOT NULL DEFAULT 0 CHECK (cancelled IN (0, 1))
) STRICT;

-- Reports recorded before sync existed are queued too.
INSERT INTO outbox (complaint_id, op, state, created_at, updated_at)
SELECT id, 'create_complaint', 'pending', created_at, created_at
FROM complaints WHERE lapor_complaint_id IS NULL;
