-- Posko store, schema 1.
-- Conventions: instants are RFC 3339 UTC text ("...Z"); office-local calendar
-- dates are 'YYYY-MM-DD' text. Codes (status, kind, channel) are the stable
-- snake_case codes of posko-domain. Every user action is one transaction.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) STRICT;

-- Settings are typed in Rust (posko_core::settings) and stored as JSON values.
CREATE TABLE settings (
    key        TEXT PRIMARY KEY,
    value      TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

-- A unit is a puskesmas or an office; a district store may hold several.
CREATE TABLE units (
    id              INTEGER PRIMARY KEY,
    code            TEXT NOT NULL UNIQUE,
    name            TEXT NOT NULL,
    register_prefix TEXT NOT NULL,
    created_at      TEXT NOT NULL
) STRICT;

CREATE TABLE users (
    id            INTEGER PRIMARY KEY,
    username      TEXT NOT NULL UNIQUE COLLATE NOCASE,
    display_name  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('petugas', 'kepala', 'admin', 'pemantau')),
    nip           TEXT,
    password_hash TEXT,
    active        INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    failed_logins INTEGER NOT NULL DEFAULT 0,
    locked_until  TEXT,
    created_at    TEXT NOT NULL,
    last_login_at TEXT
) STRICT;

-- Two-level topic tree (Kesehatan → Pelayanan Puskesmas).
CREATE TABLE topics (
    id        INTEGER PRIMARY KEY,
    parent_id INTEGER REFERENCES topics (id),
    name      TEXT NOT NULL,
    active    INTEGER NOT NULL DEFAULT 1 CHECK (active IN (0, 1)),
    sort      INTEGER NOT NULL DEFAULT 0
) STRICT;
CREATE UNIQUE INDEX topics_unique_name ON topics (coalesce(parent_id, 0), name);

-- Gap-free register numbers: the counter moves in the same transaction as the insert.
CREATE TABLE register_counters (
    unit_id INTEGER NOT NULL REFERENCES units (id),
    year    INTEGER NOT NULL,
    last    INTEGER NOT NULL,
    PRIMARY KEY (unit_id, year)
) STRICT;

CREATE TABLE complaints (
    id                INTEGER PRIMARY KEY,
    uid               TEXT NOT NULL UNIQUE,      -- stable reference, carried to the national service
    unit_id           INTEGER NOT NULL REFERENCES units (id),
    register_no       TEXT NOT NULL UNIQUE,
    register_year     INTEGER NOT NULL,
    register_seq      INTEGER NOT NULL,
    received_at       TEXT NOT NULL,             -- instant, UTC
    received_date     TEXT NOT NULL,             -- office-local date of received_at
    channel           TEXT NOT NULL,
    kind              TEXT NOT NULL,
    topic_id          INTEGER REFERENCES topics (id),
    title             TEXT NOT NULL,
    description       TEXT NOT NULL,
    incident_place    TEXT,
    incident_date     TEXT,
    reporter_name     TEXT,
    reporter_nik      TEXT,
    reporter_phone    TEXT,                      -- E.164
    reporter_email    TEXT,
    reporter_address  TEXT,
    is_secret         INTEGER NOT NULL DEFAULT 0 CHECK (is_secret IN (0, 1)),
    is_anonymous      INTEGER NOT NULL DEFAULT 0 CHECK (is_anonymous IN (0, 1)),
    status            TEXT NOT NULL,
    is_open           INTEGER NOT NULL DEFAULT 1 CHECK (is_open IN (0, 1)),
    assigned_to       TEXT,
    lapor_complaint_id TEXT,
    lapor_tracking_id TEXT,
    lapor_status_code TEXT,
    lapor_status_name TEXT,
    next_due          TEXT,                      -- nearest unmet deadline (denormalised for filters)
    created_by        INTEGER REFERENCES users (id),
    created_at        TEXT NOT NULL,
    updated_at        TEXT NOT NULL,
    version           INTEGER NOT NULL DEFAULT 1,
    UNIQUE (unit_id, register_year, register_seq)
) STRICT;
CREATE INDEX complaints_received ON complaints (received_date DESC, id DESC);
CREATE INDEX complaints_status ON complaints (status, received_date DESC);
CREATE INDEX complaints_kind ON complaints (kind, received_date DESC);
CREATE INDEX complaints_channel ON complaints (channel, received_date DESC);
CREATE INDEX complaints_topic ON complaints (topic_id, received_date DESC);
CREATE INDEX complaints_open_due ON complaints (next_due) WHERE is_open = 1;
CREATE INDEX complaints_nik ON complaints (reporter_nik) WHERE reporter_nik IS NOT NULL;
CREATE INDEX complaints_phone ON complaints (reporter_phone) WHERE reporter_phone IS NOT NULL;

