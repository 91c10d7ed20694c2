-- Pull from SP4N-LAPOR!: what the national service says about reports Posko
-- sent (status history, follow-ups, replies of the reporter), conflicts a
-- person must decide, and the daily master lists. Nothing here is ever written
-- from an answer Posko could not understand: every pulled write happens only
-- after the whole answer decoded (see sync/pull.rs).

-- How far pulling has got, per sent report (bookkeeping: not shown as data).
CREATE TABLE lapor_pull_state (
    complaint_id     INTEGER PRIMARY KEY REFERENCES complaints (id),
    -- Length of the server's status history at the last pull: only entries
    -- past it are new in the usual, append-only case.
    status_logs_seen INTEGER NOT NULL DEFAULT 0,
    -- The follow-up page to ask for next: the last page not known to be full
    -- (it may grow), so a run never re-reads the pages before it.
    follow_up_page   INTEGER NOT NULL DEFAULT 1 CHECK (follow_up_page >= 1),
    last_follow_up_id TEXT,
    disposition_id   TEXT,
    disposition_name TEXT,
    pulled_at        TEXT,                 -- last complete, understood pull
    last_error_code  TEXT,                 -- ApiErrorKind code of the last failure, cleared on success
    last_error       TEXT,                 -- its reason (starts with the lapor-wire code)
    last_error_at    TEXT
) STRICT;

-- The national status history of a report, verbatim, append-only. The server
-- sends the whole list each time; an entry is stored once (matched on its
-- content, so a server that rewrites its history cannot make Posko forget).
CREATE TABLE remote_status_logs (
    id           INTEGER PRIMARY KEY,
    complaint_id INTEGER NOT NULL REFERENCES complaints (id),
    seq          INTEGER NOT NULL,          -- position in the server's list when first seen
    status_code  TEXT,
    status_name  TEXT,
    note         TEXT,
    created_at   TEXT,                      -- UTC (server wall time converted)
    fetched_at   TEXT NOT NULL
) STRICT;
CREATE INDEX remote_status_logs_by_complaint ON remote_status_logs (complaint_id, id);

-- Follow-ups written on LAPOR! by someone else: an institution, the LAPOR!
-- admin, or the reporter. A table of their own rather than rows in
-- `follow_ups`, because `follow_ups` is Posko's drafting workflow (draft →
-- approved/returned by named users, each approval queued in the outbox):
-- a remote answer goes through none of that, and mixing them would make every
-- approval query, the follow-up queue and the outbox need an origin filter.
-- Posko's own follow-ups, when listed back by the server, are recognised by
-- `follow_ups.lapor_followup_id` and are not stored here. Each row also gets a
-- timeline event (`lapor_follow_up` / `lapor_reporter_reply`) so the detail
-- screen shows it without a new query.
CREATE TABLE remote_follow_ups (
    id                    INTEGER PRIMARY KEY,
    complaint_id          INTEGER NOT NULL REFERENCES complaints (id),
    lapor_followup_id     TEXT NOT NULL,
    sender                TEXT NOT NULL CHECK (sender IN ('institution', 'reporter')),
    institution_from_id   TEXT,
    institution_from_name TEXT,
    institution_to_id     TEXT,
    institution_to_name   TEXT,
    content               TEXT NOT NULL,
    template_code         TEXT,
    rating                INTEGER,
    is_secret             INTEGER CHECK (is_secret IN (0, 1)),
    attachments           TEXT NOT NULL DEFAULT '[]',  -- JSON [{id, file_name, url}]
    created_at            TEXT NOT NULL,               -- UTC
    fetched_at            TEXT NOT NULL,
    -- A reply of the reporter waits for a person ("pelapor membalas") until seen.
    seen_at               TEXT,
    seen_by_name          TEXT,
    UNIQUE (complaint_id, lapor_followup_id)
) STRICT;
CREATE INDEX remote_follow_ups_unseen ON remote_follow_ups (complaint_id)
    WHERE sender = 'reporter' AND seen_at IS NULL;

-- A remote decision that disagrees with the local report; a person decides.
-- kind: remote_decision | unsent_local_change | unknown_status (sync/pull.rs).
-- resolution: keep_local | accept_remote | superseded | converged.
CREATE TABLE sync_conflicts (
    id               INTEGER PRIMARY KEY,
    complaint_id     INTEGER NOT NULL REFERENCES complaints (id),
    kind             TEXT NOT NULL CHECK (kind IN ('remote_decision', 'unsent_local_change', 'unknown_status')),
    local_value      TEXT NOT NULL,         -- local status code at detection
    remote_value     TEXT NOT NULL,         -- remote status_code, verbatim
    remote_name      TEXT NOT NULL,         -- remote status_name, verbatim
    remote_maps_to   TEXT,                  -- the local status it means, NULL if unknown
    unsent           INTEGER NOT NULL DEFAULT 0,  -- unsent outbox items at detection
    run_id           INTEGER REFERENCES sync_runs (id),
    detected_at      TEXT NOT NULL,
    resolved_at      TEXT,
    resolution       TEXT CHECK (resolution IN ('keep_local', 'accept_remote', 'superseded', 'converged')),
    resolved_by_name TEXT,
    CHECK ((resolved_at IS NULL) = (resolution IS NULL))
) STRICT;
-- At most one open conflict per report: a newer remote status supersedes it.
CREATE UNIQUE INDEX sync_conflicts_one_open ON sync_conflicts (complaint_id) WHERE resolved_at IS NULL;

-- Master lists, fetched at most once a day and kept for the settings screen.
CREATE TABLE lapor_institutions (
    id         TEXT PRIMARY KEY,
    name       TEXT NOT NULL,
    fetched_at TEXT NOT NULL
) STRICT;

CREATE TABLE lapor_templates (
    template_code TEXT PRIMARY KEY,
    title         TEXT,
    kind          TEXT,
    content       TEXT,
    fetched_at    TEXT NOT NULL
) STRICT;

CREATE TABLE lapor_masters (
    what            TEXT PRIMARY KEY CHECK (what IN ('institutions', 'templates')),
    fetched_at      TEXT,                   -- last successful fetch
    attempted_at    TEXT,                   -- last try (a failure waits an hour)
    count           INTEGER NOT NULL DEFAULT 0,
    last_error_code TEXT,
    last_error      TEXT
) STRICT;

-- Every pull that failed, with its reason (the pull counterpart of sync_attempts).
CREATE TABLE sync_pull_log (
    id           INTEGER PRIMARY KEY,
    run_id       INTEGER REFERENCES sync_runs (id),
    complaint_id INTEGER REFERENCES complaints (id),
    what         TEXT NOT NULL CHECK (what IN ('status', 'follow_ups', 'institutions', 'templates')),
    at           TEXT NOT NULL,
    http_status  INTEGER,
    error_code   TEXT NOT NULL,             -- ApiErrorKind code (stable)
    detail_code  TEXT,                      -- lapor-wire code (stable), e.g. LAPOR_HTML_PAGE
    message      TEXT NOT NULL
) STRICT;
CREATE INDEX sync_pull_log_by_complaint ON sync_pull_log (complaint_id, id);

ALTER TABLE sync_runs ADD COLUMN pull_failed INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_runs ADD COLUMN remote_follow_ups INTEGER NOT NULL DEFAULT 0;
ALTER TABLE sync_runs ADD COLUMN conflicts INTEGER NOT NULL DEFAULT 0;