-- The timeline: append-only (enforced by triggers below).
CREATE TABLE complaint_events (
    id           INTEGER PRIMARY KEY,
    complaint_id INTEGER NOT NULL REFERENCES complaints (id),
    at           TEXT NOT NULL,
    actor_id     INTEGER REFERENCES users (id),
    actor_name   TEXT NOT NULL,
    kind         TEXT NOT NULL,
    from_status  TEXT,
    to_status    TEXT,
    note         TEXT
) STRICT;
CREATE INDEX complaint_events_by_complaint ON complaint_events (complaint_id, id);
CREATE TRIGGER complaint_events_no_update BEFORE UPDATE ON complaint_events
BEGIN SELECT RAISE(ABORT, 'complaint_events is append-only'); END;
CREATE TRIGGER complaint_events_no_delete BEFORE DELETE ON complaint_events
BEGIN SELECT RAISE(ABORT, 'complaint_events is append-only'); END;

-- Each deadline remembers the rule version that produced it, so old reports stay reproducible.
CREATE TABLE deadlines (
    complaint_id INTEGER NOT NULL REFERENCES complaints (id),
    step         TEXT NOT NULL,
    start_date   TEXT NOT NULL,
    due_date     TEXT NOT NULL,
    working_days INTEGER NOT NULL,
    rule_version TEXT NOT NULL,
    met_date     TEXT,                            -- office-local date the step was done
    PRIMARY KEY (complaint_id, step)
) STRICT;
CREATE INDEX deadlines_unmet ON deadlines (due_date) WHERE met_date IS NULL;

CREATE TABLE follow_ups (
    id              INTEGER PRIMARY KEY,
    complaint_id    INTEGER NOT NULL REFERENCES complaints (id),
    content         TEXT NOT NULL,
    template_code   TEXT,
    state           TEXT NOT NULL CHECK (state IN ('draft', 'approved', 'returned')),
    drafted_by      INTEGER REFERENCES users (id),
    drafted_by_name TEXT NOT NULL,
    drafted_at      TEXT NOT NULL,
    decided_by      INTEGER REFERENCES users (id),
    decided_by_name TEXT,
    decided_at      TEXT,
    decision_note   TEXT,
    lapor_followup_id TEXT
) STRICT;
CREATE INDEX follow_ups_by_complaint ON follow_ups (complaint_id, id);
CREATE INDEX follow_ups_drafts ON follow_ups (state) WHERE state = 'draft';

-- Attachments live inside the encrypted store, never as loose files.
CREATE TABLE attachments (
    id                INTEGER PRIMARY KEY,
    complaint_id      INTEGER NOT NULL REFERENCES complaints (id),
    file_name         TEXT NOT NULL,
    mime              TEXT NOT NULL,
    size              INTEGER NOT NULL,
    sha256            TEXT NOT NULL,
    data              BLOB NOT NULL,
    added_by_name     TEXT NOT NULL,
    added_at          TEXT NOT NULL,
    lapor_document_id TEXT
) STRICT;
CREATE INDEX attachments_by_complaint ON attachments (complaint_id);

CREATE TABLE reply_templates (
    code       TEXT PRIMARY KEY,
    title      TEXT NOT NULL,
    content    TEXT NOT NULL,
    updated_at TEXT NOT NULL
) STRICT;

CREATE TABLE holidays (
    date   TEXT PRIMARY KEY,
    name   TEXT NOT NULL,
    kind   TEXT NOT NULL CHECK (kind IN ('nasional', 'cuti_bersama', 'daerah')),
    source TEXT NOT NULL DEFAULT ''
) STRICT;

-- Versioned deadline rules (domain.md §3); the JSON is posko_domain::deadline::RuleSet.
CREATE TABLE deadline_rule_sets (
    version    TEXT PRIMARY KEY,
    valid_from TEXT NOT NULL,
    body       TEXT NOT NULL
) STRICT;

-- What a user was typing, so nothing is lost if the window closes.
CREATE TABLE drafts (
    user_key   TEXT NOT NULL,
    form       TEXT NOT NULL,
    payload    TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    PRIMARY KEY (user_key, form)
) STRICT;

-- Full-text index. Contentless: the text lives once, in complaints; the index
-- is maintained by the core in the same transaction as the row.
CREATE VIRTUAL TABLE complaints_fts USING fts5 (
    register_no, title, description, place, reporter,
    content = '', contentless_delete = 1,
    tokenize = 'unicode61 remove_diacritics 2'
);
